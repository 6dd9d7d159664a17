"""Browser form uploads (POST Object): multipart/form-data bodies built by hand from boto3's
generate_presigned_post, signed with SigV4 and with SigV2; success_action_status and
success_action_redirect; ${filename}; the policy's expiration, conditions and
content-length-range; extra fields; tampered signatures; anonymous uploads; a large file."""

import hashlib
import http.client
import os
import urllib.parse
import uuid
import xml.etree.ElementTree as ET

import pytest

from conftest import boto3_client, s3_client, s3_error_fields, unique_bucket

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def presigner(endpoint, version):
    """A client whose generate_presigned_post signs with SigV4 ("s3v4") or SigV2 ("s3")."""
    return boto3_client(endpoint, "s3", signature_version=version)


@pytest.fixture(scope="module", params=["s3v4", "s3"], ids=["sigv4", "sigv2"])
def signer(request, daemon):
    return presigner(daemon.endpoint, request.param)


@pytest.fixture(scope="module")
def bucket(s3):
    name = unique_bucket("post")
    s3.create_bucket(Bucket=name)
    return name


def form(fields, file=("hello.txt", b"hello form", "text/plain"), after=(), boundary=None):
    """A multipart/form-data body: `fields` (name, value) in order, then the file part, then
    `after` (fields S3 must ignore). Returns (body, content type)."""
    boundary = boundary or "----gureum" + uuid.uuid4().hex
    parts = []
    for name, value in fields:
        if isinstance(value, str):
            value = value.encode()
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     .encode() + value + b"\r\n")
    if file is not None:
        filename, content, ctype = file
        head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="{filename}"\r\n')
        if ctype:
            head += f"Content-Type: {ctype}\r\n"
        parts.append((head + "\r\n").encode() + content + b"\r\n")
    for name, value in after:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def post(daemon, url, body, content_type, headers=None):
    path = urllib.parse.urlsplit(url).path
    conn = http.client.HTTPConnection("127.0.0.1", daemon.port, timeout=120)
    try:
        all_headers = {"Content-Type": content_type}
        all_headers.update(headers or {})
        conn.request("POST", path, body=body, headers=all_headers)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def presigned_post(client, bucket, key, fields=None, conditions=None, expires=300):
    return client.generate_presigned_post(bucket, key, Fields=fields, Conditions=conditions,
                                          ExpiresIn=expires)


def send(daemon, presigned, file=("hello.txt", b"hello form", "text/plain"), extra=(),
         after=(), drop=(), override=None):
    fields = [(k, v) for k, v in presigned["fields"].items() if k not in drop]
    if override:
        fields = [(k, override.get(k, v)) for k, v in fields]
    body, ctype = form(fields + list(extra), file, after)
    return post(daemon, presigned["url"], body, ctype)


def error_of(status, body, expected_status):
    assert status == expected_status, body
    return s3_error_fields(body)


# --- success -------------------------------------------------------------------------------------


def test_default_answer_is_204(daemon, s3, signer, bucket):
    key = f"{signer.meta.config.signature_version}/plain.txt"
    p = presigned_post(signer, bucket, key)
    status, headers, body = send(daemon, p)
    assert (status, body) == (204, b"")
    etag = '"' + hashlib.md5(b"hello form").hexdigest() + '"'
    assert headers["etag"] == etag
    assert headers["location"].endswith(f"/{bucket}/{urllib.parse.quote(key)}")
    got = s3.get_object(Bucket=bucket, Key=key)
    assert got["Body"].read() == b"hello form"
    assert got["ETag"] == etag
    # The file part's content type is the object's unless a Content-Type field says otherwise.
    assert got["ContentType"] == "text/plain"


@pytest.mark.parametrize("status_field,expected", [("200", 200), ("204", 204), ("201", 201),
                                                   ("299", 204)])
