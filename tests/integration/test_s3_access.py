"""Ways into S3 other than path-style signed requests: presigned URLs (GET, PUT, DELETE, HEAD;
expiry on the daemon clock; tampering), virtual-hosted addressing (boto3's virtual style and
raw Host headers) and anonymous access governed by canned ACLs."""

import http.client
import io
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import botocore
import pytest
from botocore.awsrequest import AWSResponse

from conftest import expect_s3_error, s3_client, s3_error_fields, s3_send, sign_s3, unique_bucket

NS = {"s3": "http://s3.amazonaws.com/doc/2006-03-01/"}
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def fetch(url, method="GET", data=None, headers=None):
    """An unsigned (or presigned) request with urllib; returns (status, headers, body)."""
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with OPENER.open(req, timeout=30) as resp:
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


@pytest.fixture(scope="module")
def s3(daemon):
    return s3_client(daemon.endpoint, signature_version="s3v4")


@pytest.fixture(scope="module")
def bucket(s3):
    name = unique_bucket("access")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="private.txt", Body=b"private bytes")
    return name



# --- presigned URLs -----------------------------------------------------------------------------


def test_presigned_get(s3, bucket):
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "private.txt"},
                                    ExpiresIn=300)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Expires"] == ["300"]
    status, headers, body = fetch(url)
    assert status == 200 and body == b"private bytes"
    assert headers["etag"]
    # The unsigned URL is refused.
    status, _, body = fetch(url.split("?")[0])
    assert status == 403 and s3_error_fields(body)["Code"] == "AccessDenied"


def test_presigned_put_head_delete(s3, bucket):
    key = "presigned/ü file+.txt"
    put = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": key},
                                    ExpiresIn=300)
    status, headers, _ = fetch(put, "PUT", b"uploaded with a presigned URL")
    assert status == 200 and headers["etag"]
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == \
        b"uploaded with a presigned URL"
    head = s3.generate_presigned_url("head_object", Params={"Bucket": bucket, "Key": key},
                                     ExpiresIn=300)
    status, headers, body = fetch(head, "HEAD")
    assert status == 200 and body == b""
    assert headers["content-length"] == str(len(b"uploaded with a presigned URL"))
    delete = s3.generate_presigned_url("delete_object", Params={"Bucket": bucket, "Key": key},
                                       ExpiresIn=300)
    status, _, _ = fetch(delete, "DELETE")
    assert status == 204
    expect_s3_error(s3.head_object, "404", 404, Bucket=bucket, Key=key)


def test_presigned_get_with_response_overrides(s3, bucket):
    url = s3.generate_presigned_url("get_object", Params={
        "Bucket": bucket, "Key": "private.txt", "ResponseContentType": "text/csv",
        "ResponseContentDisposition": 'attachment; filename="p.csv"'}, ExpiresIn=300)
    status, headers, body = fetch(url)
    assert status == 200 and body == b"private bytes"
    assert headers["content-type"] == "text/csv"
    assert headers["content-disposition"] == 'attachment; filename="p.csv"'


def test_presigned_url_with_aws_cli(daemon, bucket):
    r = daemon.aws("s3", "presign", f"s3://{bucket}/private.txt", "--expires-in", "120")
    assert r.rc == 0, r
    status, _, body = fetch(r.stdout.strip())
    assert status == 200 and body == b"private bytes"


def test_presigned_url_expires(make_daemon):
    daemon = make_daemon()
    s3 = s3_client(daemon.endpoint, signature_version="s3v4")
    name = unique_bucket("expiry")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="k", Body=b"soon gone")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": name, "Key": "k"},
                                    ExpiresIn=60)
    assert fetch(url)[0] == 200
    daemon.clock(advance=30)
    assert fetch(url)[0] == 200
    daemon.clock(advance=45)
    status, headers, body = fetch(url)
    assert status == 403, body
    fields = s3_error_fields(body)
    assert fields["Code"] == "AccessDenied", fields
    assert fields["Message"] == "Request has expired", fields
    assert fields.get("X-Amz-Expires") == "60", fields
    assert "Expires" in fields and "ServerTime" in fields, fields
    assert headers["x-amz-request-id"]
    # A fresh URL works again at the new time.
    url = s3.generate_presigned_url("get_object", Params={"Bucket": name, "Key": "k"},
                                    ExpiresIn=600)
    with_daemon_time = fetch(url)
    # The URL was signed with the real time, now 75 s behind the daemon: still within expiry.
    assert with_daemon_time[0] == 200


