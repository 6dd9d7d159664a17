#include "iam/policy_document.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "gureum/core/encoding.h"

#include "iam/malformed.h"

namespace gureum::iam {
namespace {

using nlohmann::json;

bool IsIdentityKind(PolicyKind kind) { return kind != PolicyKind::Resource; }

size_t CountNonWhitespace(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return !std::isspace(static_cast<unsigned char>(c));
  }));
}

// A string or a non-empty array of strings.
Result<std::vector<std::string>> Strings(const json& value) {
  std::vector<std::string> out;
  if (value.is_string()) {
    out.push_back(value.get<std::string>());
    return out;
  }
  if (!value.is_array()) return Fail(MalformedPolicy(kSyntaxErrors));
  for (const auto& v : value) {
    if (!v.is_string()) return Fail(MalformedPolicy(kSyntaxErrors));
    out.push_back(v.get<std::string>());
  }
  return out;
}

Status CheckAction(const std::string& action) {
  if (action == "*") return Ok();
  size_t colon = action.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == action.size()) {
    return Fail(
        MalformedPolicy("Actions/Conditions must be prefaced by a vendor, e.g., iam, "
                        "sdb, ec2, etc."));
  }
  std::string_view vendor = std::string_view(action).substr(0, colon);
  if (!std::all_of(vendor.begin(), vendor.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
      })) {
    return Fail(MalformedPolicy("Vendor " + std::string(vendor) + " is not valid"));
  }
  return Ok();
}

Status CheckResource(const std::string& resource, PolicyKind kind) {
  if (resource == "*") return Ok();
  if (StartsWith(resource, "arn:") && std::count(resource.begin(), resource.end(), ':') >= 5) {
    return Ok();
  }
  if (kind == PolicyKind::Resource) return Fail(MalformedPolicy("Policy has invalid resource"));
  return Fail(MalformedPolicy("Resource " + resource + " must be in ARN format or \"*\"."));
}

Result<Statement> ParseStatement(const json& s, PolicyKind kind) {
  if (!s.is_object()) return Fail(MalformedPolicy(kSyntaxErrors));
  static const std::set<std::string, std::less<>> kElements = {
      "Sid",       "Effect",   "Principal",   "NotPrincipal", "Action",
      "NotAction", "Resource", "NotResource", "Condition"};
  for (const auto& [name, value] : s.items()) {
    if (!kElements.contains(name)) {
      return Fail(MalformedPolicy("Syntax errors in policy. Unknown field " + name));
    }
  }
  Statement out;
  if (auto it = s.find("Sid"); it != s.end()) {
    if (!it->is_string()) return Fail(MalformedPolicy(kSyntaxErrors));
    out.sid = it->get<std::string>();
    // IAM (not S3) restricts statement ids to letters and digits.
    if (IsIdentityKind(kind) && !std::all_of(out.sid.begin(), out.sid.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c));
        })) {
      return Fail(
          MalformedPolicy("Statement IDs (SID) must be alpha-numeric. Check that your "
                          "input satisfies the regular expression [0-9A-Za-z]*"));
    }
  }

  auto effect = s.find("Effect");
  if (effect == s.end()) return Fail(MalformedPolicy("Missing required field Effect"));
  if (*effect == "Allow") {
    out.effect = Effect::Allow;
  } else if (*effect == "Deny") {
    out.effect = Effect::Deny;
  } else {
    // IAM's answer for "allow", "ALLOW" and other effects.
    return Fail(MalformedPolicy("The policy failed legacy parsing"));
  }

  bool action = s.contains("Action"), not_action = s.contains("NotAction");
  if (action && not_action) return Fail(MalformedPolicy(kSyntaxErrors));
  if (!action && !not_action)
    return Fail(MalformedPolicy("Policy statement must contain actions."));
  out.not_action = not_action;
  GUREUM_TRY(out.actions, Strings(s.at(action ? "Action" : "NotAction")));
  if (out.actions.empty()) return Fail(MalformedPolicy("Policy statement must contain actions."));
  for (const auto& a : out.actions) GUREUM_RETURN_IF_ERROR(CheckAction(a));

  bool resource = s.contains("Resource"), not_resource = s.contains("NotResource");
  if (resource && not_resource) return Fail(MalformedPolicy(kSyntaxErrors));
  out.has_resource = resource || not_resource;
  // Trust policies (resource policies of roles) name no resource; every other kind must.
  if (!out.has_resource && kind != PolicyKind::Resource) {
    return Fail(MalformedPolicy("Policy statement must contain resources."));
  }
  if (out.has_resource) {
    out.not_resource = not_resource;
    GUREUM_TRY(out.resources, Strings(s.at(resource ? "Resource" : "NotResource")));
    if (out.resources.empty()) {
      return Fail(MalformedPolicy("Policy statement must contain resources."));
    }
    for (const auto& r : out.resources) GUREUM_RETURN_IF_ERROR(CheckResource(r, kind));
  }

  bool principal = s.contains("Principal"), not_principal = s.contains("NotPrincipal");
  if (IsIdentityKind(kind) && (principal || not_principal)) {
    return Fail(MalformedPolicy(std::string("Has prohibited field ") +
                                (principal ? "Principal" : "NotPrincipal")));
  }
  if (kind == PolicyKind::Resource) {
    if (principal && not_principal) return Fail(MalformedPolicy(kSyntaxErrors));
    if (!principal && !not_principal) {
      return Fail(MalformedPolicy("Missing required field Principal"));
    }
    out.not_principal = not_principal;
    GUREUM_TRY(out.principal, ParsePrincipal(s.at(principal ? "Principal" : "NotPrincipal")));
  }

  if (auto it = s.find("Condition"); it != s.end()) {
    GUREUM_TRY(out.conditions, ParseConditionBlock(*it));
  }
  return out;
}

}  // namespace

