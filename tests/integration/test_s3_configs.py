"""S3 bucket sub-resources through boto3 and the aws CLI: tagging, CORS, website, lifecycle,
encryption, policy (and policy status), public access block, ownership controls, notification,
logging, request payment, accelerate and Object Lock configuration. Each is put, read back and
deleted; S3's validation rules and the 404 answers for missing configurations are checked, and
another account is refused every one of them."""

import json
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError

from conftest import (expect_s3_error, s3_client, s3_error, s3_error_fields, s3_request,
                      unique_bucket)

OTHER_ACCOUNT_KEY = "111122223333"
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture(scope="module")
def s3_other(daemon):
    return s3_client(daemon.endpoint, access_key=OTHER_ACCOUNT_KEY)


@pytest.fixture
def bucket(s3):
    name = unique_bucket("cfg")
    s3.create_bucket(Bucket=name)
    return name



def cli_ok(daemon, *args):
    r = daemon.aws("s3api", *args)
    assert r.rc == 0, r
    return r.json() if r.stdout.strip() else {}


def cli_error(daemon, code, *args):
    r = daemon.aws("s3api", *args)
    assert r.rc != 0 and r.error_code() == code, r
    return r


def anonymous_get(daemon, path):
    req = urllib.request.Request(daemon.endpoint + path)
    try:
        with OPENER.open(req, timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


# --- tagging -------------------------------------------------------------------------------------


def test_tagging_round_trip_boto3(s3, bucket):
    expect_s3_error(s3.get_bucket_tagging, "NoSuchTagSet", 404, "The TagSet does not exist",
                 Bucket=bucket)
    tags = [{"Key": f"k{i:02d}", "Value": f"v{i}"} for i in range(50)]
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tags})
    got = s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
    assert sorted(got, key=lambda t: t["Key"]) == tags
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "team", "Value": ""}]})
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "team", "Value": ""}]
    out = s3.delete_bucket_tagging(Bucket=bucket)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 204
    expect_s3_error(s3.get_bucket_tagging, "NoSuchTagSet", 404, Bucket=bucket)


def test_tagging_limits(s3, bucket):
    tags = [{"Key": f"k{i}", "Value": "v"} for i in range(51)]
    expect_s3_error(s3.put_bucket_tagging, "BadRequest", 400,
                 "Bucket tag count cannot be greater than 50",
                 Bucket=bucket, Tagging={"TagSet": tags})
    expect_s3_error(s3.put_bucket_tagging, "InvalidTag", 400,
                 "System tags cannot be added/updated by requester",
                 Bucket=bucket, Tagging={"TagSet": [{"Key": "aws:createdBy", "Value": "me"}]})
    expect_s3_error(s3.put_bucket_tagging, "InvalidTag", 400,
                 "Cannot provide multiple Tags with the same key",
                 Bucket=bucket, Tagging={"TagSet": [{"Key": "a", "Value": "1"},
                                                    {"Key": "a", "Value": "2"}]})
    expect_s3_error(s3.put_bucket_tagging, "InvalidTag", 400,
                 "The TagKey you have provided is invalid",
                 Bucket=bucket, Tagging={"TagSet": [{"Key": "k" * 129, "Value": "1"}]})
    expect_s3_error(s3.put_bucket_tagging, "InvalidTag", 400,
                 "The TagValue you have provided is invalid",
                 Bucket=bucket, Tagging={"TagSet": [{"Key": "k", "Value": "v" * 257}]})
    # Nothing was stored by the refused requests.
    expect_s3_error(s3.get_bucket_tagging, "NoSuchTagSet", 404, Bucket=bucket)


def test_tagging_with_cli(daemon, bucket):
    cli_error(daemon, "NoSuchTagSet", "get-bucket-tagging", "--bucket", bucket)
    cli_ok(daemon, "put-bucket-tagging", "--bucket", bucket, "--tagging",
           json.dumps({"TagSet": [{"Key": "env", "Value": "dev"}, {"Key": "app", "Value": "x"}]}))
    got = cli_ok(daemon, "get-bucket-tagging", "--bucket", bucket)
    assert sorted(got["TagSet"], key=lambda t: t["Key"]) == [
        {"Key": "app", "Value": "x"}, {"Key": "env", "Value": "dev"}]
    r = cli_error(daemon, "InvalidTag", "put-bucket-tagging", "--bucket", bucket, "--tagging",
                  'TagSet=[{Key=aws:x,Value=y}]')
    assert r.error_message() == "System tags cannot be added/updated by requester"
    cli_ok(daemon, "delete-bucket-tagging", "--bucket", bucket)
    cli_error(daemon, "NoSuchTagSet", "get-bucket-tagging", "--bucket", bucket)


