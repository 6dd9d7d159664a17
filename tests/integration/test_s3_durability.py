"""S3 state on disk: a daemon SIGKILLed in the middle of an upload keeps the previous version
intact and leaves no temporary or unreferenced data files after a restart; an object
overwritten or deleted while a GET streams it is still served whole; acknowledged writes
survive a crash; state survives restarts; POST /_gureum/reset drops it."""

import hashlib
import socket
import threading
import time
import urllib.request

import pytest
from botocore.exceptions import ClientError

from conftest import files_under, s3_client, s3_error, sign_s3, unique_bucket

MIB = 1024 * 1024
INLINE_LIMIT = 32 * 1024  # single uploads up to this size live in the catalog, not in files


def pattern(size: int, seed: int) -> bytes:
    block = hashlib.sha256(str(seed).encode()).digest() * 2048  # 64 KiB
    return (block * (size // len(block) + 1))[:size]


def s3_of(daemon):
    return s3_client(daemon.endpoint)


def tmp_files(daemon):
    return files_under(daemon.data_dir / "s3" / "tmp")


def data_files(daemon):
    return files_under(daemon.data_dir / "s3" / "objects")


def referenced_files(s3) -> int:
    """How many data files the catalog should reference, from the API: one per single-upload
    version larger than INLINE_LIMIT, N per multipart (ETag "...-N") version, one per part of
    pending uploads."""
    count = 0
    for bucket in s3.list_buckets()["Buckets"]:
        name = bucket["Name"]
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=name):
            for v in page.get("Versions", []):
                etag = v["ETag"].strip('"')
                if "-" in etag:
                    count += int(etag.rsplit("-", 1)[1])
                elif v["Size"] > INLINE_LIMIT:
                    count += 1
        for page in s3.get_paginator("list_multipart_uploads").paginate(Bucket=name):
            for u in page.get("Uploads", []):
                parts = s3.list_parts(Bucket=name, Key=u["Key"], UploadId=u["UploadId"])
                count += len(parts.get("Parts", []))
    return count


def assert_no_leftovers(daemon, s3):
    assert tmp_files(daemon) == []
    assert len(data_files(daemon)) == referenced_files(s3), (data_files(daemon),)


def start_raw_put(daemon, target, total, first_bytes):
    """Begins a PUT of `total` bytes (UNSIGNED-PAYLOAD) and sends only `first_bytes`;
    returns the socket."""
    req = sign_s3(daemon.port, "PUT", target, b"", unsigned_payload=True, content_length=total)
    sock = socket.create_connection(("127.0.0.1", daemon.port), timeout=30)
    sock.sendall(req.raw())
    sent = 0
    chunk = pattern(MIB, 99)
    while sent < first_bytes:
        sock.sendall(chunk)
        sent += len(chunk)
    return sock


def wait_for_staged_bytes(daemon, at_least, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sizes = [p.stat().st_size for p in tmp_files(daemon) if p.exists()]
        if sizes and max(sizes) >= at_least:
            return
        time.sleep(0.05)
    raise AssertionError(f"no temporary file of {at_least} bytes appeared: {tmp_files(daemon)}")


# --- crashes mid-upload -------------------------------------------------------------------------


def test_crash_during_overwrite_keeps_the_old_version(make_daemon):
    daemon = make_daemon()
    s3 = s3_of(daemon)
    name = unique_bucket("crash")
    s3.create_bucket(Bucket=name)
    old = pattern(3 * MIB + 17, 1)
    s3.put_object(Bucket=name, Key="victim", Body=old, Metadata={"generation": "old"})
    s3.put_object(Bucket=name, Key="bystander", Body=b"unrelated")

    sock = start_raw_put(daemon, f"/{name}/victim", 64 * MIB, 24 * MIB)
    wait_for_staged_bytes(daemon, 8 * MIB)
    assert len(tmp_files(daemon)) == 1
    daemon.crash()
    sock.close()

    daemon.start()
    s3 = s3_of(daemon)
    got = s3.get_object(Bucket=name, Key="victim")
    assert got["Body"].read() == old
    assert got["Metadata"] == {"generation": "old"}
    assert s3.get_object(Bucket=name, Key="bystander")["Body"].read() == b"unrelated"
    assert_no_leftovers(daemon, s3)
    assert len(data_files(daemon)) == 1  # the old victim's; the bystander is inline


def test_crash_during_first_write_of_a_key(make_daemon):
    daemon = make_daemon()
    s3 = s3_of(daemon)
    name = unique_bucket("crash")
    s3.create_bucket(Bucket=name)
    sock = start_raw_put(daemon, f"/{name}/never", 32 * MIB, 12 * MIB)
    wait_for_staged_bytes(daemon, 4 * MIB)
    daemon.crash()
    sock.close()
    daemon.start()
    s3 = s3_of(daemon)
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=name, Key="never")
    assert s3_error(e.value)[1] == 404
    assert s3.list_objects_v2(Bucket=name)["KeyCount"] == 0
    assert_no_leftovers(daemon, s3)
    assert data_files(daemon) == []


def test_crash_during_upload_part(make_daemon):
    daemon = make_daemon()
    s3 = s3_of(daemon)
    name = unique_bucket("crash")
    s3.create_bucket(Bucket=name)
    upload_id = s3.create_multipart_upload(Bucket=name, Key="mp")["UploadId"]
    part1 = pattern(5 * MIB, 2)
    etag1 = s3.upload_part(Bucket=name, Key="mp", UploadId=upload_id, PartNumber=1,
                           Body=part1)["ETag"]
    sock = start_raw_put(daemon, f"/{name}/mp?partNumber=2&uploadId={upload_id}", 40 * MIB,
                         16 * MIB)
    wait_for_staged_bytes(daemon, 4 * MIB)
    daemon.crash()
    sock.close()

    daemon.start()
    s3 = s3_of(daemon)
    parts = s3.list_parts(Bucket=name, Key="mp", UploadId=upload_id)["Parts"]
    assert [(p["PartNumber"], p["ETag"]) for p in parts] == [(1, etag1)]
    assert_no_leftovers(daemon, s3)
    part2 = pattern(1000, 3)
    etag2 = s3.upload_part(Bucket=name, Key="mp", UploadId=upload_id, PartNumber=2,
                           Body=part2)["ETag"]
    s3.complete_multipart_upload(Bucket=name, Key="mp", UploadId=upload_id, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": etag1}, {"PartNumber": 2, "ETag": etag2}]})
    assert s3.get_object(Bucket=name, Key="mp")["Body"].read() == part1 + part2
    assert_no_leftovers(daemon, s3)


def test_acknowledged_writes_survive_a_crash(make_daemon):
    daemon = make_daemon()
    s3 = s3_of(daemon)
    name = unique_bucket("acked")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    written = {}
    for i in range(20):
        body = pattern(1000 + i * 5000, 100 + i)
        out = s3.put_object(Bucket=name, Key=f"k{i % 7}", Body=body)
        written[out["VersionId"]] = (f"k{i % 7}", body)
    marker = s3.delete_object(Bucket=name, Key="k6")["VersionId"]
    daemon.crash()
    daemon.start()
    s3 = s3_of(daemon)
    for vid, (key, body) in written.items():
        assert s3.get_object(Bucket=name, Key=key, VersionId=vid)["Body"].read() == body
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=name, Key="k6")
    assert s3_error(e.value)[3]["x-amz-version-id"] == marker
    assert_no_leftovers(daemon, s3)


def test_restart_removes_stray_files(make_daemon):
    # What a crash between publishing a data file and committing its record leaves behind, and
    # a half-written temporary file: both go at the next start; referenced files stay.
    daemon = make_daemon()
    s3 = s3_of(daemon)
    name = unique_bucket("stray")
    s3.create_bucket(Bucket=name)
    kept = pattern(INLINE_LIMIT + 1, 8)  # large enough for a data file of its own
    s3.put_object(Bucket=name, Key="kept", Body=kept)
    daemon.stop()
    objects = daemon.data_dir / "s3" / "objects"
    stray_dir = objects / "ff"
    stray_dir.mkdir(parents=True, exist_ok=True)
    (stray_dir / ("ff" + "0" * 30)).write_bytes(b"orphan")
    (objects / data_files(daemon)[0].parent.name / ("e" * 32)).write_bytes(b"orphan too")
    (daemon.data_dir / "s3" / "tmp" / ("d" * 32)).write_bytes(b"half written")
    assert len(data_files(daemon)) == 3
    daemon.start()
    s3 = s3_of(daemon)
    assert s3.get_object(Bucket=name, Key="kept")["Body"].read() == kept
    assert len(data_files(daemon)) == 1
    assert_no_leftovers(daemon, s3)


# --- reads racing writes ------------------------------------------------------------------------


class SlowGet:
    """A signed GET whose response is read in small steps through a small receive buffer, so
    the daemon is still streaming while the test changes the object."""

    def __init__(self, daemon, target):
        req = sign_s3(daemon.port, "GET", target)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        self.sock.settimeout(30)
        self.sock.connect(("127.0.0.1", daemon.port))
        self.sock.sendall(req.raw())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            assert chunk, self.buf
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = {l.split(":", 1)[0].lower(): l.split(":", 1)[1].strip()
                        for l in lines[1:]}
        self.length = int(self.headers["content-length"])
        self.consumed = 0

    def read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        self.consumed += len(out)
        return out

    def rest(self):
        data = self.read(self.length - self.consumed)
        self.sock.close()
        return data


@pytest.mark.parametrize("change", ["overwrite", "delete", "overwrite-multipart"])
def test_object_changed_while_a_get_streams_it(make_daemon, change):
    daemon = make_daemon()
    s3 = s3_of(daemon)
    name = unique_bucket("race")
    s3.create_bucket(Bucket=name)
    if change == "overwrite-multipart":
        upload_id = s3.create_multipart_upload(Bucket=name, Key="k")["UploadId"]
        chunks = [pattern(8 * MIB, 10 + n) for n in range(4)]
        parts = [{"PartNumber": n + 1, "ETag": s3.upload_part(
            Bucket=name, Key="k", UploadId=upload_id, PartNumber=n + 1, Body=c)["ETag"]}
            for n, c in enumerate(chunks)]
        s3.complete_multipart_upload(Bucket=name, Key="k", UploadId=upload_id,
                                     MultipartUpload={"Parts": parts})
        old = b"".join(chunks)
    else:
        old = pattern(40 * MIB, 5)
        s3.put_object(Bucket=name, Key="k", Body=old)

    get = SlowGet(daemon, f"/{name}/k")
    assert get.status == 200 and get.length == len(old)
    first = get.read(MIB)
    new = b"replacement bytes"
    if change == "delete":
        s3.delete_object(Bucket=name, Key="k")
    else:
        s3.put_object(Bucket=name, Key="k", Body=new)
    # New readers see the change at once...
    if change == "delete":
        with pytest.raises(ClientError):
            s3.head_object(Bucket=name, Key="k")
    else:
        assert s3.get_object(Bucket=name, Key="k")["Body"].read() == new
    # ...while the reader that started before gets every old byte.
    data = first + get.rest()
    assert len(data) == len(old)
    assert hashlib.md5(data).hexdigest() == hashlib.md5(old).hexdigest()
    # Once it is done, the old files go (the small replacement lives in the catalog).
    expected = 0
    deadline = time.monotonic() + 10
    while len(data_files(daemon)) != expected and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(data_files(daemon)) == expected, data_files(daemon)
    assert_no_leftovers(daemon, s3)


def test_concurrent_overwrites_and_reads(make_daemon):
    daemon = make_daemon()
    s3 = s3_of(daemon)
    name = unique_bucket("churn")
    s3.create_bucket(Bucket=name)
    bodies = [pattern(300 * 1024 + i, 200 + i) for i in range(6)]
    digests = {hashlib.md5(b).hexdigest() for b in bodies}
    s3.put_object(Bucket=name, Key="hot", Body=bodies[0])
    errors = []
    stop = threading.Event()

    reads = []

    def writer():
        client = s3_of(daemon)
        i = 0
        while not stop.is_set():
            i += 1
            client.put_object(Bucket=name, Key="hot", Body=bodies[i % len(bodies)])

    def reader():
        client = s3_of(daemon)
        while not stop.is_set():
            got = client.get_object(Bucket=name, Key="hot")
            data = got["Body"].read()
            digest = hashlib.md5(data).hexdigest()
            reads.append(digest)
            if digest not in digests or got["ETag"].strip('"') != digest:
                errors.append((len(data), got["ETag"]))

    def guarded(fn):
        def run():
            try:
                fn()
            except Exception as e:  # noqa: BLE001 - any failure fails the test
                errors.append(repr(e))
                stop.set()
        return run

    threads = [threading.Thread(target=guarded(writer))] + [
        threading.Thread(target=guarded(reader)) for _ in range(3)]
    for t in threads:
        t.start()
    time.sleep(6)
    stop.set()
    for t in threads:
        t.join(30)
    assert errors == []
    assert len(reads) > 10 and len(set(reads)) > 1, "the readers saw the writer's changes"
    time.sleep(0.5)
    assert_no_leftovers(daemon, s3)
    assert len(data_files(daemon)) == 1


# --- restarts and reset -------------------------------------------------------------------------


def test_state_survives_a_restart(make_daemon):
    daemon = make_daemon()
    s3 = s3_of(daemon)
    east, seoul = unique_bucket("keep"), unique_bucket("keep")
    s3.create_bucket(Bucket=east)
    s3_client(daemon.endpoint, region="ap-northeast-2").create_bucket(
        Bucket=seoul, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})
    s3.put_bucket_versioning(Bucket=seoul, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=east, Key="meta", Body=b"with metadata", ContentType="text/plain",
                  Metadata={"k": "v"}, Tagging="a=1", ChecksumAlgorithm="CRC32")
    s3.put_object(Bucket=east, Key="public", Body=b"public", ACL="public-read")
    v1 = s3.put_object(Bucket=seoul, Key="v", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=seoul, Key="v", Body=b"two")["VersionId"]
    upload_id = s3.create_multipart_upload(Bucket=east, Key="pending")["UploadId"]
    etag = s3.upload_part(Bucket=east, Key="pending", UploadId=upload_id, PartNumber=1,
                          Body=b"part one")["ETag"]
    before = s3.head_object(Bucket=east, Key="meta", ChecksumMode="ENABLED")

    daemon.restart()
    s3 = s3_of(daemon)
    assert {east, seoul} <= {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert s3.get_bucket_location(Bucket=seoul)["LocationConstraint"] == "ap-northeast-2"
    assert s3.get_bucket_versioning(Bucket=seoul)["Status"] == "Enabled"
    after = s3.head_object(Bucket=east, Key="meta", ChecksumMode="ENABLED")
    for field in ("ETag", "LastModified", "ContentType", "Metadata", "ChecksumCRC32",
                  "ContentLength"):
        assert after[field] == before[field], field
    assert s3.get_object_tagging(Bucket=east, Key="meta")["TagSet"] == [
        {"Key": "a", "Value": "1"}]
    assert s3.get_object(Bucket=east, Key="meta")["Body"].read() == b"with metadata"
    assert [v["VersionId"] for v in s3.list_object_versions(Bucket=seoul)["Versions"]] == [v2,
                                                                                          v1]
    assert s3.get_object(Bucket=seoul, Key="v", VersionId=v1)["Body"].read() == b"one"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"{daemon.endpoint}/{east}/public", timeout=10) as resp:
        assert resp.read() == b"public"
    # The pending upload can still be completed.
    s3.complete_multipart_upload(Bucket=east, Key="pending", UploadId=upload_id,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
    assert s3.get_object(Bucket=east, Key="pending")["Body"].read() == b"part one"
    # New versions after the restart sort after the old ones.
    v3 = s3.put_object(Bucket=seoul, Key="v", Body=b"three")["VersionId"]
    assert [v["VersionId"] for v in s3.list_object_versions(Bucket=seoul)["Versions"]] == [
        v3, v2, v1]
    assert s3.get_object(Bucket=seoul, Key="v")["Body"].read() == b"three"
    assert_no_leftovers(daemon, s3)


def test_reset_removes_buckets_and_objects(make_daemon):
    daemon = make_daemon()
    s3 = s3_of(daemon)
    names = [unique_bucket("reset") for _ in range(3)]
    for n in names:
        s3.create_bucket(Bucket=n)
        s3.put_object(Bucket=n, Key="obj", Body=pattern(100000, 7))
    upload_id = s3.create_multipart_upload(Bucket=names[0], Key="mp")["UploadId"]
    s3.upload_part(Bucket=names[0], Key="mp", UploadId=upload_id, PartNumber=1, Body=b"x")
    other = s3_client(daemon.endpoint, access_key="111122223333")
    theirs = unique_bucket("reset")
    other.create_bucket(Bucket=theirs)
    assert len(data_files(daemon)) == 4

    status, body = daemon.admin("POST", "reset")
    assert status == 200 and body == {"reset": True}
    assert s3.list_buckets()["Buckets"] == []
    assert other.list_buckets()["Buckets"] == []
    for n in names:
        with pytest.raises(ClientError) as e:
            s3.head_bucket(Bucket=n)
        assert s3_error(e.value)[1] == 404
    assert data_files(daemon) == [] and tmp_files(daemon) == []
    # The names are free again, for anyone.
    other.create_bucket(Bucket=names[0])
    s3.create_bucket(Bucket=theirs)
    assert s3.list_objects_v2(Bucket=theirs)["KeyCount"] == 0
    # And a reset survives a restart.
    daemon.restart()
    s3 = s3_of(daemon)
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [theirs]
