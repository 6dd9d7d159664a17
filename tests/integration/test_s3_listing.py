"""S3 listings, ListObjects (v1) and ListObjectsV2, with boto3 (paginators included) and the
aws CLI: prefixes, delimiters and common prefixes, max-keys and pagination (markers,
continuation tokens, start-after), encoding-type=url and fetch-owner."""

import concurrent.futures
import urllib.parse
import xml.etree.ElementTree as ET

import pytest

from conftest import expect_s3_error, s3_error_fields, s3_request, unique_bucket

NS = {"s3": "http://s3.amazonaws.com/doc/2006-03-01/"}

TREE = [
    "a/1.txt", "a/2.txt", "a/b/1.txt", "a/b/c/1.txt", "a/b/c/2.txt", "a-b", "a.txt",
    "b/1.txt", "b/2/3.txt", "c", "d/", "d/x", "z/z/z",
]


@pytest.fixture(scope="module")
def tree(s3):
    name = unique_bucket("tree")
    s3.create_bucket(Bucket=name)
    for k in TREE:
        s3.put_object(Bucket=name, Key=k, Body=k.encode())
    return name


@pytest.fixture(scope="module")
def big(s3):
    """A bucket of 2500 keys: 25 "directories" of 100 keys each."""
    name = unique_bucket("big")
    s3.create_bucket(Bucket=name)
    keys = [f"dir{d:02d}/key{k:03d}" for d in range(25) for k in range(100)]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda k: s3.put_object(Bucket=name, Key=k, Body=b"x"), keys))
    return name, keys


def keys_of(out):
    return [o["Key"] for o in out.get("Contents", [])]


def prefixes_of(out):
    return [p["Prefix"] for p in out.get("CommonPrefixes", [])]



# --- ListObjectsV2 ------------------------------------------------------------------------------


def test_v2_everything(s3, tree):
    out = s3.list_objects_v2(Bucket=tree)
    assert keys_of(out) == sorted(TREE)
    assert out["KeyCount"] == len(TREE)
    assert out["IsTruncated"] is False
    assert out["Name"] == tree
    assert out["Prefix"] == ""
    assert out["MaxKeys"] == 1000
    assert "NextContinuationToken" not in out
    first = out["Contents"][0]
    assert first["Size"] == len(first["Key"])
    assert first["StorageClass"] == "STANDARD"
    assert first["ETag"].startswith('"') and first["ETag"].endswith('"')
    assert first["LastModified"].tzinfo is not None
    assert "Owner" not in first


def test_v2_prefix(s3, tree):
    out = s3.list_objects_v2(Bucket=tree, Prefix="a/b/")
    assert keys_of(out) == ["a/b/1.txt", "a/b/c/1.txt", "a/b/c/2.txt"]
    assert out["Prefix"] == "a/b/"
    assert keys_of(s3.list_objects_v2(Bucket=tree, Prefix="a")) == [
        "a-b", "a.txt", "a/1.txt", "a/2.txt", "a/b/1.txt", "a/b/c/1.txt", "a/b/c/2.txt"]
    out = s3.list_objects_v2(Bucket=tree, Prefix="nothing/")
    assert "Contents" not in out and out["KeyCount"] == 0


def test_v2_delimiter(s3, tree):
    out = s3.list_objects_v2(Bucket=tree, Delimiter="/")
    assert keys_of(out) == ["a-b", "a.txt", "c"]
    assert prefixes_of(out) == ["a/", "b/", "d/", "z/"]
    assert out["KeyCount"] == 7
    assert out["Delimiter"] == "/"
    out = s3.list_objects_v2(Bucket=tree, Prefix="a/", Delimiter="/")
    assert keys_of(out) == ["a/1.txt", "a/2.txt"]
    assert prefixes_of(out) == ["a/b/"]
    # A key equal to the prefix-with-delimiter is listed as a key under its own prefix.
    out = s3.list_objects_v2(Bucket=tree, Prefix="d/", Delimiter="/")
    assert keys_of(out) == ["d/", "d/x"] and prefixes_of(out) == []
    # Other delimiters.
    out = s3.list_objects_v2(Bucket=tree, Delimiter=".")
    assert prefixes_of(out) == ["a.", "a/1.", "a/2.", "a/b/1.", "a/b/c/1.", "a/b/c/2.",
                                "b/1.", "b/2/3."]
    assert keys_of(out) == ["a-b", "c", "d/", "d/x", "z/z/z"]
    out = s3.list_objects_v2(Bucket=tree, Delimiter="/b/")
    assert prefixes_of(out) == ["a/b/"]