# --- CORS ----------------------------------------------------------------------------------------

CORS = {"CORSRules": [
    {"ID": "web", "AllowedOrigins": ["https://example.com"], "AllowedMethods": ["GET", "PUT"],
     "AllowedHeaders": ["*"], "ExposeHeaders": ["ETag", "x-amz-request-id"],
     "MaxAgeSeconds": 3000},
    {"AllowedOrigins": ["*"], "AllowedMethods": ["HEAD"]},
]}


def test_cors_round_trip_boto3(s3, bucket):
    expect_s3_error(s3.get_bucket_cors, "NoSuchCORSConfiguration", 404,
                 "The CORS configuration does not exist", Bucket=bucket)
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=CORS)
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"] == CORS["CORSRules"]
    assert s3.delete_bucket_cors(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    expect_s3_error(s3.get_bucket_cors, "NoSuchCORSConfiguration", 404, Bucket=bucket)


def test_cors_validation(s3, bucket):
    expect_s3_error(s3.put_bucket_cors, "InvalidRequest", 400,
                 "Found unsupported HTTP method in CORS config. Unsupported method is PATCH",
                 Bucket=bucket, CORSConfiguration={"CORSRules": [
                     {"AllowedOrigins": ["*"], "AllowedMethods": ["GET", "PATCH"]}]})
    expect_s3_error(s3.put_bucket_cors, "InvalidRequest", 400,
                 'AllowedOrigin "http://*.a.*" can not have more than one wildcard.',
                 Bucket=bucket, CORSConfiguration={"CORSRules": [
                     {"AllowedOrigins": ["http://*.a.*"], "AllowedMethods": ["GET"]}]})
    expect_s3_error(s3.get_bucket_cors, "NoSuchCORSConfiguration", 404, Bucket=bucket)


def test_cors_with_cli(daemon, bucket):
    cli_ok(daemon, "put-bucket-cors", "--bucket", bucket, "--cors-configuration",
           json.dumps(CORS))
    assert cli_ok(daemon, "get-bucket-cors", "--bucket", bucket)["CORSRules"] == CORS["CORSRules"]
    cli_error(daemon, "InvalidRequest", "put-bucket-cors", "--bucket", bucket,
              "--cors-configuration",
              json.dumps({"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["TRACE"]}]}))
    cli_ok(daemon, "delete-bucket-cors", "--bucket", bucket)
    cli_error(daemon, "NoSuchCORSConfiguration", "get-bucket-cors", "--bucket", bucket)


# --- website -------------------------------------------------------------------------------------


def test_website_round_trip_boto3(s3, bucket):
    expect_s3_error(s3.get_bucket_website, "NoSuchWebsiteConfiguration", 404,
                 "The specified bucket does not have a website configuration", Bucket=bucket)
    config = {
        "IndexDocument": {"Suffix": "index.html"},
        "ErrorDocument": {"Key": "error.html"},
        "RoutingRules": [{"Condition": {"KeyPrefixEquals": "old/"},
                          "Redirect": {"ReplaceKeyPrefixWith": "new/", "HttpRedirectCode": "302"}}],
    }
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration=config)
    got = s3.get_bucket_website(Bucket=bucket)
    assert got["IndexDocument"] == config["IndexDocument"]
    assert got["ErrorDocument"] == config["ErrorDocument"]
    assert got["RoutingRules"] == config["RoutingRules"]
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={
        "RedirectAllRequestsTo": {"HostName": "example.com", "Protocol": "https"}})
    got = s3.get_bucket_website(Bucket=bucket)
    assert got["RedirectAllRequestsTo"] == {"HostName": "example.com", "Protocol": "https"}
    assert "IndexDocument" not in got
    assert s3.delete_bucket_website(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    expect_s3_error(s3.get_bucket_website, "NoSuchWebsiteConfiguration", 404, Bucket=bucket)


def test_website_validation(s3, bucket):
    expect_s3_error(s3.put_bucket_website, "InvalidArgument", 400,
                 "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is "
                 "empty",
                 Bucket=bucket, WebsiteConfiguration={"ErrorDocument": {"Key": "e.html"}})
    expect_s3_error(s3.put_bucket_website, "InvalidArgument", 400,
                 "The IndexDocument Suffix is not well formed",
                 Bucket=bucket, WebsiteConfiguration={"IndexDocument": {"Suffix": "a/index.html"}})
    expect_s3_error(s3.put_bucket_website, "InvalidArgument", 400,
                 "The IndexDocument Suffix is not well formed",
                 Bucket=bucket, WebsiteConfiguration={"IndexDocument": {"Suffix": ""}})
    expect_s3_error(s3.put_bucket_website, "InvalidArgument", 400,
                 "RedirectAllRequestsTo cannot be provided in conjunction with other "
                 "Routing/Redirection configurations.",
                 Bucket=bucket, WebsiteConfiguration={
                     "IndexDocument": {"Suffix": "index.html"},
                     "RedirectAllRequestsTo": {"HostName": "example.com"}})
    expect_s3_error(s3.get_bucket_website, "NoSuchWebsiteConfiguration", 404, Bucket=bucket)


def test_website_with_cli(daemon, bucket):
    cli_ok(daemon, "put-bucket-website", "--bucket", bucket, "--website-configuration",
           json.dumps({"IndexDocument": {"Suffix": "home.html"},
                       "ErrorDocument": {"Key": "oops.html"}}))
    got = cli_ok(daemon, "get-bucket-website", "--bucket", bucket)
    assert got["IndexDocument"] == {"Suffix": "home.html"}
    assert got["ErrorDocument"] == {"Key": "oops.html"}
    cli_error(daemon, "InvalidArgument", "put-bucket-website", "--bucket", bucket,
              "--website-configuration", json.dumps({"ErrorDocument": {"Key": "oops.html"}}))
    cli_ok(daemon, "delete-bucket-website", "--bucket", bucket)
    cli_error(daemon, "NoSuchWebsiteConfiguration", "get-bucket-website", "--bucket", bucket)


# --- lifecycle -----------------------------------------------------------------------------------

LIFECYCLE = {"Rules": [
    {"ID": "logs", "Filter": {"Prefix": "logs/"}, "Status": "Enabled",
     "Expiration": {"Days": 30},
     "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}]},
    {"ID": "uploads", "Filter": {"Prefix": ""}, "Status": "Disabled",
     "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}},
]}


def test_lifecycle_round_trip_boto3(s3, bucket):
    expect_s3_error(s3.get_bucket_lifecycle_configuration, "NoSuchLifecycleConfiguration", 404,
                 "The lifecycle configuration does not exist", Bucket=bucket)
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration=LIFECYCLE)
    got = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert got == LIFECYCLE["Rules"]
    assert s3.delete_bucket_lifecycle(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    expect_s3_error(s3.get_bucket_lifecycle_configuration, "NoSuchLifecycleConfiguration", 404,
                 Bucket=bucket)


def test_lifecycle_validation(s3, bucket):
    def put(rules):
        return s3.put_bucket_lifecycle_configuration(
            Bucket=bucket, LifecycleConfiguration={"Rules": rules})

    expect_s3_error(put, "MalformedXML", 400, rules=[
        {"ID": "a", "Filter": {"Prefix": ""}, "Status": "enabled", "Expiration": {"Days": 1}}])
    expect_s3_error(put, "InvalidArgument", 400,
                 "Rule ID must be unique. Found same ID for more than one rule", rules=[
                     {"ID": "same", "Filter": {"Prefix": "a"}, "Status": "Enabled",
                      "Expiration": {"Days": 1}},
                     {"ID": "same", "Filter": {"Prefix": "b"}, "Status": "Enabled",
                      "Expiration": {"Days": 2}}])
    expect_s3_error(put, "InvalidArgument", 400,
                 "At least one action needs to be specified in a rule", rules=[
                     {"ID": "none", "Filter": {"Prefix": ""}, "Status": "Enabled"}])
    expect_s3_error(put, "InvalidArgument", 400,
                 "'Days' for Expiration action must be a positive integer", rules=[
                     {"ID": "zero", "Filter": {"Prefix": ""}, "Status": "Enabled",
                      "Expiration": {"Days": 0}}])
    expect_s3_error(s3.get_bucket_lifecycle_configuration, "NoSuchLifecycleConfiguration", 404,
                 Bucket=bucket)


def test_lifecycle_with_cli(daemon, bucket):
    cli_ok(daemon, "put-bucket-lifecycle-configuration", "--bucket", bucket,
           "--lifecycle-configuration", json.dumps(LIFECYCLE))
    got = cli_ok(daemon, "get-bucket-lifecycle-configuration", "--bucket", bucket)
    assert got["Rules"] == LIFECYCLE["Rules"]
    r = cli_error(daemon, "InvalidArgument", "put-bucket-lifecycle-configuration", "--bucket",
                  bucket, "--lifecycle-configuration", json.dumps({"Rules": [
                      {"ID": "x", "Filter": {}, "Status": "Enabled"}]}))
    assert r.error_message() == "At least one action needs to be specified in a rule"
    cli_ok(daemon, "delete-bucket-lifecycle", "--bucket", bucket)
    cli_error(daemon, "NoSuchLifecycleConfiguration", "get-bucket-lifecycle-configuration",
              "--bucket", bucket)


# --- encryption ----------------------------------------------------------------------------------

DEFAULT_SSE = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
                          "BucketKeyEnabled": False}]}


def test_encryption_round_trip_boto3(s3, bucket):
    # Every bucket encrypts with SSE-S3 unless configured otherwise.
    assert s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"] == \
        DEFAULT_SSE
    kms = {"Rules": [{"ApplyServerSideEncryptionByDefault": {
        "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "arn:aws:kms:us-east-1:000000000000:key/k1"},
        "BucketKeyEnabled": True}]}
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=kms)
    assert s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"] == kms
    assert s3.delete_bucket_encryption(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"] == \
        DEFAULT_SSE
    expect_s3_error(s3.put_bucket_encryption, "MalformedXML", 400, Bucket=bucket,
                 ServerSideEncryptionConfiguration={"Rules": [
                     {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "DES"}}]})


def test_encryption_with_cli(daemon, bucket):
    got = cli_ok(daemon, "get-bucket-encryption", "--bucket", bucket)
    assert got["ServerSideEncryptionConfiguration"] == DEFAULT_SSE
    config = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]}
    cli_ok(daemon, "put-bucket-encryption", "--bucket", bucket,
           "--server-side-encryption-configuration", json.dumps(config))
    got = cli_ok(daemon, "get-bucket-encryption", "--bucket", bucket)
    assert got["ServerSideEncryptionConfiguration"]["Rules"][0][
        "ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms"}
    cli_ok(daemon, "delete-bucket-encryption", "--bucket", bucket)
    got = cli_ok(daemon, "get-bucket-encryption", "--bucket", bucket)
    assert got["ServerSideEncryptionConfiguration"] == DEFAULT_SSE


