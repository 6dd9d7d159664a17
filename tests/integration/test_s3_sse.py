"""S3 server-side encryption. SSE-C (customer-provided keys): every read of the object needs
the key it was written with, the key is checked against its MD5 and never stored, ranges and
parts decrypt correctly, multipart uploads and copies carry the key, and the aws CLI, the JS SDK
and presigned URLs drive it. SSE-S3 (x-amz-server-side-encryption): the headers, and bucket
default encryption. At-rest encryption (--s3-encryption-at-rest): object bytes reach the data
directory only as ciphertext under a persistent master key, and survive restarts with and
without the flag."""

import base64
import hashlib
import os
import stat
import urllib.error
import urllib.request
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import (expect_s3_error, files_under, run_node, s3_client, s3_error,
                      s3_error_fields, s3_request, unique_bucket)

MIB = 1024 * 1024
KIB = 1024
INLINE_LIMIT = 32 * KIB  # single uploads up to this size live in the catalog, not in files

KEY = hashlib.sha256(b"gureum sse-c key one").digest()  # 32 raw bytes
OTHER_KEY = hashlib.sha256(b"gureum sse-c key two").digest()

SSE_ALGORITHM = "x-amz-server-side-encryption-customer-algorithm"
SSE_KEY = "x-amz-server-side-encryption-customer-key"
SSE_KEY_MD5 = "x-amz-server-side-encryption-customer-key-md5"

NEEDS_KEY = ("The object was stored using a form of Server Side Encryption. The correct "
             "parameters must be provided to retrieve the object.")
NOT_APPLICABLE = "The encryption parameters are not applicable to this object."
MD5_MISMATCH = "The calculated MD5 hash of the key did not match the hash that was provided."
BAD_KEY = "The secret key was invalid for the specified algorithm."

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# --- helpers ------------------------------------------------------------------------------------


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def key_md5(raw: bytes) -> str:
    """What S3 calls the key's MD5: base64 of the raw key's MD5 digest."""
    return b64(hashlib.md5(raw).digest())


