"""S3 lifecycle rules applied by the daemon against its clock: moving the clock with POST
/_gureum/clock runs them at once. Each test freezes the clock at a known instant, writes, then
advances it across the rule's due time, which S3 computes as the object's creation plus the
rule's days, rounded up to the next midnight UTC."""

import datetime

import pytest
from botocore.exceptions import ClientError

from conftest import s3_client, s3_error, unique_bucket

DAY = 86400
# 15:30 UTC: an object written now with a 1-day rule is due at midnight starting day 2.
T0 = datetime.datetime(2030, 3, 10, 15, 30, 0, tzinfo=datetime.timezone.utc)


@pytest.fixture
def env(fresh_daemon):
    daemon = fresh_daemon
    daemon.clock(freeze=T0.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return daemon, s3_client(daemon.endpoint)


def now(daemon):
    return datetime.datetime.strptime(daemon.clock()["now"][:19], "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=datetime.timezone.utc)


def advance_to(daemon, when):
    """Moves the (frozen) daemon clock forward to `when`; lifecycle rules run right after."""
    seconds = (when - now(daemon)).total_seconds()
    assert seconds >= 0
    daemon.clock(advance=seconds)
    assert now(daemon) == when


def keys(s3, bucket):
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))


def versions(s3, bucket):
    out = s3.list_object_versions(Bucket=bucket)
    v = [(x["Key"], x["VersionId"], x["IsLatest"], "version") for x in out.get("Versions", [])]
    m = [(x["Key"], x["VersionId"], x["IsLatest"], "marker")
         for x in out.get("DeleteMarkers", [])]
    return v + m


def lifecycle(s3, bucket, *rules):
    s3.put_bucket_lifecycle_configuration(Bucket=bucket,
                                          LifecycleConfiguration={"Rules": list(rules)})


def bucket_with(s3, versioned=False):
    name = unique_bucket("lc")
    s3.create_bucket(Bucket=name)
    if versioned:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


def midnight(days_after):
    """Midnight UTC `days_after` days after T0's day."""
    return datetime.datetime(T0.year, T0.month, T0.day, tzinfo=datetime.timezone.utc) + \
        datetime.timedelta(days=days_after)


SECOND = datetime.timedelta(seconds=1)


def test_expiration_by_days_is_due_at_the_next_midnight(env):
    daemon, s3 = env
    bucket = bucket_with(s3)
    s3.put_object(Bucket=bucket, Key="logs/a.log", Body=b"a")
    s3.put_object(Bucket=bucket, Key="keep/b.txt", Body=b"b")
    lifecycle(s3, bucket, {"ID": "expire-logs", "Filter": {"Prefix": "logs/"},
                           "Status": "Enabled", "Expiration": {"Days": 1}})
    # Created 2030-03-10 15:30: one day later is 03-11 15:30, rounded up to 03-12 00:00.
    advance_to(daemon, T0 + datetime.timedelta(days=1))
    assert keys(s3, bucket) == ["keep/b.txt", "logs/a.log"]
    advance_to(daemon, midnight(2) - SECOND)
    assert keys(s3, bucket) == ["keep/b.txt", "logs/a.log"]
    advance_to(daemon, midnight(2))
    assert keys(s3, bucket) == ["keep/b.txt"]
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="logs/a.log")
    assert s3_error(e.value)[:2] == ("NoSuchKey", 404)


def test_object_written_at_midnight_is_due_exactly_days_later(env):
    daemon, s3 = env
    advance_to(daemon, midnight(1))
    bucket = bucket_with(s3)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    lifecycle(s3, bucket, {"ID": "r", "Filter": {}, "Status": "Enabled",
                           "Expiration": {"Days": 2}})
    advance_to(daemon, midnight(3) - SECOND)
    assert keys(s3, bucket) == ["k"]
    advance_to(daemon, midnight(3))
    assert keys(s3, bucket) == []


