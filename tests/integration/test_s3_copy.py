"""S3 CopyObject with boto3 and the aws CLI: metadata and tagging directives, cross-bucket
copies, copying an object onto itself, x-amz-copy-source-if-* conditions, versions and delete
markers as sources, checksums and access."""

import datetime

import pytest

from conftest import expect_s3_error, md5_hex, s3_client, s3_request, unique_bucket


@pytest.fixture(scope="module")
def src_bucket(s3):
    name = unique_bucket("src")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="source.txt", Body=b"source bytes", ContentType="text/plain",
                  CacheControl="max-age=5", ContentLanguage="en", Metadata={"origin": "src"},
                  Tagging="t1=a&t2=b")
    return name


@pytest.fixture(scope="module")
def dst_bucket(s3):
    name = unique_bucket("dst")
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    return name



def test_copy_with_metadata_directive_copy(s3, src_bucket, dst_bucket):
    out = s3.copy_object(Bucket=dst_bucket, Key="copied.txt",
                         CopySource={"Bucket": src_bucket, "Key": "source.txt"})
    result = out["CopyObjectResult"]
    assert result["ETag"] == f'"{md5_hex(b"source bytes")}"'
    assert isinstance(result["LastModified"], datetime.datetime)
    assert "VersionId" not in out and "CopySourceVersionId" not in out
    got = s3.get_object(Bucket=dst_bucket, Key="copied.txt")
    assert got["Body"].read() == b"source bytes"
    assert got["ContentType"] == "text/plain"
    assert got["CacheControl"] == "max-age=5"
    assert got["ContentLanguage"] == "en"
    assert got["Metadata"] == {"origin": "src"}
    assert got["ETag"] == result["ETag"]
    assert got["LastModified"] == result["LastModified"].replace(microsecond=0)
    # Tags are copied too (x-amz-tagging-directive defaults to COPY).
    assert s3.get_object_tagging(Bucket=dst_bucket, Key="copied.txt")["TagSet"] == [
        {"Key": "t1", "Value": "a"}, {"Key": "t2", "Value": "b"}]


def test_copy_with_metadata_directive_replace(s3, src_bucket, dst_bucket):
    s3.copy_object(Bucket=dst_bucket, Key="replaced.txt",
                   CopySource={"Bucket": src_bucket, "Key": "source.txt"},
                   MetadataDirective="REPLACE", ContentType="application/octet-stream",
                   Metadata={"new": "meta"}, TaggingDirective="REPLACE", Tagging="only=this")
    got = s3.get_object(Bucket=dst_bucket, Key="replaced.txt")
    assert got["Body"].read() == b"source bytes"
    assert got["ContentType"] == "application/octet-stream"
    assert got["Metadata"] == {"new": "meta"}
    assert "CacheControl" not in got and "ContentLanguage" not in got
    assert s3.get_object_tagging(Bucket=dst_bucket, Key="replaced.txt")["TagSet"] == [
        {"Key": "only", "Value": "this"}]
    # REPLACE without a content type falls back to the default.
    s3.copy_object(Bucket=dst_bucket, Key="replaced2.txt",
                   CopySource={"Bucket": src_bucket, "Key": "source.txt"},
                   MetadataDirective="REPLACE")
    got = s3.head_object(Bucket=dst_bucket, Key="replaced2.txt")
    assert got["ContentType"] == "binary/octet-stream" and got["Metadata"] == {}


def test_copy_keys_with_special_characters(s3, src_bucket, dst_bucket):
    key = "dir with space/ü+%/../x?y#z"
    s3.put_object(Bucket=src_bucket, Key=key, Body=b"odd")
    s3.copy_object(Bucket=dst_bucket, Key=key + "-copy", CopySource={"Bucket": src_bucket,
                                                                      "Key": key})
    assert s3.get_object(Bucket=dst_bucket, Key=key + "-copy")["Body"].read() == b"odd"


def test_copy_with_aws_cli(daemon, s3, src_bucket, dst_bucket, tmp_path):
    r = daemon.aws("s3api", "copy-object", "--bucket", dst_bucket, "--key", "cli-copy",
                   "--copy-source", f"{src_bucket}/source.txt", "--metadata-directive",
                   "REPLACE", "--metadata", "via=cli", "--content-type", "text/x-cli")
    assert r.rc == 0, r
    assert r.json()["CopyObjectResult"]["ETag"] == f'"{md5_hex(b"source bytes")}"'
    head = s3.head_object(Bucket=dst_bucket, Key="cli-copy")
    assert head["Metadata"] == {"via": "cli"} and head["ContentType"] == "text/x-cli"
    r = daemon.aws("s3", "cp", f"s3://{src_bucket}/source.txt", f"s3://{dst_bucket}/s3-cp")
    assert r.rc == 0, r
    assert s3.get_object(Bucket=dst_bucket, Key="s3-cp")["Body"].read() == b"source bytes"
    r = daemon.aws("s3api", "copy-object", "--bucket", dst_bucket, "--key", "x",
                   "--copy-source", f"{src_bucket}/does-not-exist")
    assert r.rc == 254 and r.error_code() == "NoSuchKey", r


