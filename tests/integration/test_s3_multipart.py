"""S3 multipart uploads with the aws CLI (s3 cp/sync and s3api) and boto3: a 100 MiB+ round
trip, the s3api calls one by one, UploadPartCopy with ranges, the errors of
CompleteMultipartUpload (part order, ETags, part sizes), abort, listings, composite checksums,
and `aws s3 sync` of a directory tree both ways."""

import base64
import filecmp
import hashlib
import json
import math
import os
import random
import urllib.parse
import xml.etree.ElementTree as ET

import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from conftest import files_under, md5_hex, s3_error, s3_error_fields, s3_request, unique_bucket

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def bucket(s3):
    name = unique_bucket("mpu")
    s3.create_bucket(Bucket=name)
    return name


def expect_error(call, code, status, **kwargs):
    with pytest.raises(ClientError) as e:
        call(**kwargs)
    got = s3_error(e.value)
    assert (got[0], got[1]) == (code, status), e.value.response
    return e.value.response


def multipart_etag(parts):
    digest = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest()
    return f'"{digest}-{len(parts)}"'


def pattern(size, seed):
    """Deterministic, incompressible-looking bytes."""
    rnd = random.Random(seed)
    block = rnd.randbytes(64 * 1024)
    return (block * (size // len(block) + 1))[:size]


# --- aws s3 cp of a large file ------------------------------------------------------------------


def test_aws_s3_cp_100_mib_round_trip(daemon, s3, bucket, tmp_path):
    size = 105 * MIB + 12345
    src = tmp_path / "big.bin"
    with open(src, "wb") as f:
        for i in range(size // MIB + 1):
            f.write(pattern(min(MIB, size - i * MIB), i))
    r = daemon.aws("s3", "cp", str(src), f"s3://{bucket}/big/big.bin", timeout=300)
    assert r.rc == 0, r
    head = s3.head_object(Bucket=bucket, Key="big/big.bin")
    assert head["ContentLength"] == size
    # The CLI uploads 8 MiB parts.
    parts = math.ceil(size / (8 * MIB))
    assert head["ETag"].endswith(f'-{parts}"'), head["ETag"]
    with open(src, "rb") as f:
        chunks = iter(lambda: f.read(8 * MIB), b"")
        assert head["ETag"] == multipart_etag(list(chunks))
    dst = tmp_path / "back.bin"
    r = daemon.aws("s3", "cp", f"s3://{bucket}/big/big.bin", str(dst), timeout=300)
    assert r.rc == 0, r
    assert filecmp.cmp(src, dst, shallow=False)
    # Part 3 on its own.
    got = s3.get_object(Bucket=bucket, Key="big/big.bin", PartNumber=3)
    assert got["PartsCount"] == parts and got["ContentLength"] == 8 * MIB
    with open(src, "rb") as f:
        f.seek(16 * MIB)
        assert got["Body"].read() == f.read(8 * MIB)
    assert files_under(daemon.data_dir / "s3" / "tmp") == []


# --- s3api, step by step ------------------------------------------------------------------------


def test_s3api_multipart_step_by_step(daemon, s3, bucket, tmp_path):
    key = "cli/assembled.bin"
    r = daemon.aws("s3api", "create-multipart-upload", "--bucket", bucket, "--key", key,
                   "--content-type", "application/x-parts", "--metadata", "made=by-parts")
    assert r.rc == 0, r
    created = r.json()
    upload_id = created["UploadId"]
    assert created["Bucket"] == bucket and created["Key"] == key and upload_id

    data = [pattern(5 * MIB, 1), pattern(5 * MIB, 2), b"tail" * 100]
    etags = []
    for n, chunk in enumerate(data, 1):
        part_file = tmp_path / f"part{n}"
        part_file.write_bytes(chunk)
        r = daemon.aws("s3api", "upload-part", "--bucket", bucket, "--key", key, "--upload-id",
                       upload_id, "--part-number", str(n), "--body", str(part_file))
        assert r.rc == 0, r
        assert r.json()["ETag"] == f'"{md5_hex(chunk)}"'
        etags.append(r.json()["ETag"])

    r = daemon.aws("s3api", "list-parts", "--bucket", bucket, "--key", key, "--upload-id",
                   upload_id)
    assert r.rc == 0, r
    listed = r.json()
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in listed["Parts"]] == [
        (n, etags[n - 1], len(data[n - 1])) for n in (1, 2, 3)]
    assert listed["StorageClass"] == "STANDARD"
    assert listed["Owner"]["ID"] and listed["Initiator"]["ID"]

    r = daemon.aws("s3api", "list-multipart-uploads", "--bucket", bucket)
    assert r.rc == 0, r
    uploads = [(u["Key"], u["UploadId"]) for u in r.json()["Uploads"]]
    assert (key, upload_id) in uploads
    # Not an object yet.
    r = daemon.aws("s3api", "head-object", "--bucket", bucket, "--key", key)
    assert r.rc == 254, r

    parts = {"Parts": [{"PartNumber": n, "ETag": etags[n - 1]} for n in (1, 2, 3)]}
    r = daemon.aws("s3api", "complete-multipart-upload", "--bucket", bucket, "--key", key,
                   "--upload-id", upload_id, "--multipart-upload", json.dumps(parts))
    assert r.rc == 0, r
    done = r.json()
    assert done["ETag"] == multipart_etag(data)
    assert done["Bucket"] == bucket and done["Key"] == key
    assert done["Location"].endswith(f"/{bucket}/cli/assembled.bin"), done

    head = s3.head_object(Bucket=bucket, Key=key)
    assert head["ContentLength"] == sum(map(len, data))
    assert head["ETag"] == done["ETag"]
    assert head["ContentType"] == "application/x-parts"
    assert head["Metadata"] == {"made": "by-parts"}
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"".join(data)
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=key)["Contents"]
    assert listed[0]["ETag"] == done["ETag"] and listed[0]["Size"] == head["ContentLength"]
    # The upload is gone.
    r = daemon.aws("s3api", "list-parts", "--bucket", bucket, "--key", key, "--upload-id",
                   upload_id)
    assert r.rc == 254 and r.error_code() == "NoSuchUpload", r


def test_upload_part_copy_with_ranges(daemon, s3, bucket):
    source = pattern(12 * MIB + 7, 9)
    s3.put_object(Bucket=bucket, Key="copy-source", Body=source)
    key = "copied-by-parts"
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    ranges = [(0, 5 * MIB - 1), (5 * MIB, 10 * MIB - 1), (10 * MIB, len(source) - 1)]
    parts = []
    for n, (first, last) in enumerate(ranges, 1):
        out = s3.upload_part_copy(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=n,
                                  CopySource={"Bucket": bucket, "Key": "copy-source"},
                                  CopySourceRange=f"bytes={first}-{last}")
        assert out["CopyPartResult"]["ETag"] == f'"{md5_hex(source[first:last + 1])}"'
        assert out["CopyPartResult"]["LastModified"]
        parts.append({"PartNumber": n, "ETag": out["CopyPartResult"]["ETag"]})
    # A whole object as a part (no range), with the CLI, then replaced by the ranged one.
    r = daemon.aws("s3api", "upload-part-copy", "--bucket", bucket, "--key", key,
                   "--upload-id", upload_id, "--part-number", "4", "--copy-source",
                   f"{bucket}/copy-source", "--copy-source-range", "bytes=0-99")
    assert r.rc == 0, r
    assert r.json()["CopyPartResult"]["ETag"] == f'"{md5_hex(source[:100])}"'
    # Ranges outside the source.
    for bad in (f"bytes=0-{len(source)}", "bytes=10-5", "bytes=abc", "0-10"):
        resp = expect_error(s3.upload_part_copy, "InvalidArgument", 400, Bucket=bucket,
                            Key=key, UploadId=upload_id, PartNumber=5,
                            CopySource={"Bucket": bucket, "Key": "copy-source"},
                            CopySourceRange=bad)
        assert resp["Error"]["Message"] == (f"Range specified is not valid for source object "
                                            f"of size: {len(source)}"), bad
    s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id,
                                 MultipartUpload={"Parts": parts})
    got = s3.get_object(Bucket=bucket, Key=key)
    assert got["Body"].read() == source
    assert got["ETag"] == multipart_etag([source[a:b + 1] for a, b in ranges])


