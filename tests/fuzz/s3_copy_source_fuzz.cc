// x-amz-copy-source and the conditional headers of reads and copies on untrusted text.
// Input layout: the first line is an x-amz-copy-source value; the following lines are request
// headers ("name: value"); the first 8 bytes of the input, little-endian, also give the
// object's last-modified time (seconds, kept within the years 1970-2255) and the last line's
// text is its ETag.
// ParseCopySource must yield a bucket and a key (and a non-empty version id when it names
// one), or InvalidArgument. CheckReadConditions must succeed or answer 412 PreconditionFailed
// or (for plain reads only) 304 NotModified.
//   ./build/dev/tests/fuzz/s3_copy_source_fuzz tests/fuzz/corpus/s3_copy_source_fuzz

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "gureum/http/message.h"

#include "fuzz_headers.h"
#include "s3/s3_http.h"

namespace {

void CheckConditions(const gureum::http::Headers& headers, std::string_view prefix,
                     std::string_view etag, std::chrono::system_clock::time_point modified) {
  auto status = gureum::s3::CheckReadConditions(headers, prefix, etag, modified);
  if (status) return;
  const auto& e = status.error();
  bool precondition = e.code() == "PreconditionFailed" && e.http_status() == 412;
  bool not_modified = e.code() == "NotModified" && e.http_status() == 304;
  if (!precondition && !(not_modified && prefix.empty())) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  size_t eol = text.find('\n');
  std::string_view source = text.substr(0, eol);

  auto parsed = gureum::s3::ParseCopySource(source);
  if (parsed) {
    if (parsed->bucket.empty() || parsed->key.empty()) __builtin_trap();
    if (parsed->bucket.find('/') != std::string::npos) __builtin_trap();
    if (parsed->version_id && parsed->version_id->empty()) __builtin_trap();
  } else if (parsed.error().code() != "InvalidArgument" || parsed.error().http_status() != 400) {
    __builtin_trap();
  }

  std::string_view etag;
  size_t pos = eol == std::string_view::npos ? text.size() : eol + 1;
  gureum::http::Headers headers = gureum::fuzz::HeadersFromLines(text.substr(pos), &etag);
  uint64_t seconds = 0;
  for (size_t i = 0; i < 8 && i < size; ++i) seconds |= uint64_t{data[i]} << (8 * i);
  seconds %= 9000000000ull;  // up to 2255, inside the clock's range
  std::chrono::system_clock::time_point modified{std::chrono::seconds(seconds)};
  CheckConditions(headers, "", etag, modified);
  CheckConditions(headers, "x-amz-copy-source-", etag, modified);
  return 0;
}
