#include "iam/wildcard.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace gureum::iam {
namespace {

// ASCII folding: policy text is matched byte-wise, and std::tolower's locale lookup showed up
// as a tenth of an evaluation.
char Fold(char c, bool ignore_case) {
  return ignore_case && c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// The first five colon positions of an ARN-shaped text as (offset, length) pieces, the sixth
// keeping any further colons. False when there are fewer than six parts.
bool SplitArn(std::string_view text, std::array<std::pair<size_t, size_t>, 6>& parts) {
  size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    size_t colon = text.find(':', start);
    if (colon == std::string_view::npos) return false;
    parts[i] = {start, colon - start};
    start = colon + 1;
  }
  parts[5] = {start, text.size() - start};
  return true;
}

// The classic greedy matcher with one backtrack point: on a mismatch after a `*`, let that `*`
// absorb one more character. Linear in practice, O(n*m) at worst, no recursion, no allocation.
// `wild(i)` says whether p[i] is a wildcard rather than a literal `*`/`?`.
template <class Wild>
bool MatchCore(std::string_view p, Wild&& wild, std::string_view subject, bool ignore_case) {
  size_t pi = 0, si = 0;
  size_t star = std::string_view::npos, star_si = 0;
  while (si < subject.size()) {
    if (pi < p.size() && p[pi] == '*' && wild(pi)) {
      star = pi++;
      star_si = si;
    } else if (pi < p.size() && ((p[pi] == '?' && wild(pi)) ||
                                 Fold(p[pi], ignore_case) == Fold(subject[si], ignore_case))) {
      ++pi;
      ++si;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      si = ++star_si;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*' && wild(pi)) ++pi;
  return pi == p.size();
}

bool PlainWildcard(std::string_view p, size_t i) { return p[i] == '*' || p[i] == '?'; }

}  // namespace

Glob Glob::Literal(std::string_view text) {
  Glob g;
  g.AppendLiteral(text);
  return g;
}

void Glob::AppendPattern(std::string_view text) {
  text_.append(text);
  literal_.resize(text_.size(), false);
}

void Glob::AppendLiteral(std::string_view text) {
  text_.append(text);
  literal_.resize(text_.size(), true);
}

bool GlobMatch(const Glob& pattern, std::string_view subject, bool ignore_case) {
  return MatchCore(
      pattern.text(), [&](size_t i) { return pattern.IsWildcard(i); }, subject, ignore_case);
}

bool GlobMatch(std::string_view pattern, std::string_view subject, bool ignore_case) {
  return MatchCore(
      pattern, [&](size_t i) { return PlainWildcard(pattern, i); }, subject, ignore_case);
}

bool ActionMatches(std::string_view pattern, std::string_view action) {
  return GlobMatch(pattern, action, /*ignore_case=*/true);
}

namespace {

template <class Wild>
bool ArnMatchesImpl(std::string_view p, Wild&& wild, std::string_view arn) {
  // Up to its first wildcard the pattern is literal, and segment-wise matching then demands the
  // same characters at the same places: a cheap early answer for the many statements of a
  // policy set that name other resources.
  size_t literal = 0;
  while (literal < p.size() && !wild(literal)) ++literal;
  if (literal == p.size()) return arn == p && std::count(p.begin(), p.end(), ':') >= 5;
  if (arn.substr(0, literal) != p.substr(0, literal)) return false;
  std::array<std::pair<size_t, size_t>, 6> subject_parts, pattern_parts;
  if (!SplitArn(arn, subject_parts) || !SplitArn(p, pattern_parts)) return false;
  for (size_t i = 0; i < 6; ++i) {
    auto [ppos, plen] = pattern_parts[i];
    auto [spos, slen] = subject_parts[i];
    auto shifted = [&, ppos = ppos](size_t k) { return wild(ppos + k); };
    if (!MatchCore(p.substr(ppos, plen), shifted, arn.substr(spos, slen),
                   /*ignore_case=*/false)) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool ArnMatches(const Glob& pattern, std::string_view arn) {
  return ArnMatchesImpl(
      pattern.text(), [&](size_t i) { return pattern.IsWildcard(i); }, arn);
}

bool ResourceMatches(std::string_view pattern, std::string_view resource) {
  if (pattern == "*") return true;
  return ArnMatchesImpl(
      pattern, [&](size_t i) { return PlainWildcard(pattern, i); }, resource);
}

bool ResourceMatches(const Glob& pattern, std::string_view resource) {
  if (pattern.IsMatchAll()) return true;
  return ArnMatches(pattern, resource);
}

}  // namespace gureum::iam
