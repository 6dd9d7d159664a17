"""Running the daemon: operations endpoints, request ids, logs, configuration, restarts and
graceful shutdown."""

import datetime
import json
import pathlib
import re
import signal
import socket
import subprocess
import time
import urllib.parse

import pytest
from botocore.exceptions import ClientError

from conftest import (DEFAULT_ACCOUNT, DEFAULT_ARN, GET_CALLER_IDENTITY_BODY, RawConnection,
                      _clean_env, gureum_binary, presign_url)

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def parse_iso(text: str) -> datetime.datetime:
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc)


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def run_gureum(args, env=None, timeout=60):
    full_env = _clean_env()
    full_env.update(env or {})
    return subprocess.run([gureum_binary()] + list(args), capture_output=True, text=True,
                          env=full_env, timeout=timeout)


def metric_value(text: str, name: str, labels: str = "") -> float:
    """The value of one sample, e.g. metric_value(t, "gureum_requests_total",
    '{service="sts",operation="GetCallerIdentity",status="200"}'); 0 when absent."""
    for line in text.splitlines():
        if line.startswith(name + labels + " "):
            return float(line.split(" ")[-1])
    return 0.0


def wait_for_metric(daemon, name, labels, predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        text = daemon.metrics()
        value = metric_value(text, name, labels)
        if predicate(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{name}{labels} = {value}, not as expected, after {timeout} s:\n"
                                 f"{text}")
        time.sleep(0.1)


# --- /_gureum/health ----------------------------------------------------------------------------


def test_health(daemon):
    r = daemon.http("GET", "/_gureum/health")
    assert r.status == 200, r
    assert r.headers["content-type"].startswith("application/json"), r
    h = r.json()
    assert h["status"] == "running"
    assert h["version"] == daemon.version
    assert isinstance(h["uptime_seconds"], (int, float)) and h["uptime_seconds"] >= 0
    assert h["clock_frozen"] is False
    assert abs((parse_iso(h["now"]) - utcnow()).total_seconds()) < 60
    services = h["services"]
    assert set(services) >= {"sts", "s3", "iam", "ec2", "rds", "cloudwatch", "rds-data"}, services
    for name in ("sts", "s3", "iam"):
        assert services[name]["state"] == "running", (name, services[name])
        assert services[name]["implemented_operations"] >= 1
    for name in ("ec2", "rds", "cloudwatch", "rds-data"):
        assert services[name]["state"] == "recognised", (name, services[name])
    assert services["sts"]["protocol"] == "query"
    assert services["s3"]["protocol"] == "rest-xml"


def test_health_methods_and_unknown_admin_path(daemon):
    r = daemon.http("POST", "/_gureum/health", b"")
    assert r.status == 405, r
    r = daemon.http("GET", "/_gureum/nope")
    assert r.status == 404, r
    assert "error" in r.json()


def test_version_subcommand_matches_ready_line(daemon):
    cp = run_gureum(["version"])
    assert cp.returncode == 0, cp
    assert cp.stdout.strip() == f"gureum {daemon.version}"


# --- /_gureum/metrics ---------------------------------------------------------------------------

GCI_200 = '{service="sts",operation="GetCallerIdentity",status="200"}'
GCI_403 = '{service="sts",operation="GetCallerIdentity",status="403"}'


def test_metrics_count_requests(daemon):
    before_ok = metric_value(daemon.metrics(), "gureum_requests_total", GCI_200)
    before_denied = metric_value(daemon.metrics(), "gureum_requests_total", GCI_403)
    sts = daemon.client("sts")
    for _ in range(3):
        assert sts.get_caller_identity()["Account"] == DEFAULT_ACCOUNT
    with pytest.raises(ClientError):
        daemon.client("sts", secret_key="wrong").get_caller_identity()
    wait_for_metric(daemon, "gureum_requests_total", GCI_200, lambda v: v == before_ok + 3)
    wait_for_metric(daemon, "gureum_requests_total", GCI_403, lambda v: v == before_denied + 1)


def test_metrics_exposition_format(daemon):
    daemon.client("sts").get_caller_identity()
    r = daemon.http("GET", "/_gureum/metrics")
    assert r.status == 200, r
    assert r.headers["content-type"].startswith("text/plain"), r
    text = r.text
    assert "# TYPE gureum_requests_total counter" in text
    assert "# TYPE gureum_open_connections gauge" in text
    assert re.search(r"^gureum_open_connections \d+$", text, re.M), text
    assert re.search(r"^gureum_uptime_seconds [0-9.e+-]+$", text, re.M), text
    sample = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})?'
                        r' [-+]?([0-9.]+([eE][-+]?[0-9]+)?|Inf|NaN)$')
    for line in text.splitlines():
        if line.startswith("#") or not line:
            continue
        assert sample.match(line), f"not a Prometheus sample: {line!r}"