def test_copy_onto_itself(daemon, s3, src_bucket):
    s3.put_object(Bucket=src_bucket, Key="self", Body=b"me", Metadata={"v": "1"})
    resp = expect_s3_error(s3.copy_object, "InvalidRequest", 400, Bucket=src_bucket, Key="self",
                        CopySource={"Bucket": src_bucket, "Key": "self"})
    assert resp["Error"]["Message"] == (
        "This copy request is illegal because it is trying to copy an object to itself without "
        "changing the object's metadata, storage class, website redirect location or "
        "encryption attributes.")
    r = daemon.aws("s3api", "copy-object", "--bucket", src_bucket, "--key", "self",
                   "--copy-source", f"{src_bucket}/self")
    assert r.rc == 254 and r.error_code() == "InvalidRequest", r
    # Replacing the metadata, or changing the storage class, is a legal self-copy.
    s3.copy_object(Bucket=src_bucket, Key="self", CopySource={"Bucket": src_bucket,
                                                               "Key": "self"},
                   MetadataDirective="REPLACE", Metadata={"v": "2"})
    assert s3.head_object(Bucket=src_bucket, Key="self")["Metadata"] == {"v": "2"}
    s3.copy_object(Bucket=src_bucket, Key="self", CopySource={"Bucket": src_bucket,
                                                               "Key": "self"},
                   StorageClass="STANDARD_IA")
    head = s3.head_object(Bucket=src_bucket, Key="self")
    assert head["StorageClass"] == "STANDARD_IA" and head["Metadata"] == {"v": "2"}
    assert s3.get_object(Bucket=src_bucket, Key="self")["Body"].read() == b"me"


def test_copy_source_conditions(s3, src_bucket, dst_bucket):
    head = s3.head_object(Bucket=src_bucket, Key="source.txt")
    etag, modified = head["ETag"], head["LastModified"]
    day = datetime.timedelta(days=1)
    source = {"Bucket": src_bucket, "Key": "source.txt"}
    ok = [
        {"CopySourceIfMatch": etag},
        {"CopySourceIfNoneMatch": '"other"'},
        {"CopySourceIfModifiedSince": modified - day},
        {"CopySourceIfUnmodifiedSince": modified + day},
        # If-Match true with If-Unmodified-Since false: copied.
        {"CopySourceIfMatch": etag, "CopySourceIfUnmodifiedSince": modified - day},
        # If-None-Match true with If-Modified-Since false: copied.
        {"CopySourceIfNoneMatch": '"other"', "CopySourceIfModifiedSince": modified + day},
    ]
    for i, conditions in enumerate(ok):
        s3.copy_object(Bucket=dst_bucket, Key=f"cond-{i}", CopySource=source, **conditions)
    failing = [
        {"CopySourceIfMatch": '"0123456789abcdef0123456789abcdef"'},
        {"CopySourceIfNoneMatch": etag},
        {"CopySourceIfModifiedSince": modified + day},
        {"CopySourceIfUnmodifiedSince": modified - day},
    ]
    for conditions in failing:
        resp = expect_s3_error(s3.copy_object, "PreconditionFailed", 412, Bucket=dst_bucket,
                            Key="cond-fail", CopySource=source, **conditions)
        assert resp["Error"]["Message"] == ("At least one of the pre-conditions you specified "
                                            "did not hold")
    expect_s3_error(s3.head_object, "404", 404, Bucket=dst_bucket, Key="cond-fail")