def test_v2_max_keys_and_continuation(s3, tree):
    seen, token, pages = [], None, 0
    while True:
        kwargs = {"ContinuationToken": token} if token else {}
        out = s3.list_objects_v2(Bucket=tree, MaxKeys=4, **kwargs)
        pages += 1
        assert out["MaxKeys"] == 4
        assert out["KeyCount"] == len(out.get("Contents", []))
        if token:
            assert out["ContinuationToken"] == token
        seen += keys_of(out)
        if not out["IsTruncated"]:
            assert "NextContinuationToken" not in out
            break
        assert out["KeyCount"] == 4
        token = out["NextContinuationToken"]
    assert seen == sorted(TREE)
    assert pages == 4


def test_v2_max_keys_counts_common_prefixes(s3, tree):
    out = s3.list_objects_v2(Bucket=tree, Delimiter="/", MaxKeys=2)
    assert keys_of(out) == ["a-b", "a.txt"] and prefixes_of(out) == []
    assert out["IsTruncated"] is True and out["KeyCount"] == 2
    out = s3.list_objects_v2(Bucket=tree, Delimiter="/", MaxKeys=2,
                             ContinuationToken=out["NextContinuationToken"])
    assert keys_of(out) == [] and prefixes_of(out) == ["a/", "b/"]
    out = s3.list_objects_v2(Bucket=tree, Delimiter="/", MaxKeys=2,
                             ContinuationToken=out["NextContinuationToken"])
    assert keys_of(out) == ["c"] and prefixes_of(out) == ["d/"]
    out = s3.list_objects_v2(Bucket=tree, Delimiter="/", MaxKeys=2,
                             ContinuationToken=out["NextContinuationToken"])
    assert keys_of(out) == [] and prefixes_of(out) == ["z/"]
    assert out["IsTruncated"] is False


def test_v2_max_keys_zero(s3, tree):
    out = s3.list_objects_v2(Bucket=tree, MaxKeys=0)
    assert out["KeyCount"] == 0 and "Contents" not in out
    assert out["MaxKeys"] == 0


def test_v2_start_after(s3, tree):
    out = s3.list_objects_v2(Bucket=tree, StartAfter="a/b/c/1.txt")
    assert keys_of(out) == sorted(k for k in TREE if k > "a/b/c/1.txt")
    assert out["StartAfter"] == "a/b/c/1.txt"
    # Not necessarily an existing key.
    assert keys_of(s3.list_objects_v2(Bucket=tree, StartAfter="b")) == [
        "b/1.txt", "b/2/3.txt", "c", "d/", "d/x", "z/z/z"]
    assert keys_of(s3.list_objects_v2(Bucket=tree, StartAfter="zzz")) == []
    # With a prefix and a delimiter: prefixes at or before start-after are skipped.
    out = s3.list_objects_v2(Bucket=tree, Delimiter="/", StartAfter="a/")
    assert prefixes_of(out) == ["b/", "d/", "z/"]
    assert keys_of(out) == ["c"]
    out = s3.list_objects_v2(Bucket=tree, Prefix="a/", StartAfter="a/1.txt")
    assert keys_of(out) == ["a/2.txt", "a/b/1.txt", "a/b/c/1.txt", "a/b/c/2.txt"]


def test_v2_invalid_continuation_token(s3, tree):
    resp = expect_s3_error(s3.list_objects_v2, "InvalidArgument", 400, Bucket=tree,
                        ContinuationToken="not-a-token")
    assert resp["Error"]["Message"] == "The continuation token provided is incorrect"


def test_v2_fetch_owner(s3, tree):
    out = s3.list_objects_v2(Bucket=tree, FetchOwner=True, MaxKeys=2)
    owner_id = s3.list_buckets()["Owner"]["ID"]
    for o in out["Contents"]:
        assert o["Owner"]["ID"] == owner_id, o


