#include "iam/service/iam_store.h"

#include <algorithm>
#include <array>
#include <set>

#include "gureum/core/ids.h"
#include "gureum/core/time_format.h"

#include "iam/service/aws_managed_policies.h"

namespace gureum::iam::api {
namespace {

// Names are unique per account regardless of case, as in IAM ("Alice" collides with "alice").
constexpr std::array kMigrations = {
    catalog::Migration{1, R"sql(
      CREATE TABLE iam_users (
        account_id TEXT NOT NULL, name TEXT NOT NULL COLLATE NOCASE, id TEXT NOT NULL,
        path TEXT NOT NULL, created TEXT NOT NULL, tags TEXT NOT NULL DEFAULT '[]',
        boundary TEXT, PRIMARY KEY (account_id, name));
      CREATE TABLE iam_access_keys (
        access_key_id TEXT PRIMARY KEY, account_id TEXT NOT NULL, user_name TEXT NOT NULL,
        secret TEXT NOT NULL, status TEXT NOT NULL, created TEXT NOT NULL,
        last_used TEXT, last_service TEXT, last_region TEXT);
      CREATE INDEX iam_access_keys_user ON iam_access_keys (account_id, user_name);
      CREATE TABLE iam_groups (
        account_id TEXT NOT NULL, name TEXT NOT NULL COLLATE NOCASE, id TEXT NOT NULL,
        path TEXT NOT NULL, created TEXT NOT NULL, PRIMARY KEY (account_id, name));
      CREATE TABLE iam_group_members (
        account_id TEXT NOT NULL, group_name TEXT NOT NULL COLLATE NOCASE,
        user_name TEXT NOT NULL COLLATE NOCASE, PRIMARY KEY (account_id, group_name, user_name));
      CREATE TABLE iam_roles (
        account_id TEXT NOT NULL, name TEXT NOT NULL COLLATE NOCASE, id TEXT NOT NULL,
        path TEXT NOT NULL, created TEXT NOT NULL, trust TEXT NOT NULL, description TEXT,
        max_session INTEGER NOT NULL, tags TEXT NOT NULL DEFAULT '[]', boundary TEXT,
        PRIMARY KEY (account_id, name));
      CREATE TABLE iam_policies (
        account_id TEXT NOT NULL, name TEXT NOT NULL COLLATE NOCASE, id TEXT NOT NULL,
        path TEXT NOT NULL, created TEXT NOT NULL, updated TEXT NOT NULL,
        default_version TEXT NOT NULL, next_version INTEGER NOT NULL, description TEXT,
        tags TEXT NOT NULL DEFAULT '[]', arn TEXT NOT NULL UNIQUE,
        PRIMARY KEY (account_id, name));
      CREATE TABLE iam_policy_versions (
        policy_arn TEXT NOT NULL, version_id TEXT NOT NULL, document TEXT NOT NULL,
        created TEXT NOT NULL, PRIMARY KEY (policy_arn, version_id));
      CREATE TABLE iam_attachments (
        account_id TEXT NOT NULL, holder TEXT NOT NULL, holder_name TEXT NOT NULL COLLATE NOCASE,
        policy_arn TEXT NOT NULL, PRIMARY KEY (account_id, holder, holder_name, policy_arn));
      CREATE INDEX iam_attachments_policy ON iam_attachments (policy_arn);
      CREATE TABLE iam_inline_policies (
        account_id TEXT NOT NULL, holder TEXT NOT NULL, holder_name TEXT NOT NULL COLLATE NOCASE,
        name TEXT NOT NULL COLLATE NOCASE, document TEXT NOT NULL,
        PRIMARY KEY (account_id, holder, holder_name, name));
    )sql"},
};

constexpr std::array<std::string_view, 9> kTables = {
    "iam_users",    "iam_access_keys",     "iam_groups",      "iam_group_members",  "iam_roles",
    "iam_policies", "iam_policy_versions", "iam_attachments", "iam_inline_policies"};

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("_+=,.@-").find(c) != std::string_view::npos;
}

AwsError Validation(std::string message) {
  return AwsError(ErrorCode::ValidationError, std::move(message));
}

}  // namespace

Status Migrate(catalog::Catalog& catalog) {
  auto status = catalog.Migrate("iam", kMigrations);
  if (!status) return Fail(catalog::ToAwsError(status.error()));
  return Ok();
}

