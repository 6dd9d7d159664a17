// Tags on users and roles: Tag*, Untag*, List*Tags. Both keep their tags as a JSON array in
// their row, so one implementation serves both.

#include "iam/service/iam_store.h"

namespace gureum::iam::api {
namespace {

template <Holder H>
std::string Table() {
  return "iam_" + std::string(HolderName(H)) + "s";
}

template <Holder H>
Result<json> CurrentTags(catalog::Connection& db, std::string_view account,
                         const std::string& name) {
  GUREUM_RETURN_IF_ERROR(RequireHolder(db, account, H, name));
  GUREUM_TRY(auto rows,
             Query(db, 1, "SELECT tags FROM " + Table<H>() + " WHERE account_id = ? AND name = ?",
                   account, name));
  return ParseJsonOr(rows[0][0], json::array());
}

// Replaces the entity's tags with `change(current tags)`, in one transaction.
template <Holder H, class F>
Result<json> ChangeTags(IamState& s, const service::RequestContext& c, const json& in, F change) {
  std::string name = in.value(HolderMember(H), std::string());
  return Write(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_TRY(json current, CurrentTags<H>(db, Account(c), name));
    GUREUM_TRY(json changed, change(current));
    GUREUM_RETURN_IF_ERROR(
        Run(db, "UPDATE " + Table<H>() + " SET tags = ? WHERE account_id = ? AND name = ?",
            changed.dump(), Account(c), name));
    return json::object();
  });
}

template <Holder H>
Result<json> TagEntity(IamState& s, const service::RequestContext& c, const json& in) {
  return ChangeTags<H>(s, c, in, [&](const json& current) {
    return MergeTags(current, in.value("Tags", json::array()));
  });
}

template <Holder H>
Result<json> UntagEntity(IamState& s, const service::RequestContext& c, const json& in) {
  return ChangeTags<H>(s, c, in, [&](const json& current) -> Result<json> {
    return RemoveTags(current, in.value("TagKeys", json::array()));
  });
}

template <Holder H>
Result<json> ListEntityTags(IamState& s, const service::RequestContext& c, const json& in) {
  std::string name = in.value(HolderMember(H), std::string());
  return Read(s, [&](catalog::Connection& db) -> Result<json> {
    GUREUM_TRY(json current, CurrentTags<H>(db, Account(c), name));
    json out = json::object();
    Page(in, current.get<std::vector<json>>(), "Key", "Tags", out);
    return out;
  });
}

}  // namespace

void AddTagOperations(std::shared_ptr<IamState> state, Ops& ops) {
  Add(ops, state, "TagUser", TagEntity<Holder::User>);
  Add(ops, state, "UntagUser", UntagEntity<Holder::User>);
  Add(ops, state, "ListUserTags", ListEntityTags<Holder::User>);
  Add(ops, state, "TagRole", TagEntity<Holder::Role>);
  Add(ops, state, "UntagRole", UntagEntity<Holder::Role>);
  Add(ops, state, "ListRoleTags", ListEntityTags<Holder::Role>);
}

}  // namespace gureum::iam::api