# --- errors of CompleteMultipartUpload ----------------------------------------------------------


@pytest.fixture
def three_parts(s3, bucket):
    key = "errors/" + unique_bucket("k")
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    data = [pattern(5 * MIB, 11), pattern(5 * MIB, 12), b"last"]
    etags = [s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=n,
                            Body=d)["ETag"] for n, d in enumerate(data, 1)]
    return key, upload_id, data, etags


def complete(s3, bucket, key, upload_id, parts):
    return s3.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e} for n, e in parts]})


def test_complete_with_wrong_part_order(s3, bucket, three_parts):
    key, upload_id, data, etags = three_parts
    with pytest.raises(ClientError) as e:
        complete(s3, bucket, key, upload_id, [(2, etags[1]), (1, etags[0]), (3, etags[2])])
    assert s3_error(e.value)[:2] == ("InvalidPartOrder", 400)
    assert e.value.response["Error"]["Message"] == (
        "The list of parts was not in ascending order. Parts must be ordered by part number.")
    with pytest.raises(ClientError) as e:
        complete(s3, bucket, key, upload_id, [(1, etags[0]), (1, etags[0])])
    assert s3_error(e.value)[:2] == ("InvalidPartOrder", 400)
    # The upload is still there and completes.
    complete(s3, bucket, key, upload_id, list(zip((1, 2, 3), etags)))
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"".join(data)


