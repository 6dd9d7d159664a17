"""S3 partial and conditional reads and conditional writes: Range (every form, unsatisfiable,
malformed), partNumber of multipart objects, If-Match / If-None-Match / If-Modified-Since /
If-Unmodified-Since with S3's precedence, and If-None-Match: * / If-Match on PutObject."""

import datetime
import email.utils

import pytest
from botocore.exceptions import ClientError

from conftest import (files_under, s3_client, s3_error, s3_error_fields, s3_request,
                      unique_bucket)

BODY = bytes(range(100))
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def bucket(s3):
    name = unique_bucket("reads")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="obj", Body=BODY)
    return name


@pytest.fixture(scope="module")
def multipart_key(s3, bucket):
    """An object of three parts: 5 MiB, 5 MiB and 1000 bytes."""
    key = "multipart-obj"
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    sizes = [5 * MIB, 5 * MIB, 1000]
    parts = []
    for n, size in enumerate(sizes, 1):
        data = bytes([n]) * size
        etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=n,
                              Body=data)["ETag"]
        parts.append({"PartNumber": n, "ETag": etag})
    s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload,
                                 MultipartUpload={"Parts": parts})
    return key


def expect_error(call, code, status, **kwargs):
    with pytest.raises(ClientError) as e:
        call(**kwargs)
    got = s3_error(e.value)
    assert (got[0], got[1]) == (code, status), e.value.response
    return e.value.response


def headers_of(resp):
    return resp["ResponseMetadata"]["HTTPHeaders"]


def client_with_headers(daemon, operation, headers):
    """A new boto3 client that adds `headers` to every `operation` request (for headers boto3
    1.26 does not model, such as If-None-Match on PutObject)."""
    client = s3_client(daemon.endpoint)

    def add(request, **_):
        for k, v in headers.items():
            request.headers[k] = v

    client.meta.events.register_first(f"before-sign.s3.{operation}", add)
    return client


# --- ranges -------------------------------------------------------------------------------------


