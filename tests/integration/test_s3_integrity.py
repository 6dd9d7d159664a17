"""S3 data integrity: Content-MD5 (BadDigest, InvalidDigest), flexible checksums (CRC32,
CRC32C, SHA1, SHA256) computed by boto3 or given explicitly, stored checksums returned with
ChecksumMode=ENABLED, and x-amz-content-sha256 checked against the body."""

import base64
import hashlib
import struct
import zlib

import pytest
from awscrt import checksums as crt_checksums

from conftest import (expect_s3_error, files_under, s3_error_fields, s3_request, s3_send, sign_s3,
                      unique_bucket)

DATA = b"The quick brown fox jumps over the lazy dog\n" * 1000


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def checksum(algorithm: str, data: bytes) -> str:
    if algorithm == "CRC32":
        return b64(struct.pack(">I", zlib.crc32(data) & 0xFFFFFFFF))
    if algorithm == "CRC32C":
        return b64(struct.pack(">I", crt_checksums.crc32c(data)))
    if algorithm == "SHA1":
        return b64(hashlib.sha1(data).digest())
    if algorithm == "SHA256":
        return b64(hashlib.sha256(data).digest())
    raise ValueError(algorithm)


ALGORITHMS = ["CRC32", "CRC32C", "SHA1", "SHA256"]


@pytest.fixture(scope="module")
def bucket(s3):
    name = unique_bucket("integ")
    s3.create_bucket(Bucket=name)
    return name



def headers_of(resp):
    return resp["ResponseMetadata"]["HTTPHeaders"]


# --- Content-MD5 --------------------------------------------------------------------------------


def test_correct_content_md5(s3, bucket):
    md5 = b64(hashlib.md5(DATA).digest())
    put = s3.put_object(Bucket=bucket, Key="md5-ok", Body=DATA, ContentMD5=md5)
    assert put["ETag"] == f'"{hashlib.md5(DATA).hexdigest()}"'
    assert s3.get_object(Bucket=bucket, Key="md5-ok")["Body"].read() == DATA


def test_wrong_content_md5_is_bad_digest(daemon, s3, bucket):
    wrong = b64(hashlib.md5(b"something else").digest())
    resp = expect_s3_error(s3.put_object, "BadDigest", 400, Bucket=bucket, Key="md5-bad",
                        Body=DATA, ContentMD5=wrong)
    assert resp["Error"]["Message"] == ("The Content-MD5 you specified did not match what we "
                                        "received.")
    expect_s3_error(s3.head_object, "404", 404, Bucket=bucket, Key="md5-bad")
    # Overwrites are refused the same way and leave the old bytes.
    s3.put_object(Bucket=bucket, Key="md5-keep", Body=b"old")
    expect_s3_error(s3.put_object, "BadDigest", 400, Bucket=bucket, Key="md5-keep", Body=DATA,
                 ContentMD5=wrong)
    assert s3.get_object(Bucket=bucket, Key="md5-keep")["Body"].read() == b"old"
    assert files_under(daemon.data_dir / "s3" / "tmp") == []


@pytest.mark.parametrize("value", ["not base64!", b64(b"0123456789"), b64(b"x" * 17), "=="])
def test_malformed_content_md5_is_invalid_digest(daemon, bucket, value):
    r = s3_request(daemon, "PUT", f"/{bucket}/md5-malformed", DATA, {"Content-MD5": value})
    assert r.status == 400, r
    fields = s3_error_fields(r.body)
    assert fields["Code"] == "InvalidDigest", fields
    assert fields["Message"] == "The Content-MD5 you specified is not valid."
    r = s3_request(daemon, "HEAD", f"/{bucket}/md5-malformed")
    assert r.status == 404, r


def test_content_md5_with_aws_cli(daemon, bucket, tmp_path):
    src = tmp_path / "f"
    src.write_bytes(DATA)
    good = b64(hashlib.md5(DATA).digest())
    r = daemon.aws("s3api", "put-object", "--bucket", bucket, "--key", "md5-cli", "--body",
                   str(src), "--content-md5", good)
    assert r.rc == 0, r
    r = daemon.aws("s3api", "put-object", "--bucket", bucket, "--key", "md5-cli2", "--body",
                   str(src), "--content-md5", b64(hashlib.md5(b"x").digest()))
    assert r.rc == 254 and r.error_code() == "BadDigest", r
    r = daemon.aws("s3api", "put-object", "--bucket", bucket, "--key", "md5-cli3", "--body",
                   str(src), "--content-md5", "garbage")
    assert r.rc == 254 and r.error_code() == "InvalidDigest", r


