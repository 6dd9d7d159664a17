// Inline policies embedded in users, groups and roles: Put*Policy, Get*Policy, Delete*Policy,
// List*Policies, one template per holder kind.

#include "gureum/core/encoding.h"

#include "iam/policy_document.h"
#include "iam/service/iam_store.h"

namespace gureum::iam::api {
namespace {

template <Holder H>
Result<json> PutPolicy(IamState& s, const service::RequestContext& c, const json& in) {
  std::string holder = in.value(HolderMember(H), std::string());
  std::string name = in.value("PolicyName", std::string());
  std::string document = in.value("PolicyDocument", std::string());
  GUREUM_RETURN_IF_ERROR(ValidateName(name, "policyName", 128));
  GUREUM_TRY(auto parsed, ParsePolicyText(document, PolicyKind::Identity));
  (void)parsed;
  return Write(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_RETURN_IF_ERROR(RequireHolder(db, Account(c), H, holder));
    // Putting an existing name replaces its document, as in IAM.
    GUREUM_RETURN_IF_ERROR(Run(db,
                               "INSERT INTO iam_inline_policies (account_id, holder, holder_name, "
                               "name, document) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET "
                               "document = excluded.document",
                               Account(c), HolderName(H), holder, name, document));
    return json::object();
  });
}

template <Holder H>
AwsError NoSuchPolicy(std::string_view name) {
  return NoSuchEntity("The " + std::string(HolderName(H)) + " policy with name " +
                      std::string(name) + " cannot be found.");
}

template <Holder H>
Result<json> GetPolicy(IamState& s, const service::RequestContext& c, const json& in) {
  std::string holder = in.value(HolderMember(H), std::string());
  std::string name = in.value("PolicyName", std::string());
  return Read(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_RETURN_IF_ERROR(RequireHolder(db, Account(c), H, holder));
    GUREUM_TRY(auto rows, Query(db, 3,
                                "SELECT holder_name, name, document FROM iam_inline_policies "
                                "WHERE account_id = ? AND holder = ? AND holder_name = ? AND "
                                "name = ?",
                                Account(c), HolderName(H), holder, name));
    if (rows.empty()) return Fail(NoSuchPolicy<H>(name));
    // IAM returns policy documents URL-encoded; the SDKs decode them.
    return json{{HolderMember(H), rows[0][0]},
                {"PolicyName", rows[0][1]},
                {"PolicyDocument", UriEncode(rows[0][2], true)}};
  });
}

template <Holder H>
Result<json> DeletePolicy(IamState& s, const service::RequestContext& c, const json& in) {
  std::string holder = in.value(HolderMember(H), std::string());
  std::string name = in.value("PolicyName", std::string());
  return Write(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_RETURN_IF_ERROR(RequireHolder(db, Account(c), H, holder));
    GUREUM_TRY(auto deleted, Exec(db,
                                  "DELETE FROM iam_inline_policies WHERE account_id = ? AND "
                                  "holder = ? AND holder_name = ? AND name = ?",
                                  Account(c), HolderName(H), holder, name));
    if (deleted == 0) return Fail(NoSuchPolicy<H>(name));
    return json::object();
  });
}

template <Holder H>
Result<json> ListPolicies(IamState& s, const service::RequestContext& c, const json& in) {
  std::string holder = in.value(HolderMember(H), std::string());
  return Read(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_RETURN_IF_ERROR(RequireHolder(db, Account(c), H, holder));
    GUREUM_TRY(auto rows, Query(db, 1,
                                "SELECT name FROM iam_inline_policies WHERE account_id = ? AND "
                                "holder = ? AND holder_name = ? ORDER BY name COLLATE BINARY",
                                Account(c), HolderName(H), holder));
    std::vector<json> names;
    for (const auto& row : rows) names.push_back({{"Name", row[0]}});
    json out = json::object();
    Page(in, std::move(names), "Name", "PolicyNames", out);
    for (auto& entry : out["PolicyNames"]) entry = entry["Name"];
    return out;
  });
}

}  // namespace

void AddInlinePolicyOperations(std::shared_ptr<IamState> state, Ops& ops) {
  Add(ops, state, "PutUserPolicy", PutPolicy<Holder::User>);
  Add(ops, state, "GetUserPolicy", GetPolicy<Holder::User>);
  Add(ops, state, "DeleteUserPolicy", DeletePolicy<Holder::User>);
  Add(ops, state, "ListUserPolicies", ListPolicies<Holder::User>);
  Add(ops, state, "PutGroupPolicy", PutPolicy<Holder::Group>);
  Add(ops, state, "GetGroupPolicy", GetPolicy<Holder::Group>);
  Add(ops, state, "DeleteGroupPolicy", DeletePolicy<Holder::Group>);
  Add(ops, state, "ListGroupPolicies", ListPolicies<Holder::Group>);
  Add(ops, state, "PutRolePolicy", PutPolicy<Holder::Role>);
  Add(ops, state, "GetRolePolicy", GetPolicy<Holder::Role>);
  Add(ops, state, "DeleteRolePolicy", DeletePolicy<Holder::Role>);
  Add(ops, state, "ListRolePolicies", ListPolicies<Holder::Role>);
}

}  // namespace gureum::iam::api