@pytest.mark.parametrize("header, start, end", [
    ("bytes=0-9", 0, 9),
    ("bytes=10-", 10, 99),
    ("bytes=-5", 95, 99),
    ("bytes=90-200", 90, 99),      # the end is clipped to the object
    ("bytes=-500", 0, 99),         # a suffix longer than the object is all of it
    ("bytes=99-99", 99, 99),
    ("bytes=0-0", 0, 0),
])
def test_satisfiable_ranges(s3, bucket, header, start, end):
    got = s3.get_object(Bucket=bucket, Key="obj", Range=header)
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert got["Body"].read() == BODY[start:end + 1]
    assert got["ContentRange"] == f"bytes {start}-{end}/100"
    assert got["ContentLength"] == end - start + 1
    assert got["AcceptRanges"] == "bytes"
    head = s3.head_object(Bucket=bucket, Key="obj", Range=header)
    assert head["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert head["ContentLength"] == end - start + 1


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=100-200", "bytes=5000-6000"])
def test_unsatisfiable_ranges(daemon, s3, bucket, header):
    resp = expect_error(s3.get_object, "InvalidRange", 416, Bucket=bucket, Key="obj",
                        Range=header)
    assert resp["Error"]["Message"] == "The requested range is not satisfiable"
    r = s3_request(daemon, "GET", f"/{bucket}/obj", headers={"Range": header})
    assert r.status == 416, r
    fields = s3_error_fields(r.body)
    assert fields["Code"] == "InvalidRange"
    assert fields["RangeRequested"] == header
    assert fields["ActualObjectSize"] == "100"


@pytest.mark.parametrize("header", ["bytes=abc", "bytes=5-2", "items=0-9", "bytes=0-1,5-6",
                                    "bytes=", "0-9", "bytes=--1"])
def test_malformed_ranges_return_the_whole_object(s3, bucket, header):
    got = s3.get_object(Bucket=bucket, Key="obj", Range=header)
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert got["Body"].read() == BODY
    assert "ContentRange" not in got


def test_range_with_aws_cli(daemon, bucket, tmp_path):
    out = tmp_path / "part"
    r = daemon.aws("s3api", "get-object", "--bucket", bucket, "--key", "obj", "--range",
                   "bytes=10-19", str(out))
    assert r.rc == 0, r
    assert r.json()["ContentRange"] == "bytes 10-19/100"
    assert out.read_bytes() == BODY[10:20]
    r = daemon.aws("s3api", "get-object", "--bucket", bucket, "--key", "obj", "--range",
                   "bytes=200-", str(out))
    assert r.rc == 254 and r.error_code() == "InvalidRange", r


def test_range_on_large_streamed_object(s3, bucket, multipart_key):
    # A range spanning the boundary between two parts (two data files).
    start = 5 * MIB - 10
    got = s3.get_object(Bucket=bucket, Key=multipart_key, Range=f"bytes={start}-{start + 19}")
    assert got["Body"].read() == bytes([1]) * 10 + bytes([2]) * 10
    got = s3.get_object(Bucket=bucket, Key=multipart_key, Range="bytes=-1001")
    assert got["Body"].read() == bytes([2]) + bytes([3]) * 1000


# --- partNumber ---------------------------------------------------------------------------------


def test_get_by_part_number(s3, bucket, multipart_key):
    total = 10 * MIB + 1000
    expected = [(0, 5 * MIB), (5 * MIB, 5 * MIB), (10 * MIB, 1000)]
    for n, (offset, size) in enumerate(expected, 1):
        got = s3.get_object(Bucket=bucket, Key=multipart_key, PartNumber=n)
        assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
        assert got["PartsCount"] == 3
        assert got["ContentLength"] == size
        assert got["ContentRange"] == f"bytes {offset}-{offset + size - 1}/{total}"
        data = got["Body"].read()
        assert len(data) == size and data == bytes([n]) * size
        head = s3.head_object(Bucket=bucket, Key=multipart_key, PartNumber=n)
        assert head["ResponseMetadata"]["HTTPStatusCode"] == 206
        assert head["PartsCount"] == 3 and head["ContentLength"] == size
    whole = s3.head_object(Bucket=bucket, Key=multipart_key)
    assert whole["ContentLength"] == total
    assert whole["ETag"].endswith('-3"')


def test_part_number_out_of_range(s3, bucket, multipart_key):
    resp = expect_error(s3.get_object, "InvalidPartNumber", 416, Bucket=bucket,
                        Key=multipart_key, PartNumber=4)
    assert resp["Error"]["Message"] == "The requested partnumber is not satisfiable"
    expect_error(s3.head_object, "416", 416, Bucket=bucket, Key=multipart_key, PartNumber=4)


def test_part_number_one_of_a_simple_object_is_all_of_it(s3, bucket):
    got = s3.get_object(Bucket=bucket, Key="obj", PartNumber=1)
    assert got["Body"].read() == BODY
    expect_error(s3.get_object, "InvalidPartNumber", 416, Bucket=bucket, Key="obj",
                 PartNumber=2)


def test_part_number_with_range_is_invalid(s3, bucket, multipart_key):
    resp = expect_error(s3.get_object, "InvalidRequest", 400, Bucket=bucket,
                        Key=multipart_key, PartNumber=1, Range="bytes=0-9")
    assert resp["Error"]["Message"] == ("Cannot specify both Range header and partNumber "
                                        "query parameter")


def test_part_number_with_aws_cli(daemon, bucket, multipart_key, tmp_path):
    out = tmp_path / "p3"
    r = daemon.aws("s3api", "get-object", "--bucket", bucket, "--key", multipart_key,
                   "--part-number", "3", str(out))
    assert r.rc == 0, r
    assert r.json()["PartsCount"] == 3
    assert out.read_bytes() == bytes([3]) * 1000


# --- conditional reads --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cond(s3, bucket):
    """ETag and Last-Modified of an object, plus HTTP dates before and after it."""
    s3.put_object(Bucket=bucket, Key="cond", Body=b"conditional")
    head = s3.head_object(Bucket=bucket, Key="cond")
    modified = head["LastModified"]
    fmt = lambda t: email.utils.format_datetime(t.astimezone(datetime.timezone.utc),
                                                usegmt=True)
    return {"etag": head["ETag"], "modified": modified,
            "before": fmt(modified - datetime.timedelta(days=1)),
            "same": fmt(modified),
            "after": fmt(modified + datetime.timedelta(days=1))}


def get_status(daemon, bucket, headers, method="GET"):
    r = s3_request(daemon, method, f"/{bucket}/cond", headers=headers)
    return r


def test_if_match(daemon, s3, bucket, cond):
    assert s3.get_object(Bucket=bucket, Key="cond", IfMatch=cond["etag"])["Body"].read() == \
        b"conditional"
    # Unquoted, in a list, and the wildcard match too.
    for value in (cond["etag"].strip('"'), f'"nope", {cond["etag"]}', "*"):
        assert get_status(daemon, bucket, {"If-Match": value}).status == 200, value
    resp = expect_error(s3.get_object, "PreconditionFailed", 412, Bucket=bucket, Key="cond",
                        IfMatch='"0123456789abcdef0123456789abcdef"')
    assert resp["Error"]["Message"] == ("At least one of the pre-conditions you specified did "
                                        "not hold")
    r = get_status(daemon, bucket, {"If-Match": '"nope"'})
    assert r.status == 412 and s3_error_fields(r.body)["Condition"] == "If-Match", r
    expect_error(s3.head_object, "412", 412, Bucket=bucket, Key="cond", IfMatch='"nope"')


def test_if_none_match(daemon, s3, bucket, cond):
    expect_error(s3.get_object, "304", 304, Bucket=bucket, Key="cond",
                 IfNoneMatch=cond["etag"])
    expect_error(s3.head_object, "304", 304, Bucket=bucket, Key="cond",
                 IfNoneMatch=cond["etag"])
    r = get_status(daemon, bucket, {"If-None-Match": cond["etag"]})
    assert r.status == 304 and r.body == b"", r
    assert r.headers["etag"] == cond["etag"]
    assert "last-modified" in r.headers
    assert get_status(daemon, bucket, {"If-None-Match": "*"}).status == 304
    got = s3.get_object(Bucket=bucket, Key="cond", IfNoneMatch='"other"')
    assert got["Body"].read() == b"conditional"


def test_if_modified_since(daemon, s3, bucket, cond):
    got = s3.get_object(Bucket=bucket, Key="cond",
                        IfModifiedSince=cond["modified"] - datetime.timedelta(days=1))
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 200
    expect_error(s3.get_object, "304", 304, Bucket=bucket, Key="cond",
                 IfModifiedSince=cond["modified"] + datetime.timedelta(days=1))
    # Not modified since the very second it was written.
    assert get_status(daemon, bucket, {"If-Modified-Since": cond["same"]}).status == 304


def test_if_unmodified_since(daemon, s3, bucket, cond):
    got = s3.get_object(Bucket=bucket, Key="cond",
                        IfUnmodifiedSince=cond["modified"] + datetime.timedelta(days=1))
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 200
    resp = expect_error(s3.get_object, "PreconditionFailed", 412, Bucket=bucket, Key="cond",
                        IfUnmodifiedSince=cond["modified"] - datetime.timedelta(days=1))
    assert get_status(daemon, bucket, {"If-Unmodified-Since": cond["same"]}).status == 200
    r = get_status(daemon, bucket, {"If-Unmodified-Since": cond["before"]})
    assert r.status == 412
    assert s3_error_fields(r.body)["Condition"] == "If-Unmodified-Since", r
    assert resp["Error"]["Code"] == "PreconditionFailed"


@pytest.mark.parametrize("headers, status", [
    # If-Match true and If-Unmodified-Since false: 200 (If-Match wins).
    ({"If-Match": "{etag}", "If-Unmodified-Since": "{before}"}, 200),
    # If-Match false and If-Unmodified-Since true: 412.
    ({"If-Match": '"nope"', "If-Unmodified-Since": "{after}"}, 412),
    # If-None-Match false (the ETag matches) and If-Modified-Since true: 304.
    ({"If-None-Match": "{etag}", "If-Modified-Since": "{before}"}, 304),
    # If-None-Match true and If-Modified-Since false: 200 (If-None-Match wins).
    ({"If-None-Match": '"other"', "If-Modified-Since": "{after}"}, 200),
    # A failed If-Match beats a matching If-None-Match: 412, not 304.
    ({"If-Match": '"nope"', "If-None-Match": "{etag}"}, 412),
    # A failed If-Unmodified-Since beats If-Modified-Since: 412.
    ({"If-Unmodified-Since": "{before}", "If-Modified-Since": "{after}"}, 412),
    # All four hold.
    ({"If-Match": "{etag}", "If-Unmodified-Since": "{after}", "If-None-Match": '"x"',
      "If-Modified-Since": "{before}"}, 200),
])
def test_condition_precedence(daemon, bucket, cond, headers, status):
    filled = {k: v.format(**cond) for k, v in headers.items()}
    for method in ("GET", "HEAD"):
        r = get_status(daemon, bucket, filled, method)
        assert r.status == status, (method, filled, r)


def test_conditions_with_aws_cli(daemon, bucket, cond, tmp_path):
    out = str(tmp_path / "o")
    r = daemon.aws("s3api", "get-object", "--bucket", bucket, "--key", "cond", "--if-match",
                   cond["etag"], out)
    assert r.rc == 0, r
    r = daemon.aws("s3api", "get-object", "--bucket", bucket, "--key", "cond", "--if-match",
                   '"nope"', out)
    assert r.rc == 254 and r.error_code() == "PreconditionFailed", r
    r = daemon.aws("s3api", "head-object", "--bucket", bucket, "--key", "cond",
                   "--if-none-match", cond["etag"])
    assert r.rc == 254 and "(304)" in r.stderr, r


# --- conditional writes -------------------------------------------------------------------------


def test_put_if_none_match_star(daemon, s3, bucket):
    key = "create-only"
    client = client_with_headers(daemon, "PutObject", {"If-None-Match": "*"})
    first = client.put_object(Bucket=bucket, Key=key, Body=b"first")
    assert first["ResponseMetadata"]["HTTPStatusCode"] == 200
    resp = expect_error(client.put_object, "PreconditionFailed", 412, Bucket=bucket, Key=key,
                        Body=b"second")
    assert resp["Error"]["Message"] == ("At least one of the pre-conditions you specified did "
                                        "not hold")
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"first"
    r = s3_request(daemon, "PUT", f"/{bucket}/{key}", b"third", {"If-None-Match": "*"})
    assert r.status == 412, r
    assert s3_error_fields(r.body)["Condition"] == "If-None-Match", r
    # Once deleted, the key may be created again.
    s3.delete_object(Bucket=bucket, Key=key)
    client.put_object(Bucket=bucket, Key=key, Body=b"again")
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"again"


def test_put_if_none_match_star_after_delete_marker(daemon, s3):
    name = unique_bucket("condv")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=name, Key="k", Body=b"v1")
    s3.delete_object(Bucket=name, Key="k")
    client = client_with_headers(daemon, "PutObject", {"If-None-Match": "*"})
    client.put_object(Bucket=name, Key="k", Body=b"v2")
    expect_error(client.put_object, "PreconditionFailed", 412, Bucket=name, Key="k",
                 Body=b"v3")
    assert s3.get_object(Bucket=name, Key="k")["Body"].read() == b"v2"


