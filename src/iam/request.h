#pragma once
// What the evaluator is asked: who wants to do what to which resource, and the request context.
// Pure data; the caller (the simulate CLI, later the gateway) fills it completely.

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace gureum::iam {

// The request context: condition keys and their values. Keys are case-insensitive, as AWS
// documents for condition keys; a key holds one value or, for multivalued keys such as
// aws:TagKeys, several (possibly none).
class Context {
 public:
  void Set(std::string_view key, std::vector<std::string> values);
  void Set(std::string_view key, std::string value) { Set(key, std::vector{std::move(value)}); }
  // nullptr when the key is absent.
  const std::vector<std::string>* Find(std::string_view key) const;
  bool empty() const { return values_.empty(); }

 private:
  std::map<std::string, std::vector<std::string>, std::less<>> values_;  // lowercased keys
};

struct Request {
  std::string principal;  // an ARN, a service principal, a canonical user id, or "anonymous"
  std::string principal_account;  // 12 digits; empty for anonymous and service principals
  std::string action;             // "service:Action"
  std::string resource;           // an ARN, or "*"
  std::string resource_account;   // the account owning the resource and its resource policy
  Context context;
};

inline constexpr std::string_view kAnonymous = "anonymous";

}  // namespace gureum::iam
