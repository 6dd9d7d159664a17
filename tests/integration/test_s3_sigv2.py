"""S3 Signature Version 2: the presigned URLs Debian's boto3 makes by default (AWSAccessKeyId,
Signature, Expires) for GET, PUT, HEAD and DELETE, with response overrides, expiry on the daemon
clock and tampering; and SigV2 header authentication (Authorization: AWS key:signature) from
boto3 clients configured with signature_version='s3'."""

import http.client
import urllib.parse

import pytest
from botocore.exceptions import ClientError

from conftest import boto3_client, s3_client, s3_error, s3_error_fields, unique_bucket

def fetch(url, method="GET", data=None, headers=None):
    """Sends exactly these headers (urllib would add a form Content-Type to a body, and SigV2
    signs the Content-Type)."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request(method, parts.path + ("?" + parts.query if parts.query else ""), body=data,
                     headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def presigner(daemon):
    """Debian's boto3 (botocore 1.29) with no signature version configured."""
    return boto3_client(daemon.endpoint, "s3")


@pytest.fixture(scope="module")
def v2(daemon):
    """SigV2 header authentication."""
    return boto3_client(daemon.endpoint, "s3", signature_version="s3")


@pytest.fixture(scope="module")
def bucket(s3):
    name = unique_bucket("sigv2")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="hello.txt", Body=b"hello sigv2", ContentType="text/plain")
    return name


def query_of(url):
    return urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)


# --- presigned URLs ------------------------------------------------------------------------------


def test_default_presigned_urls_are_sigv2(presigner, bucket):
    url = presigner.generate_presigned_url("get_object",
                                           Params={"Bucket": bucket, "Key": "hello.txt"})
    query = query_of(url)
    assert set(query) == {"AWSAccessKeyId", "Signature", "Expires"}
    assert query["AWSAccessKeyId"] == ["test"]
    assert "X-Amz-Signature" not in url


def test_presigned_get(presigner, bucket):
    url = presigner.generate_presigned_url("get_object",
                                           Params={"Bucket": bucket, "Key": "hello.txt"},
                                           ExpiresIn=300)
    status, headers, body = fetch(url)
    assert (status, body) == (200, b"hello sigv2")
    assert headers["content-type"] == "text/plain"
    # The same URL without its signature is an anonymous request, and refused.
    status, _, body = fetch(url.split("?")[0])
    assert status == 403 and s3_error_fields(body)["Code"] == "AccessDenied"


def test_presigned_put_head_delete(s3, presigner, bucket):
    key = "presigned v2/ü + key.txt"
    params = {"Bucket": bucket, "Key": key}
    put = presigner.generate_presigned_url("put_object", Params=params, ExpiresIn=300)
    status, headers, _ = fetch(put, "PUT", b"uploaded with sigv2")
    assert status == 200 and headers["etag"]
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"uploaded with sigv2"
    head = presigner.generate_presigned_url("head_object", Params=params, ExpiresIn=300)
    status, headers, body = fetch(head, "HEAD")
    assert status == 200 and headers["content-length"] == "19" and body == b""
    # A URL signed for HEAD is not one for GET.
    status, _, body = fetch(head, "GET")
    assert status == 403 and s3_error_fields(body)["Code"] == "SignatureDoesNotMatch"
    delete = presigner.generate_presigned_url("delete_object", Params=params, ExpiresIn=300)
    status, _, _ = fetch(delete, "DELETE")
    assert status == 204
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key=key)
    assert s3_error(e.value)[1] == 404


def test_presigned_put_with_content_type(s3, presigner, bucket):
    url = presigner.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "typed.json", "ContentType":
                              "application/json"}, ExpiresIn=300)
    status, _, body = fetch(url, "PUT", b"{}", {"Content-Type": "application/json"})
    assert status == 200, body
    assert s3.head_object(Bucket=bucket, Key="typed.json")["ContentType"] == "application/json"
    # The content type is part of what was signed.
    status, _, body = fetch(url, "PUT", b"{}", {"Content-Type": "text/plain"})
    assert status == 403 and s3_error_fields(body)["Code"] == "SignatureDoesNotMatch"


