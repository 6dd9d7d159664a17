"""What browsers see of S3. Static website hosting on the website endpoints (addressed by Host:
<bucket>.s3-website.localhost and <bucket>.s3-website-<region>.amazonaws.com): index and error
documents, folder redirects, redirect-all, routing rules, object redirects and S3's HTML error
pages. CORS: preflight OPTIONS answered from the bucket's rules, and Access-Control-* headers on
actual requests that carry an Origin."""

import http.client
import json
import re
import urllib.error
import urllib.request

import pytest

from conftest import RawConnection, s3_client, s3_error_fields, s3_send, sign_s3, \
    unique_bucket

REGION = "ap-northeast-2"
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


NO_REDIRECT_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


@pytest.fixture(scope="module")
def s3(daemon):
    return s3_client(daemon.endpoint, region=REGION)


def web_hosts(daemon, bucket):
    return [f"{bucket}.s3-website.localhost:{daemon.port}",
            f"{bucket}.s3-website-{REGION}.amazonaws.com"]


def web(daemon, host, path, method="GET", body=None, headers=None):
    """A request to the website endpoint `host` (sent to the daemon on loopback)."""
    conn = http.client.HTTPConnection("127.0.0.1", daemon.port, timeout=30)
    try:
        all_headers = {"Host": host}
        all_headers.update(headers or {})
        conn.request(method, path, body=body, headers=all_headers)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def web_urllib(daemon, host, path):
    """The same with urllib (redirects not followed)."""
    req = urllib.request.Request(f"http://127.0.0.1:{daemon.port}{path}", headers={"Host": host})
    try:
        with NO_REDIRECT_OPENER.open(req, timeout=30) as resp:
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def html_fields(body):
    """{"title", "Code", "Message", ...} of S3's HTML error page."""
    text = body.decode()
    out = {"title": re.search(r"<title>(.*?)</title>", text).group(1)}
    out.update(dict(re.findall(r"<li>(\w+): (.*?)</li>", text)))
    return out


def public_read_policy(bucket):
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "PublicReadGetObject", "Effect": "Allow", "Principal": "*",
        "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]})


def make_site(s3, website, objects, policy=True):
    name = unique_bucket("site")
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    for key, (body, extra) in objects.items():
        s3.put_object(Bucket=name, Key=key, Body=body, ContentType="text/html", **extra)
    s3.put_bucket_website(Bucket=name, WebsiteConfiguration=website)
    if policy:
        s3.put_bucket_policy(Bucket=name, Policy=public_read_policy(name))
    return name


@pytest.fixture(scope="module")
def site(s3):
    return make_site(s3, {"IndexDocument": {"Suffix": "index.html"},
                          "ErrorDocument": {"Key": "error.html"}}, {
        "index.html": (b"<h1>home</h1>", {}),
        "docs/index.html": (b"<h1>docs</h1>", {}),
        "docs/guide.html": (b"<h1>guide</h1>", {}),
        "error.html": (b"<h1>custom error</h1>", {}),
        "old-page.html": (b"moved", {"WebsiteRedirectLocation": "/docs/guide.html"}),
        "away.html": (b"away", {"WebsiteRedirectLocation": "https://example.com/elsewhere"}),
    })


# --- website hosting -----------------------------------------------------------------------------


def test_index_document_at_root(daemon, site):
    for host in web_hosts(daemon, site):
        status, headers, body = web(daemon, host, "/")
        assert (status, body) == (200, b"<h1>home</h1>"), host
        assert headers["content-type"] == "text/html"
        assert headers["etag"] and headers["last-modified"]
        status, headers, body = web(daemon, host, "/index.html")
        assert (status, body) == (200, b"<h1>home</h1>")
        status, headers, body = web(daemon, host, "/", "HEAD")
        assert status == 200 and body == b"" and headers["content-length"] == "13"


def test_index_document_with_urllib(daemon, site):
    status, headers, body = web_urllib(daemon, web_hosts(daemon, site)[0], "/docs/")
    assert (status, body) == (200, b"<h1>docs</h1>")