def test_complete_with_wrong_etag_or_missing_part(s3, bucket, three_parts):
    key, upload_id, data, etags = three_parts
    with pytest.raises(ClientError) as e:
        complete(s3, bucket, key, upload_id,
                 [(1, etags[0]), (2, '"0123456789abcdef0123456789abcdef"'), (3, etags[2])])
    assert s3_error(e.value)[:2] == ("InvalidPart", 400)
    assert e.value.response["Error"]["Message"].startswith(
        "One or more of the specified parts could not be found.")
    with pytest.raises(ClientError) as e:
        complete(s3, bucket, key, upload_id, [(1, etags[0]), (2, etags[1]), (4, etags[2])])
    assert s3_error(e.value)[:2] == ("InvalidPart", 400)
    # ETags are accepted with or without quotes.
    complete(s3, bucket, key, upload_id, [(1, etags[0].strip('"')), (2, etags[1]),
                                          (3, etags[2])])
    assert s3.head_object(Bucket=bucket, Key=key)["ETag"] == multipart_etag(data)


def test_complete_with_small_part(daemon, s3, bucket):
    key = "errors/small"
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    small = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=1,
                           Body=b"x" * 1024)["ETag"]
    last = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=2,
                          Body=b"y" * 1024)["ETag"]
    with pytest.raises(ClientError) as e:
        complete(s3, bucket, key, upload_id, [(1, small), (2, last)])
    assert s3_error(e.value)[:2] == ("EntityTooSmall", 400)
    assert e.value.response["Error"]["Message"] == (
        "Your proposed upload is smaller than the minimum allowed object size.")
    # A small part is fine as the last (or only) one.
    complete(s3, bucket, key, upload_id, [(1, small)])
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"x" * 1024


def test_complete_with_no_parts(daemon, s3, bucket):
    key = "errors/none"
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=1, Body=b"x")
    body = (b'<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            b'</CompleteMultipartUpload>')
    r = s3_request(daemon, "POST", f"/{bucket}/{key}?uploadId={upload_id}", body)
    assert r.status == 400, r
    assert s3_error_fields(r.body)["Code"] == "MalformedXML", r


def test_complete_subset_of_parts(daemon, s3, bucket):
    key = "subset"
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    data = {n: pattern(5 * MIB, 20 + n) for n in (1, 2, 3)}
    etags = {n: s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=n,
                               Body=d)["ETag"] for n, d in data.items()}
    complete(s3, bucket, key, upload_id, [(1, etags[1]), (3, etags[3])])
    got = s3.get_object(Bucket=bucket, Key=key)
    assert got["Body"].read() == data[1] + data[3]
    assert got["ETag"] == multipart_etag([data[1], data[3]])
    # Part 2's data was dropped: no file of 5 MiB holds it.
    for p in files_under(daemon.data_dir / "s3" / "objects"):
        if p.stat().st_size == 5 * MIB:
            with open(p, "rb") as f:
                assert f.read(64) != data[2][:64], p