def test_response_overrides_in_a_v2_url(presigner, bucket):
    url = presigner.generate_presigned_url("get_object", Params={
        "Bucket": bucket, "Key": "hello.txt", "ResponseContentType": "application/x-custom",
        "ResponseContentDisposition": 'attachment; filename="h.txt"',
        "ResponseCacheControl": "no-store"}, ExpiresIn=300)
    assert "response-content-type" in query_of(url)
    status, headers, body = fetch(url)
    assert (status, body) == (200, b"hello sigv2")
    assert headers["content-type"] == "application/x-custom"
    assert headers["content-disposition"] == 'attachment; filename="h.txt"'
    assert headers["cache-control"] == "no-store"
    # The overrides are signed.
    tampered = url.replace("application%2Fx-custom", "text%2Fhtml")
    assert tampered != url
    status, _, body = fetch(tampered)
    assert status == 403 and s3_error_fields(body)["Code"] == "SignatureDoesNotMatch"


def test_presigned_url_expiry_on_the_daemon_clock(fresh_daemon):
    daemon = fresh_daemon
    s3 = s3_client(daemon.endpoint)
    name = unique_bucket("sigv2")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="k", Body=b"v")
    url = boto3_client(daemon.endpoint, "s3").generate_presigned_url(
        "get_object", Params={"Bucket": name, "Key": "k"}, ExpiresIn=120)
    daemon.clock(advance=100)
    assert fetch(url)[0] == 200
    daemon.clock(advance=30)
    status, _, body = fetch(url)
    assert status == 403
    fields = s3_error_fields(body)
    assert fields["Code"] == "AccessDenied"
    assert fields["Message"] == "Request has expired"
    expires = int(query_of(url)["Expires"][0])
    import datetime
    assert fields["Expires"].startswith(
        datetime.datetime.utcfromtimestamp(expires).strftime("%Y-%m-%dT%H:%M:%S"))
    assert "ServerTime" in fields


@pytest.mark.parametrize("tamper", ["key", "expires", "signature"])
def test_tampered_v2_url(presigner, bucket, tamper):
    url = presigner.generate_presigned_url("get_object",
                                           Params={"Bucket": bucket, "Key": "hello.txt"},
                                           ExpiresIn=300)
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    path = parts.path
    if tamper == "key":
        path = path.replace("hello.txt", "hello.txT")
    elif tamper == "expires":
        query["Expires"] = str(int(query["Expires"]) + 1)
    else:
        sig = query["Signature"]
        query["Signature"] = ("A" if sig[0] != "A" else "B") + sig[1:]
    bad = urllib.parse.urlunsplit((parts.scheme, parts.netloc, path,
                                   urllib.parse.urlencode(query), ""))
    status, _, body = fetch(bad)
    assert status == 403, body
    fields = s3_error_fields(body)
    assert fields["Code"] == "SignatureDoesNotMatch"
    assert fields["SignatureProvided"] == query["Signature"]
    assert fields["AWSAccessKeyId"] == query["AWSAccessKeyId"]
    assert fields["StringToSign"].startswith("GET\n\n\n" + query["Expires"] + "\n")


def test_signature_mismatch_message_is_s3s(presigner, bucket):
    url = presigner.generate_presigned_url("get_object",
                                           Params={"Bucket": bucket, "Key": "hello.txt"})
    status, _, body = fetch(url.replace("hello.txt", "hello.TXT"))
    assert status == 403
    assert s3_error_fields(body)["Message"] == (
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method.")


def test_v2_signature_binds_the_secret_not_the_key_id(presigner, bucket):
    """SigV2 signs with the secret alone: the same URL under another key id with the same
    secret (account 111122223333, secret "test") authenticates as that account."""
    url = presigner.generate_presigned_url("get_object",
                                           Params={"Bucket": bucket, "Key": "hello.txt"})
    other = url.replace("AWSAccessKeyId=test", "AWSAccessKeyId=111122223333")
    assert other != url
    status, _, body = fetch(other)
    assert status == 403 and s3_error_fields(body)["Code"] == "AccessDenied"


def test_unknown_access_key_in_a_v2_url(daemon, bucket):
    url = boto3_client(daemon.endpoint, "s3", access_key="AKIANOSUCHKEY0000000") \
        .generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "hello.txt"})
    status, _, body = fetch(url)
    assert status == 403
    fields = s3_error_fields(body)
    assert fields["Code"] == "InvalidAccessKeyId"
    assert fields["AWSAccessKeyId"] == "AKIANOSUCHKEY0000000"


