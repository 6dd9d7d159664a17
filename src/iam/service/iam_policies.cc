// Managed policies and their versions: CreatePolicy, GetPolicy, ListPolicies, DeletePolicy,
// CreatePolicyVersion, GetPolicyVersion, ListPolicyVersions, SetDefaultPolicyVersion,
// DeletePolicyVersion. AWS-managed policies are served read-only beside the account's own.

#include "gureum/core/encoding.h"

#include "iam/policy_document.h"
#include "iam/service/aws_managed_policies.h"
#include "iam/service/iam_store.h"

namespace gureum::iam::api {
namespace {

constexpr size_t kMaxVersions = 5;
constexpr int kPolicyColumns = 11;
// How many users and roles of the account use a policy as their permissions boundary, as a SQL
// expression over the given account and ARN expressions.
std::string BoundaryUses(std::string_view account, std::string_view arn) {
  std::string out;
  for (std::string_view table : {"iam_users", "iam_roles"}) {
    if (!out.empty()) out += " + ";
    out += "(SELECT count(*) FROM " + std::string(table) +
           " WHERE account_id = " + std::string(account) + " AND boundary = " + std::string(arn) +
           ")";
  }
  return out;
}

const std::string kPolicySelect =
    "SELECT name, id, path, created, updated, default_version, description, tags, arn, "
    "(SELECT count(*) FROM iam_attachments a WHERE a.policy_arn = p.arn), " +
    BoundaryUses("p.account_id", "p.arn") + " FROM iam_policies p ";

AwsError NoSuchPolicy(std::string_view arn) {
  return NoSuchEntity("Policy " + std::string(arn) + " does not exist or is not attachable.");
}

// AWS-managed policies belong to AWS: accounts can read and attach them, never change them.
AwsError ReadOnly(std::string_view arn, std::string_view action) {
  return AwsError(ErrorCode::AccessDenied,
                  "You are not authorized to perform iam:" + std::string(action) +
                      " on resource: policy " + std::string(arn));
}

json PolicyJson(const Row& r, bool with_details) {
  json policy{{"PolicyName", r[0]},
              {"PolicyId", r[1]},
              {"Arn", r[8]},
              {"Path", r[2]},
              {"DefaultVersionId", r[5]},
              {"AttachmentCount", std::stoi(r[9])},
              {"PermissionsBoundaryUsageCount", std::stoi(r[10])},
              {"IsAttachable", true},
              {"CreateDate", r[3]},
              {"UpdateDate", r[4]}};
  if (with_details) {
    if (!r[6].empty()) policy["Description"] = r[6];
    json tags = ParseJsonOr(r[7], json::array());
    if (!tags.empty()) policy["Tags"] = tags;
  }
  return policy;
}

// The AWS-managed policies as rows of the same shape, with this account's attachment counts.
Result<std::vector<Row>> AwsRows(catalog::Connection& db, std::string_view account) {
  std::vector<Row> rows;
  for (const auto& p : AwsManagedPolicies()) {
    GUREUM_TRY(auto count, Query(db, 2,
                                 "SELECT (SELECT count(*) FROM iam_attachments WHERE account_id = "
                                 "?1 AND policy_arn = ?2), " +
                                     BoundaryUses("?1", "?2"),
                                 account, p.arn()));
    rows.push_back({p.name, p.id, "/", std::string(kAwsPolicyDate), std::string(kAwsPolicyDate),
                    "v1", p.description, "[]", p.arn(), count[0][0], count[0][1]});
  }
  return rows;
}

Result<Row> FindPolicy(catalog::Connection& db, std::string_view account, std::string_view arn) {
  if (FindAwsManagedPolicy(arn) != nullptr) {
    GUREUM_TRY(auto rows, AwsRows(db, account));
    for (auto& row : rows) {
      if (row[8] == arn) return row;
    }
  }
  GUREUM_TRY(auto rows, Query(db, kPolicyColumns,
                              kPolicySelect + "WHERE account_id = ? AND arn = ?", account, arn));
  if (rows.empty()) return Fail(NoSuchPolicy(arn));
  return rows.front();
}

// A local policy (for changes): NoSuchEntity when missing, AccessDenied for AWS-managed.
Result<Row> FindOwnPolicy(catalog::Connection& db, const service::RequestContext& c,
                          std::string_view arn) {
  if (FindAwsManagedPolicy(arn) != nullptr) return Fail(ReadOnly(arn, c.operation));
  return FindPolicy(db, Account(c), arn);
}

Result<std::string> ValidDocument(const json& in) {
  std::string document = in.value("PolicyDocument", std::string());
  GUREUM_TRY(auto parsed, ParsePolicyText(document, PolicyKind::Identity));
  (void)parsed;
  return document;
}

std::string ArnOf(const json& in) { return in.value("PolicyArn", std::string()); }

Result<json> CreatePolicy(IamState& s, const service::RequestContext& c, const json& in) {
  std::string name = in.value("PolicyName", std::string());
  GUREUM_RETURN_IF_ERROR(ValidateName(name, "policyName", 128));
  GUREUM_TRY(std::string path, PathOf(in));
  GUREUM_TRY(std::string document, ValidDocument(in));
  GUREUM_TRY(json tags, ValidTags(in.value("Tags", json::array())));
  std::string arn = Arn(Account(c), "policy", path, name);
  return Write(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_TRY(auto taken, Query(db, 1,
                                 "SELECT arn FROM iam_policies WHERE account_id = ? AND "
                                 "(name = ? OR arn = ?)",
                                 Account(c), name, arn));
    if (!taken.empty()) {
      return Fail(EntityAlreadyExists("A policy called " + name +
                                      " already exists. Duplicate names are not allowed."));
    }
    std::string now = Iso8601(c.now);
    GUREUM_RETURN_IF_ERROR(Run(db,
                               "INSERT INTO iam_policies (account_id, name, id, path, created, "
                               "updated, default_version, next_version, description, tags, arn) "
                               "VALUES (?, ?, ?, ?, ?, ?, 'v1', 2, NULLIF(?, ''), ?, ?)",
                               Account(c), name, NewUniqueId("ANPA"), path, now, now,
                               in.value("Description", std::string()), tags.dump(), arn));
    GUREUM_RETURN_IF_ERROR(Run(db,
                               "INSERT INTO iam_policy_versions (policy_arn, version_id, "
                               "document, created) VALUES (?, 'v1', ?, ?)",
                               arn, document, now));
    GUREUM_TRY(Row row, FindPolicy(db, Account(c), arn));
    return json{{"Policy", PolicyJson(row, true)}};
  });
}

Result<json> GetPolicy(IamState& s, const service::RequestContext& c, const json& in) {
  return Read(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_TRY(Row row, FindPolicy(db, Account(c), ArnOf(in)));
    return json{{"Policy", PolicyJson(row, true)}};
  });
}

