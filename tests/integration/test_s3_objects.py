"""S3 objects with the aws CLI and boto3: put/get/head/delete, metadata and standard headers,
response-* overrides, key names (encoding, length, path-like keys), multi-object delete and
object tags."""

import base64
import datetime
import hashlib
import io
import json
import xml.etree.ElementTree as ET

import pytest
from botocore.exceptions import ClientError

from conftest import (RawConnection, expect_s3_error, md5_hex, s3_client, s3_error,
                      s3_error_fields, s3_request, sign_s3, unique_bucket)


@pytest.fixture(scope="module")
def bucket(s3):
    name = unique_bucket("obj")
    s3.create_bucket(Bucket=name)
    return name



def headers_of(resp):
    return resp["ResponseMetadata"]["HTTPHeaders"]


# --- put, get, head, delete ---------------------------------------------------------------------


def test_put_get_head_delete_with_boto3(s3, bucket):
    body = b"hello, gureum\n" * 100
    put = s3.put_object(Bucket=bucket, Key="basic.txt", Body=body)
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert put["ETag"] == f'"{md5_hex(body)}"'
    assert put["ServerSideEncryption"] == "AES256"
    assert "VersionId" not in put  # versioning was never enabled

    get = s3.get_object(Bucket=bucket, Key="basic.txt")
    assert get["Body"].read() == body
    assert get["ContentLength"] == len(body)
    assert get["ETag"] == put["ETag"]
    assert get["ContentType"] == "binary/octet-stream"
    assert get["AcceptRanges"] == "bytes"
    assert get["LastModified"].tzinfo is not None
    assert "x-amz-storage-class" not in headers_of(get)  # STANDARD is not announced
    assert "x-amz-version-id" not in headers_of(get)

    head = s3.head_object(Bucket=bucket, Key="basic.txt")
    assert head["ContentLength"] == len(body)
    assert head["ETag"] == put["ETag"]
    assert head["LastModified"] == get["LastModified"]

    delete = s3.delete_object(Bucket=bucket, Key="basic.txt")
    assert delete["ResponseMetadata"]["HTTPStatusCode"] == 204
    resp = expect_s3_error(s3.get_object, "NoSuchKey", 404, Bucket=bucket, Key="basic.txt")
    assert resp["Error"]["Message"] == "The specified key does not exist."
    assert resp["Error"]["Key"] == "basic.txt"
    expect_s3_error(s3.head_object, "404", 404, Bucket=bucket, Key="basic.txt")
    # Deleting what is not there succeeds (204).
    again = s3.delete_object(Bucket=bucket, Key="basic.txt")
    assert again["ResponseMetadata"]["HTTPStatusCode"] == 204


def test_head_missing_object_has_no_body(daemon, bucket):
    r = s3_request(daemon, "HEAD", f"/{bucket}/missing")
    assert r.status == 404 and r.body == b"", r
    r = s3_request(daemon, "GET", f"/{bucket}/missing")
    assert r.status == 404, r
    assert r.headers["content-type"] == "application/xml"
    fields = s3_error_fields(r.body)
    assert fields["Code"] == "NoSuchKey" and fields["Key"] == "missing", fields
    assert fields["RequestId"] == r.headers["x-amz-request-id"]


def test_object_in_missing_bucket(s3):
    name = unique_bucket("missing")
    resp = expect_s3_error(s3.get_object, "NoSuchBucket", 404, Bucket=name, Key="k")
    assert resp["Error"]["BucketName"] == name
    expect_s3_error(s3.put_object, "NoSuchBucket", 404, Bucket=name, Key="k", Body=b"x")
    expect_s3_error(s3.delete_object, "NoSuchBucket", 404, Bucket=name, Key="k")


def test_put_without_content_length(daemon, bucket):
    req = sign_s3(daemon.port, "PUT", f"/{bucket}/no-length")
    del req.headers["Content-Length"]
    conn = RawConnection(daemon.port)
    try:
        conn.send(req.raw())
        r = conn.read_response()
    finally:
        conn.close()
    assert r.status == 411, r
    fields = s3_error_fields(r.body)
    assert fields["Code"] == "MissingContentLength", fields
    assert fields["Message"] == "You must provide the Content-Length HTTP header."


