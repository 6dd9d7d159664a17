"""S3 buckets with the aws CLI (s3 and s3api) and boto3: create (regions, location constraints,
naming rules, conflicts within and across accounts), head, list, location and delete."""

import urllib.parse

import pytest
from botocore.exceptions import ClientError

from conftest import s3_client, s3_error, s3_error_fields, s3_request, unique_bucket

REGION = "ap-northeast-2"
OTHER_ACCOUNT_KEY = "111122223333"


@pytest.fixture(scope="module")
def s3(daemon):
    return s3_client(daemon.endpoint, region=REGION)


@pytest.fixture(scope="module")
def s3_east(daemon):
    return s3_client(daemon.endpoint, region="us-east-1")


@pytest.fixture(scope="module")
def s3_other(daemon):
    """The root of account 111122223333 (any 12-digit access key id with secret "test")."""
    return s3_client(daemon.endpoint, region=REGION, access_key=OTHER_ACCOUNT_KEY)


def create(s3, name, region=REGION):
    return s3.create_bucket(Bucket=name,
                            CreateBucketConfiguration={"LocationConstraint": region})


def expect_error(call, code, status, **kwargs):
    with pytest.raises(ClientError) as e:
        call(**kwargs)
    got_code, got_status, message, headers = s3_error(e.value)
    assert (got_code, got_status) == (code, status), e.value.response
    return message, headers, e.value.response


# --- create -------------------------------------------------------------------------------------