Result<json> ListPolicies(IamState& s, const service::RequestContext& c, const json& in) {
  std::string scope = in.value("Scope", std::string("All"));
  bool only_attached = in.value("OnlyAttached", false);
  std::string prefix = in.value("PathPrefix", std::string("/"));
  return Read(s, [&](catalog::Connection& db) -> Result<json> {
    std::vector<Row> rows;
    if (scope != "Local") {
      GUREUM_TRY(rows, AwsRows(db, Account(c)));
    }
    if (scope != "AWS") {
      GUREUM_TRY(auto local,
                 Query(db, kPolicyColumns, kPolicySelect + "WHERE account_id = ? ORDER BY arn",
                       Account(c)));
      rows.insert(rows.end(), local.begin(), local.end());
    }
    std::vector<json> policies;
    for (const auto& row : rows) {
      if (row[2].rfind(prefix, 0) != 0) continue;
      if (only_attached && row[9] == "0") continue;
      policies.push_back(PolicyJson(row, false));
    }
    json out = json::object();
    Page(in, std::move(policies), "Arn", "Policies", out);
    return out;
  });
}

Result<json> DeletePolicy(IamState& s, const service::RequestContext& c, const json& in) {
  return Write(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_TRY(Row row, FindOwnPolicy(db, c, ArnOf(in)));
    if (row[9] != "0") {
      return Fail(DeleteConflict("Cannot delete a policy attached to entities."));
    }
    GUREUM_TRY(auto versions, Query(db, 1,
                                    "SELECT count(*) FROM iam_policy_versions WHERE "
                                    "policy_arn = ?",
                                    row[8]));
    if (versions[0][0] != "1") {
      return Fail(DeleteConflict(
          "This policy has more than one version. Before you delete a policy, you must delete "
          "the policy's versions. The default version is deleted with the policy."));
    }
    GUREUM_RETURN_IF_ERROR(Run(db, "DELETE FROM iam_policy_versions WHERE policy_arn = ?", row[8]));
    GUREUM_RETURN_IF_ERROR(
        Run(db, "DELETE FROM iam_policies WHERE account_id = ? AND arn = ?", Account(c), row[8]));
    return json::object();
  });
}

json VersionJson(const Row& v, std::string_view default_version, bool with_document) {
  json version{
      {"VersionId", v[0]}, {"IsDefaultVersion", v[0] == default_version}, {"CreateDate", v[2]}};
  // IAM returns policy documents URL-encoded; the SDKs decode them.
  if (with_document) version["Document"] = UriEncode(v[1], true);
  return version;
}

