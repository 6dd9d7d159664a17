// IAM groups and membership: CreateGroup, GetGroup, ListGroups, DeleteGroup, AddUserToGroup,
// RemoveUserFromGroup, ListGroupsForUser.

#include "iam/service/iam_store.h"

namespace gureum::iam::api {
namespace {

constexpr size_t kMaxGroupsPerUser = 10;

json GroupJson(std::string_view account, const Row& r) {
  return {{"Path", r[2]},
          {"GroupName", r[0]},
          {"GroupId", r[1]},
          {"Arn", Arn(account, "group", r[2], r[0])},
          {"CreateDate", r[3]}};
}

Result<Row> FindGroup(catalog::Connection& db, std::string_view account, std::string_view name) {
  GUREUM_TRY(auto rows, Query(db, 4,
                              "SELECT name, id, path, created FROM iam_groups WHERE account_id = "
                              "? AND name = ?",
                              account, name));
  if (rows.empty()) {
    return Fail(NoSuchEntity("The group with name " + std::string(name) + " cannot be found."));
  }
  return rows.front();
}

std::string GroupNameOf(const json& in) { return in.value("GroupName", std::string()); }

Result<json> CreateGroup(IamState& s, const service::RequestContext& c, const json& in) {
  std::string name = GroupNameOf(in);
  GUREUM_RETURN_IF_ERROR(ValidateName(name, "groupName", 128));
  GUREUM_TRY(std::string path, PathOf(in));
  return Write(s, [&](catalog::Connection& db) -> Result<json> {
    if (FindGroup(db, Account(c), name)) {
      return Fail(EntityAlreadyExists("Group with name " + name + " already exists."));
    }
    Row row{name, NewUniqueId("AGPA"), path, Iso8601(c.now)};
    GUREUM_RETURN_IF_ERROR(Run(db,
                               "INSERT INTO iam_groups (account_id, name, id, path, created) "
                               "VALUES (?, ?, ?, ?, ?)",
                               Account(c), row[0], row[1], row[2], row[3]));
    return json{{"Group", GroupJson(Account(c), row)}};
  });
}

Result<json> GetGroup(IamState& s, const service::RequestContext& c, const json& in) {
  return Read(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_TRY(Row group, FindGroup(db, Account(c), GroupNameOf(in)));
    GUREUM_TRY(auto rows, Query(db, kUserColumns,
                                "SELECT " + kUserColumnsSql +
                                    " FROM iam_users u JOIN iam_group_members m ON m.account_id "
                                    "= u.account_id AND m.user_name = u.name WHERE "
                                    "m.account_id = ? AND m.group_name = ? ORDER BY u.name "
                                    "COLLATE BINARY",
                                Account(c), group[0]));
    std::vector<json> users;
    for (const auto& row : rows) users.push_back(UserJson(Account(c), row, false));
    json out{{"Group", GroupJson(Account(c), group)}};
    Page(in, std::move(users), "UserName", "Users", out);
    return out;
  });
}

Result<json> ListGroups(IamState& s, const service::RequestContext& c, const json& in) {
  std::string prefix = in.value("PathPrefix", std::string("/"));
  return Read(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_TRY(auto rows, Query(db, 4,
                                "SELECT name, id, path, created FROM iam_groups WHERE account_id "
                                "= ? AND substr(path, 1, length(?)) = ? ORDER BY name COLLATE "
                                "BINARY",
                                Account(c), prefix, prefix));
    std::vector<json> groups;
    for (const auto& row : rows) groups.push_back(GroupJson(Account(c), row));
    json out = json::object();
    Page(in, std::move(groups), "GroupName", "Groups", out);
    return out;
  });
}

