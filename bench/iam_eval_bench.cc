// IAM evaluation speed for a realistic policy set: 10 identity policies of 20 statements, each
// statement with conditions, a permissions boundary and a bucket policy, against a mix of
// requests that end Allow, ImplicitDeny and ExplicitDeny. Prints nanoseconds per evaluation
// (the target: < 5 µs for a typical evaluation).
//   cmake --preset bench && cmake --build --preset bench --target iam_eval_bench
//   ./build/bench/bench/iam_eval_bench

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "iam/evaluator.h"
#include "iam/policy_document.h"

namespace {

using nlohmann::json;
using namespace gureum::iam;

json StatementJson(int policy, int index) {
  std::string bucket = "arn:aws:s3:::team-" + std::to_string(policy) + "-" + std::to_string(index);
  json s = {{"Sid", "P" + std::to_string(policy) + "S" + std::to_string(index)},
            {"Effect", index == 19 ? "Deny" : "Allow"},
            {"Action", json::array({"s3:Get*", "s3:List*", "s3:PutObject"})},
            {"Resource", json::array({bucket, bucket + "/${aws:username}/*"})}};
  switch (index % 4) {
    case 0:
      s["Condition"] = {{"StringEquals", {{"aws:PrincipalTag/team", "t" + std::to_string(index)}}}};
      break;
    case 1:
      s["Condition"] = {
          {"IpAddress", {{"aws:SourceIp", json::array({"10.0.0.0/8", "192.168.1.0/24"})}}},
          {"Bool", {{"aws:SecureTransport", "true"}}}};
      break;
    case 2:
      s["Condition"] = {
          {"DateLessThan", {{"aws:CurrentTime", "2030-01-01T00:00:00Z"}}},
          {"StringLike", {{"s3:prefix", json::array({"home/${aws:username}/*", ""})}}}};
      break;
    default:
      s["Condition"] = {
          {"ForAllValues:StringEquals", {{"aws:TagKeys", json::array({"env", "owner"})}}}};
  }
  return s;
}

Policy MustParse(const json& document, PolicyKind kind) {
  auto policy = ParsePolicy(document, kind);
  if (!policy) {
    std::fprintf(stderr, "bad policy: %s\n", policy.error().message().c_str());
    std::exit(1);
  }
  return std::move(*policy);
}

Request MakeRequest(const std::string& action, const std::string& resource) {
  Request r;
  r.principal = "arn:aws:iam::111122223333:user/alice";
  r.principal_account = "111122223333";
  r.action = action;
  r.resource = resource;
  r.resource_account = "111122223333";
  r.context.Set("aws:username", "alice");
  r.context.Set("aws:PrincipalTag/team", "t8");
  r.context.Set("aws:SourceIp", "10.1.2.3");
  r.context.Set("aws:SecureTransport", "true");
  r.context.Set("aws:CurrentTime", "2026-11-25T12:00:00Z");
  r.context.Set("aws:TagKeys", std::vector<std::string>{"env"});
  r.context.Set("s3:prefix", "home/alice/docs");
  return r;
}

}  // namespace

int main() {
  PolicySet set;
  for (int p = 0; p < 10; ++p) {
    json statements = json::array();
    for (int i = 0; i < 20; ++i) statements.push_back(StatementJson(p, i));
    set.identity.push_back(
        MustParse({{"Version", "2012-10-17"}, {"Statement", statements}}, PolicyKind::Identity));
  }
  set.boundary =
      MustParse({{"Version", "2012-10-17"},
                 {"Statement", {{{"Effect", "Allow"}, {"Action", "s3:*"}, {"Resource", "*"}}}}},
                PolicyKind::PermissionBoundary);
  set.resource = MustParse({{"Version", "2012-10-17"},
                            {"Statement",
                             {{{"Effect", "Deny"},
                               {"Principal", "*"},
                               {"Action", "s3:*"},
                               {"Resource", "arn:aws:s3:::team-9-19/*"},
                               {"Condition", {{"Bool", {{"aws:SecureTransport", "false"}}}}}}}}},
                           PolicyKind::Resource);

  const std::vector<Request> requests = {
      MakeRequest("s3:GetObject", "arn:aws:s3:::team-3-8/alice/report.csv"),  // allowed late
      MakeRequest("s3:PutObject", "arn:aws:s3:::team-9-9/alice/x"),           // allowed
      MakeRequest("s3:DeleteObject", "arn:aws:s3:::team-3-8/alice/x"),        // nothing allows
      MakeRequest("s3:GetObject", "arn:aws:s3:::team-5-19/alice/x"),          // explicit deny
      MakeRequest("ec2:RunInstances", "arn:aws:ec2:us-east-1:111122223333:instance/*"),
  };
  int counts[3] = {0, 0, 0};
  for (const auto& r : requests) counts[static_cast<int>(Evaluate(set, r, false).decision)]++;

  constexpr int kRounds = 20000;
  auto start = std::chrono::steady_clock::now();
  size_t sink = 0;
  for (int i = 0; i < kRounds; ++i) {
    for (const auto& r : requests) sink += static_cast<size_t>(Evaluate(set, r, false).decision);
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double evaluations = static_cast<double>(kRounds) * static_cast<double>(requests.size());
  std::printf(
      "policy set: 10 identity policies x 20 statements (with conditions), a boundary and "
      "a bucket policy\n");
  std::printf("decisions of the request mix: %d Allow, %d ExplicitDeny, %d ImplicitDeny\n",
              counts[0], counts[1], counts[2]);
  std::printf("%.0f evaluations in %.2f s: %.2f us per evaluation, %.0f evaluations/s (sink %zu)\n",
              evaluations, seconds, seconds / evaluations * 1e6, evaluations / seconds, sink);
  return 0;
}