def test_metrics_open_connections_gauge(fresh_daemon):
    d = fresh_daemon
    # Each metrics scrape is its own connection, counted while it is served.
    wait_for_metric(d, "gureum_open_connections", "", lambda v: v == 1)
    socks = [d.connect() for _ in range(5)]
    try:
        wait_for_metric(d, "gureum_open_connections", "", lambda v: v == 6)
    finally:
        for s in socks:
            s.close()
    wait_for_metric(d, "gureum_open_connections", "", lambda v: v == 1)


# --- /_gureum/reset -----------------------------------------------------------------------------


def test_reset(fresh_daemon):
    r = fresh_daemon.http("POST", "/_gureum/reset", b"")
    assert r.status == 200, r
    assert r.json() == {"reset": True}
    r = fresh_daemon.http("GET", "/_gureum/reset")
    assert r.status == 405, r
    # Accounts and their keys survive a reset.
    assert fresh_daemon.client().get_caller_identity()["Account"] == DEFAULT_ACCOUNT


# --- /_gureum/clock -----------------------------------------------------------------------------


def test_clock_get(fresh_daemon):
    c = fresh_daemon.clock()
    assert c["frozen"] is False
    assert abs(c["offset_seconds"]) < 1
    assert abs((parse_iso(c["now"]) - utcnow()).total_seconds()) < 5


def test_clock_freeze_advance_unfreeze_reset(fresh_daemon):
    d = fresh_daemon
    frozen = d.clock(freeze=True)
    assert frozen["frozen"] is True
    at = parse_iso(frozen["now"])
    time.sleep(1.2)
    assert parse_iso(d.clock()["now"]) == at, "a frozen clock must not move"
    assert d.health()["clock_frozen"] is True
    assert parse_iso(d.health()["now"]) == at

    advanced = d.clock(advance=90)
    assert parse_iso(advanced["now"]) == at + datetime.timedelta(seconds=90)
    assert advanced["frozen"] is True

    running = d.clock(unfreeze=True)
    assert running["frozen"] is False
    # Time resumes from where the frozen clock stood: about 90 s ahead of the real clock.
    assert 85 < running["offset_seconds"] < 95, running
    t1 = parse_iso(d.clock()["now"])
    time.sleep(0.3)
    assert parse_iso(d.clock()["now"]) > t1, "an unfrozen clock runs"

    back = d.clock(advance=-90)
    assert abs(back["offset_seconds"]) < 5, back

    reset = d.clock(reset=True)
    assert reset["frozen"] is False and abs(reset["offset_seconds"]) < 1, reset


