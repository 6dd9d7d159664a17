// AWS's evaluation logic end to end: explicit deny, SCP levels, root, anonymous, the same-account
// union and the cross-account intersection, boundaries, session policies, trust policies, and
// how the resource policy names the principal.

#include "iam/evaluator.h"

#include <gtest/gtest.h>

#include "iam/simulation.h"

namespace gureum::iam {
namespace {

using nlohmann::json;

constexpr const char* kA = "111122223333";
constexpr const char* kB = "444455556666";
constexpr const char* kAlice = "arn:aws:iam::111122223333:user/alice";
constexpr const char* kSession = "arn:aws:sts::111122223333:assumed-role/App/s1";
constexpr const char* kObject = "arn:aws:s3:::bucket/key";

json Allow(const std::string& action, const std::string& resource = "*") {
  return {{"Version", "2012-10-17"},
          {"Statement", {{{"Effect", "Allow"}, {"Action", action}, {"Resource", resource}}}}};
}

json Deny(const std::string& action, const std::string& resource = "*") {
  return {{"Version", "2012-10-17"},
          {"Statement", {{{"Effect", "Deny"}, {"Action", action}, {"Resource", resource}}}}};
}

json ResourcePolicy(const std::string& effect, json principal, const std::string& action = "s3:*") {
  return {{"Version", "2012-10-17"},
          {"Statement",
           {{{"Effect", effect},
             {"Principal", std::move(principal)},
             {"Action", action},
             {"Resource", "arn:aws:s3:::bucket/*"}}}}};
}

json Case(const std::string& principal, const std::string& principal_account,
          const std::string& resource_account, const std::string& action = "s3:GetObject",
          const std::string& resource = kObject) {
  return {{"id", "t"},
          {"request",
           {{"principal", principal},
            {"principalAccount", principal_account},
            {"action", action},
            {"resource", resource},
            {"resourceAccount", resource_account}}}};
}

Evaluation RunCase(const json& c) {
  auto parsed = ParseSimulationCase(c);
  EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error().message());
  if (!parsed) return {};
  return Simulate(*parsed, true);
}

Decision Decide(const json& c) { return RunCase(c).decision; }

TEST(EvaluatorTest, ImplicitDenyByDefault) {
  EXPECT_EQ(Decide(Case(kAlice, kA, kA)), Decision::ImplicitDeny);
}

TEST(EvaluatorTest, IdentityPolicyAllows) {
  auto c = Case(kAlice, kA, kA);
  c["identityPolicies"] = json::array({Allow("s3:Get*", "arn:aws:s3:::bucket/*")});
  EXPECT_EQ(Decide(c), Decision::Allow);
  c["request"]["action"] = "s3:PutObject";
  EXPECT_EQ(Decide(c), Decision::ImplicitDeny);
}

TEST(EvaluatorTest, ExplicitDenyWinsEverywhere) {
  auto c = Case(kAlice, kA, kA);
  c["identityPolicies"] = json::array({Allow("*"), Deny("s3:GetObject")});
  EXPECT_EQ(Decide(c), Decision::ExplicitDeny);
  c["identityPolicies"] = json::array({Allow("*")});
  c["resourcePolicy"] = ResourcePolicy("Deny", "*");
  EXPECT_EQ(Decide(c), Decision::ExplicitDeny);
  c.erase("resourcePolicy");
  c["permissionBoundary"] = Deny("s3:*");
  EXPECT_EQ(Decide(c), Decision::ExplicitDeny);
  c.erase("permissionBoundary");
  c["scps"] = json::array({Allow("*"), Deny("s3:GetObject")});
  EXPECT_EQ(Decide(c), Decision::ExplicitDeny);
}

TEST(EvaluatorTest, NotActionAndNotResource) {
  auto c = Case(kAlice, kA, kA);
  c["identityPolicies"] =
      json::parse(R"([{"Statement": {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}}])");
  EXPECT_EQ(Decide(c), Decision::Allow);
  c["identityPolicies"] = json::parse(R"([
      {"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}},
      {"Statement": {"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::bucket/*"}}])");
  EXPECT_EQ(Decide(c), Decision::Allow);
  c["request"]["resource"] = "arn:aws:s3:::other/key";
  EXPECT_EQ(Decide(c), Decision::ExplicitDeny);
}

TEST(EvaluatorTest, ScpEveryLevelMustAllow) {
  auto c = Case(kAlice, kA, kA);
  c["identityPolicies"] = json::array({Allow("*")});
  c["scps"] = json::array({Allow("*"), Allow("ec2:*")});
  EXPECT_EQ(Decide(c), Decision::ImplicitDeny);
  c["scps"] = json::array({Allow("*"), Allow("s3:*")});
  EXPECT_EQ(Decide(c), Decision::Allow);
  // An SCP grants nothing by itself.
  c["identityPolicies"] = json::array();
  EXPECT_EQ(Decide(c), Decision::ImplicitDeny);
}

TEST(EvaluatorTest, RootUser) {
  auto c = Case("arn:aws:iam::111122223333:root", kA, kA);
  EXPECT_EQ(Decide(c), Decision::Allow);
  c["scps"] = json::array({Allow("ec2:*")});
  EXPECT_EQ(Decide(c), Decision::ImplicitDeny);
  c["scps"] = json::array({Allow("*")});
  c["resourcePolicy"] = ResourcePolicy("Deny", "*");
  EXPECT_EQ(Decide(c), Decision::ExplicitDeny);
  // Identity-type policies do not attach to root.
  c.erase("resourcePolicy");
  c["identityPolicies"] = json::array({Deny("*")});
  EXPECT_EQ(Decide(c), Decision::Allow);
  // Another account's resource needs that account's resource policy.
  auto x = Case("arn:aws:iam::444455556666:root", kB, kA);
  EXPECT_EQ(Decide(x), Decision::ImplicitDeny);
  x["resourcePolicy"] = ResourcePolicy("Allow", {{"AWS", kB}});
  EXPECT_EQ(Decide(x), Decision::Allow);
  // STS does not let the root user assume roles.
  auto assume = Case("arn:aws:iam::111122223333:root", kA, kA, "sts:AssumeRole",
                     "arn:aws:iam::111122223333:role/App");
  assume["resourcePolicy"] = json::parse(R"({"Version": "2012-10-17", "Statement": [{"Effect":
      "Allow", "Principal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole"}]})");
  EXPECT_EQ(Decide(assume), Decision::ImplicitDeny);
}