size_t PolicySizeLimit(PolicyKind kind) {
  switch (kind) {
    case PolicyKind::Identity:
      return 10240;  // a role's inline policies; managed policies stop at 6144
    case PolicyKind::Resource:
      return 20480;  // S3 bucket policies
    case PolicyKind::PermissionBoundary:
      return 6144;  // boundaries are managed policies
    case PolicyKind::Session:
      return 2048;  // AssumeRole's inline session policy
    case PolicyKind::ServiceControl:
      return 5120;  // Organizations SCPs
  }
  return 6144;
}

Result<Policy> ParsePolicyText(std::string_view text, PolicyKind kind) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) return Fail(MalformedPolicy(kSyntaxErrors));
  if (CountNonWhitespace(text) > PolicySizeLimit(kind)) {
    return Fail(MalformedPolicy("Cannot exceed quota for PolicySize: " +
                                std::to_string(PolicySizeLimit(kind))));
  }
  return ParsePolicy(doc, kind);
}

Result<Policy> ParsePolicy(const json& document, PolicyKind kind) {
  if (document.is_string()) return ParsePolicyText(document.get_ref<const std::string&>(), kind);
  if (!document.is_object()) return Fail(MalformedPolicy(kSyntaxErrors));
  std::string compact = document.dump();
  if (compact.size() > PolicySizeLimit(kind)) {
    return Fail(MalformedPolicy("Cannot exceed quota for PolicySize: " +
                                std::to_string(PolicySizeLimit(kind))));
  }
  Policy policy;
  policy.version = "2008-10-17";
  for (const auto& [name, value] : document.items()) {
    if (name == "Version") {
      if (!value.is_string()) return Fail(MalformedPolicy(kSyntaxErrors));
      policy.version = value.get<std::string>();
      if (policy.version != "2012-10-17" && policy.version != "2008-10-17") {
        return Fail(MalformedPolicy("The policy failed legacy parsing"));
      }
    } else if (name == "Id") {
      if (!value.is_string()) return Fail(MalformedPolicy(kSyntaxErrors));
      policy.id = value.get<std::string>();
    } else if (name != "Statement") {
      return Fail(MalformedPolicy("Syntax errors in policy. Unknown field " + name));
    }
  }
  auto statements = document.find("Statement");
  if (statements == document.end())
    return Fail(MalformedPolicy("Missing required field Statement"));
  const json list = statements->is_array() ? *statements : json::array({*statements});
  if (!statements->is_array() && !statements->is_object()) {
    return Fail(MalformedPolicy(kSyntaxErrors));
  }
  std::set<std::string> sids;
  for (const auto& s : list) {
    GUREUM_TRY(auto statement, ParseStatement(s, kind));
    if (!statement.sid.empty() && !sids.insert(statement.sid).second) {
      return Fail(MalformedPolicy("Statement IDs (SID) in a single policy must be unique."));
    }
    policy.statements.push_back(std::move(statement));
  }
  return policy;
}

}  // namespace gureum::iam