def test_clock_freeze_at_time_sets_date_header(fresh_daemon):
    d = fresh_daemon
    c = d.clock(freeze="2030-01-02T03:04:05Z")
    assert c["frozen"] is True
    assert c["now"] == "2030-01-02T03:04:05.000Z", c
    r = d.http("GET", "/_gureum/health")
    assert r.headers["date"] == "Wed, 02 Jan 2030 03:04:05 GMT", r
    assert r.json()["now"] == "2030-01-02T03:04:05.000Z"
    # Clients sign with real clocks, and skew is judged against real time: a request signed
    # now still works while the daemon clock stands in 2030.
    assert d.send(d.sign()).status == 200
    d.clock(reset=True)
    assert d.send(d.sign()).status == 200


def test_clock_set_keeps_running(fresh_daemon):
    d = fresh_daemon
    c = d.clock(set="2031-06-01T12:00:00Z")
    assert c["frozen"] is False
    t = parse_iso(c["now"])
    assert abs((t - datetime.datetime(2031, 6, 1, 12, tzinfo=datetime.timezone.utc))
               .total_seconds()) < 2, c
    time.sleep(0.3)
    assert parse_iso(d.clock()["now"]) > t
    c = d.clock(freeze=True)
    c = d.clock(freeze=False)
    assert c["frozen"] is False


@pytest.mark.parametrize("body", ['{"advance": "soon"}', '{"freeze": "not a time"}',
                                  '{"set": 5}', "[1, 2]", "not json"])
def test_clock_rejects_bad_commands(daemon, body):
    status, answer = daemon.admin("POST", "clock", body)
    assert status == 400, answer
    assert "error" in answer
    c = daemon.clock()
    assert c["frozen"] is False and abs(c["offset_seconds"]) < 1, "a bad command changes nothing"


def test_clock_method_not_allowed(daemon):
    r = daemon.http("PUT", "/_gureum/clock", b"{}")
    assert r.status == 405, r


# --- request ids --------------------------------------------------------------------------------


def _request_variety(d):
    yield "health", d.http("GET", "/_gureum/health")
    yield "metrics", d.http("GET", "/_gureum/metrics")
    yield "admin 404", d.http("GET", "/_gureum/nope")
    yield "sts 200", d.send(d.sign())
    yield "sts 403", d.send(d.sign(secret_key="wrong"))
    yield "unsigned 403", d.http("POST", "/", GET_CALLER_IDENTITY_BODY,
                                 {"Content-Type": "application/x-www-form-urlencoded"})
    yield "iam 501", d.send(d.sign(body="Action=GetAccountSummary&Version=2010-05-08",
                                   service="iam"))
    yield "unknown service", d.send(d.sign(body="{}", service="dynamodb",
                                           headers={"X-Amz-Target": "DynamoDB_20120810.ListTables",
                                                    "Content-Type": "application/x-amz-json-1.0"}))
    yield "s3 501", d.http("GET", "/")


def test_every_response_carries_request_ids(daemon):
    seen = set()
    for what, r in _request_variety(daemon):
        assert "x-amzn-requestid" in r.headers, (what, r)
        assert "x-amz-request-id" in r.headers, (what, r)
        rid = r.headers["x-amzn-requestid"]
        assert r.headers["x-amz-request-id"] == rid, (what, r)
        assert UUID_RE.match(rid), (what, rid)
        assert rid not in seen, f"request id {rid} reused ({what})"
        seen.add(rid)
        if what.startswith("sts"):
            assert f"<RequestId>{rid}</RequestId>" in r.text, (what, r)


def test_rejected_request_carries_request_ids(daemon):
    conn = RawConnection(daemon.port)
    try:
        conn.send(b"NOT A REQUEST LINE\r\n\r\n")
        r = conn.read_response()
    finally:
        conn.close()
    assert r.status == 400, r
    assert UUID_RE.match(r.headers.get("x-amzn-requestid", "")), r
    assert r.headers.get("x-amz-request-id") == r.headers["x-amzn-requestid"], r


# --- access log ---------------------------------------------------------------------------------