TEST(EvaluatorTest, Anonymous) {
  auto c = Case("anonymous", "", kA);
  c["identityPolicies"] = json::array({Allow("*")});
  EXPECT_EQ(Decide(c), Decision::ImplicitDeny);
  c["resourcePolicy"] = ResourcePolicy("Allow", {{"AWS", kA}});
  EXPECT_EQ(Decide(c), Decision::ImplicitDeny);
  c["resourcePolicy"] = ResourcePolicy("Allow", "*");
  EXPECT_EQ(Decide(c), Decision::Allow);
  c["resourcePolicy"] = ResourcePolicy("Allow", {{"AWS", "*"}});
  EXPECT_EQ(Decide(c), Decision::Allow);
  c["scps"] = json::array({Deny("*")});  // SCPs govern account principals, not the public
  EXPECT_EQ(Decide(c), Decision::Allow);
}

TEST(EvaluatorTest, SameAccountUnion) {
  auto c = Case(kAlice, kA, kA);
  c["resourcePolicy"] = ResourcePolicy("Allow", {{"AWS", kAlice}});
  EXPECT_EQ(Decide(c), Decision::Allow);
  c["resourcePolicy"] = ResourcePolicy("Allow", "*");
  EXPECT_EQ(Decide(c), Decision::Allow);
}

