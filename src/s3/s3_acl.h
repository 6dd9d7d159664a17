#pragma once
// S3 access control lists: canned ACLs and explicit grants (by canonical user id, by e-mail, or
// to the AllUsers / AuthenticatedUsers groups), and the checks made with them.

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "gureum/core/error.h"

#include "auth/accounts.h"

namespace gureum::s3 {

inline constexpr std::string_view kAllUsers = "http://acs.amazonaws.com/groups/global/AllUsers";
inline constexpr std::string_view kAuthenticatedUsers =
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";

bool IsCannedAcl(std::string_view canned);

// Grants are AccessControlPolicy "Grants" arrays. Grantees that are Gureum accounts also carry
// "AccountId" (not part of S3's document; the XML writer leaves it out), so access decisions
// compare account ids.

// The grants a canned ACL stands for. `owner` and `bucket_owner` are
// {"ID", "DisplayName", "AccountId"}.
nlohmann::json CannedGrants(std::string_view canned, const nlohmann::json& owner,
                            const nlohmann::json& bucket_owner);

// The grants a request asks for: the x-amz-grant-* headers (GrantRead, GrantWrite, ...
// members of the decoded input), or an AccessControlPolicy document. nullopt when it asks
// for none. E-mail grantees are resolved to their account's canonical id.
Result<std::optional<nlohmann::json>> GrantsFromRequest(const nlohmann::json& in,
                                                        auth::AccountStore& accounts);

// Whether `grants` give `permission` (READ, WRITE, READ_ACP, WRITE_ACP) to a caller of the
// account `account_id` (empty for anonymous). FULL_CONTROL implies all.
bool GrantsAllow(const nlohmann::json& grants, std::string_view account_id, bool authenticated,
                 std::string_view permission);

// Whether the grants open anything to AllUsers or AuthenticatedUsers (public-access checks).
bool GrantsArePublic(const nlohmann::json& grants);
// The grants without those to AllUsers or AuthenticatedUsers (IgnorePublicAcls).
nlohmann::json WithoutPublicGrants(const nlohmann::json& grants);

}  // namespace gureum::s3
