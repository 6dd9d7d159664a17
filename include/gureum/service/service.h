#pragma once
// What a service module gives the daemon: the operations it implements (by their AWS names),
// how to reset its state, and what to report in the health endpoint. Handlers take plain C++ /
// JSON and know nothing of HTTP or the wire protocol (see src/protocol/codec.h for the JSON
// view of inputs and outputs).

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gureum/auth/principal.h"
#include "gureum/core/clock.h"
#include "gureum/core/error.h"
#include "gureum/http/message.h"

namespace gureum::service {

// Everything a handler may know about the request besides its input.
struct RequestContext {
  std::string request_id;
  std::string service;    // model key: "sts", "iam", "ec2", "s3"...
  std::string operation;  // AWS action name: "GetCallerIdentity"
  std::string region;     // from the credential scope, else the daemon's default region
  auth::Principal principal;
  std::string source_ip;
  std::string user_agent;
  Clock::TimePoint now;  // when the request arrived, on the daemon clock
  const Clock* clock = nullptr;
  // The HTTP request, for what the (older) AWS model does not describe: headers and query
  // parameters AWS added later. Handlers read the decoded input first.
  const http::Request* request = nullptr;
  std::string host;  // the Host header, for URLs in responses (S3's Location)
  // The request body when it was buffered (empty when it streams to a raw handler).
  std::string_view body;
};

// A model-driven operation: decoded, validated input in; output in the same JSON view out.
using JsonHandler =
    std::function<Result<nlohmann::json>(const RequestContext&, const nlohmann::json& input)>;

// An operation that needs the HTTP exchange itself (S3's data path): the decoded input for
// convenience, the request, and its body as a stream (already decoded from aws-chunked and
// checked against the signature). Returns a complete response, or an error the protocol
// renders.
using RawHandler = std::function<Result<http::Response>(
    const RequestContext&, const nlohmann::json& input, const http::Request&, http::BodySource&)>;

struct OperationSpec {
  std::string name;  // exactly the AWS action name
  JsonHandler handler;
  RawHandler raw_handler;  // set instead of `handler`
  // May run on an I/O thread: the handler never blocks (no disk, no SQLite, no processes).
  bool non_blocking = false;
  // The request body is streamed to the raw handler instead of being buffered first.
  bool streaming_body = false;
  // May hold its thread for long (copies of large objects, bulk deletes): runs on the large
  // worker pool so short requests are not queued behind it.
  bool long_running = false;
  // Served without credentials (STS AssumeRoleWithWebIdentity, S3 public reads).
  bool allow_anonymous = false;
  // REST-XML: the root element of the output document when the model does not name one
  // (S3's "ListBucketResult" and the like).
  std::string xml_root;
};

struct ServiceModule {
  std::string model_key;  // which AWS model describes the wire: "sts", "iam", "s3"...
  std::vector<OperationSpec> operations;
  // Drops every resource of this module (POST /_gureum/reset). Runs on a worker thread.
  std::function<Status()> reset;
  // Module-specific facts for GET /_gureum/health (backends and the like).
  std::function<nlohmann::json()> health;
  // Requests the AWS model does not describe (S3: CORS preflight OPTIONS, browser form
  // uploads, website endpoints): the name of one of `operations` to run, whose input is then
  // {"Bucket", "Key"} from the path. `website` is true for website endpoint hosts.
  std::function<std::optional<std::string>(const http::Request&, bool website)> synthetic;
  // Adds headers to this service's responses (S3: CORS headers when the request has an
  // Origin). `path` is the request path with a virtual-hosted bucket folded in. Runs where the
  // operation ran (it may read the catalog).
  std::function<void(const http::Request&, std::string_view path, http::Response&)> decorate;
  // Periodic background work against the daemon clock (S3 lifecycle rules). Runs on a worker
  // every minute and right after the clock is moved through POST /_gureum/clock.
  std::function<void(Clock::TimePoint now)> tick;
};

// The services the daemon serves. Filled at startup (main.cc calls each Register* function),
// read-only afterwards, so lookups need no locking.
class ServiceRegistry {
 public:
  void Register(ServiceModule module);
  const ServiceModule* Find(std::string_view model_key) const;
  const OperationSpec* FindOperation(std::string_view model_key, std::string_view name) const;
  const std::vector<ServiceModule>& modules() const { return modules_; }

 private:
  std::vector<ServiceModule> modules_;
};

}  // namespace gureum::service
