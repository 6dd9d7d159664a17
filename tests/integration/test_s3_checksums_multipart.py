"""Checksums of multipart uploads. COMPOSITE (the default): the checksum of the parts'
checksums, written "<base64>-<parts>", for CRC32, CRC32C and SHA256. FULL_OBJECT (asked for
with x-amz-checksum-type on CreateMultipartUpload, which Debian's botocore does not know, so a
before-sign hook adds it; CRC64NVME by raw requests): the CRC of the whole object, computed here
independently. And the combinations S3 refuses."""

import base64
import hashlib
import os
import xml.etree.ElementTree as ET
import zlib

import pytest
from botocore.exceptions import ClientError

from conftest import s3_client, s3_error, s3_error_fields, s3_request, unique_bucket

MIB = 1 << 20
NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


# --- reference checksums (independent of botocore and of the daemon) -----------------------------


def _reflected_table(poly, width):
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        table.append(c)
    return table


_CRC32C = _reflected_table(0x82F63B78, 32)
_CRC64NVME = _reflected_table(0x9A6C9329AC4BC9B5, 64)


def _reflected_crc(data, table, mask):
    crc = mask
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ mask


def crc32c(data):
    return _reflected_crc(data, _CRC32C, 0xFFFFFFFF)


def crc64nvme(data):
    return _reflected_crc(data, _CRC64NVME, 0xFFFFFFFFFFFFFFFF)


def test_reference_checksums():
    # The standard check values of each algorithm over "123456789".
    assert crc32c(b"123456789") == 0xE3069283
    assert crc64nvme(b"123456789") == 0xAE8B14860A799888
    assert zlib.crc32(b"123456789") == 0xCBF43926


def digest(algorithm, data):
    if algorithm == "CRC32":
        return zlib.crc32(data).to_bytes(4, "big")
    if algorithm == "CRC32C":
        return crc32c(data).to_bytes(4, "big")
    if algorithm == "CRC64NVME":
        return crc64nvme(data).to_bytes(8, "big")
    if algorithm == "SHA256":
        return hashlib.sha256(data).digest()
    if algorithm == "SHA1":
        return hashlib.sha1(data).digest()
    raise AssertionError(algorithm)


def b64(raw):
    return base64.b64encode(raw).decode()


def composite(algorithm, parts):
    return b64(digest(algorithm, b"".join(digest(algorithm, p) for p in parts))) + \
        f"-{len(parts)}"


# --- fixtures ------------------------------------------------------------------------------------

# Two parts: the 5 MiB minimum, and a short last one.
PART1 = os.urandom(5 * MIB)
PART2 = os.urandom(123457)
DATA = PART1 + PART2


@pytest.fixture(scope="module")
def bucket(s3):
    name = unique_bucket("cksum")
    s3.create_bucket(Bucket=name)
    return name


def full_object_client(daemon):
    """A boto3 client whose CreateMultipartUpload asks for FULL_OBJECT checksums."""
    client = s3_client(daemon.endpoint)

    def add_type(request, **kwargs):
        request.headers["x-amz-checksum-type"] = "FULL_OBJECT"

    client.meta.events.register("before-sign.s3.CreateMultipartUpload", add_type)
    return client


def upload(s3, bucket, key, algorithm, parts=(PART1, PART2)):
    """Creates an upload with `algorithm`, uploads the parts with their checksums, completes
    it; returns (create, [upload_part answers], complete)."""
    created = s3.create_multipart_upload(Bucket=bucket, Key=key, ChecksumAlgorithm=algorithm)
    answers, completed = [], []
    for n, body in enumerate(parts, 1):
        up = s3.upload_part(Bucket=bucket, Key=key, UploadId=created["UploadId"], PartNumber=n,
                            Body=body, ChecksumAlgorithm=algorithm)
        answers.append(up)
        completed.append({"PartNumber": n, "ETag": up["ETag"],
                          f"Checksum{algorithm}": up[f"Checksum{algorithm}"]})
    done = s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=created["UploadId"],
                                        MultipartUpload={"Parts": completed})
    return created, answers, done