# --- policy --------------------------------------------------------------------------------------


def public_read_policy(bucket):
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*"}]})


def test_policy_round_trip_boto3(s3, bucket):
    expect_s3_error(s3.get_bucket_policy, "NoSuchBucketPolicy", 404,
                 "The bucket policy does not exist", Bucket=bucket)
    expect_s3_error(s3.get_bucket_policy_status, "NoSuchBucketPolicy", 404, Bucket=bucket)
    policy = public_read_policy(bucket)
    out = s3.put_bucket_policy(Bucket=bucket, Policy=policy)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == json.loads(policy)
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"] == {"IsPublic": True}
    private = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]})
    s3.put_bucket_policy(Bucket=bucket, Policy=private)
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"] == {"IsPublic": False}
    assert s3.delete_bucket_policy(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    expect_s3_error(s3.get_bucket_policy, "NoSuchBucketPolicy", 404, Bucket=bucket)


def test_policy_validation(s3, bucket):
    for bad in ["not json", "[1, 2]", '{"Version": "2012-10-17", "Statement": [',
                "  nope {}"]:
        expect_s3_error(s3.put_bucket_policy, "MalformedPolicy", 400,
                     "Policies must be valid JSON and the first byte must be '{'",
                     Bucket=bucket, Policy=bad)
    expect_s3_error(s3.put_bucket_policy, "MalformedPolicy", 400,
                 "Missing required field Statement",
                 Bucket=bucket, Policy='{"Version": "2012-10-17"}')
    expect_s3_error(s3.get_bucket_policy, "NoSuchBucketPolicy", 404, Bucket=bucket)


def test_policy_with_cli(daemon, bucket):
    cli_error(daemon, "NoSuchBucketPolicy", "get-bucket-policy", "--bucket", bucket)
    cli_ok(daemon, "put-bucket-policy", "--bucket", bucket, "--policy", public_read_policy(bucket))
    got = cli_ok(daemon, "get-bucket-policy", "--bucket", bucket)
    assert json.loads(got["Policy"]) == json.loads(public_read_policy(bucket))
    status = cli_ok(daemon, "get-bucket-policy-status", "--bucket", bucket)
    assert status == {"PolicyStatus": {"IsPublic": True}}
    r = cli_error(daemon, "MalformedPolicy", "put-bucket-policy", "--bucket", bucket,
                  "--policy", "{not json")
    assert r.error_message() == "Policies must be valid JSON and the first byte must be '{'"
    cli_ok(daemon, "delete-bucket-policy", "--bucket", bucket)
    cli_error(daemon, "NoSuchBucketPolicy", "get-bucket-policy-status", "--bucket", bucket)


# --- public access block -------------------------------------------------------------------------

ALL_BLOCKED = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
               "RestrictPublicBuckets": True}


