"""S3 versioning with boto3 and the aws CLI: enabling, several versions of a key, delete markers
(404 with x-amz-delete-marker, 405 when addressed by version), ListObjectVersions with
pagination, deleting versions (the previous one becomes current) and suspended versioning
(the "null" version)."""

import pytest
from botocore.exceptions import ClientError

from conftest import s3_error, s3_error_fields, s3_request, unique_bucket


def versioned_bucket(s3, prefix="ver"):
    name = unique_bucket(prefix)
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


def expect_error(call, code, status, **kwargs):
    with pytest.raises(ClientError) as e:
        call(**kwargs)
    got = s3_error(e.value)
    assert (got[0], got[1]) == (code, status), e.value.response
    return e.value.response


def headers_of(resp):
    return resp["ResponseMetadata"]["HTTPHeaders"]


def test_versioning_status(daemon, s3):
    name = unique_bucket("status")
    s3.create_bucket(Bucket=name)
    out = s3.get_bucket_versioning(Bucket=name)
    assert "Status" not in out
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
    r = daemon.aws("s3api", "put-bucket-versioning", "--bucket", name,
                   "--versioning-configuration", "Status=Suspended")
    assert r.rc == 0, r
    r = daemon.aws("s3api", "get-bucket-versioning", "--bucket", name)
    assert r.rc == 0 and r.json() == {"Status": "Suspended"}, r
    expect_error(s3.put_bucket_versioning, "MalformedXML", 400, Bucket=name,
                 VersioningConfiguration={"Status": "Disabled"})
    expect_error(s3.get_bucket_versioning, "NoSuchBucket", 404, Bucket=unique_bucket("none"))


def test_several_versions(s3):
    name = versioned_bucket(s3)
    ids = []
    for i in range(3):
        put = s3.put_object(Bucket=name, Key="doc", Body=f"version {i}".encode())
        assert headers_of(put)["x-amz-version-id"] == put["VersionId"]
        ids.append(put["VersionId"])
    assert len(set(ids)) == 3 and all(ids) and "null" not in ids
    for i, vid in enumerate(ids):
        got = s3.get_object(Bucket=name, Key="doc", VersionId=vid)
        assert got["Body"].read() == f"version {i}".encode()
        assert got["VersionId"] == vid
        assert s3.head_object(Bucket=name, Key="doc", VersionId=vid)["VersionId"] == vid
    latest = s3.get_object(Bucket=name, Key="doc")
    assert latest["Body"].read() == b"version 2" and latest["VersionId"] == ids[2]
    # Listings of current objects show one key.
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=name)["Contents"]] == ["doc"]
    out = s3.list_object_versions(Bucket=name)
    versions = out["Versions"]
    assert [v["VersionId"] for v in versions] == ids[::-1]  # newest first
    assert [v["IsLatest"] for v in versions] == [True, False, False]
    assert all(v["Key"] == "doc" and v["Size"] == 9 for v in versions)
    assert "DeleteMarkers" not in out
    # A version id that does not exist.
    resp = expect_error(s3.get_object, "NoSuchVersion", 404, Bucket=name, Key="doc",
                        VersionId="3sL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY")
    assert resp["Error"]["Message"] == "The specified version does not exist."


def test_delete_marker_semantics(daemon, s3):
    name = versioned_bucket(s3)
    v1 = s3.put_object(Bucket=name, Key="k", Body=b"one")["VersionId"]
    deleted = s3.delete_object(Bucket=name, Key="k")
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert deleted["DeleteMarker"] is True
    marker = deleted["VersionId"]
    assert marker and marker != v1

    # GET and HEAD of the key: 404 with the marker's headers.
    r = s3_request(daemon, "GET", f"/{name}/k")
    assert r.status == 404, r
    assert s3_error_fields(r.body)["Code"] == "NoSuchKey"
    assert r.headers["x-amz-delete-marker"] == "true"
    assert r.headers["x-amz-version-id"] == marker
    r = s3_request(daemon, "HEAD", f"/{name}/k")
    assert r.status == 404 and r.headers["x-amz-delete-marker"] == "true", r
    _, _, _, headers = s3_error(pytest.raises(ClientError, s3.head_object, Bucket=name,
                                              Key="k").value)
    assert headers["x-amz-delete-marker"] == "true"

    # Addressed by its version id: 405 MethodNotAllowed.
    resp = expect_error(s3.get_object, "MethodNotAllowed", 405, Bucket=name, Key="k",
                        VersionId=marker)
    assert resp["Error"]["Message"] == "The specified method is not allowed against this resource."
    r = s3_request(daemon, "GET", f"/{name}/k?versionId={marker}")
    assert r.status == 405, r
    fields = s3_error_fields(r.body)
    assert fields["Method"] == "GET" and fields["ResourceType"] == "DeleteMarker", fields
    assert r.headers["x-amz-delete-marker"] == "true"
    r = s3_request(daemon, "HEAD", f"/{name}/k?versionId={marker}")
    assert r.status == 405 and r.headers["x-amz-delete-marker"] == "true", r

    # The old version is still there.
    assert s3.get_object(Bucket=name, Key="k", VersionId=v1)["Body"].read() == b"one"
    assert s3.list_objects_v2(Bucket=name)["KeyCount"] == 0
    out = s3.list_object_versions(Bucket=name)
    (dm,) = out["DeleteMarkers"]
    assert dm["Key"] == "k" and dm["VersionId"] == marker and dm["IsLatest"] is True
    assert "Owner" in dm
    (v,) = out["Versions"]
    assert v["VersionId"] == v1 and v["IsLatest"] is False

    # Deleting the marker brings the object back.
    out = s3.delete_object(Bucket=name, Key="k", VersionId=marker)
    assert out["DeleteMarker"] is True and out["VersionId"] == marker
    got = s3.get_object(Bucket=name, Key="k")
    assert got["Body"].read() == b"one" and got["VersionId"] == v1


