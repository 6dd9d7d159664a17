"""Hostile and broken HTTP against the daemon, then keep-alive and concurrency: the daemon must
answer each with the right error and stay healthy."""

import http.client
import json
import socket
import threading
import time

import pytest
from botocore.exceptions import ClientError

from conftest import (DEFAULT_ACCOUNT, FORM_CONTENT_TYPE, GET_CALLER_IDENTITY_BODY, DaemonFactory,
                      RawConnection, xml_error)

MAX_BODY = 1024 * 1024


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    """One daemon for the module, with a short body timeout and a 1 MiB body limit."""
    factory = DaemonFactory(tmp_path_factory.mktemp("bad-input"))
    d = factory(args=["--body-timeout", "2", "--max-request-body", "1MiB"])
    yield d
    factory.finish()


def assert_healthy(d):
    h = d.health()
    assert h["status"] == "running", h
    assert d.running, "the daemon exited"


def exchange(d, data: bytes, timeout: float = 10.0):
    """Sends raw bytes, reads one response, and reports whether the server then closed."""
    conn = RawConnection(d.port, timeout=timeout)
    try:
        conn.send(data)
        response = conn.read_response()
        closed = conn.peer_closed(5)
    finally:
        conn.close()
    return response, closed


# --- malformed HTTP -----------------------------------------------------------------------------

MALFORMED = {
    "garbage line": b"GARBAGE\r\n\r\n",
    "no version": b"GET /\r\nHost: x\r\n\r\n",
    "bad version": b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
    "double space": b"GET  / HTTP/1.1\r\nHost: x\r\n\r\n",
    "space in header name": b"GET / HTTP/1.1\r\nHo st: x\r\n\r\n",
    "NUL in header value": b"GET / HTTP/1.1\r\nHost: x\x00y\r\n\r\n",
    "bad content-length": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    "two content-lengths": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    "content-length and chunked": (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                                   b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
}


@pytest.mark.parametrize("data", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_request_is_400_and_closes(daemon, data):
    response, closed = exchange(daemon, data)
    assert response.status == 400, response
    assert response.headers.get("connection", "").lower() == "close", response
    err = xml_error(response.body)
    assert err["root"] == "ErrorResponse" and err["Code"] == "BadRequest", response
    assert err["RequestId"] == response.headers["x-amzn-requestid"]
    assert closed, "the connection must be closed after a malformed request"
    assert_healthy(daemon)


# --- oversized heads ----------------------------------------------------------------------------


def test_header_over_16_kib_is_431(daemon):
    data = b"GET /_gureum/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (17 * 1024) + b"\r\n\r\n"
    response, closed = exchange(daemon, data)
    assert response.status == 431, response
    assert xml_error(response.body)["Code"] == "RequestHeaderSectionTooLarge", response
    assert closed
    assert_healthy(daemon)


def test_many_headers_over_16_kib_is_431(daemon):
    headers = b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 90) for i in range(200))
    response, closed = exchange(daemon, b"GET /_gureum/health HTTP/1.1\r\nHost: x\r\n" + headers +
                                b"\r\n")
    assert response.status == 431, response
    assert closed
    assert_healthy(daemon)


def test_header_just_under_limit_is_served(daemon):
    start = b"GET /_gureum/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: "
    filler = 16 * 1024 - len(start) - 4 - 64
    response, _ = exchange(daemon, start + b"a" * filler + b"\r\n\r\n")
    assert response.status == 200, response


# --- Query parameters ---------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["Action=GetCallerIdentity&Version=2011-06-15&X=%ZZ",
                                  "Action=GetCallerIdentity&Version=2011-06-15&X=%4",
                                  "Action=Get%G0CallerIdentity&Version=2011-06-15"])
def test_invalid_percent_encoding_in_signed_body(daemon, body):
    r = daemon.send(daemon.sign(body=body))
    assert r.status == 400, r
    err = xml_error(r.body)
    assert err["Code"] == "MalformedQueryString", r
    assert err["Type"] == "Sender"


