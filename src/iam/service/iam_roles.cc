// IAM roles: CreateRole, GetRole, ListRoles, UpdateRole, UpdateAssumeRolePolicy, DeleteRole
// (tags: iam_tagging.cc).

#include "gureum/core/encoding.h"

#include "iam/policy_document.h"
#include "iam/service/iam_store.h"

namespace gureum::iam::api {
namespace {

constexpr int kRoleColumns = 9;
const std::string kRoleSelect =
    "SELECT name, id, path, created, trust, description, max_session, tags, boundary FROM "
    "iam_roles ";
constexpr int64_t kMinSession = 3600;
constexpr int64_t kMaxSession = 43200;

json RoleJson(std::string_view account, const Row& r, bool with_tags) {
  json role{{"Path", r[2]},
            {"RoleName", r[0]},
            {"RoleId", r[1]},
            {"Arn", Arn(account, "role", r[2], r[0])},
            {"CreateDate", r[3]},
            // IAM returns policy documents URL-encoded; the SDKs decode them.
            {"AssumeRolePolicyDocument", UriEncode(r[4], true)},
            {"MaxSessionDuration", std::stoi(r[6])}};
  if (!r[5].empty()) role["Description"] = r[5];
  if (!r[8].empty()) role["PermissionsBoundary"] = BoundaryJson(r[8]);
  json tags = ParseJsonOr(r[7], json::array());
  if (with_tags && !tags.empty()) role["Tags"] = tags;
  if (with_tags) role["RoleLastUsed"] = json::object();
  return role;
}

Result<Row> FindRole(catalog::Connection& db, std::string_view account, std::string_view name) {
  GUREUM_TRY(auto rows, Query(db, kRoleColumns, kRoleSelect + "WHERE account_id = ? AND name = ?",
                              account, name));
  if (rows.empty()) {
    return Fail(NoSuchEntity("The role with name " + std::string(name) + " cannot be found."));
  }
  return rows.front();
}

std::string RoleNameOf(const json& in) { return in.value("RoleName", std::string()); }

Status ValidateSession(const json& in) {
  if (!in.contains("MaxSessionDuration")) return Ok();
  int64_t seconds = in["MaxSessionDuration"].get<int64_t>();
  if (seconds < kMinSession || seconds > kMaxSession) {
    return Fail(AwsError(ErrorCode::ValidationError,
                         "The requested duration " + std::to_string(seconds) +
                             " is not valid. MaxSessionDuration must be between 3600 and 43200 "
                             "seconds."));
  }
  return Ok();
}

// Trust policies are resource policies: they name principals and may omit Resource.
Result<std::string> ValidTrust(const json& in, std::string_view member) {
  std::string document = in.value(std::string(member), std::string());
  GUREUM_TRY(auto parsed, ParsePolicyText(document, PolicyKind::Resource));
  (void)parsed;
  return document;
}

Result<json> CreateRole(IamState& s, const service::RequestContext& c, const json& in) {
  std::string name = RoleNameOf(in);
  GUREUM_RETURN_IF_ERROR(ValidateName(name, "roleName", 64));
  GUREUM_TRY(std::string path, PathOf(in));
  GUREUM_RETURN_IF_ERROR(ValidateSession(in));
  GUREUM_TRY(std::string trust, ValidTrust(in, "AssumeRolePolicyDocument"));
  GUREUM_TRY(json tags, ValidTags(in.value("Tags", json::array())));
  return Write(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_TRY(json boundary, Boundary(db, Account(c), in));
    if (FindRole(db, Account(c), name)) {
      return Fail(EntityAlreadyExists("Role with name " + name + " already exists."));
    }
    Row row{name,
            NewUniqueId("AROA"),
            path,
            Iso8601(c.now),
            trust,
            in.value("Description", std::string()),
            std::to_string(in.value("MaxSessionDuration", kMinSession)),
            tags.dump(),
            boundary.is_string() ? boundary.get<std::string>() : ""};
    GUREUM_RETURN_IF_ERROR(Run(db,
                               "INSERT INTO iam_roles (account_id, name, id, path, created, "
                               "trust, description, max_session, tags, boundary) VALUES (?, ?, "
                               "?, ?, ?, ?, NULLIF(?, ''), ?, ?, NULLIF(?, ''))",
                               Account(c), row[0], row[1], row[2], row[3], row[4], row[5], row[6],
                               row[7], row[8]));
    return json{{"Role", RoleJson(Account(c), row, true)}};
  });
}

Result<json> GetRole(IamState& s, const service::RequestContext& c, const json& in) {
  return Read(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_TRY(Row row, FindRole(db, Account(c), RoleNameOf(in)));
    return json{{"Role", RoleJson(Account(c), row, true)}};
  });
}

Result<json> ListRoles(IamState& s, const service::RequestContext& c, const json& in) {
  std::string prefix = in.value("PathPrefix", std::string("/"));
  return Read(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_TRY(auto rows,
               Query(db, kRoleColumns,
                     kRoleSelect + "WHERE account_id = ? AND substr(path, 1, length(?)) = ? "
                                   "ORDER BY name COLLATE BINARY",
                     Account(c), prefix, prefix));
    std::vector<json> roles;
    for (const auto& row : rows) roles.push_back(RoleJson(Account(c), row, false));
    json out = json::object();
    Page(in, std::move(roles), "RoleName", "Roles", out);
    return out;
  });
}

Result<json> UpdateRole(IamState& s, const service::RequestContext& c, const json& in) {
  GUREUM_RETURN_IF_ERROR(ValidateSession(in));
  return Write(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_TRY(Row row, FindRole(db, Account(c), RoleNameOf(in)));
    GUREUM_RETURN_IF_ERROR(Run(db,
                               "UPDATE iam_roles SET description = ?, max_session = ? WHERE "
                               "account_id = ? AND name = ?",
                               in.value("Description", row[5]),
                               in.value("MaxSessionDuration", int64_t{std::stoll(row[6])}),
                               Account(c), row[0]));
    return json::object();
  });
}

Result<json> UpdateAssumeRolePolicy(IamState& s, const service::RequestContext& c, const json& in) {
  GUREUM_TRY(std::string trust, ValidTrust(in, "PolicyDocument"));
  return Write(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_TRY(Row row, FindRole(db, Account(c), RoleNameOf(in)));
    GUREUM_RETURN_IF_ERROR(Run(db,
                               "UPDATE iam_roles SET trust = ? WHERE account_id = ? AND name = ?",
                               trust, Account(c), row[0]));
    return json::object();
  });
}

Result<json> DeleteRole(IamState& s, const service::RequestContext& c, const json& in) {
  return Write(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_TRY(Row row, FindRole(db, Account(c), RoleNameOf(in)));
    GUREUM_RETURN_IF_ERROR(RequireNoPolicies(db, Account(c), Holder::Role, row[0]));
    GUREUM_RETURN_IF_ERROR(
        Run(db, "DELETE FROM iam_roles WHERE account_id = ? AND name = ?", Account(c), row[0]));
    return json::object();
  });
}

}  // namespace

void AddRoleOperations(std::shared_ptr<IamState> state, Ops& ops) {
  Add(ops, state, "CreateRole", CreateRole);
  Add(ops, state, "GetRole", GetRole);
  Add(ops, state, "ListRoles", ListRoles);
  Add(ops, state, "UpdateRole", UpdateRole);
  Add(ops, state, "UpdateAssumeRolePolicy", UpdateAssumeRolePolicy);
  Add(ops, state, "DeleteRole", DeleteRole);
}

}  // namespace gureum::iam::api