@pytest.mark.parametrize("tamper", ["key", "expires", "signature", "extra-param", "method"])
def test_tampered_presigned_url(daemon, s3, bucket, tamper):
    s3.put_object(Bucket=bucket, Key="other.txt", Body=b"other")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "private.txt"},
                                    ExpiresIn=300)
    method = "GET"
    if tamper == "key":
        url = url.replace("/private.txt?", "/other.txt?")
    elif tamper == "expires":
        url = url.replace("X-Amz-Expires=300", "X-Amz-Expires=3000")
    elif tamper == "signature":
        sig = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["X-Amz-Signature"][0]
        url = url.replace(sig, ("0" if sig[0] != "0" else "1") + sig[1:])
    elif tamper == "extra-param":
        url += "&response-content-type=text%2Fhtml"
    elif tamper == "method":
        method = "DELETE"
    status, _, body = fetch(url, method)
    assert status == 403, body
    fields = s3_error_fields(body)
    assert fields["Code"] == "SignatureDoesNotMatch", fields
    assert s3.get_object(Bucket=bucket, Key="private.txt")["Body"].read() == b"private bytes"


def test_presigned_url_with_wrong_secret_or_unknown_key(daemon, bucket):
    wrong = s3_client(daemon.endpoint, secret_key="not-the-secret", signature_version="s3v4")
    url = wrong.generate_presigned_url("get_object",
                                       Params={"Bucket": bucket, "Key": "private.txt"})
    status, _, body = fetch(url)
    assert status == 403 and s3_error_fields(body)["Code"] == "SignatureDoesNotMatch"
    unknown = s3_client(daemon.endpoint, access_key="AKIAUNKNOWNKEY000000",
                        signature_version="s3v4")
    url = unknown.generate_presigned_url("get_object",
                                         Params={"Bucket": bucket, "Key": "private.txt"})
    status, _, body = fetch(url)
    assert status == 403 and s3_error_fields(body)["Code"] == "InvalidAccessKeyId"


# --- virtual-hosted addressing --------------------------------------------------------------------


class _RawBody:
    """Just enough of urllib3's response for botocore (read/stream/close)."""

    def __init__(self, data: bytes):
        self._data = io.BytesIO(data)

    def read(self, amt=None, decode_content=None):
        return self._data.read() if amt is None else self._data.read(amt)

    def stream(self, amt=65536, decode_content=None):
        while True:
            chunk = self._data.read(amt)
            if not chunk:
                return
            yield chunk

    def close(self):
        pass


def virtual_client(daemon, hosts_seen):
    """boto3 with virtual-hosted addressing against http://localhost:<port>. *.localhost need
    not resolve, so every request is sent to 127.0.0.1 with its Host header kept."""
    client = s3_client(f"http://localhost:{daemon.port}",
                       s3={"addressing_style": "virtual"})

    def send(request, **_):
        parts = urllib.parse.urlsplit(request.url)
        assert parts.hostname.endswith("localhost"), request.url  # never anywhere else
        host = request.headers.get("host") or parts.netloc
        hosts_seen.append((host.decode() if isinstance(host, bytes) else host, request.method,
                           parts.path))
        body = request.body
        if hasattr(body, "read"):
            body = body.read()
        conn = http.client.HTTPConnection("127.0.0.1", daemon.port, timeout=30)
        try:
            target = parts.path + ("?" + parts.query if parts.query else "")
            conn.putrequest(request.method, target or "/", skip_host=True,
                            skip_accept_encoding=True)
            names = {k.lower() for k in request.headers.keys()}
            if "host" not in names:
                conn.putheader("Host", parts.netloc)
            for k, v in request.headers.items():
                conn.putheader(k, v)
            if body and "content-length" not in names:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body or None)
            resp = conn.getresponse()
            data = resp.read()
            return AWSResponse(request.url, resp.status, dict(resp.getheaders()),
                               _RawBody(data))
        finally:
            conn.close()

    client.meta.events.register_first("before-send.s3", send)
    return client