def test_list_missing_bucket(s3):
    name = unique_bucket("none")
    resp = expect_s3_error(s3.list_objects_v2, "NoSuchBucket", 404, Bucket=name)
    assert resp["Error"]["BucketName"] == name
    expect_s3_error(s3.list_objects, "NoSuchBucket", 404, Bucket=name)


# --- ListObjects (v1) ---------------------------------------------------------------------------


def test_v1_everything_has_owners(s3, tree):
    out = s3.list_objects(Bucket=tree)
    assert keys_of(out) == sorted(TREE)
    assert out["IsTruncated"] is False
    assert out["Marker"] == ""
    assert out["MaxKeys"] == 1000
    owner_id = s3.list_buckets()["Owner"]["ID"]
    assert all(o["Owner"]["ID"] == owner_id for o in out["Contents"])


def test_v1_marker_pagination_without_delimiter(s3, tree):
    out = s3.list_objects(Bucket=tree, MaxKeys=5)
    assert keys_of(out) == sorted(TREE)[:5]
    assert out["IsTruncated"] is True
    # Without a delimiter S3 sends no NextMarker: the last key is the next marker.
    assert "NextMarker" not in out
    out = s3.list_objects(Bucket=tree, MaxKeys=5, Marker=keys_of(out)[-1])
    assert keys_of(out) == sorted(TREE)[5:10]
    assert out["Marker"] == sorted(TREE)[4]


def test_v1_delimiter_and_next_marker(s3, tree):
    out = s3.list_objects(Bucket=tree, Delimiter="/", MaxKeys=3)
    assert keys_of(out) == ["a-b", "a.txt"] and prefixes_of(out) == ["a/"]
    assert out["IsTruncated"] is True
    assert out["NextMarker"] == "a/"
    out = s3.list_objects(Bucket=tree, Delimiter="/", MaxKeys=3, Marker=out["NextMarker"])
    assert prefixes_of(out) == ["b/", "d/"] and keys_of(out) == ["c"]
    assert out["NextMarker"] == "d/"
    out = s3.list_objects(Bucket=tree, Delimiter="/", MaxKeys=3, Marker=out["NextMarker"])
    assert prefixes_of(out) == ["z/"] and keys_of(out) == []
    assert out["IsTruncated"] is False and "NextMarker" not in out


# --- encoding-type=url --------------------------------------------------------------------------


ENCODED_KEYS = ["enc/sp ace", "enc/plus+", "enc/ü", "enc/percent%41", "enc/amp&=?#",
                "enc/tab\tx", "enc/한"]


@pytest.fixture(scope="module")
def encoded(s3):
    name = unique_bucket("enc")
    s3.create_bucket(Bucket=name)
    for k in ENCODED_KEYS:
        s3.put_object(Bucket=name, Key=k, Body=b"e")
    return name


def test_encoding_type_url_round_trips_with_boto3(s3, encoded):
    # boto3 asks for encoding-type=url and decodes the answer.
    out = s3.list_objects_v2(Bucket=encoded, Prefix="enc/")
    assert keys_of(out) == sorted(ENCODED_KEYS, key=lambda k: k.encode())
    out = s3.list_objects(Bucket=encoded, Prefix="enc/")
    assert keys_of(out) == sorted(ENCODED_KEYS, key=lambda k: k.encode())
    out = s3.list_objects_v2(Bucket=encoded, Delimiter=" ")
    assert prefixes_of(out) == ["enc/sp "]


def test_encoding_type_url_raw(daemon, encoded):
    r = s3_request(daemon, "GET", f"/{encoded}?list-type=2&encoding-type=url&prefix=enc%2F"
                                  "&delimiter=%20")
    assert r.status == 200, r
    root = ET.fromstring(r.body)
    assert root.findtext("s3:EncodingType", namespaces=NS) == "url"
    assert root.findtext("s3:Delimiter", namespaces=NS) == "+"
    assert root.findtext("s3:Prefix", namespaces=NS) == "enc/"
    keys = [k.text for k in root.findall("s3:Contents/s3:Key", NS)]
    prefixes = [p.text for p in root.findall("s3:CommonPrefixes/s3:Prefix", NS)]
    # Every key decodes back (spaces as '+', the rest percent-encoded, '/' kept).
    assert sorted(urllib.parse.unquote_plus(k) for k in keys) == sorted(
        k for k in ENCODED_KEYS if " " not in k)
    assert "enc/plus%2B" in keys and "enc/%C3%BC" in keys
    assert prefixes == ["enc/sp+"]
    # Without encoding-type the XML carries the keys as they are.
    r = s3_request(daemon, "GET", f"/{encoded}?list-type=2&prefix=enc%2F")
    keys = [k.text for k in ET.fromstring(r.body).findall("s3:Contents/s3:Key", NS)]
    assert sorted(keys) == sorted(ENCODED_KEYS)