def test_overwrite_replaces_bytes_and_metadata(s3, bucket):
    s3.put_object(Bucket=bucket, Key="over", Body=b"first", Metadata={"a": "1"},
                  ContentType="text/plain")
    s3.put_object(Bucket=bucket, Key="over", Body=b"second!")
    got = s3.get_object(Bucket=bucket, Key="over")
    assert got["Body"].read() == b"second!"
    assert got["Metadata"] == {}
    assert got["ContentType"] == "binary/octet-stream"


def test_empty_object(s3, bucket):
    put = s3.put_object(Bucket=bucket, Key="empty", Body=b"")
    assert put["ETag"] == '"d41d8cd98f00b204e9800998ecf8427e"'
    got = s3.get_object(Bucket=bucket, Key="empty")
    assert got["ContentLength"] == 0 and got["Body"].read() == b""


def test_expect_continue_empty_bodies_keep_connection_usable(daemon, bucket):
    # File-like bodies make botocore send "Expect: 100-continue". An empty body answered
    # without the interim 100 used to leave botocore misreading the next response on that
    # connection (aws s3 sync of trees with empty files stalled a minute per such file).
    client = s3_client(daemon.endpoint, max_pool_connections=1, read_timeout=10)
    for i, size in enumerate([0, 4096, 0, 0, 100, 0, 70000]):
        body = io.BytesIO(b"e" * size)
        client.put_object(Bucket=bucket, Key=f"expect/{i}", Body=body)
    # An error answered before any body is read must not poison the connection either.
    with pytest.raises(ClientError):
        client.put_object(Bucket=unique_bucket("nope"), Key="k", Body=io.BytesIO(b""))
    client.put_object(Bucket=bucket, Key="expect/after-error", Body=io.BytesIO(b"x" * 10))
    assert client.get_object(Bucket=bucket, Key="expect/1")["Body"].read() == b"e" * 4096


def test_cli_s3api_put_get_head_delete(daemon, bucket, tmp_path):
    src = tmp_path / "in.bin"
    src.write_bytes(bytes(range(256)) * 40)
    r = daemon.aws("s3api", "put-object", "--bucket", bucket, "--key", "cli/obj.bin", "--body",
                   str(src), "--content-type", "application/x-test", "--metadata",
                   "owner=cli,purpose=test")
    assert r.rc == 0, r
    assert r.json()["ETag"] == f'"{md5_hex(src.read_bytes())}"'
    out = tmp_path / "out.bin"
    r = daemon.aws("s3api", "get-object", "--bucket", bucket, "--key", "cli/obj.bin", str(out))
    assert r.rc == 0, r
    meta = r.json()
    assert out.read_bytes() == src.read_bytes()
    assert meta["ContentType"] == "application/x-test"
    assert meta["Metadata"] == {"owner": "cli", "purpose": "test"}
    assert meta["ContentLength"] == 10240
    r = daemon.aws("s3api", "head-object", "--bucket", bucket, "--key", "cli/obj.bin")
    assert r.rc == 0 and r.json()["ContentLength"] == 10240, r
    r = daemon.aws("s3api", "delete-object", "--bucket", bucket, "--key", "cli/obj.bin")
    assert r.rc == 0, r
    r = daemon.aws("s3api", "head-object", "--bucket", bucket, "--key", "cli/obj.bin")
    assert r.rc == 254 and "(404)" in r.stderr, r
    r = daemon.aws("s3api", "get-object", "--bucket", bucket, "--key", "cli/obj.bin", str(out))
    assert r.rc == 254 and r.error_code() == "NoSuchKey", r