def ssec(key: bytes = KEY) -> dict:
    """boto3 parameters for SSE-C (botocore base64-encodes the key and adds its MD5)."""
    return {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": key}


def copy_ssec(key: bytes = KEY) -> dict:
    return {"CopySourceSSECustomerAlgorithm": "AES256", "CopySourceSSECustomerKey": key}


def ssec_headers(key: bytes = KEY, algorithm: str = "AES256", md5=None) -> dict:
    """The three SSE-C headers for raw requests; md5=False leaves the MD5 header out."""
    out = {SSE_ALGORITHM: algorithm, SSE_KEY: b64(key)}
    if md5 is not False:
        out[SSE_KEY_MD5] = md5 if md5 is not None else key_md5(key)
    return out


def pattern(size: int, seed) -> bytes:
    block = hashlib.sha256(str(seed).encode()).digest() * 2048  # 64 KiB
    return (block * (size // len(block) + 1))[:size]


def marked(size: int, marker: bytes) -> bytes:
    """`size` bytes made of `marker` repeated: any plaintext copy on disk contains the marker."""
    return (marker * (size // len(marker) + 1))[:size]


def new_marker() -> bytes:
    return b"<<gureum-plaintext-marker-" + uuid.uuid4().hex.encode() + b">>"


def files_containing(root, needle: bytes):
    """Files under `root` whose bytes contain `needle` (catalog, its WAL, data files...)."""
    return [p for p in files_under(root) if needle in p.read_bytes()]


def fetch(url, method="GET", headers=None):
    """An unsigned (or presigned) request with urllib; returns (status, headers, body)."""
    req = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with OPENER.open(req, timeout=30) as resp:
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def assert_ssec_response(resp, key: bytes = KEY):
    """An SSE-C object's response names the algorithm and the key's MD5, and no SSE-S3."""
    assert resp["SSECustomerAlgorithm"] == "AES256", resp
    assert resp["SSECustomerKeyMD5"] == key_md5(key), resp
    assert "ServerSideEncryption" not in resp, resp


def assert_raw_error(r, status: int, code: str, message=None):
    assert r.status == status, r
    fields = s3_error_fields(r.body)
    assert fields["Code"] == code, fields
    if message is not None:
        assert fields["Message"] == message, fields


def multipart_upload(s3, bucket, key, parts, create_extra=None, part_extra=None):
    """Uploads `parts` as a multipart upload; returns (create, [upload_part responses],
    complete) responses."""
    created = s3.create_multipart_upload(Bucket=bucket, Key=key, **(create_extra or {}))
    upload_id = created["UploadId"]
    uploaded = [s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=n,
                               Body=body, **(part_extra or {}))
                for n, body in enumerate(parts, 1)]
    completed = s3.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": n, "ETag": u["ETag"]}
                                   for n, u in enumerate(uploaded, 1)]})
    return created, uploaded, completed


@pytest.fixture(scope="module")
def bucket(s3):
    name = unique_bucket("sse")
    s3.create_bucket(Bucket=name)
    return name


@pytest.fixture(scope="module")
def ssec_object(s3, bucket):
    """A ~300 KiB SSE-C object under KEY: (key, bytes)."""
    body = pattern(300 * KIB + 11, "ssec-object")
    s3.put_object(Bucket=bucket, Key="ssec/object", Body=body, **ssec())
    return "ssec/object", body


@pytest.fixture(scope="module")
def ssec_multipart(s3, bucket):
    """A two-part SSE-C object under KEY: (key, [part bytes])."""
    parts = [pattern(5 * MIB + 3, "mp-1"), pattern(MIB + 5, "mp-2")]
    multipart_upload(s3, bucket, "ssec/multipart", parts, ssec(), ssec())
    return "ssec/multipart", parts


# --- SSE-C: put, get, head ----------------------------------------------------------------------


# Empty, inline (catalog row) and file-backed sizes, block-aligned or not.
@pytest.mark.parametrize("size", [0, 1, 100, INLINE_LIMIT + 1, MIB + 3])
def test_ssec_put_get_head_round_trip(s3, bucket, size):
    body = pattern(size, f"round-trip-{size}")
    key = f"ssec/round-trip-{size}"
    put = s3.put_object(Bucket=bucket, Key=key, Body=body, **ssec())
    assert_ssec_response(put)
    got = s3.get_object(Bucket=bucket, Key=key, **ssec())
    assert got["Body"].read() == body
    assert got["ContentLength"] == size
    assert_ssec_response(got)
    assert got["ETag"] == put["ETag"]
    head = s3.head_object(Bucket=bucket, Key=key, **ssec())
    assert head["ContentLength"] == size
    assert head["ETag"] == put["ETag"]
    assert_ssec_response(head)


def test_ssec_get_without_key_is_invalid_request(s3, bucket, ssec_object):
    expect_s3_error(s3.get_object, "InvalidRequest", 400, NEEDS_KEY, Bucket=bucket,
                    Key=ssec_object[0])


def test_ssec_head_without_key_is_400(daemon, bucket, ssec_object):
    # HEAD answers carry no body, so the status is all there is to check.
    r = s3_request(daemon, "HEAD", f"/{bucket}/{ssec_object[0]}")
    assert r.status == 400 and r.body == b"", r


def test_ssec_get_with_another_key_is_access_denied(daemon, s3, bucket, ssec_object):
    expect_s3_error(s3.get_object, "AccessDenied", 403, Bucket=bucket, Key=ssec_object[0],
                    **ssec(OTHER_KEY))
    r = s3_request(daemon, "HEAD", f"/{bucket}/{ssec_object[0]}", headers=ssec_headers(OTHER_KEY))
    assert r.status == 403 and r.body == b"", r


def test_ssec_headers_on_plain_object_are_invalid_request(s3, bucket):
    s3.put_object(Bucket=bucket, Key="plain/for-ssec-get", Body=b"not encrypted with a key")
    expect_s3_error(s3.get_object, "InvalidRequest", 400, NOT_APPLICABLE, Bucket=bucket,
                    Key="plain/for-ssec-get", **ssec())


# --- SSE-C: malformed headers (raw requests, so any header combination can be sent) ---------------


def assert_put_refused(daemon, s3, bucket, key, headers, message=None):
    """A PUT with these SSE-C headers fails with 400 InvalidArgument and stores nothing."""
    r = s3_request(daemon, "PUT", f"/{bucket}/{key}", b"must not be stored", headers=headers)
    assert_raw_error(r, 400, "InvalidArgument", message)
    expect_s3_error(s3.head_object, "404", 404, Bucket=bucket, Key=key)


def test_ssec_put_with_mismatched_key_md5(daemon, s3, bucket):
    headers = ssec_headers(md5=key_md5(OTHER_KEY))
    assert_put_refused(daemon, s3, bucket, "bad/md5-mismatch", headers, MD5_MISMATCH)


def test_ssec_get_with_mismatched_key_md5(daemon, bucket, ssec_object):
    r = s3_request(daemon, "GET", f"/{bucket}/{ssec_object[0]}",
                   headers=ssec_headers(md5=key_md5(OTHER_KEY)))
    assert_raw_error(r, 400, "InvalidArgument", MD5_MISMATCH)
    assert ssec_object[1][:64] not in r.body


def test_ssec_put_with_16_byte_key(daemon, s3, bucket):
    # The MD5 matches the (too short) key, so only its length is wrong.
    short = KEY[:16]
    assert_put_refused(daemon, s3, bucket, "bad/short-key", ssec_headers(short), BAD_KEY)


def test_ssec_put_with_unknown_algorithm(daemon, s3, bucket):
    assert_put_refused(daemon, s3, bucket, "bad/algorithm", ssec_headers(algorithm="AES128"))


def test_ssec_put_with_algorithm_but_no_key(daemon, s3, bucket):
    assert_put_refused(daemon, s3, bucket, "bad/no-key", {SSE_ALGORITHM: "AES256"})


def test_ssec_put_with_key_but_no_algorithm(daemon, s3, bucket):
    headers = ssec_headers()
    del headers[SSE_ALGORITHM]
    assert_put_refused(daemon, s3, bucket, "bad/no-algorithm", headers)


def test_ssec_put_without_key_md5(daemon, s3, bucket):
    assert_put_refused(daemon, s3, bucket, "bad/no-md5", ssec_headers(md5=False))


def test_ssec_get_without_key_md5_is_accepted(daemon, bucket, ssec_object):
    # Reads need only the algorithm and the key; the MD5 is optional there.
    r = s3_request(daemon, "GET", f"/{bucket}/{ssec_object[0]}", headers=ssec_headers(md5=False))
    assert r.status == 200, r
    assert r.body == ssec_object[1]
    assert r.headers[SSE_KEY_MD5] == key_md5(KEY)


# --- SSE-C: ranges and parts ---------------------------------------------------------------------


# Unaligned to AES blocks (16) and to 64 KiB, suffix ranges, open ends, one byte.
@pytest.mark.parametrize("spec", ["bytes=5-20", "bytes=-7", "bytes=100000-", "bytes=0-0",
                                  "bytes=15-16", "bytes=65530-65545", "bytes=131071-200000"])
def test_ssec_ranged_get(s3, bucket, ssec_object, spec):
    key, body = ssec_object
    first, last = spec[len("bytes="):].split("-")
    if first == "":
        start, end = len(body) - int(last), len(body) - 1
    else:
        start, end = int(first), (int(last) if last else len(body) - 1)
    got = s3.get_object(Bucket=bucket, Key=key, Range=spec, **ssec())
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert got["ContentRange"] == f"bytes {start}-{end}/{len(body)}"
    assert got["Body"].read() == body[start:end + 1]
    assert_ssec_response(got)


def test_ssec_ranged_get_needs_the_key(s3, bucket, ssec_object):
    expect_s3_error(s3.get_object, "InvalidRequest", 400, NEEDS_KEY, Bucket=bucket,
                    Key=ssec_object[0], Range="bytes=0-9")


def test_ssec_ranged_get_across_parts(s3, bucket, ssec_multipart):
    key, parts = ssec_multipart
    whole = b"".join(parts)
    start, end = len(parts[0]) - 21, len(parts[0]) + 33  # straddles the part boundary
    got = s3.get_object(Bucket=bucket, Key=key, Range=f"bytes={start}-{end}", **ssec())
    assert got["Body"].read() == whole[start:end + 1]
    assert_ssec_response(got)


@pytest.mark.parametrize("number", [1, 2])
def test_ssec_get_by_part_number(s3, bucket, ssec_multipart, number):
    key, parts = ssec_multipart
    got = s3.get_object(Bucket=bucket, Key=key, PartNumber=number, **ssec())
    assert got["PartsCount"] == 2
    assert got["ContentLength"] == len(parts[number - 1])
    assert got["Body"].read() == parts[number - 1]
    assert_ssec_response(got)


def test_ssec_get_by_part_number_needs_the_key(s3, bucket, ssec_multipart):
    expect_s3_error(s3.get_object, "InvalidRequest", 400, NEEDS_KEY, Bucket=bucket,
                    Key=ssec_multipart[0], PartNumber=1)


# --- SSE-C: multipart uploads --------------------------------------------------------------------


def test_ssec_multipart_round_trip(s3, bucket):
    parts = [pattern(5 * MIB + 7, "round-1"), pattern(300 * KIB + 1, "round-2")]
    created = s3.create_multipart_upload(Bucket=bucket, Key="mp/round", **ssec())
    assert_ssec_response(created)
    upload_id = created["UploadId"]
    uploaded = []
    for n, body in enumerate(parts, 1):
        out = s3.upload_part(Bucket=bucket, Key="mp/round", UploadId=upload_id, PartNumber=n,
                             Body=body, **ssec())
        assert_ssec_response(out)
        uploaded.append({"PartNumber": n, "ETag": out["ETag"]})
    # Listing and completing the upload touch no object bytes: no key needed.
    listed = s3.list_parts(Bucket=bucket, Key="mp/round", UploadId=upload_id)
    assert [(p["PartNumber"], p["Size"]) for p in listed["Parts"]] == [
        (1, len(parts[0])), (2, len(parts[1]))]
    s3.complete_multipart_upload(Bucket=bucket, Key="mp/round", UploadId=upload_id,
                                 MultipartUpload={"Parts": uploaded})
    got = s3.get_object(Bucket=bucket, Key="mp/round", **ssec())
    assert got["Body"].read() == b"".join(parts)
    assert_ssec_response(got)
    expect_s3_error(s3.get_object, "InvalidRequest", 400, NEEDS_KEY, Bucket=bucket,
                    Key="mp/round")


def test_ssec_upload_part_without_key_is_invalid_request(s3, bucket):
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="mp/no-key", **ssec())["UploadId"]
    expect_s3_error(s3.upload_part, "InvalidRequest", 400, Bucket=bucket, Key="mp/no-key",
                    UploadId=upload_id, PartNumber=1, Body=b"part without the key")
    assert s3.list_parts(Bucket=bucket, Key="mp/no-key", UploadId=upload_id).get("Parts", []) == []