def test_delete_version_promotes_previous(daemon, s3):
    name = versioned_bucket(s3)
    v1 = s3.put_object(Bucket=name, Key="k", Body=b"1")["VersionId"]
    v2 = s3.put_object(Bucket=name, Key="k", Body=b"2")["VersionId"]
    v3 = s3.put_object(Bucket=name, Key="k", Body=b"3")["VersionId"]
    out = s3.delete_object(Bucket=name, Key="k", VersionId=v3)
    assert out["VersionId"] == v3 and "DeleteMarker" not in out
    got = s3.get_object(Bucket=name, Key="k")
    assert got["Body"].read() == b"2" and got["VersionId"] == v2
    # Deleting a non-current version changes nothing current.
    s3.delete_object(Bucket=name, Key="k", VersionId=v1)
    assert s3.get_object(Bucket=name, Key="k")["VersionId"] == v2
    versions = s3.list_object_versions(Bucket=name)["Versions"]
    assert [(v["VersionId"], v["IsLatest"]) for v in versions] == [(v2, True)]
    # Deleting the last version leaves no key at all.
    s3.delete_object(Bucket=name, Key="k", VersionId=v2)
    expect_error(s3.get_object, "NoSuchKey", 404, Bucket=name, Key="k")
    assert "Versions" not in s3.list_object_versions(Bucket=name)
    # Deleting a version that is not there: 204.
    out = s3.delete_object(Bucket=name, Key="k", VersionId=v2)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 204
    s3.delete_bucket(Bucket=name)


def test_suspended_versioning_writes_null_versions(s3):
    name = versioned_bucket(s3)
    v1 = s3.put_object(Bucket=name, Key="k", Body=b"enabled")["VersionId"]
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Suspended"})
    put = s3.put_object(Bucket=name, Key="k", Body=b"null one")
    assert put["VersionId"] == "null"
    put = s3.put_object(Bucket=name, Key="k", Body=b"null two")
    assert put["VersionId"] == "null"
    versions = s3.list_object_versions(Bucket=name)["Versions"]
    # The second null write replaced the first; the enabled-era version stays.
    assert [(v["VersionId"], v["IsLatest"]) for v in versions] == [("null", True), (v1, False)]
    got = s3.get_object(Bucket=name, Key="k", VersionId="null")
    assert got["Body"].read() == b"null two" and got["VersionId"] == "null"
    # A delete while suspended puts a null delete marker in place of the null version.
    out = s3.delete_object(Bucket=name, Key="k")
    assert out["DeleteMarker"] is True and out["VersionId"] == "null"
    out = s3.list_object_versions(Bucket=name)
    assert [v["VersionId"] for v in out["Versions"]] == [v1]
    assert [(m["VersionId"], m["IsLatest"]) for m in out["DeleteMarkers"]] == [("null", True)]
    # Re-enabled: new versions get ids again, the null marker stays in the history.
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    v3 = s3.put_object(Bucket=name, Key="k", Body=b"again")["VersionId"]
    assert v3 not in ("null", v1)
    out = s3.list_object_versions(Bucket=name)
    assert [v["VersionId"] for v in out["Versions"]] == [v3, v1]
    assert [(m["VersionId"], m["IsLatest"]) for m in out["DeleteMarkers"]] == [("null", False)]


def test_objects_from_before_versioning_are_null_versions(s3):
    name = unique_bucket("pre")
    s3.create_bucket(Bucket=name)
    put = s3.put_object(Bucket=name, Key="old", Body=b"pre-versioning")
    assert "VersionId" not in put
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    head = s3.head_object(Bucket=name, Key="old")
    assert head["VersionId"] == "null"
    v2 = s3.put_object(Bucket=name, Key="old", Body=b"versioned")["VersionId"]
    out = s3.list_object_versions(Bucket=name)
    assert [v["VersionId"] for v in out["Versions"]] == [v2, "null"]
    assert s3.get_object(Bucket=name, Key="old", VersionId="null")["Body"].read() == \
        b"pre-versioning"