Status Reset(catalog::Catalog& catalog) {
  return catalog.Write([](catalog::Connection& db) -> Status {
    for (auto table : kTables) {
      if (auto r = db.Exec("DELETE FROM " + std::string(table)); !r) {
        return Fail(catalog::ToAwsError(r.error()));
      }
    }
    return Ok();
  });
}

std::string NewUniqueId(std::string_view prefix) {
  return std::string(prefix) + RandomChars(17, kUpperAlnum);
}

std::string Arn(std::string_view account, std::string_view kind, std::string_view path,
                std::string_view name) {
  return "arn:aws:iam::" + std::string(account) + ":" + std::string(kind) + std::string(path) +
         std::string(name);
}

std::string Iso8601(Clock::TimePoint t) {
  return FormatIso8601(std::chrono::time_point_cast<std::chrono::seconds>(t));
}

Status ValidateName(std::string_view value, std::string_view member, size_t max) {
  if (value.empty() || value.size() > max) {
    return Fail(Validation("1 validation error detected: Value '" + std::string(value) + "' at '" +
                           std::string(member) +
                           "' failed to satisfy constraint: Member must have length less than "
                           "or equal to " +
                           std::to_string(max)));
  }
  if (!std::all_of(value.begin(), value.end(), IsNameChar)) {
    return Fail(Validation("1 validation error detected: Value '" + std::string(value) + "' at '" +
                           std::string(member) +
                           "' failed to satisfy constraint: Member must satisfy regular "
                           "expression pattern: [\\w+=,.@-]+"));
  }
  return Ok();
}