def test_upload_part_again_replaces_it(s3, bucket):
    key = "replaced-part"
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=1, Body=b"first")
    etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=1,
                          Body=b"second")["ETag"]
    parts = s3.list_parts(Bucket=bucket, Key=key, UploadId=upload_id)["Parts"]
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in parts] == [(1, etag, 6)]
    complete(s3, bucket, key, upload_id, [(1, etag)])
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"second"


def test_complete_if_none_match_star(daemon, s3, bucket):
    key = "mpu-create-only"
    s3.put_object(Bucket=bucket, Key=key, Body=b"exists")
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=1,
                          Body=b"new")["ETag"]
    body = ('<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            f'<Part><PartNumber>1</PartNumber><ETag>{etag}</ETag></Part>'
            '</CompleteMultipartUpload>').encode()
    r = s3_request(daemon, "POST", f"/{bucket}/{key}?uploadId={upload_id}", body,
                   {"If-None-Match": "*"})
    assert r.status == 412, r
    assert s3_error_fields(r.body)["Code"] == "PreconditionFailed"
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"exists"
    r = s3_request(daemon, "POST", f"/{bucket}/{key}?uploadId={upload_id}", body)
    assert r.status == 200, r
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"new"


# --- abort, missing uploads, part numbers -------------------------------------------------------


def test_abort(daemon, s3, bucket):
    key = "aborted"
    before = len(files_under(daemon.data_dir / "s3" / "objects"))
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    for n in (1, 2):
        s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=n, Body=b"p" * 100)
    assert len(files_under(daemon.data_dir / "s3" / "objects")) == before + 2
    r = daemon.aws("s3api", "abort-multipart-upload", "--bucket", bucket, "--key", key,
                   "--upload-id", upload_id)
    assert r.rc == 0, r
    assert len(files_under(daemon.data_dir / "s3" / "objects")) == before
    uploads = s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    assert upload_id not in [u["UploadId"] for u in uploads]
    resp = expect_error(s3.upload_part, "NoSuchUpload", 404, Bucket=bucket, Key=key,
                        UploadId=upload_id, PartNumber=1, Body=b"late")
    assert resp["Error"]["Message"].startswith("The specified upload does not exist.")
    expect_error(s3.list_parts, "NoSuchUpload", 404, Bucket=bucket, Key=key,
                 UploadId=upload_id)
    expect_error(s3.abort_multipart_upload, "NoSuchUpload", 404, Bucket=bucket, Key=key,
                 UploadId=upload_id)
    expect_error(s3.complete_multipart_upload, "NoSuchUpload", 404, Bucket=bucket, Key=key,
                 UploadId=upload_id,
                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"x"'}]})
    expect_error(s3.head_object, "404", 404, Bucket=bucket, Key=key)


def test_upload_id_belongs_to_its_key(s3, bucket):
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="owner-key")["UploadId"]
    expect_error(s3.upload_part, "NoSuchUpload", 404, Bucket=bucket, Key="other-key",
                 UploadId=upload_id, PartNumber=1, Body=b"x")
    expect_error(s3.upload_part, "NoSuchUpload", 404, Bucket=bucket, Key="k",
                 UploadId="not-an-upload", PartNumber=1, Body=b"x")
    s3.abort_multipart_upload(Bucket=bucket, Key="owner-key", UploadId=upload_id)


@pytest.mark.parametrize("number", ["0", "10001", "-1"])
def test_part_number_limits(daemon, s3, bucket, number):
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="limits")["UploadId"]
    r = s3_request(daemon, "PUT", f"/{bucket}/limits?partNumber={number}&uploadId={upload_id}",
                   b"x")
    assert r.status == 400, r
    fields = s3_error_fields(r.body)
    assert fields["Code"] == "InvalidArgument", fields
    assert fields["Message"] == "Part number must be an integer between 1 and 10000, inclusive"
    s3.abort_multipart_upload(Bucket=bucket, Key="limits", UploadId=upload_id)


