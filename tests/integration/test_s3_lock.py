"""S3 Object Lock: retention (GOVERNANCE and COMPLIANCE) and legal holds per object version,
what they forbid (deleting or shortening), the governance bypass, default retention from the
bucket's Object Lock configuration, and buckets without Object Lock."""

import base64
import datetime
import hashlib
import zlib

import pytest

from conftest import expect_s3_error, s3_client, s3_error_fields, s3_request, unique_bucket

LOCKED = "Access Denied because object protected by object lock."


@pytest.fixture
def bucket(s3):
    name = unique_bucket("lock")
    s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
    return name


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def md5(data):
    return base64.b64encode(hashlib.md5(data).digest()).decode()



def put(s3, bucket, key, body=b"data", **kwargs):
    return s3.put_object(Bucket=bucket, Key=key, Body=body, ContentMD5=md5(body), **kwargs)


def test_governance_retention(s3, bucket):
    v = put(s3, bucket, "gov")["VersionId"]
    until = utcnow() + datetime.timedelta(days=1)
    out = s3.put_object_retention(Bucket=bucket, Key="gov", VersionId=v,
                                  Retention={"Mode": "GOVERNANCE", "RetainUntilDate": until})
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 200
    got = s3.get_object_retention(Bucket=bucket, Key="gov", VersionId=v)["Retention"]
    assert got == {"Mode": "GOVERNANCE", "RetainUntilDate": until}
    head = s3.head_object(Bucket=bucket, Key="gov")
    assert head["ObjectLockMode"] == "GOVERNANCE"
    assert head["ObjectLockRetainUntilDate"] == until
    # The version cannot be deleted...
    expect_s3_error(s3.delete_object, "AccessDenied", 403, LOCKED, Bucket=bucket, Key="gov",
                 VersionId=v)
    # ...nor its retention shortened or removed, without the bypass.
    expect_s3_error(s3.put_object_retention, "AccessDenied", 403, LOCKED, Bucket=bucket, Key="gov",
                 VersionId=v, Retention={"Mode": "GOVERNANCE",
                                         "RetainUntilDate": until - datetime.timedelta(hours=1)})
    # Extending needs no bypass.
    later = until + datetime.timedelta(days=1)
    s3.put_object_retention(Bucket=bucket, Key="gov", VersionId=v,
                            Retention={"Mode": "GOVERNANCE", "RetainUntilDate": later})
    assert s3.get_object_retention(Bucket=bucket, Key="gov")["Retention"]["RetainUntilDate"] == \
        later
    # With x-amz-bypass-governance-retention: true, both work.
    s3.put_object_retention(Bucket=bucket, Key="gov", VersionId=v, BypassGovernanceRetention=True,
                            Retention={"Mode": "GOVERNANCE", "RetainUntilDate": until})
    assert s3.get_object_retention(Bucket=bucket, Key="gov")["Retention"]["RetainUntilDate"] == \
        until
    out = s3.delete_object(Bucket=bucket, Key="gov", VersionId=v, BypassGovernanceRetention=True)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert out["VersionId"] == v
    assert "Versions" not in s3.list_object_versions(Bucket=bucket, Prefix="gov")


def test_compliance_retention_cannot_be_shortened(s3, bucket):
    v = put(s3, bucket, "comp")["VersionId"]
    until = utcnow() + datetime.timedelta(days=2)
    s3.put_object_retention(Bucket=bucket, Key="comp", VersionId=v,
                            Retention={"Mode": "COMPLIANCE", "RetainUntilDate": until})
    shorter = {"Mode": "COMPLIANCE", "RetainUntilDate": until - datetime.timedelta(days=1)}
    for bypass in (False, True):
        expect_s3_error(s3.put_object_retention, "AccessDenied", 403, LOCKED, Bucket=bucket,
                     Key="comp", VersionId=v, Retention=shorter, BypassGovernanceRetention=bypass)
        expect_s3_error(s3.put_object_retention, "AccessDenied", 403, LOCKED, Bucket=bucket,
                     Key="comp", VersionId=v, BypassGovernanceRetention=bypass,
                     Retention={"Mode": "GOVERNANCE", "RetainUntilDate": until})
        expect_s3_error(s3.delete_object, "AccessDenied", 403, LOCKED, Bucket=bucket, Key="comp",
                     VersionId=v, BypassGovernanceRetention=bypass)
    later = until + datetime.timedelta(days=3)
    s3.put_object_retention(Bucket=bucket, Key="comp", VersionId=v,
                            Retention={"Mode": "COMPLIANCE", "RetainUntilDate": later})
    assert s3.get_object_retention(Bucket=bucket, Key="comp", VersionId=v)["Retention"] == \
        {"Mode": "COMPLIANCE", "RetainUntilDate": later}
    assert s3.get_object(Bucket=bucket, Key="comp", VersionId=v)["Body"].read() == b"data"