def test_boto3_virtual_hosted_style(daemon, s3):
    seen = []
    v = virtual_client(daemon, seen)
    name = unique_bucket("vhost")
    v.create_bucket(Bucket=name)
    v.put_object(Bucket=name, Key="dir/obj.txt", Body=b"virtual bytes", Metadata={"a": "b"})
    got = v.get_object(Bucket=name, Key="dir/obj.txt")
    assert got["Body"].read() == b"virtual bytes" and got["Metadata"] == {"a": "b"}
    assert v.head_bucket(Bucket=name)["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert [o["Key"] for o in v.list_objects_v2(Bucket=name)["Contents"]] == ["dir/obj.txt"]
    v.copy_object(Bucket=name, Key="copy.txt", CopySource={"Bucket": name, "Key": "dir/obj.txt"})
    v.delete_object(Bucket=name, Key="dir/obj.txt")
    expect_s3_error(v.get_object, "NoSuchKey", 404, Bucket=name, Key="dir/obj.txt")
    # Every request named the bucket in the Host header, not in the path.
    assert seen and all(h == f"{name}.localhost:{daemon.port}" for h, _, _ in seen), seen
    assert all(not p.startswith(f"/{name}") for _, _, p in seen), seen
    # The same objects through path-style requests.
    assert s3.get_object(Bucket=name, Key="copy.txt")["Body"].read() == b"virtual bytes"


@pytest.mark.parametrize("host", [
    "{bucket}.localhost:{port}",
    "{bucket}.s3.localhost:{port}",
    "{bucket}.s3.ap-northeast-2.localhost:{port}",
    "{bucket}.s3.amazonaws.com",
    "{bucket}.s3.ap-northeast-2.amazonaws.com",
    "{bucket}.s3-ap-northeast-2.amazonaws.com",
    "{bucket}.s3.dualstack.ap-northeast-2.amazonaws.com",
])
def test_raw_virtual_hosts(daemon, s3, host):
    name = unique_bucket("raw-vh")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="a b/c.txt", Body=b"raw virtual")
    h = host.format(bucket=name, port=daemon.port)
    r = s3_send(daemon.port, sign_s3(daemon.port, "GET", "/a%20b/c.txt", host=h,
                                     region="ap-northeast-2"))
    assert r.status == 200 and r.body == b"raw virtual", (h, r)
    r = s3_send(daemon.port, sign_s3(daemon.port, "GET", "/?list-type=2", host=h,
                                     region="ap-northeast-2"))
    assert r.status == 200, (h, r)
    root = ET.fromstring(r.body)
    assert root.findtext("s3:Name", namespaces=NS) == name
    assert [k.text for k in root.findall("s3:Contents/s3:Key", NS)] == ["a b/c.txt"]
    r = s3_send(daemon.port, sign_s3(daemon.port, "PUT", "/new", b"via host", host=h,
                                     region="ap-northeast-2"))
    assert r.status == 200, (h, r)
    assert s3.get_object(Bucket=name, Key="new")["Body"].read() == b"via host"
    r = s3_send(daemon.port, sign_s3(daemon.port, "HEAD", "/", host=h, region="ap-northeast-2"))
    assert r.status == 200, (h, r)


def test_dotted_bucket_on_virtual_host(daemon, s3):
    name = "dotted." + unique_bucket("vh") + ".example"
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="k", Body=b"dots")
    for host in (f"{name}.s3.localhost:{daemon.port}", f"{name}.s3.us-east-1.amazonaws.com"):
        r = s3_send(daemon.port, sign_s3(daemon.port, "GET", "/k", host=host))
        assert r.status == 200 and r.body == b"dots", (host, r)


def test_path_style_on_s3_hosts(daemon, s3, bucket):
    for host in (f"s3.localhost:{daemon.port}", "s3.amazonaws.com",
                 "s3.ap-northeast-2.amazonaws.com", f"localhost:{daemon.port}"):
        r = s3_send(daemon.port, sign_s3(daemon.port, "GET", f"/{bucket}/private.txt",
                                         host=host))
        assert r.status == 200 and r.body == b"private bytes", (host, r)


def test_virtual_host_of_missing_bucket(daemon):
    name = unique_bucket("nobody")
    r = s3_send(daemon.port, sign_s3(daemon.port, "GET", "/k",
                                     host=f"{name}.localhost:{daemon.port}"))
    assert r.status == 404, r
    fields = s3_error_fields(r.body)
    assert fields["Code"] == "NoSuchBucket" and fields["BucketName"] == name, fields


# --- anonymous access ---------------------------------------------------------------------------


def test_public_read_object_is_readable_anonymously(daemon, s3, bucket):
    s3.put_object(Bucket=bucket, Key="public.txt", Body=b"for everyone", ACL="public-read",
                  ContentType="text/plain")
    status, headers, body = fetch(f"{daemon.endpoint}/{bucket}/public.txt")
    assert status == 200 and body == b"for everyone"
    assert headers["content-type"] == "text/plain"
    status, headers, body = fetch(f"{daemon.endpoint}/{bucket}/public.txt", "HEAD")
    assert status == 200 and headers["content-length"] == "12"
    status, headers, body = fetch(f"{daemon.endpoint}/{bucket}/public.txt",
                                  headers={"Range": "bytes=4-6"})
    assert status == 206 and body == b"eve"
    # boto3 without credentials.
    anon = s3_client(daemon.endpoint, signature_version=botocore.UNSIGNED)
    assert anon.get_object(Bucket=bucket, Key="public.txt")["Body"].read() == b"for everyone"
    # Another account reads it too.
    other = s3_client(daemon.endpoint, access_key="111122223333")
    assert other.get_object(Bucket=bucket, Key="public.txt")["Body"].read() == b"for everyone"