# --- header authentication -----------------------------------------------------------------------


def test_header_auth_put_get_delete(v2, bucket):
    out = v2.put_object(Bucket=bucket, Key="header/auth.txt", Body=b"signed v2",
                        ContentType="text/plain", Metadata={"who": "v2"})
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 200
    request_headers = out["ResponseMetadata"]["HTTPHeaders"]
    assert request_headers["etag"]
    got = v2.get_object(Bucket=bucket, Key="header/auth.txt")
    assert got["Body"].read() == b"signed v2"
    assert got["Metadata"] == {"who": "v2"}
    assert v2.head_object(Bucket=bucket, Key="header/auth.txt")["ContentLength"] == 9
    assert v2.get_object(Bucket=bucket, Key="header/auth.txt",
                         Range="bytes=0-5")["Body"].read() == b"signed"
    assert v2.delete_object(Bucket=bucket, Key="header/auth.txt")[
        "ResponseMetadata"]["HTTPStatusCode"] == 204


def test_header_auth_requests_are_signed_with_sigv2(daemon, bucket):
    seen = {}

    def capture(request, **kwargs):
        value = request.headers.get("Authorization")
        seen["authorization"] = value.decode() if isinstance(value, bytes) else value

    client = boto3_client(daemon.endpoint, "s3", signature_version="s3")
    client.meta.events.register("before-send.s3.GetObject", capture)
    client.get_object(Bucket=bucket, Key="hello.txt")
    assert seen["authorization"].startswith("AWS test:")