def test_create_with_location_constraint(daemon, s3):
    name = unique_bucket()
    out = create(s3, name)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert out["Location"] == "/" + name
    assert out["ResponseMetadata"]["HTTPHeaders"]["location"] == "/" + name
    assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] == REGION
    head = s3.head_bucket(Bucket=name)
    assert head["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == REGION


def test_create_with_aws_s3_mb_and_s3api(daemon):
    name = unique_bucket("cli")
    r = daemon.aws("s3", "mb", f"s3://{name}", region=REGION)
    assert r.rc == 0, r
    assert r.stdout.strip() == f"make_bucket: {name}", r
    r = daemon.aws("s3api", "get-bucket-location", "--bucket", name, region=REGION)
    assert r.rc == 0, r
    assert r.json() == {"LocationConstraint": REGION}
    r = daemon.aws("s3api", "head-bucket", "--bucket", name, region=REGION)
    assert r.rc == 0, r

    name2 = unique_bucket("cli")
    r = daemon.aws("s3api", "create-bucket", "--bucket", name2, "--create-bucket-configuration",
                   f"LocationConstraint={REGION}", region=REGION)
    assert r.rc == 0, r
    assert r.json() == {"Location": "/" + name2}


def test_create_in_us_east_1_has_null_location(daemon, s3_east):
    name = unique_bucket()
    out = s3_east.create_bucket(Bucket=name)
    assert out["Location"] == "/" + name
    assert s3_east.get_bucket_location(Bucket=name)["LocationConstraint"] is None
    head = s3_east.head_bucket(Bucket=name)
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "us-east-1"
    r = daemon.aws("s3api", "get-bucket-location", "--bucket", name)
    assert r.rc == 0, r
    assert r.json() == {"LocationConstraint": None}
    # The raw document: an empty LocationConstraint element.
    raw = s3_request(daemon, "GET", f"/{name}?location")
    assert raw.status == 200, raw
    assert b"<LocationConstraint" in raw.body and b"us-east-1" not in raw.body, raw


def test_us_east_1_location_constraint_is_rejected(s3_east):
    # S3 refuses the explicit us-east-1 constraint: that region is expressed by leaving it out.
    name = unique_bucket()
    expect_error(s3_east.create_bucket, "InvalidLocationConstraint", 400, Bucket=name,
                 CreateBucketConfiguration={"LocationConstraint": "us-east-1"})


def test_create_from_global_endpoint_with_other_region(s3_east):
    # Requests signed for us-east-1 (the global endpoint) may create a bucket anywhere.
    name = unique_bucket()
    create(s3_east, name, "eu-west-1")
    assert s3_east.get_bucket_location(Bucket=name)["LocationConstraint"] == "eu-west-1"


def test_unspecified_location_constraint_outside_us_east_1(s3):
    # S3: "The unspecified location constraint is incompatible for the region specific endpoint
    # this request was sent to." (a regional endpoint needs a matching LocationConstraint).
    name = unique_bucket()
    message, _, _ = expect_error(s3.create_bucket, "IllegalLocationConstraintException", 400,
                                 Bucket=name)
    assert message == ("The unspecified location constraint is incompatible for the region "
                       "specific endpoint this request was sent to.")
    expect_error(s3.head_bucket, "404", 404, Bucket=name)


def test_mismatched_location_constraint_on_regional_endpoint(s3):
    name = unique_bucket()
    message, _, _ = expect_error(s3.create_bucket, "IllegalLocationConstraintException", 400,
                                 Bucket=name,
                                 CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert message == ("The eu-west-1 location constraint is incompatible for the region "
                       "specific endpoint this request was sent to.")


BAD_NAMES = [
    "ab",                      # too short
    "a" * 64,                  # too long
    "UpperCase",               # uppercase
    "under_score",             # underscore
    "-leading-dash",
    "trailing-dash-",
    ".leading-dot",
    "trailing-dot.",
    "double..dot",
    "dot.-dash",
    "dash-.dot",
    "192.168.5.4",             # formatted as an IP address
    "xn--punycode",            # reserved prefixes
    "sthree-bucket",
    "amzn-s3-demo-bucket",
    "name-s3alias",            # reserved suffixes
    "name--ol-s3",
    "name.mrap",
    "name--x-s3",
]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_invalid_bucket_names_with_boto3(s3, name):
    _, _, resp = expect_error(create, "InvalidBucketName", 400, s3=s3, name=name)
    assert resp["Error"]["Message"] == "The specified bucket is not valid."
    assert resp["Error"].get("BucketName") == name


@pytest.mark.parametrize("name", ["bad!name", "with space", "ümlaut", "semi;colon", "a+b"])
def test_invalid_bucket_names_raw(daemon, name):
    # Names botocore would refuse before sending: signed raw requests.
    r = s3_request(daemon, "PUT", "/" + urllib.parse.quote(name, safe=""))
    assert r.status == 400, r
    fields = s3_error_fields(r.body)
    assert fields["Code"] == "InvalidBucketName", r
    assert fields["BucketName"] == name, r


def test_invalid_bucket_names_with_aws_cli(daemon):
    for name in ("UpperCase", "192.168.5.4"):
        r = daemon.aws("s3api", "create-bucket", "--bucket", name,
                       "--create-bucket-configuration", f"LocationConstraint={REGION}",
                       region=REGION)
        assert r.rc != 0, r
        assert r.error_code() == "InvalidBucketName", r


@pytest.mark.parametrize("name", ["abc", "a" * 63, "a.b-c.1", "1-2-3", "my.bucket.example.com",
                                  "192.168.5.4x"])
def test_valid_bucket_names(s3, name):
    create(s3, name)
    assert s3.head_bucket(Bucket=name)["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_anonymous_create_is_access_denied(daemon):
    name = unique_bucket()
    r = daemon.http("PUT", "/" + name, b"", {"Content-Length": "0"})
    assert r.status == 403, r
    assert s3_error_fields(r.body)["Code"] == "AccessDenied", r


# --- conflicts ----------------------------------------------------------------------------------


def test_create_owned_bucket_again_is_409(daemon, s3):
    name = unique_bucket()
    create(s3, name)
    message, headers, resp = expect_error(create, "BucketAlreadyOwnedByYou", 409, s3=s3,
                                          name=name)
    assert message == ("Your previous request to create the named bucket succeeded and you "
                       "already own it.")
    assert resp["Error"]["BucketName"] == name
    assert headers["content-type"] == "application/xml"
    r = daemon.aws("s3api", "create-bucket", "--bucket", name, "--create-bucket-configuration",
                   f"LocationConstraint={REGION}", region=REGION)
    assert r.rc == 254, r
    assert r.error_code() == "BucketAlreadyOwnedByYou", r
    r = daemon.aws("s3", "mb", f"s3://{name}", region=REGION)
    assert r.rc == 1, r
    assert "BucketAlreadyOwnedByYou" in r.stderr, r


def test_create_owned_bucket_again_in_us_east_1_succeeds(s3_east):
    # us-east-1 keeps S3's legacy answer: 200 for the owner.
    name = unique_bucket()
    s3_east.create_bucket(Bucket=name)
    again = s3_east.create_bucket(Bucket=name)
    assert again["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_bucket_of_another_account_already_exists(daemon, s3, s3_other):
    name = unique_bucket()
    create(s3, name)
    message, _, resp = expect_error(create, "BucketAlreadyExists", 409, s3=s3_other, name=name)
    assert message.startswith("The requested bucket name is not available.")
    assert resp["Error"]["BucketName"] == name
    # Also from us-east-1, where the owner would get 200.
    east_other = s3_client(daemon.endpoint, region="us-east-1", access_key=OTHER_ACCOUNT_KEY)
    expect_error(east_other.create_bucket, "BucketAlreadyExists", 409, Bucket=name)
    r = daemon.aws("s3api", "create-bucket", "--bucket", name, "--create-bucket-configuration",
                   f"LocationConstraint={REGION}", region=REGION, access_key=OTHER_ACCOUNT_KEY)
    assert r.error_code() == "BucketAlreadyExists", r


def test_other_account_cannot_see_or_delete_private_bucket(s3, s3_other):
    name = unique_bucket()
    create(s3, name)
    expect_error(s3_other.head_bucket, "403", 403, Bucket=name)
    expect_error(s3_other.get_bucket_location, "AccessDenied", 403, Bucket=name)
    expect_error(s3_other.list_objects_v2, "AccessDenied", 403, Bucket=name)
    expect_error(s3_other.delete_bucket, "AccessDenied", 403, Bucket=name)
    names = [b["Name"] for b in s3_other.list_buckets()["Buckets"]]
    assert name not in names
    assert s3.head_bucket(Bucket=name)["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_head_bucket_of_another_account_names_its_region(s3, s3_other):
    # S3 answers HeadBucket with x-amz-bucket-region even when access is denied (SDKs find a
    # bucket's region this way).
    name = unique_bucket()
    create(s3, name)
    _, headers, _ = expect_error(s3_other.head_bucket, "403", 403, Bucket=name)
    assert headers.get("x-amz-bucket-region") == REGION, headers


# --- head, list, location -----------------------------------------------------------------------


def test_head_missing_bucket_is_404_without_body(daemon, s3):
    name = unique_bucket()
    _, headers, _ = expect_error(s3.head_bucket, "404", 404, Bucket=name)
    r = s3_request(daemon, "HEAD", "/" + name)
    assert r.status == 404 and r.body == b"", r
    assert "x-amz-request-id" in r.headers
    r = daemon.aws("s3api", "head-bucket", "--bucket", name, region=REGION)
    assert r.rc == 254, r
    assert "(404)" in r.stderr, r


def test_get_location_of_missing_bucket(s3):
    name = unique_bucket()
    _, _, resp = expect_error(s3.get_bucket_location, "NoSuchBucket", 404, Bucket=name)
    assert resp["Error"]["Message"] == "The specified bucket does not exist"
    assert resp["Error"]["BucketName"] == name


def test_list_buckets(daemon, s3):
    names = sorted(unique_bucket("list") for _ in range(3))
    for n in names:
        create(s3, n)
    out = s3.list_buckets()
    listed = [b["Name"] for b in out["Buckets"]]
    assert listed == sorted(listed), "ListBuckets is sorted by name"
    assert set(names) <= set(listed)
    for b in out["Buckets"]:
        assert b["CreationDate"].tzinfo is not None
    owner = out["Owner"]
    assert len(owner["ID"]) == 64 and all(c in "0123456789abcdef" for c in owner["ID"]), owner
    assert "DisplayName" in owner

    r = daemon.aws("s3api", "list-buckets", region=REGION)
    assert r.rc == 0, r
    cli = r.json()
    assert set(names) <= {b["Name"] for b in cli["Buckets"]}
    assert cli["Owner"]["ID"] == owner["ID"]

    r = daemon.aws("s3", "ls", region=REGION)
    assert r.rc == 0, r
    lines = {line.split()[-1] for line in r.stdout.splitlines() if line.strip()}
    assert set(names) <= lines, r.stdout


def test_list_buckets_of_another_account_are_separate(s3, s3_other):
    mine, theirs = unique_bucket(), unique_bucket()
    create(s3, mine)
    create(s3_other, theirs)
    my_names = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    their_names = {b["Name"] for b in s3_other.list_buckets()["Buckets"]}
    assert mine in my_names and theirs not in my_names
    assert theirs in their_names and mine not in their_names
    assert s3.list_buckets()["Owner"]["ID"] != s3_other.list_buckets()["Owner"]["ID"]


def test_list_buckets_anonymously_is_access_denied(daemon):
    r = daemon.http("GET", "/")
    assert r.status == 403, r
    assert s3_error_fields(r.body)["Code"] == "AccessDenied"


# --- delete -------------------------------------------------------------------------------------


def test_delete_bucket(daemon, s3):
    name = unique_bucket()
    create(s3, name)
    out = s3.delete_bucket(Bucket=name)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 204
    expect_error(s3.head_bucket, "404", 404, Bucket=name)
    _, _, resp = expect_error(s3.delete_bucket, "NoSuchBucket", 404, Bucket=name)
    assert resp["Error"]["BucketName"] == name
    r = daemon.aws("s3api", "delete-bucket", "--bucket", name, region=REGION)
    assert r.rc == 254 and r.error_code() == "NoSuchBucket", r
    # The name is free again.
    create(s3, name)
    assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] == REGION


def test_delete_non_empty_bucket(daemon, s3):
    name = unique_bucket()
    create(s3, name)
    s3.put_object(Bucket=name, Key="a/b", Body=b"data")
    message, _, resp = expect_error(s3.delete_bucket, "BucketNotEmpty", 409, Bucket=name)
    assert message == "The bucket you tried to delete is not empty"
    assert resp["Error"]["BucketName"] == name
    r = daemon.aws("s3api", "delete-bucket", "--bucket", name, region=REGION)
    assert r.rc == 254 and r.error_code() == "BucketNotEmpty", r
    r = daemon.aws("s3", "rb", f"s3://{name}", region=REGION)
    assert r.rc == 1 and "BucketNotEmpty" in r.stderr, r
    # rb --force empties it first.
    r = daemon.aws("s3", "rb", "--force", f"s3://{name}", region=REGION)
    assert r.rc == 0, r
    assert f"remove_bucket: {name}" in r.stdout, r
    expect_error(s3.head_bucket, "404", 404, Bucket=name)


def test_versioned_bucket_with_only_a_delete_marker_is_not_empty(s3):
    name = unique_bucket()
    create(s3, name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    put = s3.put_object(Bucket=name, Key="k", Body=b"v1")
    s3.delete_object(Bucket=name, Key="k")
    assert s3.list_objects_v2(Bucket=name)["KeyCount"] == 0
    expect_error(s3.delete_bucket, "BucketNotEmpty", 409, Bucket=name)
    versions = s3.list_object_versions(Bucket=name)
    for v in versions.get("Versions", []) + versions.get("DeleteMarkers", []):
        s3.delete_object(Bucket=name, Key=v["Key"], VersionId=v["VersionId"])
    assert put["VersionId"]
    s3.delete_bucket(Bucket=name)