def test_cli_s3_cp_ls_rm(daemon, bucket, tmp_path):
    src = tmp_path / "file.txt"
    src.write_text("via aws s3 cp\n")
    r = daemon.aws("s3", "cp", str(src), f"s3://{bucket}/cp/file.txt", "--content-type",
                   "text/plain", "--cache-control", "max-age=60", "--metadata", "k=v")
    assert r.rc == 0, r
    r = daemon.aws("s3", "ls", f"s3://{bucket}/cp/")
    assert r.rc == 0, r
    assert r.stdout.split()[-2:] == ["14", "file.txt"], r.stdout
    dst = tmp_path / "back.txt"
    r = daemon.aws("s3", "cp", f"s3://{bucket}/cp/file.txt", str(dst))
    assert r.rc == 0 and dst.read_text() == "via aws s3 cp\n", r
    r = daemon.aws("s3api", "head-object", "--bucket", bucket, "--key", "cp/file.txt")
    head = r.json()
    assert head["ContentType"] == "text/plain"
    assert head["CacheControl"] == "max-age=60"
    assert head["Metadata"] == {"k": "v"}
    # Copy between keys (server side) and to stdout.
    r = daemon.aws("s3", "cp", f"s3://{bucket}/cp/file.txt", f"s3://{bucket}/cp/copy.txt")
    assert r.rc == 0, r
    r = daemon.aws("s3", "cp", f"s3://{bucket}/cp/copy.txt", "-")
    assert r.rc == 0 and r.stdout == "via aws s3 cp\n", r
    r = daemon.aws("s3", "rm", f"s3://{bucket}/cp/", "--recursive")
    assert r.rc == 0, r
    assert sorted(l.split()[-1] for l in r.stdout.splitlines() if l.startswith("delete:")) == [
        f"s3://{bucket}/cp/copy.txt", f"s3://{bucket}/cp/file.txt"], r.stdout
    r = daemon.aws("s3", "ls", f"s3://{bucket}/cp/")
    assert r.rc == 1 and r.stdout == "", r


# --- metadata and standard headers --------------------------------------------------------------


def test_metadata_and_standard_headers_round_trip(s3, bucket):
    expires = datetime.datetime(2031, 5, 6, 7, 8, 9, tzinfo=datetime.timezone.utc)
    s3.put_object(Bucket=bucket, Key="meta", Body=b"{}", ContentType="application/json",
                  ContentEncoding="gzip", ContentDisposition='attachment; filename="x.json"',
                  ContentLanguage="ko-KR", CacheControl="no-cache, max-age=0", Expires=expires,
                  StorageClass="STANDARD_IA", WebsiteRedirectLocation="/other",
                  Metadata={"Color": "Blue", "multi-word-key": "value with spaces",
                            "empty": ""})
    for resp in (s3.head_object(Bucket=bucket, Key="meta"),
                 s3.get_object(Bucket=bucket, Key="meta")):
        h = headers_of(resp)
        assert resp["ContentType"] == "application/json"
        assert resp["ContentEncoding"] == "gzip"
        assert resp["ContentDisposition"] == 'attachment; filename="x.json"'
        assert resp["ContentLanguage"] == "ko-KR"
        assert resp["CacheControl"] == "no-cache, max-age=0"
        assert resp["Expires"] == expires
        assert h["expires"] == "Tue, 06 May 2031 07:08:09 GMT"
        assert resp["StorageClass"] == "STANDARD_IA"
        assert resp["WebsiteRedirectLocation"] == "/other"
        # User metadata names come back lower-cased, values as sent.
        assert resp["Metadata"] == {"color": "Blue", "multi-word-key": "value with spaces",
                                    "empty": ""}
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="meta")["Contents"]
    assert [(o["Key"], o["StorageClass"]) for o in listed] == [("meta", "STANDARD_IA")]


def test_invalid_storage_class(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="sc", Body=b"x", StorageClass="FAST")
    assert s3_error(e.value)[:2] == ("InvalidStorageClass", 400)
    expect_s3_error(s3.head_object, "404", 404, Bucket=bucket, Key="sc")


def test_metadata_too_large(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="big-meta", Body=b"x", Metadata={"k": "v" * 2100})
    assert s3_error(e.value)[:2] == ("MetadataTooLarge", 400)


def test_response_header_overrides(s3, bucket):
    s3.put_object(Bucket=bucket, Key="override", Body=b"data", ContentType="text/plain",
                  CacheControl="max-age=1")
    when = datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    got = s3.get_object(Bucket=bucket, Key="override", ResponseContentType="image/png",
                        ResponseContentLanguage="fr", ResponseExpires=when,
                        ResponseCacheControl="no-store",
                        ResponseContentDisposition="attachment; filename=a.png",
                        ResponseContentEncoding="identity")
    assert got["Body"].read() == b"data"
    assert got["ContentType"] == "image/png"
    assert got["ContentLanguage"] == "fr"
    assert got["CacheControl"] == "no-store"
    assert got["ContentDisposition"] == "attachment; filename=a.png"
    assert got["ContentEncoding"] == "identity"
    assert headers_of(got)["expires"] == "Wed, 02 Jan 2030 03:04:05 GMT"
    # The stored headers are unchanged.
    head = s3.head_object(Bucket=bucket, Key="override")
    assert head["ContentType"] == "text/plain" and head["CacheControl"] == "max-age=1"
    assert "ContentLanguage" not in head


