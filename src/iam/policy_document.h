#pragma once
// An IAM policy document parsed and validated into statements, with IAM's
// MalformedPolicyDocument errors. The parsed form is what the evaluator runs.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gureum/core/error.h"

#include "iam/conditions.h"
#include "iam/principal.h"

namespace gureum::iam {

// Where a policy is attached decides which elements it may or must have and its size limit.
enum class PolicyKind {
  Identity,            // user, group or role policy: no Principal; Resource required
  Resource,            // bucket policy, role trust policy: Principal or NotPrincipal required
  PermissionBoundary,  // a managed policy used as a boundary
  Session,             // AssumeRole/GetFederationToken session policy
  ServiceControl,      // an SCP-like account guardrail
};

enum class Effect { Allow, Deny };

struct Statement {
  std::string sid;
  Effect effect = Effect::Allow;
  std::vector<std::string> actions;  // Action, or NotAction when not_action
  bool not_action = false;
  std::vector<std::string> resources;  // Resource/NotResource; empty with !has_resource
  bool not_resource = false;
  bool has_resource = false;  // trust policies have no Resource: every resource then matches
  std::optional<PrincipalElement> principal;  // Principal, or NotPrincipal when not_principal
  bool not_principal = false;
  std::vector<Condition> conditions;
};

struct Policy {
  std::string version;  // "2012-10-17" or "2008-10-17" (the default when absent)
  std::string id;
  std::vector<Statement> statements;
  bool variables() const { return version == "2012-10-17"; }
};

// The largest policy of a kind, in characters excluding whitespace, as IAM counts.
size_t PolicySizeLimit(PolicyKind kind);

// Validates and parses a policy given as a JSON document, or as a JSON string holding one.
Result<Policy> ParsePolicy(const nlohmann::json& document, PolicyKind kind);
Result<Policy> ParsePolicyText(std::string_view text, PolicyKind kind);

}  // namespace gureum::iam
