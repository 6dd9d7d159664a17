// The Query protocol (IAM, STS) and its EC2 variant: decoding flat parameters into the JSON view
// with each protocol's validation errors, and the XML envelopes of outputs and errors.

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "protocol_test_support.h"

namespace gureum::protocol {
namespace {

using nlohmann::json;
using testing::Call;
using testing::Context;
using testing::Service;

// 2024-01-02T03:04:05Z
constexpr int64_t kEpoch = 1704164645;

class QueryCodecTest : public ::testing::Test {
 protected:
  // Resolves the form's Action and decodes its input.
  Result<json> Decode(const Service& service, std::string form) {
    Call call = Call::Form(std::move(form));
    auto op = service.codec->Resolve(call.Wire());
    if (!op) return Fail(op.error());
    return service.codec->DecodeInput(**op, call.Wire());
  }

  Service sts_{"sts"};
  Service iam_{"iam"};
  Service ec2_{"ec2"};
};

TEST_F(QueryCodecTest, ResolvesActionAndReportsUnknownOrMissingAction) {
  Call call = Call::Form("Action=GetCallerIdentity&Version=2011-06-15");
  auto op = sts_.codec->Resolve(call.Wire());
  ASSERT_TRUE(op.has_value());
  EXPECT_EQ((*op)->name, "GetCallerIdentity");

  Call unknown = Call::Form("Action=GetCallerIdentityX&Version=2011-06-15");
  auto error = sts_.codec->Resolve(unknown.Wire()).error();
  EXPECT_EQ(error.code(), "InvalidAction");
  EXPECT_EQ(error.message(), "Could not find operation GetCallerIdentityX for version 2011-06-15");

  Call missing = Call::Form("Version=2011-06-15");
  EXPECT_EQ(sts_.codec->Resolve(missing.Wire()).error().code(), "MissingAction");
}

TEST_F(QueryCodecTest, IamCreateUserWithTags) {
  auto input = Decode(iam_,
                      "Action=CreateUser&Version=2010-05-08&UserName=alice&Path=%2Fengineering%2F"
                      "&Tags.member.1.Key=team&Tags.member.1.Value=platform"
                      "&Tags.member.2.Key=cost+center&Tags.member.2.Value=a%2Bb%3D42");
  ASSERT_TRUE(input.has_value()) << input.error().message();
  EXPECT_EQ(*input, json::parse(R"({
    "UserName": "alice", "Path": "/engineering/",
    "Tags": [{"Key": "team", "Value": "platform"}, {"Key": "cost center", "Value": "a+b=42"}]
  })"));
}

TEST_F(QueryCodecTest, ListItemsAreOrderedByIndexNumerically) {
  std::string form = "Action=CreateUser&Version=2010-05-08&UserName=alice";
  for (int i : {10, 2, 1, 11, 3}) {
    std::string n = std::to_string(i);
    form += "&Tags.member." + n + ".Key=k" + n + "&Tags.member." + n + ".Value=v" + n;
  }
  auto input = Decode(iam_, form);
  ASSERT_TRUE(input.has_value()) << input.error().message();
  std::vector<std::string> keys;
  for (const auto& tag : (*input)["Tags"]) keys.push_back(tag["Key"]);
  EXPECT_EQ(keys, (std::vector<std::string>{"k1", "k2", "k3", "k10", "k11"}));
}

TEST_F(QueryCodecTest, StsAssumeRoleScalarsAndNestedLists) {
  auto input = Decode(sts_,
                      "Action=AssumeRole&Version=2011-06-15"
                      "&RoleArn=arn%3Aaws%3Aiam%3A%3A000000000000%3Arole%2Fapp"
                      "&RoleSessionName=ci&DurationSeconds=3600"
                      "&PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FReadOnlyAccess"
                      "&TransitiveTagKeys.member.1=project");
  ASSERT_TRUE(input.has_value()) << input.error().message();
  EXPECT_EQ(*input, json::parse(R"({
    "RoleArn": "arn:aws:iam::000000000000:role/app", "RoleSessionName": "ci",
    "DurationSeconds": 3600,
    "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
    "TransitiveTagKeys": ["project"]
  })"));
  EXPECT_TRUE((*input)["DurationSeconds"].is_number_integer());
}

TEST_F(QueryCodecTest, Ec2RunInstances) {
  auto input = Decode(ec2_,
                      "Action=RunInstances&Version=2016-11-15&ImageId=ami-0abcdef1234567890"
                      "&MinCount=1&MaxCount=2&InstanceType=t3.micro"
                      "&TagSpecification.1.ResourceType=instance"
                      "&TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=web-1"
                      "&SecurityGroupId.1=sg-1&SecurityGroupId.2=sg-2"
                      "&BlockDeviceMapping.1.DeviceName=%2Fdev%2Fxvda"
                      "&BlockDeviceMapping.1.Ebs.VolumeSize=20"
                      "&BlockDeviceMapping.1.Ebs.DeleteOnTermination=true"
                      "&DryRun=false&ClientToken=token-1");
  ASSERT_TRUE(input.has_value()) << input.error().message();
  EXPECT_EQ(*input, json::parse(R"({
    "ImageId": "ami-0abcdef1234567890", "MinCount": 1, "MaxCount": 2, "InstanceType": "t3.micro",
    "TagSpecifications": [
      {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web-1"}]}],
    "SecurityGroupIds": ["sg-1", "sg-2"],
    "BlockDeviceMappings": [
      {"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 20, "DeleteOnTermination": true}}],
    "DryRun": false, "ClientToken": "token-1"
  })"));
}

TEST_F(QueryCodecTest, Ec2FiltersUseFlattenedLists) {
  auto input = Decode(ec2_,
                      "Action=DescribeInstances&Version=2016-11-15"
                      "&Filter.1.Name=instance-state-name&Filter.1.Value.1=running"
                      "&Filter.1.Value.2=pending&InstanceId.1=i-1&MaxResults=5");
  ASSERT_TRUE(input.has_value()) << input.error().message();
  EXPECT_EQ(*input, json::parse(R"({
    "Filters": [{"Name": "instance-state-name", "Values": ["running", "pending"]}],
    "InstanceIds": ["i-1"], "MaxResults": 5
  })"));
}

TEST_F(QueryCodecTest, EmptyListParameterIsAnEmptyList) {
  // botocore sends an empty list as the bare name.
  auto input = Decode(iam_, "Action=CreateUser&Version=2010-05-08&UserName=a&Tags=");
  ASSERT_TRUE(input.has_value()) << input.error().message();
  EXPECT_EQ(*input, json::parse(R"({"UserName": "a", "Tags": []})"));
}

TEST_F(QueryCodecTest, TimestampParametersNormaliseToIso8601) {
  Service cloudwatch("cloudwatch");
  std::string form =
      "Action=GetMetricStatistics&Version=2010-08-01&Namespace=AWS%2FEC2&MetricName=CPUUtilization"
      "&Period=60&Statistics.member.1=Average&EndTime=2024-01-02T12%3A04%3A05.5%2B09%3A00"
      "&StartTime=";
  auto iso = Decode(cloudwatch, form + "2024-01-02T03%3A04%3A05Z");
  ASSERT_TRUE(iso.has_value()) << iso.error().message();
  EXPECT_EQ((*iso)["StartTime"], "2024-01-02T03:04:05Z");
  EXPECT_EQ((*iso)["EndTime"], "2024-01-02T03:04:05.500Z");
  auto epoch = Decode(cloudwatch, form + std::to_string(kEpoch));
  ASSERT_TRUE(epoch.has_value()) << epoch.error().message();
  EXPECT_EQ((*epoch)["StartTime"], "2024-01-02T03:04:05Z");

  for (const char* bad : {"yesterday", "1e300", "nan"}) {
    auto error = Decode(cloudwatch, form + bad);
    ASSERT_FALSE(error.has_value()) << bad;
    EXPECT_EQ(error.error().code(), "ValidationError") << bad;
  }
}

TEST_F(QueryCodecTest, TypeErrors) {
  auto ec2 = Decode(ec2_, "Action=RunInstances&Version=2016-11-15&MinCount=one&MaxCount=1");
  ASSERT_FALSE(ec2.has_value());
  EXPECT_EQ(ec2.error().code(), "InvalidParameterValue");
  EXPECT_EQ(ec2.error().http_status(), 400);
  EXPECT_NE(ec2.error().message().find("one"), std::string::npos) << ec2.error().message();
  EXPECT_NE(ec2.error().message().find("MinCount"), std::string::npos) << ec2.error().message();

  auto bad_bool = Decode(ec2_,
                         "Action=RunInstances&Version=2016-11-15&MinCount=1&MaxCount=1"
                         "&DryRun=yes");
  ASSERT_FALSE(bad_bool.has_value());
  EXPECT_EQ(bad_bool.error().code(), "InvalidParameterValue");

  auto iam = Decode(iam_, "Action=ListUsers&Version=2010-05-08&MaxItems=ten");
  ASSERT_FALSE(iam.has_value());
  EXPECT_EQ(iam.error().code(), "ValidationError");
  EXPECT_EQ(iam.error().http_status(), 400);
  EXPECT_TRUE(iam.error().sender_fault());
  EXPECT_NE(iam.error().message().find("'ten'"), std::string::npos) << iam.error().message();

  // Integer members hold 32 bits.
  auto overflow = Decode(iam_, "Action=ListUsers&Version=2010-05-08&MaxItems=4294967296");
  ASSERT_FALSE(overflow.has_value());
  EXPECT_EQ(overflow.error().code(), "ValidationError");
}

TEST_F(QueryCodecTest, MissingRequiredMembers) {
  auto iam = Decode(iam_, "Action=CreateUser&Version=2010-05-08&Path=%2F");
  ASSERT_FALSE(iam.has_value());
  EXPECT_EQ(iam.error().code(), "ValidationError");
  EXPECT_EQ(iam.error().message(),
            "1 validation error detected: Value null at 'userName' failed to satisfy constraint: "
            "Member must not be null");

  auto ec2 = Decode(ec2_, "Action=RunInstances&Version=2016-11-15&ImageId=ami-1&MaxCount=1");
  ASSERT_FALSE(ec2.has_value());
  EXPECT_EQ(ec2.error().code(), "MissingParameter");
  EXPECT_EQ(ec2.error().message(), "The request must contain the parameter MinCount");

  // A required member of a list item: the path names the item.
  auto tag = Decode(iam_, "Action=CreateUser&Version=2010-05-08&UserName=a&Tags.member.1.Key=k");
  ASSERT_FALSE(tag.has_value());
  EXPECT_EQ(tag.error().message(),
            "1 validation error detected: Value null at 'tags.1.member.value' failed to satisfy "
            "constraint: Member must not be null");
}

TEST_F(QueryCodecTest, LengthAndRangeConstraints) {
  std::string long_name(65, 'a');
  auto too_long = Decode(iam_, "Action=CreateUser&Version=2010-05-08&UserName=" + long_name);
  ASSERT_FALSE(too_long.has_value());
  EXPECT_EQ(too_long.error().code(), "ValidationError");
  EXPECT_EQ(too_long.error().message(),
            "1 validation error detected: Value '" + long_name +
                "' at 'userName' failed to satisfy constraint: Member must have length less than "
                "or equal to 64");

  // Length counts characters, not bytes: 64 three-byte characters fit.
  std::string wide;
  for (int i = 0; i < 64; ++i) wide += "%ED%95%9C";  // 한
  EXPECT_TRUE(Decode(iam_, "Action=CreateUser&Version=2010-05-08&UserName=" + wide).has_value());

  auto empty = Decode(iam_, "Action=CreateUser&Version=2010-05-08&UserName=");
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().message(),
            "1 validation error detected: Value '' at 'userName' failed to satisfy constraint: "
            "Member must have length greater than or equal to 1");

  auto range = Decode(iam_, "Action=ListUsers&Version=2010-05-08&MaxItems=0");
  ASSERT_FALSE(range.has_value());
  EXPECT_EQ(range.error().message(),
            "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: "
            "Member must have value greater than or equal to 1");

  // Every violation is reported, joined by "; ".
  auto two = Decode(sts_,
                    "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A0%3Arole%2Fr"
                    "&RoleSessionName=x&DurationSeconds=60");
  ASSERT_FALSE(two.has_value());
  EXPECT_EQ(two.error().message(),
            "2 validation errors detected: Value 'x' at 'roleSessionName' failed to satisfy "
            "constraint: Member must have length greater than or equal to 2; Value '60' at "
            "'durationSeconds' failed to satisfy constraint: Member must have value greater "
            "than or equal to 900");
}

TEST_F(QueryCodecTest, Ec2DoesNotEnforceModelConstraintsOnTheWire) {
  // The EC2 model's min/max traits are left to the handlers (EC2 has its own messages).
  EXPECT_TRUE(
      Decode(ec2_, "Action=RunInstances&Version=2016-11-15&MinCount=0&MaxCount=0").has_value());
}

TEST_F(QueryCodecTest, StsGetCallerIdentityOutput) {
  const Operation& op = sts_.Op("GetCallerIdentity");
  json output = {{"UserId", "AIDACKCEVSQ6C2EXAMPLE"},
                 {"Account", "123456789012"},
                 {"Arn", "arn:aws:iam::123456789012:user/Alice"}};
  http::Response response =
      sts_.codec->EncodeOutput(op, output, Context("01234567-89ab-cdef-0123-456789abcdef"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.headers.GetOr("Content-Type", ""), "text/xml");
  // Exactly as AWS documents it, elements in the model's order.
  EXPECT_EQ(response.body,
            "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
            "<GetCallerIdentityResult>"
            "<UserId>AIDACKCEVSQ6C2EXAMPLE</UserId>"
            "<Account>123456789012</Account>"
            "<Arn>arn:aws:iam::123456789012:user/Alice</Arn>"
            "</GetCallerIdentityResult>"
            "<ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>"
            "</ResponseMetadata>"
            "</GetCallerIdentityResponse>");
}

TEST_F(QueryCodecTest, OperationWithoutOutputHasOnlyResponseMetadata) {
  http::Response response =
      iam_.codec->EncodeOutput(iam_.Op("DeleteUser"), json::object(), Context("req-1"));
  EXPECT_EQ(response.body,
            "<DeleteUserResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
            "<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>"
            "</DeleteUserResponse>");
}

TEST_F(QueryCodecTest, IamListOutputUsesMemberElementsAndIsoTimestamps) {
  json output = {{"IsTruncated", false},
                 {"Users",
                  {{{"UserName", "alice"},
                    {"UserId", "AIDA1"},
                    {"Arn", "arn:aws:iam::000000000000:user/alice"},
                    {"Path", "/"},
                    {"CreateDate", "2024-01-02T03:04:05Z"}},
                   {{"UserName", "bob&co"},
                    {"UserId", "AIDA2"},
                    {"Arn", "arn:aws:iam::000000000000:user/bob"},
                    {"Path", "/"},
                    {"CreateDate", kEpoch},  // handlers may give epoch seconds
                    {"Tags", {{{"Key", "team"}, {"Value", "<ops>"}}}}}}}};
  http::Response response =
      iam_.codec->EncodeOutput(iam_.Op("ListUsers"), output, Context("req-2"));
  EXPECT_EQ(response.body,
            "<ListUsersResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
            "<ListUsersResult>"
            "<Users>"
            "<member><Path>/</Path><UserName>alice</UserName><UserId>AIDA1</UserId>"
            "<Arn>arn:aws:iam::000000000000:user/alice</Arn>"
            "<CreateDate>2024-01-02T03:04:05Z</CreateDate></member>"
            "<member><Path>/</Path><UserName>bob&amp;co</UserName><UserId>AIDA2</UserId>"
            "<Arn>arn:aws:iam::000000000000:user/bob</Arn>"
            "<CreateDate>2024-01-02T03:04:05Z</CreateDate>"
            "<Tags><member><Key>team</Key><Value>&lt;ops&gt;</Value></member></Tags></member>"
            "</Users>"
            "<IsTruncated>false</IsTruncated>"
            "</ListUsersResult>"
            "<ResponseMetadata><RequestId>req-2</RequestId></ResponseMetadata>"
            "</ListUsersResponse>");
}

TEST_F(QueryCodecTest, IamMapOutputUsesEntryKeyValue) {
  json output = {{"SummaryMap", {{"Users", 3}, {"Groups", 1}}}};
  http::Response response =
      iam_.codec->EncodeOutput(iam_.Op("GetAccountSummary"), output, Context("req-3"));
  EXPECT_EQ(response.body,
            "<GetAccountSummaryResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
            "<GetAccountSummaryResult><SummaryMap>"
            "<entry><key>Groups</key><value>1</value></entry>"
            "<entry><key>Users</key><value>3</value></entry>"
            "</SummaryMap></GetAccountSummaryResult>"
            "<ResponseMetadata><RequestId>req-3</RequestId></ResponseMetadata>"
            "</GetAccountSummaryResponse>");
}

TEST_F(QueryCodecTest, Ec2OutputEnvelopeWithItemLists) {
  json output = {{"Reservations",
                  {{{"ReservationId", "r-1"},
                    {"OwnerId", "000000000000"},
                    {"Instances",
                     {{{"InstanceId", "i-1"},
                       {"ImageId", "ami-1"},
                       {"AmiLaunchIndex", 0},
                       {"EbsOptimized", false},
                       {"LaunchTime", "2024-01-02T03:04:05Z"},
                       {"State", {{"Code", 16}, {"Name", "running"}}},
                       {"Tags", {{{"Key", "Name"}, {"Value", "web-1"}}}}}}}}}}};
  http::Response response = ec2_.codec->EncodeOutput(
      ec2_.Op("DescribeInstances"), output, Context("59dbff89-35bd-4eac-99ed-be587EXAMPLE"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
            "<requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>"
            "<reservationSet><item>"
            "<instancesSet><item>"
            "<amiLaunchIndex>0</amiLaunchIndex>"
            "<imageId>ami-1</imageId><instanceId>i-1</instanceId>"
            "<launchTime>2024-01-02T03:04:05Z</launchTime>"
            "<instanceState><code>16</code><name>running</name></instanceState>"
            "<ebsOptimized>false</ebsOptimized>"
            "<tagSet><item><key>Name</key><value>web-1</value></item></tagSet>"
            "</item></instancesSet>"
            "<ownerId>000000000000</ownerId><reservationId>r-1</reservationId>"
            "</item></reservationSet>"
            "</DescribeInstancesResponse>");
}

TEST_F(QueryCodecTest, QueryErrorEnvelope) {
  http::Response response = iam_.codec->EncodeError(
      AwsError("NoSuchEntity", "The user with name bob cannot be found."), Context("req-4"));
  EXPECT_EQ(response.status, 404);  // from the model's NoSuchEntityException
  EXPECT_EQ(response.headers.GetOr("Content-Type", ""), "text/xml");
  EXPECT_EQ(response.body,
            "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
            "<Error><Type>Sender</Type><Code>NoSuchEntity</Code>"
            "<Message>The user with name bob cannot be found.</Message></Error>"
            "<RequestId>req-4</RequestId>"
            "</ErrorResponse>");

  http::Response internal = sts_.codec->EncodeError(
      AwsError(ErrorCode::InternalError, "We encountered an internal error."), Context("req-5"));
  EXPECT_EQ(internal.status, 500);
  EXPECT_EQ(internal.body,
            "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
            "<Error><Type>Receiver</Type><Code>InternalError</Code>"
            "<Message>We encountered an internal error.</Message></Error>"
            "<RequestId>req-5</RequestId>"
            "</ErrorResponse>");

  // An explicit status wins over the model's.
  EXPECT_EQ(iam_.codec->EncodeError(AwsError("NoSuchEntity", "x", 410), Context("r")).status, 410);
}

TEST_F(QueryCodecTest, Ec2ErrorEnvelope) {
  http::Response response = ec2_.codec->EncodeError(
      AwsError("InvalidInstanceID.NotFound", "The instance ID 'i-1' does not exist"),
      Context("ea966190-f9aa-478e-9ede-example"));
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.body,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code>"
            "<Message>The instance ID &apos;i-1&apos; does not exist</Message></Error></Errors>"
            "<RequestID>ea966190-f9aa-478e-9ede-example</RequestID></Response>");
  EXPECT_EQ(ec2_.codec->EncodeError(AwsError(ErrorCode::AuthFailure, "x"), Context("r")).status,
            401);
}

TEST_F(QueryCodecTest, ControlCharactersInMessagesKeepTheDocumentWellFormed) {
  http::Response response = sts_.codec->EncodeError(
      AwsError(ErrorCode::InvalidAction, std::string("Could not find operation A\x01\0B", 29)),
      Context("r"));
  EXPECT_NE(response.body.find("<Message>Could not find operation A&#x1;&#x0;B</Message>"),
            std::string::npos)
      << response.body;
}

}  // namespace
}  // namespace gureum::protocol