def test_upload_part_with_bad_content_md5(s3, bucket):
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="md5-part")["UploadId"]
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    expect_error(s3.upload_part, "BadDigest", 400, Bucket=bucket, Key="md5-part",
                 UploadId=upload_id, PartNumber=1, Body=b"data", ContentMD5=wrong)
    assert "Parts" not in s3.list_parts(Bucket=bucket, Key="md5-part", UploadId=upload_id)
    s3.abort_multipart_upload(Bucket=bucket, Key="md5-part", UploadId=upload_id)


# --- listings -----------------------------------------------------------------------------------


def test_list_multipart_uploads_and_parts(s3):
    name = unique_bucket("mpulist")
    s3.create_bucket(Bucket=name)
    ids = {}
    for key in ("a/1", "a/2", "b/1", "c"):
        ids[key] = s3.create_multipart_upload(Bucket=name, Key=key)["UploadId"]
    second = s3.create_multipart_upload(Bucket=name, Key="c")["UploadId"]
    out = s3.list_multipart_uploads(Bucket=name)
    assert [u["Key"] for u in out["Uploads"]] == ["a/1", "a/2", "b/1", "c", "c"]
    assert {u["UploadId"] for u in out["Uploads"] if u["Key"] == "c"} == {ids["c"], second}
    assert out["IsTruncated"] is False
    out = s3.list_multipart_uploads(Bucket=name, Prefix="a/")
    assert [u["Key"] for u in out["Uploads"]] == ["a/1", "a/2"]
    out = s3.list_multipart_uploads(Bucket=name, Delimiter="/")
    assert [p["Prefix"] for p in out["CommonPrefixes"]] == ["a/", "b/"]
    assert [u["Key"] for u in out["Uploads"]] == ["c", "c"]
    out = s3.list_multipart_uploads(Bucket=name, MaxUploads=2)
    assert out["IsTruncated"] is True and len(out["Uploads"]) == 2
    out = s3.list_multipart_uploads(Bucket=name, MaxUploads=2, KeyMarker=out["NextKeyMarker"],
                                    UploadIdMarker=out["NextUploadIdMarker"])
    assert [u["Key"] for u in out["Uploads"]] == ["b/1", "c"]

    # ListParts pagination.
    key = "a/1"
    for n in range(1, 6):
        s3.upload_part(Bucket=name, Key=key, UploadId=ids[key], PartNumber=n, Body=b"p" * n)
    out = s3.list_parts(Bucket=name, Key=key, UploadId=ids[key], MaxParts=2)
    assert [p["PartNumber"] for p in out["Parts"]] == [1, 2]
    assert out["IsTruncated"] is True and out["NextPartNumberMarker"] == 2
    out = s3.list_parts(Bucket=name, Key=key, UploadId=ids[key], MaxParts=2,
                        PartNumberMarker=2)
    assert [p["PartNumber"] for p in out["Parts"]] == [3, 4]
    pages = list(s3.get_paginator("list_parts").paginate(
        Bucket=name, Key=key, UploadId=ids[key], PaginationConfig={"PageSize": 2}))
    assert [p["PartNumber"] for page in pages for p in page["Parts"]] == [1, 2, 3, 4, 5]
    assert [p["Size"] for page in pages for p in page["Parts"]] == [1, 2, 3, 4, 5]
    # A bucket with pending uploads and no objects can be deleted; its uploads go with it.
    s3.delete_bucket(Bucket=name)
    expect_error(s3.list_multipart_uploads, "NoSuchBucket", 404, Bucket=name)


def test_list_multipart_uploads_with_url_encoding(daemon, s3):
    name = unique_bucket("mpuenc")
    s3.create_bucket(Bucket=name)
    keys = ["sp ace/a+b", "ü/x", "plain/y"]
    for k in keys:
        s3.create_multipart_upload(Bucket=name, Key=k)
    r = s3_request(daemon, "GET", f"/{name}?uploads&encoding-type=url")
    assert r.status == 200, r
    ns = {"s3": "http://s3.amazonaws.com/doc/2006-03-01/"}
    root = ET.fromstring(r.body)
    assert root.findtext("s3:EncodingType", namespaces=ns) == "url"
    listed = [k.text for k in root.findall("s3:Upload/s3:Key", ns)]
    assert "sp+ace/a%2Bb" in listed and "%C3%BC/x" in listed, listed
    assert sorted(urllib.parse.unquote_plus(k) for k in listed) == sorted(keys)
    r = s3_request(daemon, "GET", f"/{name}?uploads&encoding-type=url&delimiter=%2F")
    root = ET.fromstring(r.body)
    prefixes = [p.text for p in root.findall("s3:CommonPrefixes/s3:Prefix", ns)]
    assert prefixes == ["plain/", "sp+ace/", "%C3%BC/"], prefixes