def test_header_auth_list_objects_v1(v2, bucket):
    for i in range(3):
        v2.put_object(Bucket=bucket, Key=f"list/{i}", Body=b"x")
    out = v2.list_objects(Bucket=bucket, Prefix="list/", Delimiter="/", MaxKeys=2)
    assert [o["Key"] for o in out["Contents"]] == ["list/0", "list/1"]
    assert out["IsTruncated"] is True
    out = v2.list_objects(Bucket=bucket, Prefix="list/", Marker="list/1")
    assert [o["Key"] for o in out["Contents"]] == ["list/2"]
    # Bucket-level requests (a "/bucket" resource) and ListBuckets ("/") verify too.
    assert v2.head_bucket(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert bucket in [b["Name"] for b in v2.list_buckets()["Buckets"]]


def test_header_auth_copy(v2, s3, bucket):
    v2.copy_object(Bucket=bucket, Key="copied.txt",
                   CopySource={"Bucket": bucket, "Key": "hello.txt"})
    assert s3.get_object(Bucket=bucket, Key="copied.txt")["Body"].read() == b"hello sigv2"


def test_header_auth_with_a_bad_secret(daemon, bucket):
    bad = boto3_client(daemon.endpoint, "s3", secret_key="not-the-secret",
                       signature_version="s3")
    for call, kwargs in [(bad.get_object, {"Key": "hello.txt"}),
                         (bad.put_object, {"Key": "x", "Body": b"x"}),
                         (bad.delete_object, {"Key": "hello.txt"}),
                         (bad.list_objects, {})]:
        with pytest.raises(ClientError) as e:
            call(Bucket=bucket, **kwargs)
        code, status, message, _ = s3_error(e.value)
        assert (code, status) == ("SignatureDoesNotMatch", 403), e.value.response
    # Nothing was deleted.
    assert boto3_client(daemon.endpoint, "s3").head_object(Bucket=bucket, Key="hello.txt")


def test_header_auth_with_an_unknown_key(daemon, bucket):
    unknown = boto3_client(daemon.endpoint, "s3", access_key="AKIANOSUCHKEY0000000",
                           signature_version="s3")
    with pytest.raises(ClientError) as e:
        unknown.get_object(Bucket=bucket, Key="hello.txt")
    code, status, message, _ = s3_error(e.value)
    assert (code, status) == ("InvalidAccessKeyId", 403)
    assert message == "The AWS Access Key Id you provided does not exist in our records."


def test_header_auth_other_account(daemon, bucket):
    other = boto3_client(daemon.endpoint, "s3", access_key="111122223333", signature_version="s3")
    with pytest.raises(ClientError) as e:
        other.get_object(Bucket=bucket, Key="hello.txt")
    assert s3_error(e.value)[:2] == ("AccessDenied", 403)


def test_subresource_requests_signed_by_botocore(v2, s3, bucket):
    """botocore 1.29's HmacV1Auth puts a sub-resource query such as ?tagging twice into the
    resource it signs ("/b/k?tagging?tagging"), so its signature cannot match S3's string to
    sign ("/b/k?tagging"): AWS answers SignatureDoesNotMatch naming its own string to sign, and
    so must Gureum (accepting the doubled form would accept what AWS refuses)."""
    import botocore.auth
    s3.put_object_tagging(Bucket=bucket, Key="hello.txt",
                          Tagging={"TagSet": [{"Key": "a", "Value": "b"}]})
    signed = []
    original = botocore.auth.HmacV1Auth.canonical_string

    def recording(self, *args, **kwargs):
        signed.append(original(self, *args, **kwargs))
        return signed[-1]

    botocore.auth.HmacV1Auth.canonical_string = recording
    try:
        with pytest.raises(ClientError) as e:
            v2.get_object_tagging(Bucket=bucket, Key="hello.txt")
        with pytest.raises(ClientError) as e_acl:
            v2.get_bucket_acl(Bucket=bucket)
    finally:
        botocore.auth.HmacV1Auth.canonical_string = original
    assert signed[0].endswith(f"/{bucket}/hello.txt?tagging?tagging")
    assert s3_error(e.value)[:2] == ("SignatureDoesNotMatch", 403), e.value.response
    assert e.value.response["Error"]["StringToSign"].endswith(f"/{bucket}/hello.txt?tagging")
    assert signed[1].endswith(f"/{bucket}?acl?acl")
    assert s3_error(e_acl.value)[:2] == ("SignatureDoesNotMatch", 403)
    # Without a sub-resource the same client is fine.
    assert v2.get_object(Bucket=bucket, Key="hello.txt")["Body"].read() == b"hello sigv2"


def v2_request(daemon, method, target, resource, body=b"", headers=None, secret="test"):
    """A request signed by hand with SigV2 over `resource` (S3's CanonicalizedResource)."""
    import base64
    import email.utils
    import hashlib
    import hmac
    headers = dict(headers or {})
    headers["Date"] = email.utils.formatdate(usegmt=True)
    amz = "".join(f"{k.lower()}:{v}\n" for k, v in sorted(headers.items())
                  if k.lower().startswith("x-amz-"))
    string_to_sign = (f"{method}\n{headers.get('Content-MD5', '')}\n"
                      f"{headers.get('Content-Type', '')}\n{headers['Date']}\n{amz}{resource}")
    signature = base64.b64encode(hmac.new(secret.encode(), string_to_sign.encode(),
                                          hashlib.sha1).digest()).decode()
    headers["Authorization"] = f"AWS test:{signature}"
    return daemon.http(method, target, body or None, headers)


def test_subresources_signed_as_s3_specifies(daemon, s3, bucket):
    s3.put_object_tagging(Bucket=bucket, Key="hello.txt",
                          Tagging={"TagSet": [{"Key": "a", "Value": "b"}]})
    r = v2_request(daemon, "GET", f"/{bucket}/hello.txt?tagging", f"/{bucket}/hello.txt?tagging")
    assert r.status == 200 and b"<Key>a</Key>" in r.body, r
    r = v2_request(daemon, "GET", f"/{bucket}?acl", f"/{bucket}?acl")
    assert r.status == 200 and b"AccessControlPolicy" in r.body, r
    # Sub-resources are signed, other query parameters are not.
    r = v2_request(daemon, "GET", f"/{bucket}/hello.txt?tagging", f"/{bucket}/hello.txt")
    assert r.status == 403 and s3_error_fields(r.body)["Code"] == "SignatureDoesNotMatch"
    r = v2_request(daemon, "GET", f"/{bucket}?prefix=hel&max-keys=1", f"/{bucket}")
    assert r.status == 200 and b"<Key>hello.txt</Key>" in r.body, r
    # x-amz-* headers are part of the string to sign.
    r = v2_request(daemon, "PUT", f"/{bucket}/meta.txt", f"/{bucket}/meta.txt", b"m",
                   {"x-amz-meta-color": "red", "Content-Type": "text/plain"})
    assert r.status == 200, r
    head = s3.head_object(Bucket=bucket, Key="meta.txt")
    assert head["Metadata"] == {"color": "red"} and head["ContentType"] == "text/plain"