def test_put_if_match(daemon, s3, bucket):
    key = "compare-and-swap"
    etag = s3.put_object(Bucket=bucket, Key=key, Body=b"v1")["ETag"]
    ok = client_with_headers(daemon, "PutObject", {"If-Match": etag})
    ok.put_object(Bucket=bucket, Key=key, Body=b"v2")
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"v2"
    # The ETag of v1 no longer matches.
    expect_error(ok.put_object, "PreconditionFailed", 412, Bucket=bucket, Key=key, Body=b"v3")
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"v2"
    # If-Match on a key that does not exist: 404 NoSuchKey.
    expect_error(ok.put_object, "NoSuchKey", 404, Bucket=bucket, Key="never-written",
                 Body=b"x")
    expect_error(s3.head_object, "404", 404, Bucket=bucket, Key="never-written")


def test_failed_conditional_put_leaves_no_data_file(daemon, s3):
    # The staged bytes of a refused write are removed.
    name = unique_bucket("condfiles")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="k", Body=b"x" * 1000)
    client = client_with_headers(daemon, "PutObject", {"If-None-Match": "*"})
    for _ in range(3):
        expect_error(client.put_object, "PreconditionFailed", 412, Bucket=name, Key="k",
                     Body=b"y" * 1000)
    objects = files_under(daemon.data_dir / "s3" / "objects")
    sizes = [p.stat().st_size for p in objects]
    assert sizes.count(1000) >= 1
    # Nothing of the refused writes: no file holds "y" bytes.
    assert not any(p.read_bytes() == b"y" * 1000 for p in objects)
    assert files_under(daemon.data_dir / "s3" / "tmp") == []
