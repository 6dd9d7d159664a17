#pragma once
// From Beast's request parser to gureum::http::Request: the one conversion the server's sessions
// use, and a test hook that runs the same parser over a byte string (for the fuzzer). Beast stays
// out of this header: the template below is explicitly instantiated in request_parser.cc for the
// server's parser type only, so tests can include it without seeing Beast.

#include <cstddef>
#include <string_view>

#include "gureum/core/error.h"
#include "gureum/http/message.h"

namespace gureum::http {

// The Request for a Beast request parser whose head is complete: method, the raw target split
// into path and query (both still percent-encoded), headers in arrival order, Content-Length or
// chunked framing, and the HTTP version. The peer's address and port are left for the caller.
// Instantiated for boost::beast::http::request_parser<boost::beast::http::buffer_body> only.
template <class BeastRequestParser>
Request RequestFromParser(const BeastRequestParser& parser);

// Test hook: parses `bytes` with the server's request parser and limits (`max_header_bytes` for
// the request line plus headers, no body limit), converts the head with RequestFromParser, then
// drains whatever body follows through a small scratch buffer so the body framing code runs too.
// Body bytes are discarded, and a body that is malformed or cut short does not fail the result
// (the server only sees that later, while reading the body). Errors: RequestHeaderFieldsTooLarge
// over the header limit; BadRequest for malformed or incomplete heads.
Result<Request> ParseRequestHeadForFuzzing(std::string_view bytes, size_t max_header_bytes);

}  // namespace gureum::http
