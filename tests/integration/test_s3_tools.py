"""S3 with the command-line tools users point at Gureum besides the AWS SDKs: Debian's rclone
(1.60) and s3cmd (2.3). Directory trees with nested directories, empty files, spaces and unicode
in names go up and come back byte for byte; single-part and multipart uploads (forced with small
cutoffs) are checked against boto3's view of the bucket (keys, sizes, ETags, metadata); listings,
mod times, md5 checks, sync with deletions, server-side copies, versions, ACLs with anonymous
reads, presigned URLs, and the failures a bad path or a bad key must show. s3cmd runs with both
SigV4 and SigV2.

Each tool is configured only through files and environment inside the test's tmp dir (never the
user's home); a tool's tests are skipped only when its binary is missing (scripts/setup-deps
--test installs both)."""

import base64
import datetime
import filecmp
import hashlib
import json
import os
import pathlib
import random
import re
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from typing import Dict, List, Optional

import pytest
from botocore.exceptions import ClientError

from conftest import DEAD_PROXY, _clean_env, md5_hex, s3_error, unique_bucket

MIB = 1024 * 1024
RCLONE = shutil.which("rclone")
S3CMD = shutil.which("s3cmd")

# urllib without any proxy from the environment: anonymous and presigned requests go straight to
# the daemon on loopback.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

# Names that exercise the encoding of keys in paths, listings and signatures.
TREE_FILES = {
    "top.txt": b"top level\n",
    "empty.bin": b"",
    "nested/a/b/c/deep.txt": b"deep inside\n" * 10,
    "nested/a/empty-inside": b"",
    "with space/file name with spaces.txt": b"spaces are fine\n",
    "unicodé/ünï cødé 名前 ☃.txt": "snowman ☃ 雪だるま\n".encode(),
    "unicodé/emoji-😀.dat": bytes(range(256)) * 4,
    "punct/plus+and&amp=eq;semi,comma'quote.txt": b"punctuation\n",
    "punct/percent%20-not-a-space.txt": b"percent\n",
    "punct/(parens) [brackets] {braces}!~@$.txt": b"brackets\n",
}