def test_legal_hold(s3, bucket):
    v = put(s3, bucket, "held")["VersionId"]
    expect_s3_error(s3.get_object_legal_hold, "NoSuchObjectLockConfiguration", 404,
                 "The specified object does not have a ObjectLock configuration",
                 Bucket=bucket, Key="held")
    expect_s3_error(s3.get_object_retention, "NoSuchObjectLockConfiguration", 404,
                 Bucket=bucket, Key="held")
    s3.put_object_legal_hold(Bucket=bucket, Key="held", VersionId=v, LegalHold={"Status": "ON"})
    assert s3.get_object_legal_hold(Bucket=bucket, Key="held")["LegalHold"] == {"Status": "ON"}
    assert s3.head_object(Bucket=bucket, Key="held")["ObjectLockLegalHoldStatus"] == "ON"
    # A legal hold ignores the governance bypass.
    for bypass in (False, True):
        expect_s3_error(s3.delete_object, "AccessDenied", 403, LOCKED, Bucket=bucket, Key="held",
                     VersionId=v, BypassGovernanceRetention=bypass)
    s3.put_object_legal_hold(Bucket=bucket, Key="held", VersionId=v, LegalHold={"Status": "OFF"})
    assert s3.get_object_legal_hold(Bucket=bucket, Key="held", VersionId=v)["LegalHold"] == \
        {"Status": "OFF"}
    expect_s3_error(s3.put_object_legal_hold, "MalformedXML", 400, Bucket=bucket, Key="held",
                 LegalHold={"Status": "MAYBE"})
    assert s3.delete_object(Bucket=bucket, Key="held", VersionId=v)["VersionId"] == v


def test_legal_hold_and_retention_headers_on_put(s3, bucket):
    until = utcnow() + datetime.timedelta(days=1)
    v = put(s3, bucket, "headers", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=until,
            ObjectLockLegalHoldStatus="ON")["VersionId"]
    head = s3.head_object(Bucket=bucket, Key="headers", VersionId=v)
    assert (head["ObjectLockMode"], head["ObjectLockRetainUntilDate"],
            head["ObjectLockLegalHoldStatus"]) == ("GOVERNANCE", until, "ON")
    expect_s3_error(s3.delete_object, "AccessDenied", 403, Bucket=bucket, Key="headers",
                 VersionId=v, BypassGovernanceRetention=True)
    # Both retention headers, or neither.
    expect_s3_error(put, "InvalidArgument", 400,
                 "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be "
                 "supplied", s3=s3, bucket=bucket, key="half", ObjectLockMode="GOVERNANCE")


NO_DIGEST = ("Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests "
             "with Object Lock parameters")


def raw_put(daemon, bucket, key, headers):
    """A PutObject without the Content-MD5 boto3 always adds."""
    return s3_request(daemon, "PUT", f"/{bucket}/{key}", b"x", headers)