TEST(EvaluatorTest, AccountPrincipalDelegatesToIdentityPolicies) {
  auto c = Case(kAlice, kA, kA);
  c["resourcePolicy"] = ResourcePolicy("Allow", {{"AWS", kA}});
  EXPECT_EQ(Decide(c), Decision::ImplicitDeny);
  c["resourcePolicy"] = ResourcePolicy("Allow", {{"AWS", "arn:aws:iam::111122223333:root"}});
  EXPECT_EQ(Decide(c), Decision::ImplicitDeny);
  c["identityPolicies"] = json::array({Allow("s3:GetObject")});
  EXPECT_EQ(Decide(c), Decision::Allow);
}

TEST(EvaluatorTest, PermissionBoundary) {
  auto c = Case(kAlice, kA, kA);
  c["identityPolicies"] = json::array({Allow("s3:*")});
  c["permissionBoundary"] = Allow("ec2:*");
  EXPECT_EQ(Decide(c), Decision::ImplicitDeny);
  c["permissionBoundary"] = Allow("s3:Get*");
  EXPECT_EQ(Decide(c), Decision::Allow);
  // A boundary grants nothing by itself.
  c["identityPolicies"] = json::array();
  EXPECT_EQ(Decide(c), Decision::ImplicitDeny);
  // A resource policy naming the user ARN is not limited by the boundary's implicit deny.
  c["permissionBoundary"] = Allow("ec2:*");
  c["resourcePolicy"] = ResourcePolicy("Allow", {{"AWS", kAlice}});
  EXPECT_EQ(Decide(c), Decision::Allow);
  // But it is by the boundary's explicit deny.
  c["permissionBoundary"] = Deny("s3:*");
  EXPECT_EQ(Decide(c), Decision::ExplicitDeny);
}

TEST(EvaluatorTest, RoleArnVersusSessionArn) {
  auto c = Case(kSession, kA, kA);
  c["sessionPolicy"] = Allow("ec2:*");
  c["resourcePolicy"] = ResourcePolicy("Allow", {{"AWS", "arn:aws:iam::111122223333:role/App"}});
  EXPECT_EQ(Decide(c), Decision::ImplicitDeny);  // the role ARN is limited by the session policy
  c["resourcePolicy"] = ResourcePolicy("Allow", {{"AWS", kSession}});
  EXPECT_EQ(Decide(c), Decision::Allow);  // the session ARN is not
  c.erase("sessionPolicy");
  c["resourcePolicy"] = ResourcePolicy("Allow", {{"AWS", "arn:aws:iam::111122223333:role/App"}});
  EXPECT_EQ(Decide(c), Decision::Allow);  // no identity policy needed for the role ARN
  c["permissionBoundary"] = Allow("ec2:*");
  EXPECT_EQ(Decide(c), Decision::ImplicitDeny);
}

TEST(EvaluatorTest, SessionPolicyIntersects) {
  auto c = Case(kSession, kA, kA);
  c["identityPolicies"] = json::array({Allow("s3:*")});
  c["sessionPolicy"] = Allow("s3:GetObject");
  EXPECT_EQ(Decide(c), Decision::Allow);
  c["request"]["action"] = "s3:PutObject";
  EXPECT_EQ(Decide(c), Decision::ImplicitDeny);
}