def test_copy_versions(s3, dst_bucket):
    name = unique_bucket("srcv")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    v1 = s3.put_object(Bucket=name, Key="k", Body=b"version 1")["VersionId"]
    v2 = s3.put_object(Bucket=name, Key="k", Body=b"version 2")["VersionId"]
    out = s3.copy_object(Bucket=dst_bucket, Key="from-v1",
                         CopySource={"Bucket": name, "Key": "k", "VersionId": v1})
    assert out["CopySourceVersionId"] == v1
    assert s3.get_object(Bucket=dst_bucket, Key="from-v1")["Body"].read() == b"version 1"
    out = s3.copy_object(Bucket=dst_bucket, Key="from-latest",
                         CopySource={"Bucket": name, "Key": "k"})
    assert out["CopySourceVersionId"] == v2
    assert s3.get_object(Bucket=dst_bucket, Key="from-latest")["Body"].read() == b"version 2"
    # Into a versioned bucket: the copy is a new version there.
    out = s3.copy_object(Bucket=name, Key="k", CopySource={"Bucket": name, "Key": "k",
                                                            "VersionId": v1})
    v3 = out["VersionId"]
    assert v3 not in (v1, v2)
    got = s3.get_object(Bucket=name, Key="k")
    assert got["Body"].read() == b"version 1" and got["VersionId"] == v3
    # A delete marker as the source.
    marker = s3.delete_object(Bucket=name, Key="k")["VersionId"]
    expect_s3_error(s3.copy_object, "NoSuchKey", 404, Bucket=dst_bucket, Key="x",
                 CopySource={"Bucket": name, "Key": "k"})
    resp = expect_s3_error(s3.copy_object, "InvalidRequest", 400, Bucket=dst_bucket, Key="x",
                        CopySource={"Bucket": name, "Key": "k", "VersionId": marker})
    assert resp["Error"]["Message"] == ("The source of a copy request may not specifically "
                                        "refer to a delete marker by version id.")
    # A version id that does not exist.
    expect_s3_error(s3.copy_object, "NoSuchVersion", 404, Bucket=dst_bucket, Key="x",
                 CopySource={"Bucket": name, "Key": "k",
                             "VersionId": "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"})


def test_copy_from_missing_source(s3, src_bucket, dst_bucket):
    missing_bucket = unique_bucket("gone")
    expect_s3_error(s3.copy_object, "NoSuchBucket", 404, Bucket=dst_bucket, Key="x",
                 CopySource={"Bucket": missing_bucket, "Key": "k"})
    resp = expect_s3_error(s3.copy_object, "NoSuchKey", 404, Bucket=dst_bucket, Key="x",
                        CopySource={"Bucket": src_bucket, "Key": "nope"})
    assert resp["Error"]["Message"] == "The specified key does not exist."
    expect_s3_error(s3.copy_object, "NoSuchBucket", 404, Bucket=missing_bucket, Key="x",
                 CopySource={"Bucket": src_bucket, "Key": "source.txt"})


def test_copy_source_header_forms(daemon, src_bucket, dst_bucket):
    # With and without a leading slash, percent-encoded.
    for i, source in enumerate([f"{src_bucket}/source.txt", f"/{src_bucket}/source.txt",
                                f"/{src_bucket}/source%2Etxt"]):
        r = s3_request(daemon, "PUT", f"/{dst_bucket}/form-{i}",
                       headers={"x-amz-copy-source": source})
        assert r.status == 200, (source, r)
        assert b"<CopyObjectResult" in r.body, r
    r = s3_request(daemon, "PUT", f"/{dst_bucket}/form-bad",
                   headers={"x-amz-copy-source": "just-a-bucket"})
    assert r.status == 400, r


def test_copy_keeps_the_checksum_algorithm(s3, src_bucket, dst_bucket):
    s3.put_object(Bucket=src_bucket, Key="summed", Body=b"checksummed", ChecksumAlgorithm="SHA256")
    src_sum = s3.head_object(Bucket=src_bucket, Key="summed",
                             ChecksumMode="ENABLED")["ChecksumSHA256"]
    out = s3.copy_object(Bucket=dst_bucket, Key="summed",
                         CopySource={"Bucket": src_bucket, "Key": "summed"})
    assert out["CopyObjectResult"]["ChecksumSHA256"] == src_sum
    head = s3.head_object(Bucket=dst_bucket, Key="summed", ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == src_sum
    out = s3.copy_object(Bucket=dst_bucket, Key="summed-crc",
                         CopySource={"Bucket": src_bucket, "Key": "summed"},
                         ChecksumAlgorithm="CRC32")
    assert "ChecksumCRC32" in out["CopyObjectResult"]


def test_copy_across_accounts_needs_access(daemon, s3, src_bucket):
    other = s3_client(daemon.endpoint, access_key="111122223333")
    theirs = unique_bucket("theirs")
    other.create_bucket(Bucket=theirs)
    expect_s3_error(other.copy_object, "AccessDenied", 403, Bucket=theirs, Key="stolen",
                 CopySource={"Bucket": src_bucket, "Key": "source.txt"})
    # Into someone else's bucket: denied as well.
    expect_s3_error(s3.copy_object, "AccessDenied", 403, Bucket=theirs, Key="pushed",
                 CopySource={"Bucket": src_bucket, "Key": "source.txt"})
