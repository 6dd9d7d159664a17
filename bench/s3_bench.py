#!/usr/bin/python3
"""S3 benchmark: small-object throughput and CPU cost, large-object bandwidth, listing and
multipart uploads, memory during a 5 GiB upload, against the machine's own ceilings measured in
the same run (nginx serving a 4 KiB file; loopback TCP with iperf3; the disk with dd).

Requests are signed with SigV4 and verified by the daemon (wrk replays signed requests; the
daemon recomputes every signature). Needs wrk, nginx, iperf3 and curl (apt-get install wrk
nginx-light iperf3 curl).

usage: bench/s3_bench.py [--gureum build/release/src/gureum] [--seconds 10] [--skip-5g]
Prints one line per measurement; docs/performance.md records the results.
"""
import argparse
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials
from botocore.config import Config

CREDS = botocore.credentials.Credentials("test", "test")
REGION = "us-east-1"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_daemon(binary, data_dir):
    proc = subprocess.Popen([binary, "serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir,
                             "--access-log=false"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    m = re.search(r"http://127\.0\.0\.1:(\d+)", line)
    if not m:
        proc.kill()
        sys.exit("daemon did not start: " + line)
    return proc, int(m.group(1))


def status(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def signed(method, url, body=b"", headers=None):
    request = botocore.awsrequest.AWSRequest(method=method, url=url, data=body,
                                             headers=headers or {})
    request.headers["x-amz-content-sha256"] = hashlib.sha256(body).hexdigest()
    botocore.auth.S3SigV4Auth(CREDS, "s3", REGION).add_auth(request)
    return dict(request.headers.items())


def wrk(url, method, headers, body_file, connections, seconds):
    lua = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    lua.write(f'wrk.method = "{method}"\n')
    if body_file:
        lua.write(f'local f = io.open("{body_file}", "rb")\nwrk.body = f:read("*all")\nf:close()\n')
    for k, v in headers.items():
        if k.lower() in ("host", "content-length"):
            continue
        lua.write(f'wrk.headers["{k}"] = "{v}"\n')
    lua.close()
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s",
                          lua.name, url], capture_output=True, text=True).stdout
    os.unlink(lua.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, lat, int(errors.group(1)) if errors else 0


def nginx_ceiling(seconds):
    root = tempfile.mkdtemp()
    with open(os.path.join(root, "4k"), "wb") as f:
        f.write(os.urandom(4096))
    port = free_port()
    conf = os.path.join(root, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""worker_processes 1; daemon off; pid {root}/nginx.pid; error_log /dev/null;
events {{ worker_connections 1024; }}
http {{ access_log off; server {{ listen 127.0.0.1:{port}; root {root}; }} }}""")
    proc = subprocess.Popen(["nginx", "-c", conf, "-p", root], stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    try:
        results = {c: wrk(f"http://127.0.0.1:{port}/4k", "GET", {}, None, c, seconds)
                   for c in (16, 64)}
    finally:
        proc.send_signal(signal.SIGQUIT)
        proc.wait()
        shutil.rmtree(root, ignore_errors=True)
    return results


def loopback_mb_s():
    port = free_port()
    server = subprocess.Popen(["iperf3", "-s", "-p", str(port), "-1"], stdout=subprocess.DEVNULL)
    time.sleep(0.3)
    out = subprocess.run(["iperf3", "-c", "127.0.0.1", "-p", str(port), "-t", "5", "-f", "M"],
                         capture_output=True, text=True).stdout
    server.wait()
    m = re.findall(r"([\d.]+) MBytes/sec\s+receiver", out)
    return float(m[-1]) if m else 0.0


def disk_mb_s(directory):
    path = os.path.join(directory, "dd.bin")
    out = subprocess.run(["dd", "if=/dev/zero", f"of={path}", "bs=1M", "count=1024",
                          "conv=fdatasync"], capture_output=True, text=True).stderr
    os.unlink(path)
    m = re.search(r"([\d.]+) ([MG])B/s", out)
    if not m:
        return 0.0
    return float(m.group(1)) * (1000 if m.group(2) == "G" else 1)


def curl_mb_s(args, stdin=None):
    out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w",
                          "%{speed_upload} %{speed_download} %{http_code} %{size_upload}"] + args,
                         stdin=stdin, capture_output=True, text=True).stdout.split()
    return float(out[0]) / 1e6, float(out[1]) / 1e6, out[2]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gureum", default="build/release/src/gureum")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--skip-5g", action="store_true")
    args = parser.parse_args()
    for tool in ("wrk", "nginx", "iperf3", "curl"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing: apt-get install wrk nginx-light iperf3 curl")

    print(f"machine: {os.cpu_count()} cores; daemon and load generator share them")
    ceiling = nginx_ceiling(args.seconds)
    for c, (rps, lat, _) in ceiling.items():
        print(f"nginx 4 KiB GET ceiling, {c} connections: {rps:,.0f} req/s, p99 {lat.get('99')}")
    loopback = loopback_mb_s()
    data = tempfile.mkdtemp(prefix="gureum-bench-")
    disk = disk_mb_s(data)
    print(f"loopback TCP (iperf3): {loopback:,.0f} MB/s; disk write (dd, fdatasync): {disk:,.0f} MB/s")

    proc, port = start_daemon(args.gureum, data)
    endpoint = f"http://127.0.0.1:{port}"
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name=REGION, aws_access_key_id="test",
                      aws_secret_access_key="test", config=Config(signature_version="s3v4"))
    try:
        s3.create_bucket(Bucket="bench")
        small = os.path.join(data, "4k.bin")
        with open(small, "wb") as f:
            f.write(os.urandom(4096))
        body = open(small, "rb").read()
        s3.put_object(Bucket="bench", Key="small", Body=body)
        url = f"{endpoint}/bench/small"
        for c in (16, 64):
            for method in ("GET", "PUT"):
                headers = signed(method, url, body if method == "PUT" else b"")
                cpu0 = cpu_seconds(proc.pid)
                rps, lat, errors = wrk(url, method, headers, small if method == "PUT" else None,
                                       c, args.seconds)
                cpu = cpu_seconds(proc.pid) - cpu0
                share = rps / ceiling[c][0] * 100
                print(f"4 KiB {method}, {c} connections: {rps:,.0f} ops/s ({share:.0f}% of nginx), "
                      f"p50 {lat.get('50')}, p99 {lat.get('99')}, "
                      f"{cpu / (rps * args.seconds) * 1e6:.1f} us daemon CPU/op, non-2xx {errors}")

        big = os.path.join(data, "64m.bin")
        with open(big, "wb") as f:
            f.write(os.urandom(64 << 20))
        put_url = s3.generate_presigned_url("put_object", Params={"Bucket": "bench", "Key": "big"})
        get_url = s3.generate_presigned_url("get_object", Params={"Bucket": "bench", "Key": "big"})
        ups, downs = [], []
        for _ in range(3):
            up, _, code = curl_mb_s(["-T", big, put_url])
            ups.append(up)
            _, down, code2 = curl_mb_s([get_url])
            downs.append(down)
        best = min(loopback, disk) if disk else loopback
        print(f"64 MiB PUT: {max(ups):,.0f} MB/s ({max(ups) / best * 100:.0f}% of min(loopback, disk)); "
              f"GET: {max(downs):,.0f} MB/s ({max(downs) / loopback * 100:.0f}% of loopback)")

        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(lambda i: s3.put_object(Bucket="bench", Key=f"list/{i:05d}", Body=b"x"),
                          range(10000)))
        began = time.perf_counter()
        count = sum(page.get("KeyCount", 0) for page in
                    s3.get_paginator("list_objects_v2").paginate(Bucket="bench", Prefix="list/"))
        print(f"ListObjectsV2 of {count:,} keys (10 pages): {(time.perf_counter() - began) * 1000:.0f} ms")

        gib = os.path.join(data, "1g.bin")
        subprocess.run(["dd", "if=/dev/urandom", f"of={gib}", "bs=1M", "count=1024"],
                       capture_output=True)
        from boto3.s3.transfer import TransferConfig
        began = time.perf_counter()
        s3.upload_file(gib, "bench", "gib", Config=TransferConfig(multipart_chunksize=64 << 20,
                                                                  max_concurrency=4))
        elapsed = time.perf_counter() - began
        print(f"1 GiB multipart upload (boto3, 64 MiB parts, 4 threads): {elapsed:.1f} s, "
              f"{1024 / elapsed:,.0f} MB/s")
        os.unlink(gib)

        if not args.skip_5g:
            url5 = s3.generate_presigned_url("put_object", Params={"Bucket": "bench", "Key": "5g"})
            feeder = subprocess.Popen(["head", "-c", str(5 << 30), "/dev/zero"],
                                      stdout=subprocess.PIPE)
            began = time.perf_counter()
            up, _, code = curl_mb_s(["-T", "-", "-H", "Transfer-Encoding: chunked", url5],
                                    stdin=feeder.stdout)
            feeder.stdout.close()
            feeder.wait()
            size = s3.head_object(Bucket="bench", Key="5g")["ContentLength"] if code == "200" else 0
            print(f"5 GiB streamed PUT: {time.perf_counter() - began:.1f} s ({up:,.0f} MB/s), "
                  f"HTTP {code}, stored {size:,} bytes, "
                  f"peak daemon RSS {status(proc.pid, 'VmHWM') / 1024:.1f} MiB")
        print(f"daemon RSS now {status(proc.pid, 'VmRSS') / 1024:.1f} MiB")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
