#include "iam/evaluator.h"

#include <algorithm>
#include <string>

#include "gureum/core/encoding.h"

#include "iam/principal.h"
#include "iam/variables.h"
#include "iam/wildcard.h"

namespace gureum::iam {
namespace {

// What one policy says about the request.
struct PolicyOutcome {
  bool allow = false;
  bool deny = false;
  PrincipalMatch grant = PrincipalMatch::None;  // resource policies: the strongest allowing match
};

class Evaluator {
 public:
  Evaluator(const PolicySet& policies, const Request& request, bool explain)
      : policies_(policies),
        request_(request),
        explain_(explain),
        who_(ClassifyPrincipal(request.principal, request.principal_account)) {}

  Evaluation Run();

 private:
  PolicyOutcome Scan(const Policy& policy, const std::string& label, bool resource_policy);
  // `why` (may be null) receives the failed condition.
  bool StatementApplies(const Statement& s, const Policy& policy, bool resource_policy,
                        PrincipalMatch& match, std::string* why) const;
  void Note(std::string line) {
    if (explain_) trace_.push_back(std::move(line));
  }
  Evaluation Finish(Decision decision, std::string reason) {
    trace_.push_back(std::string(DecisionName(decision)) + ": " + reason);
    return Evaluation{decision, std::move(trace_)};
  }

  bool HasIdentityPolicies() const {
    return who_.kind == PrincipalKind::User || who_.kind == PrincipalKind::Role ||
           who_.kind == PrincipalKind::AssumedRole || who_.kind == PrincipalKind::FederatedUser;
  }
  bool UnderScps() const { return HasIdentityPolicies() || who_.kind == PrincipalKind::Root; }
  // Role trust policies must allow AssumeRole themselves: an identity policy is not enough.
  bool IsRoleTrust() const {
    return StartsWith(ToLower(request_.action), "sts:assumerole") &&
           request_.resource.find(":iam::") != std::string::npos &&
           request_.resource.find(":role/") != std::string::npos;
  }

