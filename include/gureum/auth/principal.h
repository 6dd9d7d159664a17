#pragma once
// Who is making a request, as established by authentication.

#include <chrono>
#include <optional>
#include <string>

namespace gureum::auth {

enum class PrincipalType {
  Anonymous,      // No credentials (S3 public objects, website endpoints, unsigned STS calls).
  Root,           // An account's root user: arn:aws:iam::<account>:root.
  User,           // An IAM user: arn:aws:iam::<account>:user/<path><name>.
  AssumedRole,    // A role session: arn:aws:sts::<account>:assumed-role/<role>/<session>.
  FederatedUser,  // GetFederationToken: arn:aws:sts::<account>:federated-user/<name>.
};

struct Principal {
  PrincipalType type = PrincipalType::Anonymous;
  std::string account_id;     // 12 digits; empty for Anonymous.
  std::string arn;            // As GetCallerIdentity reports it.
  std::string user_id;        // Root: the account id; user: AIDA...; role: AROA...:<session>.
  std::string name;           // User name, role name or federated name; empty for root.
  std::string access_key_id;  // The key that signed the request.
  bool temporary = false;     // Signed with STS session credentials (ASIA...).
};

// A secret and what it stands for.
struct Credential {
  std::string access_key_id;
  std::string secret_access_key;
  std::optional<std::string> session_token;  // Set for temporary credentials.
  std::optional<std::chrono::system_clock::time_point> expiration;
  bool active = true;  // IAM UpdateAccessKey Inactive keys authenticate nothing.
  Principal principal;
};

}  // namespace gureum::auth