TEST(EvaluatorTest, CrossAccountNeedsBothSides) {
  auto c = Case("arn:aws:iam::444455556666:user/bob", kB, kA);
  c["identityPolicies"] = json::array({Allow("s3:*")});
  EXPECT_EQ(Decide(c), Decision::ImplicitDeny);
  c["resourcePolicy"] = ResourcePolicy("Allow", {{"AWS", kB}});
  EXPECT_EQ(Decide(c), Decision::Allow);
  c["identityPolicies"] = json::array();
  EXPECT_EQ(Decide(c), Decision::ImplicitDeny);
  c["resourcePolicy"] = ResourcePolicy("Allow", {{"AWS", "arn:aws:iam::444455556666:user/bob"}});
  EXPECT_EQ(Decide(c), Decision::ImplicitDeny);
  c["identityPolicies"] = json::array({Allow("s3:*")});
  c["permissionBoundary"] = Allow("ec2:*");
  EXPECT_EQ(Decide(c), Decision::ImplicitDeny);
  // The resource policy must name the other account's principal.
  c.erase("permissionBoundary");
  c["resourcePolicy"] = ResourcePolicy("Allow", {{"AWS", kA}});
  EXPECT_EQ(Decide(c), Decision::ImplicitDeny);
}

TEST(EvaluatorTest, RoleTrustPolicyMustAllow) {
  const std::string role = "arn:aws:iam::111122223333:role/App";
  auto c = Case(kAlice, kA, kA, "sts:AssumeRole", role);
  c["identityPolicies"] = json::array({Allow("sts:AssumeRole")});
  EXPECT_EQ(Decide(c), Decision::ImplicitDeny);  // no trust policy
  json trust = {
      {"Version", "2012-10-17"},
      {"Statement",
       {{{"Effect", "Allow"}, {"Principal", {{"AWS", kA}}}, {"Action", "sts:AssumeRole"}}}}};
  c["resourcePolicy"] = trust;
  EXPECT_EQ(Decide(c), Decision::Allow);
  c["identityPolicies"] = json::array();
  EXPECT_EQ(Decide(c), Decision::ImplicitDeny);  // trusting the account delegates
  trust["Statement"][0]["Principal"] = {{"AWS", kAlice}};
  c["resourcePolicy"] = trust;
  EXPECT_EQ(Decide(c), Decision::Allow);  // naming the user grants by itself

  auto svc = Case("ec2.amazonaws.com", "", kA, "sts:AssumeRole", role);
  trust["Statement"][0]["Principal"] = {{"Service", "ec2.amazonaws.com"}};
  svc["resourcePolicy"] = trust;
  EXPECT_EQ(Decide(svc), Decision::Allow);
  trust["Statement"][0]["Principal"] = {{"Service", "lambda.amazonaws.com"}};
  svc["resourcePolicy"] = trust;
  EXPECT_EQ(Decide(svc), Decision::ImplicitDeny);
}

TEST(EvaluatorTest, NotPrincipalDeny) {
  auto c = Case(kAlice, kA, kA);
  c["identityPolicies"] = json::array({Allow("s3:*")});
  json policy = {{"Statement",
                  {{{"Effect", "Deny"},
                    {"NotPrincipal", {{"AWS", {kAlice, "arn:aws:iam::111122223333:root"}}}},
                    {"Action", "s3:*"},
                    {"Resource", "arn:aws:s3:::bucket/*"}}}}};
  c["resourcePolicy"] = policy;
  EXPECT_EQ(Decide(c), Decision::Allow);
  // AWS: a Deny with NotPrincipal always applies to principals that have a boundary.
  c["permissionBoundary"] = Allow("*");
  EXPECT_EQ(Decide(c), Decision::ExplicitDeny);
  auto bob = Case("arn:aws:iam::111122223333:user/bob", kA, kA);
  bob["identityPolicies"] = json::array({Allow("s3:*")});
  bob["resourcePolicy"] = policy;
  EXPECT_EQ(Decide(bob), Decision::ExplicitDeny);
}

