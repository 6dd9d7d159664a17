"""Fixtures and helpers for the integration suites: they start the real `gureum serve` and drive
it with Debian's awscli (/usr/bin/aws), boto3/botocore (/usr/bin/python3) and the AWS SDK for
JavaScript v3 (node, with the packages installed in GUREUM_JS_DIR).

Everything talks to the daemon over loopback only. The aws-cli and node runners also carry a
guard against accidentally reaching the real AWS: the CLI gets a dead loopback HTTP(S) proxy for
every host but 127.0.0.1, and every JS client refuses to send to a host that is not loopback.
"""

import atexit
import contextlib
import datetime
import http.client
import importlib
import json
import os
import pathlib
import re
import selectors
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from typing import Dict, List, Optional, Sequence, Tuple

import boto3
import botocore.auth
import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent

DEFAULT_ACCOUNT = "000000000000"
DEFAULT_ARN = "arn:aws:iam::000000000000:root"
STS_VERSION = "2011-06-15"
GET_CALLER_IDENTITY_BODY = "Action=GetCallerIdentity&Version=2011-06-15"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"
AWS_CLI = "/usr/bin/aws"

READY_RE = re.compile(r"^Gureum (\S+) ready at http://127\.0\.0\.1:(\d+) \(data: (.*)\)\s*$")
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


# ------------------------------------------------------------------------------------------------
# Locations


def gureum_binary() -> str:
    path = os.environ.get("GUREUM_BIN") or str(REPO / "build" / "dev" / "src" / "gureum")
    if not os.access(path, os.X_OK):
        pytest.fail(f"gureum binary not found at {path} (set GUREUM_BIN)", pytrace=False)
    return path


def js_dir() -> pathlib.Path:
    path = pathlib.Path(os.environ.get("GUREUM_JS_DIR") or HERE / "js")
    if not (path / "node_modules" / "@aws-sdk" / "client-sts").is_dir():
        pytest.fail(f"{path}/node_modules has no @aws-sdk/client-sts (run npm ci there)",
                    pytrace=False)
    return path


def _clean_env() -> Dict[str, str]:
    """The environment of this process without anything that could steer a client or the daemon
    somewhere else: AWS_* and GUREUM_* settings, proxies, and pyenv's Python settings (which must
    not leak into Debian's /usr/bin/python3 running /usr/bin/aws)."""
    drop_prefixes = ("AWS_", "GUREUM_")
    drop = {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
            "NO_PROXY", "http_proxy", "https_proxy", "all_proxy", "no_proxy", "NODE_OPTIONS"}
    return {k: v for k, v in os.environ.items()
            if not k.startswith(drop_prefixes) and k not in drop}


_TOOL_HOME: Optional[pathlib.Path] = None


def tool_home() -> pathlib.Path:
    """An empty HOME for the aws cli and node (no ~/.aws config can interfere)."""
    global _TOOL_HOME
    if _TOOL_HOME is None:
        _TOOL_HOME = pathlib.Path(tempfile.mkdtemp(prefix="gureum-it-home-"))
        atexit.register(shutil.rmtree, str(_TOOL_HOME), True)
    return _TOOL_HOME


# ------------------------------------------------------------------------------------------------
# The daemon

_LIVE_DAEMONS: List["Daemon"] = []


