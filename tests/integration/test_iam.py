"""The IAM API through boto3 and the aws CLI: users, access keys (which then authenticate),
groups, managed and inline policies, roles, tags, paging and AWS's errors."""

import json
import re
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import DEFAULT_ACCOUNT, js_get_caller_identity

DOC = {"Version": "2012-10-17",
       "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
TRUST = {"Version": "2012-10-17",
         "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                        "Action": "sts:AssumeRole"}]}


def name(prefix):
    return prefix + "-" + uuid.uuid4().hex[:10]


@pytest.fixture(scope="module")
def iam(daemon):
    return daemon.client("iam")


def error(call, *args, **kwargs):
    with pytest.raises(ClientError) as e:
        call(*args, **kwargs)
    r = e.value.response
    return r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Message"]


# --- users -------------------------------------------------------------------------------------

def test_create_get_user_formats(iam):
    n = name("alice")
    u = iam.create_user(UserName=n, Path="/eng/", Tags=[{"Key": "team", "Value": "a"}])["User"]
    assert re.fullmatch(r"AIDA[A-Z0-9]{17}", u["UserId"]), u
    assert u["Arn"] == f"arn:aws:iam::{DEFAULT_ACCOUNT}:user/eng/{n}"
    assert u["Path"] == "/eng/" and u["Tags"] == [{"Key": "team", "Value": "a"}]
    got = iam.get_user(UserName=n)["User"]
    assert got["UserId"] == u["UserId"] and got["CreateDate"] == u["CreateDate"]
    assert iam.list_user_tags(UserName=n)["Tags"] == [{"Key": "team", "Value": "a"}]


def test_user_errors(iam):
    n = name("bob")
    iam.create_user(UserName=n)
    assert error(iam.create_user, UserName=n) == (
        "EntityAlreadyExists", 409, f"User with name {n} already exists.")
    # Names are unique regardless of case.
    assert error(iam.create_user, UserName=n.upper())[0] == "EntityAlreadyExists"
    assert error(iam.get_user, UserName="nobody-x") == (
        "NoSuchEntity", 404, "The user with name nobody-x cannot be found.")
    code, status, _ = error(iam.create_user, UserName="bad/name")
    assert (code, status) == ("ValidationError", 400)
    code, status, _ = error(iam.create_user, UserName=name("p"), Path="nope")
    assert (code, status) == ("ValidationError", 400)
    assert error(iam.delete_user, UserName="nobody-x")[0] == "NoSuchEntity"


def test_boundary_and_get_user_as_root(iam):
    n = name("bounded")
    arn = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    u = iam.create_user(UserName=n, PermissionsBoundary=arn)["User"]
    assert u["PermissionsBoundary"] == {"PermissionsBoundaryType": "Policy",
                                        "PermissionsBoundaryArn": arn}
    assert iam.get_policy(PolicyArn=arn)["Policy"]["PermissionsBoundaryUsageCount"] >= 1
    root = iam.get_user()["User"]
    assert root["Arn"] == f"arn:aws:iam::{DEFAULT_ACCOUNT}:root"


def test_list_users_prefix_and_paging(iam):
    path = "/" + name("page") + "/"
    names = sorted(name("u") for _ in range(5))
    for n in names:
        iam.create_user(UserName=n, Path=path)
    first = iam.list_users(PathPrefix=path, MaxItems=2)
    assert [u["UserName"] for u in first["Users"]] == names[:2] and first["IsTruncated"]
    second = iam.list_users(PathPrefix=path, MaxItems=2, Marker=first["Marker"])
    assert [u["UserName"] for u in second["Users"]] == names[2:4]
    paged = [u["UserName"] for page in iam.get_paginator("list_users").paginate(
        PathPrefix=path, PaginationConfig={"PageSize": 2}) for u in page["Users"]]
    assert paged == names


def test_update_user_rename_and_tags(iam):
    n, m = name("old"), name("new")
    iam.create_user(UserName=n)
    key = iam.create_access_key(UserName=n)["AccessKey"]
    iam.update_user(UserName=n, NewUserName=m, NewPath="/moved/")
    assert error(iam.get_user, UserName=n)[0] == "NoSuchEntity"
    u = iam.get_user(UserName=m)["User"]
    assert u["Path"] == "/moved/" and u["Arn"].endswith(":user/moved/" + m)
    assert [k["AccessKeyId"] for k in iam.list_access_keys(UserName=m)["AccessKeyMetadata"]] == [
        key["AccessKeyId"]]
    iam.tag_user(UserName=m, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    iam.tag_user(UserName=m, Tags=[{"Key": "a", "Value": "3"}])
    iam.untag_user(UserName=m, TagKeys=["b"])
    assert iam.list_user_tags(UserName=m)["Tags"] == [{"Key": "a", "Value": "3"}]


def test_delete_user_conflicts(iam):
    n, g = name("busy"), name("grp")
    iam.create_user(UserName=n)
    key = iam.create_access_key(UserName=n)["AccessKey"]["AccessKeyId"]
    assert error(iam.delete_user, UserName=n) == (
        "DeleteConflict", 409, "Cannot delete entity, must delete access keys first.")
    iam.delete_access_key(UserName=n, AccessKeyId=key)
    iam.attach_user_policy(UserName=n, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    assert error(iam.delete_user, UserName=n)[0:2] == ("DeleteConflict", 409)
    iam.detach_user_policy(UserName=n, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    iam.create_group(GroupName=g)
    iam.add_user_to_group(GroupName=g, UserName=n)
    assert error(iam.delete_user, UserName=n)[0] == "DeleteConflict"
    iam.remove_user_from_group(GroupName=g, UserName=n)
    iam.delete_user(UserName=n)
    assert error(iam.get_user, UserName=n)[0] == "NoSuchEntity"


# --- access keys -------------------------------------------------------------------------------

def test_access_keys_authenticate(daemon, iam):
    n = name("keyed")
    user = iam.create_user(UserName=n, Path="/svc/")["User"]
    key = iam.create_access_key(UserName=n)["AccessKey"]
    assert re.fullmatch(r"AKIA[A-Z0-9]{16}", key["AccessKeyId"])
    assert len(key["SecretAccessKey"]) == 40
    assert key["Status"] == "Active"
    sts = daemon.client("sts", access_key=key["AccessKeyId"], secret_key=key["SecretAccessKey"])
    me = sts.get_caller_identity()
    assert me["Arn"] == user["Arn"] and me["UserId"] == user["UserId"]
    assert me["Account"] == DEFAULT_ACCOUNT
    # GetUser without a name describes the caller; the call counts as the key's last use.
    as_user = daemon.client("iam", access_key=key["AccessKeyId"], secret_key=key["SecretAccessKey"])
    assert as_user.get_user()["User"]["UserName"] == n
    last = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])
    assert last["UserName"] == n and last["AccessKeyLastUsed"]["ServiceName"] == "iam"
    assert "LastUsedDate" in last["AccessKeyLastUsed"]

    iam.update_access_key(UserName=n, AccessKeyId=key["AccessKeyId"], Status="Inactive")
    assert iam.list_access_keys(UserName=n)["AccessKeyMetadata"][0]["Status"] == "Inactive"
    code, status, _ = error(sts.get_caller_identity)
    assert (code, status) == ("InvalidClientTokenId", 403)
    iam.update_access_key(UserName=n, AccessKeyId=key["AccessKeyId"], Status="Active")
    assert sts.get_caller_identity()["Arn"] == user["Arn"]
    iam.delete_access_key(UserName=n, AccessKeyId=key["AccessKeyId"])
    assert error(sts.get_caller_identity)[0:2] == ("InvalidClientTokenId", 403)


def test_access_key_limit_and_errors(iam):
    n = name("quota")
    iam.create_user(UserName=n)
    iam.create_access_key(UserName=n)
    iam.create_access_key(UserName=n)
    assert error(iam.create_access_key, UserName=n) == (
        "LimitExceeded", 409, "Cannot exceed quota for AccessKeysPerUser: 2")
    assert error(iam.delete_access_key, UserName=n, AccessKeyId="AKIANOPE000000000000") == (
        "NoSuchEntity", 404, "The Access Key with id AKIANOPE000000000000 cannot be found.")
    fresh = iam.list_access_keys(UserName=n)["AccessKeyMetadata"][0]["AccessKeyId"]
    assert error(iam.update_access_key, UserName=n, AccessKeyId=fresh, Status="Maybe")[0:2] == (
        "ValidationError", 400)
    last = iam.get_access_key_last_used(AccessKeyId=fresh)["AccessKeyLastUsed"]
    assert last["ServiceName"] == "N/A" and "LastUsedDate" not in last


def test_access_keys_through_cli(daemon):
    n = name("cli")
    assert daemon.aws("iam", "create-user", "--user-name", n).rc == 0
    r = daemon.aws("iam", "create-access-key", "--user-name", n)
    assert r.rc == 0, r
    key = r.json()["AccessKey"]
    who = daemon.aws("sts", "get-caller-identity", access_key=key["AccessKeyId"],
                     secret_key=key["SecretAccessKey"])
    assert who.rc == 0, who
    assert who.json()["Arn"] == f"arn:aws:iam::{DEFAULT_ACCOUNT}:user/{n}"
    r = daemon.aws("iam", "get-user", "--user-name", "missing-" + n)
    assert r.rc != 0 and r.error_code() == "NoSuchEntity"


def test_user_key_through_js_sdk(daemon, iam):
    # @aws-sdk/client-iam is not among the test's packages; the STS client shows that a user's
    # key signs for the JS SDK as it does for boto3.
    n = name("js")
    arn = iam.create_user(UserName=n)["User"]["Arn"]
    key = iam.create_access_key(UserName=n)["AccessKey"]
    out = js_get_caller_identity(daemon.endpoint, "us-east-1", key["AccessKeyId"],
                                 key["SecretAccessKey"])
    assert out["ok"] and out["Arn"] == arn, out


# --- groups ------------------------------------------------------------------------------------

def test_groups(daemon, iam):
    g, u = name("devs"), name("member")
    grp = iam.create_group(GroupName=g, Path="/teams/")["Group"]
    assert re.fullmatch(r"AGPA[A-Z0-9]{17}", grp["GroupId"])
    assert grp["Arn"] == f"arn:aws:iam::{DEFAULT_ACCOUNT}:group/teams/{g}"
    assert error(iam.create_group, GroupName=g)[0:2] == ("EntityAlreadyExists", 409)
    iam.create_user(UserName=u)
    iam.add_user_to_group(GroupName=g, UserName=u)
    got = iam.get_group(GroupName=g)
    assert [x["UserName"] for x in got["Users"]] == [u] and got["Group"]["GroupName"] == g
    assert [x["GroupName"] for x in iam.list_groups_for_user(UserName=u)["Groups"]] == [g]
    assert g in [x["GroupName"] for x in iam.list_groups(PathPrefix="/teams/")["Groups"]]
    assert error(iam.delete_group, GroupName=g) == (
        "DeleteConflict", 409, "Cannot delete entity, must remove users from group first.")
    iam.remove_user_from_group(GroupName=g, UserName=u)
    iam.delete_group(GroupName=g)
    assert error(iam.get_group, GroupName=g) == (
        "NoSuchEntity", 404, f"The group with name {g} cannot be found.")
    r = daemon.aws("iam", "list-groups")
    assert r.rc == 0 and "Groups" in r.json()


# --- managed policies --------------------------------------------------------------------------

def test_managed_policy_lifecycle(iam):
    n = name("pol")
    p = iam.create_policy(PolicyName=n, Path="/app/", PolicyDocument=json.dumps(DOC),
                          Description="d")["Policy"]
    assert re.fullmatch(r"ANPA[A-Z0-9]{17}", p["PolicyId"])
    arn = f"arn:aws:iam::{DEFAULT_ACCOUNT}:policy/app/{n}"
    assert p["Arn"] == arn and p["DefaultVersionId"] == "v1" and p["AttachmentCount"] == 0
    assert error(iam.create_policy, PolicyName=n, PolicyDocument=json.dumps(DOC))[0] == \
        "EntityAlreadyExists"
    v1 = iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]
    assert v1["Document"] == DOC and v1["IsDefaultVersion"]
    for i in range(2, 6):
        v = iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(DOC),
                                      SetAsDefault=(i == 3))["PolicyVersion"]
        assert v["VersionId"] == f"v{i}"
    assert error(iam.create_policy_version, PolicyArn=arn, PolicyDocument=json.dumps(DOC))[0:2] \
        == ("LimitExceeded", 409)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v3"
    versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    assert len(versions) == 5
    assert [v["VersionId"] for v in versions if v["IsDefaultVersion"]] == ["v3"]
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v5")
    assert error(iam.delete_policy_version, PolicyArn=arn, VersionId="v5")[0:2] == (
        "DeleteConflict", 409)
    assert error(iam.delete_policy, PolicyArn=arn)[0] == "DeleteConflict"
    for v in ("v1", "v2", "v3", "v4"):
        iam.delete_policy_version(PolicyArn=arn, VersionId=v)
    u = name("att")
    iam.create_user(UserName=u)
    iam.attach_user_policy(UserName=u, PolicyArn=arn)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 1
    assert error(iam.delete_policy, PolicyArn=arn) == (
        "DeleteConflict", 409, "Cannot delete a policy attached to entities.")
    local = iam.list_policies(Scope="Local", OnlyAttached=True)["Policies"]
    assert arn in [x["Arn"] for x in local]
    iam.detach_user_policy(UserName=u, PolicyArn=arn)
    iam.delete_policy(PolicyArn=arn)
    assert error(iam.get_policy, PolicyArn=arn) == (
        "NoSuchEntity", 404, f"Policy {arn} does not exist or is not attachable.")


def test_malformed_policy(iam):
    code, status, _ = error(iam.create_policy, PolicyName=name("bad"), PolicyDocument="{nope")
    assert (code, status) == ("MalformedPolicyDocument", 400)
    code, _, _ = error(iam.create_policy, PolicyName=name("bad"),
                       PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                           {"Effect": "Maybe", "Action": "*", "Resource": "*"}]}))
    assert code == "MalformedPolicyDocument"