# --- COMPOSITE -----------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "SHA256"])
def test_composite_checksum(daemon, s3, bucket, algorithm):
    key = f"composite-{algorithm}"
    created, answers, done = upload(s3, bucket, key, algorithm)
    assert created["ChecksumAlgorithm"] == algorithm
    for up, body in zip(answers, (PART1, PART2)):
        assert up[f"Checksum{algorithm}"] == b64(digest(algorithm, body))
    expected = composite(algorithm, [PART1, PART2])
    assert done[f"Checksum{algorithm}"] == expected
    assert done["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert done["ETag"] == '"' + hashlib.md5(hashlib.md5(PART1).digest() +
                                            hashlib.md5(PART2).digest()).hexdigest() + '-2"'
    head = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    assert head[f"Checksum{algorithm}"] == expected
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-checksum-type"] == "COMPOSITE"
    got = s3.get_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    assert got[f"Checksum{algorithm}"] == expected
    assert got["Body"].read() == DATA
    # Without checksum mode no checksum is returned.
    assert f"Checksum{algorithm}" not in s3.head_object(Bucket=bucket, Key=key)
    attributes = s3.get_object_attributes(Bucket=bucket, Key=key,
                                          ObjectAttributes=["Checksum", "ObjectParts"])
    assert attributes["Checksum"][f"Checksum{algorithm}"] == expected
    assert attributes["ObjectParts"]["TotalPartsCount"] == 2


def test_composite_parts_are_listed_with_their_checksums(s3, bucket):
    key = "listed"
    created = s3.create_multipart_upload(Bucket=bucket, Key=key, ChecksumAlgorithm="CRC32C")
    s3.upload_part(Bucket=bucket, Key=key, UploadId=created["UploadId"], PartNumber=1,
                   Body=PART2, ChecksumAlgorithm="CRC32C")
    parts = s3.list_parts(Bucket=bucket, Key=key, UploadId=created["UploadId"])
    assert parts["ChecksumAlgorithm"] == "CRC32C"
    assert parts["Parts"][0]["ChecksumCRC32C"] == b64(digest("CRC32C", PART2))
    s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=created["UploadId"])


def test_wrong_part_checksum_is_refused(daemon, s3, bucket):
    created = s3.create_multipart_upload(Bucket=bucket, Key="bad", ChecksumAlgorithm="CRC32")
    wrong = b64(zlib.crc32(b"something else").to_bytes(4, "big"))
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket=bucket, Key="bad", UploadId=created["UploadId"], PartNumber=1,
                       Body=PART2, ChecksumCRC32=wrong)
    code, status, message, _ = s3_error(e.value)
    assert (code, status) == ("BadDigest", 400)
    assert message == "The CRC32 you specified did not match the calculated checksum."
    parts = s3.list_parts(Bucket=bucket, Key="bad", UploadId=created["UploadId"])
    assert "Parts" not in parts


# --- FULL_OBJECT ---------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C"])
def test_full_object_checksum(daemon, bucket, algorithm):
    s3 = full_object_client(daemon)
    key = f"full-{algorithm}"
    created, answers, done = upload(s3, bucket, key, algorithm)
    # Parts still carry their own checksums; the object's is the CRC of all its bytes.
    assert answers[0][f"Checksum{algorithm}"] == b64(digest(algorithm, PART1))
    expected = b64(digest(algorithm, DATA))
    assert done[f"Checksum{algorithm}"] == expected
    assert "-" not in done[f"Checksum{algorithm}"]
    listed = s3.list_multipart_uploads(Bucket=bucket)  # nothing left behind
    assert key not in [u["Key"] for u in listed.get("Uploads", [])]
    head = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    assert head[f"Checksum{algorithm}"] == expected
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-checksum-type"] == "FULL_OBJECT"
    # botocore validates a full-object checksum against the body it receives.
    got = s3.get_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    assert got[f"Checksum{algorithm}"] == expected
    assert got["Body"].read() == DATA


def test_full_object_list_parts_names_the_type(daemon, bucket):
    s3 = full_object_client(daemon)
    created = s3.create_multipart_upload(Bucket=bucket, Key="type", ChecksumAlgorithm="CRC32")
    r = s3_request(daemon, "GET", f"/{bucket}/type?uploadId={created['UploadId']}")
    assert r.status == 200
    root = ET.fromstring(r.body)
    assert root.find(f"{NS}ChecksumAlgorithm").text == "CRC32"
    assert root.find(f"{NS}ChecksumType").text == "FULL_OBJECT"
    s3.abort_multipart_upload(Bucket=bucket, Key="type", UploadId=created["UploadId"])


