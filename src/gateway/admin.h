#pragma once
// Gureum's own endpoints under /_gureum/ (unauthenticated; the daemon listens on loopback by
// default):
//   GET  /_gureum/health   JSON: version, uptime, services and their state, backends
//   GET  /_gureum/metrics  Prometheus text
//   POST /_gureum/reset    drop every service's state (tests)
//   GET  /_gureum/clock    the daemon clock
//   POST /_gureum/clock    {"freeze": true | "<ISO time>"} {"advance": seconds}
//                          {"set": "<ISO time>"} {"unfreeze": true} {"reset": true}

#include <chrono>
#include <string>

#include "gureum/auth/credential_store.h"
#include "gureum/core/clock.h"
#include "gureum/http/message.h"
#include "gureum/service/service.h"

#include "gateway/metrics.h"

namespace gureum::gateway {

class AdminApi {
 public:
  AdminApi(std::string version, const service::ServiceRegistry& registry, Clock& clock,
           Metrics& metrics, auth::CredentialStore& credentials);

  static bool IsAdminPath(std::string_view path) { return StartsWithAdmin(path); }
  // True when the request must run on a worker thread (it writes the catalog).
  static bool Blocks(const http::Request& request);
  http::Response Handle(const http::Request& request, const std::string& body);
  // Runs every module's periodic work against the daemon clock (worker thread).
  void RunTicks();

 private:
  static bool StartsWithAdmin(std::string_view path) { return path.substr(0, 9) == "/_gureum/"; }
  http::Response Health() const;
  http::Response Clock(const http::Request& request, const std::string& body);
  http::Response Reset();

  std::string version_;
  const service::ServiceRegistry& registry_;
  gureum::Clock& clock_;
  Metrics& metrics_;
  auth::CredentialStore& credentials_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace gureum::gateway