def pattern(size: int, seed: int) -> bytes:
    """Deterministic, incompressible-looking bytes."""
    rnd = random.Random(seed)
    block = rnd.randbytes(64 * 1024)
    return (block * (size // len(block) + 1))[:size]


def multipart_etag(data: bytes, part_size: int) -> str:
    parts = [data[i:i + part_size] for i in range(0, len(data), part_size)]
    digest = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest()
    return f'"{digest}-{len(parts)}"'


def write_tree(root: pathlib.Path, files: Dict[str, bytes]) -> pathlib.Path:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def local_tree(root: pathlib.Path) -> Dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def bucket_listing(s3, bucket: str, prefix: str = "") -> Dict[str, dict]:
    """Key (without `prefix`) -> ListObjectsV2 entry, as boto3 sees the bucket."""
    out = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            out[obj["Key"][len(prefix):]] = obj
    return out


def bucket_bytes(s3, bucket: str, prefix: str = "") -> Dict[str, bytes]:
    return {rel: s3.get_object(Bucket=bucket, Key=prefix + rel)["Body"].read()
            for rel in bucket_listing(s3, bucket, prefix)}


def assert_bucket_matches(s3, bucket: str, prefix: str, files: Dict[str, bytes]):
    """The bucket below `prefix` holds exactly `files` (names, sizes and bytes)."""
    listing = bucket_listing(s3, bucket, prefix)
    assert sorted(listing) == sorted(files)
    for rel, data in files.items():
        assert listing[rel]["Size"] == len(data), rel
    assert bucket_bytes(s3, bucket, prefix) == files


def bucket_exists(s3, bucket: str) -> bool:
    try:
        s3.head_bucket(Bucket=bucket)
        return True
    except ClientError as e:
        assert s3_error(e)[1] == 404, e.response
        return False


def anonymous_get(url: str):
    try:
        with OPENER.open(urllib.request.Request(url), timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class ToolResult:
    def __init__(self, args: List[str], cp: subprocess.CompletedProcess):
        self.args, self.rc, self.stdout, self.stderr = args, cp.returncode, cp.stdout, cp.stderr

    def json(self):
        return json.loads(self.stdout)

    def __repr__(self):
        return (f"ToolResult({self.args!r}, rc={self.rc}, stdout={self.stdout[-3000:]!r}, "
                f"stderr={self.stderr[-4000:]!r})")


def tool_env(home: pathlib.Path, extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    env = _clean_env()  # no AWS_* (AWS_CA_BUNDLE breaks rclone's plain-HTTP client), no proxies
    env.update({"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
                "XDG_CACHE_HOME": str(home / ".cache"), "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8",
                "PYTHONIOENCODING": "utf-8"})
    env.update(extra or {})
    return env


# ------------------------------------------------------------------------------------------------
# rclone


class Rclone:
    """rclone with a remote `gureum:` defined only by RCLONE_CONFIG_GUREUM_* variables (and a
    throwaway, never-written RCLONE_CONFIG), one attempt per operation so failures show."""

    def __init__(self, daemon, home: pathlib.Path, secret_key: str = "test"):
        self.home = home
        home.mkdir(parents=True, exist_ok=True)
        self.env = tool_env(home, {
            "RCLONE_CONFIG": str(home / "rclone-unused.conf"),
            "RCLONE_CONFIG_GUREUM_TYPE": "s3",
            "RCLONE_CONFIG_GUREUM_PROVIDER": "Other",
            "RCLONE_CONFIG_GUREUM_ACCESS_KEY_ID": "test",
            "RCLONE_CONFIG_GUREUM_SECRET_ACCESS_KEY": secret_key,
            "RCLONE_CONFIG_GUREUM_ENDPOINT": daemon.endpoint,
            "RCLONE_CONFIG_GUREUM_REGION": "us-east-1",
            # Go never proxies loopback; anything else would hit this dead proxy.
            "HTTP_PROXY": DEAD_PROXY, "HTTPS_PROXY": DEAD_PROXY,
            "NO_PROXY": "127.0.0.1,localhost",
        })

    def command(self, args) -> List[str]:
        return [RCLONE, "--retries", "1", "--low-level-retries", "1", "--stats", "0",
                *[str(a) for a in args]]

    def __call__(self, *args, timeout: float = 180) -> ToolResult:
        cmd = self.command(args)
        cp = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=self.env,
                            cwd=str(self.home))
        return ToolResult(cmd, cp)

    def cat(self, *args) -> bytes:
        """`rclone cat` output as bytes."""
        cp = subprocess.run(self.command(["cat", *args]), capture_output=True, timeout=120,
                            env=self.env, cwd=str(self.home))
        assert cp.returncode == 0, cp
        return cp.stdout

    def ok(self, *args, **kwargs) -> ToolResult:
        r = self(*args, **kwargs)
        assert r.rc == 0, r
        return r

    def lsjson(self, *args) -> List[dict]:
        return self.ok("lsjson", *args).json()


@pytest.fixture
def rclone(daemon, tmp_path) -> Rclone:
    if RCLONE is None:
        pytest.skip("rclone is not installed (scripts/setup-deps --test installs it)")
    return Rclone(daemon, tmp_path / "rclone-home")


@pytest.fixture
def rc_bucket(rclone, s3) -> str:
    name = unique_bucket("rclone")
    rclone.ok("mkdir", f"gureum:{name}")
    return name


def test_rclone_mkdir_creates_the_bucket(rclone, s3):
    name = unique_bucket("rclone-mkdir")
    assert not bucket_exists(s3, name)
    rclone.ok("mkdir", f"gureum:{name}")
    assert bucket_exists(s3, name)
    assert name in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    listed = rclone.lsjson("gureum:")
    assert {"Path": name, "IsDir": True}.items() <= next(e for e in listed
                                                         if e["Path"] == name).items()
    # An empty bucket lists empty; rmdir removes it.
    assert rclone.lsjson(f"gureum:{name}") == []
    rclone.ok("rmdir", f"gureum:{name}")
    assert not bucket_exists(s3, name)


def test_rclone_copy_tree_round_trip(rclone, s3, rc_bucket, tmp_path):
    src = write_tree(tmp_path / "src", TREE_FILES)
    r = rclone.ok("copy", src, f"gureum:{rc_bucket}/tree")
    assert "ERROR" not in r.stderr, r
    assert_bucket_matches(s3, rc_bucket, "tree/", TREE_FILES)
    listing = bucket_listing(s3, rc_bucket, "tree/")
    for rel, data in TREE_FILES.items():
        assert listing[rel]["ETag"] == f'"{md5_hex(data)}"', rel

    check = rclone("check", src, f"gureum:{rc_bucket}/tree")
    assert check.rc == 0, check
    assert f"{len(TREE_FILES)} matching files" in check.stderr, check
    assert "0 differences found" in check.stderr, check

    back = tmp_path / "back"
    rclone.ok("copy", f"gureum:{rc_bucket}/tree", back)
    assert local_tree(back) == TREE_FILES
    cmp = filecmp.dircmp(src, back)
    assert not cmp.left_only and not cmp.right_only and not cmp.diff_files


def test_rclone_lsjson_sizes_hashes_and_mod_times(rclone, s3, rc_bucket, tmp_path):
    src = write_tree(tmp_path / "src", TREE_FILES)
    when = datetime.datetime(2021, 3, 4, 5, 6, 7, tzinfo=datetime.timezone.utc)
    mtimes = {}
    for i, rel in enumerate(sorted(TREE_FILES)):
        ns = int(when.timestamp()) * 10**9 + i * 1_000_000_007 + 123_456_789
        os.utime(src / rel, ns=(ns, ns))
        mtimes[rel] = ns
    rclone.ok("copy", src, f"gureum:{rc_bucket}")

    entries = {e["Path"]: e for e in rclone.lsjson("-R", "--hash", "--files-only",
                                                   f"gureum:{rc_bucket}")}
    assert sorted(entries) == sorted(TREE_FILES)
    listing = bucket_listing(s3, rc_bucket)
    for rel, data in TREE_FILES.items():
        e = entries[rel]
        assert e["Size"] == len(data) == listing[rel]["Size"], e
        assert e["Hashes"]["md5"] == md5_hex(data) == listing[rel]["ETag"].strip('"'), e
        # rclone keeps the local mod time (to the nanosecond) in x-amz-meta-mtime.
        ns = mtimes[rel]
        secs, frac = divmod(ns, 10**9)
        expected = (datetime.datetime.fromtimestamp(secs, datetime.timezone.utc)
                    .strftime("%Y-%m-%dT%H:%M:%S") + f".{frac:09d}Z")
        assert e["ModTime"] == expected, e
        head = s3.head_object(Bucket=rc_bucket, Key=rel)
        assert float(head["Metadata"]["mtime"]) == pytest.approx(ns / 1e9, abs=1e-6), head
    # Directories are listed from the common prefixes.
    dirs = {e["Path"] for e in rclone.lsjson("-R", "--dirs-only", f"gureum:{rc_bucket}")}
    assert dirs == {"nested", "nested/a", "nested/a/b", "nested/a/b/c", "with space", "unicodé",
                    "punct"}

    # `rclone touch` rewrites the mod time in place (CopyObject onto itself, metadata REPLACE).
    rclone.ok("touch", "-t", "2020-01-02T03:04:05", f"gureum:{rc_bucket}/top.txt")
    e = rclone.lsjson(f"gureum:{rc_bucket}/top.txt")[0]
    assert e["ModTime"] == "2020-01-02T03:04:05.000000000Z", e
    assert s3.get_object(Bucket=rc_bucket, Key="top.txt")["Body"].read() == TREE_FILES["top.txt"]


@pytest.mark.parametrize("list_version", ["1", "2"])
@pytest.mark.parametrize("url_encode", ["true", "false"])
def test_rclone_listing_pagination(rclone, s3, rc_bucket, tmp_path, list_version, url_encode):
    files = dict(TREE_FILES)
    mark = "+"
    if list_version == "1" and url_encode == "true":
        # rclone 1.60's own bug, not the daemon's: with V1 listings and encoding-type=url it
        # takes the last key of a truncated page (S3 sends no NextMarker without a delimiter)
        # as the marker and URL-decodes it in place a second time, so that entry is listed
        # with '+' turned into ' ' and '%xx' decoded (p2+.txt comes back as "p2 .txt"). The
        # daemon's XML is right (<Key>p2%2B.txt</Key>); keep such names out of this variant.
        files = {k: v for k, v in files.items() if "+" not in k and "%" not in k}
        mark = "-"
    files.update({f"many/file {i:02d} é{mark}.txt": f"{i}\n".encode() for i in range(23)})
    files.update({f"many/sub{i % 3}/{i}": b"" for i in range(11)})
    rclone.ok("copy", write_tree(tmp_path / "src", files), f"gureum:{rc_bucket}")
    flags = ["--s3-list-chunk", "4", "--s3-list-version", list_version,
             "--s3-list-url-encode", url_encode]
    recursive = rclone.ok("lsf", "-R", "--files-only", *flags, f"gureum:{rc_bucket}")
    assert sorted(recursive.stdout.splitlines()) == sorted(files) == sorted(
        bucket_listing(s3, rc_bucket))
    top = rclone.ok("lsf", *flags, f"gureum:{rc_bucket}/many")
    assert sorted(top.stdout.splitlines()) == sorted(
        [f"file {i:02d} é{mark}.txt" for i in range(23)] + ["sub0/", "sub1/", "sub2/"])


def test_rclone_large_files_single_put_and_multipart(rclone, s3, rc_bucket, tmp_path):
    src = tmp_path / "big"
    src.mkdir()
    six = pattern(6 * MIB + 17, 1)
    twelve = pattern(12 * MIB + 4321, 2)
    (src / "six.bin").write_bytes(six)
    (src / "twelve.bin").write_bytes(twelve)
    # 6 MiB stays under rclone's default cutoff (200M): one PutObject.
    rclone.ok("copy", src / "six.bin", f"gureum:{rc_bucket}/big")
    # 12 MiB over a 5M cutoff in 5M chunks: CreateMultipartUpload, 3 parts, Complete.
    rclone.ok("copy", "--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M",
              src / "twelve.bin", f"gureum:{rc_bucket}/big")

    head6 = s3.head_object(Bucket=rc_bucket, Key="big/six.bin")
    assert head6["ContentLength"] == len(six)
    assert head6["ETag"] == f'"{md5_hex(six)}"'
    head12 = s3.head_object(Bucket=rc_bucket, Key="big/twelve.bin")
    assert head12["ContentLength"] == len(twelve)
    assert head12["ETag"] == multipart_etag(twelve, 5 * MIB)
    assert head12["ETag"].endswith('-3"')
    # For multipart uploads rclone records the whole file's md5 in metadata.
    assert head12["Metadata"]["md5chksum"] == base64.b64encode(
        hashlib.md5(twelve).digest()).decode()

    sums = rclone.ok("md5sum", f"gureum:{rc_bucket}/big").stdout
    assert sorted(sums.splitlines()) == sorted([f"{md5_hex(six)}  six.bin",
                                                f"{md5_hex(twelve)}  twelve.bin"])
    check = rclone("check", src, f"gureum:{rc_bucket}/big")
    assert check.rc == 0 and "2 matching files" in check.stderr, check
    check = rclone("check", "--download", src, f"gureum:{rc_bucket}/big")
    assert check.rc == 0 and "2 matching files" in check.stderr, check

    back = tmp_path / "back"
    rclone.ok("copy", f"gureum:{rc_bucket}/big", back)
    assert (back / "six.bin").read_bytes() == six
    assert (back / "twelve.bin").read_bytes() == twelve

    # A byte range read (rclone cat --offset/--count sends Range).
    part = rclone.cat("--offset", str(5 * MIB - 3), "--count", "10",
                      f"gureum:{rc_bucket}/big/twelve.bin")
    assert part == twelve[5 * MIB - 3:5 * MIB + 7]


def test_rclone_server_side_copy_multipart(rclone, s3, rc_bucket, tmp_path):
    data = pattern(12 * MIB + 99, 3)
    (tmp_path / "src.bin").write_bytes(data)
    rclone.ok("copyto", tmp_path / "src.bin", f"gureum:{rc_bucket}/orig.bin")
    # Over --s3-copy-cutoff rclone copies with UploadPartCopy ranges.
    rclone.ok("copyto", "--s3-copy-cutoff", "5M", f"gureum:{rc_bucket}/orig.bin",
              f"gureum:{rc_bucket}/copy/of orig.bin")
    head = s3.head_object(Bucket=rc_bucket, Key="copy/of orig.bin")
    assert head["ContentLength"] == len(data)
    assert head["ETag"] == multipart_etag(data, 5 * MIB)
    assert s3.get_object(Bucket=rc_bucket, Key="copy/of orig.bin")["Body"].read() == data
    # Small copies are one CopyObject; moveto deletes the source.
    rclone.ok("moveto", f"gureum:{rc_bucket}/copy/of orig.bin", f"gureum:{rc_bucket}/moved.bin")
    assert sorted(bucket_listing(s3, rc_bucket)) == ["moved.bin", "orig.bin"]
    assert s3.get_object(Bucket=rc_bucket, Key="moved.bin")["Body"].read() == data
    sums = rclone.ok("md5sum", f"gureum:{rc_bucket}").stdout.splitlines()
    assert sorted(sums) == [f"{md5_hex(data)}  moved.bin", f"{md5_hex(data)}  orig.bin"]


def test_rclone_sync_adds_changes_and_deletes(rclone, s3, rc_bucket, tmp_path):
    src = write_tree(tmp_path / "src", TREE_FILES)
    rclone.ok("sync", src, f"gureum:{rc_bucket}/mirror")
    assert_bucket_matches(s3, rc_bucket, "mirror/", TREE_FILES)
    # Something outside the synced prefix is left alone.
    s3.put_object(Bucket=rc_bucket, Key="outside.txt", Body=b"keep me")

    (src / "top.txt").write_bytes(b"changed, and longer than before\n")
    (src / "nested/a/b/c/deep.txt").unlink()
    shutil.rmtree(src / "with space")
    write_tree(src, {"new/dir/new file ✓.txt": b"new\n", "new/empty": b""})
    expected = local_tree(src)
    assert expected != TREE_FILES

    r = rclone.ok("sync", "-v", src, f"gureum:{rc_bucket}/mirror")
    assert "Deleted" in r.stderr, r
    assert_bucket_matches(s3, rc_bucket, "mirror/", expected)
    assert s3.get_object(Bucket=rc_bucket, Key="outside.txt")["Body"].read() == b"keep me"
    check = rclone("check", src, f"gureum:{rc_bucket}/mirror")
    assert check.rc == 0 and "0 differences found" in check.stderr, check

    # check notices a difference on the bucket side.
    s3.put_object(Bucket=rc_bucket, Key="mirror/top.txt", Body=b"tampered")
    check = rclone("check", src, f"gureum:{rc_bucket}/mirror")
    assert check.rc != 0 and "1 differences found" in check.stderr, check

    # Sync back down into an empty directory.
    down = tmp_path / "down"
    rclone.ok("sync", f"gureum:{rc_bucket}/mirror", down)
    expected["top.txt"] = b"tampered"
    assert local_tree(down) == expected


def test_rclone_delete_and_purge(rclone, s3, rc_bucket, tmp_path):
    rclone.ok("copy", write_tree(tmp_path / "src", TREE_FILES), f"gureum:{rc_bucket}")
    # delete with a filter removes only the matching files and keeps the bucket.
    rclone.ok("delete", "--include", "*.txt", f"gureum:{rc_bucket}")
    remaining = {k: v for k, v in TREE_FILES.items() if not k.endswith(".txt")}
    assert_bucket_matches(s3, rc_bucket, "", remaining)
    # rmdir of a non-empty bucket fails and changes nothing.
    r = rclone("rmdir", f"gureum:{rc_bucket}")
    assert r.rc != 0, r
    assert "BucketNotEmpty" in r.stderr, r
    assert bucket_exists(s3, rc_bucket)
    # purge removes the objects and the bucket itself.
    rclone.ok("purge", f"gureum:{rc_bucket}")
    assert not bucket_exists(s3, rc_bucket)
    r = rclone("lsjson", f"gureum:{rc_bucket}")
    assert r.rc != 0 and "directory not found" in r.stderr, r


def test_rclone_versions(rclone, s3, rc_bucket, tmp_path):
    out = rclone.ok("backend", "versioning", f"gureum:{rc_bucket}", "Enabled")
    assert out.stdout.strip() == "Enabled", out
    assert s3.get_bucket_versioning(Bucket=rc_bucket)["Status"] == "Enabled"
    f = tmp_path / "v.txt"
    f.write_bytes(b"one\n")
    rclone.ok("copyto", f, f"gureum:{rc_bucket}/v.txt")
    f.write_bytes(b"two two\n")
    rclone.ok("copyto", f, f"gureum:{rc_bucket}/v.txt")

    versions = s3.list_object_versions(Bucket=rc_bucket)["Versions"]
    assert [(v["Key"], v["Size"], v["IsLatest"]) for v in versions] == [
        ("v.txt", 8, True), ("v.txt", 4, False)]
    old = versions[1]["LastModified"].astimezone(datetime.timezone.utc)
    old_name = f"v-v{old.strftime('%Y-%m-%d-%H%M%S')}-{old.microsecond // 1000:03d}.txt"
    listed = {e["Path"]: e["Size"] for e in rclone.lsjson("--s3-versions", f"gureum:{rc_bucket}")}
    assert listed == {"v.txt": 8, old_name: 4}
    assert rclone.cat("--s3-versions", f"gureum:{rc_bucket}/{old_name}") == b"one\n"

    # Deleting the current object leaves a delete marker: gone from the plain listing, both
    # versions still there with --s3-versions; cleanup-hidden removes them.
    rclone.ok("delete", f"gureum:{rc_bucket}")
    assert rclone.lsjson(f"gureum:{rc_bucket}") == []
    listing = s3.list_object_versions(Bucket=rc_bucket)
    assert len(listing["Versions"]) == 2 and len(listing["DeleteMarkers"]) == 1
    assert len(rclone.lsjson("--s3-versions", f"gureum:{rc_bucket}")) == 2
    rclone.ok("backend", "cleanup-hidden", f"gureum:{rc_bucket}")
    assert rclone.lsjson("--s3-versions", f"gureum:{rc_bucket}") == []
    assert "Versions" not in s3.list_object_versions(Bucket=rc_bucket)


def test_rclone_link_is_a_working_presigned_url(rclone, s3, rc_bucket):
    s3.put_object(Bucket=rc_bucket, Key="dir/shared file ü.txt", Body=b"shared via link")
    url = rclone.ok("link", f"gureum:{rc_bucket}/dir/shared file ü.txt").stdout.strip()
    parts = urllib.parse.urlsplit(url)
    assert parts.netloc == urllib.parse.urlsplit(s3.meta.endpoint_url).netloc, url
    assert "X-Amz-Signature" in urllib.parse.parse_qs(parts.query), url
    assert anonymous_get(url) == (200, b"shared via link")
    tampered = url.replace("X-Amz-Signature=", "X-Amz-Signature=0")
    status, body = anonymous_get(tampered)
    assert status == 403 and b"SignatureDoesNotMatch" in body, body
    # Without the signature the object is private.
    assert anonymous_get(url.split("?", 1)[0])[0] == 403


def test_rclone_failures_are_visible(rclone, s3, rc_bucket, daemon, tmp_path):
    # (A missing key inside an existing bucket is an empty "directory" to rclone, not an error;
    # a missing bucket is an error.)
    missing = unique_bucket("rclone-missing")
    r = rclone("lsjson", f"gureum:{missing}")
    assert r.rc != 0 and "directory not found" in r.stderr, r
    r = rclone("copy", f"gureum:{missing}/x", tmp_path / "nowhere")
    assert r.rc != 0, r
    assert not (tmp_path / "nowhere").exists()
    # A wrong secret key is refused with SignatureDoesNotMatch.
    bad = Rclone(daemon, tmp_path / "bad-home", secret_key="wrong")
    r = bad("lsjson", f"gureum:{rc_bucket}")
    assert r.rc != 0 and "SignatureDoesNotMatch" in r.stderr, r
    (tmp_path / "f").write_bytes(b"x")
    r = bad("copyto", tmp_path / "f", f"gureum:{rc_bucket}/f")
    assert r.rc != 0, r
    assert bucket_listing(s3, rc_bucket) == {}


def test_rclone_v2_auth(rclone, s3, rc_bucket, tmp_path):
    src = write_tree(tmp_path / "src", TREE_FILES)
    rclone.ok("copy", "--s3-v2-auth", src, f"gureum:{rc_bucket}/v2")
    assert_bucket_matches(s3, rc_bucket, "v2/", TREE_FILES)
    check = rclone("check", "--s3-v2-auth", src, f"gureum:{rc_bucket}/v2")
    assert check.rc == 0, check


# ------------------------------------------------------------------------------------------------
# s3cmd

LS_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d)\s+(\d+)\s+(s3://.+)$")
DIR_LINE = re.compile(r"^\s+DIR\s+(s3://.+)$")


class S3cmd:
    """s3cmd with a config file of its own (-c), path-style addressing at the daemon."""

    def __init__(self, daemon, home: pathlib.Path, sigv2: bool, secret_key: str = "test"):
        self.home = home
        self.sigv2 = sigv2
        home.mkdir(parents=True, exist_ok=True)
        self.config = home / "s3cfg"
        self.config.write_text("\n".join([
            "[default]",
            "access_key = test",
            f"secret_key = {secret_key}",
            f"host_base = {daemon.netloc}",
            f"host_bucket = {daemon.netloc}",
            "bucket_location = us-east-1",
            "use_https = False",
            f"signature_v2 = {sigv2}",
            "proxy_host = ",
            "proxy_port = 0",
            "progress_meter = False",
            "check_ssl_certificate = True",
            "",
        ]))
        self.env = tool_env(home)

    def __call__(self, *args, timeout: float = 180) -> ToolResult:
        cmd = [S3CMD, "-c", str(self.config), *[str(a) for a in args]]
        cp = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=self.env,
                            cwd=str(self.home))
        return ToolResult(cmd, cp)

    def ok(self, *args, **kwargs) -> ToolResult:
        r = self(*args, **kwargs)
        assert r.rc == 0, r
        assert "ERROR" not in r.stderr, r
        return r

    def ls(self, *args) -> Dict[str, int]:
        """s3://... -> size for objects, -> -1 for DIR lines."""
        out = {}
        for line in self.ok("ls", *args).stdout.splitlines():
            m = LS_LINE.match(line)
            if m:
                out[m.group(3)] = int(m.group(2))
                continue
            m = DIR_LINE.match(line)
            if m:
                out[m.group(1)] = -1
            else:
                assert line.strip() == "", line
        return out

    def info(self, url: str) -> Dict[str, List[str]]:
        fields: Dict[str, List[str]] = {}
        for line in self.ok("info", url).stdout.splitlines()[1:]:
            name, _, value = line.strip().partition(":")
            fields.setdefault(name.strip(), []).append(value.strip())
        return fields


@pytest.fixture(params=[False, True], ids=["sigv4", "sigv2"])
def s3cmd(request, daemon, tmp_path) -> S3cmd:
    if S3CMD is None:
        pytest.skip("s3cmd is not installed (scripts/setup-deps --test installs it)")
    return S3cmd(daemon, tmp_path / "s3cmd-home", sigv2=request.param)


@pytest.fixture
def sc_bucket(s3cmd, s3) -> str:
    name = unique_bucket("s3cmd")
    r = s3cmd.ok("mb", f"s3://{name}")
    assert f"Bucket 's3://{name}/' created" in r.stdout, r
    assert bucket_exists(s3, name)
    return name


def test_s3cmd_signs_with_the_configured_version(s3cmd, sc_bucket):
    r = s3cmd("--debug", "ls", f"s3://{sc_bucket}")
    assert r.rc == 0, r
    schemes = set(re.findall(r"'Authorization': '(AWS4-HMAC-SHA256|AWS) ", r.stderr))
    assert schemes == {"AWS" if s3cmd.sigv2 else "AWS4-HMAC-SHA256"}, r


def test_s3cmd_put_get_info_del_rb(s3cmd, s3, sc_bucket, tmp_path):
    b = sc_bucket
    small = tmp_path / "small ü.txt"
    small.write_bytes(b"small and sweet\n")
    r = s3cmd.ok("put", "--mime-type=text/x-tool", "--add-header=x-amz-meta-color:blue", small,
                 f"s3://{b}/dir/small ü.txt")
    assert "upload:" in r.stdout, r
    big_data = pattern(12 * MIB + 777, 4)
    big = tmp_path / "big.bin"
    big.write_bytes(big_data)
    s3cmd.ok("put", "--multipart-chunk-size-mb=5", big, f"s3://{b}/big.bin")
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    s3cmd.ok("put", empty, f"s3://{b}/empty")

    # boto3's view: one PUT for the small file, three 5 MiB parts for the big one.
    head = s3.head_object(Bucket=b, Key="dir/small ü.txt")
    assert head["ETag"] == f'"{md5_hex(small.read_bytes())}"'
    assert head["ContentType"] == "text/x-tool"
    assert head["Metadata"]["color"] == "blue"
    head = s3.head_object(Bucket=b, Key="big.bin")
    assert head["ContentLength"] == len(big_data)
    assert head["ETag"] == multipart_etag(big_data, 5 * MIB)
    assert s3.get_object(Bucket=b, Key="big.bin")["Body"].read() == big_data
    assert s3.head_object(Bucket=b, Key="empty")["ContentLength"] == 0

    # ls (one level, with DIR for the common prefix), ls -r, la.
    assert s3cmd.ls(f"s3://{b}") == {f"s3://{b}/big.bin": len(big_data),
                                     f"s3://{b}/empty": 0, f"s3://{b}/dir/": -1}
    expected_all = {f"s3://{b}/big.bin": len(big_data), f"s3://{b}/empty": 0,
                    f"s3://{b}/dir/small ü.txt": 16}
    assert s3cmd.ls("-r", f"s3://{b}") == expected_all
    assert {f"s3://{b}/{k}": v["Size"] for k, v in bucket_listing(s3, b).items()} == expected_all
    la = {}
    for line in s3cmd.ok("la").stdout.splitlines():
        m = LS_LINE.match(line)
        if m and m.group(3).startswith(f"s3://{b}/"):
            la[m.group(3)] = int(m.group(2))
    assert la == {f"s3://{b}/big.bin": len(big_data), f"s3://{b}/empty": 0}
    assert f"s3://{b}" in s3cmd.ok("ls").stdout

    # info shows size, MIME type, MD5 (of the whole file even for the multipart object) and
    # the metadata.
    info = s3cmd.info(f"s3://{b}/dir/small ü.txt")
    assert info["File size"] == ["16"]
    assert info["MIME type"] == ["text/x-tool"]
    assert info["MD5 sum"] == [md5_hex(small.read_bytes())]
    assert info["x-amz-meta-color"] == ["blue"]
    assert "SSE" in info and info["SSE"] == ["AES256"]
    info = s3cmd.info(f"s3://{b}/big.bin")
    assert info["File size"] == [str(len(big_data))]
    assert info["MD5 sum"] == [md5_hex(big_data)]
    info = s3cmd.info(f"s3://{b}")
    assert info["Location"] == ["us-east-1"]

    # get, both kinds (s3cmd verifies the md5 it stored in x-amz-meta-s3cmd-attrs).
    got = tmp_path / "got"
    got.mkdir()
    s3cmd.ok("get", f"s3://{b}/big.bin", got / "big.bin")
    assert (got / "big.bin").read_bytes() == big_data
    s3cmd.ok("get", f"s3://{b}/dir/small ü.txt", got / "small")
    assert (got / "small").read_bytes() == small.read_bytes()
    s3cmd.ok("get", f"s3://{b}/empty", got / "empty")
    assert (got / "empty").read_bytes() == b""

    # rb of a non-empty bucket fails with BucketNotEmpty; del then rb succeeds.
    r = s3cmd("rb", f"s3://{b}")
    assert r.rc != 0 and "BucketNotEmpty" in r.stderr, r
    assert bucket_exists(s3, b)
    s3cmd.ok("del", f"s3://{b}/big.bin")
    assert sorted(bucket_listing(s3, b)) == ["dir/small ü.txt", "empty"]
    s3cmd.ok("del", "--recursive", "--force", f"s3://{b}")
    assert bucket_listing(s3, b) == {}
    s3cmd.ok("rb", f"s3://{b}")
    assert not bucket_exists(s3, b)


def test_s3cmd_sync_both_ways(s3cmd, s3, sc_bucket, tmp_path):
    b = sc_bucket
    src = write_tree(tmp_path / "src", TREE_FILES)
    r = s3cmd.ok("sync", f"{src}/", f"s3://{b}/tree/")
    assert r.stdout.count("upload:") == len(TREE_FILES), r
    assert_bucket_matches(s3, b, "tree/", TREE_FILES)
    # Nothing changed: nothing is uploaded.
    r = s3cmd.ok("sync", f"{src}/", f"s3://{b}/tree/")
    assert "upload:" not in r.stdout, r

    (src / "top.txt").write_bytes(b"a new top\n")
    (src / "punct/percent%20-not-a-space.txt").unlink()
    write_tree(src, {"added/ñew.txt": b"added\n"})
    expected = local_tree(src)
    r = s3cmd.ok("sync", "--delete-removed", f"{src}/", f"s3://{b}/tree/")
    assert r.stdout.count("upload:") == 2 and "delete:" in r.stdout, r
    assert_bucket_matches(s3, b, "tree/", expected)

    down = tmp_path / "down"
    down.mkdir()
    r = s3cmd.ok("sync", f"s3://{b}/tree/", f"{down}/")
    assert r.stdout.count("download:") == len(expected), r
    assert local_tree(down) == expected
    # Bucket-to-bucket sync is server-side copying.
    s3cmd.ok("sync", f"s3://{b}/tree/", f"s3://{b}/copy/")
    assert_bucket_matches(s3, b, "copy/", expected)


def test_s3cmd_setacl_public_and_anonymous_get(s3cmd, s3, sc_bucket, daemon, tmp_path):
    b = sc_bucket
    f = tmp_path / "pub.txt"
    f.write_bytes(b"for everyone\n")
    s3cmd.ok("put", f, f"s3://{b}/pub lic.txt")
    url = f"{daemon.endpoint}/{b}/{urllib.parse.quote('pub lic.txt')}"
    assert anonymous_get(url)[0] == 403

    r = s3cmd.ok("setacl", "--acl-public", f"s3://{b}/pub lic.txt")
    assert "ACL set to Public" in r.stdout, r
    assert anonymous_get(url) == (200, b"for everyone\n")
    grants = s3.get_object_acl(Bucket=b, Key="pub lic.txt")["Grants"]
    assert {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"} in [
        {k: v for k, v in g["Grantee"].items() if k in ("Type", "URI")} for g in grants]
    info = s3cmd.info(f"s3://{b}/pub lic.txt")
    assert "*anon*: READ" in info["ACL"], info

    s3cmd.ok("setacl", "--acl-private", f"s3://{b}/pub lic.txt")
    assert anonymous_get(url)[0] == 403


def test_s3cmd_cp_mv_modify(s3cmd, s3, sc_bucket, tmp_path):
    b = sc_bucket
    s3.put_object(Bucket=b, Key="src ü.txt", Body=b"copy me", ContentType="text/plain",
                  Metadata={"color": "red"})
    s3cmd.ok("cp", f"s3://{b}/src ü.txt", f"s3://{b}/copied.txt")
    got = s3.get_object(Bucket=b, Key="copied.txt")
    assert got["Body"].read() == b"copy me" and got["Metadata"] == {"color": "red"}
    s3cmd.ok("mv", f"s3://{b}/copied.txt", f"s3://{b}/moved/here.txt")
    assert sorted(bucket_listing(s3, b)) == ["moved/here.txt", "src ü.txt"]
    s3cmd.ok("modify", "--add-header=x-amz-meta-shape:round", f"s3://{b}/moved/here.txt")
    got = s3.get_object(Bucket=b, Key="moved/here.txt")
    assert got["Body"].read() == b"copy me"
    assert got["Metadata"]["shape"] == "round" and got["Metadata"]["color"] == "red", got


def test_s3cmd_multipart_list_and_abort(s3cmd, s3, sc_bucket):
    b = sc_bucket
    upload = s3.create_multipart_upload(Bucket=b, Key="pending/obj")["UploadId"]
    s3.upload_part(Bucket=b, Key="pending/obj", UploadId=upload, PartNumber=1, Body=b"x" * 100)
    s3.upload_part(Bucket=b, Key="pending/obj", UploadId=upload, PartNumber=2, Body=b"y" * 50)
    out = s3cmd.ok("multipart", f"s3://{b}").stdout
    assert f"s3://{b}/pending/obj\t{upload}" in out, out
    parts = s3cmd.ok("listmp", f"s3://{b}/pending/obj", upload).stdout.splitlines()[1:]
    assert [line.split("\t")[1:] for line in parts] == [
        ["1", f'"{md5_hex(b"x" * 100)}"', "100"], ["2", f'"{md5_hex(b"y" * 50)}"', "50"]]
    s3cmd.ok("abortmp", f"s3://{b}/pending/obj", upload)
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=b)
    assert upload not in s3cmd.ok("multipart", f"s3://{b}").stdout


def test_s3cmd_signurl(s3cmd, s3, sc_bucket):
    b = sc_bucket
    s3.put_object(Bucket=b, Key="signed ü.txt", Body=b"signed body")
    url = s3cmd.ok("signurl", f"s3://{b}/signed ü.txt", "+600").stdout.strip()
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert set(query) == {"AWSAccessKeyId", "Expires", "Signature"}, url  # always SigV2
    assert anonymous_get(url) == (200, b"signed body")
    tampered = re.sub(r"Signature=[^&]+", "Signature=AAAAAAAAAAAAAAAAAAAAAAAAAAA%3D", url)
    status, body = anonymous_get(tampered)
    assert status == 403 and b"SignatureDoesNotMatch" in body, body
    expired = s3cmd.ok("signurl", f"s3://{b}/signed ü.txt", "1000000000").stdout.strip()
    status, body = anonymous_get(expired)
    assert status == 403 and b"Request has expired" in body, body


def test_s3cmd_failures_are_visible(s3cmd, s3, sc_bucket, daemon, tmp_path):
    b = sc_bucket
    target = tmp_path / "should-not-exist"
    r = s3cmd("get", f"s3://{b}/no/such/key", target)
    assert r.rc != 0 and "does not exist" in r.stderr, r
    assert not target.exists()
    r = s3cmd("info", f"s3://{b}/no/such/key")
    assert r.rc != 0 and "404" in r.stderr, r
    missing = unique_bucket("s3cmd-missing")
    r = s3cmd("ls", f"s3://{missing}")
    assert r.rc != 0 and "NoSuchBucket" in r.stderr, r
    (tmp_path / "f").write_bytes(b"x")
    r = s3cmd("put", tmp_path / "f", f"s3://{missing}/f")
    assert r.rc != 0 and "NoSuchBucket" in r.stderr, r
    r = s3cmd("rb", f"s3://{missing}")
    assert r.rc != 0 and "NoSuchBucket" in r.stderr, r
    assert not bucket_exists(s3, missing)
    # A wrong secret key is refused.
    bad = S3cmd(daemon, tmp_path / "bad-home", sigv2=s3cmd.sigv2, secret_key="wrong")
    r = bad("put", tmp_path / "f", f"s3://{b}/f")
    assert r.rc != 0 and "SignatureDoesNotMatch" in r.stderr, r
    assert bucket_listing(s3, b) == {}