def test_expiration_by_date(env):
    daemon, s3 = env
    bucket = bucket_with(s3)
    s3.put_object(Bucket=bucket, Key="a", Body=b"a")
    lifecycle(s3, bucket, {"ID": "by-date", "Filter": {"Prefix": ""}, "Status": "Enabled",
                           "Expiration": {"Date": midnight(5)}})
    advance_to(daemon, midnight(5) - SECOND)
    assert keys(s3, bucket) == ["a"]
    advance_to(daemon, midnight(5))
    assert keys(s3, bucket) == []
    # Objects written after the date expire at the next run.
    s3.put_object(Bucket=bucket, Key="late", Body=b"x")
    assert keys(s3, bucket) == ["late"]
    daemon.clock(advance=60)
    assert keys(s3, bucket) == []


def test_tag_prefix_and_size_filters(env):
    daemon, s3 = env
    bucket = bucket_with(s3)
    s3.put_object(Bucket=bucket, Key="tmp/tagged", Body=b"x", Tagging="tier=scratch&team=a")
    s3.put_object(Bucket=bucket, Key="tmp/untagged", Body=b"x")
    s3.put_object(Bucket=bucket, Key="other/tagged", Body=b"x", Tagging="tier=scratch")
    s3.put_object(Bucket=bucket, Key="tmp/other-value", Body=b"x", Tagging="tier=gold")
    s3.put_object(Bucket=bucket, Key="size/small", Body=b"x" * 10)
    s3.put_object(Bucket=bucket, Key="size/medium", Body=b"x" * 500)
    s3.put_object(Bucket=bucket, Key="size/large", Body=b"x" * 5000)
    s3.put_object(Bucket=bucket, Key="tag-only", Body=b"x", Tagging="purge=yes")
    lifecycle(s3, bucket,
              {"ID": "and", "Status": "Enabled", "Expiration": {"Days": 1},
               "Filter": {"And": {"Prefix": "tmp/", "Tags": [{"Key": "tier",
                                                               "Value": "scratch"}]}}},
              {"ID": "size", "Status": "Enabled", "Expiration": {"Days": 1},
               "Filter": {"And": {"Prefix": "size/", "ObjectSizeGreaterThan": 100,
                                  "ObjectSizeLessThan": 1000}}},
              {"ID": "tag", "Status": "Enabled", "Expiration": {"Days": 1},
               "Filter": {"Tag": {"Key": "purge", "Value": "yes"}}})
    advance_to(daemon, midnight(2))
    assert keys(s3, bucket) == ["other/tagged", "size/large", "size/small", "tmp/other-value",
                                "tmp/untagged"]


def test_size_filter_alone(env):
    daemon, s3 = env
    bucket = bucket_with(s3)
    s3.put_object(Bucket=bucket, Key="big", Body=b"x" * 2048)
    s3.put_object(Bucket=bucket, Key="small", Body=b"x" * 16)
    lifecycle(s3, bucket, {"ID": "big", "Status": "Enabled", "Expiration": {"Days": 1},
                           "Filter": {"ObjectSizeGreaterThan": 1024}})
    advance_to(daemon, midnight(2))
    assert keys(s3, bucket) == ["small"]


def test_versioned_bucket_gets_a_delete_marker(env):
    daemon, s3 = env
    bucket = bucket_with(s3, versioned=True)
    v1 = s3.put_object(Bucket=bucket, Key="doc", Body=b"v1")["VersionId"]
    lifecycle(s3, bucket, {"ID": "expire", "Filter": {}, "Status": "Enabled",
                           "Expiration": {"Days": 1}})
    advance_to(daemon, midnight(2))
    assert keys(s3, bucket) == []
    listed = versions(s3, bucket)
    assert ("doc", v1, False, "version") in listed
    markers = [x for x in listed if x[3] == "marker"]
    assert len(markers) == 1 and markers[0][2] is True
    # The data is still there, as a noncurrent version.
    assert s3.get_object(Bucket=bucket, Key="doc", VersionId=v1)["Body"].read() == b"v1"
    # A marker is not expired again: nothing more happens later.
    advance_to(daemon, midnight(10))
    assert len(versions(s3, bucket)) == 2


