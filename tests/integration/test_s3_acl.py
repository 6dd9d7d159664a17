"""S3 access control lists: the AccessControlPolicy documents of buckets and objects (raw XML
with xsi:type grantees, as boto3 parses them), canned ACLs, grant headers from the aws CLI (by
canonical id, e-mail address and group URI), AccessControlPolicy bodies from boto3, and the
access they give other accounts and anonymous callers."""

import hashlib
import subprocess
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

import pytest

from conftest import (DaemonFactory, expect_s3_error, s3_client, s3_error_fields, s3_request,
                      unique_bucket)

NS = "http://s3.amazonaws.com/doc/2006-03-01/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

DEFAULT_EMAIL = "gureum@gureum.local"
# Account 111122223333 exists implicitly: its 12-digit access key id with the secret "test".
IMPLICIT_KEY = "111122223333"
# Account 444455556666 is added with `gureum accounts add`, with its own key and e-mail address.
MAIL_ACCOUNT = "444455556666"
MAIL_KEY, MAIL_SECRET, MAIL_EMAIL = "AKIAMAILACCOUNT00001", "mail-secret", "mail@example.com"


def canonical_id(account_id):
    """Gureum derives an account's canonical user id from its id (unless configured)."""
    return hashlib.sha256(f"gureum canonical user {account_id}".encode()).hexdigest()


OWNER_ID = canonical_id("000000000000")
IMPLICIT_ID = canonical_id(IMPLICIT_KEY)
MAIL_ID = canonical_id(MAIL_ACCOUNT)


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    factory = DaemonFactory(tmp_path_factory.mktemp("acl"))
    d = factory(start=False)
    cp = subprocess.run([d.binary, "accounts", "add", "--id", MAIL_ACCOUNT, "--access-key-id",
                         MAIL_KEY, "--secret-access-key", MAIL_SECRET, "--name", "mailer",
                         "--email", MAIL_EMAIL, "--data-dir", str(d.data_dir)],
                        capture_output=True, text=True, timeout=60)
    assert cp.returncode == 0, cp
    d.start()
    yield d
    factory.finish()


@pytest.fixture(scope="module")
def s3_implicit(daemon):
    return s3_client(daemon.endpoint, access_key=IMPLICIT_KEY)


@pytest.fixture(scope="module")
def s3_mail(daemon):
    return s3_client(daemon.endpoint, access_key=MAIL_KEY, secret_key=MAIL_SECRET)


@pytest.fixture
def bucket(s3):
    name = unique_bucket("acl")
    s3.create_bucket(Bucket=name)
    return name



