#include "s3/s3_acl.h"

#include <array>

#include "gureum/core/encoding.h"

#include "s3/s3_errors.h"

namespace gureum::s3 {
namespace {

using nlohmann::json;

json Group(std::string_view uri, std::string_view permission) {
  return json{{"Grantee", {{"Type", "Group"}, {"URI", uri}}}, {"Permission", permission}};
}

json User(const json& who, std::string_view permission) {
  json grantee = {{"Type", "CanonicalUser"}, {"ID", who.value("ID", std::string())}};
  if (who.contains("DisplayName")) grantee["DisplayName"] = who["DisplayName"];
  if (who.contains("AccountId")) grantee["AccountId"] = who["AccountId"];
  return json{{"Grantee", grantee}, {"Permission", permission}};
}

// The account a canonical user id belongs to, to decide access by account.
json ByCanonicalId(std::string_view id, auth::AccountStore& accounts) {
  for (const auto& account : accounts.List()) {
    if (account.canonical_user_id == id) {
      return json{{"ID", id}, {"DisplayName", account.name}, {"AccountId", account.account_id}};
    }
  }
  return json{{"ID", id}};
}

// One grant header value: `id="...", emailAddress="...", uri="..."` (comma separated).
Result<std::vector<json>> ParseGrantHeader(std::string_view value, std::string_view permission,
                                           auth::AccountStore& accounts) {
  std::vector<json> grants;
  size_t pos = 0;
  while (pos < value.size()) {
    size_t comma = value.find(',', pos);
    if (comma == std::string_view::npos) comma = value.size();
    std::string_view item = Trim(value.substr(pos, comma - pos));
    pos = comma + 1;
    if (item.empty()) continue;
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return Fail(errors::InvalidArgument("Invalid grant header", "x-amz-grant", item));
    }
    std::string type = ToLower(Trim(item.substr(0, eq)));
    std::string_view v = Trim(item.substr(eq + 1));
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    if (type == "id") {
      grants.push_back(User(ByCanonicalId(v, accounts), permission));
    } else if (type == "uri") {
      grants.push_back(Group(v, permission));
    } else if (type == "emailaddress") {
      bool found = false;
      for (const auto& account : accounts.List()) {
        if (EqualsIgnoreCase(account.email, v)) {
          grants.push_back(User(json{{"ID", account.canonical_user_id},
                                     {"DisplayName", account.name},
                                     {"AccountId", account.account_id}},
                                permission));
          found = true;
        }
      }
      if (!found) {
        return Fail(errors::Make("UnresolvableGrantByEmailAddress",
                                 "The e-mail address you provided does not match any account on "
                                 "record.",
                                 400)
                        .With("EmailAddressProvided", std::string(v)));
      }
    } else {
      return Fail(errors::InvalidArgument("Invalid grantee type", "x-amz-grant", item));
    }
  }
  return grants;
}

}  // namespace

bool IsCannedAcl(std::string_view canned) {
  static constexpr std::array<std::string_view, 7> kCanned = {
      "private",       "public-read",       "public-read-write",        "authenticated-read",
      "aws-exec-read", "bucket-owner-read", "bucket-owner-full-control"};
  for (auto c : kCanned) {
    if (c == canned) return true;
  }
  return false;
}

json CannedGrants(std::string_view canned, const json& owner, const json& bucket_owner) {
  json grants = json::array({User(owner, "FULL_CONTROL")});
  if (canned == "public-read") {
    grants.push_back(Group(kAllUsers, "READ"));
  } else if (canned == "public-read-write") {
    grants.push_back(Group(kAllUsers, "READ"));
    grants.push_back(Group(kAllUsers, "WRITE"));
  } else if (canned == "authenticated-read") {
    grants.push_back(Group(kAuthenticatedUsers, "READ"));
  } else if (canned == "bucket-owner-read" && bucket_owner != owner) {
    grants.push_back(User(bucket_owner, "READ"));
  } else if (canned == "bucket-owner-full-control" && bucket_owner != owner) {
    grants.push_back(User(bucket_owner, "FULL_CONTROL"));
  }
  return grants;
}