def test_response_overrides_with_aws_cli(daemon, bucket, tmp_path):
    daemon.aws("s3api", "put-object", "--bucket", bucket, "--key", "ov-cli", "--body",
               __file__)
    r = daemon.aws("s3api", "get-object", "--bucket", bucket, "--key", "ov-cli",
                   "--response-content-type", "text/x-python",
                   "--response-content-disposition", "inline", str(tmp_path / "o"))
    assert r.rc == 0, r
    out = r.json()
    assert out["ContentType"] == "text/x-python"
    assert out["ContentDisposition"] == "inline"


# --- key names ----------------------------------------------------------------------------------

ODD_KEYS = [
    "with space",
    "plus+sign",
    "percent%20literal",
    "percent%",
    "unicode/한글/キー/ü.txt",
    "emoji-😀",
    "../dotdot",
    "a/../b",
    "./dot",
    "double//slash",
    "/leading-slash",
    "trailing/",
    "question?mark",
    "hash#tag",
    "amp&eq=semi;colon",
    "tilde~star*paren()'bang!",
    "brackets[]{}",
    "quote\"back\\slash",
    "tab\tchar",
    "caret^pipe|lt<gt>",
]


@pytest.mark.parametrize("key", ODD_KEYS)
def test_odd_keys_round_trip(s3, bucket, key):
    body = ("body of " + key).encode()
    s3.put_object(Bucket=bucket, Key="odd/" + key, Body=body)
    assert s3.get_object(Bucket=bucket, Key="odd/" + key)["Body"].read() == body
    assert s3.head_object(Bucket=bucket, Key="odd/" + key)["ContentLength"] == len(body)
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="odd/" + key)
    assert [o["Key"] for o in listed.get("Contents", [])][:1] == ["odd/" + key], listed
    s3.delete_object(Bucket=bucket, Key="odd/" + key)
    expect_s3_error(s3.head_object, "404", 404, Bucket=bucket, Key="odd/" + key)


def test_odd_keys_with_aws_cli(daemon, bucket, tmp_path):
    src = tmp_path / "f"
    src.write_bytes(b"cli odd key")
    for key in ("cli odd/with space+plus%25.txt", "cli odd/한글 파일.txt", "cli odd/../up"):
        r = daemon.aws("s3api", "put-object", "--bucket", bucket, "--key", key, "--body",
                       str(src))
        assert r.rc == 0, (key, r)
    r = daemon.aws("s3api", "list-objects-v2", "--bucket", bucket, "--prefix", "cli odd/")
    assert r.rc == 0, r
    assert [o["Key"] for o in r.json()["Contents"]] == sorted(
        ["cli odd/with space+plus%25.txt", "cli odd/한글 파일.txt", "cli odd/../up"],
        key=lambda k: k.encode())
    r = daemon.aws("s3", "cp", f"s3://{bucket}/cli odd/한글 파일.txt", "-")
    assert r.rc == 0 and r.stdout == "cli odd key", r


def test_key_path_is_not_normalised(daemon, bucket):
    # Raw requests: the key is the path after the bucket, byte for byte.
    for key, encoded in [("raw/../x", "raw/../x"), ("raw//y", "raw//y"),
                         ("raw/./z", "raw/./z"), ("raw/sp ace", "raw/sp%20ace"),
                         ("raw/plus+", "raw/plus%2B")]:
        r = s3_request(daemon, "PUT", f"/{bucket}/{encoded}", key.encode())
        assert r.status == 200, (key, r)
    r = s3_request(daemon, "GET", f"/{bucket}?list-type=2&prefix=raw%2F")
    assert r.status == 200, r
    ns = {"s3": "http://s3.amazonaws.com/doc/2006-03-01/"}
    keys = [k.text for k in ET.fromstring(r.body).findall("s3:Contents/s3:Key", ns)]
    assert keys == sorted(["raw/../x", "raw//y", "raw/./z", "raw/sp ace", "raw/plus+"]), keys
    r = s3_request(daemon, "GET", f"/{bucket}/raw/../x")
    assert r.status == 200 and r.body == b"raw/../x", r


