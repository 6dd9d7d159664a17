#!/usr/bin/python3
"""STS benchmark: startup time, idle memory, GetCallerIdentity throughput and latency.

Every request carries a full SigV4 signature that the daemon verifies (the signature is computed
once here and replayed: the daemon recomputes the canonical request and HMAC for each request,
exactly as for a fresh signature).

usage: bench/sts_bench.py [--gureum build/release/src/gureum] [--seconds 10]
Prints one line per measurement; docs/performance.md records the results.
"""
import argparse
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import botocore.auth
import botocore.awsrequest
import botocore.credentials

BODY = "Action=GetCallerIdentity&Version=2011-06-15"


def start(binary, data_dir, extra=()):
    began = time.perf_counter()
    proc = subprocess.Popen([binary, "serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir,
                             *extra], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:(\d+)", line)
    if not match:
        proc.kill()
        sys.exit("daemon did not print its ready line: " + line)
    return proc, int(match.group(1)), began


def signed_headers(port):
    request = botocore.awsrequest.AWSRequest(
        method="POST", url=f"http://127.0.0.1:{port}/", data=BODY,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    creds = botocore.credentials.Credentials("test", "test")
    botocore.auth.SigV4Auth(creds, "sts", "us-east-1").add_auth(request)
    return dict(request.headers.items())


def raw_request(port, headers):
    lines = [f"POST / HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    for k, v in headers.items():
        if k.lower() != "host":
            lines.append(f"{k}: {v}")
    lines.append(f"Content-Length: {len(BODY)}")
    return ("\r\n".join(lines) + "\r\n\r\n" + BODY).encode()


def first_answer_ms(binary):
    """Time from exec to the first answered, signature-verified GetCallerIdentity."""
    with tempfile.TemporaryDirectory() as data:
        # A fixed port is needed to sign before the daemon exists; find a free one first.
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        payload = raw_request(port, signed_headers(port))
        began = time.perf_counter()
        proc = subprocess.Popen([binary, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir",
                                 data], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1) as c:
                        c.sendall(payload)
                        reply = c.recv(65536)
                        if reply.startswith(b"HTTP/1.1 200"):
                            return (time.perf_counter() - began) * 1000
                except OSError:
                    time.sleep(0.0005)
                if time.perf_counter() - began > 10:
                    sys.exit("daemon did not answer within 10 s")
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait()


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(port, headers, connections, seconds):
    lua = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    lua.write('wrk.method = "POST"\n')
    lua.write(f'wrk.body = "{BODY}"\n')
    for k, v in headers.items():
        if k.lower() in ("host", "content-length"):
            continue
        lua.write(f'wrk.headers["{k}"] = "{v}"\n')
    lua.close()
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s",
                          lua.name, f"http://127.0.0.1:{port}/"], capture_output=True, text=True)
    os.unlink(lua.name)
    text = out.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    lat = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", text, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return rps, lat, int(errors.group(1)) if errors else 0, text


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gureum", default="build/release/src/gureum")
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")

    print(f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"{platform.platform()}")
    starts = sorted(first_answer_ms(args.gureum) for _ in range(5))
    print(f"startup to first answered GetCallerIdentity: median {statistics.median(starts):.1f} ms "
          f"(min {starts[0]:.1f}, max {starts[-1]:.1f}, 5 runs)")

    for label, extra in (("access log on", ()), ("access log off", ("--access-log=false",))):
        with tempfile.TemporaryDirectory() as data:
            proc, port, _ = start(args.gureum, data, extra)
            try:
                headers = signed_headers(port)
                with socket.create_connection(("127.0.0.1", port)) as c:
                    c.sendall(raw_request(port, headers))
                    c.recv(65536)
                time.sleep(1)
                if not extra:
                    print(f"idle RSS after first request: {rss_kib(proc.pid) / 1024:.1f} MiB")
                for connections in (64,):
                    cpu0 = cpu_seconds(proc.pid)
                    rps, lat, errors, text = wrk(port, headers, connections, args.seconds)
                    cpu = cpu_seconds(proc.pid) - cpu0
                    total = rps * args.seconds
                    print(f"GetCallerIdentity ({label}), {connections} connections: {rps:,.0f} req/s, "
                          f"p50 {lat.get('50')}, p99 {lat.get('99')}, non-2xx {errors}, "
                          f"daemon CPU {cpu / total * 1e6:.1f} us/request, "
                          f"peak RSS {rss_kib(proc.pid) / 1024:.1f} MiB")
            finally:
                proc.send_signal(signal.SIGTERM)
                proc.wait()


if __name__ == "__main__":
    main()