  const PolicySet& policies_;
  const Request& request_;
  bool explain_;
  RequestPrincipal who_;
  std::vector<std::string> trace_;
  std::string first_deny_;  // the first Deny statement that applies, for the final reason
};

std::string StatementLabel(const std::string& policy, size_t index, const Statement& s) {
  std::string label = policy + " statement " + std::to_string(index);
  if (!s.sid.empty()) label += " (" + s.sid + ")";
  return label;
}

// Whether the statement's Resource or NotResource element applies to the request's resource. A
// variable missing from the context makes its entry match nothing; under NotResource that would
// turn the element inside out, so there it makes the whole element not apply.
bool ResourceApplies(const Statement& s, const Policy& policy, const Request& request) {
  if (!s.has_resource) return true;
  for (const auto& r : s.resources) {
    if (!policy.variables() || r.find("${") == std::string::npos) {
      if (ResourceMatches(std::string_view(r), request.resource)) return !s.not_resource;
      continue;
    }
    auto pattern = SubstituteVariables(r, request.context, policy.variables());
    if (!pattern) {
      if (s.not_resource) return false;
      continue;
    }
    if (ResourceMatches(*pattern, request.resource)) return !s.not_resource;
  }
  return s.not_resource;
}

bool Evaluator::StatementApplies(const Statement& s, const Policy& policy, bool resource_policy,
                                 PrincipalMatch& match, std::string* why) const {
  bool action = false;
  for (const auto& a : s.actions) {
    if (ActionMatches(a, request_.action)) {
      action = true;
      break;
    }
  }
  if (action == s.not_action) return false;
  if (!ResourceApplies(s, policy, request_)) return false;
  match = PrincipalMatch::Everyone;
  if (resource_policy && s.principal) {
    if (s.not_principal) {
      // AWS documents that a Deny with NotPrincipal always applies to a principal that has a
      // permissions boundary, whatever the element lists.
      bool boundary_rule = s.effect == Effect::Deny && policies_.boundary && HasIdentityPolicies();
      if (!boundary_rule && ExcludedByNotPrincipal(*s.principal, who_)) return false;
    } else {
      match = MatchPrincipal(*s.principal, who_);
      if (match == PrincipalMatch::None) return false;
    }
  }
  for (const auto& c : s.conditions) {
    if (!EvaluateCondition(c, request_.context, policy.variables(), why)) {
      match = PrincipalMatch::None;
      return false;
    }
  }
  return true;
}

PolicyOutcome Evaluator::Scan(const Policy& policy, const std::string& label,
                              bool resource_policy) {
  PolicyOutcome out;
  for (size_t i = 0; i < policy.statements.size(); ++i) {
    const Statement& s = policy.statements[i];
    PrincipalMatch match = PrincipalMatch::None;
    std::string why;
    // Building explanations costs allocations; skip them unless a trace was asked for.
    bool applies = StatementApplies(s, policy, resource_policy, match, explain_ ? &why : nullptr);
    if (!applies) {
      if (!why.empty()) {
        trace_.push_back(StatementLabel(label, i, s) + ": condition not met: " + why);
      }
      continue;
    }
    if (s.effect == Effect::Deny) {
      out.deny = true;
      std::string where = StatementLabel(label, i, s);
      if (explain_) trace_.push_back(where + ": Deny applies");
      if (first_deny_.empty()) first_deny_ = std::move(where);
    } else {
      out.allow = true;
      out.grant = std::max(out.grant, match);
      if (explain_) trace_.push_back(StatementLabel(label, i, s) + ": Allow applies");
    }
  }
  return out;
}

std::string_view GrantName(PrincipalMatch m) {
  switch (m) {
    case PrincipalMatch::Account:
      return "the account";
    case PrincipalMatch::Role:
      return "the role ARN";
    case PrincipalMatch::Everyone:
      return "\"*\"";
    case PrincipalMatch::Direct:
      return "the principal itself";
    case PrincipalMatch::None:
      break;
  }
  return "nobody";
}

Evaluation Evaluator::Run() {
  const std::string& action = request_.action;
  bool anonymous = who_.kind == PrincipalKind::Anonymous;
  bool root = who_.kind == PrincipalKind::Root;
  bool identity_applies = HasIdentityPolicies();

  // 1. Every policy is scanned; any applicable Deny anywhere is final.
  std::vector<PolicyOutcome> scps;
  if (UnderScps()) {
    for (size_t i = 0; i < policies_.scps.size(); ++i) {
      scps.push_back(Scan(policies_.scps[i], "scps[" + std::to_string(i) + "]", false));
    }
  } else if (!policies_.scps.empty()) {
    Note("scps: not applied (they govern principals of an account)");
  }
  PolicyOutcome resource;
  if (policies_.resource) resource = Scan(*policies_.resource, "resourcePolicy", true);
  bool identity_allow = false, identity_deny = false;
  PolicyOutcome boundary, session;
  if (identity_applies) {
    for (size_t i = 0; i < policies_.identity.size(); ++i) {
      auto o = Scan(policies_.identity[i], "identityPolicies[" + std::to_string(i) + "]", false);
      identity_allow |= o.allow;
      identity_deny |= o.deny;
    }
    if (policies_.boundary) boundary = Scan(*policies_.boundary, "permissionBoundary", false);
    if (policies_.session) session = Scan(*policies_.session, "sessionPolicy", false);
  } else if (!policies_.identity.empty() || policies_.boundary || policies_.session) {
    Note(std::string("identity, boundary and session policies: not applied to ") +
         (anonymous ? "an anonymous request"
          : root    ? "the root user"
                    : "this principal"));
  }
  bool scp_deny = std::any_of(scps.begin(), scps.end(), [](auto& o) { return o.deny; });
  if (scp_deny || resource.deny || identity_deny || boundary.deny || session.deny) {
    return Finish(Decision::ExplicitDeny, "explicit Deny in " + first_deny_);
  }

  // 2. Every SCP level must allow.
  for (size_t i = 0; i < scps.size(); ++i) {
    if (!scps[i].allow) {
      return Finish(Decision::ImplicitDeny,
                    "no statement of scps[" + std::to_string(i) + "] allows " + action);
    }
  }

  bool same_account = request_.resource_account.empty() || who_.account.empty() ||
                      request_.resource_account == who_.account;
  bool trust = IsRoleTrust();

  // 3. Principals without identity policies: the anonymous public, services, canonical users,
  // web identities. Only the resource policy can grant, and anonymous only through "*".
  if (anonymous) {
    if (resource.grant == PrincipalMatch::Everyone) {
      return Finish(Decision::Allow, "the resource policy allows \"*\" (anonymous)");
    }
    return Finish(Decision::ImplicitDeny,
                  "only a resource policy allowing \"*\" admits anonymous "
                  "requests, and none allows " +
                      action);
  }
  if (!identity_applies && !root) {
    if (resource.allow) return Finish(Decision::Allow, "the resource policy allows " + action);
    return Finish(Decision::ImplicitDeny, "no resource policy statement allows " + action);
  }

  // 4. The root user may do everything in its own account unless denied above.
  if (root) {
    // STS refuses AssumeRole with root credentials, whatever the trust policy says.
    if (trust) return Finish(Decision::ImplicitDeny, "the root user cannot assume roles");
    if (same_account) return Finish(Decision::Allow, "the root user of the account");
    if (resource.allow) {
      return Finish(Decision::Allow, "the resource policy allows the root user's account");
    }
    return Finish(Decision::ImplicitDeny,
                  "cross-account: no resource policy statement allows " + action);
  }

  // 5. Identity-based permissions are what the identity policies, the boundary and the session
  // policy all allow.
  bool boundary_ok = !policies_.boundary || boundary.allow;
  bool session_ok = !policies_.session || session.allow;
  bool identity_ok = identity_allow && boundary_ok && session_ok;
  auto identity_gap = [&]() -> std::string {
    if (!identity_allow) return "no identity-based policy allows " + action;
    if (!boundary_ok) return "the permissions boundary does not allow " + action;
    return "the session policy does not allow " + action;
  };

  if (!same_account) {
    // Cross-account: both sides must allow.
    if (!resource.allow) {
      return Finish(Decision::ImplicitDeny,
                    "cross-account: no resource policy statement allows " + action);
    }
    if (!identity_ok) return Finish(Decision::ImplicitDeny, "cross-account: " + identity_gap());
    return Finish(Decision::Allow,
                  "cross-account: the resource policy and the identity-based policies allow");
  }

  // 6. Same account: the union of identity-based and resource-based permissions, where how the
  // resource policy names the principal matters (AWS "Policy evaluation logic"):
  //  - the account (id or :root) delegates to the account's identity policies: no grant alone;
  //  - a user ARN, a role session ARN or a federated user ARN grants by itself, not limited by
  //    an implicit deny in identity policies, the boundary or the session policy;
  //  - a role ARN grants to its sessions, but the boundary and the session policy still limit.
  PrincipalMatch grant = resource.grant;
  if (grant == PrincipalMatch::Direct || grant == PrincipalMatch::Everyone) {
    return Finish(Decision::Allow, "the resource policy allows " + std::string(GrantName(grant)) +
                                       " (same account)");
  }
  if (grant == PrincipalMatch::Role) {
    if (boundary_ok && session_ok) {
      return Finish(Decision::Allow, "the resource policy allows the role ARN (same account)");
    }
    return Finish(Decision::ImplicitDeny,
                  std::string("the resource policy names the role ARN, which ") +
                      (!boundary_ok ? "the permissions boundary" : "the session policy") +
                      " still limits");
  }
  if (trust && grant == PrincipalMatch::None) {
    return Finish(Decision::ImplicitDeny, "the role trust policy does not allow " + action);
  }
  if (identity_ok) {
    return Finish(Decision::Allow, grant == PrincipalMatch::Account
                                       ? "the resource policy delegates to the account, and the "
                                         "identity-based policies allow " +
                                             action
                                       : "the identity-based policies allow " + action);
  }
  if (grant == PrincipalMatch::Account) {
    return Finish(Decision::ImplicitDeny,
                  "the resource policy names only the account, so identity-based policies must "
                  "allow too: " +
                      identity_gap());
  }
  return Finish(Decision::ImplicitDeny, identity_gap());
}

}  // namespace

std::string_view DecisionName(Decision decision) {
  switch (decision) {
    case Decision::Allow:
      return "Allow";
    case Decision::ExplicitDeny:
      return "ExplicitDeny";
    case Decision::ImplicitDeny:
      return "ImplicitDeny";
  }
  return "ImplicitDeny";
}

Evaluation Evaluate(const PolicySet& policies, const Request& request, bool explain) {
  return Evaluator(policies, request, explain).Run();
}

}  // namespace gureum::iam
