// IAM policy documents and the evaluator on untrusted input.
// Input layout: a policy document, then optionally a line "---" followed by the request, one
// field per line: principal, action, resource, then "key=value" context entries (a value with
// commas is a multivalued key). The document is parsed as every policy kind; each accepted
// parse is evaluated in its slot, and the decision must be stable and carry a reason.
//   ./build/dev/tests/fuzz/iam_policy_fuzz tests/fuzz/corpus/iam_policy_fuzz

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "iam/evaluator.h"
#include "iam/policy_document.h"

namespace {

using gureum::iam::PolicyKind;

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return lines;
}

gureum::iam::Request ParseRequest(std::string_view text) {
  gureum::iam::Request r;
  r.principal = "arn:aws:iam::111122223333:user/alice";
  r.action = "s3:GetObject";
  r.resource = "arn:aws:s3:::bucket/key";
  r.resource_account = "111122223333";
  auto lines = Lines(text);
  if (lines.size() > 0 && !lines[0].empty()) r.principal = std::string(lines[0]);
  if (lines.size() > 1) r.action = std::string(lines[1]);
  if (lines.size() > 2) r.resource = std::string(lines[2]);
  for (size_t i = 3; i < lines.size(); ++i) {
    size_t eq = lines[i].find('=');
    if (eq == std::string_view::npos) continue;
    std::vector<std::string> values;
    std::string_view rest = lines[i].substr(eq + 1);
    size_t start = 0;
    while (true) {
      size_t comma = rest.find(',', start);
      values.emplace_back(
          rest.substr(start, comma == std::string_view::npos ? rest.npos : comma - start));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    r.context.Set(lines[i].substr(0, eq), std::move(values));
  }
  return r;
}

void Check(const gureum::iam::PolicySet& set, const gureum::iam::Request& request) {
  auto first = gureum::iam::Evaluate(set, request, true);
  auto second = gureum::iam::Evaluate(set, request, false);
  if (first.decision != second.decision || first.trace.empty() || second.trace.empty() ||
      first.trace.back() != second.trace.back()) {
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t split = input.find("\n---\n");
  std::string_view document = input.substr(0, split);
  auto request =
      ParseRequest(split == std::string_view::npos ? std::string_view() : input.substr(split + 5));
  for (PolicyKind kind :
       {PolicyKind::Identity, PolicyKind::Resource, PolicyKind::PermissionBoundary,
        PolicyKind::Session, PolicyKind::ServiceControl}) {
    auto policy = gureum::iam::ParsePolicyText(document, kind);
    if (!policy) {
      if (policy.error().code() != "MalformedPolicyDocument") __builtin_trap();
      continue;
    }
    gureum::iam::PolicySet set;
    switch (kind) {
      case PolicyKind::Identity:
        set.identity.push_back(*policy);
        break;
      case PolicyKind::Resource:
        set.resource = *policy;
        break;
      case PolicyKind::PermissionBoundary:
        set.identity.push_back(*policy);
        set.boundary = *policy;
        break;
      case PolicyKind::Session:
        set.session = *policy;
        break;
      case PolicyKind::ServiceControl:
        set.scps.push_back(*policy);
        break;
    }
    Check(set, request);
  }
  return 0;
}