Result<std::optional<json>> GrantsFromRequest(const json& in, auth::AccountStore& accounts) {
  static constexpr std::array<std::pair<const char*, const char*>, 5> kHeaders = {{
      {"GrantFullControl", "FULL_CONTROL"},
      {"GrantRead", "READ"},
      {"GrantReadACP", "READ_ACP"},
      {"GrantWrite", "WRITE"},
      {"GrantWriteACP", "WRITE_ACP"},
  }};
  json grants = json::array();
  bool any = false;
  for (const auto& [member, permission] : kHeaders) {
    auto it = in.find(member);
    if (it == in.end() || !it->is_string()) continue;
    any = true;
    GUREUM_TRY(auto parsed, ParseGrantHeader(it->get<std::string>(), permission, accounts));
    for (auto& g : parsed) grants.push_back(std::move(g));
  }
  if (any) return std::optional<json>(grants);
  auto policy = in.find("AccessControlPolicy");
  if (policy == in.end() || !policy->is_object()) return std::optional<json>();
  json out = json::array();
  for (const auto& g : policy->value("Grants", json::array())) {
    const json& grantee = g.value("Grantee", json::object());
    std::string type = grantee.value("Type", std::string());
    std::string permission = g.value("Permission", std::string());
    if (permission != "FULL_CONTROL" && permission != "READ" && permission != "WRITE" &&
        permission != "READ_ACP" && permission != "WRITE_ACP") {
      return Fail(errors::MalformedXml());
    }
    if (type == "AmazonCustomerByEmail") {
      GUREUM_TRY(
          auto resolved,
          ParseGrantHeader("emailAddress=\"" + grantee.value("EmailAddress", std::string()) + "\"",
                           permission, accounts));
      for (auto& r : resolved) out.push_back(std::move(r));
    } else if (type == "CanonicalUser") {
      out.push_back(User(ByCanonicalId(grantee.value("ID", std::string()), accounts), permission));
    } else if (type == "Group") {
      out.push_back(g);
    } else {
      return Fail(errors::MalformedXml());
    }
  }
  return std::optional<json>(out);
}

bool GrantsAllow(const json& grants, std::string_view account_id, bool authenticated,
                 std::string_view permission) {
  if (!grants.is_array()) return false;
  for (const auto& g : grants) {
    std::string p = g.value("Permission", std::string());
    if (p != permission && p != "FULL_CONTROL") continue;
    const json& grantee = g.value("Grantee", json::object());
    std::string type = grantee.value("Type", std::string());
    if (type == "Group") {
      std::string uri = grantee.value("URI", std::string());
      if (uri == kAllUsers) return true;
      if (uri == kAuthenticatedUsers && authenticated) return true;
    } else if (type == "CanonicalUser" && !account_id.empty()) {
      // Grantees resolved when the grant was written carry their account; others (accounts
      // that exist implicitly, by their 12-digit key) are known by their derived canonical id.
      auto grantee_account = grantee.find("AccountId");
      if (grantee_account != grantee.end()
              ? *grantee_account == account_id
              : grantee.value("ID", std::string()) == auth::DeriveCanonicalUserId(account_id)) {
        return true;
      }
    }
  }
  return false;
}

json WithoutPublicGrants(const json& grants) {
  json out = json::array();
  if (!grants.is_array()) return out;
  for (const auto& g : grants) {
    const json& grantee = g.value("Grantee", json::object());
    std::string uri = grantee.value("URI", std::string());
    if (uri != kAllUsers && uri != kAuthenticatedUsers) out.push_back(g);
  }
  return out;
}

bool GrantsArePublic(const json& grants) {
  if (!grants.is_array()) return false;
  for (const auto& g : grants) {
    const json& grantee = g.value("Grantee", json::object());
    std::string uri = grantee.value("URI", std::string());
    if (uri == kAllUsers || uri == kAuthenticatedUsers) return true;
  }
  return false;
}

}  // namespace gureum::s3
