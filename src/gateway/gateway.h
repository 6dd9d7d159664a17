#pragma once
// The request pipeline behind the HTTP server: route -> authenticate -> decode -> handle ->
// encode, with access logging and metrics. One Exchange per request (see http/server.h for the
// threading contract).

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "gureum/auth/authenticator.h"
#include "gureum/core/clock.h"
#include "gureum/http/server.h"
#include "gureum/service/service.h"

#include "gateway/admin.h"
#include "gateway/metrics.h"
#include "gateway/router.h"
#include "protocol/codec.h"

namespace gureum::gateway {

struct GatewayOptions {
  std::string default_region = "us-east-1";
  uint64_t max_buffered_body = 16 * 1024 * 1024;  // Query/JSON/REST control-plane bodies
  std::chrono::seconds max_clock_skew{900};
  bool access_log = true;
  bool json_logs = false;
};

class Gateway final : public http::Application {
 public:
  Gateway(GatewayOptions options, const service::ServiceRegistry& registry,
          auth::Authenticator& authenticator, Clock& clock, Metrics& metrics, AdminApi& admin);

  // http::Application
  std::unique_ptr<http::Exchange> Begin(http::Request&& request) override;
  http::Response Reject(const AwsError& error) override;
  void ConnectionsChanged(int delta) override { metrics_.ConnectionsChanged(delta); }

  // The codec of a model (created once, shared).
  const protocol::Codec& CodecFor(const protocol::ServiceModel& model);

  const GatewayOptions& options() const { return options_; }
  const service::ServiceRegistry& registry() const { return registry_; }
  auth::Authenticator& authenticator() { return authenticator_; }
  Clock& clock() { return clock_; }
  Metrics& metrics() { return metrics_; }
  AdminApi& admin() { return admin_; }

 private:
  GatewayOptions options_;
  const service::ServiceRegistry& registry_;
  auth::Authenticator& authenticator_;
  Clock& clock_;
  Metrics& metrics_;
  AdminApi& admin_;
  std::mutex codecs_mu_;
  std::unordered_map<const protocol::ServiceModel*, std::unique_ptr<protocol::Codec>> codecs_;
};

// An error in the Query envelope without a service namespace: for requests that never reached
// a service (malformed HTTP, unknown service).
http::Response GenericErrorResponse(const AwsError& error, const std::string& request_id,
                                    bool json);

}  // namespace gureum::gateway
