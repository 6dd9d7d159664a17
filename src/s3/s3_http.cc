#include "s3/s3_http.h"

#include <charconv>

#include "gureum/core/encoding.h"
#include "gureum/core/time_format.h"

#include "s3/object_store.h"
#include "s3/s3_errors.h"

namespace gureum::s3 {
namespace {

std::optional<uint64_t> Number(std::string_view text) {
  if (text.empty()) return std::nullopt;
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

bool EtagListMatches(std::string_view list, std::string_view etag) {
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t comma = list.find(',', pos);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view item = Trim(list.substr(pos, comma - pos));
    if (StartsWith(item, "W/")) item.remove_prefix(2);
    if (item == "*" || UnquoteEtag(item) == etag) return true;
    pos = comma + 1;
  }
  return false;
}

// HTTP dates have second precision; compare at that precision.
std::chrono::sys_seconds Seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::floor<std::chrono::seconds>(t);
}

}  // namespace

Result<std::optional<ByteRange>> ParseRange(std::string_view header, uint64_t size) {
  header = Trim(header);
  if (!StartsWith(header, "bytes=")) return std::optional<ByteRange>();
  std::string_view spec = Trim(header.substr(6));
  if (spec.find(',') != std::string_view::npos) return std::optional<ByteRange>();
  size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return std::optional<ByteRange>();
  std::string_view first = Trim(spec.substr(0, dash));
  std::string_view last = Trim(spec.substr(dash + 1));
  auto unsatisfiable = [&] { return Fail(errors::InvalidRange(header, size)); };
  if (first.empty()) {
    // Suffix: the last N bytes.
    auto n = Number(last);
    if (!n) return std::optional<ByteRange>();
    if (*n == 0 || size == 0) return unsatisfiable();
    uint64_t length = std::min(*n, size);
    return std::optional<ByteRange>(ByteRange{size - length, length});
  }
  auto start = Number(first);
  if (!start) return std::optional<ByteRange>();
  std::optional<uint64_t> end;
  if (!last.empty()) {
    end = Number(last);
    if (!end || *end < *start) return std::optional<ByteRange>();
  }
  if (*start >= size) return unsatisfiable();
  uint64_t stop = end ? std::min(*end, size - 1) : size - 1;
  return std::optional<ByteRange>(ByteRange{*start, stop - *start + 1});
}

Result<CopySource> ParseCopySource(std::string_view header) {
  std::string_view raw = Trim(header);
  std::optional<std::string> version;
  // The version id travels as a query; the key itself is percent-encoded, so a literal '?'
  // cannot be part of it.
  if (size_t q = raw.find("?versionId="); q != std::string_view::npos) {
    auto v = PercentDecode(raw.substr(q + 11), false);
    if (!v || v->empty()) return Fail(errors::InvalidArgument("Invalid version id specified"));
    version = std::move(*v);
    raw = raw.substr(0, q);
  }
  auto decoded = PercentDecode(raw, false);
  if (!decoded) {
    return Fail(
        errors::InvalidArgument("Invalid copy source encoding", "x-amz-copy-source", header));
  }
  std::string_view path = *decoded;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  size_t slash = path.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == path.size()) {
    return Fail(
        errors::InvalidArgument("Copy Source must mention the source bucket and key: "
                                "sourcebucket/sourcekey",
                                "x-amz-copy-source", header));
  }
  return CopySource{std::string(path.substr(0, slash)), std::string(path.substr(slash + 1)),
                    std::move(version)};
}

Status CheckReadConditions(const http::Headers& headers, std::string_view prefix,
                           std::string_view etag, std::chrono::system_clock::time_point modified) {
  auto header = [&](std::string_view name) {
    return headers.Get(std::string(prefix) + std::string(name));
  };
  bool copy = !prefix.empty();
  auto if_match = header("If-Match");
  auto if_unmodified = header("If-Unmodified-Since");
  auto if_none_match = header("If-None-Match");
  auto if_modified = header("If-Modified-Since");
  // If-Match decides alone when present; otherwise If-Unmodified-Since.
  if (if_match) {
    if (!EtagListMatches(*if_match, etag)) return Fail(errors::PreconditionFailed("If-Match"));
  } else if (if_unmodified) {
    auto t = ParseHttpDate(*if_unmodified);
    if (t && Seconds(modified) > Seconds(*t)) {
      return Fail(errors::PreconditionFailed("If-Unmodified-Since"));
    }
  }
  // If-None-Match decides alone when present; otherwise If-Modified-Since.
  if (if_none_match) {
    if (EtagListMatches(*if_none_match, etag)) {
      return Fail(copy ? errors::PreconditionFailed("If-None-Match") : errors::NotModified());
    }
  } else if (if_modified) {
    auto t = ParseHttpDate(*if_modified);
    if (t && Seconds(modified) <= Seconds(*t)) {
      return Fail(copy ? errors::PreconditionFailed("If-Modified-Since") : errors::NotModified());
    }
  }
  return Ok();
}

bool IsValidBucketName(std::string_view name) {
  if (name.size() < 3 || name.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front()) || !alnum(name.back())) return false;
  for (char c : name) {
    if (!alnum(c) && c != '.' && c != '-') return false;
  }
  if (name.find("..") != std::string_view::npos) return false;
  if (name.find(".-") != std::string_view::npos || name.find("-.") != std::string_view::npos) {
    return false;
  }
  if (StartsWith(name, "xn--") || StartsWith(name, "sthree-") ||
      StartsWith(name, "amzn-s3-demo-")) {
    return false;
  }
  auto ends = [&](std::string_view s) {
    return name.size() >= s.size() && name.substr(name.size() - s.size()) == s;
  };
  if (ends("-s3alias") || ends("--ol-s3") || ends(".mrap") || ends("--x-s3") ||
      ends("--table-s3")) {
    return false;
  }
  // Not formatted like an IPv4 address.
  int dots = 0;
  bool digits_and_dots = true;
  for (char c : name) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      digits_and_dots = false;
    }
  }
  return !(digits_and_dots && dots == 3);
}

}  // namespace gureum::s3