def test_success_action_status(daemon, s3, signer, bucket, status_field, expected):
    key = f"status-{status_field}-{signer.meta.config.signature_version}"
    p = presigned_post(signer, bucket, key, {"success_action_status": status_field},
                       [{"success_action_status": status_field}])
    status, headers, body = send(daemon, p)
    assert status == expected, body
    if expected != 201:
        assert body == b""
        return
    assert headers["content-type"] == "application/xml"
    root = ET.fromstring(body)
    assert root.tag in ("PostResponse", NS + "PostResponse")
    values = {el.tag.replace(NS, ""): el.text for el in root}
    assert values["Bucket"] == bucket and values["Key"] == key
    assert values["ETag"] == '"' + hashlib.md5(b"hello form").hexdigest() + '"'
    assert values["Location"].endswith(f"/{bucket}/{key}")
    assert s3.head_object(Bucket=bucket, Key=key)["ContentLength"] == 10


def test_success_action_redirect(daemon, signer, bucket):
    key = f"redirect-{signer.meta.config.signature_version}.txt"
    target = "https://app.example.com/done?from=upload"
    p = presigned_post(signer, bucket, key, {"success_action_redirect": target},
                       [{"success_action_redirect": target}])
    status, headers, body = send(daemon, p)
    assert status == 303, body
    location = urllib.parse.urlsplit(headers["location"])
    assert (location.scheme, location.netloc, location.path) == \
        ("https", "app.example.com", "/done")
    query = urllib.parse.parse_qs(location.query)
    assert query == {"from": ["upload"], "bucket": [bucket], "key": [key],
                     "etag": ['"' + hashlib.md5(b"hello form").hexdigest() + '"']}


def test_filename_substitution(daemon, s3, signer, bucket):
    prefix = f"uploads-{signer.meta.config.signature_version}/"
    p = presigned_post(signer, bucket, prefix + "${filename}")
    status, _, body = send(daemon, p, file=("report 2024.csv", b"a,b\n1,2\n", "text/csv"))
    assert status == 204, body
    assert s3.get_object(Bucket=bucket, Key=prefix + "report 2024.csv")["Body"].read() == \
        b"a,b\n1,2\n"


def test_metadata_and_content_type_fields(daemon, s3, signer, bucket):
    key = f"meta-{signer.meta.config.signature_version}"
    fields = {"Content-Type": "application/json", "x-amz-meta-color": "blue",
              "Cache-Control": "max-age=60", "x-amz-storage-class": "STANDARD_IA"}
    p = presigned_post(signer, bucket, key, fields, [{k: v} for k, v in fields.items()])
    status, _, body = send(daemon, p, file=("d.json", b"{}", "text/plain"))
    assert status == 204, body
    head = s3.head_object(Bucket=bucket, Key=key)
    assert head["ContentType"] == "application/json"
    assert head["Metadata"] == {"color": "blue"}
    assert head["CacheControl"] == "max-age=60"
    assert head["StorageClass"] == "STANDARD_IA"


def test_fields_after_the_file_are_ignored(daemon, s3, signer, bucket):
    key = f"after-{signer.meta.config.signature_version}"
    p = presigned_post(signer, bucket, key)
    # Not covered by the policy, yet no "Extra input fields": S3 never reads them.
    status, _, body = send(daemon, p, after=[("x-amz-meta-after", "ignored"),
                                             ("success_action_status", "201")])
    assert status == 204, body
    assert s3.head_object(Bucket=bucket, Key=key)["Metadata"] == {}


def test_file_field_in_the_middle_and_field_name_case(daemon, s3, bucket):
    signer = presigner(daemon.endpoint, "s3v4")
    key = "middle.txt"
    p = presigned_post(signer, bucket, key)
    fields = list(p["fields"].items())
    # Field names are case-insensitive ("Key", "Policy"...).
    fields = [(k.capitalize() if k in ("key", "policy") else k, v) for k, v in fields]
    body, ctype = form(fields, ("m.txt", b"middle", None), after=[("acl", "public-read")])
    status, _, resp = post(daemon, p["url"], body, ctype)
    assert status == 204, resp
    got = s3.get_object(Bucket=bucket, Key=key)
    assert got["Body"].read() == b"middle"
    # Without a Content-Type anywhere, S3's default applies; the acl after the file was ignored.
    assert got["ContentType"] == "binary/octet-stream"
    acl = s3.get_object_acl(Bucket=bucket, Key=key)
    assert [g["Permission"] for g in acl["Grants"]] == ["FULL_CONTROL"]