def test_ssec_upload_part_with_another_key_is_invalid_request(s3, bucket):
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="mp/other-key",
                                           **ssec())["UploadId"]
    expect_s3_error(s3.upload_part, "InvalidRequest", 400, Bucket=bucket, Key="mp/other-key",
                    UploadId=upload_id, PartNumber=1, Body=b"part under another key",
                    **ssec(OTHER_KEY))
    assert s3.list_parts(Bucket=bucket, Key="mp/other-key",
                         UploadId=upload_id).get("Parts", []) == []


# --- SSE-C: copies ------------------------------------------------------------------------------


def test_ssec_copy_without_source_key_is_invalid_request(s3, bucket, ssec_object):
    expect_s3_error(s3.copy_object, "InvalidRequest", 400, Bucket=bucket, Key="copy/no-key",
                    CopySource={"Bucket": bucket, "Key": ssec_object[0]})
    expect_s3_error(s3.head_object, "404", 404, Bucket=bucket, Key="copy/no-key")


def test_ssec_copy_with_wrong_source_key_copies_nothing(s3, bucket, ssec_object):
    # Whatever the error, a wrong key must not decrypt the source into a readable copy.
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="copy/wrong-key",
                       CopySource={"Bucket": bucket, "Key": ssec_object[0]},
                       **copy_ssec(OTHER_KEY))
    assert 400 <= s3_error(e.value)[1] < 500, e.value.response
    expect_s3_error(s3.head_object, "404", 404, Bucket=bucket, Key="copy/wrong-key")


