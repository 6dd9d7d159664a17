#pragma once
// IAM's wildcard matching: `*` matches any run of characters (including none), `?` exactly one.
// Actions compare case-insensitively, ARNs case-sensitively and segment by segment, as the
// Action, Resource and Condition (StringLike, ArnLike) elements do.

#include <string>
#include <string_view>
#include <vector>

namespace gureum::iam {

// A pattern whose `*` and `?` may be literal: characters that came from a policy variable's
// value, or from ${*} / ${?}, never act as wildcards.
class Glob {
 public:
  Glob() = default;
  // Every `*` and `?` in `text` is a wildcard.
  explicit Glob(std::string_view text) : text_(text), literal_(text.size(), false) {}
  static Glob Literal(std::string_view text);

  void AppendPattern(std::string_view text);
  void AppendLiteral(std::string_view text);

  const std::string& text() const { return text_; }
  bool IsWildcard(size_t i) const { return !literal_[i] && (text_[i] == '*' || text_[i] == '?'); }
  bool IsMatchAll() const { return text_.size() == 1 && IsWildcard(0) && text_[0] == '*'; }

 private:
  std::string text_;
  std::vector<bool> literal_;
};

// Whole-string match of `subject` against `pattern`.
bool GlobMatch(const Glob& pattern, std::string_view subject, bool ignore_case);
// The same with every `*` and `?` of `pattern` a wildcard (no allocation).
bool GlobMatch(std::string_view pattern, std::string_view subject, bool ignore_case);

// Action element: "service:Action" patterns, case-insensitive; "*" matches every action.
bool ActionMatches(std::string_view pattern, std::string_view action);

// ArnLike/ArnEquals and the Resource element: the first five colon-separated parts
// (arn, partition, service, region, account) are matched one by one, so a wildcard never spans a
// colon there; the resource part (which may itself contain colons) is matched as a whole. A
// subject that is not an ARN matches only "*". Case-sensitive.
bool ArnMatches(const Glob& pattern, std::string_view arn);

// The Resource element: "*" matches everything (also non-ARN resources), otherwise ArnMatches.
bool ResourceMatches(const Glob& pattern, std::string_view resource);
// The same for a pattern whose every `*` and `?` is a wildcard (no variables substituted).
bool ResourceMatches(std::string_view pattern, std::string_view resource);

}  // namespace gureum::iam
