// IAM users: CreateUser, GetUser, ListUsers, UpdateUser, DeleteUser (tags: iam_tagging.cc).

#include "iam/service/iam_store.h"

namespace gureum::iam::api {

const std::string kUserColumnsSql = "name, id, path, created, tags, boundary";

namespace {

// IAM's default quota of users per account.
constexpr size_t kMaxUsers = 5000;

Result<Row> FindUser(catalog::Connection& db, std::string_view account, std::string_view name) {
  GUREUM_TRY(auto rows, Query(db, kUserColumns,
                              "SELECT " + kUserColumnsSql +
                                  " FROM iam_users WHERE account_id = ? AND name = ?",
                              account, name));
  if (rows.empty()) {
    return Fail(NoSuchEntity("The user with name " + std::string(name) + " cannot be found."));
  }
  return rows.front();
}

std::string UserNameOf(const json& input) { return input.value("UserName", std::string()); }

Result<json> CreateUser(IamState& s, const service::RequestContext& c, const json& in) {
  std::string name = UserNameOf(in);
  GUREUM_RETURN_IF_ERROR(ValidateName(name, "userName", 64));
  GUREUM_TRY(std::string path, PathOf(in));
  GUREUM_TRY(json tags, ValidTags(in.value("Tags", json::array())));
  return Write(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_TRY(json boundary, Boundary(db, Account(c), in));
    GUREUM_TRY(auto existing, Query(db, 1,
                                    "SELECT name FROM iam_users WHERE account_id = ? AND "
                                    "name = ?",
                                    Account(c), name));
    if (!existing.empty()) {
      return Fail(EntityAlreadyExists("User with name " + name + " already exists."));
    }
    GUREUM_TRY(auto count,
               Query(db, 1, "SELECT count(*) FROM iam_users WHERE account_id = ?", Account(c)));
    if (std::stoul(count[0][0]) >= kMaxUsers) {
      return Fail(LimitExceeded("Cannot exceed quota for UsersPerAccount: 5000"));
    }
    Row row{name,        NewUniqueId("AIDA"),
            path,        Iso8601(c.now),
            tags.dump(), boundary.is_string() ? boundary.get<std::string>() : ""};
    GUREUM_RETURN_IF_ERROR(Run(db,
                               "INSERT INTO iam_users (account_id, " + kUserColumnsSql +
                                   ") VALUES (?, ?, ?, ?, ?, ?, NULLIF(?, ''))",
                               Account(c), row[0], row[1], row[2], row[3], row[4], row[5]));
    return json{{"User", UserJson(Account(c), row, true)}};
  });
}

Result<json> GetUser(IamState& s, const service::RequestContext& c, const json& in) {
  std::string name = UserNameOf(in);
  if (name.empty()) {
    // Without a name AWS describes the caller; the root user has no name or path.
    if (c.principal.type == auth::PrincipalType::Root) {
      return json{
          {"User",
           {{"UserId", Account(c)}, {"Arn", c.principal.arn}, {"CreateDate", Iso8601(c.now)}}}};
    }
    name = c.principal.name;
  }
  return Read(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_TRY(Row row, FindUser(db, Account(c), name));
    return json{{"User", UserJson(Account(c), row, true)}};
  });
}

Result<json> ListUsers(IamState& s, const service::RequestContext& c, const json& in) {
  std::string prefix = in.value("PathPrefix", std::string("/"));
  return Read(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_TRY(auto rows, Query(db, kUserColumns,
                                "SELECT " + kUserColumnsSql +
                                    " FROM iam_users WHERE account_id = ? AND "
                                    "substr(path, 1, length(?)) = ? ORDER BY name COLLATE BINARY",
                                Account(c), prefix, prefix));
    std::vector<json> users;
    // ListUsers leaves tags out, as AWS does.
    for (const auto& row : rows) users.push_back(UserJson(Account(c), row, false));
    json out = json::object();
    Page(in, std::move(users), "UserName", "Users", out);
    return out;
  });
}