def test_list_object_versions_pagination(s3):
    name = versioned_bucket(s3)
    expected = []
    for key in ("a", "b/1", "b/2", "c"):
        ids = [s3.put_object(Bucket=name, Key=key, Body=b"x")["VersionId"] for _ in range(3)]
        expected += [(key, vid) for vid in reversed(ids)]
    marker = s3.delete_object(Bucket=name, Key="c")["VersionId"]
    expected.insert(expected.index(("c", expected[-3][1])), ("c", marker))
    seen, key_marker, vid_marker, pages = [], None, None, 0
    while True:
        kwargs = {}
        if key_marker is not None:
            kwargs = {"KeyMarker": key_marker, "VersionIdMarker": vid_marker}
        out = s3.list_object_versions(Bucket=name, MaxKeys=5, **kwargs)
        pages += 1
        entries = out.get("Versions", []) + out.get("DeleteMarkers", [])
        entries.sort(key=lambda e: expected.index((e["Key"], e["VersionId"])))
        seen += [(e["Key"], e["VersionId"]) for e in entries]
        if not out["IsTruncated"]:
            break
        assert len(entries) == 5
        key_marker, vid_marker = out["NextKeyMarker"], out["NextVersionIdMarker"]
        assert (key_marker, vid_marker) == seen[-1]
    assert seen == expected
    assert pages == 3
    # The paginator, with a prefix and a delimiter.
    pages = list(s3.get_paginator("list_object_versions").paginate(
        Bucket=name, PaginationConfig={"PageSize": 2}))
    flat = [(v["Key"], v["VersionId"]) for p in pages for v in p.get("Versions", [])]
    assert flat == [e for e in expected if e[1] != marker]
    out = s3.list_object_versions(Bucket=name, Delimiter="/")
    assert [p["Prefix"] for p in out["CommonPrefixes"]] == ["b/"]
    assert sorted({v["Key"] for v in out["Versions"]}) == ["a", "c"]
    out = s3.list_object_versions(Bucket=name, Prefix="b/2")
    assert {v["Key"] for v in out["Versions"]} == {"b/2"} and len(out["Versions"]) == 3


def test_version_id_marker_without_key_marker(daemon, s3):
    name = versioned_bucket(s3)
    r = s3_request(daemon, "GET", f"/{name}?versions&version-id-marker=abc")
    assert r.status == 400, r
    fields = s3_error_fields(r.body)
    assert fields["Code"] == "InvalidArgument"
    assert fields["Message"] == "A version-id marker cannot be specified without a key marker."


def test_versions_with_aws_cli(daemon, s3, tmp_path):
    name = unique_bucket("vcli")
    s3.create_bucket(Bucket=name)
    r = daemon.aws("s3api", "put-bucket-versioning", "--bucket", name,
                   "--versioning-configuration", "Status=Enabled")
    assert r.rc == 0, r
    src = tmp_path / "f"
    ids = []
    for i in range(2):
        src.write_text(f"cli {i}")
        r = daemon.aws("s3api", "put-object", "--bucket", name, "--key", "k", "--body", str(src))
        assert r.rc == 0, r
        ids.append(r.json()["VersionId"])
    r = daemon.aws("s3api", "list-object-versions", "--bucket", name)
    assert r.rc == 0, r
    assert [v["VersionId"] for v in r.json()["Versions"]] == ids[::-1]
    out = tmp_path / "out"
    r = daemon.aws("s3api", "get-object", "--bucket", name, "--key", "k", "--version-id",
                   ids[0], str(out))
    assert r.rc == 0 and out.read_text() == "cli 0", r
    r = daemon.aws("s3api", "delete-object", "--bucket", name, "--key", "k")
    assert r.rc == 0, r
    assert r.json()["DeleteMarker"] is True
    marker = r.json()["VersionId"]
    r = daemon.aws("s3api", "get-object", "--bucket", name, "--key", "k", str(out))
    assert r.rc == 254 and r.error_code() == "NoSuchKey", r
    r = daemon.aws("s3api", "get-object", "--bucket", name, "--key", "k", "--version-id",
                   marker, str(out))
    assert r.rc == 254 and r.error_code() == "MethodNotAllowed", r
    r = daemon.aws("s3api", "delete-object", "--bucket", name, "--key", "k", "--version-id",
                   marker)
    assert r.rc == 0 and r.json() == {"DeleteMarker": True, "VersionId": marker}, r
    r = daemon.aws("s3", "cp", f"s3://{name}/k", "-")
    assert r.rc == 0 and r.stdout == "cli 1", r