def test_public_access_block_round_trip_boto3(s3, bucket):
    expect_s3_error(s3.get_public_access_block, "NoSuchPublicAccessBlockConfiguration", 404,
                 "The public access block configuration was not found", Bucket=bucket)
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=ALL_BLOCKED)
    got = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert got == ALL_BLOCKED
    partial = {"BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": False,
               "RestrictPublicBuckets": False}
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=partial)
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == partial
    out = s3.delete_public_access_block(Bucket=bucket)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 204
    expect_s3_error(s3.get_public_access_block, "NoSuchPublicAccessBlockConfiguration", 404,
                 Bucket=bucket)


def test_public_access_block_with_cli(daemon, bucket):
    cli_error(daemon, "NoSuchPublicAccessBlockConfiguration", "get-public-access-block",
              "--bucket", bucket)
    cli_ok(daemon, "put-public-access-block", "--bucket", bucket,
           "--public-access-block-configuration",
           "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,"
           "RestrictPublicBuckets=true")
    got = cli_ok(daemon, "get-public-access-block", "--bucket", bucket)
    assert got["PublicAccessBlockConfiguration"] == ALL_BLOCKED
    cli_ok(daemon, "delete-public-access-block", "--bucket", bucket)
    cli_error(daemon, "NoSuchPublicAccessBlockConfiguration", "get-public-access-block",
              "--bucket", bucket)