def test_invalid_encoding_type(daemon, encoded):
    r = s3_request(daemon, "GET", f"/{encoded}?list-type=2&encoding-type=base64")
    assert r.status == 400, r
    fields = s3_error_fields(r.body)
    assert fields["Code"] == "InvalidArgument"
    assert fields["Message"] == "Invalid Encoding Method specified in Request"


# --- 2500 keys: paginators and the CLI -----------------------------------------------------------


def test_v2_paginator_over_2500_keys(s3, big):
    name, keys = big
    pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=name))
    assert [p["KeyCount"] for p in pages] == [1000, 1000, 500]
    assert [k for p in pages for k in keys_of(p)] == keys
    pages = list(s3.get_paginator("list_objects_v2").paginate(
        Bucket=name, PaginationConfig={"PageSize": 300}))
    assert len(pages) == 9
    assert [k for p in pages for k in keys_of(p)] == keys
    pages = list(s3.get_paginator("list_objects_v2").paginate(
        Bucket=name, Delimiter="/", PaginationConfig={"PageSize": 10}))
    assert [p for page in pages for p in prefixes_of(page)] == [f"dir{d:02d}/" for d in
                                                               range(25)]
    assert len(pages) == 3


def test_v1_paginator_over_2500_keys(s3, big):
    name, keys = big
    pages = list(s3.get_paginator("list_objects").paginate(Bucket=name))
    assert [len(p["Contents"]) for p in pages] == [1000, 1000, 500]
    assert [k for p in pages for k in keys_of(p)] == keys
    pages = list(s3.get_paginator("list_objects").paginate(
        Bucket=name, Prefix="dir07/", PaginationConfig={"PageSize": 30}))
    assert [k for p in pages for k in keys_of(p)] == [k for k in keys if k.startswith("dir07/")]
    pages = list(s3.get_paginator("list_objects").paginate(
        Bucket=name, Delimiter="/", PaginationConfig={"PageSize": 7}))
    assert [p for page in pages for p in prefixes_of(page)] == [f"dir{d:02d}/" for d in
                                                               range(25)]


def test_cli_lists_2500_keys(daemon, big):
    name, keys = big
    r = daemon.aws("s3api", "list-objects-v2", "--bucket", name, "--query",
                   "[length(Contents), Contents[-1].Key]")
    assert r.rc == 0, r
    assert r.json() == [2500, keys[-1]]
    r = daemon.aws("s3api", "list-objects", "--bucket", name, "--page-size", "400",
                   "--query", "length(Contents)")
    assert r.rc == 0 and r.json() == 2500, r
    r = daemon.aws("s3", "ls", f"s3://{name}", "--recursive")
    assert r.rc == 0, r
    listed = [line.split()[-1] for line in r.stdout.splitlines() if line.strip()]
    assert listed == keys
    r = daemon.aws("s3", "ls", f"s3://{name}/")
    assert r.rc == 0, r
    assert [line.split()[-1] for line in r.stdout.splitlines()] == [
        f"dir{d:02d}/" for d in range(25)]
    r = daemon.aws("s3api", "list-objects-v2", "--bucket", name, "--prefix", "dir24/",
                   "--max-items", "30", "--query", "[length(Contents), NextToken]")
    assert r.rc == 0, r
    count, token = r.json()
    assert count == 30 and token


def test_listing_is_in_utf8_byte_order(s3):
    name = unique_bucket("order")
    s3.create_bucket(Bucket=name)
    keys = ["a", "B", "é", "z", "~", "한", "A", "0", "_", "aa", "\u00ff", "\uffef"]
    for k in keys:
        s3.put_object(Bucket=name, Key=k, Body=b"")
    assert keys_of(s3.list_objects_v2(Bucket=name)) == sorted(keys, key=lambda k: k.encode())
