// Access keys of IAM users: CreateAccessKey, ListAccessKeys, UpdateAccessKey, DeleteAccessKey,
// GetAccessKeyLastUsed, and the credential provider that makes them authenticate.

#include "iam/service/iam_access_keys.h"

#include "gureum/core/ids.h"

namespace gureum::iam::api {
namespace {

constexpr size_t kMaxKeysPerUser = 2;

// The user a key operation addresses: UserName, else the calling user.
Result<std::string> KeyOwner(const service::RequestContext& c, const json& in) {
  std::string name = in.value("UserName", std::string());
  if (!name.empty()) return name;
  if (c.principal.type == auth::PrincipalType::User) return c.principal.name;
  // Root access keys are not managed by Gureum's IAM (they come from the account config).
  return Fail(AwsError(ErrorCode::ValidationError,
                       "Must specify userName when calling with "
                       "non-User credentials"));
}

AwsError NoSuchKey(std::string_view id) {
  return NoSuchEntity("The Access Key with id " + std::string(id) + " cannot be found.");
}

Result<json> CreateAccessKey(IamState& s, const service::RequestContext& c, const json& in) {
  GUREUM_TRY(std::string user, KeyOwner(c, in));
  return Write(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_RETURN_IF_ERROR(RequireHolder(db, Account(c), Holder::User, user));
    GUREUM_TRY(auto count, Query(db, 1,
                                 "SELECT count(*) FROM iam_access_keys WHERE account_id "
                                 "= ? AND user_name = ?",
                                 Account(c), user));
    if (std::stoul(count[0][0]) >= kMaxKeysPerUser) {
      return Fail(LimitExceeded("Cannot exceed quota for AccessKeysPerUser: 2"));
    }
    json key{{"UserName", user},
             {"AccessKeyId", "AKIA" + RandomChars(16, kUpperAlnum)},
             {"Status", "Active"},
             {"SecretAccessKey", SecretChars(40, kBase62)},
             {"CreateDate", Iso8601(c.now)}};
    GUREUM_RETURN_IF_ERROR(Run(db,
                               "INSERT INTO iam_access_keys (access_key_id, account_id, "
                               "user_name, secret, status, created) VALUES (?, ?, ?, ?, ?, ?)",
                               key["AccessKeyId"].get<std::string>(), Account(c), user,
                               key["SecretAccessKey"].get<std::string>(), "Active",
                               key["CreateDate"].get<std::string>()));
    return json{{"AccessKey", key}};
  });
}

Result<json> ListAccessKeys(IamState& s, const service::RequestContext& c, const json& in) {
  GUREUM_TRY(std::string user, KeyOwner(c, in));
  return Read(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_RETURN_IF_ERROR(RequireHolder(db, Account(c), Holder::User, user));
    GUREUM_TRY(auto rows, Query(db, 4,
                                "SELECT user_name, access_key_id, status, created FROM "
                                "iam_access_keys WHERE account_id = ? AND user_name = ? ORDER BY "
                                "access_key_id",
                                Account(c), user));
    std::vector<json> keys;
    for (const auto& r : rows) {
      keys.push_back(
          {{"UserName", r[0]}, {"AccessKeyId", r[1]}, {"Status", r[2]}, {"CreateDate", r[3]}});
    }
    json out = json::object();
    Page(in, std::move(keys), "AccessKeyId", "AccessKeyMetadata", out);
    return out;
  });
}

Result<json> UpdateAccessKey(IamState& s, const service::RequestContext& c, const json& in) {
  GUREUM_TRY(std::string user, KeyOwner(c, in));
  std::string id = in.value("AccessKeyId", std::string());
  std::string status = in.value("Status", std::string());
  if (status != "Active" && status != "Inactive") {
    return Fail(AwsError(ErrorCode::ValidationError,
                         "1 validation error detected: Value '" + status +
                             "' at 'status' failed to satisfy constraint: Member must satisfy "
                             "enum value set: [Active, Inactive]"));
  }
  auto result = Write(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_RETURN_IF_ERROR(RequireHolder(db, Account(c), Holder::User, user));
    GUREUM_TRY(auto changed, Exec(db,
                                  "UPDATE iam_access_keys SET status = ? WHERE account_id = ? "
                                  "AND user_name = ? AND access_key_id = ?",
                                  status, Account(c), user, id));
    if (changed == 0) return Fail(NoSuchKey(id));
    return json::object();
  });
  s.credentials.Invalidate(id);
  return result;
}