def test_upload_part_copy_from_a_multipart_source(s3, bucket):
    # The source's bytes live in one file per part; a copied range crosses the boundary.
    source = [pattern(5 * MIB, 51), pattern(3 * MIB, 52)]
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="mp-source")["UploadId"]
    parts = [{"PartNumber": n, "ETag": s3.upload_part(Bucket=bucket, Key="mp-source",
                                                      UploadId=upload_id, PartNumber=n,
                                                      Body=d)["ETag"]}
             for n, d in enumerate(source, 1)]
    s3.complete_multipart_upload(Bucket=bucket, Key="mp-source", UploadId=upload_id,
                                 MultipartUpload={"Parts": parts})
    whole = b"".join(source)
    target = s3.create_multipart_upload(Bucket=bucket, Key="mp-target")["UploadId"]
    first, last = 5 * MIB - 1000, 5 * MIB + 999
    out = s3.upload_part_copy(Bucket=bucket, Key="mp-target", UploadId=target, PartNumber=1,
                              CopySource={"Bucket": bucket, "Key": "mp-source"},
                              CopySourceRange=f"bytes={first}-{last}")
    s3.complete_multipart_upload(Bucket=bucket, Key="mp-target", UploadId=target,
                                 MultipartUpload={"Parts": [
                                     {"PartNumber": 1, "ETag": out["CopyPartResult"]["ETag"]}]})
    assert s3.get_object(Bucket=bucket, Key="mp-target")["Body"].read() == whole[first:last + 1]
    # CopyObject of the whole multipart object.
    s3.copy_object(Bucket=bucket, Key="mp-copy", CopySource={"Bucket": bucket,
                                                              "Key": "mp-source"})
    assert s3.get_object(Bucket=bucket, Key="mp-copy")["Body"].read() == whole


# --- checksums and versions ---------------------------------------------------------------------


def test_multipart_composite_checksum(s3, bucket):
    key = "mpu-sha256"
    out = s3.create_multipart_upload(Bucket=bucket, Key=key, ChecksumAlgorithm="SHA256")
    assert out["ChecksumAlgorithm"] == "SHA256"
    upload_id = out["UploadId"]
    data = [pattern(5 * MIB, 31), pattern(5 * MIB, 32), b"end"]
    parts = []
    for n, d in enumerate(data, 1):
        up = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=n, Body=d,
                            ChecksumAlgorithm="SHA256")
        expected = base64.b64encode(hashlib.sha256(d).digest()).decode()
        assert up["ChecksumSHA256"] == expected
        parts.append({"PartNumber": n, "ETag": up["ETag"], "ChecksumSHA256": expected})
    listed = s3.list_parts(Bucket=bucket, Key=key, UploadId=upload_id)
    assert [p["ChecksumSHA256"] for p in listed["Parts"]] == [p["ChecksumSHA256"]
                                                             for p in parts]
    done = s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id,
                                        MultipartUpload={"Parts": parts})
    composite = base64.b64encode(hashlib.sha256(b"".join(
        hashlib.sha256(d).digest() for d in data)).digest()).decode() + "-3"
    assert done["ChecksumSHA256"] == composite
    head = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == composite
    # The whole object's checksum does not apply to a part: not returned for partNumber.
    part = s3.get_object(Bucket=bucket, Key=key, PartNumber=3)
    assert part["Body"].read() == b"end"


