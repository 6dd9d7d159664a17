#pragma once
// Shared internals of the IAM API (users, keys, groups, policies, roles): the catalog tables,
// small SQL helpers, id/ARN formats, name validation and AWS's error shapes. Handlers take and
// return the IAM model's JSON view; nothing here knows the Query wire protocol.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gureum/auth/credential_store.h"
#include "gureum/catalog/catalog.h"
#include "gureum/core/error.h"
#include "gureum/service/service.h"

namespace gureum::iam::api {

using nlohmann::json;

// A row of text columns (NULL reads as "").
using Row = std::vector<std::string>;

// The module's state: the catalog and the credential cache to invalidate when keys change.
struct IamState {
  catalog::Catalog& catalog;
  auth::CredentialStore& credentials;
};

Status Migrate(catalog::Catalog& catalog);
Status Reset(catalog::Catalog& catalog);

// Runs `sql` with `args` bound in order; returns every row's first `columns` columns.
template <class... Args>
Result<std::vector<Row>> Query(catalog::Connection& db, int columns, const std::string& sql,
                               const Args&... args) {
  auto s = db.Prepare(sql);
  if (!s) return Fail(catalog::ToAwsError(s.error()));
  (*s)->BindAll(args...);
  std::vector<Row> rows;
  for (;;) {
    auto step = (*s)->Step();
    if (!step) return Fail(catalog::ToAwsError(step.error()));
    if (!*step) break;
    Row row;
    for (int i = 0; i < columns; ++i) {
      row.push_back((*s)->IsNull(i) ? std::string() : (*s)->Text(i));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// Runs a statement without rows; returns the number of rows it changed.
template <class... Args>
Result<int64_t> Exec(catalog::Connection& db, const std::string& sql, const Args&... args) {
  auto s = db.Prepare(sql);
  if (!s) return Fail(catalog::ToAwsError(s.error()));
  (*s)->BindAll(args...);
  if (auto r = (*s)->Run(); !r) return Fail(catalog::ToAwsError(r.error()));
  return db.changes();
}

// Exec for statements whose change count does not matter.
template <class... Args>
Status Run(catalog::Connection& db, const std::string& sql, const Args&... args) {
  auto changed = Exec(db, sql, args...);
  if (!changed) return Fail(changed.error());
  return Ok();
}

// --- formats -------------------------------------------------------------------------------
// A unique id as IAM mints them: a 4-letter prefix (AIDA, AGPA, AROA, ANPA) and 17 uppercase
// alphanumerics.
std::string NewUniqueId(std::string_view prefix);
std::string Arn(std::string_view account, std::string_view kind, std::string_view path,
                std::string_view name);
std::string Iso8601(Clock::TimePoint t);

// --- validation (AWS's ValidationError texts) ------------------------------------------------
// Names of users, groups, roles and policies: [\w+=,.@-]{1,max}.
Status ValidateName(std::string_view value, std::string_view member, size_t max);
// Paths: "/" or "/.../" of printable ASCII, at most 512 characters.
Status ValidatePath(std::string_view value);
// The optional Path member of `input`, validated; "/" when absent.
Result<std::string> PathOf(const json& input, std::string_view member = "Path");

// --- errors ------------------------------------------------------------------------------
AwsError NoSuchEntity(std::string message);
AwsError EntityAlreadyExists(std::string message);
AwsError DeleteConflict(std::string message);
AwsError LimitExceeded(std::string message);

// --- paging (Marker/MaxItems) ------------------------------------------------------------
// Cuts `items` (already sorted by `key`) after the marker, at MaxItems (default 100), and sets
// IsTruncated/Marker in `out` under `list_member`.
void Page(const json& input, std::vector<json> items, std::string_view key,
          std::string_view list_member, json& out);

// --- tags ------------------------------------------------------------------------------
// Checks Tags (at most 50, unique keys) and returns them as a JSON array.
Result<json> ValidTags(const json& tags);
// Merges `add` into `current` (same keys replaced) and checks the 50-tag limit.
Result<json> MergeTags(const json& current, const json& add);
json RemoveTags(const json& current, const json& keys);
json ParseJsonOr(std::string_view text, json fallback);

// A permissions boundary given as a policy ARN: must name an existing managed policy.
Result<json> Boundary(catalog::Connection& db, std::string_view account, const json& input);
json BoundaryJson(std::string_view arn);

// Whether the managed policy exists (AWS or local) in `account`.
Result<bool> PolicyExists(catalog::Connection& db, std::string_view account, std::string_view arn);

// Users as the other families show them (GetGroup): the columns to SELECT, and a row of them
// as the model's User shape.
inline constexpr int kUserColumns = 6;
extern const std::string kUserColumnsSql;
json UserJson(std::string_view account, const Row& row, bool with_tags);

// Entity kinds that carry attached and inline policies.
enum class Holder { User, Group, Role };
std::string_view HolderName(Holder h);  // "user", "group", "role"
std::string HolderMember(Holder h);     // "UserName", "GroupName", "RoleName"
// NoSuchEntity unless the user, group or role exists.
Status RequireHolder(catalog::Connection& db, std::string_view account, Holder h,
                     std::string_view name);

// DeleteConflict with `message` when `count_sql` (bound to account and name) counts anything.
Status RequireNone(catalog::Connection& db, const std::string& count_sql, std::string_view account,
                   std::string_view name, std::string_view message);
// DeleteConflict while the user, group or role still has inline or attached policies.
Status RequireNoPolicies(catalog::Connection& db, std::string_view account, Holder h,
                         std::string_view name);

// The caller's account (every IAM resource lives in one).
inline const std::string& Account(const service::RequestContext& c) {
  return c.principal.account_id;
}

// Runs `fn(Connection&)` in one write transaction / on a read connection.
template <class F>
Result<json> Write(IamState& s, F&& fn) {
  return s.catalog.Write([&](catalog::Connection& db) -> Result<json> { return fn(db); });
}
template <class F>
Result<json> Read(IamState& s, F&& fn) {
  return s.catalog.Read([&](catalog::Connection& db) -> Result<json> { return fn(db); });
}

// Each resource family adds its operations to the module.
using Ops = std::vector<service::OperationSpec>;
void AddUserOperations(std::shared_ptr<IamState> state, Ops& ops);
void AddAccessKeyOperations(std::shared_ptr<IamState> state, Ops& ops);
void AddGroupOperations(std::shared_ptr<IamState> state, Ops& ops);
void AddPolicyOperations(std::shared_ptr<IamState> state, Ops& ops);
void AddInlinePolicyOperations(std::shared_ptr<IamState> state, Ops& ops);
void AddAttachmentOperations(std::shared_ptr<IamState> state, Ops& ops);
void AddRoleOperations(std::shared_ptr<IamState> state, Ops& ops);
void AddTagOperations(std::shared_ptr<IamState> state, Ops& ops);

// Registers one operation whose handler gets the module's state.
using Handler = Result<json> (*)(IamState&, const service::RequestContext&, const json&);
void Add(Ops& ops, const std::shared_ptr<IamState>& state, std::string name, Handler fn);

}  // namespace gureum::iam::api