def test_large_file_streams_through(daemon, s3, bucket):
    signer = presigner(daemon.endpoint, "s3v4")
    data = os.urandom(1 << 20) * 20  # 20 MiB
    key = "big.bin"
    p = presigned_post(signer, bucket, key, {"success_action_status": "201"},
                       [{"success_action_status": "201"},
                        ["content-length-range", 1, 64 << 20]])
    status, headers, body = send(daemon, p, file=("big.bin", data, "application/octet-stream"))
    assert status == 201, body[:500]
    head = s3.head_object(Bucket=bucket, Key=key)
    assert head["ContentLength"] == len(data)
    assert head["ETag"] == '"' + hashlib.md5(data).hexdigest() + '"'
    got = s3.get_object(Bucket=bucket, Key=key, Range="bytes=20971000-")["Body"].read()
    assert got == data[20971000:]


# --- policy checks -------------------------------------------------------------------------------


@pytest.mark.parametrize("size,code,limit_field", [(5, "EntityTooSmall", "MinSizeAllowed"),
                                                   (30, "EntityTooLarge", "MaxSizeAllowed")])
def test_content_length_range(daemon, s3, signer, bucket, size, code, limit_field):
    key = f"range-{size}-{signer.meta.config.signature_version}"
    p = presigned_post(signer, bucket, key, conditions=[["content-length-range", 10, 20]])
    status, _, body = send(daemon, p, file=("f", b"x" * size, "text/plain"))
    fields = error_of(status, body, 400)
    assert fields["Code"] == code
    assert fields["Message"] == ("Your proposed upload is smaller than the minimum allowed size"
                                 if size < 10 else
                                 "Your proposed upload exceeds the maximum allowed size")
    assert fields["ProposedSize"] == str(size)
    assert fields[limit_field] == ("10" if size < 10 else "20")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=key).get("Contents", [])
            if o["Key"] == key] == []
    # Inside the range it is accepted.
    status, _, body = send(daemon, p, file=("f", b"x" * 15, "text/plain"))
    assert status == 204, body


def test_expired_policy(fresh_daemon):
    daemon = fresh_daemon
    s3 = s3_client(daemon.endpoint)
    name = unique_bucket("post")
    s3.create_bucket(Bucket=name)
    for version in ("s3v4", "s3"):
        p = presigned_post(presigner(daemon.endpoint, version), name, "late.txt", expires=60)
        daemon.clock(advance=30)
        status, _, body = send(daemon, p)
        assert status == 204, body
        daemon.clock(advance=60)
        status, _, body = send(daemon, p)
        fields = error_of(status, body, 403)
        assert fields["Code"] == "AccessDenied"
        assert fields["Message"] == "Invalid according to Policy: Policy expired."
        daemon.clock(reset=True)


def test_eq_condition_failure(daemon, signer, bucket):
    p = presigned_post(signer, bucket, "eq.txt", {"acl": "public-read"},
                       [{"acl": "public-read"}])
    status, _, body = send(daemon, p, override={"acl": "private"})
    fields = error_of(status, body, 403)
    assert fields["Code"] == "AccessDenied"
    assert fields["Message"] == \
        'Invalid according to Policy: Policy Condition failed: ["eq", "$acl", "public-read"]'


def test_starts_with_condition_failure(daemon, signer, bucket):
    p = presigned_post(signer, bucket, "sw.txt", {"Content-Type": "image/png"},
                       [["starts-with", "$Content-Type", "image/"]])
    status, _, body = send(daemon, p)
    assert status == 204, body
    status, _, body = send(daemon, p, override={"Content-Type": "text/html"})
    fields = error_of(status, body, 403)
    assert fields["Code"] == "AccessDenied"
    assert fields["Message"] == ('Invalid according to Policy: Policy Condition failed: '
                                 '["starts-with", "$Content-Type", "image/"]')


def test_key_outside_the_policys_prefix(daemon, signer, bucket):
    p = presigned_post(signer, bucket, "user/alice/${filename}")
    status, _, body = send(daemon, p, override={"key": "user/bob/x.txt"})
    fields = error_of(status, body, 403)
    assert fields["Message"] == ('Invalid according to Policy: Policy Condition failed: '
                                 '["starts-with", "$key", "user/alice/"]')