class Daemon:
    """One `gureum serve` process (and its restarts) with a data directory and captured stderr."""

    def __init__(self, workdir: pathlib.Path, data_dir: Optional[pathlib.Path] = None,
                 args: Sequence[str] = (), env: Optional[Dict[str, str]] = None,
                 listen: bool = True, name: str = "gureum"):
        self.binary = gureum_binary()
        self.workdir = pathlib.Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.data_dir = pathlib.Path(data_dir) if data_dir is not None else self.workdir / "data"
        self.args = list(args)
        self.extra_env = dict(env or {})
        self.listen = listen
        self.name = name
        self.proc: Optional[subprocess.Popen] = None
        self.port: Optional[int] = None
        self.version: Optional[str] = None
        self.ready_line: Optional[str] = None
        self.ready_data_dir: Optional[str] = None
        self.stderr_paths: List[pathlib.Path] = []
        self.exit_codes: List[int] = []
        self.crashed_runs: List[int] = []  # indexes into exit_codes of runs ended by crash()
        self._stderr_file = None
        self._stdout_rest = b""
        self._stdout_thread: Optional[threading.Thread] = None

    # -- lifecycle ------------------------------------------------------------------------------

    def command(self) -> List[str]:
        cmd = [self.binary, "serve"]
        if self.listen:
            cmd += ["--listen", "127.0.0.1:0", "--data-dir", str(self.data_dir)]
        return cmd + self.args

    def start(self, timeout: float = 30.0) -> "Daemon":
        assert self.proc is None or self.proc.poll() is not None, "daemon already running"
        env = _clean_env()
        env.update(self.extra_env)
        stderr_path = self.workdir / f"{self.name}-stderr-{len(self.stderr_paths) + 1}.log"
        self.stderr_paths.append(stderr_path)
        self._stderr_file = open(stderr_path, "wb")
        self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=self._stderr_file, env=env,
                                     cwd=str(self.workdir))
        if self not in _LIVE_DAEMONS:
            _LIVE_DAEMONS.append(self)
        line = self._read_ready_line(timeout)
        match = READY_RE.match(line)
        if not match:
            self.kill()
            raise AssertionError(f"gureum did not print its ready line within {timeout} s; "
                                 f"stdout: {line!r}\nstderr:\n{self.stderr_text()}")
        self.ready_line = line.rstrip("\n")
        self.version, self.port, self.ready_data_dir = (match.group(1), int(match.group(2)),
                                                        match.group(3))
        # Keep draining stdout so the daemon can never block on a full pipe.
        self._stdout_thread = threading.Thread(target=self._drain_stdout, daemon=True)
        self._stdout_thread.start()
        return self

    def _read_ready_line(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        buf = b""
        fd = self.proc.stdout.fileno()
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while b"\n" not in buf:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                if not sel.select(min(left, 0.2)):
                    if self.proc.poll() is not None:
                        break
                    continue
                chunk = os.read(fd, 4096)
                if not chunk:
                    break
                buf += chunk
        line, _, rest = buf.partition(b"\n")
        self._stdout_rest = rest
        return line.decode("utf-8", "replace")

    def _drain_stdout(self):
        proc = self.proc
        try:
            while True:
                chunk = proc.stdout.read(4096)
                if not chunk:
                    break
                self._stdout_rest += chunk
        except (OSError, ValueError):
            pass

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def send_signal(self, sig: int):
        assert self.proc is not None
        self.proc.send_signal(sig)

    def wait(self, timeout: float = 30.0) -> int:
        """Waits for the daemon to exit; returns its exit code."""
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"gureum (pid {self.proc.pid}) did not exit within {timeout} s")
        self._finish_process(rc)
        return rc

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        """Sends `sig` (SIGTERM: graceful drain) and waits; returns the exit code."""
        if not self.running:
            return self.exit_codes[-1] if self.exit_codes else 0
        self.proc.send_signal(sig)
        return self.wait(timeout)

    def crash(self) -> int:
        """SIGKILLs the daemon on purpose (a crash: no drain, no cleanup) and waits for it. The
        teardown check does not count this run's exit code as a failure."""
        assert self.running, "daemon not running"
        self.proc.send_signal(signal.SIGKILL)
        rc = self.proc.wait(timeout=30)
        self._finish_process(rc)
        self.crashed_runs.append(len(self.exit_codes) - 1)
        return rc

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            rc = self.proc.wait()
            self._finish_process(rc)

    def _finish_process(self, rc: int):
        if self._stdout_thread is not None:
            self._stdout_thread.join(timeout=5)
            self._stdout_thread = None
        if self.proc.stdout:
            self.proc.stdout.close()
        if self._stderr_file is not None:
            self._stderr_file.close()
            self._stderr_file = None
            self.exit_codes.append(rc)

    def restart(self, timeout: float = 30.0) -> "Daemon":
        rc = self.stop()
        assert rc == 0, f"gureum exited with {rc} on SIGTERM before a restart\n{self.stderr_text()}"
        self.assert_sanitizers_clean()
        return self.start(timeout)

    # -- stderr ---------------------------------------------------------------------------------

    def stderr_text(self, run: Optional[int] = None) -> str:
        if self._stderr_file is not None:
            self._stderr_file.flush()
        paths = self.stderr_paths if run is None else [self.stderr_paths[run]]
        parts = []
        for p in paths:
            try:
                parts.append(p.read_bytes().decode("utf-8", "replace"))
            except FileNotFoundError:
                pass
        return "".join(parts)

    def stderr_lines(self, run: Optional[int] = None) -> List[str]:
        return self.stderr_text(run).splitlines()

    def sanitizer_reports(self) -> List[str]:
        return [l for l in self.stderr_lines() if any(m in l for m in SANITIZER_MARKERS)]

    def assert_sanitizers_clean(self):
        reports = self.sanitizer_reports()
        assert not reports, ("sanitizer reports in gureum's stderr:\n" + "\n".join(reports) +
                             "\n--- full stderr ---\n" + self.stderr_tail(400))

    def stderr_tail(self, lines: int = 200) -> str:
        all_lines = self.stderr_lines()
        cut = all_lines[-lines:]
        prefix = f"[... {len(all_lines) - len(cut)} earlier lines]\n" if len(cut) < len(all_lines) else ""
        return prefix + "\n".join(cut)

    def wait_for_stderr(self, pattern: str, timeout: float = 10.0) -> re.Match:
        """Waits until a stderr line matches the regex (the access log is flushed every second)."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            for line in self.stderr_lines():
                m = regex.search(line)
                if m:
                    return m
            if time.monotonic() > deadline:
                raise AssertionError(f"no stderr line matched {pattern!r} within {timeout} s; "
                                     f"stderr:\n{self.stderr_tail()}")
            time.sleep(0.1)

    # -- talking to it ----------------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def netloc(self) -> str:
        return f"127.0.0.1:{self.port}"

    def connect(self, timeout: float = 10.0) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)

    def http(self, method: str, path: str, body=None, headers: Optional[Dict[str, str]] = None,
             timeout: float = 15.0) -> "HttpResult":
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            if isinstance(body, str):
                body = body.encode()
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return HttpResult(resp.status, resp.getheaders(), resp.read())
        finally:
            conn.close()

    def admin(self, method: str, path: str, payload=None) -> Tuple[int, dict]:
        body = None if payload is None else (payload if isinstance(payload, (str, bytes))
                                             else json.dumps(payload))
        headers = {"Content-Type": "application/json"} if body is not None else {}
        r = self.http(method, "/_gureum/" + path.lstrip("/"), body, headers)
        try:
            return r.status, json.loads(r.body)
        except ValueError:
            raise AssertionError(f"/_gureum/{path} answered {r.status} with non-JSON {r.body!r}")

    def health(self) -> dict:
        status, body = self.admin("GET", "health")
        assert status == 200, body
        return body

    def metrics(self) -> str:
        r = self.http("GET", "/_gureum/metrics")
        assert r.status == 200, r.body
        return r.text

    def clock(self, **command) -> dict:
        status, body = self.admin("POST", "clock", command) if command else self.admin("GET", "clock")
        assert status == 200, body
        return body

    def client(self, service: str = "sts", **kwargs):
        return boto3_client(self.endpoint, service, **kwargs)

    def aws(self, *args, **kwargs) -> "CliResult":
        return run_aws(list(args), endpoint=self.endpoint, **kwargs)

    def sign(self, **kwargs) -> "SignedRequest":
        return sign_request(self.endpoint, **kwargs)

    def send(self, req: "SignedRequest", timeout: float = 15.0) -> "HttpResult":
        path = req.url.split(self.netloc, 1)[1] or "/"
        return self.http(req.method, path, req.body, req.headers, timeout=timeout)


class HttpResult:
    def __init__(self, status: int, headers, body: bytes):
        self.status = status
        self.header_list = list(headers)
        self.headers = {k.lower(): v for k, v in self.header_list}
        self.body = body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"HttpResult({self.status}, {self.header_list!r}, {self.body[:2000]!r})"


def _finalize(daemon: Daemon):
    """Teardown check: SIGTERM gives exit code 0, and no sanitizer reported anything."""
    try:
        problems = []
        if daemon.running:
            rc = daemon.stop()
        for i, rc in enumerate(daemon.exit_codes):
            if rc != 0 and i not in daemon.crashed_runs:
                problems.append(f"run {i + 1} of gureum exited with {rc}")
        reports = daemon.sanitizer_reports()
        if reports:
            problems.append("sanitizer reports:\n" + "\n".join(reports))
        if problems:
            raise AssertionError("; ".join(problems) + "\n--- gureum stderr ---\n" +
                                 daemon.stderr_tail(400))
    finally:
        daemon.kill()
        if daemon in _LIVE_DAEMONS:
            _LIVE_DAEMONS.remove(daemon)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and call.when in ("setup", "call"):
        if any(d.running for d in _LIVE_DAEMONS):
            time.sleep(1.2)  # the daemon's logger flushes info lines once a second
        for d in list(_LIVE_DAEMONS):
            report.sections.append((f"gureum stderr ({d.name}, {d.workdir})", d.stderr_tail()))


class DaemonFactory:
    def __init__(self, base: pathlib.Path):
        self.base = base
        self.daemons: List[Daemon] = []

    def __call__(self, args: Sequence[str] = (), env: Optional[Dict[str, str]] = None,
                 data_dir: Optional[pathlib.Path] = None, listen: bool = True,
                 start: bool = True) -> Daemon:
        n = len(self.daemons) + 1
        d = Daemon(self.base / f"daemon{n}", data_dir=data_dir, args=args, env=env,
                   listen=listen, name=f"gureum{n}")
        self.daemons.append(d)
        _LIVE_DAEMONS.append(d)
        if start:
            d.start()
        return d

    def finish(self):
        errors = []
        for d in self.daemons:
            try:
                _finalize(d)
            except AssertionError as e:
                errors.append(str(e))
        if errors:
            raise AssertionError("\n\n".join(errors))


@pytest.fixture
def make_daemon(tmp_path):
    """Factory for daemons private to one test: make_daemon(args=[...], env={...})."""
    factory = DaemonFactory(tmp_path)
    yield factory
    factory.finish()


@pytest.fixture
def fresh_daemon(make_daemon) -> Daemon:
    """A daemon of its own, for tests that change its clock or state."""
    return make_daemon()


@pytest.fixture(scope="module")
def daemon(tmp_path_factory) -> Daemon:
    """A daemon shared by a module's tests, which must leave its clock and state alone."""
    factory = DaemonFactory(tmp_path_factory.mktemp("shared"))
    d = factory()
    yield d
    factory.finish()