def test_aws_managed_policies(iam):
    names = {p["PolicyName"] for p in iam.list_policies(Scope="AWS")["Policies"]}
    assert names >= {"AdministratorAccess", "ReadOnlyAccess", "AmazonS3FullAccess",
                     "AmazonS3ReadOnlyAccess", "AmazonEC2FullAccess", "AmazonRDSFullAccess",
                     "IAMFullAccess"}
    arn = "arn:aws:iam::aws:policy/AdministratorAccess"
    p = iam.get_policy(PolicyArn=arn)["Policy"]
    assert p["PolicyName"] == "AdministratorAccess" and p["DefaultVersionId"] == "v1"
    doc = iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]["Document"]
    assert doc["Statement"][0]["Action"] == "*"
    assert error(iam.delete_policy, PolicyArn=arn)[0] == "AccessDenied"
    assert error(iam.create_policy_version, PolicyArn=arn, PolicyDocument=json.dumps(DOC))[0] == \
        "AccessDenied"


def test_attach_to_group_and_role_and_paging(iam):
    g, r = name("ag"), name("ar")
    iam.create_group(GroupName=g)
    iam.create_role(RoleName=r, AssumeRolePolicyDocument=json.dumps(TRUST))
    arns = ["arn:aws:iam::aws:policy/" + x for x in
            ("AmazonS3FullAccess", "AmazonEC2FullAccess", "IAMFullAccess")]
    for a in arns:
        iam.attach_group_policy(GroupName=g, PolicyArn=a)
        iam.attach_role_policy(RoleName=r, PolicyArn=a)
    listed = iam.list_attached_group_policies(GroupName=g, MaxItems=2)
    assert len(listed["AttachedPolicies"]) == 2 and listed["IsTruncated"]
    rest = iam.list_attached_group_policies(GroupName=g, Marker=listed["Marker"])
    assert len(rest["AttachedPolicies"]) == 1
    got = {p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=r)["AttachedPolicies"]}
    assert got == set(arns)
    assert error(iam.attach_role_policy, RoleName=r,
                 PolicyArn="arn:aws:iam::aws:policy/Nope")[0:2] == ("NoSuchEntity", 404)
    assert error(iam.detach_group_policy, GroupName=g,
                 PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")[0] == "NoSuchEntity"
    assert error(iam.delete_role, RoleName=r) == (
        "DeleteConflict", 409, "Cannot delete entity, must detach all policies first.")
    for a in arns:
        iam.detach_group_policy(GroupName=g, PolicyArn=a)
        iam.detach_role_policy(RoleName=r, PolicyArn=a)
    iam.delete_role(RoleName=r)
    iam.delete_group(GroupName=g)


# --- inline policies ---------------------------------------------------------------------------

def test_inline_policies(iam):
    u, g, r = name("iu"), name("ig"), name("ir")
    iam.create_user(UserName=u)
    iam.create_group(GroupName=g)
    iam.create_role(RoleName=r, AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.put_user_policy(UserName=u, PolicyName="p1", PolicyDocument=json.dumps(DOC))
    iam.put_group_policy(GroupName=g, PolicyName="p1", PolicyDocument=json.dumps(DOC))
    iam.put_role_policy(RoleName=r, PolicyName="p1", PolicyDocument=json.dumps(DOC))
    assert iam.get_user_policy(UserName=u, PolicyName="p1")["PolicyDocument"] == DOC
    assert iam.get_group_policy(GroupName=g, PolicyName="p1")["PolicyDocument"] == DOC
    assert iam.get_role_policy(RoleName=r, PolicyName="p1")["PolicyDocument"] == DOC
    assert iam.list_user_policies(UserName=u)["PolicyNames"] == ["p1"]
    assert iam.list_group_policies(GroupName=g)["PolicyNames"] == ["p1"]
    assert iam.list_role_policies(RoleName=r)["PolicyNames"] == ["p1"]
    assert error(iam.get_user_policy, UserName=u, PolicyName="zz") == (
        "NoSuchEntity", 404, "The user policy with name zz cannot be found.")
    assert error(iam.put_user_policy, UserName=u, PolicyName="bad",
                 PolicyDocument="[]")[0] == "MalformedPolicyDocument"
    assert error(iam.delete_user, UserName=u)[0] == "DeleteConflict"
    assert error(iam.delete_role, RoleName=r)[0] == "DeleteConflict"
    iam.delete_user_policy(UserName=u, PolicyName="p1")
    iam.delete_group_policy(GroupName=g, PolicyName="p1")
    iam.delete_role_policy(RoleName=r, PolicyName="p1")
    assert iam.list_user_policies(UserName=u)["PolicyNames"] == []
    iam.delete_user(UserName=u)
    iam.delete_group(GroupName=g)
    iam.delete_role(RoleName=r)


# --- roles -------------------------------------------------------------------------------------

def test_roles(daemon, iam):
    r = name("role")
    role = iam.create_role(RoleName=r, Path="/svc/", AssumeRolePolicyDocument=json.dumps(TRUST),
                           Description="desc", MaxSessionDuration=7200,
                           Tags=[{"Key": "k", "Value": "v"}])["Role"]
    assert re.fullmatch(r"AROA[A-Z0-9]{17}", role["RoleId"])
    assert role["Arn"] == f"arn:aws:iam::{DEFAULT_ACCOUNT}:role/svc/{r}"
    assert role["AssumeRolePolicyDocument"] == TRUST and role["MaxSessionDuration"] == 7200
    assert error(iam.create_role, RoleName=r, AssumeRolePolicyDocument=json.dumps(TRUST))[0:2] == (
        "EntityAlreadyExists", 409)
    # The SDKs check the range themselves; the daemon must too.
    unchecked = daemon.client("iam", parameter_validation=False)
    assert error(unchecked.create_role, RoleName=name("x"),
                 AssumeRolePolicyDocument=json.dumps(TRUST),
                 MaxSessionDuration=60)[0:2] == ("ValidationError", 400)
    # A trust policy must name a principal.
    assert error(iam.create_role, RoleName=name("x"), AssumeRolePolicyDocument=json.dumps(DOC))[0] \
        == "MalformedPolicyDocument"
    iam.update_role(RoleName=r, Description="new", MaxSessionDuration=3600)
    trust2 = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DEFAULT_ACCOUNT}:root"},
         "Action": "sts:AssumeRole"}]}
    iam.update_assume_role_policy(RoleName=r, PolicyDocument=json.dumps(trust2))
    got = iam.get_role(RoleName=r)["Role"]
    assert got["Description"] == "new" and got["MaxSessionDuration"] == 3600
    assert got["AssumeRolePolicyDocument"] == trust2 and got["Tags"] == [{"Key": "k", "Value": "v"}]
    iam.tag_role(RoleName=r, Tags=[{"Key": "k2", "Value": "v2"}])
    iam.untag_role(RoleName=r, TagKeys=["k"])
    assert iam.list_role_tags(RoleName=r)["Tags"] == [{"Key": "k2", "Value": "v2"}]
    assert r in [x["RoleName"] for x in iam.list_roles(PathPrefix="/svc/")["Roles"]]
    cli = daemon.aws("iam", "get-role", "--role-name", r)
    assert cli.rc == 0 and cli.json()["Role"]["RoleName"] == r
    iam.delete_role(RoleName=r)
    assert error(iam.get_role, RoleName=r) == (
        "NoSuchEntity", 404, f"The role with name {r} cannot be found.")


# --- reset -------------------------------------------------------------------------------------

def test_reset_drops_iam(make_daemon):
    d = make_daemon()
    iam = d.client("iam")
    iam.create_user(UserName="gone")
    key = iam.create_access_key(UserName="gone")["AccessKey"]
    status, _ = d.admin("POST", "reset")
    assert status == 200
    assert iam.list_users()["Users"] == []
    sts = d.client("sts", access_key=key["AccessKeyId"], secret_key=key["SecretAccessKey"])
    assert error(sts.get_caller_identity)[0] == "InvalidClientTokenId"
