#pragma once
// AWS's policy evaluation logic: given every policy that applies to a request and the request
// itself, decide Allow, ExplicitDeny or ImplicitDeny, and say why. Pure: no I/O, no clock, no
// catalog; the request context must already hold every key the policies may test.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "iam/policy_document.h"
#include "iam/request.h"

namespace gureum::iam {

enum class Decision {
  Allow,         // some policy allows and every policy type that must agree does
  ExplicitDeny,  // a Deny statement applies in any policy; it wins over everything
  ImplicitDeny,  // nothing denies, but nothing (or not every policy type required) allows; an
                 // SCP level without an applicable Allow is one (AWS: "no service control
                 // policy allows")
};
std::string_view DecisionName(Decision decision);

// Every policy in play for one request. SCPs are the guardrails of the principal's account:
// each entry is one level (organization root, OU, account) and every level must allow.
struct PolicySet {
  std::vector<Policy> identity;    // the principal's identity-based policies
  std::optional<Policy> resource;  // the resource's policy (bucket policy, role trust policy)
  std::optional<Policy> boundary;  // the principal's permissions boundary
  std::optional<Policy> session;   // the session policy of a role or federated session
  std::vector<Policy> scps;
};

struct Evaluation {
  Decision decision = Decision::ImplicitDeny;
  // Human-readable steps: which statements applied, which conditions failed, and the final
  // reason (always the last line).
  std::vector<std::string> trace;
};

// Thread-safe (pure function). `explain` false skips building trace lines for statements that
// do not decide the outcome; the last line (the reason) is always present.
Evaluation Evaluate(const PolicySet& policies, const Request& request, bool explain = true);

}  // namespace gureum::iam
