#include "iam/principal.h"

#include <algorithm>
#include <optional>

#include "gureum/core/encoding.h"

#include "iam/malformed.h"

namespace gureum::iam {
namespace {

struct Arn {
  std::string service, account, resource;  // resource = everything after the fifth colon
};

std::optional<Arn> ParseArn(std::string_view text) {
  if (!StartsWith(text, "arn:")) return std::nullopt;
  std::string_view parts[5];
  size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    size_t colon = text.find(':', start);
    if (colon == std::string_view::npos) return std::nullopt;
    parts[i] = text.substr(start, colon - start);
    start = colon + 1;
  }
  return Arn{std::string(parts[2]), std::string(parts[4]), std::string(text.substr(start))};
}

bool IsAccountId(std::string_view s) {
  return s.size() == 12 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool IsCanonicalId(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string LastSegment(std::string_view path) {
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

bool HasAccountIdentity(const RequestPrincipal& who) {
  switch (who.kind) {
    case PrincipalKind::Root:
    case PrincipalKind::User:
    case PrincipalKind::Role:
    case PrincipalKind::AssumedRole:
    case PrincipalKind::FederatedUser:
      return !who.account.empty();
    default:
      return false;
  }
}

// How one "AWS" entry names the requester.
PrincipalMatch MatchAwsEntry(const std::string& entry, const RequestPrincipal& who) {
  if (entry == "*") return PrincipalMatch::Everyone;
  if (!HasAccountIdentity(who)) return PrincipalMatch::None;
  if (IsAccountId(entry)) {
    return entry == who.account ? PrincipalMatch::Account : PrincipalMatch::None;
  }
  auto arn = ParseArn(entry);
  if (!arn) return PrincipalMatch::None;
  if (arn->service == "iam" && arn->resource == "root") {
    return arn->account == who.account ? PrincipalMatch::Account : PrincipalMatch::None;
  }
  if (entry == who.text) {
    return who.kind == PrincipalKind::Role ? PrincipalMatch::Role : PrincipalMatch::Direct;
  }
  // A role ARN (which may carry a path) names every session of the role; session ARNs have no
  // path, so the role is recognised by account and name.
  if (who.kind == PrincipalKind::AssumedRole && arn->service == "iam" &&
      StartsWith(arn->resource, "role/") && arn->account == who.account &&
      LastSegment(arn->resource) == who.name) {
    return PrincipalMatch::Role;
  }
  return PrincipalMatch::None;
}

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

Result<std::vector<std::string>> StringList(const nlohmann::json& value, const std::string& type) {
  std::vector<std::string> out;
  auto invalid = [&] {
    return Fail(MalformedPolicy("Invalid principal in policy: \"" + type + "\":" + value.dump()));
  };
  if (value.is_string()) {
    out.push_back(value.get<std::string>());
  } else if (value.is_array() && !value.empty()) {
    for (const auto& v : value) {
      if (!v.is_string()) return invalid();
      out.push_back(v.get<std::string>());
    }
  } else {
    return invalid();
  }
  for (const auto& s : out) {
    if (s.empty()) return invalid();
    // AWS entries are "*", an account id or an ARN; anything else is refused.
    if (type == "AWS" && s != "*" && !IsAccountId(s) && !ParseArn(s)) {
      return Fail(MalformedPolicy("Invalid principal in policy: \"AWS\":\"" + s + "\""));
    }
  }
  return out;
}

}  // namespace

RequestPrincipal ClassifyPrincipal(std::string_view principal, std::string_view account) {
  RequestPrincipal who;
  who.text = std::string(principal);
  who.account = std::string(account);
  if (principal == "anonymous" || principal == "*") {
    who.kind = PrincipalKind::Anonymous;
    who.account.clear();
    return who;
  }
  if (auto arn = ParseArn(principal)) {
    if (who.account.empty()) who.account = arn->account;
    const std::string& r = arn->resource;
    if (arn->service == "iam" && r == "root") {
      who.kind = PrincipalKind::Root;
    } else if (arn->service == "iam" && StartsWith(r, "user/")) {
      who.kind = PrincipalKind::User;
      who.name = LastSegment(r);
    } else if (arn->service == "iam" && StartsWith(r, "role/")) {
      who.kind = PrincipalKind::Role;
      who.name = LastSegment(r);
    } else if (arn->service == "sts" && StartsWith(r, "assumed-role/")) {
      who.kind = PrincipalKind::AssumedRole;
      std::string_view rest = std::string_view(r).substr(13);
      who.name = std::string(rest.substr(0, rest.find('/')));
    } else if (arn->service == "sts" && StartsWith(r, "federated-user/")) {
      who.kind = PrincipalKind::FederatedUser;
      who.name = LastSegment(r);
    }
    return who;
  }
  if (principal.ends_with(".amazonaws.com") || principal.ends_with(".amazonaws.com.cn")) {
    who.kind = PrincipalKind::Service;
  } else if (IsCanonicalId(principal)) {
    who.kind = PrincipalKind::CanonicalUser;
  }
  return who;
}

Result<PrincipalElement> ParsePrincipal(const nlohmann::json& element) {
  PrincipalElement out;
  if (element.is_string()) {
    if (element.get<std::string>() != "*") {
      return Fail(MalformedPolicy("Invalid principal in policy: " + element.dump()));
    }
    out.everyone = true;
    return out;
  }
  if (!element.is_object() || element.empty()) {
    return Fail(MalformedPolicy("Invalid principal in policy: " + element.dump()));
  }
  for (const auto& [type, value] : element.items()) {
    GUREUM_TRY(auto list, StringList(value, type));
    if (type == "AWS") {
      if (Contains(list, "*")) out.everyone = true;
      out.aws = std::move(list);
    } else if (type == "Service") {
      out.service = std::move(list);
    } else if (type == "Federated") {
      out.federated = std::move(list);
    } else if (type == "CanonicalUser") {
      out.canonical_user = std::move(list);
    } else {
      return Fail(MalformedPolicy("Invalid principal in policy: \"" + type + "\""));
    }
  }
  return out;
}

PrincipalMatch MatchPrincipal(const PrincipalElement& element, const RequestPrincipal& who) {
  PrincipalMatch best = element.everyone ? PrincipalMatch::Everyone : PrincipalMatch::None;
  auto raise = [&](PrincipalMatch m) { best = std::max(best, m); };
  for (const auto& entry : element.aws) raise(MatchAwsEntry(entry, who));
  if (who.kind == PrincipalKind::Service && Contains(element.service, who.text)) {
    raise(PrincipalMatch::Direct);
  }
  if (who.kind == PrincipalKind::CanonicalUser && Contains(element.canonical_user, who.text)) {
    raise(PrincipalMatch::Direct);
  }
  if (who.kind != PrincipalKind::Anonymous && Contains(element.federated, who.text)) {
    raise(PrincipalMatch::Direct);
  }
  return best;
}

bool ExcludedByNotPrincipal(const PrincipalElement& element, const RequestPrincipal& who) {
  if (element.everyone) return true;
  auto listed = [&](const std::vector<std::string>& list, PrincipalMatch want) {
    return std::any_of(list.begin(), list.end(),
                       [&](const std::string& e) { return MatchAwsEntry(e, who) == want; });
  };
  switch (who.kind) {
    case PrincipalKind::Anonymous:
      return false;
    case PrincipalKind::Service:
      return Contains(element.service, who.text);
    case PrincipalKind::CanonicalUser:
      return Contains(element.canonical_user, who.text);
    case PrincipalKind::Other:
      return Contains(element.federated, who.text) || Contains(element.aws, who.text);
    case PrincipalKind::Root:
      return listed(element.aws, PrincipalMatch::Account);
    case PrincipalKind::AssumedRole:
      return listed(element.aws, PrincipalMatch::Account) &&
             listed(element.aws, PrincipalMatch::Role) &&
             listed(element.aws, PrincipalMatch::Direct);
    default:  // users, role ARNs, federated users: the account and the entity itself
      return listed(element.aws, PrincipalMatch::Account) &&
             (listed(element.aws, PrincipalMatch::Direct) ||
              listed(element.aws, PrincipalMatch::Role));
  }
}

}  // namespace gureum::iam
