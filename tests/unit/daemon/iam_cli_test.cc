// `gureum iam simulate`: the output lines, --explain traces, malformed cases and exit codes.

#include "daemon/iam_cli.h"

#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace gureum::daemon {
namespace {

constexpr const char* kAllowCase =
    R"({"id":"ok","expect":"Allow","identityPolicies":[{"Version":"2012-10-17","Statement":)"
    R"([{"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}],)"
    R"("request":{"principal":"arn:aws:iam::111122223333:user/alice","action":"s3:GetObject",)"
    R"("resource":"arn:aws:s3:::b/k"}})";

std::string Simulate(const std::string& input, bool explain, bool* ok = nullptr) {
  std::istringstream in(input);
  std::ostringstream out;
  bool result = SimulateCases(in, out, explain);
  if (ok != nullptr) *ok = result;
  return out.str();
}

TEST(IamCliTest, OneLinePerCase) {
  bool ok = false;
  std::string input =
      std::string(kAllowCase) + "\n\n" +
      R"({"id":"none","request":{"principal":"anonymous","action":"s3:GetObject"}})" + "\n";
  EXPECT_EQ(Simulate(input, false, &ok), "ok Allow\nnone ImplicitDeny\n");
  EXPECT_TRUE(ok);
}

TEST(IamCliTest, ExplainIndentsTheTrace) {
  std::string out = Simulate(kAllowCase, true);
  EXPECT_EQ(out,
            "ok Allow\n"
            "    identityPolicies[0] statement 0 (Read): Allow applies\n"
            "    Allow: the identity-based policies allow s3:GetObject\n");
}

TEST(IamCliTest, MalformedCasesAreReportedAndTheRestRuns) {
  bool ok = true;
  std::string input =
      "not json\n"
      R"({"id":"bad","identityPolicies":[{"Statement":[{"Effect":"Allow","Resource":"*"}]}],)"
      R"("request":{"principal":"anonymous","action":"s3:GetObject"}})"
      "\n" +
      std::string(kAllowCase) + "\n";
  EXPECT_EQ(Simulate(input, false, &ok),
            "line:1 Error the line is not valid JSON\n"
            "bad Error identityPolicies[0]: Policy statement must contain actions.\n"
            "ok Allow\n");
  EXPECT_FALSE(ok);
}

TEST(IamCliTest, UsageErrors) {
  EXPECT_EQ(Iam({}), 2);
  EXPECT_EQ(Iam({"simulate"}), 2);
  EXPECT_EQ(Iam({"simulate", "--jsonl", "/nonexistent/cases.jsonl"}), 2);
  EXPECT_EQ(Iam({"frobnicate"}), 2);
}

}  // namespace
}  // namespace gureum::daemon