def test_key_length_limit(s3, bucket):
    key_1024 = "k" * 1024
    s3.put_object(Bucket=bucket, Key=key_1024, Body=b"long")
    assert s3.get_object(Bucket=bucket, Key=key_1024)["Body"].read() == b"long"
    # 1024 bytes of UTF-8 (341 three-byte characters and one byte).
    key_utf8 = "한" * 341 + "k"
    assert len(key_utf8.encode()) == 1024
    s3.put_object(Bucket=bucket, Key=key_utf8, Body=b"utf8")
    assert s3.head_object(Bucket=bucket, Key=key_utf8)["ContentLength"] == 4

    for key in ("k" * 1025, "한" * 341 + "kk"):
        resp = expect_s3_error(s3.put_object, "KeyTooLongError", 400, Bucket=bucket, Key=key,
                            Body=b"x")
        assert resp["Error"]["Message"] == "Your key is too long"
    expect_s3_error(s3.create_multipart_upload, "KeyTooLongError", 400, Bucket=bucket,
                 Key="k" * 1025)
    expect_s3_error(s3.copy_object, "KeyTooLongError", 400, Bucket=bucket, Key="k" * 1025,
                 CopySource={"Bucket": bucket, "Key": key_1024})


def test_key_length_limit_with_aws_cli(daemon, bucket):
    r = daemon.aws("s3api", "put-object", "--bucket", bucket, "--key", "c" * 1025)
    assert r.rc == 254 and r.error_code() == "KeyTooLongError", r
    r = daemon.aws("s3api", "put-object", "--bucket", bucket, "--key", "c" * 1024)
    assert r.rc == 0, r


def test_file_and_directory_like_keys_coexist(s3, bucket):
    s3.put_object(Bucket=bucket, Key="tree/a/b", Body=b"file b")
    s3.put_object(Bucket=bucket, Key="tree/a/b/c", Body=b"file c")
    s3.put_object(Bucket=bucket, Key="tree/a/b/", Body=b"")
    assert s3.get_object(Bucket=bucket, Key="tree/a/b")["Body"].read() == b"file b"
    assert s3.get_object(Bucket=bucket, Key="tree/a/b/c")["Body"].read() == b"file c"
    assert s3.get_object(Bucket=bucket, Key="tree/a/b/")["ContentLength"] == 0
    out = s3.list_objects_v2(Bucket=bucket, Prefix="tree/a/", Delimiter="/")
    assert [o["Key"] for o in out["Contents"]] == ["tree/a/b"]
    assert [p["Prefix"] for p in out["CommonPrefixes"]] == ["tree/a/b/"]
    s3.delete_object(Bucket=bucket, Key="tree/a/b")
    assert s3.get_object(Bucket=bucket, Key="tree/a/b/c")["Body"].read() == b"file c"


# --- multi-object delete ------------------------------------------------------------------------


def test_delete_objects_verbose_and_quiet(s3, bucket):
    keys = [f"multi/{i}" for i in range(5)]
    for k in keys:
        s3.put_object(Bucket=bucket, Key=k, Body=k.encode())
    out = s3.delete_objects(Bucket=bucket, Delete={
        "Objects": [{"Key": k} for k in keys[:3]] + [{"Key": "multi/not-there"}]})
    assert sorted(d["Key"] for d in out["Deleted"]) == sorted(keys[:3] + ["multi/not-there"])
    assert "Errors" not in out
    for d in out["Deleted"]:
        assert "DeleteMarker" not in d and "VersionId" not in d, d
    out = s3.delete_objects(Bucket=bucket, Delete={
        "Objects": [{"Key": k} for k in keys[3:]] + [{"Key": "multi/also-missing"}],
        "Quiet": True})
    assert "Deleted" not in out and "Errors" not in out, out
    assert s3.list_objects_v2(Bucket=bucket, Prefix="multi/")["KeyCount"] == 0


def test_delete_objects_with_aws_cli(daemon, s3, bucket):
    for k in ("cli-multi/a", "cli-multi/b"):
        s3.put_object(Bucket=bucket, Key=k, Body=b"x")
    payload = json.dumps({"Objects": [{"Key": "cli-multi/a"}, {"Key": "cli-multi/b"},
                                      {"Key": "cli-multi/none"}]})
    r = daemon.aws("s3api", "delete-objects", "--bucket", bucket, "--delete", payload)
    assert r.rc == 0, r
    assert sorted(d["Key"] for d in r.json()["Deleted"]) == [
        "cli-multi/a", "cli-multi/b", "cli-multi/none"]
    r = daemon.aws("s3api", "delete-objects", "--bucket", bucket, "--delete",
                   json.dumps({"Objects": [{"Key": "cli-multi/a"}], "Quiet": True}))
    assert r.rc == 0, r
    assert "Deleted" not in (json.loads(r.stdout) if r.stdout.strip() else {}), r