def test_ssec_copy_to_plain_destination(s3, bucket, ssec_object):
    key, body = ssec_object
    s3.copy_object(Bucket=bucket, Key="copy/plain", CopySource={"Bucket": bucket, "Key": key},
                   **copy_ssec())
    got = s3.get_object(Bucket=bucket, Key="copy/plain")
    assert got["Body"].read() == body
    assert "SSECustomerAlgorithm" not in got and got["ServerSideEncryption"] == "AES256"


def test_ssec_copy_to_destination_under_new_key(s3, bucket, ssec_object):
    key, body = ssec_object
    out = s3.copy_object(Bucket=bucket, Key="copy/rekeyed",
                         CopySource={"Bucket": bucket, "Key": key},
                         **copy_ssec(), **ssec(OTHER_KEY))
    assert_ssec_response(out, OTHER_KEY)
    assert s3.get_object(Bucket=bucket, Key="copy/rekeyed",
                         **ssec(OTHER_KEY))["Body"].read() == body
    expect_s3_error(s3.get_object, "AccessDenied", 403, Bucket=bucket, Key="copy/rekeyed",
                    **ssec())
    # The source keeps its own key.
    assert s3.get_object(Bucket=bucket, Key=key, **ssec())["Body"].read() == body


def test_plain_copy_to_ssec_destination(s3, bucket):
    s3.put_object(Bucket=bucket, Key="copy/plain-source", Body=b"plain source bytes")
    s3.copy_object(Bucket=bucket, Key="copy/now-ssec",
                   CopySource={"Bucket": bucket, "Key": "copy/plain-source"}, **ssec())
    expect_s3_error(s3.get_object, "InvalidRequest", 400, NEEDS_KEY, Bucket=bucket,
                    Key="copy/now-ssec")
    assert s3.get_object(Bucket=bucket, Key="copy/now-ssec",
                         **ssec())["Body"].read() == b"plain source bytes"


