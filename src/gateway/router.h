#pragma once
// Which AWS service a request addresses, decided in the brief's order: the SigV4 credential
// scope's service, the Host header (virtual-hosted S3, AWS endpoint names), X-Amz-Target (JSON
// protocols), Action= (Query protocols, once the body is read), and S3 by default.

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "gureum/core/encoding.h"
#include "gureum/http/message.h"

namespace gureum::gateway {

// Static facts about each service Gureum knows a model for. (A unit test checks them against
// the embedded models, so routing needs no model parsing at startup.)
struct ServiceInfo {
  std::string_view model_key;           // "cloudwatch"
  std::string_view signing_name;        // "monitoring"
  std::string_view api_version;         // Query protocols' Version=
  std::string_view protocol;            // "query", "ec2", "json", "rest-json", "rest-xml"
  std::string_view json_target_prefix;  // X-Amz-Target prefix, for JSON protocol clients
};
std::span<const ServiceInfo> KnownServices();
const ServiceInfo* FindService(std::string_view model_key);

// What the Host header says about S3 addressing.
struct HostInfo {
  std::string bucket;    // virtual-hosted bucket, or empty (path style)
  bool website = false;  // an s3-website endpoint
  std::string region;    // from s3.<region>.… names, when present
  std::string service;   // a non-S3 AWS endpoint name (sts.amazonaws.com -> "sts")
};
HostInfo ParseHost(std::string_view host);

struct Route {
  const ServiceInfo* service = nullptr;  // null: decided by Action= after the body is read
  std::string scope_service;             // the signing name in the credential scope, if any
  HostInfo host;
  bool by_action = false;      // Query protocol: look at Action=/Version=
  std::string unknown_target;  // X-Amz-Target of a JSON service Gureum lacks
};

// Routing from the request head only.
Route RouteRequest(const http::Request& request);
// The Query-protocol service a request's Action/Version names.
const ServiceInfo* ServiceForAction(const QueryParams& params);

}  // namespace gureum::gateway