def test_private_object_is_denied_anonymously(daemon, bucket):
    status, _, body = fetch(f"{daemon.endpoint}/{bucket}/private.txt")
    assert status == 403
    fields = s3_error_fields(body)
    assert fields["Code"] == "AccessDenied" and fields["Message"] == "Access Denied", fields
    status, _, body = fetch(f"{daemon.endpoint}/{bucket}/private.txt", "HEAD")
    assert status == 403 and body == b""
    # Anonymous writes, deletes and listings of a private bucket are denied.
    octet = {"Content-Type": "application/octet-stream"}
    assert fetch(f"{daemon.endpoint}/{bucket}/new.txt", "PUT", b"x", octet)[0] == 403
    assert fetch(f"{daemon.endpoint}/{bucket}/private.txt", "DELETE")[0] == 403
    status, _, body = fetch(f"{daemon.endpoint}/{bucket}?list-type=2")
    assert status == 403 and s3_error_fields(body)["Code"] == "AccessDenied"


def test_private_object_is_denied_to_other_accounts(daemon, bucket):
    other = s3_client(daemon.endpoint, access_key="111122223333")
    expect_s3_error(other.get_object, "AccessDenied", 403, Bucket=bucket, Key="private.txt")
    expect_s3_error(other.put_object, "AccessDenied", 403, Bucket=bucket, Key="x", Body=b"x")
    expect_s3_error(other.delete_object, "AccessDenied", 403, Bucket=bucket, Key="private.txt")


def test_authenticated_read_object(daemon, s3, bucket):
    s3.put_object(Bucket=bucket, Key="auth.txt", Body=b"signed only", ACL="authenticated-read")
    assert fetch(f"{daemon.endpoint}/{bucket}/auth.txt")[0] == 403
    other = s3_client(daemon.endpoint, access_key="111122223333")
    assert other.get_object(Bucket=bucket, Key="auth.txt")["Body"].read() == b"signed only"


def test_public_read_bucket_lists_anonymously(daemon, s3):
    name = unique_bucket("pubbucket")
    s3.create_bucket(Bucket=name, ACL="public-read")
    s3.put_object(Bucket=name, Key="listed.txt", Body=b"x")
    status, _, body = fetch(f"{daemon.endpoint}/{name}?list-type=2")
    assert status == 200, body
    root = ET.fromstring(body)
    assert [k.text for k in root.findall("s3:Contents/s3:Key", NS)] == ["listed.txt"]
    # The bucket's ACL does not open its objects.
    assert fetch(f"{daemon.endpoint}/{name}/listed.txt")[0] == 403
    # Nor writes.
    assert fetch(f"{daemon.endpoint}/{name}/anon.txt", "PUT", b"x",
                 {"Content-Type": "application/octet-stream"})[0] == 403
    status, headers, _ = fetch(f"{daemon.endpoint}/{name}", "HEAD")
    assert status == 200 and headers["x-amz-bucket-region"] == "us-east-1"


def test_invalid_canned_acl(s3, bucket):
    expect_s3_error(s3.put_object, "InvalidArgument", 400, Bucket=bucket, Key="acl", Body=b"x",
                 ACL="world-writable")


def test_anonymous_request_cannot_override_response_headers(daemon, s3, bucket):
    # S3: "Request specific response headers cannot be used for anonymous GET requests."
    s3.put_object(Bucket=bucket, Key="public2.txt", Body=b"public", ACL="public-read")
    assert fetch(f"{daemon.endpoint}/{bucket}/public2.txt")[0] == 200
    status, _, body = fetch(f"{daemon.endpoint}/{bucket}/public2.txt"
                            "?response-content-type=text/html")
    assert status == 400, body
    fields = s3_error_fields(body)
    assert fields["Code"] == "InvalidRequest", fields
    assert fields["Message"] == ("Request specific response headers cannot be used for "
                                 "anonymous GET requests.")


def test_anonymous_put_with_a_form_content_type_is_still_s3(daemon, bucket):
    # curl --data-binary and urllib send Content-Type: application/x-www-form-urlencoded; a PUT
    # to an object path is S3 (Query-protocol requests are POSTs or GETs with Action=).
    status, _, body = fetch(f"{daemon.endpoint}/{bucket}/form.txt", "PUT", b"x")
    assert status == 403, body
    assert s3_error_fields(body)["Code"] == "AccessDenied", body
