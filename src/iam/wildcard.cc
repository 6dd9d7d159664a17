#include "iam/wildcard.h"

#include <array>
#include <cctype>
#include <optional>

namespace gureum::iam {
namespace {

char Fold(char c, bool ignore_case) {
  return ignore_case ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : c;
}

// Splits an ARN into its six parts; the sixth keeps any further colons. nullopt when there are
// fewer than six parts.
template <class Piece>
std::optional<std::array<Piece, 6>> SplitArn(const std::string& text, auto&& make) {
  std::array<Piece, 6> parts;
  size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    size_t colon = text.find(':', start);
    if (colon == std::string::npos) return std::nullopt;
    parts[i] = make(start, colon - start);
    start = colon + 1;
  }
  parts[5] = make(start, text.size() - start);
  return parts;
}

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

Glob Glob::Substr(size_t pos, size_t len) const {
  Glob g;
  g.text_ = text_.substr(pos, len);
  g.literal_.assign(literal_.begin() + static_cast<ptrdiff_t>(pos),
                    literal_.begin() + static_cast<ptrdiff_t>(pos + g.text_.size()));
  return g;
}

// The classic greedy matcher with one backtrack point: on a mismatch after a `*`, let that `*`
// absorb one more character. Linear in practice, O(n*m) at worst, no recursion.
bool GlobMatch(const Glob& pattern, std::string_view subject, bool ignore_case) {
  const std::string& p = pattern.text();
  size_t pi = 0, si = 0;
  size_t star = std::string::npos, star_si = 0;
  while (si < subject.size()) {
    if (pi < p.size() && pattern.IsWildcard(pi) && p[pi] == '*') {
      star = pi++;
      star_si = si;
    } else if (pi < p.size() && ((pattern.IsWildcard(pi) && p[pi] == '?') ||
                                 Fold(p[pi], ignore_case) == Fold(subject[si], ignore_case))) {
      ++pi;
      ++si;
    } else if (star != std::string::npos) {
      pi = star + 1;
      si = ++star_si;
    } else {
      return false;
    }
  }
  while (pi < p.size() && pattern.IsWildcard(pi) && p[pi] == '*') ++pi;
  return pi == p.size();
}

bool ActionMatches(std::string_view pattern, std::string_view action) {
  return GlobMatch(Glob(pattern), action, /*ignore_case=*/true);
}

bool ArnMatches(const Glob& pattern, std::string_view arn) {
  std::string subject(arn);
  auto subject_parts = SplitArn<std::string_view>(
      subject, [&](size_t pos, size_t len) { return std::string_view(subject).substr(pos, len); });
  auto pattern_parts = SplitArn<Glob>(
      pattern.text(), [&](size_t pos, size_t len) { return pattern.Substr(pos, len); });
  if (!subject_parts || !pattern_parts) return false;
  for (size_t i = 0; i < 6; ++i) {
    if (!GlobMatch((*pattern_parts)[i], (*subject_parts)[i], /*ignore_case=*/false)) return false;
  }
  return true;
}

bool ResourceMatches(const Glob& pattern, std::string_view resource) {
  if (pattern.IsMatchAll()) return true;
  return ArnMatches(pattern, resource);
}

}  // namespace gureum::iam
