"""STS through real clients: awscli, boto3 and the AWS SDK for JavaScript v3."""

import datetime
import re
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError

from conftest import (DEFAULT_ACCOUNT, DEFAULT_ARN, GET_CALLER_IDENTITY_BODY,
                      js_get_caller_identity, presign_url, run_aws, xml_error)

CLIENTS = ["awscli", "boto3", "js"]


def get_caller_identity(daemon, client, region="us-east-1", access_key="test", secret_key="test"):
    """GetCallerIdentity through one client. Returns ("ok", {...}, status) on success or
    ("error", code, status, message) on an AWS error."""
    if client == "awscli":
        r = daemon.aws("--debug", "sts", "get-caller-identity", region=region,
                       access_key=access_key, secret_key=secret_key)
        statuses = r.http_statuses()
        status = statuses[-1] if statuses else None
        if r.rc == 0:
            return ("ok", r.json(), status)
        assert r.error_code(), r
        return ("error", r.error_code(), status, r.error_message())
    if client == "boto3":
        sts = daemon.client("sts", region=region, access_key=access_key, secret_key=secret_key)
        try:
            out = sts.get_caller_identity()
        except ClientError as e:
            return ("error", e.response["Error"]["Code"],
                    e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Message"])
        status = out.pop("ResponseMetadata")["HTTPStatusCode"]
        return ("ok", out, status)
    if client == "js":
        out = js_get_caller_identity(daemon.endpoint, region, access_key, secret_key)
        if out["ok"]:
            return ("ok", {k: out[k] for k in ("UserId", "Account", "Arn")}, out["status"])
        return ("error", out["code"] or out["name"], out["status"], out["message"])
    raise ValueError(client)


# --- GetCallerIdentity --------------------------------------------------------------------------


@pytest.mark.parametrize("client", CLIENTS)
def test_get_caller_identity_default_account(daemon, client):
    result = get_caller_identity(daemon, client)
    assert result == ("ok", {"UserId": DEFAULT_ACCOUNT, "Account": DEFAULT_ACCOUNT,
                             "Arn": DEFAULT_ARN}, 200)


def test_get_caller_identity_response_shape(daemon):
    """The raw Query response is the AWS XML document, with the request id in body and headers."""
    r = daemon.send(daemon.sign())
    assert r.status == 200, r
    assert r.headers["content-type"].startswith("text/xml"), r
    text = r.text
    assert '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">' in text
    assert "<GetCallerIdentityResult>" in text
    assert f"<Account>{DEFAULT_ACCOUNT}</Account>" in text
    assert f"<Arn>{DEFAULT_ARN}</Arn>" in text
    assert f"<UserId>{DEFAULT_ACCOUNT}</UserId>" in text
    m = re.search(r"<ResponseMetadata>\s*<RequestId>([^<]+)</RequestId>", text)
    assert m, text
    assert r.headers["x-amzn-requestid"] == m.group(1)


@pytest.mark.parametrize("client", CLIENTS)
def test_region_ap_northeast_2(daemon, client):
    result = get_caller_identity(daemon, client, region="ap-northeast-2")
    assert result == ("ok", {"UserId": DEFAULT_ACCOUNT, "Account": DEFAULT_ACCOUNT,
                             "Arn": DEFAULT_ARN}, 200)


@pytest.mark.parametrize("client", CLIENTS)
def test_twelve_digit_access_key_is_that_accounts_root(daemon, client):
    result = get_caller_identity(daemon, client, access_key="111122223333", secret_key="test")
    assert result == ("ok", {"UserId": "111122223333", "Account": "111122223333",
                             "Arn": "arn:aws:iam::111122223333:root"}, 200)


# --- authentication failures --------------------------------------------------------------------


@pytest.mark.parametrize("client", CLIENTS)
def test_wrong_secret_is_signature_does_not_match(daemon, client):
    result = get_caller_identity(daemon, client, secret_key="not-the-secret")
    assert result[:3] == ("error", "SignatureDoesNotMatch", 403), result
    assert "signature we calculated does not match" in result[3], result


@pytest.mark.parametrize("client", CLIENTS)
def test_wrong_secret_for_implicit_account_key(daemon, client):
    result = get_caller_identity(daemon, client, access_key="111122223333", secret_key="nope")
    assert result[:3] == ("error", "SignatureDoesNotMatch", 403), result


@pytest.mark.parametrize("client", CLIENTS)
def test_unknown_access_key_is_invalid_client_token_id(daemon, client):
    result = get_caller_identity(daemon, client, access_key="AKIAUNKNOWNKEY000000",
                                 secret_key="whatever")
    assert result[:3] == ("error", "InvalidClientTokenId", 403), result
    assert result[3] == "The security token included in the request is invalid.", result


def test_unsigned_request_is_missing_authentication_token(daemon):
    r = daemon.http("POST", "/", GET_CALLER_IDENTITY_BODY,
                    {"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 403, r
    err = xml_error(r.body)
    assert err["Code"] == "MissingAuthenticationToken", r


# --- endpoint from the environment --------------------------------------------------------------


def _aws_cli_version():
    r = run_aws(["--version"])
    m = re.search(r"aws-cli/(\d+)\.(\d+)\.(\d+)", r.stdout + r.stderr)
    assert m, r
    return tuple(int(x) for x in m.groups())


def test_aws_endpoint_url_env_with_aws_cli(daemon):
    # AWS_ENDPOINT_URL is read by aws-cli >= 2.13.0 only. With an older CLI the variable is
    # ignored and the CLI would go to the real AWS: run_aws points every non-loopback request at a
    # dead local proxy, but there is nothing to test then.
    version = _aws_cli_version()
    if version < (2, 13, 0):
        pytest.skip(f"aws-cli {'.'.join(map(str, version))} predates AWS_ENDPOINT_URL (2.13.0)")
    r = run_aws(["sts", "get-caller-identity"], env={"AWS_ENDPOINT_URL": daemon.endpoint})
    assert r.rc == 0, r
    assert r.json()["Account"] == DEFAULT_ACCOUNT


def test_aws_endpoint_url_env_with_js_sdk(daemon):
    out = js_get_caller_identity(None, env={"AWS_ENDPOINT_URL": daemon.endpoint})
    assert out["ok"], out
    assert (out["Account"], out["Arn"]) == (DEFAULT_ACCOUNT, DEFAULT_ARN)


# --- operations and services Gureum does not serve ----------------------------------------------

NOT_IMPLEMENTED = [
    (["sts", "assume-role", "--role-arn", "arn:aws:iam::000000000000:role/r",
      "--role-session-name", "sess"], "sts", "AssumeRole"),
    (["iam", "get-account-summary"], "iam", "GetAccountSummary"),
    (["ec2", "describe-instances"], "ec2", "DescribeInstances"),
    (["s3api", "get-bucket-replication", "--bucket", "some-bucket"], "s3",
     "GetBucketReplication"),
    (["rds", "describe-db-instances"], "rds", "DescribeDBInstances"),
]


@pytest.mark.parametrize("args,service,operation", NOT_IMPLEMENTED,
                         ids=[op for _, _, op in NOT_IMPLEMENTED])
def test_not_implemented_with_aws_cli(daemon, args, service, operation):
    r = daemon.aws("--debug", *args)
    assert r.rc != 0, r
    assert r.error_code() == "NotImplemented", r
    assert operation in r.error_message(), r
    assert r.http_statuses() == [501], r


BOTO3_NOT_IMPLEMENTED = [
    ("sts", "assume_role", {"RoleArn": "arn:aws:iam::000000000000:role/r",
                            "RoleSessionName": "sess"}, "AssumeRole"),
    ("iam", "get_account_summary", {}, "GetAccountSummary"),
    ("ec2", "describe_instances", {}, "DescribeInstances"),
    ("s3", "get_bucket_replication", {"Bucket": "some-bucket"}, "GetBucketReplication"),
    ("rds", "describe_db_instances", {}, "DescribeDBInstances"),
]


@pytest.mark.parametrize("service,method,params,operation", BOTO3_NOT_IMPLEMENTED,
                         ids=[op for *_, op in BOTO3_NOT_IMPLEMENTED])
def test_not_implemented_with_boto3(daemon, service, method, params, operation):
    client = daemon.client(service)
    with pytest.raises(ClientError) as info:
        getattr(client, method)(**params)
    response = info.value.response
    assert response["Error"]["Code"] == "NotImplemented", response
    assert operation in response["Error"]["Message"], response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 501, response


def test_unknown_action_is_invalid_action(daemon):
    r = daemon.send(daemon.sign(body="Action=FrobnicateWidgets&Version=2011-06-15"))
    assert r.status == 400, r
    err = xml_error(r.body)
    assert err["root"] == "ErrorResponse", r
    assert err["Code"] == "InvalidAction", r
    assert "FrobnicateWidgets" in err["Message"], r


def test_missing_action(daemon):
    r = daemon.send(daemon.sign(body="Version=2011-06-15"))
    assert r.status == 400, r
    assert xml_error(r.body)["Code"] == "MissingAction", r


def test_unknown_json_service_with_boto3(daemon):
    dynamodb = daemon.client("dynamodb")
    with pytest.raises(ClientError) as info:
        dynamodb.list_tables()
    response = info.value.response
    assert response["Error"]["Code"] == "UnknownService", response
    assert "dynamodb" in response["Error"]["Message"], response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400, response


def test_unknown_query_service_with_boto3(daemon):
    sqs = daemon.client("sqs")
    with pytest.raises(ClientError) as info:
        sqs.list_queues()
    response = info.value.response
    assert response["Error"]["Code"] == "UnknownService", response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400, response


# --- presigned URLs -----------------------------------------------------------------------------


def _urlopen(url):
    try:
        with urllib.request.urlopen(url, timeout=15) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_presigned_get_caller_identity_then_expired(fresh_daemon):
    url = presign_url(fresh_daemon.endpoint, expires=60)
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=60" in url
    status, body = _urlopen(url)
    assert status == 200, body
    assert b"<GetCallerIdentityResponse" in body, body
    assert f"<Arn>{DEFAULT_ARN}</Arn>".encode() in body, body

    fresh_daemon.clock(advance=120)
    status, body = _urlopen(url)
    assert status == 403, body
    err = xml_error(body)
    assert err["Code"] == "AccessDenied", body
    assert "expired" in err["Message"].lower(), body


def test_presigned_url_with_wrong_secret(daemon):
    url = presign_url(daemon.endpoint, secret_key="wrong")
    status, body = _urlopen(url)
    assert status == 403, body
    assert xml_error(body)["Code"] == "SignatureDoesNotMatch", body


def test_presigned_url_tampered_query(daemon):
    url = presign_url(daemon.endpoint).replace("Version=2011-06-15", "Version=2011-06-16")
    assert "Version=2011-06-16" in url
    status, body = _urlopen(url)
    assert status in (400, 403), body
    assert xml_error(body)["Code"] != "", body
    assert b"<GetCallerIdentityResult>" not in body


# --- clock skew ---------------------------------------------------------------------------------

AMZ = r"\d{8}T\d{6}Z"


def test_moving_the_daemon_clock_does_not_skew_signatures(fresh_daemon):
    """Clients sign with real clocks: skew is judged against real time, so tests can move the
    daemon clock by days (lifecycle, credential expiry) and keep making signed requests."""
    sts = fresh_daemon.client("sts")
    assert sts.get_caller_identity()["Account"] == DEFAULT_ACCOUNT
    fresh_daemon.clock(advance=2 * 86400)
    assert sts.get_caller_identity()["Account"] == DEFAULT_ACCOUNT
    fresh_daemon.clock(advance=-4 * 86400)
    assert sts.get_caller_identity()["Account"] == DEFAULT_ACCOUNT


def test_signature_expired_when_signed_20_minutes_ago(daemon):
    when = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20)
    req = daemon.sign(when=when)
    stamp = when.strftime("%Y%m%dT%H%M%SZ")
    assert req.headers["X-Amz-Date"] == stamp
    r = daemon.send(req)
    assert r.status == 403, r
    err = xml_error(r.body)
    assert err["Code"] == "SignatureDoesNotMatch", r
    assert err["Type"] == "Sender", r
    m = re.fullmatch(rf"Signature expired: ({AMZ}) is now earlier than ({AMZ}) \(({AMZ}) - 15 min\.\)",
                     err["Message"])
    assert m, err
    assert m.group(1) == stamp
    parse = lambda s: datetime.datetime.strptime(s, "%Y%m%dT%H%M%SZ")
    assert parse(m.group(3)) - parse(m.group(2)) == datetime.timedelta(minutes=15)
    assert abs((parse(m.group(3)) - parse(stamp)) - datetime.timedelta(minutes=20)) < \
        datetime.timedelta(seconds=30)


def test_signature_not_yet_current_when_signed_20_minutes_ahead(daemon):
    when = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=20)
    r = daemon.send(daemon.sign(when=when))
    assert r.status == 403, r
    err = xml_error(r.body)
    assert err["Code"] == "SignatureDoesNotMatch", r
    assert re.fullmatch(rf"Signature not yet current: {AMZ} is still later than {AMZ} "
                        rf"\({AMZ} \+ 15 min\.\)", err["Message"]), err


def test_signature_within_skew_is_accepted(daemon):
    when = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=10)
    r = daemon.send(daemon.sign(when=when))
    assert r.status == 200, r
    assert f"<Account>{DEFAULT_ACCOUNT}</Account>" in r.text


def test_signature_expired_with_boto3_signing_in_the_past(daemon):
    """boto3 itself signing with a clock 20 minutes slow (retries disabled: one attempt)."""
    from conftest import signing_time
    sts = daemon.client("sts")
    with signing_time(datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20)):
        with pytest.raises(ClientError) as info:
            sts.get_caller_identity()
    response = info.value.response
    assert response["Error"]["Code"] == "SignatureDoesNotMatch", response
    assert response["Error"]["Message"].startswith("Signature expired: "), response