def test_multipart_in_versioned_bucket(s3):
    name = unique_bucket("mpuv")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    v1 = s3.put_object(Bucket=name, Key="k", Body=b"simple")["VersionId"]
    upload_id = s3.create_multipart_upload(Bucket=name, Key="k")["UploadId"]
    etag = s3.upload_part(Bucket=name, Key="k", UploadId=upload_id, PartNumber=1,
                          Body=b"multi")["ETag"]
    done = complete(s3, name, "k", upload_id, [(1, etag)])
    assert done["VersionId"] and done["VersionId"] != v1
    versions = s3.list_object_versions(Bucket=name)["Versions"]
    assert [v["VersionId"] for v in versions] == [done["VersionId"], v1]
    assert s3.get_object(Bucket=name, Key="k", VersionId=v1)["Body"].read() == b"simple"


def test_boto3_managed_transfer(daemon, s3, bucket, tmp_path):
    # s3transfer: concurrent UploadPart calls, then concurrent ranged GETs.
    config = TransferConfig(multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB,
                            max_concurrency=4)
    data = pattern(23 * MIB + 5, 41)
    src = tmp_path / "src"
    src.write_bytes(data)
    s3.upload_file(str(src), bucket, "managed/file", Config=config,
                   ExtraArgs={"ContentType": "application/x-managed"})
    head = s3.head_object(Bucket=bucket, Key="managed/file")
    assert head["ETag"] == multipart_etag([data[i:i + 5 * MIB]
                                           for i in range(0, len(data), 5 * MIB)])
    assert head["ContentType"] == "application/x-managed"
    dst = tmp_path / "dst"
    s3.download_file(bucket, "managed/file", str(dst), Config=config)
    assert dst.read_bytes() == data


# --- aws s3 sync ----------------------------------------------------------------------------------


def make_tree(root, count=200):
    rnd = random.Random(7)
    files = {}
    for i in range(count):
        depth = i % 4
        parts = [f"level{d}-{(i // (d + 3)) % 5}" for d in range(depth)]
        rel = os.path.join(*parts, f"file {i:03d}.dat") if parts else f"file {i:03d}.dat"
        size = rnd.choice([0, 1, 100, 4096, 70000])
        data = rnd.randbytes(size)
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        files[rel.replace(os.sep, "/")] = data
    return files


def test_aws_s3_sync_both_ways(daemon, s3, tmp_path):
    name = unique_bucket("sync")
    s3.create_bucket(Bucket=name)
    up = tmp_path / "up"
    files = make_tree(up)
    r = daemon.aws("s3", "sync", str(up), f"s3://{name}/tree", timeout=300)
    assert r.rc == 0, r
    assert r.stdout.count("upload: ") == len(files)
    listed = [o["Key"] for p in s3.get_paginator("list_objects_v2").paginate(
        Bucket=name, Prefix="tree/") for o in p.get("Contents", [])]
    assert sorted(listed) == sorted("tree/" + k for k in files)

    # Nothing changed: nothing to do.
    r = daemon.aws("s3", "sync", str(up), f"s3://{name}/tree", timeout=300)
    assert r.rc == 0 and "upload:" not in r.stdout, r

    down = tmp_path / "down"
    r = daemon.aws("s3", "sync", f"s3://{name}/tree", str(down), timeout=300)
    assert r.rc == 0, r
    got = {str(p.relative_to(down)).replace(os.sep, "/"): p.read_bytes()
           for p in down.rglob("*") if p.is_file()}
    assert got == files

    # A change and a deletion travel with --delete.
    changed = sorted(files)[10]
    removed = sorted(files)[20]
    (up / changed).write_bytes(b"changed content that has a new size")
    (up / removed).unlink()
    r = daemon.aws("s3", "sync", "--delete", str(up), f"s3://{name}/tree", timeout=300)
    assert r.rc == 0, r
    actions = sorted(line.split(":", 1)[0] for line in r.stdout.replace("\r", "\n").splitlines()
                     if line.startswith(("upload:", "delete:")))
    assert actions == ["delete", "upload"], r.stdout
    assert s3.get_object(Bucket=name, Key="tree/" + changed)["Body"].read() == \
        b"changed content that has a new size"
    expect_error(s3.head_object, "404", 404, Bucket=name, Key="tree/" + removed)
    r = daemon.aws("s3", "sync", "--delete", f"s3://{name}/tree", str(down), timeout=300)
    assert r.rc == 0, r
    assert (down / changed).read_bytes() == b"changed content that has a new size"
    assert not (down / removed).exists()