# --- flexible checksums -------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_checksum_algorithm_computed_by_boto3(s3, bucket, algorithm):
    key = f"sum-{algorithm}"
    expected = checksum(algorithm, DATA)
    put = s3.put_object(Bucket=bucket, Key=key, Body=DATA, ChecksumAlgorithm=algorithm)
    assert put[f"Checksum{algorithm}"] == expected

    head = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    assert head[f"Checksum{algorithm}"] == expected
    assert headers_of(head)[f"x-amz-checksum-{algorithm.lower()}"] == expected
    # boto3 validates the body against the checksum it is given.
    got = s3.get_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    assert got[f"Checksum{algorithm}"] == expected
    assert got["Body"].read() == DATA

    # Only when asked for.
    plain = s3.head_object(Bucket=bucket, Key=key)
    assert not any(h.startswith("x-amz-checksum-") for h in headers_of(plain)), plain
    # Not for a range: the stored checksum covers the whole object.
    ranged = s3.get_object(Bucket=bucket, Key=key, Range="bytes=0-9", ChecksumMode="ENABLED")
    assert f"Checksum{algorithm}" not in ranged
    assert ranged["Body"].read() == DATA[:10]

    listed = s3.list_objects_v2(Bucket=bucket, Prefix=key)["Contents"]
    assert listed[0]["ChecksumAlgorithm"] == [algorithm]
    attrs = s3.get_object_attributes(Bucket=bucket, Key=key,
                                     ObjectAttributes=["Checksum", "ObjectSize", "ETag"])
    assert attrs["Checksum"][f"Checksum{algorithm}"] == expected
    assert attrs["ObjectSize"] == len(DATA)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_explicit_checksum_values(s3, bucket, algorithm):
    key = f"explicit-{algorithm}"
    good = checksum(algorithm, DATA)
    put = s3.put_object(Bucket=bucket, Key=key, Body=DATA, **{f"Checksum{algorithm}": good})
    assert put[f"Checksum{algorithm}"] == good
    wrong = checksum(algorithm, b"other data")
    resp = expect_s3_error(s3.put_object, "BadDigest", 400, Bucket=bucket, Key=key + "-wrong",
                        Body=DATA, **{f"Checksum{algorithm}": wrong})
    assert resp["Error"]["Message"] == (f"The {algorithm} you specified did not match the "
                                        f"calculated checksum.")
    expect_s3_error(s3.head_object, "404", 404, Bucket=bucket, Key=key + "-wrong")


@pytest.mark.parametrize("algorithm", ["CRC32", "SHA256"])
def test_malformed_checksum_value(daemon, bucket, algorithm):
    header = f"x-amz-checksum-{algorithm.lower()}"
    r = s3_request(daemon, "PUT", f"/{bucket}/malformed-sum", DATA, {header: "not-a-checksum"})
    assert r.status == 400, r
    fields = s3_error_fields(r.body)
    assert fields["Code"] == "InvalidRequest", fields
    assert fields["Message"] == f"Value for {header} header is invalid."


def test_checksums_with_aws_cli(daemon, bucket, tmp_path):
    src = tmp_path / "f"
    src.write_bytes(DATA)
    r = daemon.aws("s3api", "put-object", "--bucket", bucket, "--key", "cli-sum", "--body",
                   str(src), "--checksum-algorithm", "SHA256")
    assert r.rc == 0, r
    assert r.json()["ChecksumSHA256"] == checksum("SHA256", DATA)
    r = daemon.aws("s3api", "head-object", "--bucket", bucket, "--key", "cli-sum",
                   "--checksum-mode", "ENABLED")
    assert r.rc == 0, r
    assert r.json()["ChecksumSHA256"] == checksum("SHA256", DATA)
    out = tmp_path / "out"
    r = daemon.aws("s3api", "get-object", "--bucket", bucket, "--key", "cli-sum",
                   "--checksum-mode", "ENABLED", str(out))
    assert r.rc == 0, r
    assert out.read_bytes() == DATA
    r = daemon.aws("s3api", "put-object", "--bucket", bucket, "--key", "cli-sum-bad", "--body",
                   str(src), "--checksum-crc32", checksum("CRC32", b"nope"))
    assert r.rc == 254 and r.error_code() == "BadDigest", r


def test_object_without_checksum_has_none(s3, bucket):
    s3.put_object(Bucket=bucket, Key="no-sum", Body=DATA)
    head = s3.head_object(Bucket=bucket, Key="no-sum", ChecksumMode="ENABLED")
    assert not any(k.startswith("Checksum") for k in head), head
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="no-sum")["Contents"][0]
    assert "ChecksumAlgorithm" not in listed


# --- x-amz-content-sha256 -----------------------------------------------------------------------


def test_payload_hash_mismatch(daemon, bucket):
    req = sign_s3(daemon.port, "PUT", f"/{bucket}/sha-mismatch", DATA)
    tampered = DATA[:-1] + b"X"
    req.body = tampered
    r = s3_send(daemon.port, req)
    assert r.status == 400, r
    fields = s3_error_fields(r.body)
    assert fields["Code"] == "XAmzContentSHA256Mismatch", fields
    assert fields["Message"] == ("The provided 'x-amz-content-sha256' header does not match "
                                 "what was computed.")
    assert s3_request(daemon, "HEAD", f"/{bucket}/sha-mismatch").status == 404
    assert files_under(daemon.data_dir / "s3" / "tmp") == []


def test_payload_hash_mismatch_names_both_hashes(daemon, bucket):
    # S3's <Error> carries the hash the client claimed and the one S3 computed.
    req = sign_s3(daemon.port, "PUT", f"/{bucket}/sha-mismatch-2", DATA)
    tampered = DATA[:-1] + b"X"
    req.body = tampered
    r = s3_send(daemon.port, req)
    assert r.status == 400, r
    fields = s3_error_fields(r.body)
    assert fields["Code"] == "XAmzContentSHA256Mismatch", fields
    assert fields.get("ClientComputedContentSHA256") == hashlib.sha256(DATA).hexdigest(), fields
    assert fields.get("S3ComputedContentSHA256") == hashlib.sha256(tampered).hexdigest(), fields


def test_unsigned_payload_is_accepted(daemon, bucket):
    req = sign_s3(daemon.port, "PUT", f"/{bucket}/unsigned", DATA, unsigned_payload=True)
    assert req.headers["X-Amz-Content-SHA256"] == "UNSIGNED-PAYLOAD"
    r = s3_send(daemon.port, req)
    assert r.status == 200, r
    assert r.headers["etag"] == f'"{hashlib.md5(DATA).hexdigest()}"'
    got = s3_request(daemon, "GET", f"/{bucket}/unsigned")
    assert got.body == DATA
