#pragma once
// The Principal and NotPrincipal elements of resource-based policies (bucket policies, role
// trust policies): who a statement is about, and how it names the requester.

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gureum/core/error.h"

namespace gureum::iam {

enum class PrincipalKind {
  Anonymous,      // an unsigned request
  Root,           // arn:aws:iam::111122223333:root
  User,           // arn:aws:iam::111122223333:user/path/name
  Role,           // arn:aws:iam::111122223333:role/path/name (a role ARN used as the requester)
  AssumedRole,    // arn:aws:sts::111122223333:assumed-role/name/session
  FederatedUser,  // arn:aws:sts::111122223333:federated-user/name
  Service,        // "s3.amazonaws.com"
  CanonicalUser,  // S3's 64-hex-digit canonical user id
  Other,          // anything else, e.g. a web-identity or SAML provider; matched by text
};

// The requester, parsed once per evaluation.
struct RequestPrincipal {
  PrincipalKind kind = PrincipalKind::Other;
  std::string text;     // as given
  std::string account;  // the principal's account; empty when it has none
  std::string name;     // user or role name (for roles and their sessions)
};

RequestPrincipal ClassifyPrincipal(std::string_view principal, std::string_view account);

// A parsed Principal or NotPrincipal element.
struct PrincipalElement {
  bool everyone = false;  // "*" or {"AWS": "*"}
  std::vector<std::string> aws, service, federated, canonical_user;
};

// Errors are MalformedPolicyDocument with AWS's "Invalid principal in policy" text.
Result<PrincipalElement> ParsePrincipal(const nlohmann::json& element);

// How a Principal element names the requester. A resource policy grants differently in the
// requester's own account depending on this (see evaluator.cc).
enum class PrincipalMatch {
  None,
  Account,   // the account id or its :root ARN: the account delegates to its identity policies
  Role,      // the role ARN of the requester's role session
  Everyone,  // "*"
  Direct,    // the requester's own ARN (user, role session, federated user), or a service,
             // federated or canonical-user principal
};

// The strongest way `element` names `who` (None if it does not).
PrincipalMatch MatchPrincipal(const PrincipalElement& element, const RequestPrincipal& who);

// NotPrincipal: AWS checks each identity of the requester (its account, its role, its session)
// on its own, so a requester is excluded only when every one of them is listed.
bool ExcludedByNotPrincipal(const PrincipalElement& element, const RequestPrincipal& who);

}  // namespace gureum::iam