def complete_xml(parts):
    body = "".join(f"<Part><PartNumber>{n}</PartNumber><ETag>{etag}</ETag>"
                   f"<ChecksumCRC64NVME>{value}</ChecksumCRC64NVME></Part>"
                   for n, etag, value in parts)
    return f"<CompleteMultipartUpload>{body}</CompleteMultipartUpload>".encode()


@pytest.mark.parametrize("type_header", ["FULL_OBJECT", None])
def test_full_object_crc64nvme_with_raw_requests(daemon, s3, bucket, type_header):
    key = f"crc64-{type_header}"
    headers = {"x-amz-checksum-algorithm": "CRC64NVME"}
    if type_header:
        headers["x-amz-checksum-type"] = type_header
    r = s3_request(daemon, "POST", f"/{bucket}/{key}?uploads", headers=headers)
    assert r.status == 200, r
    root = ET.fromstring(r.body)
    upload_id = root.find(f"{NS}UploadId").text
    assert r.headers["x-amz-checksum-algorithm"] == "CRC64NVME"
    parts = []
    for n, body in enumerate((PART1, PART2), 1):
        value = b64(digest("CRC64NVME", body))
        r = s3_request(daemon, "PUT", f"/{bucket}/{key}?partNumber={n}&uploadId={upload_id}",
                       body, {"x-amz-checksum-crc64nvme": value})
        assert r.status == 200, r
        assert r.headers["x-amz-checksum-crc64nvme"] == value
        parts.append((n, r.headers["etag"], value))
    r = s3_request(daemon, "POST", f"/{bucket}/{key}?uploadId={upload_id}", complete_xml(parts))
    assert r.status == 200, r
    root = ET.fromstring(r.body)
    expected = b64(digest("CRC64NVME", DATA))
    assert root.find(f"{NS}ChecksumCRC64NVME").text == expected
    assert root.find(f"{NS}ChecksumType").text == "FULL_OBJECT"
    r = s3_request(daemon, "HEAD", f"/{bucket}/{key}", headers={"x-amz-checksum-mode": "ENABLED"})
    assert r.headers["x-amz-checksum-crc64nvme"] == expected
    assert r.headers["x-amz-checksum-type"] == "FULL_OBJECT"


# --- refused combinations --------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["SHA256", "SHA1"])
def test_full_object_with_sha_is_refused(daemon, bucket, algorithm):
    s3 = full_object_client(daemon)
    with pytest.raises(ClientError) as e:
        s3.create_multipart_upload(Bucket=bucket, Key="sha-full", ChecksumAlgorithm=algorithm)
    code, status, message, _ = s3_error(e.value)
    assert (code, status) == ("InvalidRequest", 400)
    assert message == (f"The FULL_OBJECT checksum type cannot be used with the "
                       f"{algorithm.lower()} checksum algorithm.")
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket, Prefix="sha-full")


def test_composite_crc64nvme_is_refused(daemon, bucket):
    r = s3_request(daemon, "POST", f"/{bucket}/c64?uploads",
                   headers={"x-amz-checksum-algorithm": "CRC64NVME",
                            "x-amz-checksum-type": "COMPOSITE"})
    assert r.status == 400
    fields = s3_error_fields(r.body)
    assert (fields["Code"], fields["Message"]) == (
        "InvalidRequest",
        "The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.")


def test_checksum_type_needs_an_algorithm(daemon, bucket):
    r = s3_request(daemon, "POST", f"/{bucket}/typeonly?uploads",
                   headers={"x-amz-checksum-type": "FULL_OBJECT"})
    assert r.status == 400
    fields = s3_error_fields(r.body)
    assert (fields["Code"], fields["Message"]) == (
        "InvalidRequest",
        "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm "
        "header.")


def test_invalid_checksum_type(daemon, bucket):
    r = s3_request(daemon, "POST", f"/{bucket}/badtype?uploads",
                   headers={"x-amz-checksum-algorithm": "CRC32", "x-amz-checksum-type": "PARTIAL"})
    assert r.status == 400
    fields = s3_error_fields(r.body)
    assert (fields["Code"], fields["Message"]) == (
        "InvalidRequest", "Value for x-amz-checksum-type header is invalid.")