def test_expired_object_delete_marker_is_removed(env):
    daemon, s3 = env
    bucket = bucket_with(s3, versioned=True)
    v1 = s3.put_object(Bucket=bucket, Key="gone", Body=b"x")["VersionId"]
    s3.put_object(Bucket=bucket, Key="kept", Body=b"x")
    s3.delete_object(Bucket=bucket, Key="kept")  # a marker with a version behind it
    s3.delete_object(Bucket=bucket, Key="gone")
    s3.delete_object(Bucket=bucket, Key="gone", VersionId=v1)  # only the marker is left
    lifecycle(s3, bucket, {"ID": "markers", "Filter": {}, "Status": "Enabled",
                           "Expiration": {"ExpiredObjectDeleteMarker": True}})
    daemon.clock(advance=60)
    listed = versions(s3, bucket)
    assert [x[0] for x in listed if x[3] == "marker"] == ["kept"]
    assert [x[0] for x in listed if x[3] == "version"] == ["kept"]


def test_noncurrent_version_expiration(env):
    daemon, s3 = env
    bucket = bucket_with(s3, versioned=True)
    # Four versions, a day apart: v1..v3 become noncurrent as each successor is written.
    ids = []
    for i in range(4):
        ids.append(s3.put_object(Bucket=bucket, Key="k", Body=f"v{i + 1}".encode())["VersionId"])
        advance_to(daemon, now(daemon) + datetime.timedelta(days=1))
    lifecycle(s3, bucket, {"ID": "noncurrent", "Filter": {}, "Status": "Enabled",
                           "NoncurrentVersionExpiration": {"NoncurrentDays": 5,
                                                           "NewerNoncurrentVersions": 1}})
    # v1 became noncurrent on day 1 (03-11 15:30) and is due 5 days later, rounded: 03-17 00:00.
    # v2 (noncurrent from 03-12 15:30) is due 03-18 00:00; v3 is the one newer noncurrent
    # version kept whatever its age.
    advance_to(daemon, midnight(7) - SECOND)
    assert sorted(x[1] for x in versions(s3, bucket)) == sorted(ids)
    advance_to(daemon, midnight(7))
    assert sorted(x[1] for x in versions(s3, bucket)) == sorted(ids[1:])
    advance_to(daemon, midnight(8))
    assert sorted(x[1] for x in versions(s3, bucket)) == sorted(ids[2:])
    advance_to(daemon, midnight(60))
    assert sorted(x[1] for x in versions(s3, bucket)) == sorted(ids[2:])
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v4"


def test_noncurrent_version_expiration_without_newer_versions_kept(env):
    daemon, s3 = env
    bucket = bucket_with(s3, versioned=True)
    old = s3.put_object(Bucket=bucket, Key="k", Body=b"old")["VersionId"]
    new = s3.put_object(Bucket=bucket, Key="k", Body=b"new")["VersionId"]
    lifecycle(s3, bucket, {"ID": "nc", "Filter": {"Prefix": "k"}, "Status": "Enabled",
                           "NoncurrentVersionExpiration": {"NoncurrentDays": 1}})
    advance_to(daemon, midnight(2) - SECOND)
    assert {x[1] for x in versions(s3, bucket)} == {old, new}
    advance_to(daemon, midnight(2))
    assert [x[1] for x in versions(s3, bucket)] == [new]