def test_lock_parameters_need_a_body_digest(daemon, s3, bucket):
    until = (utcnow() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    lock = {"x-amz-object-lock-mode": "GOVERNANCE",
            "x-amz-object-lock-retain-until-date": until}
    r = raw_put(daemon, bucket, "nodigest", lock)
    assert r.status == 400, r
    assert (s3_error_fields(r.body)["Code"], s3_error_fields(r.body)["Message"]) == \
        ("InvalidRequest", NO_DIGEST)
    r = raw_put(daemon, bucket, "hold", {"x-amz-object-lock-legal-hold": "ON"})
    assert r.status == 400 and s3_error_fields(r.body)["Message"] == NO_DIGEST
    # The SigV4 payload hash is no substitute; Content-MD5 or a checksum header is.
    r = raw_put(daemon, bucket, "md5", dict(lock, **{"Content-MD5": md5(b"x")}))
    assert r.status == 200, r
    crc = base64.b64encode(zlib.crc32(b"x").to_bytes(4, "big")).decode()
    r = raw_put(daemon, bucket, "crc", dict(lock, **{"x-amz-checksum-crc32": crc}))
    assert r.status == 200, r
    assert s3.head_object(Bucket=bucket, Key="crc")["ObjectLockMode"] == "GOVERNANCE"
    # Without lock parameters (and without a default retention) no digest is needed.
    assert raw_put(daemon, bucket, "plain", {}).status == 200
    # boto3's own PutObject always sends Content-MD5.
    s3.put_object(Bucket=bucket, Key="boto3", Body=b"x", ObjectLockMode="GOVERNANCE",
                  ObjectLockRetainUntilDate=utcnow() + datetime.timedelta(days=1))


def test_retention_must_be_in_the_future(s3, bucket):
    v = put(s3, bucket, "past")["VersionId"]
    expect_s3_error(s3.put_object_retention, "InvalidArgument", 400,
                 "The retain until date must be in the future!", Bucket=bucket, Key="past",
                 VersionId=v, Retention={"Mode": "GOVERNANCE",
                                         "RetainUntilDate": utcnow() - datetime.timedelta(days=1)})
    expect_s3_error(s3.put_object_retention, "MalformedXML", 400, Bucket=bucket, Key="past",
                 Retention={"Mode": "FOREVER", "RetainUntilDate": utcnow()})


def test_default_retention_applies_to_new_objects(daemon, s3, bucket):
    s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}})
    before = utcnow()
    v = put(s3, bucket, "defaulted")["VersionId"]
    after = utcnow() + datetime.timedelta(seconds=1)
    retention = s3.get_object_retention(Bucket=bucket, Key="defaulted")["Retention"]
    assert retention["Mode"] == "GOVERNANCE"
    one_day = datetime.timedelta(days=1)
    assert before + one_day <= retention["RetainUntilDate"] <= after + one_day
    expect_s3_error(s3.delete_object, "AccessDenied", 403, LOCKED, Bucket=bucket, Key="defaulted",
                 VersionId=v)
    # With a default retention every PutObject carries lock parameters: a digest is required.
    r = raw_put(daemon, bucket, "nodigest", {})
    assert r.status == 400 and s3_error_fields(r.body)["Message"] == NO_DIGEST
    # Explicit retention headers win over the default.
    until = utcnow() + datetime.timedelta(days=5)
    put(s3, bucket, "explicit", ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=until)
    assert s3.get_object_retention(Bucket=bucket, Key="explicit")["Retention"] == \
        {"Mode": "COMPLIANCE", "RetainUntilDate": until}
    # Years count too; objects written before a change keep their retention.
    s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Years": 1}}})
    put(s3, bucket, "yearly")
    retention = s3.get_object_retention(Bucket=bucket, Key="yearly")["Retention"]
    assert retention["Mode"] == "COMPLIANCE"
    assert retention["RetainUntilDate"] >= before + datetime.timedelta(days=365)
    assert s3.get_object_retention(Bucket=bucket, Key="defaulted")["Retention"]["Mode"] == \
        "GOVERNANCE"


def test_delete_without_version_adds_a_delete_marker(s3, bucket):
    v = put(s3, bucket, "marked")["VersionId"]
    s3.put_object_legal_hold(Bucket=bucket, Key="marked", VersionId=v, LegalHold={"Status": "ON"})
    out = s3.delete_object(Bucket=bucket, Key="marked")
    assert out["DeleteMarker"] is True and out["VersionId"] != v
    expect_s3_error(s3.get_object, "NoSuchKey", 404, Bucket=bucket, Key="marked")
    assert s3.get_object(Bucket=bucket, Key="marked", VersionId=v)["Body"].read() == b"data"
    # The marker itself carries no lock and can be removed, restoring the object.
    s3.delete_object(Bucket=bucket, Key="marked", VersionId=out["VersionId"])
    assert s3.get_object(Bucket=bucket, Key="marked")["Body"].read() == b"data"
    # Lock operations on a delete marker are not allowed.
    marker = s3.delete_object(Bucket=bucket, Key="marked")["VersionId"]
    expect_s3_error(s3.put_object_legal_hold, "MethodNotAllowed", 405, Bucket=bucket, Key="marked",
                 VersionId=marker, LegalHold={"Status": "OFF"})


def test_delete_objects_reports_locked_versions(s3, bucket):
    v1 = put(s3, bucket, "multi-locked")["VersionId"]
    v2 = put(s3, bucket, "multi-free")["VersionId"]
    s3.put_object_legal_hold(Bucket=bucket, Key="multi-locked", VersionId=v1,
                             LegalHold={"Status": "ON"})
    out = s3.delete_objects(Bucket=bucket, Delete={"Objects": [
        {"Key": "multi-locked", "VersionId": v1}, {"Key": "multi-free", "VersionId": v2}]})
    assert [d["Key"] for d in out["Deleted"]] == ["multi-free"]
    assert [(e["Key"], e["Code"]) for e in out["Errors"]] == [("multi-locked", "AccessDenied")]


