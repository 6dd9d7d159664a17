// The HTTP front end on untrusted bytes: Beast's request parser with the server's limits, the
// conversion to gureum::http::Request the sessions use, then routing and the access key lookup
// that run on every request head.
//   ./build/dev/tests/fuzz/http_request_fuzz tests/fuzz/corpus/http_request_fuzz

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "gureum/auth/authenticator.h"
#include "gureum/core/encoding.h"
#include "gureum/http/message.h"

#include "gateway/router.h"
#include "http/request_parser.h"

namespace {

// The server's default (ServerOptions::max_header_bytes).
constexpr size_t kMaxHeaderBytes = 16 * 1024;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto request = gureum::http::ParseRequestHeadForFuzzing(bytes, kMaxHeaderBytes);
  if (!request) return 0;
  gureum::gateway::Route route = gureum::gateway::RouteRequest(*request);
  if (route.by_action) {
    // A Query-protocol request whose Action is in the URL (the form body comes later).
    if (auto params = gureum::ParseQueryString(request->query, false)) {
      (void)gureum::gateway::ServiceForAction(*params);
    }
  }
  std::string key = gureum::auth::AccessKeyIdOf(*request);
  (void)key;
  return 0;
}