def test_delete_objects_in_versioned_bucket(s3):
    name = unique_bucket("multiv")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    v1 = s3.put_object(Bucket=name, Key="a", Body=b"1")["VersionId"]
    v2 = s3.put_object(Bucket=name, Key="a", Body=b"2")["VersionId"]
    out = s3.delete_objects(Bucket=name, Delete={"Objects": [{"Key": "a"}]})
    (d,) = out["Deleted"]
    assert d["Key"] == "a" and d["DeleteMarker"] is True and d["DeleteMarkerVersionId"], d
    marker = d["DeleteMarkerVersionId"]
    out = s3.delete_objects(Bucket=name, Delete={"Objects": [
        {"Key": "a", "VersionId": v1}, {"Key": "a", "VersionId": marker}]})
    by_version = {d["VersionId"]: d for d in out["Deleted"]}
    assert set(by_version) == {v1, marker}
    assert by_version[marker]["DeleteMarker"] is True
    assert by_version[marker]["DeleteMarkerVersionId"] == marker
    assert "DeleteMarker" not in by_version[v1]
    # v2 is current again.
    got = s3.get_object(Bucket=name, Key="a")
    assert got["Body"].read() == b"2" and got["VersionId"] == v2


def test_delete_objects_of_missing_bucket(s3):
    expect_s3_error(s3.delete_objects, "NoSuchBucket", 404, Bucket=unique_bucket("none"),
                 Delete={"Objects": [{"Key": "a"}]})


def test_delete_objects_more_than_1000_keys(s3, bucket):
    expect_s3_error(s3.delete_objects, "MalformedXML", 400, Bucket=bucket,
                 Delete={"Objects": [{"Key": f"k{i}"} for i in range(1001)]})


def delete_body(*keys):
    objects = "".join(f"<Object><Key>{k}</Key></Object>" for k in keys)
    return (f'<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{objects}</Delete>'
            ).encode()


def test_delete_objects_checks_content_md5(daemon, s3, bucket):
    s3.put_object(Bucket=bucket, Key="md5-multi", Body=b"x")
    body = delete_body("md5-multi")
    wrong = base64.b64encode(hashlib.md5(b"another body").digest()).decode()
    r = s3_request(daemon, "POST", f"/{bucket}?delete", body, {"Content-MD5": wrong})
    assert r.status == 400, r
    assert s3_error_fields(r.body)["Code"] == "BadDigest", r
    assert s3.head_object(Bucket=bucket, Key="md5-multi")["ContentLength"] == 1
    good = base64.b64encode(hashlib.md5(body).digest()).decode()
    r = s3_request(daemon, "POST", f"/{bucket}?delete", body, {"Content-MD5": good})
    assert r.status == 200, r
    expect_s3_error(s3.head_object, "404", 404, Bucket=bucket, Key="md5-multi")


def test_delete_objects_requires_an_integrity_header(daemon, s3, bucket):
    # Multi-object delete needs Content-MD5 (or an x-amz-checksum-* header).
    s3.put_object(Bucket=bucket, Key="md5-required", Body=b"x")
    r = s3_request(daemon, "POST", f"/{bucket}?delete", delete_body("md5-required"))
    assert r.status == 400, r
    assert s3_error_fields(r.body)["Code"] == "InvalidRequest", r
    assert s3.head_object(Bucket=bucket, Key="md5-required")["ContentLength"] == 1


# --- tagging ------------------------------------------------------------------------------------