def test_access_log_names_request_and_hides_secrets(make_daemon):
    d = make_daemon(args=["--log-level", "trace"])
    req = d.sign()
    authorization = req.headers["Authorization"]
    signature = authorization.rsplit("Signature=", 1)[1]
    r = d.send(req)
    assert r.status == 200, r
    rid = r.headers["x-amzn-requestid"]
    line = d.wait_for_stderr(re.escape(rid)).string
    assert "sts.GetCallerIdentity 200" in line, line
    assert "principal=" + DEFAULT_ARN in line, line

    bad = d.sign(secret_key="wrong")
    bad_signature = bad.headers["Authorization"].rsplit("Signature=", 1)[1]
    r = d.send(bad)
    assert r.status == 403
    bad_rid = r.headers["x-amzn-requestid"]
    bad_line = d.wait_for_stderr(re.escape(bad_rid)).string
    assert "sts.GetCallerIdentity 403" in bad_line and "error=SignatureDoesNotMatch" in bad_line

    url = presign_url(d.endpoint)
    query_signature = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["X-Amz-Signature"][0]
    r = d.http("GET", url.split(d.netloc, 1)[1])
    assert r.status == 200, r
    d.wait_for_stderr(re.escape(r.headers["x-amzn-requestid"]))

    assert d.stop() == 0
    log = d.stderr_text()
    for secret in (authorization, signature, bad_signature, query_signature, "X-Amz-Signature",
                   "X-Amz-Credential", "AWS4-HMAC-SHA256"):
        assert secret not in log, f"{secret!r} appears in the log:\n{log}"


def test_access_log_can_be_disabled(make_daemon):
    d = make_daemon(args=["--access-log=false"])
    r = d.send(d.sign())
    assert r.status == 200
    rid = r.headers["x-amzn-requestid"]
    assert d.stop() == 0
    assert rid not in d.stderr_text()
    assert "listening on" in d.stderr_text()


# --- JSON logs ----------------------------------------------------------------------------------


def _assert_every_line_is_json(d):
    raw = b"".join(p.read_bytes() for p in d.stderr_paths)
    lines = raw.split(b"\n")
    assert lines[-1] == b"", "stderr must end with a newline"
    records = []
    for line in lines[:-1]:
        try:
            records.append(json.loads(line.decode("utf-8")))
        except (UnicodeDecodeError, ValueError) as e:
            raise AssertionError(f"stderr line is not JSON ({e}): {line!r}")
        assert isinstance(records[-1], dict), line
    return records


def test_json_log_format(make_daemon):
    d = make_daemon(args=["--log-format", "json"])
    ok = d.send(d.sign())
    assert ok.status == 200
    assert d.send(d.sign(secret_key="wrong")).status == 403
    not_served = d.sign(body="Action=GetAccountSummary&Version=2010-05-08", service="iam")
    assert d.send(not_served).status == 501
    assert d.http("GET", '/odd"path\\with%22quotes').status in (400, 404, 501)
    conn = RawConnection(d.port)
    conn.send(b"BROKEN\r\n\r\n")
    assert conn.read_response().status == 400
    conn.close()
    d.wait_for_stderr(re.escape(ok.headers["x-amzn-requestid"]))
    assert d.stop() == 0
    records = _assert_every_line_is_json(d)
    access = [r for r in records if r.get("type") == "access"]
    assert any(r["request_id"] == ok.headers["x-amzn-requestid"] and r["status"] == 200 and
               r["service"] == "sts" and r["operation"] == "GetCallerIdentity" for r in access), access
    assert any(r.get("error") == "SignatureDoesNotMatch" for r in access), access
    assert any(r.get("path") == '/odd"path\\with%22quotes' for r in access), access
    others = [r for r in records if r.get("type") != "access"]
    assert others and all({"time", "level", "message"} <= set(r) for r in others), others
    assert any("listening on" in r["message"] for r in others)
    assert any("stopped" in r["message"] for r in others)