Result<json> UpdateUser(IamState& s, const service::RequestContext& c, const json& in) {
  std::string name = UserNameOf(in);
  std::string new_name = in.value("NewUserName", name);
  GUREUM_RETURN_IF_ERROR(ValidateName(new_name, "newUserName", 64));
  std::optional<std::string> new_path;
  if (in.contains("NewPath")) {
    GUREUM_TRY(new_path, PathOf(in, "NewPath"));
  }
  std::vector<Row> keys;
  auto result = Write(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_TRY(Row row, FindUser(db, Account(c), name));
    if (new_path) {
      GUREUM_RETURN_IF_ERROR(Run(db,
                                 "UPDATE iam_users SET path = ? WHERE account_id = ? AND name = ?",
                                 *new_path, Account(c), name));
    }
    if (new_name != row[0]) {
      GUREUM_TRY(auto taken, Query(db, 1,
                                   "SELECT name FROM iam_users WHERE account_id = ? AND "
                                   "name = ?",
                                   Account(c), new_name));
      // A change of case alone renames the user in place.
      if (!taken.empty() && taken[0][0] != row[0]) {
        return Fail(EntityAlreadyExists("User with name " + new_name + " already exists."));
      }
      const std::pair<const char*, const char*> renames[] = {
          {"iam_users", "name"},
          {"iam_access_keys", "user_name"},
          {"iam_group_members", "user_name"},
      };
      for (auto [table, column] : renames) {
        GUREUM_RETURN_IF_ERROR(Run(db,
                                   std::string("UPDATE ") + table + " SET " + column +
                                       " = ? WHERE account_id = ? AND " + column + " = ?",
                                   new_name, Account(c), row[0]));
      }
      for (const char* table : {"iam_attachments", "iam_inline_policies"}) {
        GUREUM_RETURN_IF_ERROR(Run(db,
                                   std::string("UPDATE ") + table +
                                       " SET holder_name = ? WHERE account_id = ? AND holder = "
                                       "'user' AND holder_name = ?",
                                   new_name, Account(c), row[0]));
      }
    }
    GUREUM_TRY(keys, Query(db, 1,
                           "SELECT access_key_id FROM iam_access_keys WHERE account_id = "
                           "? AND user_name = ?",
                           Account(c), new_name));
    return json::object();
  });
  // The keys' principal (ARN, name) changed with the user.
  for (const auto& key : keys) s.credentials.Invalidate(key[0]);
  return result;
}

Result<json> DeleteUser(IamState& s, const service::RequestContext& c, const json& in) {
  std::string name = UserNameOf(in);
  return Write(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_TRY(Row row, FindUser(db, Account(c), name));
    // AWS refuses while anything still hangs off the user, naming the first thing to remove.
    GUREUM_RETURN_IF_ERROR(RequireNone(
        db, "SELECT count(*) FROM iam_access_keys WHERE account_id = ? AND user_name = ?",
        Account(c), row[0], "Cannot delete entity, must delete access keys first."));
    GUREUM_RETURN_IF_ERROR(RequireNoPolicies(db, Account(c), Holder::User, row[0]));
    GUREUM_RETURN_IF_ERROR(RequireNone(
        db, "SELECT count(*) FROM iam_group_members WHERE account_id = ? AND user_name = ?",
        Account(c), row[0], "Cannot delete entity, must remove user from group first."));
    GUREUM_RETURN_IF_ERROR(
        Run(db, "DELETE FROM iam_users WHERE account_id = ? AND name = ?", Account(c), row[0]));
    return json::object();
  });
}

}  // namespace

json UserJson(std::string_view account, const Row& r, bool with_tags) {
  json user{{"Path", r[2]},
            {"UserName", r[0]},
            {"UserId", r[1]},
            {"Arn", Arn(account, "user", r[2], r[0])},
            {"CreateDate", r[3]}};
  if (!r[5].empty()) user["PermissionsBoundary"] = BoundaryJson(r[5]);
  json tags = ParseJsonOr(r[4], json::array());
  if (with_tags && !tags.empty()) user["Tags"] = tags;
  return user;
}

void AddUserOperations(std::shared_ptr<IamState> state, Ops& ops) {
  Add(ops, state, "CreateUser", CreateUser);
  Add(ops, state, "GetUser", GetUser);
  Add(ops, state, "ListUsers", ListUsers);
  Add(ops, state, "UpdateUser", UpdateUser);
  Add(ops, state, "DeleteUser", DeleteUser);
}

}  // namespace gureum::iam::api