def test_extra_input_fields(daemon, signer, bucket):
    p = presigned_post(signer, bucket, "extra.txt")
    status, _, body = send(daemon, p, extra=[("x-amz-meta-sneaky", "1")])
    fields = error_of(status, body, 403)
    assert fields["Code"] == "AccessDenied"
    assert fields["Message"] == "Invalid according to Policy: Extra input fields: x-amz-meta-sneaky"
    # x-ignore-* fields are exempt.
    status, _, body = send(daemon, p, extra=[("x-ignore-tracking", "1")])
    assert status == 204, body


def test_tampered_signature(daemon, signer, bucket):
    p = presigned_post(signer, bucket, "tampered.txt")
    name = "x-amz-signature" if "x-amz-signature" in p["fields"] else "signature"
    good = p["fields"][name]
    bad = ("0" if good[0] != "0" else "1") + good[1:]
    status, _, body = send(daemon, p, override={name: bad})
    fields = error_of(status, body, 403)
    assert fields["Code"] == "SignatureDoesNotMatch"
    # The policy itself is signed: loosening it breaks the signature too.
    import base64, json
    policy = json.loads(base64.b64decode(p["fields"]["policy"]))
    policy["expiration"] = "2099-01-01T00:00:00Z"
    loose = base64.b64encode(json.dumps(policy).encode()).decode()
    status, _, body = send(daemon, p, override={"policy": loose})
    assert error_of(status, body, 403)["Code"] == "SignatureDoesNotMatch"


def test_wrong_secret_and_unknown_key(daemon, bucket):
    wrong = boto3_client(daemon.endpoint, "s3", secret_key="not-test", signature_version="s3v4")
    status, _, body = send(daemon, presigned_post(wrong, bucket, "w.txt"))
    assert error_of(status, body, 403)["Code"] == "SignatureDoesNotMatch"
    unknown = boto3_client(daemon.endpoint, "s3", access_key="AKIANOSUCHKEY0000000",
                           signature_version="s3")
    status, _, body = send(daemon, presigned_post(unknown, bucket, "u.txt"))
    fields = error_of(status, body, 403)
    assert fields["Code"] == "InvalidAccessKeyId"
    assert fields["AWSAccessKeyId"] == "AKIANOSUCHKEY0000000"


def test_missing_key_field(daemon, signer, bucket):
    p = presigned_post(signer, bucket, "nokey.txt")
    status, _, body = send(daemon, p, drop=("key",))
    fields = error_of(status, body, 400)
    assert fields["Code"] == "InvalidArgument"
    assert fields["Message"] == ("Bucket POST must contain a field named 'key'.  If it is "
                                 "specified, please check the order of the fields.")
    assert fields["ArgumentName"] == "key"
    # A key after the file is as good as none.
    status, _, body = send(daemon, p, drop=("key",), after=[("key", "nokey.txt")])
    assert error_of(status, body, 400)["Code"] == "InvalidArgument"


# --- anonymous uploads ---------------------------------------------------------------------------


def test_anonymous_post_to_public_read_write_bucket(daemon, s3):
    name = unique_bucket("anonpost")
    s3.create_bucket(Bucket=name, ACL="public-read-write")
    body, ctype = form([("key", "anon/${filename}")], ("a.txt", b"anonymous", "text/plain"))
    status, headers, resp = post(daemon, f"{daemon.endpoint}/{name}", body, ctype)
    assert status == 204, resp
    assert s3.get_object(Bucket=name, Key="anon/a.txt")["Body"].read() == b"anonymous"


def test_anonymous_post_to_private_bucket(daemon, s3, bucket):
    body, ctype = form([("key", "anon.txt")], ("a.txt", b"anonymous", "text/plain"))
    status, _, resp = post(daemon, f"{daemon.endpoint}/{bucket}", body, ctype)
    fields = error_of(status, resp, 403)
    assert fields["Code"] == "AccessDenied"
    assert s3.list_objects_v2(Bucket=bucket, Prefix="anon.txt")["KeyCount"] == 0


def test_post_to_missing_bucket(daemon, signer):
    name = unique_bucket("nobucket")
    status, _, body = send(daemon, presigned_post(signer, name, "k"))
    fields = error_of(status, body, 404)
    assert fields["Code"] == "NoSuchBucket"