def test_block_public_acls_refuses_public_acls(daemon, s3, bucket):
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": False,
        "RestrictPublicBuckets": False})
    for acl in ["public-read", "public-read-write", "authenticated-read"]:
        expect_s3_error(s3.put_object, "AccessDenied", 403, Bucket=bucket, Key="o", Body=b"x",
                     ACL=acl)
        expect_s3_error(s3.put_bucket_acl, "AccessDenied", 403, Bucket=bucket, ACL=acl)
    expect_s3_error(s3.head_object, "404", 404, Bucket=bucket, Key="o")
    # A grant to AllUsers in headers is public too; private ACLs are fine.
    expect_s3_error(s3.put_bucket_acl, "AccessDenied", 403, Bucket=bucket,
                 GrantRead='uri="http://acs.amazonaws.com/groups/global/AllUsers"')
    s3.put_object(Bucket=bucket, Key="o", Body=b"x", ACL="private")
    expect_s3_error(s3.put_object_acl, "AccessDenied", 403, Bucket=bucket, Key="o",
                 ACL="public-read")
    s3.put_object_acl(Bucket=bucket, Key="o", ACL="bucket-owner-full-control")
    s3.put_bucket_acl(Bucket=bucket, ACL="private")
    r = daemon.aws("s3api", "put-object", "--bucket", bucket, "--key", "cli", "--acl",
                   "public-read")
    assert r.rc != 0 and r.error_code() == "AccessDenied", r
    # Multipart uploads and copies carry ACLs too.
    expect_s3_error(s3.create_multipart_upload, "AccessDenied", 403, Bucket=bucket, Key="mp",
                 ACL="public-read")
    expect_s3_error(s3.copy_object, "AccessDenied", 403, Bucket=bucket, Key="copy",
                 CopySource={"Bucket": bucket, "Key": "o"}, ACL="public-read")


def test_ignore_public_acls_makes_public_grants_ineffective(daemon, s3, bucket):
    s3.put_object(Bucket=bucket, Key="pub.txt", Body=b"public bytes", ACL="public-read")
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    assert anonymous_get(daemon, f"/{bucket}/pub.txt") == (200, b"public bytes")
    status, _ = anonymous_get(daemon, f"/{bucket}")
    assert status == 200
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": False, "IgnorePublicAcls": True, "BlockPublicPolicy": False,
        "RestrictPublicBuckets": False})
    status, body = anonymous_get(daemon, f"/{bucket}/pub.txt")
    assert status == 403 and s3_error_fields(body)["Code"] == "AccessDenied"
    status, body = anonymous_get(daemon, f"/{bucket}")
    assert status == 403 and s3_error_fields(body)["Code"] == "AccessDenied"
    # The ACL itself is unchanged, and applies again once the block is gone.
    grants = s3.get_object_acl(Bucket=bucket, Key="pub.txt")["Grants"]
    assert any(g["Grantee"].get("URI") == "http://acs.amazonaws.com/groups/global/AllUsers"
               for g in grants)
    s3.delete_public_access_block(Bucket=bucket)
    assert anonymous_get(daemon, f"/{bucket}/pub.txt") == (200, b"public bytes")


# --- ownership controls --------------------------------------------------------------------------