def anonymous(daemon, path, method="GET", data=None):
    req = urllib.request.Request(daemon.endpoint + path, data=data, method=method)
    try:
        with OPENER.open(req, timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def grants_of(acl):
    """The grants of a GetBucketAcl/GetObjectAcl answer as comparable tuples."""
    out = set()
    for g in acl["Grants"]:
        grantee = g["Grantee"]
        who = grantee.get("ID") or grantee.get("URI") or grantee.get("EmailAddress")
        out.add((grantee["Type"], who, g["Permission"]))
    return out


def owner_full_control(cid=OWNER_ID):
    return ("CanonicalUser", cid, "FULL_CONTROL")


# --- the documents -----------------------------------------------------------------------------


def test_bucket_acl_document(daemon, s3, bucket):
    r = s3_request(daemon, "GET", f"/{bucket}?acl")
    assert r.status == 200 and r.headers["content-type"] == "application/xml"
    root = ET.fromstring(r.body)
    assert root.tag == f"{{{NS}}}AccessControlPolicy"
    assert root.find(f"{{{NS}}}Owner/{{{NS}}}ID").text == OWNER_ID
    assert root.find(f"{{{NS}}}Owner/{{{NS}}}DisplayName").text == "gureum"
    grants = root.findall(f"{{{NS}}}AccessControlList/{{{NS}}}Grant")
    assert len(grants) == 1
    grantee = grants[0].find(f"{{{NS}}}Grantee")
    assert grantee.get(f"{{{XSI}}}type") == "CanonicalUser"
    assert grantee.find(f"{{{NS}}}ID").text == OWNER_ID
    assert grants[0].find(f"{{{NS}}}Permission").text == "FULL_CONTROL"
    # The xsi prefix is declared where it is used.
    assert b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"' in r.body
    assert b'xsi:type="CanonicalUser"' in r.body
    # The Gureum-internal account id of a grantee is not part of S3's document.
    assert b"AccountId" not in r.body and b"000000000000" not in r.body

    acl = s3.get_bucket_acl(Bucket=bucket)
    assert acl["Owner"] == {"ID": OWNER_ID, "DisplayName": "gureum"}
    assert acl["Grants"] == [{"Grantee": {"Type": "CanonicalUser", "ID": OWNER_ID,
                                          "DisplayName": "gureum"},
                              "Permission": "FULL_CONTROL"}]


def test_object_acl_document_with_group_grantee(daemon, s3, bucket):
    s3.put_object(Bucket=bucket, Key="doc", Body=b"x", ACL="public-read")
    r = s3_request(daemon, "GET", f"/{bucket}/doc?acl")
    assert r.status == 200
    root = ET.fromstring(r.body)
    types = {}
    for grant in root.iter(f"{{{NS}}}Grant"):
        grantee = grant.find(f"{{{NS}}}Grantee")
        types[grantee.get(f"{{{XSI}}}type")] = grant.find(f"{{{NS}}}Permission").text
        if grantee.get(f"{{{XSI}}}type") == "Group":
            assert grantee.find(f"{{{NS}}}URI").text == ALL_USERS
    assert types == {"CanonicalUser": "FULL_CONTROL", "Group": "READ"}
    acl = s3.get_object_acl(Bucket=bucket, Key="doc")
    assert acl["Owner"]["ID"] == OWNER_ID
    assert grants_of(acl) == {owner_full_control(), ("Group", ALL_USERS, "READ")}


def test_acl_with_cli(daemon, bucket):
    r = daemon.aws("s3api", "get-bucket-acl", "--bucket", bucket)
    assert r.rc == 0, r
    assert r.json()["Grants"][0]["Grantee"]["Type"] == "CanonicalUser"
    assert r.json()["Owner"]["ID"] == OWNER_ID


# --- canned ACLs --------------------------------------------------------------------------------


@pytest.mark.parametrize("canned,extra", [
    ("private", set()),
    ("public-read", {("Group", ALL_USERS, "READ")}),
    ("public-read-write", {("Group", ALL_USERS, "READ"), ("Group", ALL_USERS, "WRITE")}),
    ("authenticated-read", {("Group", AUTHENTICATED_USERS, "READ")}),
    # Written by the bucket owner, these two add nothing.
    ("bucket-owner-read", set()),
    ("bucket-owner-full-control", set()),
])
def test_canned_object_acls(s3, bucket, canned, extra):
    s3.put_object(Bucket=bucket, Key=canned, Body=b"x", ACL=canned)
    assert grants_of(s3.get_object_acl(Bucket=bucket, Key=canned)) == {owner_full_control()} | extra
    # The same through PutObjectAcl on an existing object.
    s3.put_object(Bucket=bucket, Key=canned + "-later", Body=b"x")
    s3.put_object_acl(Bucket=bucket, Key=canned + "-later", ACL=canned)
    assert grants_of(s3.get_object_acl(Bucket=bucket, Key=canned + "-later")) == \
        {owner_full_control()} | extra


@pytest.mark.parametrize("canned,extra", [
    ("private", set()),
    ("public-read", {("Group", ALL_USERS, "READ")}),
    ("public-read-write", {("Group", ALL_USERS, "READ"), ("Group", ALL_USERS, "WRITE")}),
    ("authenticated-read", {("Group", AUTHENTICATED_USERS, "READ")}),
])
def test_canned_bucket_acls(s3, canned, extra):
    name = unique_bucket("canned")
    s3.create_bucket(Bucket=name, ACL=canned)
    assert grants_of(s3.get_bucket_acl(Bucket=name)) == {owner_full_control()} | extra
    s3.put_bucket_acl(Bucket=name, ACL="private")
    assert grants_of(s3.get_bucket_acl(Bucket=name)) == {owner_full_control()}
    s3.put_bucket_acl(Bucket=name, ACL=canned)
    assert grants_of(s3.get_bucket_acl(Bucket=name)) == {owner_full_control()} | extra


def test_bucket_owner_canned_acls_on_objects_of_another_account(s3, s3_implicit):
    name = unique_bucket("shared")
    s3.create_bucket(Bucket=name, GrantWrite=f'id="{IMPLICIT_ID}"')
    s3_implicit.put_object(Bucket=name, Key="theirs-read", Body=b"r", ACL="bucket-owner-read")
    s3_implicit.put_object(Bucket=name, Key="theirs-full", Body=b"f",
                           ACL="bucket-owner-full-control")
    s3_implicit.put_object(Bucket=name, Key="theirs-private", Body=b"p")
    # The writer owns its objects (and reads their ACLs); the bucket owner gets what they say.
    acl = s3_implicit.get_object_acl(Bucket=name, Key="theirs-read")
    assert acl["Owner"]["ID"] == IMPLICIT_ID
    assert grants_of(acl) == {owner_full_control(IMPLICIT_ID),
                              ("CanonicalUser", OWNER_ID, "READ")}
    acl = s3_implicit.get_object_acl(Bucket=name, Key="theirs-full")
    assert grants_of(acl) == {owner_full_control(IMPLICIT_ID),
                              ("CanonicalUser", OWNER_ID, "FULL_CONTROL")}
    assert s3.get_object(Bucket=name, Key="theirs-read")["Body"].read() == b"r"
    assert s3.get_object(Bucket=name, Key="theirs-full")["Body"].read() == b"f"
    # The other account cannot list the bucket it may only write to.
    expect_s3_error(s3_implicit.list_objects_v2, "AccessDenied", 403, Bucket=name)


# --- grant headers from the CLI -------------------------------------------------------------------


def test_grant_read_by_canonical_id_with_cli(daemon, s3, s3_implicit, s3_mail, bucket):
    s3.put_object(Bucket=bucket, Key="shared.txt", Body=b"for 1111")
    expect_s3_error(s3_implicit.get_object, "AccessDenied", 403, Bucket=bucket, Key="shared.txt")
    r = daemon.aws("s3api", "put-object-acl", "--bucket", bucket, "--key", "shared.txt",
                   "--grant-read", f"id={IMPLICIT_ID}", "--grant-full-control", f"id={OWNER_ID}")
    assert r.rc == 0, r
    acl = s3.get_object_acl(Bucket=bucket, Key="shared.txt")
    assert grants_of(acl) == {owner_full_control(), ("CanonicalUser", IMPLICIT_ID, "READ")}
    assert s3_implicit.get_object(Bucket=bucket, Key="shared.txt")["Body"].read() == b"for 1111"
    # READ is not READ_ACP, and other accounts still have nothing.
    expect_s3_error(s3_implicit.get_object_acl, "AccessDenied", 403, Bucket=bucket, Key="shared.txt")
    expect_s3_error(s3_mail.get_object, "AccessDenied", 403, Bucket=bucket, Key="shared.txt")
    status, _ = anonymous(daemon, f"/{bucket}/shared.txt")
    assert status == 403


def test_grant_read_by_email_with_cli(daemon, s3, s3_mail, s3_implicit, bucket):
    s3.put_object(Bucket=bucket, Key="mail.txt", Body=b"for mail")
    r = daemon.aws("s3api", "put-object-acl", "--bucket", bucket, "--key", "mail.txt",
                   "--grant-read", f"emailAddress={MAIL_EMAIL}",
                   "--grant-read-acp", f'emailAddress="{MAIL_EMAIL}"')
    assert r.rc == 0, r
    # The e-mail grantee is stored and shown as the account's canonical user.
    acl = s3.get_object_acl(Bucket=bucket, Key="mail.txt")
    assert grants_of(acl) == {("CanonicalUser", MAIL_ID, "READ"),
                              ("CanonicalUser", MAIL_ID, "READ_ACP")}
    mail_grant = [g for g in acl["Grants"] if g["Permission"] == "READ"][0]
    assert mail_grant["Grantee"]["DisplayName"] == "mailer"
    assert s3_mail.get_object(Bucket=bucket, Key="mail.txt")["Body"].read() == b"for mail"
    assert grants_of(s3_mail.get_object_acl(Bucket=bucket, Key="mail.txt")) == grants_of(acl)
    expect_s3_error(s3_implicit.get_object, "AccessDenied", 403, Bucket=bucket, Key="mail.txt")
    # The bucket owner keeps control of its object without a grant.
    assert s3.get_object(Bucket=bucket, Key="mail.txt")["Body"].read() == b"for mail"
    r = daemon.aws("s3api", "put-object-acl", "--bucket", bucket, "--key", "mail.txt",
                   "--grant-read", "emailAddress=nobody@example.com")
    assert r.rc != 0 and r.error_code() == "UnresolvableGrantByEmailAddress", r
    assert r.error_message() == ("The e-mail address you provided does not match any account "
                                 "on record.")


def test_grant_to_the_default_accounts_email(s3, s3_mail):
    name = unique_bucket("mailer")
    s3_mail.create_bucket(Bucket=name)
    s3_mail.put_object(Bucket=name, Key="k", Body=b"from mailer")
    expect_s3_error(s3.get_object, "AccessDenied", 403, Bucket=name, Key="k")
    s3_mail.put_object_acl(Bucket=name, Key="k", GrantRead=f"emailAddress={DEFAULT_EMAIL}")
    assert s3.get_object(Bucket=name, Key="k")["Body"].read() == b"from mailer"
    assert grants_of(s3_mail.get_object_acl(Bucket=name, Key="k")) == \
        {("CanonicalUser", OWNER_ID, "READ")}


def test_grant_read_to_all_users_with_cli(daemon, s3, bucket):
    s3.put_object(Bucket=bucket, Key="everyone.txt", Body=b"public now")
    assert anonymous(daemon, f"/{bucket}/everyone.txt")[0] == 403
    r = daemon.aws("s3api", "put-object-acl", "--bucket", bucket, "--key", "everyone.txt",
                   "--grant-read", f"uri={ALL_USERS}")
    assert r.rc == 0, r
    assert anonymous(daemon, f"/{bucket}/everyone.txt") == (200, b"public now")
    assert grants_of(s3.get_object_acl(Bucket=bucket, Key="everyone.txt")) == \
        {("Group", ALL_USERS, "READ")}


def test_put_object_with_grant_headers(daemon, s3, s3_implicit, bucket):
    r = daemon.aws("s3api", "put-object", "--bucket", bucket, "--key", "granted.txt",
                   "--grant-read", f'id="{IMPLICIT_ID}"', "--grant-full-control",
                   f'id="{OWNER_ID}"')
    assert r.rc == 0, r
    assert grants_of(s3.get_object_acl(Bucket=bucket, Key="granted.txt")) == \
        {owner_full_control(), ("CanonicalUser", IMPLICIT_ID, "READ")}
    assert s3_implicit.get_object(Bucket=bucket, Key="granted.txt")["ContentLength"] == 0
    expect_s3_error(s3.put_object, "InvalidRequest", 400,
                 "Specifying both Canned ACLs and Header Grants is not allowed",
                 Bucket=bucket, Key="both", Body=b"x", ACL="public-read",
                 GrantRead=f'id="{IMPLICIT_ID}"')


def test_bucket_grants_with_cli(daemon, s3, s3_implicit, s3_mail, bucket):
    s3.put_object(Bucket=bucket, Key="listed", Body=b"x")
    expect_s3_error(s3_implicit.list_objects_v2, "AccessDenied", 403, Bucket=bucket)
    r = daemon.aws("s3api", "put-bucket-acl", "--bucket", bucket,
                   "--grant-read", f"id={IMPLICIT_ID}",
                   "--grant-write", f"emailAddress={MAIL_EMAIL}",
                   "--grant-full-control", f"id={OWNER_ID}")
    assert r.rc == 0, r
    assert grants_of(s3.get_bucket_acl(Bucket=bucket)) == {
        owner_full_control(), ("CanonicalUser", IMPLICIT_ID, "READ"),
        ("CanonicalUser", MAIL_ID, "WRITE")}
    # READ on a bucket lists it, but reads no object; WRITE writes objects but lists nothing.
    keys = [o["Key"] for o in s3_implicit.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["listed"]
    expect_s3_error(s3_implicit.get_object, "AccessDenied", 403, Bucket=bucket, Key="listed")
    expect_s3_error(s3_implicit.put_object, "AccessDenied", 403, Bucket=bucket, Key="new",
                 Body=b"x")
    s3_mail.put_object(Bucket=bucket, Key="from-mail", Body=b"written by mail")
    expect_s3_error(s3_mail.list_objects_v2, "AccessDenied", 403, Bucket=bucket)
    # The object's writer owns it; the bucket owner cannot read it without a grant.
    assert s3_mail.get_object_acl(Bucket=bucket, Key="from-mail")["Owner"]["ID"] == MAIL_ID
    r = daemon.aws("s3api", "get-bucket-acl", "--bucket", bucket, access_key=IMPLICIT_KEY)
    assert r.rc != 0 and r.error_code() == "AccessDenied", r
    r = daemon.aws("s3api", "put-bucket-acl", "--bucket", bucket, "--grant-read",
                   f"id={IMPLICIT_ID}", access_key=IMPLICIT_KEY)
    assert r.rc != 0 and r.error_code() == "AccessDenied", r


def test_read_acp_and_write_acp_grants(s3, s3_implicit, bucket):
    s3.put_bucket_acl(Bucket=bucket, GrantReadACP=f'id="{IMPLICIT_ID}"',
                      GrantFullControl=f'id="{OWNER_ID}"')
    acl = s3_implicit.get_bucket_acl(Bucket=bucket)
    assert grants_of(acl) == {owner_full_control(), ("CanonicalUser", IMPLICIT_ID, "READ_ACP")}
    expect_s3_error(s3_implicit.put_bucket_acl, "AccessDenied", 403, Bucket=bucket, ACL="private")
    s3.put_bucket_acl(Bucket=bucket, GrantWriteACP=f'id="{IMPLICIT_ID}"',
                      GrantFullControl=f'id="{OWNER_ID}"')
    expect_s3_error(s3_implicit.get_bucket_acl, "AccessDenied", 403, Bucket=bucket)
    s3_implicit.put_bucket_acl(Bucket=bucket, ACL="public-read")
    assert grants_of(s3.get_bucket_acl(Bucket=bucket)) == {owner_full_control(),
                                                           ("Group", ALL_USERS, "READ")}


# --- AccessControlPolicy bodies -------------------------------------------------------------------


def test_access_control_policy_body(daemon, s3, s3_implicit, s3_mail, bucket):
    s3.put_object(Bucket=bucket, Key="policy.txt", Body=b"acp body")
    policy = {
        "Owner": {"ID": OWNER_ID},
        "Grants": [
            {"Grantee": {"Type": "CanonicalUser", "ID": OWNER_ID}, "Permission": "FULL_CONTROL"},
            {"Grantee": {"Type": "CanonicalUser", "ID": IMPLICIT_ID}, "Permission": "READ"},
            {"Grantee": {"Type": "AmazonCustomerByEmail", "EmailAddress": MAIL_EMAIL},
             "Permission": "READ"},
            {"Grantee": {"Type": "Group", "URI": AUTHENTICATED_USERS}, "Permission": "READ_ACP"},
        ],
    }
    s3.put_object_acl(Bucket=bucket, Key="policy.txt", AccessControlPolicy=policy)
    acl = s3.get_object_acl(Bucket=bucket, Key="policy.txt")
    assert grants_of(acl) == {owner_full_control(), ("CanonicalUser", IMPLICIT_ID, "READ"),
                              ("CanonicalUser", MAIL_ID, "READ"),
                              ("Group", AUTHENTICATED_USERS, "READ_ACP")}
    assert s3_implicit.get_object(Bucket=bucket, Key="policy.txt")["Body"].read() == b"acp body"
    assert s3_mail.get_object(Bucket=bucket, Key="policy.txt")["Body"].read() == b"acp body"
    # Any authenticated caller may read the ACL, but anonymous callers may not.
    assert grants_of(s3_implicit.get_object_acl(Bucket=bucket, Key="policy.txt")) == \
        grants_of(acl)
    assert anonymous(daemon, f"/{bucket}/policy.txt?acl")[0] == 403

    s3.put_bucket_acl(Bucket=bucket, AccessControlPolicy={
        "Owner": {"ID": OWNER_ID},
        "Grants": [{"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"}]})
    assert grants_of(s3.get_bucket_acl(Bucket=bucket)) == {("Group", ALL_USERS, "READ")}
    status, body = anonymous(daemon, f"/{bucket}?list-type=2")
    assert status == 200 and b"<Key>policy.txt</Key>" in body

    expect_s3_error(s3.put_object_acl, "MalformedXML", 400, Bucket=bucket, Key="policy.txt",
                 AccessControlPolicy={"Owner": {"ID": OWNER_ID}, "Grants": [
                     {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "ALL"}]})
    expect_s3_error(s3.put_object_acl, "UnresolvableGrantByEmailAddress", 400, Bucket=bucket,
                 Key="policy.txt", AccessControlPolicy={"Owner": {"ID": OWNER_ID}, "Grants": [
                     {"Grantee": {"Type": "AmazonCustomerByEmail",
                                  "EmailAddress": "who@example.com"}, "Permission": "READ"}]})


def test_raw_access_control_policy_xml(daemon, s3, bucket):
    s3.put_object(Bucket=bucket, Key="raw", Body=b"x")
    body = (f'<AccessControlPolicy xmlns="{NS}"><Owner><ID>{OWNER_ID}</ID></Owner>'
            f'<AccessControlList><Grant><Grantee xmlns:xsi="{XSI}" xsi:type="Group">'
            f'<URI>{ALL_USERS}</URI></Grantee><Permission>READ</Permission></Grant>'
            f'<Grant><Grantee xmlns:xsi="{XSI}" xsi:type="CanonicalUser"><ID>{OWNER_ID}</ID>'
            f'</Grantee><Permission>FULL_CONTROL</Permission></Grant>'
            f'</AccessControlList></AccessControlPolicy>').encode()
    r = s3_request(daemon, "PUT", f"/{bucket}/raw?acl", body)
    assert r.status == 200, r
    assert grants_of(s3.get_object_acl(Bucket=bucket, Key="raw")) == {
        owner_full_control(), ("Group", ALL_USERS, "READ")}
    assert anonymous(daemon, f"/{bucket}/raw") == (200, b"x")


def test_acl_errors(s3, bucket):
    s3.put_object(Bucket=bucket, Key="e", Body=b"x")
    expect_s3_error(s3.put_object_acl, "InvalidRequest", 400,
                 "Specifying both Canned ACLs and Header Grants is not allowed",
                 Bucket=bucket, Key="e", ACL="private", GrantRead=f'id="{IMPLICIT_ID}"')
    expect_s3_error(s3.put_bucket_acl, "InvalidArgument", 400, Bucket=bucket, ACL="everyone")
    expect_s3_error(s3.put_object, "InvalidArgument", 400, Bucket=bucket, Key="e2", Body=b"x",
                 ACL="everyone")
    expect_s3_error(s3.get_object_acl, "NoSuchKey", 404, Bucket=bucket, Key="missing")
    expect_s3_error(s3.put_object_acl, "NoSuchKey", 404, Bucket=bucket, Key="missing",
                 ACL="private")


# --- who may read ----------------------------------------------------------------------------------


def test_cross_account_reads_follow_the_acl(daemon, s3, s3_implicit, bucket):
    s3.put_object(Bucket=bucket, Key="private", Body=b"p")
    s3.put_object(Bucket=bucket, Key="authenticated", Body=b"a", ACL="authenticated-read")
    s3.put_object(Bucket=bucket, Key="public", Body=b"pub", ACL="public-read")
    expect_s3_error(s3_implicit.get_object, "AccessDenied", 403, "Access Denied", Bucket=bucket,
                 Key="private")
    expect_s3_error(s3_implicit.head_object, "403", 403, Bucket=bucket, Key="private")
    assert s3_implicit.get_object(Bucket=bucket, Key="authenticated")["Body"].read() == b"a"
    assert s3_implicit.get_object(Bucket=bucket, Key="public")["Body"].read() == b"pub"
    assert anonymous(daemon, f"/{bucket}/public") == (200, b"pub")
    status, body = anonymous(daemon, f"/{bucket}/authenticated")
    assert status == 403 and s3_error_fields(body)["Code"] == "AccessDenied"
    status, body = anonymous(daemon, f"/{bucket}/private")
    assert status == 403 and s3_error_fields(body)["Code"] == "AccessDenied"
    # A public object in a private bucket: readable, but the bucket is not listable.
    status, body = anonymous(daemon, f"/{bucket}")
    assert status == 403 and s3_error_fields(body)["Code"] == "AccessDenied"
    # Reading an object's data does not give its ACL; writing needs the bucket's WRITE.
    expect_s3_error(s3_implicit.get_object_acl, "AccessDenied", 403, Bucket=bucket, Key="public")
    expect_s3_error(s3_implicit.put_object, "AccessDenied", 403, Bucket=bucket, Key="public",
                 Body=b"overwrite")
    assert s3.get_object(Bucket=bucket, Key="public")["Body"].read() == b"pub"


def test_anonymous_reads_and_writes_of_public_buckets(daemon, s3):
    name = unique_bucket("pubrw")
    s3.create_bucket(Bucket=name, ACL="public-read-write")
    status, _ = anonymous(daemon, f"/{name}/anon.txt", "PUT", b"anonymous bytes")
    assert status == 200
    assert s3.get_object(Bucket=name, Key="anon.txt")["Body"].read() == b"anonymous bytes"
    s3.put_object(Bucket=name, Key="pub.txt", Body=b"readable", ACL="public-read")
    assert anonymous(daemon, f"/{name}/pub.txt") == (200, b"readable")
    status, body = anonymous(daemon, f"/{name}")
    assert status == 200 and b"<Key>pub.txt</Key>" in body
    # Anonymous callers never change ACLs they were not granted WRITE_ACP on.
    status, body = anonymous(daemon, f"/{name}?acl", "PUT", b"")
    assert status == 403
