#include "iam/simulation.h"

namespace gureum::iam {
namespace {

using nlohmann::json;

AwsError CaseError(std::string message) {
  return AwsError(ErrorCode::InvalidParameterValue, std::move(message));
}

// Prefixes a policy error with where the policy sits in the case.
Result<Policy> ParseAt(const json& doc, PolicyKind kind, const std::string& where) {
  auto policy = ParsePolicy(doc, kind);
  if (!policy) {
    AwsError e = policy.error();
    return Fail(AwsError(e.code(), where + ": " + e.message(), e.http_status()));
  }
  return policy;
}

Result<std::optional<Policy>> OptionalPolicy(const json& c, const char* field, PolicyKind kind) {
  auto it = c.find(field);
  if (it == c.end() || it->is_null()) return std::optional<Policy>();
  GUREUM_TRY(auto policy, ParseAt(*it, kind, field));
  return std::optional<Policy>(std::move(policy));
}

Result<std::vector<Policy>> PolicyList(const json& c, const char* field, PolicyKind kind) {
  std::vector<Policy> out;
  auto it = c.find(field);
  if (it == c.end() || it->is_null()) return out;
  if (!it->is_array()) return Fail(CaseError(std::string(field) + " must be an array of policies"));
  for (size_t i = 0; i < it->size(); ++i) {
    GUREUM_TRY(auto policy,
               ParseAt((*it)[i], kind, std::string(field) + "[" + std::to_string(i) + "]"));
    out.push_back(std::move(policy));
  }
  return out;
}

Result<std::string> StringField(const json& r, const char* field, bool required) {
  auto it = r.find(field);
  if (it == r.end() || it->is_null()) {
    if (required) return Fail(CaseError(std::string("request.") + field + " is required"));
    return std::string();
  }
  if (!it->is_string())
    return Fail(CaseError(std::string("request.") + field + " must be a string"));
  return it->get<std::string>();
}

// A context value is a string or a list of strings. Numbers and booleans are taken as their
// JSON text, since that is how AWS renders them in a request context.
Result<std::vector<std::string>> ContextValues(const std::string& key, const json& value) {
  std::vector<std::string> out;
  auto one = [&](const json& v) -> Status {
    if (v.is_string()) {
      out.push_back(v.get<std::string>());
    } else if (v.is_boolean() || v.is_number()) {
      out.push_back(v.dump());
    } else {
      return Fail(CaseError("request.context." + key + " must be a string or a list of strings"));
    }
    return Ok();
  };
  if (value.is_array()) {
    for (const auto& v : value) GUREUM_RETURN_IF_ERROR(one(v));
  } else {
    GUREUM_RETURN_IF_ERROR(one(value));
  }
  return out;
}

}  // namespace

std::string SimulationCaseId(const json& j) {
  if (!j.is_object()) return "";
  auto it = j.find("id");
  if (it == j.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

Result<SimulationCase> ParseSimulationCase(const json& j) {
  if (!j.is_object()) return Fail(CaseError("a case must be a JSON object"));
  SimulationCase c;
  c.id = SimulationCaseId(j);
  GUREUM_TRY(c.policies.identity, PolicyList(j, "identityPolicies", PolicyKind::Identity));
  GUREUM_TRY(c.policies.resource, OptionalPolicy(j, "resourcePolicy", PolicyKind::Resource));
  GUREUM_TRY(c.policies.boundary,
             OptionalPolicy(j, "permissionBoundary", PolicyKind::PermissionBoundary));
  GUREUM_TRY(c.policies.session, OptionalPolicy(j, "sessionPolicy", PolicyKind::Session));
  GUREUM_TRY(c.policies.scps, PolicyList(j, "scps", PolicyKind::ServiceControl));

  auto r = j.find("request");
  if (r == j.end() || !r->is_object()) return Fail(CaseError("request must be an object"));
  GUREUM_TRY(c.request.principal, StringField(*r, "principal", true));
  GUREUM_TRY(c.request.principal_account, StringField(*r, "principalAccount", false));
  GUREUM_TRY(c.request.action, StringField(*r, "action", true));
  GUREUM_TRY(c.request.resource, StringField(*r, "resource", false));
  if (c.request.resource.empty()) c.request.resource = "*";
  GUREUM_TRY(c.request.resource_account, StringField(*r, "resourceAccount", false));
  if (auto ctx = r->find("context"); ctx != r->end() && !ctx->is_null()) {
    if (!ctx->is_object()) return Fail(CaseError("request.context must be an object"));
    for (const auto& [key, value] : ctx->items()) {
      GUREUM_TRY(auto values, ContextValues(key, value));
      c.request.context.Set(key, std::move(values));
    }
  }
  return c;
}

Evaluation Simulate(const SimulationCase& c, bool explain) {
  return Evaluate(c.policies, c.request, explain);
}

}  // namespace gureum::iam
