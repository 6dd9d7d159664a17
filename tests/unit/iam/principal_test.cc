// Principal and NotPrincipal: parsing, classifying requesters, and how an element names them.

#include "iam/principal.h"

#include <gtest/gtest.h>

namespace gureum::iam {
namespace {

using nlohmann::json;

PrincipalElement Parse(const std::string& text) {
  auto p = ParsePrincipal(json::parse(text));
  EXPECT_TRUE(p) << text;
  return p ? *p : PrincipalElement{};
}

RequestPrincipal Who(const std::string& principal, const std::string& account = "") {
  return ClassifyPrincipal(principal, account);
}

const char* kUser = "arn:aws:iam::111122223333:user/dev/alice";
const char* kSession = "arn:aws:sts::111122223333:assumed-role/Admin/alice-session";

TEST(ClassifyPrincipalTest, Kinds) {
  EXPECT_EQ(Who("anonymous").kind, PrincipalKind::Anonymous);
  EXPECT_EQ(Who("arn:aws:iam::111122223333:root").kind, PrincipalKind::Root);
  auto user = Who(kUser);
  EXPECT_EQ(user.kind, PrincipalKind::User);
  EXPECT_EQ(user.account, "111122223333");
  EXPECT_EQ(user.name, "alice");
  auto session = Who(kSession);
  EXPECT_EQ(session.kind, PrincipalKind::AssumedRole);
  EXPECT_EQ(session.name, "Admin");
  EXPECT_EQ(Who("arn:aws:sts::111122223333:federated-user/bob").kind, PrincipalKind::FederatedUser);
  EXPECT_EQ(Who("ec2.amazonaws.com").kind, PrincipalKind::Service);
  EXPECT_EQ(Who(std::string(64, 'a')).kind, PrincipalKind::CanonicalUser);
  // An explicit account wins over the ARN's.
  EXPECT_EQ(Who(kUser, "444455556666").account, "444455556666");
}

TEST(ParsePrincipalTest, Shapes) {
  EXPECT_TRUE(Parse(R"("*")").everyone);
  EXPECT_TRUE(Parse(R"({"AWS": "*"})").everyone);
  auto p = Parse(R"({"AWS": ["111122223333", "arn:aws:iam::444455556666:root"],
                     "Service": "s3.amazonaws.com", "Federated": "cognito-identity.amazonaws.com",
                     "CanonicalUser": "abc"})");
  EXPECT_FALSE(p.everyone);
  EXPECT_EQ(p.aws.size(), 2u);
  EXPECT_EQ(p.service.size(), 1u);
  EXPECT_FALSE(ParsePrincipal(json::parse(R"("alice")")));
  EXPECT_FALSE(ParsePrincipal(json::parse(R"({"AWS": "alice"})")));
  EXPECT_FALSE(ParsePrincipal(json::parse(R"({"Group": "x"})")));
  EXPECT_FALSE(ParsePrincipal(json::parse(R"({"AWS": []})")));
  EXPECT_FALSE(ParsePrincipal(json::parse(R"({})")));
  EXPECT_FALSE(ParsePrincipal(json::parse(R"({"AWS": 111122223333})")));
}

TEST(MatchPrincipalTest, AccountForms) {
  EXPECT_EQ(MatchPrincipal(Parse(R"({"AWS": "111122223333"})"), Who(kUser)),
            PrincipalMatch::Account);
  EXPECT_EQ(MatchPrincipal(Parse(R"({"AWS": "arn:aws:iam::111122223333:root"})"), Who(kSession)),
            PrincipalMatch::Account);
  EXPECT_EQ(MatchPrincipal(Parse(R"({"AWS": "444455556666"})"), Who(kUser)), PrincipalMatch::None);
  EXPECT_EQ(
      MatchPrincipal(Parse(R"({"AWS": "111122223333"})"), Who("arn:aws:iam::111122223333:root")),
      PrincipalMatch::Account);
}

TEST(MatchPrincipalTest, EntityForms) {
  EXPECT_EQ(
      MatchPrincipal(Parse(R"({"AWS": "arn:aws:iam::111122223333:user/dev/alice"})"), Who(kUser)),
      PrincipalMatch::Direct);
  // ARNs are case-sensitive.
  EXPECT_EQ(
      MatchPrincipal(Parse(R"({"AWS": "arn:aws:iam::111122223333:user/dev/Alice"})"), Who(kUser)),
      PrincipalMatch::None);
  EXPECT_EQ(MatchPrincipal(Parse(R"({"AWS": "arn:aws:iam::111122223333:role/ops/Admin"})"),
                           Who(kSession)),
            PrincipalMatch::Role);
  EXPECT_EQ(
      MatchPrincipal(Parse(R"({"AWS": "arn:aws:iam::444455556666:role/Admin"})"), Who(kSession)),
      PrincipalMatch::None);
  EXPECT_EQ(MatchPrincipal(Parse(std::string(R"({"AWS": ")") + kSession + "\"}"), Who(kSession)),
            PrincipalMatch::Direct);
  EXPECT_EQ(MatchPrincipal(
                Parse(R"({"AWS": ["111122223333", "arn:aws:iam::111122223333:user/dev/alice"]})"),
                Who(kUser)),
            PrincipalMatch::Direct);
}

TEST(MatchPrincipalTest, OtherTypes) {
  EXPECT_EQ(MatchPrincipal(Parse(R"({"Service": "ec2.amazonaws.com"})"), Who("ec2.amazonaws.com")),
            PrincipalMatch::Direct);
  EXPECT_EQ(MatchPrincipal(Parse(R"({"Service": "ec2.amazonaws.com"})"), Who(kUser)),
            PrincipalMatch::None);
  EXPECT_EQ(MatchPrincipal(Parse(R"({"AWS": "111122223333"})"), Who("ec2.amazonaws.com")),
            PrincipalMatch::None);
  EXPECT_EQ(MatchPrincipal(Parse(R"("*")"), Who("anonymous")), PrincipalMatch::Everyone);
  EXPECT_EQ(MatchPrincipal(Parse(R"({"AWS": "111122223333"})"), Who("anonymous")),
            PrincipalMatch::None);
  EXPECT_EQ(MatchPrincipal(Parse(R"({"Federated": "cognito-identity.amazonaws.com"})"),
                           Who("cognito-identity.amazonaws.com")),
            PrincipalMatch::Direct);
}

TEST(NotPrincipalTest, EveryIdentityMustBeListed) {
  // A session is excluded only when its account, role and session are all listed.
  auto partial = Parse(R"({"AWS": ["arn:aws:iam::111122223333:role/Admin"]})");
  EXPECT_FALSE(ExcludedByNotPrincipal(partial, Who(kSession)));
  auto full = Parse(std::string(R"({"AWS": ["arn:aws:iam::111122223333:root",
      "arn:aws:iam::111122223333:role/Admin", ")") +
                    kSession + "\"]}");
  EXPECT_TRUE(ExcludedByNotPrincipal(full, Who(kSession)));
  auto user = Parse(R"({"AWS": ["111122223333", "arn:aws:iam::111122223333:user/dev/alice"]})");
  EXPECT_TRUE(ExcludedByNotPrincipal(user, Who(kUser)));
  auto user_only = Parse(R"({"AWS": "arn:aws:iam::111122223333:user/dev/alice"})");
  EXPECT_FALSE(ExcludedByNotPrincipal(user_only, Who(kUser)));
  EXPECT_TRUE(ExcludedByNotPrincipal(Parse(R"({"AWS": "111122223333"})"),
                                     Who("arn:aws:iam::111122223333:root")));
  EXPECT_FALSE(ExcludedByNotPrincipal(user, Who("anonymous")));
}

}  // namespace
}  // namespace gureum::iam