def test_ssec_copy_in_place_changes_the_key(s3, bucket):
    # A new key is a change of encryption attributes, so copying onto itself is legal.
    body = pattern(40 * KIB + 9, "in-place")
    s3.put_object(Bucket=bucket, Key="copy/in-place", Body=body, **ssec())
    s3.copy_object(Bucket=bucket, Key="copy/in-place",
                   CopySource={"Bucket": bucket, "Key": "copy/in-place"},
                   **copy_ssec(KEY), **ssec(OTHER_KEY))
    got = s3.get_object(Bucket=bucket, Key="copy/in-place", **ssec(OTHER_KEY))
    assert got["Body"].read() == body
    assert_ssec_response(got, OTHER_KEY)
    expect_s3_error(s3.get_object, "AccessDenied", 403, Bucket=bucket, Key="copy/in-place",
                    **ssec(KEY))


def test_ssec_upload_part_copy(s3, bucket):
    # Ranges of an SSE-C source, starting off an AES block boundary, into a plain upload.
    source = pattern(5 * MIB + 12345, "part-copy")
    s3.put_object(Bucket=bucket, Key="copy/part-source", Body=source, **ssec())
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="copy/parts")["UploadId"]
    ranges = [(7, 7 + 5 * MIB - 1), (7 + 5 * MIB, len(source) - 1)]
    parts = []
    for n, (start, end) in enumerate(ranges, 1):
        out = s3.upload_part_copy(Bucket=bucket, Key="copy/parts", UploadId=upload_id,
                                  PartNumber=n, CopySourceRange=f"bytes={start}-{end}",
                                  CopySource={"Bucket": bucket, "Key": "copy/part-source"},
                                  **copy_ssec())
        parts.append({"PartNumber": n, "ETag": out["CopyPartResult"]["ETag"]})
    s3.complete_multipart_upload(Bucket=bucket, Key="copy/parts", UploadId=upload_id,
                                 MultipartUpload={"Parts": parts})
    assert s3.get_object(Bucket=bucket, Key="copy/parts")["Body"].read() == source[7:]


def test_ssec_upload_part_copy_without_source_key_is_invalid_request(s3, bucket, ssec_object):
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="copy/parts-no-key")["UploadId"]
    expect_s3_error(s3.upload_part_copy, "InvalidRequest", 400, Bucket=bucket,
                    Key="copy/parts-no-key", UploadId=upload_id, PartNumber=1,
                    CopySource={"Bucket": bucket, "Key": ssec_object[0]})


# --- SSE-C: aws CLI, JS SDK, presigned URLs, anonymous readers ----------------------------------


def test_cli_s3_cp_round_trip_with_sse_c(daemon, s3, bucket, tmp_path):
    # Over 8 MiB, so the CLI uploads in parts and downloads in ranges, each with the key.
    keyfile = tmp_path / "sse-c.key"
    keyfile.write_bytes(KEY)
    src = tmp_path / "big.bin"
    src.write_bytes(pattern(9 * MIB + 123, "cli"))
    sse = ["--sse-c", "AES256", "--sse-c-key", f"fileb://{keyfile}"]
    r = daemon.aws("s3", "cp", str(src), f"s3://{bucket}/cli/big.bin", *sse, timeout=300)
    assert r.rc == 0, r
    head = s3.head_object(Bucket=bucket, Key="cli/big.bin", **ssec())
    assert head["ETag"].endswith('-2"'), head["ETag"]  # it really was a multipart upload
    assert_ssec_response(head)
    dst = tmp_path / "back.bin"
    r = daemon.aws("s3", "cp", f"s3://{bucket}/cli/big.bin", str(dst), *sse, timeout=300)
    assert r.rc == 0, r
    assert dst.read_bytes() == src.read_bytes()
    # Without the key the download fails at its HeadObject.
    r = daemon.aws("s3", "cp", f"s3://{bucket}/cli/big.bin", str(tmp_path / "nokey.bin"))
    assert r.rc == 1 and "(400)" in r.stderr, r