def test_json_log_with_non_utf8_request_path(make_daemon):
    """A path with bytes that are not UTF-8 must still give one JSON access line (and the
    connection must stay usable)."""
    d = make_daemon(args=["--log-format", "json"])
    conn = RawConnection(d.port)
    try:
        conn.send(b"GET /caf\xe9-\xff HTTP/1.1\r\nHost: x\r\n\r\n")
        first = conn.read_response()
        conn.send(b"GET /_gureum/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        second = conn.read_response()
    finally:
        conn.close()
    assert second.status == 200, second
    rid = first.headers["x-amzn-requestid"]
    assert d.stop() == 0
    records = _assert_every_line_is_json(d)
    assert any(r.get("type") == "access" and r.get("request_id") == rid for r in records), records


# --- state across restarts ----------------------------------------------------------------------


def test_accounts_add_and_restart_keep_state(make_daemon):
    d = make_daemon(start=False)
    cp = run_gureum(["accounts", "add", "--id", "444455556666", "--access-key-id",
                     "AKIAEXAMPLE444", "--secret-access-key", "sekrit", "--data-dir",
                     str(d.data_dir)])
    assert cp.returncode == 0, cp
    assert "444455556666" in cp.stdout, cp
    d.start()
    expected = {"UserId": "444455556666", "Account": "444455556666",
                "Arn": "arn:aws:iam::444455556666:root"}

    def check():
        out = d.client(access_key="AKIAEXAMPLE444", secret_key="sekrit").get_caller_identity()
        out.pop("ResponseMetadata")
        assert out == expected
        r = d.aws("sts", "get-caller-identity", access_key="AKIAEXAMPLE444", secret_key="sekrit")
        assert r.rc == 0, r
        assert r.json() == expected
        with pytest.raises(ClientError) as info:
            d.client(access_key="AKIAEXAMPLE444", secret_key="wrong").get_caller_identity()
        assert info.value.response["Error"]["Code"] == "SignatureDoesNotMatch"

    check()
    d.restart()
    check()
    d.restart()
    check()
    assert d.stop() == 0
    cp = run_gureum(["accounts", "list", "--data-dir", str(d.data_dir)])
    assert cp.returncode == 0, cp
    assert re.search(r"^444455556666\t", cp.stdout, re.M), cp.stdout
    assert re.search(r"^000000000000\t", cp.stdout, re.M), cp.stdout


def test_accounts_add_duplicate_fails(tmp_path):
    args = ["accounts", "add", "--id", "555566667777", "--access-key-id", "AKIADUP",
            "--secret-access-key", "s", "--data-dir", str(tmp_path / "data")]
    assert run_gureum(args).returncode == 0
    cp = run_gureum(args)
    assert cp.returncode != 0, cp
    assert "already exists" in cp.stderr, cp


def test_accounts_add_while_daemon_runs(fresh_daemon):
    d = fresh_daemon
    with pytest.raises(ClientError):  # unknown now (and possibly cached as unknown)
        d.client(access_key="AKIALIVEADD", secret_key="live").get_caller_identity()
    cp = run_gureum(["accounts", "add", "--id", "666677778888", "--access-key-id", "AKIALIVEADD",
                     "--secret-access-key", "live", "--data-dir", str(d.data_dir)])
    assert cp.returncode == 0, cp
    deadline = time.monotonic() + 10
    while True:
        try:
            out = d.client(access_key="AKIALIVEADD", secret_key="live").get_caller_identity()
            break
        except ClientError as e:
            if time.monotonic() > deadline:
                raise AssertionError(f"a key added while the daemon runs is still refused: "
                                     f"{e.response['Error']}")
            time.sleep(0.5)
    assert out["Account"] == "666677778888"


def test_ephemeral_data_dir_is_removed_at_exit(make_daemon):
    d = make_daemon(args=["--ephemeral"])
    assert d.ready_data_dir.endswith(", ephemeral"), d.ready_line
    path = d.ready_data_dir[:-len(", ephemeral")]
    assert path != str(d.data_dir)
    assert (pathlib.Path(path) / "catalog.db").exists()
    assert d.client().get_caller_identity()["Account"] == DEFAULT_ACCOUNT
    assert d.stop() == 0
    assert not pathlib.Path(path).exists(), "the ephemeral directory outlived the daemon"


# --- configuration ------------------------------------------------------------------------------


def _config_file(tmp_path, data_dir, log_level="warn", extra=""):
    path = tmp_path / "gureum.toml"
    path.write_text(f'''
listen = "127.0.0.1:0"
data_dir = "{data_dir}"
log_level = "{log_level}"
{extra}
[[accounts]]
id = "777788889999"
access_key_id = "AKIACONFIG777"
secret_access_key = "config-secret"
''')
    return path


def _check_config_account(d):
    out = d.client(access_key="AKIACONFIG777", secret_key="config-secret").get_caller_identity()
    assert out["Account"] == "777788889999"
    assert out["Arn"] == "arn:aws:iam::777788889999:root"


def test_config_file(make_daemon, tmp_path):
    data_dir = tmp_path / "from-config"
    path = _config_file(tmp_path, data_dir)
    d = make_daemon(args=["--config", str(path)], listen=False)
    assert d.port != 4566, "listen from the config file was ignored"
    assert d.ready_data_dir == str(data_dir), d.ready_line
    assert (data_dir / "catalog.db").exists()
    _check_config_account(d)
    assert d.client().get_caller_identity()["Account"] == DEFAULT_ACCOUNT
    assert d.stop() == 0
    # log_level = "warn": no info lines and no access lines.
    log = d.stderr_text()
    assert " info " not in log and " access " not in log, log


def test_config_file_from_gureum_config_env(make_daemon, tmp_path):
    data_dir = tmp_path / "via-env"
    path = _config_file(tmp_path, data_dir, log_level="info")
    d = make_daemon(env={"GUREUM_CONFIG": str(path)}, listen=False)
    assert d.ready_data_dir == str(data_dir), d.ready_line
    _check_config_account(d)
    d.wait_for_stderr(r" access .*sts\.GetCallerIdentity 200")


def test_precedence_file_env_flags(make_daemon, tmp_path):
    path = _config_file(tmp_path, tmp_path / "prec", log_level="warn", extra='log_format = "json"')
    # The environment overrides the file (info instead of warn); a flag overrides the
    # environment (text instead of json).
    d = make_daemon(args=["--config", str(path), "--log-format=text"],
                    env={"GUREUM_LOG_LEVEL": "info", "GUREUM_LOG_FORMAT": "json"}, listen=False)
    d.wait_for_stderr(r"^\d{4}-\d\d-\d\dT[\d:.]+Z info listening on ")


def test_gureum_environment_variables(make_daemon):
    d = make_daemon(env={"GUREUM_DEFAULT_ACCESS_KEY": "AKIAFROMENV",
                         "GUREUM_DEFAULT_SECRET_KEY": "env-secret",
                         "GUREUM_LOG_FORMAT": "json",
                         "GUREUM_REGION": "ap-northeast-2",
                         "GUREUM_MAX_REQUEST_BODY": "1KiB"})
    out = d.client(access_key="AKIAFROMENV", secret_key="env-secret").get_caller_identity()
    assert out["Account"] == DEFAULT_ACCOUNT
    with pytest.raises(ClientError) as info:
        d.client(access_key="test", secret_key="test").get_caller_identity()
    assert info.value.response["Error"]["Code"] == "InvalidClientTokenId"
    big = GET_CALLER_IDENTITY_BODY + "&Pad=" + "x" * 2048
    r = d.send(d.sign(body=big))
    assert r.status == 413, r
    assert d.stop() == 0
    _assert_every_line_is_json(d)


@pytest.mark.parametrize("env,args,needle", [
    ({"GUREUM_LOG_FORMAT": "xml"}, [], "log_format"),
    ({}, ["--max-request-body", "lots"], "max_request_body"),
    ({}, ["--no-such-flag"], "--no-such-flag"),
    ({"GUREUM_IDLE_TIMEOUT": "-5"}, [], "idle_timeout"),
])
def test_bad_settings_fail_clearly(tmp_path, env, args, needle):
    cp = run_gureum(["serve", "--listen", "127.0.0.1:0", "--data-dir", str(tmp_path / "d")] + args,
                    env=env, timeout=30)
    assert cp.returncode == 1, cp
    assert needle in cp.stderr, cp
    assert "ready at" not in cp.stdout


def test_bad_config_file_fails_clearly(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('listen = "127.0.0.1:0"\nno_such_key = 1\n')
    cp = run_gureum(["serve", "--config", str(path), "--data-dir", str(tmp_path / "d")])
    assert cp.returncode == 1, cp
    assert "no_such_key" in cp.stderr, cp


# --- graceful shutdown --------------------------------------------------------------------------


def _padded_get_caller_identity_body(length=100) -> str:
    """A GetCallerIdentity form body of exactly `length` bytes (letters percent-encoded, then
    empty trailing '&' pairs)."""
    action = "".join("%%%02X" % ord(c) for c in "GetCallerIdentity")
    body = f"Action={action}&Version=2011-06-15"
    assert len(body) <= length
    return body + "&" * (length - len(body))


def test_sigterm_lets_in_flight_request_finish(make_daemon):
    d = make_daemon()
    body = _padded_get_caller_identity_body(100).encode()
    req = d.sign(body=body)
    assert req.headers["Content-Length"] == "100"
    conn = RawConnection(d.port)
    try:
        conn.send(req.raw(body=body[:40]))
        time.sleep(0.3)  # the server has the head and waits for the rest of the body
        started = time.monotonic()
        d.send_signal(signal.SIGTERM)
        # Draining: the listener closes at once (new connections are refused) while our
        # request stays open.
        while True:
            try:
                socket.create_connection(("127.0.0.1", d.port), timeout=1).close()
            except OSError:
                break
            assert time.monotonic() - started < 1.5, "still accepting connections after SIGTERM"
            time.sleep(0.05)
        assert d.running
        time.sleep(0.2)
        assert time.monotonic() - started < 2
        conn.send(body[40:])
        resp = conn.read_response()
        assert resp.status == 200, resp
        assert f"<Account>{DEFAULT_ACCOUNT}</Account>".encode() in resp.body, resp
        assert resp.headers.get("connection", "").lower() == "close", resp
        assert conn.peer_closed(5)
    finally:
        conn.close()
    assert d.wait(timeout=15) == 0
    assert "shutting down" in d.stderr_text()


def test_sigterm_closes_idle_keep_alive_connections_at_once(make_daemon):
    d = make_daemon()
    conn = RawConnection(d.port)
    try:
        conn.send(d.sign().raw())
        assert conn.read_response().status == 200
        started = time.monotonic()
        d.send_signal(signal.SIGTERM)
        assert conn.peer_closed(5), "an idle keep-alive connection must be closed at shutdown"
    finally:
        conn.close()
    assert d.wait(timeout=10) == 0
    assert time.monotonic() - started < 5, "shutdown waited on an idle connection"


def test_drain_timeout_closes_stalled_requests(make_daemon):
    d = make_daemon(args=["--drain-timeout", "1"])
    conn = RawConnection(d.port)
    try:
        req = d.sign()
        conn.send(req.raw(body=req.body[:10]))  # never finishes its body
        time.sleep(0.3)
        started = time.monotonic()
        d.send_signal(signal.SIGTERM)
        assert d.wait(timeout=15) == 0
        assert time.monotonic() - started < 6
    finally:
        conn.close()