def test_object_tagging_put_get_delete(s3, bucket):
    s3.put_object(Bucket=bucket, Key="tagged", Body=b"t")
    assert s3.get_object_tagging(Bucket=bucket, Key="tagged")["TagSet"] == []
    tags = [{"Key": "project", "Value": "gureum"}, {"Key": "env", "Value": "test"},
            {"Key": "empty", "Value": ""}]
    out = s3.put_object_tagging(Bucket=bucket, Key="tagged", Tagging={"TagSet": tags})
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert s3.get_object_tagging(Bucket=bucket, Key="tagged")["TagSet"] == tags
    head = s3.head_object(Bucket=bucket, Key="tagged")
    assert headers_of(head)["x-amz-tagging-count"] == "3"
    assert s3.get_object(Bucket=bucket, Key="tagged")["TagCount"] == 3
    out = s3.delete_object_tagging(Bucket=bucket, Key="tagged")
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.get_object_tagging(Bucket=bucket, Key="tagged")["TagSet"] == []
    assert "x-amz-tagging-count" not in headers_of(s3.head_object(Bucket=bucket, Key="tagged"))
    expect_s3_error(s3.get_object_tagging, "NoSuchKey", 404, Bucket=bucket, Key="untagged-none")


def test_tagging_header_on_put(s3, bucket):
    s3.put_object(Bucket=bucket, Key="tag-header", Body=b"t",
                  Tagging="a=1&b=two%20words&c=")
    assert s3.get_object_tagging(Bucket=bucket, Key="tag-header")["TagSet"] == [
        {"Key": "a", "Value": "1"}, {"Key": "b", "Value": "two words"},
        {"Key": "c", "Value": ""}]
    assert s3.get_object(Bucket=bucket, Key="tag-header")["TagCount"] == 3


def test_tagging_with_aws_cli(daemon, s3, bucket):
    s3.put_object(Bucket=bucket, Key="tag-cli", Body=b"t")
    r = daemon.aws("s3api", "put-object-tagging", "--bucket", bucket, "--key", "tag-cli",
                   "--tagging", "TagSet=[{Key=k1,Value=v1},{Key=k2,Value=v2}]")
    assert r.rc == 0, r
    r = daemon.aws("s3api", "get-object-tagging", "--bucket", bucket, "--key", "tag-cli")
    assert r.rc == 0, r
    assert r.json()["TagSet"] == [{"Key": "k1", "Value": "v1"}, {"Key": "k2", "Value": "v2"}]
    r = daemon.aws("s3api", "put-object", "--bucket", bucket, "--key", "tag-cli2",
                   "--tagging", "x=1&y=2")
    assert r.rc == 0, r
    r = daemon.aws("s3api", "get-object-tagging", "--bucket", bucket, "--key", "tag-cli2")
    assert r.json()["TagSet"] == [{"Key": "x", "Value": "1"}, {"Key": "y", "Value": "2"}]
    r = daemon.aws("s3api", "delete-object-tagging", "--bucket", bucket, "--key", "tag-cli2")
    assert r.rc == 0, r


def test_more_than_10_tags_is_rejected(s3, bucket):
    s3.put_object(Bucket=bucket, Key="many-tags", Body=b"t")
    eleven = [{"Key": f"k{i}", "Value": str(i)} for i in range(11)]
    resp = expect_s3_error(s3.put_object_tagging, "BadRequest", 400, Bucket=bucket,
                        Key="many-tags", Tagging={"TagSet": eleven})
    assert resp["Error"]["Message"] == "Object tags cannot be greater than 10"
    s3.put_object_tagging(Bucket=bucket, Key="many-tags", Tagging={"TagSet": eleven[:10]})
    assert len(s3.get_object_tagging(Bucket=bucket, Key="many-tags")["TagSet"]) == 10
    header = "&".join(f"k{i}={i}" for i in range(11))
    expect_s3_error(s3.put_object, "BadRequest", 400, Bucket=bucket, Key="many-tags-2",
                 Body=b"t", Tagging=header)
    expect_s3_error(s3.head_object, "404", 404, Bucket=bucket, Key="many-tags-2")


def test_invalid_tags(s3, bucket):
    s3.put_object(Bucket=bucket, Key="bad-tags", Body=b"t")
    cases = [
        [{"Key": "k" * 129, "Value": "v"}],
        [{"Key": "k", "Value": "v" * 257}],
        [{"Key": "dup", "Value": "1"}, {"Key": "dup", "Value": "2"}],
    ]
    for tag_set in cases:
        expect_s3_error(s3.put_object_tagging, "InvalidTag", 400, Bucket=bucket, Key="bad-tags",
                     Tagging={"TagSet": tag_set})
    # The limits themselves are fine.
    s3.put_object_tagging(Bucket=bucket, Key="bad-tags",
                          Tagging={"TagSet": [{"Key": "k" * 128, "Value": "v" * 256}]})