def test_cli_s3api_head_object_with_sse_customer_key(daemon, s3, bucket, tmp_path):
    keyfile = tmp_path / "sse-c.key"
    keyfile.write_bytes(KEY)
    s3.put_object(Bucket=bucket, Key="cli/head", Body=b"head me", **ssec())
    r = daemon.aws("s3api", "head-object", "--bucket", bucket, "--key", "cli/head",
                   "--sse-customer-algorithm", "AES256",
                   "--sse-customer-key", f"fileb://{keyfile}")
    assert r.rc == 0, r
    head = r.json()
    assert head["ContentLength"] == len(b"head me")
    assert_ssec_response(head)
    r = daemon.aws("s3api", "head-object", "--bucket", bucket, "--key", "cli/head")
    assert r.rc == 254 and "(400)" in r.stderr, r


JS_SSEC = r"""
import { S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand }
  from "@aws-sdk/client-s3";
import { guard } from "./gureum-guard.mjs";
const P = JSON.parse(process.env.GUREUM_TEST_PARAMS);
const client = guard(new S3Client({
  endpoint: P.endpoint, forcePathStyle: true, region: "us-east-1", maxAttempts: 1,
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
}));
const wire = [];
client.middlewareStack.add((next, context) => async (args) => {
  wire.push({ op: context.commandName, headers: { ...args.request.headers } });
  return next(args);
}, { step: "finalizeRequest", name: "gureumWireRecorder", priority: "low" });
const key = Buffer.from(P.key, "base64");
const body = Buffer.from(P.body, "base64");
const sse = { SSECustomerAlgorithm: "AES256", SSECustomerKey: key };
const where = { Bucket: P.bucket, Key: "js/ssec" };
await client.send(new CreateBucketCommand({ Bucket: P.bucket }));
const put = await client.send(new PutObjectCommand({ ...where, Body: body, ...sse }));
const got = await client.send(new GetObjectCommand({ ...where, ...sse }));
const bytes = Buffer.from(await got.Body.transformToByteArray());
let without;
try {
  await client.send(new GetObjectCommand(where));
  without = { ok: true };
} catch (e) {
  without = { ok: false, name: e.name, status: e.$metadata ? e.$metadata.httpStatusCode : null };
}
const sentPut = wire.find((w) => w.op === "PutObjectCommand");
console.log(JSON.stringify({
  sentKeyMd5: sentPut.headers["x-amz-server-side-encryption-customer-key-md5"],
  put: { algorithm: put.SSECustomerAlgorithm, md5: put.SSECustomerKeyMD5,
         sse: put.ServerSideEncryption ?? null },
  get: { algorithm: got.SSECustomerAlgorithm, md5: got.SSECustomerKeyMD5,
         body: bytes.toString("base64") },
  without,
}));
"""


def test_js_sdk_ssec_round_trip(daemon):
    body = pattern(70 * KIB + 1, "js")
    out = run_node(JS_SSEC, {"endpoint": daemon.endpoint, "bucket": unique_bucket("js-sse"),
                             "key": b64(KEY), "body": b64(body)})
    assert out["sentKeyMd5"] == key_md5(KEY), out  # the premise: the SDK computed the MD5
    assert out["put"] == {"algorithm": "AES256", "md5": key_md5(KEY), "sse": None}, out
    assert out["get"]["algorithm"] == "AES256" and out["get"]["md5"] == key_md5(KEY), out
    assert base64.b64decode(out["get"]["body"]) == body
    assert out["without"] == {"ok": False, "name": "InvalidRequest", "status": 400}, out


def test_presigned_get_of_ssec_object_needs_the_headers(s3, bucket, ssec_object):
    key, body = ssec_object
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key, **ssec()},
                                    ExpiresIn=300)
    assert "x-amz-server-side-encryption-customer-key" in url  # the headers are signed
    status, headers, got = fetch(url, headers=ssec_headers())
    assert status == 200 and got == body
    assert headers[SSE_KEY_MD5] == key_md5(KEY)
    # The same URL without the headers it signed is refused.
    status, _, got = fetch(url)
    assert status == 403 and body[:64] not in got
    # A URL presigned without SSE-C parameters is like any GET without the key.
    plain_url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key},
                                          ExpiresIn=300)
    status, _, got = fetch(plain_url)
    assert status == 400, got
    assert s3_error_fields(got)["Code"] == "InvalidRequest"


@pytest.fixture(scope="module")
def public_ssec_site(s3):
    """A website bucket whose SSE-C object is public-read: (bucket, key, bytes)."""
    name = unique_bucket("sse-site")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_website(Bucket=name, WebsiteConfiguration={
        "IndexDocument": {"Suffix": "index.html"}})
    body = marked(5000, b"public-but-customer-encrypted;")
    s3.put_object(Bucket=name, Key="secret.html", Body=body, ACL="public-read",
                  ContentType="text/html", **ssec())
    return name, "secret.html", body