def test_index_document_with_raw_socket(daemon, site):
    conn = RawConnection(daemon.port)
    try:
        host = web_hosts(daemon, site)[1]
        conn.send(f"GET /docs/ HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        r = conn.read_response()
        assert (r.status, r.body) == (200, b"<h1>docs</h1>")
        conn.send(f"GET /docs/guide.html HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        r = conn.read_response()
        assert (r.status, r.body) == (200, b"<h1>guide</h1>")
    finally:
        conn.close()


def test_folder_redirect(daemon, site):
    for host in web_hosts(daemon, site):
        status, headers, body = web(daemon, host, "/docs")
        assert status == 302, host
        assert headers["location"] == "/docs/"


def test_error_document(daemon, site):
    for host in web_hosts(daemon, site):
        status, headers, body = web(daemon, host, "/no/such/page.html")
        assert (status, body) == (404, b"<h1>custom error</h1>"), host
        assert headers["content-type"] == "text/html"


def test_object_redirect_location(daemon, site):
    host = web_hosts(daemon, site)[0]
    status, headers, _ = web(daemon, host, "/old-page.html")
    assert status == 301 and headers["location"] == "/docs/guide.html"
    status, headers, _ = web(daemon, host, "/away.html")
    assert status == 301 and headers["location"] == "https://example.com/elsewhere"


def test_put_and_post_are_not_allowed(daemon, site):
    host = web_hosts(daemon, site)[0]
    for method in ("PUT", "POST", "DELETE"):
        status, headers, body = web(daemon, host, "/index.html", method, b"x")
        assert status == 405, method
        assert headers["content-type"].startswith("text/html")
        fields = html_fields(body)
        assert fields["title"] == "405 Method Not Allowed"
        assert fields["Code"] == "MethodNotAllowed"
        assert fields["Message"] == "The specified method is not allowed against this resource."


def test_html_404_without_error_document(daemon, s3):
    name = make_site(s3, {"IndexDocument": {"Suffix": "index.html"}},
                     {"index.html": (b"home", {})})
    for host in web_hosts(daemon, name):
        status, headers, body = web(daemon, host, "/missing.html")
        assert status == 404
        assert headers["content-type"].startswith("text/html")
        fields = html_fields(body)
        assert fields["title"] == "404 Not Found"
        assert fields["Code"] == "NoSuchKey"
        assert fields["Message"] == "The specified key does not exist."
        assert fields["RequestId"] == headers["x-amz-request-id"]
    # A folder without an index document is a missing key too.
    status, _, body = web(daemon, web_hosts(daemon, name)[0], "/nothing/")
    assert status == 404 and html_fields(body)["Code"] == "NoSuchKey"


def test_403_without_public_policy(daemon, s3):
    name = make_site(s3, {"IndexDocument": {"Suffix": "index.html"},
                          "ErrorDocument": {"Key": "error.html"}},
                     {"index.html": (b"home", {}), "error.html": (b"err", {})}, policy=False)
    host = web_hosts(daemon, name)[0]
    status, headers, body = web(daemon, host, "/")
    assert status == 403
    fields = html_fields(body)
    assert (fields["title"], fields["Code"], fields["Message"]) == \
        ("403 Forbidden", "AccessDenied", "Access Denied")
    # A public-read object is served without a policy.
    s3.put_object(Bucket=name, Key="open.html", Body=b"open", ACL="public-read")
    assert web(daemon, host, "/open.html")[::2] == (200, b"open")
    # The public policy opens the rest.
    s3.put_bucket_policy(Bucket=name, Policy=public_read_policy(name))
    assert web(daemon, host, "/")[::2] == (200, b"home")


def test_no_such_website_configuration_and_no_such_bucket(daemon, s3):
    name = unique_bucket("plain")
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket=name, Key="index.html", Body=b"x", ACL="public-read")
    status, headers, body = web(daemon, web_hosts(daemon, name)[0], "/")
    assert status == 404 and headers["content-type"].startswith("text/html")
    fields = html_fields(body)
    assert fields["Code"] == "NoSuchWebsiteConfiguration"
    assert fields["Message"] == "The specified bucket does not have a website configuration"
    status, headers, body = web(daemon, web_hosts(daemon, "no-" + name)[1], "/")
    assert status == 404 and headers["content-type"].startswith("text/html")
    fields = html_fields(body)
    assert fields["Code"] == "NoSuchBucket"
    assert fields["Message"] == "The specified bucket does not exist"


def test_redirect_all_requests(daemon, s3):
    name = make_site(s3, {"RedirectAllRequestsTo": {"HostName": "www.example.com",
                                                    "Protocol": "https"}}, {}, policy=False)
    for host in web_hosts(daemon, name):
        status, headers, body = web(daemon, host, "/a/b.html")
        assert status == 301, host
        assert headers["location"] == "https://www.example.com/a/b.html"
        status, headers, _ = web(daemon, host, "/")
        assert status == 301 and headers["location"] == "https://www.example.com/"
    # Without a protocol, the request's own (http) is kept.
    s3.put_bucket_website(Bucket=name, WebsiteConfiguration={
        "RedirectAllRequestsTo": {"HostName": "example.org"}})
    status, headers, _ = web(daemon, web_hosts(daemon, name)[0], "/x")
    assert status == 301 and headers["location"] == "http://example.org/x"


def test_routing_rules(daemon, s3):
    name = make_site(s3, {
        "IndexDocument": {"Suffix": "index.html"},
        "RoutingRules": [
            {"Condition": {"KeyPrefixEquals": "docs/"},
             "Redirect": {"ReplaceKeyPrefixWith": "documents/"}},
            {"Condition": {"KeyPrefixEquals": "images/"},
             "Redirect": {"ReplaceKeyWith": "gone.html", "HttpRedirectCode": "302"}},
            {"Condition": {"HttpErrorCodeReturnedEquals": "404"},
             "Redirect": {"HostName": "fallback.example.com", "Protocol": "https",
                          "ReplaceKeyPrefixWith": "report-404/"}},
        ]}, {"index.html": (b"home", {}), "documents/a.html": (b"doc a", {}),
             "docs/a.html": (b"shadowed", {})})
    host = web_hosts(daemon, name)[0]
    status, headers, _ = web(daemon, host, "/docs/a.html")
    assert status == 301
    assert headers["location"] == f"http://{host}/documents/a.html"
    status, headers, _ = web(daemon, host, "/images/logo.png")
    assert status == 302 and headers["location"] == f"http://{host}/gone.html"
    # The 404 rule applies only when the key is missing.
    assert web(daemon, host, "/")[::2] == (200, b"home")
    status, headers, _ = web(daemon, host, "/missing/page.html")
    assert status == 301
    assert headers["location"] == "https://fallback.example.com/report-404/missing/page.html"


# --- CORS ----------------------------------------------------------------------------------------

CORS = {"CORSRules": [
    {"AllowedOrigins": ["https://app.example.com", "http://*.example.org"],
     "AllowedMethods": ["GET", "PUT"],
     "AllowedHeaders": ["content-type", "x-amz-*"],
     "ExposeHeaders": ["ETag", "x-amz-request-id"],
     "MaxAgeSeconds": 600},
    {"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]},
]}


@pytest.fixture(scope="module")
def cors_bucket(s3):
    name = unique_bucket("cors")
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_cors(Bucket=name, CORSConfiguration=CORS)
    s3.put_object(Bucket=name, Key="data.json", Body=b'{"ok": true}')
    return name


def preflight(daemon, path, headers):
    return daemon.http("OPTIONS", path, headers=headers)


def test_preflight_allowed(daemon, cors_bucket):
    r = preflight(daemon, f"/{cors_bucket}/data.json", {
        "Origin": "https://app.example.com", "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "Content-Type, X-Amz-Meta-Owner"})
    assert r.status == 200, r
    h = r.headers
    assert h["access-control-allow-origin"] == "https://app.example.com"
    assert h["access-control-allow-methods"] == "GET, PUT"
    assert h["access-control-allow-headers"].lower() == "content-type, x-amz-meta-owner"
    assert h["access-control-expose-headers"] == "ETag, x-amz-request-id"
    assert h["access-control-max-age"] == "600"
    assert h["access-control-allow-credentials"] == "true"
    assert "Origin" in h["vary"]
    assert r.body == b""


def test_preflight_wildcard_rules(daemon, cors_bucket):
    # A wildcard in an allowed origin.
    r = preflight(daemon, f"/{cors_bucket}/data.json", {
        "Origin": "http://shop.example.org", "Access-Control-Request-Method": "GET"})
    assert r.status == 200 and r.headers["access-control-allow-origin"] == "http://shop.example.org"
    # "*" answers "*" and no credentials; the bucket itself may be the target.
    r = preflight(daemon, f"/{cors_bucket}", {
        "Origin": "https://anyone.test", "Access-Control-Request-Method": "GET"})
    assert r.status == 200, r
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.headers["access-control-allow-methods"] == "GET"
    assert "access-control-allow-credentials" not in r.headers
    assert "access-control-max-age" not in r.headers


@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.example.net", "Access-Control-Request-Method": "PUT"},
    {"Origin": "https://app.example.com", "Access-Control-Request-Method": "DELETE"},
    {"Origin": "https://app.example.com", "Access-Control-Request-Method": "PUT",
     "Access-Control-Request-Headers": "content-type, authorization"},
    # The "*" rule allows GET but no request headers.
    {"Origin": "https://anyone.test", "Access-Control-Request-Method": "GET",
     "Access-Control-Request-Headers": "x-custom"},
], ids=["origin", "method", "header", "header-on-wildcard-rule"])
def test_preflight_refused(daemon, cors_bucket, headers):
    r = preflight(daemon, f"/{cors_bucket}/data.json", headers)
    assert r.status == 403, r
    fields = s3_error_fields(r.body)
    assert fields["Code"] == "AccessForbidden"
    assert fields["Message"] == (
        "CORSResponse: This CORS request is not allowed. This is usually because the evalution "
        "of Origin, request method / Access-Control-Request-Method or "
        "Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.")
    assert fields["Method"] == "OPTIONS"
    assert "access-control-allow-origin" not in r.headers


def test_preflight_without_origin(daemon, cors_bucket):
    r = preflight(daemon, f"/{cors_bucket}/data.json", {"Access-Control-Request-Method": "GET"})
    assert r.status == 400, r
    fields = s3_error_fields(r.body)
    assert fields["Code"] == "BadRequest"
    assert fields["Message"] == "Insufficient information. Origin request header needed."


def test_preflight_without_cors_configuration(daemon, s3):
    name = unique_bucket("nocors")
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    r = preflight(daemon, f"/{name}/x", {"Origin": "https://app.example.com",
                                          "Access-Control-Request-Method": "GET"})
    assert r.status == 403, r
    fields = s3_error_fields(r.body)
    assert fields["Code"] == "AccessForbidden"
    assert fields["Message"] == "CORSResponse: CORS is not enabled for this bucket."
    assert fields["Method"] == "OPTIONS"
    r = preflight(daemon, f"/no-{name}/x", {"Origin": "https://app.example.com",
                                             "Access-Control-Request-Method": "GET"})
    assert r.status == 404 and s3_error_fields(r.body)["Code"] == "NoSuchBucket"


def test_preflight_on_virtual_host(daemon, cors_bucket):
    r = daemon.http("OPTIONS", "/data.json", headers={
        "Host": f"{cors_bucket}.s3.{REGION}.amazonaws.com",
        "Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"})
    assert r.status == 200, r
    assert r.headers["access-control-allow-origin"] == "https://app.example.com"


def test_cors_headers_on_a_presigned_get(daemon, s3, cors_bucket):
    url = s3.generate_presigned_url("get_object",
                                    Params={"Bucket": cors_bucket, "Key": "data.json"})
    req = urllib.request.Request(url, headers={"Origin": "https://app.example.com"})
    with OPENER.open(req, timeout=30) as resp:
        headers = {k.lower(): v for k, v in resp.getheaders()}
        assert resp.status == 200 and resp.read() == b'{"ok": true}'
    assert headers["access-control-allow-origin"] == "https://app.example.com"
    assert headers["access-control-allow-methods"] == "GET, PUT"
    assert headers["access-control-expose-headers"] == "ETag, x-amz-request-id"
    assert headers["access-control-allow-credentials"] == "true"
    # Without an Origin there is nothing CORS about the answer.
    with OPENER.open(urllib.request.Request(url), timeout=30) as resp:
        assert not any(k.lower().startswith("access-control-") for k, _ in resp.getheaders())


def test_cors_headers_on_a_signed_request(daemon, cors_bucket):
    r = s3_send(daemon.port, sign_s3(daemon.port, "GET", f"/{cors_bucket}/data.json",
                                     headers={"Origin": "https://other.test"}, region=REGION))
    assert r.status == 200
    # Only the "*" rule matches this origin.
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.headers["access-control-allow-methods"] == "GET"
    # No rule allows DELETE from this origin: no CORS headers, the request itself still works.
    r = s3_send(daemon.port, sign_s3(daemon.port, "PUT", f"/{cors_bucket}/put.txt", b"x",
                                     headers={"Origin": "https://other.test"}, region=REGION))
    assert r.status == 200
    assert "access-control-allow-origin" not in r.headers
    r = s3_send(daemon.port, sign_s3(daemon.port, "PUT", f"/{cors_bucket}/put.txt", b"x",
                                     headers={"Origin": "https://app.example.com"},
                                     region=REGION))
    assert r.status == 200
    assert r.headers["access-control-allow-origin"] == "https://app.example.com"


def test_no_cors_headers_without_a_configuration(daemon, s3):
    name = unique_bucket("nocors")
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket=name, Key="k", Body=b"v")
    r = s3_send(daemon.port, sign_s3(daemon.port, "GET", f"/{name}/k",
                                     headers={"Origin": "https://app.example.com"},
                                     region=REGION))
    assert r.status == 200
    assert not any(k.startswith("access-control-") for k in r.headers)