def test_abort_incomplete_multipart_upload(env):
    daemon, s3 = env
    bucket = bucket_with(s3)
    old = s3.create_multipart_upload(Bucket=bucket, Key="big/one")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="big/one", UploadId=old, PartNumber=1, Body=b"part")
    other = s3.create_multipart_upload(Bucket=bucket, Key="elsewhere/two")["UploadId"]
    lifecycle(s3, bucket, {"ID": "abort", "Filter": {"Prefix": "big/"}, "Status": "Enabled",
                           "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2}})
    advance_to(daemon, midnight(3) - SECOND)
    assert len(s3.list_multipart_uploads(Bucket=bucket)["Uploads"]) == 2
    advance_to(daemon, midnight(3))
    uploads = s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    assert [u["UploadId"] for u in uploads] == [other]
    with pytest.raises(ClientError) as e:
        s3.list_parts(Bucket=bucket, Key="big/one", UploadId=old)
    assert s3_error(e.value)[:2] == ("NoSuchUpload", 404)


def test_transition_to_standard_ia(env):
    daemon, s3 = env
    bucket = bucket_with(s3)
    s3.put_object(Bucket=bucket, Key="cold/a", Body=b"a")
    s3.put_object(Bucket=bucket, Key="hot/b", Body=b"b")
    lifecycle(s3, bucket, {"ID": "ia", "Filter": {"Prefix": "cold/"}, "Status": "Enabled",
                           "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}]})
    advance_to(daemon, midnight(31) - SECOND)
    assert "StorageClass" not in s3.head_object(Bucket=bucket, Key="cold/a")
    advance_to(daemon, midnight(31))
    head = s3.head_object(Bucket=bucket, Key="cold/a")
    assert head["StorageClass"] == "STANDARD_IA"
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-storage-class"] == "STANDARD_IA"
    assert "StorageClass" not in s3.head_object(Bucket=bucket, Key="hot/b")
    listed = {o["Key"]: o["StorageClass"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert listed == {"cold/a": "STANDARD_IA", "hot/b": "STANDARD"}
    # The data is unchanged, and later transitions follow.
    assert s3.get_object(Bucket=bucket, Key="cold/a")["Body"].read() == b"a"
    lifecycle(s3, bucket, {"ID": "ia", "Filter": {"Prefix": "cold/"}, "Status": "Enabled",
                           "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"},
                                           {"Days": 90, "StorageClass": "GLACIER"}]})
    advance_to(daemon, midnight(91))
    assert s3.head_object(Bucket=bucket, Key="cold/a")["StorageClass"] == "GLACIER"


def test_disabled_rules_do_nothing(env):
    daemon, s3 = env
    bucket = bucket_with(s3)
    s3.put_object(Bucket=bucket, Key="a", Body=b"a")
    s3.create_multipart_upload(Bucket=bucket, Key="u")
    lifecycle(s3, bucket, {"ID": "off", "Filter": {}, "Status": "Disabled",
                           "Expiration": {"Days": 1},
                           "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}},
              {"ID": "off-ia", "Filter": {}, "Status": "Disabled",
               "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}]})
    advance_to(daemon, midnight(100))
    assert keys(s3, bucket) == ["a"]
    assert "StorageClass" not in s3.head_object(Bucket=bucket, Key="a")
    assert len(s3.list_multipart_uploads(Bucket=bucket)["Uploads"]) == 1
    # Enabling the rule applies it at the next run.
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
        {"ID": "on", "Filter": {}, "Status": "Enabled", "Expiration": {"Days": 1}}]})
    daemon.clock(advance=1)
    assert keys(s3, bucket) == []


def test_deleting_the_configuration_stops_the_rules(env):
    daemon, s3 = env
    bucket = bucket_with(s3)
    s3.put_object(Bucket=bucket, Key="a", Body=b"a")
    lifecycle(s3, bucket, {"ID": "r", "Filter": {}, "Status": "Enabled",
                           "Expiration": {"Days": 1}})
    s3.delete_bucket_lifecycle(Bucket=bucket)
    advance_to(daemon, midnight(10))
    assert keys(s3, bucket) == ["a"]


def test_transition_days_validation(env):
    _, s3 = env
    bucket = bucket_with(s3)
    with pytest.raises(ClientError) as e:
        lifecycle(s3, bucket, {"ID": "ia", "Filter": {}, "Status": "Enabled",
                               "Transitions": [{"Days": 10, "StorageClass": "STANDARD_IA"}]})
    code, status, message, _ = s3_error(e.value)
    assert (code, status) == ("InvalidArgument", 400)
    assert message == ("'Days' in Transition action must be greater than or equal to 30 for "
                       "storageClass 'STANDARD_IA'")
    with pytest.raises(ClientError) as e:
        lifecycle(s3, bucket, {"ID": "d", "Filter": {}, "Status": "Enabled",
                               "Expiration": {"Date": datetime.datetime(
                                   2030, 1, 1, 12, tzinfo=datetime.timezone.utc)}})
    code, status, message, _ = s3_error(e.value)
    assert (code, status, message) == ("InvalidArgument", 400, "'Date' must be at midnight GMT")