def test_anonymous_get_of_public_ssec_object_is_refused(daemon, public_ssec_site):
    name, key, body = public_ssec_site
    status, _, got = fetch(f"{daemon.endpoint}/{name}/{key}")
    assert status == 400, got
    assert s3_error_fields(got)["Code"] == "InvalidRequest"
    assert b"public-but-customer-encrypted" not in got


def test_website_endpoint_does_not_serve_ssec_object(daemon, public_ssec_site):
    name, key, body = public_ssec_site
    status, _, got = fetch(f"http://127.0.0.1:{daemon.port}/{key}",
                           headers={"Host": f"{name}.s3-website.localhost:{daemon.port}"})
    assert status >= 400, got
    assert b"public-but-customer-encrypted" not in got


# --- SSE-S3 -------------------------------------------------------------------------------------


def test_sse_s3_aes256_is_reported(s3, bucket):
    put = s3.put_object(Bucket=bucket, Key="sse-s3/aes", Body=b"sse-s3 bytes",
                        ServerSideEncryption="AES256")
    assert put["ServerSideEncryption"] == "AES256"
    head = s3.head_object(Bucket=bucket, Key="sse-s3/aes")
    assert head["ServerSideEncryption"] == "AES256" and "SSECustomerAlgorithm" not in head
    got = s3.get_object(Bucket=bucket, Key="sse-s3/aes")
    assert got["ServerSideEncryption"] == "AES256"
    assert got["Body"].read() == b"sse-s3 bytes"


def test_sse_kms_is_accepted_and_echoed(s3, bucket):
    # No KMS emulation: the request's value is kept and reported, nothing more.
    put = s3.put_object(Bucket=bucket, Key="sse-s3/kms", Body=b"kms bytes",
                        ServerSideEncryption="aws:kms")
    assert put["ServerSideEncryption"] == "aws:kms"
    assert s3.head_object(Bucket=bucket, Key="sse-s3/kms")["ServerSideEncryption"] == "aws:kms"
    assert s3.get_object(Bucket=bucket, Key="sse-s3/kms")["Body"].read() == b"kms bytes"


def test_sse_unknown_value_is_invalid_argument(s3, bucket):
    expect_s3_error(s3.put_object, "InvalidArgument", 400, Bucket=bucket, Key="sse-s3/bad",
                    Body=b"x", ServerSideEncryption="AES128")
    expect_s3_error(s3.head_object, "404", 404, Bucket=bucket, Key="sse-s3/bad")


def test_bucket_default_encryption_applies_to_plain_puts(s3):
    name = unique_bucket("sse-default")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    put = s3.put_object(Bucket=name, Key="plain", Body=b"no headers")
    assert put["ServerSideEncryption"] == "AES256"
    assert s3.head_object(Bucket=name, Key="plain")["ServerSideEncryption"] == "AES256"
    # A customer key on the request wins over the bucket default.
    put = s3.put_object(Bucket=name, Key="ssec", Body=b"customer key", **ssec())
    assert_ssec_response(put)
    assert_ssec_response(s3.head_object(Bucket=name, Key="ssec", **ssec()))


# --- at-rest encryption -------------------------------------------------------------------------


AT_REST_FLAG = ["--s3-encryption-at-rest"]
AT_REST_ENV = {"GUREUM_S3_ENCRYPTION_AT_REST": "true"}


def master_key_path(daemon):
    return daemon.data_dir / "s3" / "master.key"


def put_marked_objects(s3, bucket, marker, extra=None):
    """An inline (100 B) and a file-backed (2 MiB) object made of `marker`; returns them."""
    objects = {"small": marked(100, marker), "large": marked(2 * MIB, marker)}
    for key, body in objects.items():
        s3.put_object(Bucket=bucket, Key=key, Body=body, **(extra or {}))
    return objects


@pytest.mark.parametrize("how", ["flag", "env"])
def test_at_rest_encryption_keeps_plaintext_off_disk(make_daemon, how):
    d = make_daemon(args=AT_REST_FLAG) if how == "flag" else make_daemon(env=AT_REST_ENV)
    s3 = s3_client(d.endpoint)
    s3.create_bucket(Bucket="at-rest")
    marker = new_marker()
    objects = put_marked_objects(s3, "at-rest", marker)
    assert (d.data_dir / "catalog.db").exists()
    assert files_containing(d.data_dir, marker) == []
    for key, body in objects.items():
        assert s3.get_object(Bucket="at-rest", Key=key)["Body"].read() == body
    # Decryption from an offset inside an AES block.
    got = s3.get_object(Bucket="at-rest", Key="large", Range="bytes=1000003-1000100")
    assert got["Body"].read() == objects["large"][1000003:1000101]