def test_ownership_controls_round_trip_boto3(s3, bucket):
    expect_s3_error(s3.get_bucket_ownership_controls, "OwnershipControlsNotFoundError", 404,
                 "The bucket ownership controls were not found", Bucket=bucket)
    for value in ["BucketOwnerPreferred", "ObjectWriter", "BucketOwnerEnforced"]:
        s3.put_bucket_ownership_controls(
            Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": value}]})
        got = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]
        assert got == {"Rules": [{"ObjectOwnership": value}]}
    expect_s3_error(s3.put_bucket_ownership_controls, "MalformedXML", 400, Bucket=bucket,
                 OwnershipControls={"Rules": [{"ObjectOwnership": "Everyone"}]})
    s3.delete_bucket_ownership_controls(Bucket=bucket)
    expect_s3_error(s3.get_bucket_ownership_controls, "OwnershipControlsNotFoundError", 404,
                 Bucket=bucket)


def test_bucket_owner_enforced_disables_acls(daemon, s3, bucket):
    s3.put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    message = "The bucket does not allow ACLs"
    expect_s3_error(s3.put_bucket_acl, "AccessControlListNotSupported", 400, message,
                 Bucket=bucket, ACL="public-read")
    expect_s3_error(s3.put_object, "AccessControlListNotSupported", 400, message,
                 Bucket=bucket, Key="o", Body=b"x", ACL="public-read")
    expect_s3_error(s3.put_object, "AccessControlListNotSupported", 400, message,
                 Bucket=bucket, Key="o", Body=b"x",
                 GrantRead='uri="http://acs.amazonaws.com/groups/global/AuthenticatedUsers"')
    expect_s3_error(s3.create_multipart_upload, "AccessControlListNotSupported", 400, message,
                 Bucket=bucket, Key="mp", ACL="authenticated-read")
    # Writes must name no ACL or bucket-owner-full-control; even "private" is an ACL.
    expect_s3_error(s3.put_object, "AccessControlListNotSupported", 400, message,
                 Bucket=bucket, Key="p", Body=b"x", ACL="private")
    expect_s3_error(s3.put_bucket_acl, "AccessControlListNotSupported", 400, message,
                 Bucket=bucket, ACL="private")
    s3.put_object(Bucket=bucket, Key="o", Body=b"x", ACL="bucket-owner-full-control")
    s3.put_object(Bucket=bucket, Key="p", Body=b"x")
    expect_s3_error(s3.put_object_acl, "AccessControlListNotSupported", 400, message,
                 Bucket=bucket, Key="o", ACL="public-read")
    r = daemon.aws("s3api", "put-bucket-acl", "--bucket", bucket, "--acl", "public-read-write")
    assert r.rc != 0 and r.error_code() == "AccessControlListNotSupported", r


def test_ownership_controls_with_cli(daemon, bucket):
    cli_error(daemon, "OwnershipControlsNotFoundError", "get-bucket-ownership-controls",
              "--bucket", bucket)
    cli_ok(daemon, "put-bucket-ownership-controls", "--bucket", bucket, "--ownership-controls",
           "Rules=[{ObjectOwnership=ObjectWriter}]")
    got = cli_ok(daemon, "get-bucket-ownership-controls", "--bucket", bucket)
    assert got == {"OwnershipControls": {"Rules": [{"ObjectOwnership": "ObjectWriter"}]}}
    cli_ok(daemon, "delete-bucket-ownership-controls", "--bucket", bucket)
    cli_error(daemon, "OwnershipControlsNotFoundError", "get-bucket-ownership-controls",
              "--bucket", bucket)


# --- notification, logging, request payment, accelerate -------------------------------------------


def test_notification_default_and_round_trip(daemon, s3, bucket):
    got = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert {k for k in got if k != "ResponseMetadata"} == set()
    s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration={"EventBridgeConfiguration": {}})
    got = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert got["EventBridgeConfiguration"] == {}
    # An empty configuration turns notifications off again.
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={})
    got = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert "EventBridgeConfiguration" not in got
    cli_ok(daemon, "put-bucket-notification-configuration", "--bucket", bucket,
           "--notification-configuration", '{"EventBridgeConfiguration": {}}')
    assert cli_ok(daemon, "get-bucket-notification-configuration", "--bucket", bucket) == \
        {"EventBridgeConfiguration": {}}


def test_logging_default_and_round_trip(daemon, s3, bucket):
    target = unique_bucket("logs")
    s3.create_bucket(Bucket=target)
    got = s3.get_bucket_logging(Bucket=bucket)
    assert "LoggingEnabled" not in got
    s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={
        "LoggingEnabled": {"TargetBucket": target, "TargetPrefix": "access/"}})
    assert s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"] == {
        "TargetBucket": target, "TargetPrefix": "access/"}
    s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={})
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=bucket)
    cli_ok(daemon, "put-bucket-logging", "--bucket", bucket, "--bucket-logging-status",
           json.dumps({"LoggingEnabled": {"TargetBucket": target, "TargetPrefix": "cli/"}}))
    got = cli_ok(daemon, "get-bucket-logging", "--bucket", bucket)
    assert got == {"LoggingEnabled": {"TargetBucket": target, "TargetPrefix": "cli/"}}