def test_versioning_stays_enabled(s3, bucket):
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    expect_s3_error(s3.put_bucket_versioning, "InvalidBucketState", 409, Bucket=bucket,
                 VersioningConfiguration={"Status": "Suspended"})


def test_bucket_without_object_lock(s3):
    name = unique_bucket("nolock")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    until = utcnow() + datetime.timedelta(days=1)
    message = "Bucket is missing Object Lock Configuration"
    expect_s3_error(put, "InvalidRequest", 400, message, s3=s3, bucket=name, key="k",
                 ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=until)
    expect_s3_error(put, "InvalidRequest", 400, message, s3=s3, bucket=name, key="k",
                 ObjectLockLegalHoldStatus="ON")
    put(s3, name, "k")
    expect_s3_error(s3.put_object_retention, "InvalidRequest", 400, message, Bucket=name, Key="k",
                 Retention={"Mode": "GOVERNANCE", "RetainUntilDate": until})
    expect_s3_error(s3.get_object_retention, "InvalidRequest", 400, message, Bucket=name, Key="k")
    expect_s3_error(s3.put_object_legal_hold, "InvalidRequest", 400, message, Bucket=name, Key="k",
                 LegalHold={"Status": "ON"})
    expect_s3_error(s3.get_object_legal_hold, "InvalidRequest", 400, message, Bucket=name, Key="k")
    expect_s3_error(s3.create_multipart_upload, "InvalidRequest", 400, message, Bucket=name,
                 Key="mp", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=until)


def test_other_account_is_denied(daemon, s3, bucket):
    other = s3_client(daemon.endpoint, access_key="111122223333")
    v = put(s3, bucket, "mine")["VersionId"]
    until = utcnow() + datetime.timedelta(days=1)
    expect_s3_error(other.put_object_retention, "AccessDenied", 403, Bucket=bucket, Key="mine",
                 VersionId=v, Retention={"Mode": "GOVERNANCE", "RetainUntilDate": until})
    expect_s3_error(other.get_object_legal_hold, "AccessDenied", 403, Bucket=bucket, Key="mine")


def test_retention_with_cli(daemon, s3, bucket):
    v = put(s3, bucket, "cli")["VersionId"]
    until = (utcnow() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    r = daemon.aws("s3api", "put-object-retention", "--bucket", bucket, "--key", "cli",
                   "--retention", f'{{"Mode":"GOVERNANCE","RetainUntilDate":"{until}"}}')
    assert r.rc == 0, r
    r = daemon.aws("s3api", "get-object-retention", "--bucket", bucket, "--key", "cli")
    assert r.rc == 0, r
    assert r.json()["Retention"]["Mode"] == "GOVERNANCE"
    assert r.json()["Retention"]["RetainUntilDate"].startswith(until[:19])
    r = daemon.aws("s3api", "delete-object", "--bucket", bucket, "--key", "cli", "--version-id", v)
    assert r.rc != 0 and r.error_code() == "AccessDenied", r
    r = daemon.aws("s3api", "delete-object", "--bucket", bucket, "--key", "cli", "--version-id", v,
                   "--bypass-governance-retention")
    assert r.rc == 0, r
    r = daemon.aws("s3api", "put-object-legal-hold", "--bucket", bucket, "--key", "cli",
                   "--legal-hold", "Status=ON")
    assert r.rc != 0 and r.error_code() == "NoSuchKey", r


def test_retention_ends_on_the_daemon_clock(fresh_daemon):
    daemon = fresh_daemon
    s3 = s3_client(daemon.endpoint)
    name = unique_bucket("lock")
    s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
    v = put(s3, name, "k")["VersionId"]
    until = utcnow() + datetime.timedelta(hours=1)
    s3.put_object_retention(Bucket=name, Key="k", VersionId=v,
                            Retention={"Mode": "COMPLIANCE", "RetainUntilDate": until})
    expect_s3_error(s3.delete_object, "AccessDenied", 403, Bucket=name, Key="k", VersionId=v)
    daemon.clock(advance=7200)
    assert s3.delete_object(Bucket=name, Key="k", VersionId=v)["VersionId"] == v