def test_invalid_percent_encoding_unsigned(daemon):
    r = daemon.http("POST", "/", "Action=GetCallerIdentity&Version=%G1",
                    {"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 400, r
    assert xml_error(r.body)["Code"] == "MalformedQueryString", r


def test_invalid_percent_encoding_in_query_string(daemon):
    r = daemon.http("GET", "/?Action=GetCallerIdentity&Version=2011-06-15&X=%Z1")
    assert r.status == 400, r
    assert xml_error(r.body)["Code"] in ("MalformedQueryString", "InvalidArgument"), r
    assert_healthy(daemon)


# --- bodies -------------------------------------------------------------------------------------


def test_short_body_then_idle_times_out(daemon):
    req = daemon.sign()
    conn = RawConnection(daemon.port, timeout=15)
    started = time.monotonic()
    try:
        conn.send(req.raw(body=req.body[:10]))
        try:
            response = conn.read_response()
        except ConnectionError:
            response = None  # closed without an answer: allowed
        if response is not None:
            assert response.status == 400, response
            assert xml_error(response.body)["Code"] == "RequestTimeout", response
            assert conn.peer_closed(5)
    finally:
        conn.close()
    elapsed = time.monotonic() - started
    assert 1.5 < elapsed < 10, f"body timeout of 2 s took {elapsed:.1f} s"
    assert_healthy(daemon)


def test_short_body_then_idle_answers_request_timeout(daemon):
    """docs/configuration.md: 'a stalled client gets 400 RequestTimeout and the connection
    closes' (as S3 does)."""
    req = daemon.sign()
    conn = RawConnection(daemon.port, timeout=15)
    try:
        conn.send(req.raw(body=req.body[:10]))
        try:
            response = conn.read_response()
        except ConnectionError as e:
            raise AssertionError(f"the connection closed without a RequestTimeout answer ({e})")
        assert response.status == 400, response
        err = xml_error(response.body)
        assert err["Code"] == "RequestTimeout", response
        assert conn.peer_closed(5)
    finally:
        conn.close()
    assert_healthy(daemon)


def test_body_cut_by_client_close(daemon):
    req = daemon.sign()
    conn = RawConnection(daemon.port)
    conn.send(req.raw(body=req.body[:10]))
    conn.sock.shutdown(socket.SHUT_WR)
    try:
        try:
            data = conn.read_until_closed()
        except (ConnectionError, socket.timeout):
            data = b""
    finally:
        conn.close()
    if data:
        assert data.startswith(b"HTTP/1.1 400"), data
    assert_healthy(daemon)


def test_garbage_authorization_is_incomplete_signature(daemon):
    for auth in ("garbage", "AWS4-HMAC-SHA256 garbage",
                 "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/sts/aws4_request"):
        r = daemon.http("POST", "/", GET_CALLER_IDENTITY_BODY,
                        {"Content-Type": FORM_CONTENT_TYPE, "Authorization": auth,
                         "X-Amz-Date": "20240101T000000Z"})
        assert r.status == 400, (auth, r)
        assert r.headers["content-type"].startswith("text/xml"), r
        err = xml_error(r.body)
        assert err["root"] == "ErrorResponse", (auth, r)
        assert err["Type"] == "Sender", (auth, r)
        assert err["Code"] == "IncompleteSignature", (auth, r)
        assert err["RequestId"] == r.headers["x-amzn-requestid"], r
        assert b'xmlns="https://sts.amazonaws.com/doc/2011-06-15/"' in r.body, r
    assert_healthy(daemon)


def _big_body():
    return (GET_CALLER_IDENTITY_BODY + "&Pad=" + "x" * (MAX_BODY + 100 * 1024)).encode()


def test_huge_query_body_is_413(daemon):
    """A client that sends all of a too-large body before reading still gets the 413 (the
    server may answer early; a send error on our side is tolerated, as urllib3 does)."""
    body = _big_body()
    conn = RawConnection(daemon.port, timeout=30)
    try:
        head = (f"POST / HTTP/1.1\r\nHost: {daemon.netloc}\r\nContent-Type: {FORM_CONTENT_TYPE}"
                f"\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        try:
            conn.send(head + body)
        except (BrokenPipeError, ConnectionResetError):
            pass
        response = conn.read_response()
    finally:
        conn.close()
    assert response.status == 413, response
    err = xml_error(response.body)
    assert err["Code"] == "RequestEntityTooLarge", response
    assert str(MAX_BODY) in err["Message"], response
    assert_healthy(daemon)


def test_huge_query_body_from_boto3_is_413(daemon):
    # botocore does not check maximum lengths, so a 1.1 MiB session policy goes on the wire.
    sts = daemon.client("sts")
    with pytest.raises(ClientError) as info:
        sts.assume_role(RoleArn="arn:aws:iam::000000000000:role/r", RoleSessionName="big",
                        Policy="x" * (MAX_BODY + 64 * 1024))
    response = info.value.response
    assert response["Error"]["Code"] == "RequestEntityTooLarge", response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 413, response
    assert_healthy(daemon)


def test_huge_body_with_expect_continue_is_refused_before_upload(daemon):
    body = _big_body()
    head = (f"POST / HTTP/1.1\r\nHost: {daemon.netloc}\r\nContent-Type: {FORM_CONTENT_TYPE}\r\n"
            f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n").encode()
    response, closed = exchange(daemon, head)
    assert response.status == 413, response
    assert xml_error(response.body)["Code"] == "RequestEntityTooLarge"
    assert closed


def test_huge_chunked_body_is_413(daemon):
    conn = RawConnection(daemon.port, timeout=30)
    try:
        conn.send(f"POST / HTTP/1.1\r\nHost: {daemon.netloc}\r\nContent-Type: {FORM_CONTENT_TYPE}"
                  f"\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
        chunk = b"x" * 0x8000
        for _ in range((MAX_BODY + 64 * 1024) // len(chunk) + 1):
            conn.send(b"8000\r\n" + chunk + b"\r\n")
        response = conn.read_response()
    finally:
        conn.close()
    assert response.status == 413, response
    assert xml_error(response.body)["Code"] == "RequestEntityTooLarge", response
    assert_healthy(daemon)


def test_expect_continue_is_honoured(daemon):
    req = daemon.sign()
    conn = RawConnection(daemon.port)
    try:
        conn.send(req.raw(body=b"", extra_headers=["Expect: 100-continue"]))
        interim = conn.read_response()
        assert interim.status == 100, interim
        conn.send(req.body)
        final = conn.read_response()
    finally:
        conn.close()
    assert final.status == 200, final
    assert f"<Account>{DEFAULT_ACCOUNT}</Account>".encode() in final.body


# --- services that do not exist -----------------------------------------------------------------


def test_signed_x_amz_target_for_unknown_json_service(daemon):
    req = daemon.sign(body="{}", service="dynamodb",
                      headers={"X-Amz-Target": "DynamoDB_20120810.ListTables",
                               "Content-Type": "application/x-amz-json-1.0"})
    r = daemon.send(req)
    assert r.status == 400, r
    body = r.json()
    assert body["__type"] == "UnknownService", body
    assert "dynamodb" in body["message"], body
    assert r.headers.get("x-amzn-errortype") == "UnknownService", r
    assert_healthy(daemon)


def test_unsigned_x_amz_target_for_unknown_json_service(daemon):
    """A JSON-protocol request (X-Amz-Target) for a service Gureum does not have must say so,
    not be taken for an S3 request."""
    r = daemon.http("POST", "/", "{}", {"X-Amz-Target": "DynamoDB_20120810.ListTables",
                                        "Content-Type": "application/x-amz-json-1.0"})
    assert 400 <= r.status < 500, r
    assert r.headers.get("x-amz-id-2") is None, f"answered as S3: {r}"
    body = json.loads(r.body)
    assert body["__type"] == "UnknownService", body
    assert_healthy(daemon)


# --- keep-alive and concurrency -----------------------------------------------------------------


def test_keep_alive_100_sequential_requests(daemon):
    conn = http.client.HTTPConnection("127.0.0.1", daemon.port, timeout=15)
    try:
        conn.connect()
        sock = conn.sock
        local = sock.getsockname()
        request_ids = set()
        for i in range(100):
            req = daemon.sign()
            conn.request("POST", "/", body=req.body, headers=req.headers)
            resp = conn.getresponse()
            body = resp.read()
            assert resp.status == 200, (i, body)
            assert f"<Account>{DEFAULT_ACCOUNT}</Account>".encode() in body, (i, body)
            assert (resp.getheader("Connection") or "").lower() != "close", (i, resp.getheaders())
            assert conn.sock is sock and sock.getsockname() == local, \
                f"request {i} needed a new connection"
            request_ids.add(resp.getheader("x-amzn-RequestId"))
        assert len(request_ids) == 100
    finally:
        conn.close()


def test_keep_alive_survives_error_responses(daemon):
    conn = RawConnection(daemon.port)
    try:
        conn.send(daemon.sign(secret_key="wrong").raw())
        assert conn.read_response().status == 403
        conn.send(daemon.sign(body="Action=Nope&Version=2011-06-15").raw())
        assert conn.read_response().status == 400
        conn.send(b"GET /_gureum/nope HTTP/1.1\r\nHost: x\r\n\r\n")
        assert conn.read_response().status == 404
        conn.send(daemon.sign().raw())
        ok = conn.read_response()
        assert ok.status == 200, ok
    finally:
        conn.close()


def test_pipelined_requests(daemon):
    reqs = [daemon.sign(), daemon.sign(access_key="111122223333"), daemon.sign()]
    conn = RawConnection(daemon.port)
    try:
        conn.send(b"".join(r.raw() for r in reqs))
        responses = [conn.read_response() for _ in reqs]
    finally:
        conn.close()
    assert [r.status for r in responses] == [200, 200, 200], responses
    assert b"<Account>000000000000</Account>" in responses[0].body
    assert b"<Account>111122223333</Account>" in responses[1].body
    assert b"<Account>000000000000</Account>" in responses[2].body


def test_50_concurrent_connections(daemon):
    n = 50
    barrier = threading.Barrier(n, timeout=30)
    results = [None] * n

    def worker(i):
        conn = http.client.HTTPConnection("127.0.0.1", daemon.port, timeout=30)
        try:
            req = daemon.sign(access_key=f"{100000000000 + i}")
            conn.connect()
            barrier.wait()
            conn.request("POST", "/", body=req.body, headers=req.headers)
            resp = conn.getresponse()
            results[i] = (resp.status, resp.read())
        except Exception as e:  # reported below
            results[i] = ("exception", repr(e))
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for i, result in enumerate(results):
        assert result is not None and result[0] == 200, (i, result)
        assert f"<Account>{100000000000 + i}</Account>".encode() in result[1], (i, result)


def test_still_healthy_after_everything(daemon):
    assert_healthy(daemon)
    assert daemon.client().get_caller_identity()["Account"] == DEFAULT_ACCOUNT
    assert not daemon.sanitizer_reports(), daemon.sanitizer_reports()
