#include "http/request_parser.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http.hpp>

namespace gureum::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using Parser = bhttp::request_parser<bhttp::buffer_body>;

}  // namespace

template <class BeastRequestParser>
Request RequestFromParser(const BeastRequestParser& parser) {
  const auto& msg = parser.get();
  Request req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  auto q = req.target.find('?');
  if (q == std::string::npos) {
    req.path = req.target;
  } else {
    req.path = req.target.substr(0, q);
    req.query = req.target.substr(q + 1);
  }
  for (const auto& field : msg) {
    req.headers.Add(std::string(field.name_string()), std::string(field.value()));
  }
  if (auto len = parser.content_length()) req.content_length = *len;
  req.chunked_transfer = parser.chunked();
  req.version = static_cast<int>(msg.version());
  return req;
}

template Request RequestFromParser(const Parser& parser);

Result<Request> ParseRequestHeadForFuzzing(std::string_view bytes, size_t max_header_bytes) {
  Parser parser;
  parser.header_limit(static_cast<uint32_t>(std::min<size_t>(max_header_bytes, UINT32_MAX)));
  parser.body_limit(boost::none);  // As in the server: the Exchange's plan bounds the body.
  beast::error_code ec;
  size_t offset = 0;
  while (!parser.is_header_done()) {
    size_t used = parser.put(net::buffer(bytes.data() + offset, bytes.size() - offset), ec);
    offset += used;
    if (ec == bhttp::error::header_limit) {
      return Fail(ErrorCode::RequestHeaderFieldsTooLarge,
                  "Your request head exceeds the maximum allowed size of " +
                      std::to_string(max_header_bytes) + " bytes");
    }
    // need_more: every byte there is was offered, so the head is incomplete.
    if (ec) return Fail(ErrorCode::BadRequest, "Malformed HTTP request: " + ec.message());
    if (used == 0 && !parser.is_header_done()) {
      return Fail(ErrorCode::BadRequest, "Malformed HTTP request: incomplete head");
    }
  }
  Request request = RequestFromParser(parser);

  // The session's ReadBodyInto, minus the socket: a bounded scratch buffer refilled until the
  // body ends, the input runs out or the framing is wrong.
  std::array<char, 512> scratch;
  while (!parser.is_done() && offset < bytes.size()) {
    auto& body = parser.get().body();
    body.data = scratch.data();
    body.size = scratch.size();
    body.more = true;
    size_t used = parser.put(net::buffer(bytes.data() + offset, bytes.size() - offset), ec);
    offset += used;
    size_t produced = scratch.size() - body.size;
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec || (used == 0 && produced == 0)) break;
  }
  return request;
}

}  // namespace gureum::http
