// SigV4 parsing on untrusted text: the Authorization header, Credential= values, presigned query
// parameters, and the canonical URI / query / headers computed from what a client sent.
//   ./build/dev/tests/fuzz/sigv4_header_fuzz tests/fuzz/corpus/sigv4_header_fuzz

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gureum/core/encoding.h"
#include "gureum/http/message.h"

#include "auth/sigv4.h"
#include "fuzz_headers.h"

namespace {

using gureum::auth::UriStyle;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  gureum::http::Headers headers = gureum::fuzz::HeadersFromLines(text);

  if (auto claim = gureum::auth::ParseAuthorizationHeader(text)) {
    std::string canonical = gureum::auth::CanonicalHeaders(headers, claim->signed_headers);
    (void)canonical;
  }
  (void)gureum::auth::ParseCredential(text);
  if (auto params = gureum::ParseQueryString(text, false)) {
    if (auto presigned = gureum::auth::ParsePresignedQuery(*params); presigned && *presigned) {
      std::string canonical = gureum::auth::CanonicalHeaders(headers, (*presigned)->signed_headers);
      (void)canonical;
    }
  }
  (void)gureum::auth::CanonicalQuery(text);

  // A request target: path before '?', query after, as the server splits it.
  std::string_view path = text.substr(0, text.find('?'));
  std::string uri = gureum::auth::CanonicalUri(path, UriStyle::Normalized);
  std::string s3_uri = gureum::auth::CanonicalUri(path, UriStyle::S3);
  // Canonical URIs are URI-encoded: only unreserved characters, '/' and %XX escapes; and an
  // origin-form path stays absolute.
  for (const std::string* out : {&uri, &s3_uri}) {
    if (out->empty() || (!path.empty() && path.front() == '/' && out->front() != '/')) {
      __builtin_trap();
    }
    for (char c : *out) {
      bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_' || c == '.' || c == '~' || c == '/' || c == '%';
      if (!ok) __builtin_trap();
    }
  }

  // Every line also as a signed-headers list ("host;x-amz-date").
  std::vector<std::string> signed_headers;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find(';', pos);
    if (end == std::string_view::npos) end = text.size();
    signed_headers.push_back(gureum::ToLower(text.substr(pos, end - pos)));
    pos = end + 1;
  }
  std::string canonical = gureum::auth::CanonicalHeaders(headers, signed_headers);
  (void)canonical;
  return 0;
}