def test_request_payment_default_and_round_trip(daemon, s3, bucket):
    assert s3.get_bucket_request_payment(Bucket=bucket)["Payer"] == "BucketOwner"
    s3.put_bucket_request_payment(Bucket=bucket,
                                  RequestPaymentConfiguration={"Payer": "Requester"})
    assert s3.get_bucket_request_payment(Bucket=bucket)["Payer"] == "Requester"
    expect_s3_error(s3.put_bucket_request_payment, "MalformedXML", 400, Bucket=bucket,
                 RequestPaymentConfiguration={"Payer": "Nobody"})
    cli_ok(daemon, "put-bucket-request-payment", "--bucket", bucket,
           "--request-payment-configuration", "Payer=BucketOwner")
    assert cli_ok(daemon, "get-bucket-request-payment", "--bucket", bucket) == \
        {"Payer": "BucketOwner"}


def test_accelerate_default_and_round_trip(daemon, s3, bucket):
    got = s3.get_bucket_accelerate_configuration(Bucket=bucket)
    assert "Status" not in got
    s3.put_bucket_accelerate_configuration(Bucket=bucket,
                                           AccelerateConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_accelerate_configuration(Bucket=bucket)["Status"] == "Enabled"
    expect_s3_error(s3.put_bucket_accelerate_configuration, "MalformedXML", 400, Bucket=bucket,
                 AccelerateConfiguration={"Status": "On"})
    cli_ok(daemon, "put-bucket-accelerate-configuration", "--bucket", bucket,
           "--accelerate-configuration", "Status=Suspended")
    assert cli_ok(daemon, "get-bucket-accelerate-configuration", "--bucket", bucket) == \
        {"Status": "Suspended"}


def test_accelerate_refused_for_dotted_bucket_names(s3):
    name = unique_bucket("dot") + ".example"
    s3.create_bucket(Bucket=name)
    expect_s3_error(s3.put_bucket_accelerate_configuration, "InvalidRequest", 400,
                 "S3 Transfer Acceleration is not supported for buckets with periods (.) in "
                 "their names",
                 Bucket=name, AccelerateConfiguration={"Status": "Enabled"})


# --- Object Lock configuration ---------------------------------------------------------------------


def test_object_lock_configuration(daemon, s3, bucket):
    locked = unique_bucket("lock")
    s3.create_bucket(Bucket=locked, ObjectLockEnabledForBucket=True)
    assert s3.get_bucket_versioning(Bucket=locked)["Status"] == "Enabled"
    # A bucket created with Object Lock reports it even before any rule is set.
    got = s3.get_object_lock_configuration(Bucket=locked)["ObjectLockConfiguration"]
    assert got == {"ObjectLockEnabled": "Enabled"}
    config = {"ObjectLockEnabled": "Enabled",
              "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 3}}}
    s3.put_object_lock_configuration(Bucket=locked, ObjectLockConfiguration=config)
    assert s3.get_object_lock_configuration(Bucket=locked)["ObjectLockConfiguration"] == config
    expect_s3_error(s3.put_object_lock_configuration, "MalformedXML", 400, Bucket=locked,
                 ObjectLockConfiguration={"ObjectLockEnabled": "Enabled", "Rule": {
                     "DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1, "Years": 1}}})
    expect_s3_error(s3.put_object_lock_configuration, "MalformedXML", 400, Bucket=locked,
                 ObjectLockConfiguration={"ObjectLockEnabled": "Enabled", "Rule": {
                     "DefaultRetention": {"Mode": "FOREVER", "Days": 1}}})
    cli_ok(daemon, "put-object-lock-configuration", "--bucket", locked,
           "--object-lock-configuration", json.dumps(
               {"ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Years": 1}}}))
    got = cli_ok(daemon, "get-object-lock-configuration", "--bucket", locked)
    assert got["ObjectLockConfiguration"]["Rule"] == \
        {"DefaultRetention": {"Mode": "COMPLIANCE", "Years": 1}}
    # A bucket created without Object Lock has no configuration and cannot get one.
    expect_s3_error(s3.get_object_lock_configuration, "ObjectLockConfigurationNotFoundError", 404,
                 "Object Lock configuration does not exist for this bucket", Bucket=bucket)
    expect_s3_error(s3.put_object_lock_configuration, "InvalidBucketState", 409, Bucket=bucket,
                 ObjectLockConfiguration=config)
    cli_error(daemon, "InvalidBucketState", "put-object-lock-configuration", "--bucket", bucket,
              "--object-lock-configuration", json.dumps(config))
    cli_error(daemon, "ObjectLockConfigurationNotFoundError", "get-object-lock-configuration",
              "--bucket", bucket)


# --- missing buckets and other accounts -------------------------------------------------------------

# (operation, kwargs) for every sub-resource call.
def all_calls(bucket):
    tagging = {"TagSet": [{"Key": "a", "Value": "b"}]}
    return [
        ("put_bucket_tagging", {"Tagging": tagging}),
        ("get_bucket_tagging", {}),
        ("delete_bucket_tagging", {}),
        ("put_bucket_cors", {"CORSConfiguration": CORS}),
        ("get_bucket_cors", {}),
        ("delete_bucket_cors", {}),
        ("put_bucket_website", {"WebsiteConfiguration": {"IndexDocument": {"Suffix": "i.html"}}}),
        ("get_bucket_website", {}),
        ("delete_bucket_website", {}),
        ("put_bucket_lifecycle_configuration", {"LifecycleConfiguration": LIFECYCLE}),
        ("get_bucket_lifecycle_configuration", {}),
        ("delete_bucket_lifecycle", {}),
        ("put_bucket_encryption", {"ServerSideEncryptionConfiguration": DEFAULT_SSE}),
        ("get_bucket_encryption", {}),
        ("delete_bucket_encryption", {}),
        ("put_bucket_policy", {"Policy": public_read_policy(bucket)}),
        ("get_bucket_policy", {}),
        ("get_bucket_policy_status", {}),
        ("delete_bucket_policy", {}),
        ("put_public_access_block", {"PublicAccessBlockConfiguration": ALL_BLOCKED}),
        ("get_public_access_block", {}),
        ("delete_public_access_block", {}),
        ("put_bucket_ownership_controls",
         {"OwnershipControls": {"Rules": [{"ObjectOwnership": "ObjectWriter"}]}}),
        ("get_bucket_ownership_controls", {}),
        ("delete_bucket_ownership_controls", {}),
        ("put_bucket_notification_configuration", {"NotificationConfiguration": {}}),
        ("get_bucket_notification_configuration", {}),
        ("put_bucket_logging", {"BucketLoggingStatus": {}}),
        ("get_bucket_logging", {}),
        ("put_bucket_request_payment", {"RequestPaymentConfiguration": {"Payer": "Requester"}}),
        ("get_bucket_request_payment", {}),
        ("put_bucket_accelerate_configuration", {"AccelerateConfiguration": {"Status": "Enabled"}}),
        ("get_bucket_accelerate_configuration", {}),
        ("put_object_lock_configuration", {"ObjectLockConfiguration": {
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}}}),
        ("get_object_lock_configuration", {}),
    ]


def test_other_account_is_denied_every_sub_resource(s3, s3_other):
    name = unique_bucket("deny")
    s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "owner", "Value": "me"}]})
    s3.put_bucket_policy(Bucket=name, Policy=public_read_policy(name))
    for op, kwargs in all_calls(name):
        with pytest.raises(ClientError) as e:
            getattr(s3_other, op)(Bucket=name, **kwargs)
        code, status, message, _ = s3_error(e.value)
        assert (op, code, status, message) == (op, "AccessDenied", 403, "Access Denied")
    # Nothing changed.
    assert s3.get_bucket_tagging(Bucket=name)["TagSet"] == [{"Key": "owner", "Value": "me"}]
    assert json.loads(s3.get_bucket_policy(Bucket=name)["Policy"]) == \
        json.loads(public_read_policy(name))


def test_other_account_is_denied_with_cli(daemon, s3):
    name = unique_bucket("deny")
    s3.create_bucket(Bucket=name)
    for args in (["get-bucket-tagging"], ["get-bucket-cors"], ["get-bucket-encryption"],
                 ["get-public-access-block"], ["delete-bucket-policy"]):
        r = daemon.aws("s3api", *args, "--bucket", name, access_key=OTHER_ACCOUNT_KEY)
        assert r.rc != 0 and r.error_code() == "AccessDenied", r


def test_missing_bucket_is_no_such_bucket(s3):
    name = unique_bucket("missing")
    for op, kwargs in all_calls(name):
        with pytest.raises(ClientError) as e:
            getattr(s3, op)(Bucket=name, **kwargs)
        code, status, _, _ = s3_error(e.value)
        assert (op, code, status) == (op, "NoSuchBucket", 404)


def test_config_error_document_names_the_bucket(daemon, bucket):
    r = s3_request(daemon, "GET", f"/{bucket}?cors")
    assert r.status == 404
    fields = s3_error_fields(r.body)
    assert fields["Code"] == "NoSuchCORSConfiguration"
    assert fields["BucketName"] == bucket
    assert fields["RequestId"] == r.headers["x-amz-request-id"]
