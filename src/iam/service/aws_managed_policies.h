#pragma once
// The AWS-managed policies Gureum offers read-only under arn:aws:iam::aws:policy/. Their
// documents are written from the action patterns AWS publishes for each, not copied.

#include <string>
#include <string_view>
#include <vector>

namespace gureum::iam::api {

struct AwsManagedPolicy {
  std::string name;
  std::string id;  // ANPA..., fixed so it is the same on every daemon
  std::string description;
  std::string document;  // JSON text, version v1
  std::string arn() const { return "arn:aws:iam::aws:policy/" + name; }
};

const std::vector<AwsManagedPolicy>& AwsManagedPolicies();
// nullptr unless `arn` names one of them.
const AwsManagedPolicy* FindAwsManagedPolicy(std::string_view arn);

// AWS stamps its policies with their publication date; ours all carry this one.
inline constexpr std::string_view kAwsPolicyDate = "2015-02-06T18:39:46Z";

}  // namespace gureum::iam::api