@pytest.fixture(scope="module")
def s3(daemon):
    """A boto3 S3 client (SigV4, default account) for the module's daemon."""
    return s3_client(daemon.endpoint)


# ------------------------------------------------------------------------------------------------
# boto3


def boto3_client(endpoint: str, service: str = "sts", region: str = "us-east-1",
                 access_key: str = "test", secret_key: str = "test", **config):
    """A boto3 client against the daemon, with retries disabled (exactly one attempt)."""
    settings = {"retries": {"total_max_attempts": 1}, "connect_timeout": 10, "read_timeout": 30}
    settings.update(config)
    cfg = Config(**settings)
    session = boto3.session.Session(aws_access_key_id=access_key, aws_secret_access_key=secret_key,
                                    region_name=region)
    return session.client(service, endpoint_url=endpoint, config=cfg)


# ------------------------------------------------------------------------------------------------
# aws cli


class CliResult:
    def __init__(self, args, rc: int, stdout: str, stderr: str):
        self.args, self.rc, self.stdout, self.stderr = args, rc, stdout, stderr

    def json(self):
        return json.loads(self.stdout)

    _ERROR = re.compile(r"^An error occurred \(([^)]+)\) when calling the (\w+) operation"
                        r"(?: \(reached max retries: \d+\))?: (.*)$", re.M)

    def _error(self):
        found = self._ERROR.findall(self.stderr)
        return found[-1] if found else None

    def error_code(self) -> Optional[str]:
        e = self._error()
        return e[0] if e else None

    def error_message(self) -> Optional[str]:
        e = self._error()
        return e[2] if e else None

    def http_statuses(self) -> List[int]:
        """HTTP statuses seen (only with --debug, from urllib3's connection log)."""
        return [int(s) for s in re.findall(r'"[A-Z]+ \S+ HTTP/1\.1" (\d{3})', self.stderr)]

    def __repr__(self):
        return (f"CliResult({self.args!r}, rc={self.rc}, stdout={self.stdout[-3000:]!r}, "
                f"stderr={self.stderr[-3000:]!r})")


