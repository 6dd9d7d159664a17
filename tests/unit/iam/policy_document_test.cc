// Policy document validation with IAM's MalformedPolicyDocument messages, and the parsed form.

#include "iam/policy_document.h"

#include <gtest/gtest.h>

namespace gureum::iam {
namespace {

using nlohmann::json;

std::string ErrorOf(const std::string& text, PolicyKind kind = PolicyKind::Identity) {
  auto p = ParsePolicyText(text, kind);
  if (p) return "";
  EXPECT_EQ(p.error().code(), "MalformedPolicyDocument");
  return p.error().message();
}

TEST(PolicyDocumentTest, ParsesStatementObjectOrArray) {
  auto one = ParsePolicyText(
      R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}})",
      PolicyKind::Identity);
  ASSERT_TRUE(one);
  ASSERT_EQ(one->statements.size(), 1u);
  EXPECT_TRUE(one->variables());
  auto many = ParsePolicyText(R"({"Version":"2008-10-17","Id":"x","Statement":[
      {"Sid":"A1","Effect":"Deny","NotAction":["iam:*"],"NotResource":"arn:aws:s3:::b"},
      {"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":true}}}]})",
                              PolicyKind::Identity);
  ASSERT_TRUE(many);
  EXPECT_FALSE(many->variables());
  ASSERT_EQ(many->statements.size(), 2u);
  EXPECT_EQ(many->statements[0].effect, Effect::Deny);
  EXPECT_TRUE(many->statements[0].not_action);
  EXPECT_TRUE(many->statements[0].not_resource);
  EXPECT_EQ(many->statements[1].conditions.size(), 1u);
}

TEST(PolicyDocumentTest, MissingVersionIsTheOldLanguage) {
  auto p = ParsePolicyText(R"({"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]})",
                           PolicyKind::Identity);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->version, "2008-10-17");
}

TEST(PolicyDocumentTest, AcceptsAJsonStringHoldingTheDocument) {
  json doc =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]})";
  EXPECT_TRUE(ParsePolicy(doc, PolicyKind::Identity));
}

TEST(PolicyDocumentTest, Errors) {
  EXPECT_EQ(ErrorOf("{"), "Syntax errors in policy.");
  EXPECT_EQ(ErrorOf("[]"), "Syntax errors in policy.");
  EXPECT_EQ(ErrorOf(R"({"Version":"2012-10-18","Statement":[]})"),
            "The policy failed legacy parsing");
  EXPECT_EQ(ErrorOf(R"({"Version":"2012-10-17"})"), "Missing required field Statement");
  EXPECT_EQ(ErrorOf(R"({"Version":"2012-10-17","Statement":"x"})"), "Syntax errors in policy.");
  EXPECT_NE(ErrorOf(R"({"Version":"2012-10-17","Statment":[]})").find("Unknown field Statment"),
            std::string::npos);
  EXPECT_EQ(ErrorOf(R"({"Version":"2012-10-17","Statement":[{"Action":"s3:*","Resource":"*"}]})"),
            "Missing required field Effect");
  EXPECT_EQ(ErrorOf(R"({"Statement":[{"Effect":"allow","Action":"s3:*","Resource":"*"}]})"),
            "The policy failed legacy parsing");
  EXPECT_EQ(ErrorOf(R"({"Statement":[{"Effect":"Allow","Resource":"*"}]})"),
            "Policy statement must contain actions.");
  EXPECT_EQ(ErrorOf(R"({"Statement":[{"Effect":"Allow","Action":[],"Resource":"*"}]})"),
            "Policy statement must contain actions.");
  EXPECT_EQ(
      ErrorOf(
          R"({"Statement":[{"Effect":"Allow","Action":"s3:*","NotAction":"s3:*","Resource":"*"}]})"),
      "Syntax errors in policy.");
  EXPECT_EQ(ErrorOf(R"({"Statement":[{"Effect":"Allow","Action":"s3:*"}]})"),
            "Policy statement must contain resources.");
  EXPECT_EQ(ErrorOf(R"({"Statement":[{"Effect":"Allow","Action":"GetObject","Resource":"*"}]})"),
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.");
  EXPECT_EQ(ErrorOf(R"({"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"bucket"}]})"),
            "Resource bucket must be in ARN format or \"*\".");
  EXPECT_EQ(
      ErrorOf(
          R"({"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Principal":"*"}]})"),
      "Has prohibited field Principal");
  EXPECT_NE(ErrorOf(R"({"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Foo":1}]})")
                .find("Unknown field Foo"),
            std::string::npos);
  EXPECT_EQ(
      ErrorOf(R"({"Statement":[{"Sid":"a-b","Effect":"Allow","Action":"s3:*","Resource":"*"}]})"),
      "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the "
      "regular expression [0-9A-Za-z]*");
  EXPECT_EQ(ErrorOf(R"({"Statement":[{"Sid":"A","Effect":"Allow","Action":"s3:*","Resource":"*"},
                                     {"Sid":"A","Effect":"Deny","Action":"s3:*","Resource":"*"}]})"),
            "Statement IDs (SID) in a single policy must be unique.");
  EXPECT_EQ(ErrorOf(R"({"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*",
                                      "Condition":{"StringEquale":{"a:b":"c"}}}]})"),
            "Invalid Condition type : StringEquale");
}

TEST(PolicyDocumentTest, ResourcePolicies) {
  auto kind = PolicyKind::Resource;
  EXPECT_EQ(ErrorOf(R"({"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]})", kind),
            "Missing required field Principal");
  // Trust policies name no resource; bucket policies' Sids may hold any text.
  EXPECT_EQ(
      ErrorOf(
          R"({"Statement":[{"Sid":"trust me","Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},
                                      "Action":"sts:AssumeRole"}]})",
          kind),
      "");
  EXPECT_EQ(
      ErrorOf(
          R"({"Statement":[{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"s3:*","Resource":"*"}]})",
          kind),
      "Invalid principal in policy: \"AWS\":\"bob\"");
  EXPECT_EQ(
      ErrorOf(
          R"({"Statement":[{"Effect":"Allow","NotPrincipal":"*","Principal":"*","Action":"s3:*","Resource":"*"}]})",
          kind),
      "Syntax errors in policy.");
}

TEST(PolicyDocumentTest, SizeLimit) {
  std::string actions;
  for (int i = 0; i < 150; ++i) actions += "\"s3:GetObject" + std::to_string(i) + "\",";
  actions.pop_back();
  std::string big =
      R"({"Statement":[{"Effect":"Allow","Action":[)" + actions + R"(],"Resource":"*"}]})";
  EXPECT_EQ(ErrorOf(big, PolicyKind::Session), "Cannot exceed quota for PolicySize: 2048");
  EXPECT_EQ(ErrorOf(big, PolicyKind::Identity), "");
  // Whitespace does not count.
  std::string spaced = R"({"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]})" +
                       std::string(5000, ' ');
  EXPECT_EQ(ErrorOf(spaced, PolicyKind::Session), "");
}

}  // namespace
}  // namespace gureum::iam
