// Managed policies attached to users, groups and roles: Attach*Policy, Detach*Policy,
// ListAttached*Policies, one template per holder kind.

#include "iam/service/iam_store.h"

namespace gureum::iam::api {
namespace {

// IAM's default quota of managed policies per user, group or role.
constexpr size_t kMaxAttached = 10;

template <Holder H>
std::string QuotaName() {
  return H == Holder::User    ? "PoliciesPerUser"
         : H == Holder::Group ? "PoliciesPerGroup"
                              : "PoliciesPerRole";
}

template <Holder H>
Result<json> AttachPolicy(IamState& s, const service::RequestContext& c, const json& in) {
  std::string holder = in.value(HolderMember(H), std::string());
  std::string arn = in.value("PolicyArn", std::string());
  return Write(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_RETURN_IF_ERROR(RequireHolder(db, Account(c), H, holder));
    GUREUM_TRY(bool exists, PolicyExists(db, Account(c), arn));
    if (!exists) {
      return Fail(NoSuchEntity("Policy " + arn + " does not exist or is not attachable."));
    }
    GUREUM_TRY(auto count, Query(db, 1,
                                 "SELECT count(*) FROM iam_attachments WHERE account_id = ? AND "
                                 "holder = ? AND holder_name = ? AND policy_arn <> ?",
                                 Account(c), HolderName(H), holder, arn));
    if (std::stoul(count[0][0]) >= kMaxAttached) {
      return Fail(LimitExceeded("Cannot exceed quota for " + QuotaName<H>() + ": 10"));
    }
    GUREUM_RETURN_IF_ERROR(Run(db,
                               "INSERT OR IGNORE INTO iam_attachments (account_id, holder, "
                               "holder_name, policy_arn) VALUES (?, ?, ?, ?)",
                               Account(c), HolderName(H), holder, arn));
    return json::object();
  });
}

template <Holder H>
Result<json> DetachPolicy(IamState& s, const service::RequestContext& c, const json& in) {
  std::string holder = in.value(HolderMember(H), std::string());
  std::string arn = in.value("PolicyArn", std::string());
  return Write(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_RETURN_IF_ERROR(RequireHolder(db, Account(c), H, holder));
    GUREUM_TRY(auto removed, Exec(db,
                                  "DELETE FROM iam_attachments WHERE account_id = ? AND holder = "
                                  "? AND holder_name = ? AND policy_arn = ?",
                                  Account(c), HolderName(H), holder, arn));
    if (removed == 0) return Fail(NoSuchEntity("Policy " + arn + " was not found."));
    return json::object();
  });
}

template <Holder H>
Result<json> ListAttachedPolicies(IamState& s, const service::RequestContext& c, const json& in) {
  std::string holder = in.value(HolderMember(H), std::string());
  std::string prefix = in.value("PathPrefix", std::string("/"));
  return Read(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_RETURN_IF_ERROR(RequireHolder(db, Account(c), H, holder));
    GUREUM_TRY(auto rows, Query(db, 1,
                                "SELECT policy_arn FROM iam_attachments WHERE account_id = ? AND "
                                "holder = ? AND holder_name = ? ORDER BY policy_arn",
                                Account(c), HolderName(H), holder));
    std::vector<json> attached;
    for (const auto& row : rows) {
      // arn:aws:iam::<account>:policy<path><name>: the path sits between "policy" and the name.
      const std::string& arn = row[0];
      size_t policy = arn.find(":policy/");
      size_t slash = arn.rfind('/');
      std::string path = arn.substr(policy + 7, slash - policy - 6);
      if (path.rfind(prefix, 0) != 0) continue;
      attached.push_back({{"PolicyName", arn.substr(slash + 1)}, {"PolicyArn", arn}});
    }
    json out = json::object();
    Page(in, std::move(attached), "PolicyArn", "AttachedPolicies", out);
    return out;
  });
}

}  // namespace

void AddAttachmentOperations(std::shared_ptr<IamState> state, Ops& ops) {
  Add(ops, state, "AttachUserPolicy", AttachPolicy<Holder::User>);
  Add(ops, state, "DetachUserPolicy", DetachPolicy<Holder::User>);
  Add(ops, state, "ListAttachedUserPolicies", ListAttachedPolicies<Holder::User>);
  Add(ops, state, "AttachGroupPolicy", AttachPolicy<Holder::Group>);
  Add(ops, state, "DetachGroupPolicy", DetachPolicy<Holder::Group>);
  Add(ops, state, "ListAttachedGroupPolicies", ListAttachedPolicies<Holder::Group>);
  Add(ops, state, "AttachRolePolicy", AttachPolicy<Holder::Role>);
  Add(ops, state, "DetachRolePolicy", DetachPolicy<Holder::Role>);
  Add(ops, state, "ListAttachedRolePolicies", ListAttachedPolicies<Holder::Role>);
}

}  // namespace gureum::iam::api