# A proxy nobody listens on: any request the CLI would send anywhere but 127.0.0.1 fails locally.
DEAD_PROXY = "http://127.0.0.1:9"


def aws_env(access_key: str = "test", secret_key: str = "test", region: Optional[str] = "us-east-1",
            extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    home = tool_home()
    env = _clean_env()
    env.update({
        "AWS_ACCESS_KEY_ID": access_key,
        "AWS_SECRET_ACCESS_KEY": secret_key,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(home / "aws-config-none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "aws-credentials-none"),
        "AWS_PAGER": "",
        "AWS_RETRY_MODE": "standard",
        "AWS_MAX_ATTEMPTS": "1",
        "HOME": str(home),
        "HTTP_PROXY": DEAD_PROXY, "HTTPS_PROXY": DEAD_PROXY,
        "http_proxy": DEAD_PROXY, "https_proxy": DEAD_PROXY,
        "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
    })
    if region:
        env["AWS_DEFAULT_REGION"] = region
    env.update(extra or {})
    return env


def run_aws(args: List[str], endpoint: Optional[str] = None, access_key: str = "test",
            secret_key: str = "test", region: Optional[str] = "us-east-1",
            env: Optional[Dict[str, str]] = None, timeout: float = 120) -> CliResult:
    """Runs Debian's /usr/bin/aws; --endpoint-url is added when `endpoint` is given."""
    cmd = [AWS_CLI, "--output", "json"]
    if endpoint:
        cmd += ["--endpoint-url", endpoint]
    cmd += list(args)
    cp = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                        env=aws_env(access_key, secret_key, region, env), cwd=str(tool_home()))
    return CliResult(cmd, cp.returncode, cp.stdout, cp.stderr)


# ------------------------------------------------------------------------------------------------
# node (AWS SDK for JavaScript v3)

JS_LOOPBACK_GUARD = r"""
export function guard(client) {
  client.middlewareStack.add((next) => async (args) => {
    const host = args.request && args.request.hostname;
    if (host !== "127.0.0.1" && host !== "localhost") {
      throw new Error(`test guard: refusing to send a request to ${host}`);
    }
    return next(args);
  }, { step: "finalizeRequest", name: "gureumLoopbackGuard" });
  return client;
}
"""


def run_node(script: str, params=None, env: Optional[Dict[str, str]] = None,
             timeout: float = 120):
    """Runs an ES module inside GUREUM_JS_DIR (so its imports resolve against node_modules) and
    returns the JSON of the last line it prints. `params` reach it as
    JSON.parse(process.env.GUREUM_TEST_PARAMS); `./gureum-guard.mjs` exports guard(client)."""
    directory = js_dir()
    tag = uuid.uuid4().hex[:12]
    path = directory / f".gureum-test-{tag}.mjs"
    guard_path = directory / f".gureum-guard-{tag}.mjs"
    script = script.replace("./gureum-guard.mjs", f"./{guard_path.name}")
    full_env = _clean_env()
    full_env.update({"HOME": str(tool_home()), "AWS_EC2_METADATA_DISABLED": "true",
                     "AWS_CONFIG_FILE": str(tool_home() / "aws-config-none"),
                     "AWS_SHARED_CREDENTIALS_FILE": str(tool_home() / "aws-credentials-none"),
                     "GUREUM_TEST_PARAMS": json.dumps(params or {})})
    full_env.update(env or {})
    try:
        guard_path.write_text(JS_LOOPBACK_GUARD)
        path.write_text(script)
        cp = subprocess.run(["node", str(path)], capture_output=True, text=True, timeout=timeout,
                            env=full_env, cwd=str(directory))
    finally:
        for p in (path, guard_path):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
    lines = [l for l in cp.stdout.splitlines() if l.strip()]
    if cp.returncode != 0 or not lines:
        raise AssertionError(f"node exited with {cp.returncode}\nstdout:\n{cp.stdout}\n"
                             f"stderr:\n{cp.stderr}")
    try:
        return json.loads(lines[-1])
    except ValueError:
        raise AssertionError(f"node printed no JSON last line\nstdout:\n{cp.stdout}\n"
                             f"stderr:\n{cp.stderr}")


JS_GET_CALLER_IDENTITY = r"""
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { guard } from "./gureum-guard.mjs";
const p = JSON.parse(process.env.GUREUM_TEST_PARAMS);
const config = { maxAttempts: 1 };
if (p.region) config.region = p.region;
if (p.endpoint) config.endpoint = p.endpoint;
if (p.accessKeyId) config.credentials = { accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey };
const client = guard(new STSClient(config));
try {
  const out = await client.send(new GetCallerIdentityCommand({}));
  console.log(JSON.stringify({ ok: true, status: out.$metadata.httpStatusCode,
    requestId: out.$metadata.requestId, UserId: out.UserId, Account: out.Account, Arn: out.Arn }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, name: e.name, code: e.Code ?? e.code ?? null,
    status: e.$metadata ? e.$metadata.httpStatusCode : null, message: e.message,
    requestId: e.$metadata ? e.$metadata.requestId : null }));
}
"""


def js_get_caller_identity(endpoint: Optional[str], region: str = "us-east-1",
                           access_key: str = "test", secret_key: str = "test",
                           env: Optional[Dict[str, str]] = None):
    return run_node(JS_GET_CALLER_IDENTITY,
                    {"endpoint": endpoint, "region": region, "accessKeyId": access_key,
                     "secretAccessKey": secret_key}, env=env)


# ------------------------------------------------------------------------------------------------
# SigV4 signing with botocore, for raw HTTP


class SignedRequest:
    def __init__(self, method: str, url: str, headers: Dict[str, str], body: bytes):
        self.method, self.url, self.headers, self.body = method, url, headers, body

    def raw(self, body: Optional[bytes] = None, extra_headers: Sequence[str] = ()) -> bytes:
        """The request as HTTP/1.1 bytes (headers and, unless `body` overrides it, the body)."""
        netloc_path = self.url.split("://", 1)[1]
        target = "/" + netloc_path.split("/", 1)[1] if "/" in netloc_path else "/"
        lines = [f"{self.method} {target} HTTP/1.1"]
        for k, v in self.headers.items():
            lines.append(f"{k}: {v}")
        lines.extend(extra_headers)
        head = ("\r\n".join(lines) + "\r\n\r\n").encode()
        return head + (self.body if body is None else body)


class _FixedClock:
    """Stands in for the `datetime` module inside botocore's signers: utcnow() is `when`."""

    def __init__(self, when: datetime.datetime):
        fixed = when.astimezone(datetime.timezone.utc).replace(tzinfo=None)

        class _Datetime(datetime.datetime):
            @classmethod
            def utcnow(cls):
                return fixed

        self.datetime = _Datetime

    def __getattr__(self, name):
        return getattr(datetime, name)


@contextlib.contextmanager
def signing_time(when: Optional[datetime.datetime]):
    """Makes botocore sign as if the time were `when`: both its pure-Python SigV4 signers and,
    when awscrt is installed (boto3 clients then sign with CRT), botocore.crt.auth."""
    if when is None:
        yield
        return
    modules = [botocore.auth]
    try:
        modules.append(importlib.import_module("botocore.crt.auth"))
    except ImportError:
        pass
    originals = [(m, m.datetime) for m in modules]
    for m in modules:
        m.datetime = _FixedClock(when)
    try:
        yield
    finally:
        for m, original in originals:
            m.datetime = original


def sign_request(endpoint: str, body=GET_CALLER_IDENTITY_BODY, method: str = "POST",
                 path: str = "/", service: str = "sts", region: str = "us-east-1",
                 access_key: str = "test", secret_key: str = "test",
                 headers: Optional[Dict[str, str]] = None,
                 when: Optional[datetime.datetime] = None) -> SignedRequest:
    """A SigV4-signed request (header signature) built with botocore's SigV4Auth."""
    if isinstance(body, str):
        body = body.encode()
    all_headers = {"Content-Type": FORM_CONTENT_TYPE} if body else {}
    all_headers.update(headers or {})
    request = AWSRequest(method=method, url=endpoint.rstrip("/") + path, data=body,
                         headers=all_headers)
    with signing_time(when):
        SigV4Auth(Credentials(access_key, secret_key), service, region).add_auth(request)
    out = {"Host": endpoint.split("://", 1)[1].rstrip("/")}
    out.update({k: v for k, v in request.headers.items()})
    if body:
        out["Content-Length"] = str(len(body))
    return SignedRequest(method, request.url, out, body or b"")


def presign_url(endpoint: str, query: str = GET_CALLER_IDENTITY_BODY, service: str = "sts",
                region: str = "us-east-1", access_key: str = "test", secret_key: str = "test",
                expires: int = 60, when: Optional[datetime.datetime] = None) -> str:
    """A presigned GET URL (SigV4 query authentication) built with botocore's SigV4QueryAuth."""
    request = AWSRequest(method="GET", url=endpoint.rstrip("/") + "/?" + query)
    with signing_time(when):
        SigV4QueryAuth(Credentials(access_key, secret_key), service, region,
                       expires=expires).add_auth(request)
    return request.url


# ------------------------------------------------------------------------------------------------
# Raw HTTP/1.1 over sockets


class RawResponse:
    def __init__(self, status: int, reason: str, headers: List[Tuple[str, str]], body: bytes):
        self.status, self.reason, self.header_list, self.body = status, reason, headers, body
        self.headers = {k.lower(): v for k, v in headers}

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def __repr__(self):
        return f"RawResponse({self.status} {self.reason}, {self.header_list!r}, {self.body[:2000]!r})"


class RawConnection:
    """A socket with a buffered HTTP/1.1 response reader (Content-Length or chunked bodies)."""

    def __init__(self, port: int, timeout: float = 15.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def send(self, data: bytes):
        self.sock.sendall(data)

    def close(self):
        with contextlib.suppress(OSError):
            self.sock.close()

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        if not chunk:
            return False
        self.buf += chunk
        return True

    def read_until_closed(self) -> bytes:
        """Reads what is left until the peer closes (raises socket.timeout if it does not)."""
        while self._fill():
            pass
        data, self.buf = self.buf, b""
        return data

    def peer_closed(self, timeout: float) -> bool:
        """True when the server closes the connection (EOF or reset) within `timeout` seconds
        without sending anything more."""
        self.sock.settimeout(timeout)
        try:
            chunk = self.sock.recv(65536)
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False
        if chunk:
            self.buf += chunk
            return False
        return True

    def read_response(self, head_request: bool = False) -> RawResponse:
        while b"\r\n\r\n" not in self.buf:
            if not self._fill():
                raise ConnectionError(f"connection closed before a full response head: {self.buf!r}")
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        status, reason = int(parts[1]), parts[2] if len(parts) > 2 else ""
        headers = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
        hmap = {k.lower(): v for k, v in headers}
        body = b""
        if head_request or status < 200 or status in (204, 304):
            pass
        elif "chunked" in hmap.get("transfer-encoding", "").lower():
            while True:
                while b"\r\n" not in self.buf:
                    if not self._fill():
                        raise ConnectionError("connection closed inside a chunked body")
                size_line, self.buf = self.buf.split(b"\r\n", 1)
                size = int(size_line.split(b";")[0], 16)
                while len(self.buf) < size + 2:
                    if not self._fill():
                        raise ConnectionError("connection closed inside a chunk")
                body += self.buf[:size]
                self.buf = self.buf[size + 2:]
                if size == 0:
                    break
        elif "content-length" in hmap:
            length = int(hmap["content-length"])
            while len(self.buf) < length:
                if not self._fill():
                    raise ConnectionError(f"connection closed after {len(self.buf)} of {length} "
                                          f"body bytes")
            body, self.buf = self.buf[:length], self.buf[length:]
        else:
            body = self.read_until_closed()
        return RawResponse(status, reason, headers, body)


def xml_error(body: bytes) -> Dict[str, str]:
    """Code, Message, Type and RequestId of a Query-protocol <ErrorResponse> (namespace-blind)."""
    import xml.etree.ElementTree as ET
    root = ET.fromstring(body)

    def local(tag):
        return tag.rsplit("}", 1)[-1]

    out = {"root": local(root.tag)}
    for el in root.iter():
        name = local(el.tag)
        if name in ("Code", "Message", "Type", "RequestId", "RequestID") and name not in out:
            out[name] = (el.text or "")
    return out


# ------------------------------------------------------------------------------------------------
# S3


def unique_bucket(prefix: str = "it") -> str:
    """A bucket name nobody used before (3-63 lowercase characters)."""
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def s3_client(endpoint: str, region: str = "us-east-1", access_key: str = "test",
              secret_key: str = "test", **config):
    """A boto3 S3 client (SigV4) against the daemon, with retries disabled."""
    config.setdefault("signature_version", "s3v4")
    return boto3_client(endpoint, "s3", region=region, access_key=access_key,
                        secret_key=secret_key, **config)


def s3_error(exc) -> Tuple[str, int, str, Dict[str, str]]:
    """(code, HTTP status, message, lower-cased response headers) of a botocore ClientError."""
    resp = exc.response
    meta = resp.get("ResponseMetadata", {})
    headers = {k.lower(): v for k, v in meta.get("HTTPHeaders", {}).items()}
    err = resp.get("Error", {})
    return err.get("Code"), meta.get("HTTPStatusCode"), err.get("Message"), headers


def expect_s3_error(call, code: str, status: int, message: Optional[str] = None, **kwargs):
    """Calls a boto3 operation that must fail with this S3 error code and HTTP status (and
    message, when given); returns the error response."""
    with pytest.raises(ClientError) as e:
        call(**kwargs)
    got = s3_error(e.value)
    assert (got[0], got[1]) == (code, status), e.value.response
    if message is not None:
        assert got[2] == message, e.value.response
    return e.value.response


def s3_error_fields(body: bytes) -> Dict[str, str]:
    """Every child element of S3's <Error> document (Code, Message, BucketName, Key...)."""
    import xml.etree.ElementTree as ET
    root = ET.fromstring(body)
    assert root.tag.rsplit("}", 1)[-1] == "Error", body
    return {el.tag.rsplit("}", 1)[-1]: (el.text or "") for el in root}


class _S3HeaderAuth(botocore.auth.S3SigV4Auth):
    def __init__(self, credentials, service, region, unsigned_payload: bool):
        super().__init__(credentials, service, region)
        self._unsigned = unsigned_payload

    def _should_sha256_sign_payload(self, request):
        return not self._unsigned


class S3SignedRequest(SignedRequest):
    @property
    def target(self) -> str:
        netloc_path = self.url.split("://", 1)[1]
        return "/" + netloc_path.split("/", 1)[1] if "/" in netloc_path else "/"


def sign_s3(port: int, method: str, target: str, body: bytes = b"",
            headers: Optional[Dict[str, str]] = None, host: Optional[str] = None,
            region: str = "us-east-1", access_key: str = "test", secret_key: str = "test",
            unsigned_payload: bool = False, content_length: Optional[int] = None,
            when: Optional[datetime.datetime] = None) -> S3SignedRequest:
    """An S3 request signed with botocore's S3SigV4Auth. `target` is the request target exactly
    as sent (percent-encoded path and query); `host` is the Host header (default
    127.0.0.1:<port>), so virtual-hosted names can be addressed while the socket goes to
    loopback. `content_length` overrides the body's length (to send a body separately)."""
    host = host or f"127.0.0.1:{port}"
    url = f"http://{host}{target}"
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
    with signing_time(when):
        _S3HeaderAuth(Credentials(access_key, secret_key), "s3", region,
                      unsigned_payload).add_auth(request)
    out = {"Host": host}
    out.update({k: v for k, v in request.headers.items()})
    length = len(body) if content_length is None else content_length
    if length or method in ("PUT", "POST"):
        out["Content-Length"] = str(length)
    return S3SignedRequest(method, url, out, body)


def s3_send(port: int, req: S3SignedRequest, timeout: float = 30.0) -> HttpResult:
    """Sends a request from sign_s3 to 127.0.0.1:<port> (its Host header is kept)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.putrequest(req.method, req.target, skip_host=True, skip_accept_encoding=True)
        for k, v in req.headers.items():
            conn.putheader(k, v)
        conn.endheaders(req.body or None)
        resp = conn.getresponse()
        return HttpResult(resp.status, resp.getheaders(), resp.read())
    finally:
        conn.close()


def s3_request(daemon: "Daemon", method: str, target: str, body: bytes = b"",
               headers: Optional[Dict[str, str]] = None, **kwargs) -> HttpResult:
    """Signs (sign_s3) and sends one S3 request to the daemon."""
    return s3_send(daemon.port, sign_s3(daemon.port, method, target, body, headers, **kwargs))


def md5_hex(data: bytes) -> str:
    import hashlib
    return hashlib.md5(data).hexdigest()


def files_under(path: pathlib.Path) -> List[pathlib.Path]:
    """Regular files below `path` (none when it does not exist)."""
    if not path.exists():
        return []
    return sorted(p for p in path.rglob("*") if p.is_file())