Result<json> CreatePolicyVersion(IamState& s, const service::RequestContext& c, const json& in) {
  GUREUM_TRY(std::string document, ValidDocument(in));
  bool set_default = in.value("SetAsDefault", false);
  return Write(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_TRY(Row row, FindOwnPolicy(db, c, ArnOf(in)));
    GUREUM_TRY(auto count, Query(db, 1,
                                 "SELECT count(*) FROM iam_policy_versions WHERE "
                                 "policy_arn = ?",
                                 row[8]));
    if (std::stoul(count[0][0]) >= kMaxVersions) {
      return Fail(LimitExceeded(
          "A managed policy can have up to 5 versions. Before you create a new version, you "
          "must delete an existing version."));
    }
    GUREUM_TRY(auto next,
               Query(db, 1, "SELECT next_version FROM iam_policies WHERE arn = ?", row[8]));
    std::string version = "v" + next[0][0];
    std::string now = Iso8601(c.now);
    GUREUM_RETURN_IF_ERROR(Run(db,
                               "INSERT INTO iam_policy_versions (policy_arn, version_id, "
                               "document, created) VALUES (?, ?, ?, ?)",
                               row[8], version, document, now));
    GUREUM_RETURN_IF_ERROR(Run(db,
                               "UPDATE iam_policies SET next_version = next_version + 1, "
                               "updated = ?, default_version = CASE WHEN ? THEN ? ELSE "
                               "default_version END WHERE arn = ?",
                               now, set_default ? 1 : 0, version, row[8]));
    return json{{"PolicyVersion",
                 VersionJson({version, document, now}, set_default ? version : row[5], false)}};
  });
}

// The versions of a policy (AWS-managed ones have just v1): version id, document, created.
Result<std::vector<Row>> Versions(catalog::Connection& db, const Row& policy) {
  if (const auto* aws = FindAwsManagedPolicy(policy[8])) {
    return std::vector<Row>{{"v1", aws->document, std::string(kAwsPolicyDate)}};
  }
  return Query(db, 3,
               "SELECT version_id, document, created FROM iam_policy_versions WHERE policy_arn = "
               "? ORDER BY CAST(substr(version_id, 2) AS INTEGER) DESC",
               policy[8]);
}

Result<json> GetPolicyVersion(IamState& s, const service::RequestContext& c, const json& in) {
  std::string version_id = in.value("VersionId", std::string());
  return Read(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_TRY(Row policy, FindPolicy(db, Account(c), ArnOf(in)));
    GUREUM_TRY(auto versions, Versions(db, policy));
    for (const auto& v : versions) {
      if (v[0] == version_id) return json{{"PolicyVersion", VersionJson(v, policy[5], true)}};
    }
    return Fail(NoSuchEntity("Policy " + policy[8] + " version " + version_id +
                             " does not exist or is not attachable."));
  });
}

Result<json> ListPolicyVersions(IamState& s, const service::RequestContext& c, const json& in) {
  return Read(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_TRY(Row policy, FindPolicy(db, Account(c), ArnOf(in)));
    GUREUM_TRY(auto versions, Versions(db, policy));
    std::vector<json> out_versions;
    for (const auto& v : versions) out_versions.push_back(VersionJson(v, policy[5], false));
    json out = json::object();
    Page(in, std::move(out_versions), "VersionId", "Versions", out);
    return out;
  });
}

Result<json> SetDefaultPolicyVersion(IamState& s, const service::RequestContext& c,
                                     const json& in) {
  std::string version_id = in.value("VersionId", std::string());
  return Write(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_TRY(Row policy, FindOwnPolicy(db, c, ArnOf(in)));
    GUREUM_TRY(auto found, Query(db, 1,
                                 "SELECT version_id FROM iam_policy_versions WHERE "
                                 "policy_arn = ? AND version_id = ?",
                                 policy[8], version_id));
    if (found.empty()) {
      return Fail(NoSuchEntity("Policy " + policy[8] + " version " + version_id +
                               " does not exist or is not attachable."));
    }
    GUREUM_RETURN_IF_ERROR(Run(db, "UPDATE iam_policies SET default_version = ? WHERE arn = ?",
                               version_id, policy[8]));
    return json::object();
  });
}

Result<json> DeletePolicyVersion(IamState& s, const service::RequestContext& c, const json& in) {
  std::string version_id = in.value("VersionId", std::string());
  return Write(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_TRY(Row policy, FindOwnPolicy(db, c, ArnOf(in)));
    if (version_id == policy[5]) {
      return Fail(DeleteConflict("Cannot delete the default version of a policy."));
    }
    GUREUM_TRY(auto deleted, Exec(db,
                                  "DELETE FROM iam_policy_versions WHERE policy_arn = ? AND "
                                  "version_id = ?",
                                  policy[8], version_id));
    if (deleted == 0) {
      return Fail(NoSuchEntity("Policy " + policy[8] + " version " + version_id +
                               " does not exist or is not attachable."));
    }
    return json::object();
  });
}

}  // namespace

void AddPolicyOperations(std::shared_ptr<IamState> state, Ops& ops) {
  Add(ops, state, "CreatePolicy", CreatePolicy);
  Add(ops, state, "GetPolicy", GetPolicy);
  Add(ops, state, "ListPolicies", ListPolicies);
  Add(ops, state, "DeletePolicy", DeletePolicy);
  Add(ops, state, "CreatePolicyVersion", CreatePolicyVersion);
  Add(ops, state, "GetPolicyVersion", GetPolicyVersion);
  Add(ops, state, "ListPolicyVersions", ListPolicyVersions);
  Add(ops, state, "SetDefaultPolicyVersion", SetDefaultPolicyVersion);
  Add(ops, state, "DeletePolicyVersion", DeletePolicyVersion);
}

}  // namespace gureum::iam::api