Result<json> DeleteAccessKey(IamState& s, const service::RequestContext& c, const json& in) {
  GUREUM_TRY(std::string user, KeyOwner(c, in));
  std::string id = in.value("AccessKeyId", std::string());
  auto result = Write(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_RETURN_IF_ERROR(RequireHolder(db, Account(c), Holder::User, user));
    GUREUM_TRY(auto changed, Exec(db,
                                  "DELETE FROM iam_access_keys WHERE account_id = ? AND "
                                  "user_name = ? AND access_key_id = ?",
                                  Account(c), user, id));
    if (changed == 0) return Fail(NoSuchKey(id));
    return json::object();
  });
  s.credentials.Invalidate(id);
  return result;
}

Result<json> GetAccessKeyLastUsed(IamState& s, const service::RequestContext& c, const json& in) {
  std::string id = in.value("AccessKeyId", std::string());
  return Read(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_TRY(auto rows, Query(db, 4,
                                "SELECT user_name, last_used, last_service, last_region FROM "
                                "iam_access_keys WHERE account_id = ? AND access_key_id = ?",
                                Account(c), id));
    if (rows.empty()) return Fail(NoSuchKey(id));
    const Row& r = rows[0];
    // A key never used reports "N/A" for service and region, and no date.
    json last{{"ServiceName", r[2].empty() ? "N/A" : r[2]},
              {"Region", r[3].empty() ? "N/A" : r[3]}};
    if (!r[1].empty()) last["LastUsedDate"] = r[1];
    return json{{"UserName", r[0]}, {"AccessKeyLastUsed", last}};
  });
}

class UserKeys final : public auth::CredentialProvider {
 public:
  explicit UserKeys(catalog::Catalog& catalog) : catalog_(catalog) {}

  std::optional<auth::Credential> Lookup(std::string_view access_key_id) override {
    auto rows = catalog_.Read([&](catalog::Connection& db) {
      return Query(db, 6,
                   "SELECT k.account_id, k.secret, k.status, u.name, u.id, u.path FROM "
                   "iam_access_keys k JOIN iam_users u ON u.account_id = k.account_id AND "
                   "u.name = k.user_name WHERE k.access_key_id = ?",
                   access_key_id);
    });
    if (!rows || rows->empty()) return std::nullopt;
    const Row& r = rows->front();
    auth::Credential credential;
    credential.access_key_id = std::string(access_key_id);
    credential.secret_access_key = r[1];
    credential.active = r[2] == "Active";
    auth::Principal& p = credential.principal;
    p.type = auth::PrincipalType::User;
    p.account_id = r[0];
    p.name = r[3];
    p.user_id = r[4];
    p.arn = Arn(r[0], "user", r[5], r[3]);
    p.access_key_id = std::string(access_key_id);
    return credential;
  }

 private:
  catalog::Catalog& catalog_;
};

}  // namespace

std::shared_ptr<auth::CredentialProvider> UserKeyProvider(catalog::Catalog& catalog) {
  return std::make_shared<UserKeys>(catalog);
}

void RecordLastUsed(IamState& s, const service::RequestContext& c, std::string_view service) {
  if (c.principal.type != auth::PrincipalType::User || c.principal.temporary) return;
  // Best effort, as in AWS: a failure to record never fails the request itself.
  (void)s.catalog.Write([&](catalog::Connection& db) {
    return Run(db,
               "UPDATE iam_access_keys SET last_used = ?, last_service = ?, last_region = ? "
               "WHERE access_key_id = ?",
               Iso8601(c.now), service, c.region, c.principal.access_key_id);
  });
}

void AddAccessKeyOperations(std::shared_ptr<IamState> state, Ops& ops) {
  Add(ops, state, "CreateAccessKey", CreateAccessKey);
  Add(ops, state, "ListAccessKeys", ListAccessKeys);
  Add(ops, state, "UpdateAccessKey", UpdateAccessKey);
  Add(ops, state, "DeleteAccessKey", DeleteAccessKey);
  Add(ops, state, "GetAccessKeyLastUsed", GetAccessKeyLastUsed);
}

}  // namespace gureum::iam::api