Result<json> DeleteGroup(IamState& s, const service::RequestContext& c, const json& in) {
  return Write(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_TRY(Row group, FindGroup(db, Account(c), GroupNameOf(in)));
    GUREUM_RETURN_IF_ERROR(RequireNone(
        db, "SELECT count(*) FROM iam_group_members WHERE account_id = ? AND group_name = ?",
        Account(c), group[0], "Cannot delete entity, must remove users from group first."));
    GUREUM_RETURN_IF_ERROR(RequireNoPolicies(db, Account(c), Holder::Group, group[0]));
    GUREUM_RETURN_IF_ERROR(
        Run(db, "DELETE FROM iam_groups WHERE account_id = ? AND name = ?", Account(c), group[0]));
    return json::object();
  });
}

Result<json> AddUserToGroup(IamState& s, const service::RequestContext& c, const json& in) {
  std::string user = in.value("UserName", std::string());
  return Write(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_TRY(Row group, FindGroup(db, Account(c), GroupNameOf(in)));
    GUREUM_RETURN_IF_ERROR(RequireHolder(db, Account(c), Holder::User, user));
    GUREUM_TRY(auto count, Query(db, 1,
                                 "SELECT count(*) FROM iam_group_members WHERE account_id = ? "
                                 "AND user_name = ? AND group_name <> ?",
                                 Account(c), user, group[0]));
    if (std::stoul(count[0][0]) >= kMaxGroupsPerUser) {
      return Fail(LimitExceeded("Cannot exceed quota for GroupsPerUser: 10"));
    }
    // Adding a member twice is not an error in IAM.
    GUREUM_RETURN_IF_ERROR(Run(db,
                               "INSERT OR IGNORE INTO iam_group_members (account_id, group_name, "
                               "user_name) SELECT ?, ?, name FROM iam_users WHERE account_id = ? "
                               "AND name = ?",
                               Account(c), group[0], Account(c), user));
    return json::object();
  });
}

Result<json> RemoveUserFromGroup(IamState& s, const service::RequestContext& c, const json& in) {
  std::string user = in.value("UserName", std::string());
  return Write(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_TRY(Row group, FindGroup(db, Account(c), GroupNameOf(in)));
    GUREUM_RETURN_IF_ERROR(RequireHolder(db, Account(c), Holder::User, user));
    GUREUM_TRY(auto removed, Exec(db,
                                  "DELETE FROM iam_group_members WHERE account_id = ? AND "
                                  "group_name = ? AND user_name = ?",
                                  Account(c), group[0], user));
    if (removed == 0) {
      return Fail(NoSuchEntity("The user with name " + user + " cannot be found."));
    }
    return json::object();
  });
}

Result<json> ListGroupsForUser(IamState& s, const service::RequestContext& c, const json& in) {
  std::string user = in.value("UserName", std::string());
  return Read(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_RETURN_IF_ERROR(RequireHolder(db, Account(c), Holder::User, user));
    GUREUM_TRY(auto rows, Query(db, 4,
                                "SELECT g.name, g.id, g.path, g.created FROM iam_groups g JOIN "
                                "iam_group_members m ON m.account_id = g.account_id AND "
                                "m.group_name = g.name WHERE m.account_id = ? AND m.user_name = "
                                "? ORDER BY g.name COLLATE BINARY",
                                Account(c), user));
    std::vector<json> groups;
    for (const auto& row : rows) groups.push_back(GroupJson(Account(c), row));
    json out = json::object();
    Page(in, std::move(groups), "GroupName", "Groups", out);
    return out;
  });
}

}  // namespace

void AddGroupOperations(std::shared_ptr<IamState> state, Ops& ops) {
  Add(ops, state, "CreateGroup", CreateGroup);
  Add(ops, state, "GetGroup", GetGroup);
  Add(ops, state, "ListGroups", ListGroups);
  Add(ops, state, "DeleteGroup", DeleteGroup);
  Add(ops, state, "AddUserToGroup", AddUserToGroup);
  Add(ops, state, "RemoveUserFromGroup", RemoveUserFromGroup);
  Add(ops, state, "ListGroupsForUser", ListGroupsForUser);
}

}  // namespace gureum::iam::api