def test_at_rest_master_key_persists_across_restarts(make_daemon):
    d = make_daemon(args=AT_REST_FLAG)
    s3 = s3_client(d.endpoint)
    s3.create_bucket(Bucket="at-rest")
    objects = put_marked_objects(s3, "at-rest", new_marker())
    path = master_key_path(d)
    master = path.read_bytes()
    assert len(master) == 32
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600  # readable by the daemon's user only
    d.restart()
    s3 = s3_client(d.endpoint)
    for key, body in objects.items():
        assert s3.get_object(Bucket="at-rest", Key=key)["Body"].read() == body
    assert path.read_bytes() == master


def test_at_rest_encryption_covers_multipart_parts(make_daemon):
    d = make_daemon(args=AT_REST_FLAG)
    s3 = s3_client(d.endpoint)
    s3.create_bucket(Bucket="at-rest")
    marker = new_marker()
    parts = [marked(5 * MIB, marker), marked(100 * KIB + 3, marker)]
    multipart_upload(s3, "at-rest", "mp", parts)
    # A part of an upload still in progress lives on disk too.
    pending = s3.create_multipart_upload(Bucket="at-rest", Key="pending")["UploadId"]
    s3.upload_part(Bucket="at-rest", Key="pending", UploadId=pending, PartNumber=1,
                   Body=marked(300 * KIB, marker))
    assert files_containing(d.data_dir, marker) == []
    assert s3.get_object(Bucket="at-rest", Key="mp")["Body"].read() == b"".join(parts)


def test_without_at_rest_encryption_plaintext_is_on_disk(make_daemon):
    # The control for the tests above: the same scan finds unencrypted bytes, both in the
    # catalog (or its WAL) for the inline object and in a data file for the large one.
    d = make_daemon()
    s3 = s3_client(d.endpoint)
    s3.create_bucket(Bucket="plain")
    small_marker, large_marker = new_marker(), new_marker()
    s3.put_object(Bucket="plain", Key="small", Body=marked(100, small_marker))
    s3.put_object(Bucket="plain", Key="large", Body=marked(2 * MIB, large_marker))
    found = files_containing(d.data_dir, small_marker)
    assert found and all(p.name.startswith("catalog.db") for p in found), found
    found = files_containing(d.data_dir, large_marker)
    assert found and all(d.data_dir / "s3" / "objects" in p.parents for p in found), found


@pytest.mark.parametrize("args", [[], AT_REST_FLAG], ids=["plain", "at-rest"])
def test_ssec_bytes_are_never_on_disk(make_daemon, args):
    d = make_daemon(args=args)
    s3 = s3_client(d.endpoint)
    s3.create_bucket(Bucket="ssec")
    marker = new_marker()
    objects = put_marked_objects(s3, "ssec", marker, ssec())
    assert files_containing(d.data_dir, marker) == []
    for key, body in objects.items():
        assert s3.get_object(Bucket="ssec", Key=key, **ssec())["Body"].read() == body


def test_ssec_key_is_not_stored(make_daemon):
    # S3 keeps no copy of a customer's key: neither the raw bytes nor their base64 form.
    d = make_daemon()
    s3 = s3_client(d.endpoint)
    s3.create_bucket(Bucket="ssec")
    put_marked_objects(s3, "ssec", new_marker(), ssec())
    d.restart()  # the catalog checkpointed, everything it keeps is in its files
    assert files_containing(d.data_dir, KEY) == []
    assert files_containing(d.data_dir, b64(KEY).encode()) == []


def test_encrypted_objects_stay_readable_without_the_flag(make_daemon):
    first = make_daemon(args=AT_REST_FLAG)
    s3 = s3_client(first.endpoint)
    s3.create_bucket(Bucket="at-rest")
    objects = put_marked_objects(s3, "at-rest", new_marker())
    assert first.stop() == 0
    second = make_daemon(data_dir=first.data_dir)
    s3 = s3_client(second.endpoint)
    for key, body in objects.items():
        assert s3.get_object(Bucket="at-rest", Key=key)["Body"].read() == body


def test_plain_objects_stay_readable_with_the_flag(make_daemon):
    first = make_daemon()
    s3 = s3_client(first.endpoint)
    s3.create_bucket(Bucket="plain")
    objects = put_marked_objects(s3, "plain", new_marker())
    assert first.stop() == 0
    second = make_daemon(args=AT_REST_FLAG, data_dir=first.data_dir)
    s3 = s3_client(second.endpoint)
    for key, body in objects.items():
        assert s3.get_object(Bucket="plain", Key=key)["Body"].read() == body