TEST(EvaluatorTest, ConditionsAndVariables) {
  auto c = Case(kAlice, kA, kA, "s3:GetObject", "arn:aws:s3:::bucket/home/alice/f");
  c["identityPolicies"] =
      json::array({Allow("s3:GetObject", "arn:aws:s3:::bucket/home/${aws:username}/*")});
  EXPECT_EQ(Decide(c), Decision::ImplicitDeny);  // aws:username is not in the context
  c["request"]["context"] = {{"aws:username", "alice"}};
  EXPECT_EQ(Decide(c), Decision::Allow);
  c["request"]["context"] = {{"aws:username", "bob"}};
  EXPECT_EQ(Decide(c), Decision::ImplicitDeny);
  // Under NotResource a missing variable makes the element not apply rather than match all.
  c["identityPolicies"] = json::parse(R"([
      {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::bucket/home/${aws:userid}/*"},
        {"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::bucket/home/${aws:userid}/*"}]}])");
  c["request"]["context"] = json::object();
  EXPECT_EQ(Decide(c), Decision::Allow);
  c["identityPolicies"] =
      json::array({Allow("s3:GetObject", "arn:aws:s3:::bucket/home/${aws:username}/*")});
  // Version 2008-10-17 has no variables: "${aws:username}" is literal text.
  c["identityPolicies"][0]["Version"] = "2008-10-17";
  c["request"]["context"] = {{"aws:username", "alice"}};
  EXPECT_EQ(Decide(c), Decision::ImplicitDeny);
}

TEST(EvaluatorTest, TraceNamesStatementsAndConditions) {
  auto c = Case(kAlice, kA, kA);
  c["identityPolicies"] = json::parse(R"([{"Version": "2012-10-17", "Statement": [
      {"Sid": "OnlyFromOffice", "Effect": "Allow", "Action": "s3:*", "Resource": "*",
       "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
      {"Sid": "NoDelete", "Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"}]}])");
  auto e = RunCase(c);
  EXPECT_EQ(e.decision, Decision::ImplicitDeny);
  ASSERT_GE(e.trace.size(), 2u);
  EXPECT_NE(e.trace[0].find("identityPolicies[0] statement 0 (OnlyFromOffice)"), std::string::npos);
  EXPECT_NE(e.trace[0].find("aws:SourceIp: key is absent"), std::string::npos) << e.trace[0];
  EXPECT_EQ(e.trace.back().rfind("ImplicitDeny: ", 0), 0u) << e.trace.back();
  c["request"]["action"] = "s3:DeleteObject";
  c["request"]["context"] = {{"aws:SourceIp", "10.1.1.1"}};
  e = RunCase(c);
  EXPECT_EQ(e.decision, Decision::ExplicitDeny);
  bool named = false;
  for (const auto& line : e.trace)
    named |= line.find("(NoDelete): Deny applies") != std::string::npos;
  EXPECT_TRUE(named);
}

TEST(SimulationCaseTest, Errors) {
  EXPECT_FALSE(ParseSimulationCase(json::parse(R"({"id":"x"})")));
  EXPECT_FALSE(
      ParseSimulationCase(json::parse(R"({"id":"x","request":{"principal":"anonymous"}})")));
  auto bad = ParseSimulationCase(json::parse(
      R"({"id":"x","identityPolicies":[{"Statement":[{"Effect":"Allow","Resource":"*"}]}],
          "request":{"principal":"anonymous","action":"s3:GetObject"}})"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "identityPolicies[0]: Policy statement must contain actions.");
  auto ok = ParseSimulationCase(json::parse(
      R"({"id":7,"expect":"Allow","note":"n","resourcePolicy":null,"scps":null,
          "request":{"principal":"anonymous","action":"s3:GetObject",
                     "context":{"aws:TagKeys":["a","b"],"aws:SecureTransport":true}}})"));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->id, "7");
  EXPECT_EQ(ok->request.resource, "*");
  ASSERT_NE(ok->request.context.Find("AWS:TAGKEYS"), nullptr);
  EXPECT_EQ(ok->request.context.Find("aws:tagkeys")->size(), 2u);
  EXPECT_EQ(ok->request.context.Find("aws:SecureTransport")->front(), "true");
}

}  // namespace
}  // namespace gureum::iam
