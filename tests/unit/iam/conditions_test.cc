// Every condition operator, ...IfExists, the set qualifiers with multivalued keys, absent keys
// and negated operators, policy variables in condition values.

#include "iam/conditions.h"

#include <gtest/gtest.h>

namespace gureum::iam {
namespace {

using nlohmann::json;

// Evaluates a whole Condition element (all of its conditions must hold).
bool Holds(const std::string& block, const Context& context, bool variables = true) {
  auto parsed = ParseConditionBlock(json::parse(block));
  EXPECT_TRUE(parsed) << block;
  if (!parsed) return false;
  for (const auto& c : *parsed) {
    if (!EvaluateCondition(c, context, variables, nullptr)) return false;
  }
  return true;
}

Context One(const std::string& key, const std::string& value) {
  Context c;
  c.Set(key, value);
  return c;
}

Context Many(const std::string& key, std::vector<std::string> values) {
  Context c;
  c.Set(key, std::move(values));
  return c;
}

const Context kEmpty;

TEST(ConditionOperatorTest, Parses) {
  auto c = ParseConditionOperator("ForAllValues:StringNotLikeIfExists");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->op, ConditionOperator::StringNotLike);
  EXPECT_EQ(c->qualifier, SetQualifier::ForAllValues);
  EXPECT_TRUE(c->if_exists);
  EXPECT_FALSE(ParseConditionOperator("StringEqualz"));
  EXPECT_FALSE(ParseConditionOperator("NullIfExists"));
  EXPECT_FALSE(ParseConditionOperator("IfExists"));
  EXPECT_FALSE(ParseConditionOperator("ForSomeValues:StringEquals"));
}

TEST(ConditionBlockTest, RejectsBadShapes) {
  EXPECT_FALSE(ParseConditionBlock(json::parse(R"({"StringEquals": "x"})")));
  EXPECT_FALSE(ParseConditionBlock(json::parse(R"({"StringEquals": {"k": {"a": 1}}})")));
  EXPECT_FALSE(ParseConditionBlock(json::parse(R"({"Nope": {"k": "v"}})")));
  EXPECT_FALSE(ParseConditionBlock(json::parse(R"([])")));
  auto ok = ParseConditionBlock(json::parse(R"({"NumericLessThan": {"s3:max-keys": 10}})"));
  ASSERT_TRUE(ok);
  EXPECT_EQ((*ok)[0].values, std::vector<std::string>{"10"});
}

TEST(StringConditionTest, Equals) {
  auto ctx = One("aws:username", "alice");
  EXPECT_TRUE(Holds(R"({"StringEquals": {"aws:username": "alice"}})", ctx));
  EXPECT_TRUE(Holds(R"({"StringEquals": {"AWS:USERNAME": ["bob", "alice"]}})", ctx));
  EXPECT_FALSE(Holds(R"({"StringEquals": {"aws:username": "Alice"}})", ctx));
  EXPECT_FALSE(Holds(R"({"StringEquals": {"aws:username": "al*"}})", ctx));
  EXPECT_TRUE(Holds(R"({"StringNotEquals": {"aws:username": "bob"}})", ctx));
  EXPECT_FALSE(Holds(R"({"StringNotEquals": {"aws:username": ["bob", "alice"]}})", ctx));
  EXPECT_TRUE(Holds(R"({"StringEqualsIgnoreCase": {"aws:username": "ALICE"}})", ctx));
  EXPECT_FALSE(Holds(R"({"StringNotEqualsIgnoreCase": {"aws:username": "ALICE"}})", ctx));
  EXPECT_TRUE(Holds(R"({"StringNotEqualsIgnoreCase": {"aws:username": "bob"}})", ctx));
}

TEST(StringConditionTest, Like) {
  auto ctx = One("s3:prefix", "home/alice/");
  EXPECT_TRUE(Holds(R"({"StringLike": {"s3:prefix": "home/*"}})", ctx));
  EXPECT_TRUE(Holds(R"({"StringLike": {"s3:prefix": ["x", "home/?lice/"]}})", ctx));
  EXPECT_FALSE(Holds(R"({"StringLike": {"s3:prefix": "Home/*"}})", ctx));
  EXPECT_TRUE(Holds(R"({"StringNotLike": {"s3:prefix": "tmp/*"}})", ctx));
  EXPECT_FALSE(Holds(R"({"StringNotLike": {"s3:prefix": "home/*"}})", ctx));
}

TEST(StringConditionTest, AbsentKey) {
  // Positive operators fail on an absent key, negated ones hold (AWS condition operators page).
  EXPECT_FALSE(Holds(R"({"StringEquals": {"aws:username": "a"}})", kEmpty));
  EXPECT_FALSE(Holds(R"({"StringLike": {"aws:username": "*"}})", kEmpty));
  EXPECT_TRUE(Holds(R"({"StringNotEquals": {"aws:username": "a"}})", kEmpty));
  EXPECT_TRUE(Holds(R"({"StringNotLike": {"aws:username": "a"}})", kEmpty));
  EXPECT_TRUE(Holds(R"({"StringNotEqualsIgnoreCase": {"aws:username": "a"}})", kEmpty));
}

TEST(StringConditionTest, IfExists) {
  EXPECT_TRUE(Holds(R"({"StringEqualsIfExists": {"ec2:InstanceType": "t3.micro"}})", kEmpty));
  EXPECT_TRUE(Holds(R"({"StringEqualsIfExists": {"ec2:InstanceType": "t3.micro"}})",
                    One("ec2:InstanceType", "t3.micro")));
  EXPECT_FALSE(Holds(R"({"StringEqualsIfExists": {"ec2:InstanceType": "t3.micro"}})",
                     One("ec2:InstanceType", "m5.large")));
  EXPECT_TRUE(Holds(R"({"StringNotLikeIfExists": {"k": "a*"}})", kEmpty));
  EXPECT_FALSE(Holds(R"({"StringNotLikeIfExists": {"k": "a*"}})", One("k", "abc")));
}

TEST(StringConditionTest, PolicyVariables) {
  Context ctx;
  ctx.Set("aws:username", "alice");
  ctx.Set("aws:PrincipalTag/team", "red");
  ctx.Set("aws:ResourceTag/team", "red");
  ctx.Set("s3:prefix", "home/alice/x");
  EXPECT_TRUE(Holds(R"({"StringLike": {"s3:prefix": "home/${aws:username}/*"}})", ctx));
  EXPECT_TRUE(
      Holds(R"({"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}})", ctx));
  EXPECT_FALSE(Holds(R"({"StringLike": {"s3:prefix": "home/${aws:username}/*"}})", ctx, false));
  // A missing variable makes that value match nothing.
  EXPECT_FALSE(Holds(R"({"StringEquals": {"aws:username": "${aws:userid}"}})", ctx));
  EXPECT_TRUE(Holds(R"({"StringEquals": {"aws:username": "${aws:userid, 'alice'}"}})", ctx));
  // An unresolvable variable invalidates the condition, negated operators included.
  EXPECT_FALSE(Holds(R"({"StringNotEquals": {"aws:username": "${aws:userid}"}})", ctx));
  EXPECT_FALSE(Holds(R"({"StringNotLike": {"aws:username": ["bob", "${aws:userid}"]}})", ctx));
}

TEST(NumericConditionTest, Operators) {
  auto ctx = One("s3:max-keys", "10");
  EXPECT_TRUE(Holds(R"({"NumericEquals": {"s3:max-keys": "10"}})", ctx));
  EXPECT_TRUE(Holds(R"({"NumericEquals": {"s3:max-keys": 10.0}})", ctx));
  EXPECT_FALSE(Holds(R"({"NumericNotEquals": {"s3:max-keys": "10"}})", ctx));
  EXPECT_TRUE(Holds(R"({"NumericNotEquals": {"s3:max-keys": "11"}})", ctx));
  EXPECT_TRUE(Holds(R"({"NumericLessThan": {"s3:max-keys": "11"}})", ctx));
  EXPECT_FALSE(Holds(R"({"NumericLessThan": {"s3:max-keys": "10"}})", ctx));
  EXPECT_TRUE(Holds(R"({"NumericLessThanEquals": {"s3:max-keys": "10"}})", ctx));
  EXPECT_TRUE(Holds(R"({"NumericGreaterThan": {"s3:max-keys": "9.5"}})", ctx));
  EXPECT_FALSE(Holds(R"({"NumericGreaterThan": {"s3:max-keys": "10"}})", ctx));
  EXPECT_TRUE(Holds(R"({"NumericGreaterThanEquals": {"s3:max-keys": "10"}})", ctx));
  EXPECT_FALSE(Holds(R"({"NumericEquals": {"s3:max-keys": "ten"}})", ctx));
  EXPECT_FALSE(Holds(R"({"NumericEquals": {"s3:max-keys": "10"}})", One("s3:max-keys", "x")));
  EXPECT_FALSE(Holds(R"({"NumericLessThan": {"s3:max-keys": "10"}})", kEmpty));
  EXPECT_TRUE(Holds(R"({"NumericNotEquals": {"s3:max-keys": "10"}})", kEmpty));
  EXPECT_TRUE(Holds(R"({"NumericLessThanIfExists": {"s3:max-keys": "10"}})", kEmpty));
}

TEST(DateConditionTest, IsoAndEpoch) {
  auto iso = One("aws:CurrentTime", "2026-11-25T12:00:00Z");
  auto epoch = One("aws:EpochTime", "1795608000");  // 2026-11-25T12:00:00Z
  EXPECT_TRUE(Holds(R"({"DateGreaterThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}})", iso));
  EXPECT_TRUE(Holds(R"({"DateLessThan": {"aws:CurrentTime": "2027-01-01"}})", iso));
  EXPECT_TRUE(Holds(R"({"DateEquals": {"aws:CurrentTime": "2026-11-25T21:00:00+09:00"}})", iso));
  EXPECT_TRUE(Holds(R"({"DateEquals": {"aws:CurrentTime": "1795608000"}})", iso));
  EXPECT_TRUE(Holds(R"({"DateEquals": {"aws:EpochTime": "2026-11-25T12:00:00Z"}})", epoch));
  EXPECT_FALSE(Holds(R"({"DateNotEquals": {"aws:EpochTime": "1795608000"}})", epoch));
  EXPECT_TRUE(Holds(R"({"DateLessThanEquals": {"aws:EpochTime": 1795608000}})", epoch));
  EXPECT_TRUE(Holds(R"({"DateGreaterThanEquals": {"aws:EpochTime": "1795608000"}})", epoch));
  EXPECT_FALSE(Holds(R"({"DateGreaterThan": {"aws:EpochTime": "1795608000"}})", epoch));
  EXPECT_FALSE(Holds(R"({"DateLessThan": {"aws:CurrentTime": "not a date"}})", iso));
  EXPECT_FALSE(Holds(R"({"DateLessThan": {"aws:CurrentTime": "2027-01-01"}})", kEmpty));
  EXPECT_TRUE(Holds(R"({"DateLessThanIfExists": {"aws:CurrentTime": "2027-01-01"}})", kEmpty));
}

TEST(BoolConditionTest, TrueFalse) {
  auto secure = One("aws:SecureTransport", "true");
  EXPECT_TRUE(Holds(R"({"Bool": {"aws:SecureTransport": "true"}})", secure));
  EXPECT_TRUE(Holds(R"({"Bool": {"aws:SecureTransport": true}})", secure));
  EXPECT_TRUE(Holds(R"({"Bool": {"aws:SecureTransport": "TRUE"}})", secure));
  EXPECT_FALSE(Holds(R"({"Bool": {"aws:SecureTransport": "false"}})", secure));
  EXPECT_FALSE(Holds(R"({"Bool": {"aws:SecureTransport": "false"}})", kEmpty));
  EXPECT_TRUE(Holds(R"({"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}})", kEmpty));
  EXPECT_FALSE(Holds(R"({"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}})",
                     One("aws:MultiFactorAuthPresent", "true")));
}

TEST(BinaryConditionTest, Base64) {
  auto ctx = One("k", "QmluYXJ5VmFsdWU=");
  EXPECT_TRUE(Holds(R"({"BinaryEquals": {"k": "QmluYXJ5VmFsdWU="}})", ctx));
  EXPECT_FALSE(Holds(R"({"BinaryEquals": {"k": "T3RoZXI="}})", ctx));
  EXPECT_FALSE(Holds(R"({"BinaryEquals": {"k": "QmluYXJ5VmFsdWU="}})", kEmpty));
}

TEST(IpConditionTest, V4AndV6) {
  auto v4 = One("aws:SourceIp", "203.0.113.77");
  EXPECT_TRUE(Holds(R"({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})", v4));
  EXPECT_TRUE(Holds(R"({"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "203.0.113.77"]}})", v4));
  EXPECT_FALSE(Holds(R"({"IpAddress": {"aws:SourceIp": "203.0.114.0/24"}})", v4));
  EXPECT_TRUE(Holds(R"({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}})", v4));
  EXPECT_TRUE(Holds(R"({"NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"}})", v4));
  EXPECT_FALSE(Holds(R"({"NotIpAddress": {"aws:SourceIp": "203.0.113.0/25"}})", v4));
  auto v6 = One("aws:SourceIp", "2001:db8:1234::1");
  EXPECT_TRUE(Holds(R"({"IpAddress": {"aws:SourceIp": "2001:db8::/32"}})", v6));
  EXPECT_FALSE(Holds(R"({"IpAddress": {"aws:SourceIp": "2001:db9::/32"}})", v6));
  EXPECT_FALSE(Holds(R"({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}})", v6));
  EXPECT_FALSE(Holds(R"({"IpAddress": {"aws:SourceIp": "203.0.113.0/33"}})", v4));
  EXPECT_FALSE(Holds(R"({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})", kEmpty));
  EXPECT_TRUE(Holds(R"({"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}})", kEmpty));
}

TEST(ArnConditionTest, Operators) {
  auto ctx = One("aws:SourceArn", "arn:aws:sns:ap-northeast-2:111122223333:topic");
  EXPECT_TRUE(Holds(R"({"ArnEquals": {"aws:SourceArn": "arn:aws:sns:*:111122223333:*"}})", ctx));
  EXPECT_TRUE(Holds(R"({"ArnLike": {"aws:SourceArn": "arn:aws:sns:ap-*:*:top?c"}})", ctx));
  EXPECT_FALSE(Holds(R"({"ArnLike": {"aws:SourceArn": "arn:aws:sqs:*:*:*"}})", ctx));
  EXPECT_FALSE(Holds(R"({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*"}})", ctx));
  EXPECT_TRUE(Holds(R"({"ArnNotEquals": {"aws:SourceArn": "arn:aws:sqs:*:*:*"}})", ctx));
  EXPECT_FALSE(Holds(R"({"ArnNotLike": {"aws:SourceArn": "arn:aws:sns:*:*:*"}})", ctx));
  EXPECT_TRUE(Holds(R"({"ArnNotLike": {"aws:SourceArn": "arn:aws:sns:*:*:*"}})", kEmpty));
  EXPECT_FALSE(Holds(R"({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:*"}})", kEmpty));
}

TEST(NullConditionTest, Existence) {
  auto ctx = One("aws:TokenIssueTime", "2026-01-01T00:00:00Z");
  EXPECT_TRUE(Holds(R"({"Null": {"aws:TokenIssueTime": "false"}})", ctx));
  EXPECT_FALSE(Holds(R"({"Null": {"aws:TokenIssueTime": "true"}})", ctx));
  EXPECT_TRUE(Holds(R"({"Null": {"aws:TokenIssueTime": true}})", kEmpty));
  EXPECT_FALSE(Holds(R"({"Null": {"aws:TokenIssueTime": "false"}})", kEmpty));
  EXPECT_TRUE(Holds(R"({"Null": {"aws:TagKeys": "true"}})", Many("aws:TagKeys", {})));
}

TEST(SetQualifierTest, ForAllValues) {
  auto ctx = Many("aws:TagKeys", {"env", "team"});
  EXPECT_TRUE(
      Holds(R"({"ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team", "x"]}})", ctx));
  EXPECT_FALSE(Holds(R"({"ForAllValues:StringEquals": {"aws:TagKeys": ["env"]}})", ctx));
  EXPECT_TRUE(Holds(R"({"ForAllValues:StringLike": {"aws:TagKeys": ["e*", "t*"]}})", ctx));
  // Absent key or empty set: ForAllValues holds (AWS: "returns true if there are no keys").
  EXPECT_TRUE(Holds(R"({"ForAllValues:StringEquals": {"aws:TagKeys": ["env"]}})", kEmpty));
  EXPECT_TRUE(
      Holds(R"({"ForAllValues:StringEquals": {"aws:TagKeys": ["env"]}})", Many("aws:TagKeys", {})));
  // Negated: every value must avoid the policy's values.
  EXPECT_TRUE(Holds(R"({"ForAllValues:StringNotEquals": {"aws:TagKeys": ["x", "y"]}})", ctx));
  EXPECT_FALSE(Holds(R"({"ForAllValues:StringNotEquals": {"aws:TagKeys": ["env"]}})", ctx));
  EXPECT_TRUE(Holds(R"({"ForAllValues:StringNotEquals": {"aws:TagKeys": ["env"]}})", kEmpty));
}

TEST(SetQualifierTest, ForAnyValue) {
  auto ctx = Many("aws:TagKeys", {"env", "team"});
  EXPECT_TRUE(Holds(R"({"ForAnyValue:StringEquals": {"aws:TagKeys": ["team", "x"]}})", ctx));
  EXPECT_FALSE(Holds(R"({"ForAnyValue:StringEquals": {"aws:TagKeys": ["x"]}})", ctx));
  EXPECT_FALSE(Holds(R"({"ForAnyValue:StringEquals": {"aws:TagKeys": ["x"]}})", kEmpty));
  EXPECT_FALSE(Holds(R"({"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["x"]}})", kEmpty));
  // Negated: some value must avoid the policy's values.
  EXPECT_TRUE(Holds(R"({"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["env"]}})", ctx));
  EXPECT_FALSE(Holds(R"({"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["env", "team"]}})", ctx));
  EXPECT_TRUE(Holds(R"({"ForAnyValue:StringLikeIfExists": {"aws:TagKeys": "x"}})", kEmpty));
}

TEST(SetQualifierTest, PlainOperatorOnMultivaluedKey) {
  auto ctx = Many("aws:TagKeys", {"env", "team"});
  EXPECT_TRUE(Holds(R"({"StringEquals": {"aws:TagKeys": "env"}})", ctx));
  EXPECT_FALSE(Holds(R"({"StringNotEquals": {"aws:TagKeys": "env"}})", ctx));
  EXPECT_TRUE(Holds(R"({"StringNotEquals": {"aws:TagKeys": "x"}})", ctx));
}

TEST(ConditionBlockTest, KeysAndOperatorsAreAnded) {
  Context ctx;
  ctx.Set("aws:username", "alice");
  ctx.Set("aws:SourceIp", "10.1.2.3");
  EXPECT_TRUE(Holds(R"({"StringEquals": {"aws:username": "alice"},
                        "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})",
                    ctx));
  EXPECT_FALSE(Holds(R"({"StringEquals": {"aws:username": "alice", "aws:userid": "x"}})", ctx));
  EXPECT_FALSE(Holds(R"({"StringEquals": {"aws:username": "alice"},
                         "IpAddress": {"aws:SourceIp": "192.168.0.0/16"}})",
                     ctx));
}

TEST(ConditionTraceTest, ExplainsFailure) {
  auto parsed = ParseConditionBlock(json::parse(R"({"StringEquals": {"aws:username": "bob"}})"));
  ASSERT_TRUE(parsed);
  std::string why;
  EXPECT_FALSE(EvaluateCondition((*parsed)[0], One("aws:username", "alice"), true, &why));
  EXPECT_NE(why.find("StringEquals aws:username"), std::string::npos) << why;
  EXPECT_NE(why.find("alice"), std::string::npos) << why;
}

}  // namespace
}  // namespace gureum::iam