Status ValidatePath(std::string_view value) {
  bool printable =
      std::all_of(value.begin(), value.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
  if (value.empty() || value.size() > 512 || value.front() != '/' || value.back() != '/' ||
      !printable) {
    return Fail(Validation(
        "The specified value for path is invalid. It must begin and end with / and contain only "
        "alphanumeric characters and/or / characters."));
  }
  return Ok();
}

Result<std::string> PathOf(const json& input, std::string_view member) {
  std::string path = input.value(std::string(member), std::string("/"));
  GUREUM_RETURN_IF_ERROR(ValidatePath(path));
  return path;
}

AwsError NoSuchEntity(std::string message) {
  return AwsError("NoSuchEntity", std::move(message), 404);
}
AwsError EntityAlreadyExists(std::string message) {
  return AwsError("EntityAlreadyExists", std::move(message), 409);
}
AwsError DeleteConflict(std::string message) {
  return AwsError("DeleteConflict", std::move(message), 409);
}
AwsError LimitExceeded(std::string message) {
  return AwsError("LimitExceeded", std::move(message), 409);
}

void Page(const json& input, std::vector<json> items, std::string_view key,
          std::string_view list_member, json& out) {
  // The marker is the last key returned: opaque to clients, stable across inserts.
  std::string marker = input.value("Marker", std::string());
  size_t max_items = input.value("MaxItems", 100);
  if (max_items == 0) max_items = 100;
  auto key_of = [&](const json& item) { return item.value(std::string(key), std::string()); };
  auto begin = items.begin();
  if (!marker.empty()) {
    // Resume after the marked item; if it went away meanwhile, after where it sorted.
    begin = std::find_if(items.begin(), items.end(),
                         [&](const json& item) { return key_of(item) == marker; });
    if (begin != items.end()) {
      ++begin;
    } else {
      begin = std::find_if(items.begin(), items.end(),
                           [&](const json& item) { return key_of(item) > marker; });
    }
  }
  json page = json::array();
  for (auto it = begin; it != items.end(); ++it) {
    if (page.size() == max_items) {
      out["IsTruncated"] = true;
      out["Marker"] = key_of(page.back());
      out[std::string(list_member)] = std::move(page);
      return;
    }
    page.push_back(std::move(*it));
  }
  out["IsTruncated"] = false;
  out[std::string(list_member)] = std::move(page);
}

Result<json> ValidTags(const json& tags) {
  return MergeTags(json::array(), tags.is_array() ? tags : json::array());
}

Result<json> MergeTags(const json& current, const json& add) {
  json out = current.is_array() ? current : json::array();
  std::set<std::string> seen;
  for (const auto& tag : add) {
    std::string key = tag.value("Key", std::string());
    if (!seen.insert(key).second) {
      return Fail(AwsError("InvalidInput",
                           "Duplicate tag keys found. Please note that Tag keys "
                           "are case insensitive.",
                           400));
    }
    auto same = std::find_if(out.begin(), out.end(),
                             [&](const json& t) { return t.value("Key", std::string()) == key; });
    json entry{{"Key", key}, {"Value", tag.value("Value", std::string())}};
    if (same != out.end()) {
      *same = std::move(entry);
    } else {
      out.push_back(std::move(entry));
    }
  }
  if (out.size() > 50) {
    return Fail(LimitExceeded("The number of tags has reached the maximum limit."));
  }
  return out;
}

json RemoveTags(const json& current, const json& keys) {
  json out = json::array();
  for (const auto& tag : current) {
    std::string key = tag.value("Key", std::string());
    bool removed = std::any_of(keys.begin(), keys.end(), [&](const json& k) {
      return k.is_string() && k.get<std::string>() == key;
    });
    if (!removed) out.push_back(tag);
  }
  return out;
}

json ParseJsonOr(std::string_view text, json fallback) {
  json parsed = json::parse(text, nullptr, false);
  return parsed.is_discarded() ? fallback : parsed;
}

Result<bool> PolicyExists(catalog::Connection& db, std::string_view account, std::string_view arn) {
  if (FindAwsManagedPolicy(arn) != nullptr) return true;
  GUREUM_TRY(auto rows, Query(db, 1,
                              "SELECT name FROM iam_policies WHERE account_id = ? AND "
                              "arn = ?",
                              account, arn));
  return !rows.empty();
}

Result<json> Boundary(catalog::Connection& db, std::string_view account, const json& input) {
  if (!input.contains("PermissionsBoundary")) return json();
  std::string arn = input["PermissionsBoundary"].get<std::string>();
  GUREUM_TRY(bool exists, PolicyExists(db, account, arn));
  if (!exists) {
    return Fail(AwsError("InvalidInput", "ARN " + arn + " is not valid.", 400));
  }
  return json(arn);
}

json BoundaryJson(std::string_view arn) {
  if (arn.empty()) return json();
  return json{{"PermissionsBoundaryType", "Policy"}, {"PermissionsBoundaryArn", arn}};
}

std::string_view HolderName(Holder h) {
  switch (h) {
    case Holder::User:
      return "user";
    case Holder::Group:
      return "group";
    case Holder::Role:
      return "role";
  }
  return "user";
}

std::string HolderMember(Holder h) {
  std::string name(HolderName(h));
  name[0] = static_cast<char>(name[0] - 'a' + 'A');
  return name + "Name";
}

Status RequireHolder(catalog::Connection& db, std::string_view account, Holder h,
                     std::string_view name) {
  std::string table = "iam_" + std::string(HolderName(h)) + "s";
  auto rows = Query(db, 1, "SELECT name FROM " + table + " WHERE account_id = ? AND name = ?",
                    account, name);
  if (!rows) return Fail(rows.error());
  if (rows->empty()) {
    return Fail(NoSuchEntity("The " + std::string(HolderName(h)) + " with name " +
                             std::string(name) + " cannot be found."));
  }
  return Ok();
}

Status RequireNone(catalog::Connection& db, const std::string& count_sql, std::string_view account,
                   std::string_view name, std::string_view message) {
  GUREUM_TRY(auto count, Query(db, 1, count_sql, account, name));
  if (count[0][0] != "0") return Fail(DeleteConflict(std::string(message)));
  return Ok();
}

Status RequireNoPolicies(catalog::Connection& db, std::string_view account, Holder h,
                         std::string_view name) {
  std::string holder = "holder = '" + std::string(HolderName(h)) + "' AND holder_name = ?";
  GUREUM_RETURN_IF_ERROR(
      RequireNone(db, "SELECT count(*) FROM iam_inline_policies WHERE account_id = ? AND " + holder,
                  account, name, "Cannot delete entity, must delete policies first."));
  return RequireNone(db, "SELECT count(*) FROM iam_attachments WHERE account_id = ? AND " + holder,
                     account, name, "Cannot delete entity, must detach all policies first.");
}

void Add(Ops& ops, const std::shared_ptr<IamState>& state, std::string name, Handler fn) {
  service::OperationSpec spec;
  spec.name = std::move(name);
  spec.handler = [state, fn](const service::RequestContext& c, const json& in) {
    return fn(*state, c, in);
  };
  ops.push_back(std::move(spec));
}

}  // namespace gureum::iam::api
