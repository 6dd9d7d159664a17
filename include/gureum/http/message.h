#pragma once
// Gureum's own HTTP message types. Beast stays inside src/http; everything else (routing, auth,
// protocols, services) sees only these.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gureum/core/error.h"

namespace gureum::http {

// Ordered header list with ASCII case-insensitive lookup. Names keep the case they arrived in.
class Headers {
 public:
  void Add(std::string name, std::string value) {
    entries_.emplace_back(std::move(name), std::move(value));
  }
  // Replaces every header of that name with one.
  void Set(std::string_view name, std::string value);
  void Remove(std::string_view name);
  // The first value of `name`, or nullopt.
  std::optional<std::string_view> Get(std::string_view name) const;
  std::string_view GetOr(std::string_view name, std::string_view fallback) const {
    return Get(name).value_or(fallback);
  }
  bool Has(std::string_view name) const { return Get(name).has_value(); }
  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

// Where a request body comes from. Read() blocks the calling thread (a worker, never an I/O
// thread) until some bytes arrive; it returns 0 at the end of the body. Errors: IncompleteBody
// when the peer went away early, RequestTimeout on a stalled peer, or whatever a decoding layer
// (aws-chunked, checksum verification) reports.
class BodySource {
 public:
  virtual ~BodySource() = default;
  virtual Result<size_t> Read(std::span<char> buffer) = 0;
  // Bytes of body expected in total, when known (Content-Length or a decoded length).
  virtual std::optional<uint64_t> size_hint() const { return std::nullopt; }
};

// Reads a whole body into memory, refusing more than `limit` bytes.
Result<std::string> ReadAll(BodySource& body, uint64_t limit);

// A body that is already in memory.
class StringBodySource final : public BodySource {
 public:
  explicit StringBodySource(std::string_view data) : data_(data) {}
  Result<size_t> Read(std::span<char> buffer) override;
  std::optional<uint64_t> size_hint() const override { return data_.size(); }

 private:
  std::string_view data_;
  size_t offset_ = 0;
};

// A streamed response body. Read() is called on a worker thread until it returns 0. An error
// mid-stream aborts the connection (the status line is already sent).
class BodyProducer {
 public:
  virtual ~BodyProducer() = default;
  virtual Result<size_t> Read(std::span<char> buffer) = 0;
};

struct Request {
  std::string method;  // "GET", "PUT", ...
  std::string target;  // raw request target as sent: path and query, still percent-encoded
  std::string path;    // raw path part of target (percent-encoded)
  std::string query;   // raw query string without '?', percent-encoded
  Headers headers;
  std::optional<uint64_t> content_length;  // absent for chunked transfer-encoding
  bool chunked_transfer = false;
  int version = 11;            // 10 or 11
  std::string remote_address;  // peer IP
  uint16_t remote_port = 0;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;  // used when `stream` is null
  // A streamed body; `stream_length` when known (Content-Length), else chunked encoding.
  std::unique_ptr<BodyProducer> stream;
  std::optional<uint64_t> stream_length;
  // HEAD: send headers (with Content-Length = content_length_override if set) and no body.
  bool head_only = false;
  std::optional<uint64_t> content_length_override;
};

}  // namespace gureum::http
