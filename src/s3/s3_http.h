#pragma once
// Parsers and rules of S3's HTTP surface: Range, x-amz-copy-source, conditional requests,
// bucket names. Pure functions (fuzzed and unit-tested).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gureum/core/error.h"
#include "gureum/http/message.h"

namespace gureum::s3 {

struct ByteRange {
  uint64_t start = 0;
  uint64_t length = 0;
};

// "bytes=0-99", "bytes=100-", "bytes=-500". nullopt when the header is absent, malformed or
// names several ranges (S3 then serves the whole object); InvalidRange when unsatisfiable.
Result<std::optional<ByteRange>> ParseRange(std::string_view header, uint64_t size);

struct CopySource {
  std::string bucket;
  std::string key;
  std::optional<std::string> version_id;
};

// "bucket/key", "/bucket/key", percent-encoded, with an optional "?versionId=...".
Result<CopySource> ParseCopySource(std::string_view header);

// S3's order of precedence for If-Match / If-Unmodified-Since (412) and If-None-Match /
// If-Modified-Since (304) on reads. `prefix` is "" for GET/HEAD, "x-amz-copy-source-" for a
// copy's source (where every failure is 412).
Status CheckReadConditions(const http::Headers& headers, std::string_view prefix,
                           std::string_view etag, std::chrono::system_clock::time_point modified);

// Bucket naming rules (general purpose buckets): 3-63 characters of lowercase letters, digits,
// dots and hyphens, beginning and ending with a letter or digit; no "..", not an IP address,
// no "xn--"/"sthree-" prefix, no "-s3alias"/"--ol-s3" suffix.
bool IsValidBucketName(std::string_view name);

}  // namespace gureum::s3
