#include "gateway/admin.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "gureum/core/time_format.h"

#include "gateway/router.h"

namespace gureum::gateway {
namespace {

using nlohmann::json;

http::Response JsonResponse(int status, const json& body) {
  http::Response r;
  r.status = status;
  r.headers.Add("Content-Type", "application/json");
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  r.body += '\n';
  return r;
}

http::Response JsonError(int status, const std::string& message) {
  return JsonResponse(status, json{{"error", message}});
}

}  // namespace

AdminApi::AdminApi(std::string version, const service::ServiceRegistry& registry,
                   gureum::Clock& clock, Metrics& metrics, auth::CredentialStore& credentials)
    : version_(std::move(version)),
      registry_(registry),
      clock_(clock),
      metrics_(metrics),
      credentials_(credentials) {}

bool AdminApi::Blocks(const http::Request& request) {
  // Reset writes the catalog; moving the clock runs the modules' due background work.
  return request.path == "/_gureum/reset" ||
         (request.path == "/_gureum/clock" && request.method == "POST");
}

void AdminApi::RunTicks() {
  auto now = clock_.Now();
  for (const auto& module : registry_.modules()) {
    if (module.tick) module.tick(now);
  }
}

http::Response AdminApi::Handle(const http::Request& request, const std::string& body) {
  const std::string& path = request.path;
  const std::string& method = request.method;
  if (path == "/_gureum/health") {
    if (method != "GET" && method != "HEAD") return JsonError(405, "use GET");
    return Health();
  }
  if (path == "/_gureum/metrics") {
    if (method != "GET") return JsonError(405, "use GET");
    http::Response r;
    r.headers.Add("Content-Type", "text/plain; version=0.0.4");
    r.body = metrics_.Render(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
    return r;
  }
  if (path == "/_gureum/reset") {
    if (method != "POST") return JsonError(405, "use POST");
    return Reset();
  }
  if (path == "/_gureum/clock") return Clock(request, body);
  return JsonError(404, "no such Gureum endpoint: " + path);
}

http::Response AdminApi::Health() const {
  json services = json::object();
  for (const auto& info : KnownServices()) {
    const service::ServiceModule* module = registry_.Find(info.model_key);
    json entry = {{"state", module ? "running" : "recognised"},
                  {"protocol", info.protocol},
                  {"implemented_operations", module ? module->operations.size() : 0}};
    if (module && module->health) entry["details"] = module->health();
    services[std::string(info.model_key)] = std::move(entry);
  }
  double uptime =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  return JsonResponse(200, json{{"status", "running"},
                                {"version", version_},
                                {"uptime_seconds", uptime},
                                {"now", FormatIso8601(clock_.Now(), true)},
                                {"clock_frozen", clock_.frozen()},
                                {"services", services},
                                {"backends", json::object()}});
}

http::Response AdminApi::Clock(const http::Request& request, const std::string& body) {
  if (request.method == "POST") {
    json command = json::parse(body.empty() ? "{}" : body, nullptr, false);
    if (command.is_discarded() || !command.is_object()) {
      return JsonError(400, "body must be a JSON object");
    }
    auto time_arg = [&](const char* key) -> std::optional<SystemTime> {
      auto it = command.find(key);
      if (it == command.end() || !it->is_string()) return std::nullopt;
      return ParseIso8601(it->get<std::string>());
    };
    if (command.value("reset", false)) clock_.Reset();
    if (command.contains("set")) {
      auto at = time_arg("set");
      if (!at) return JsonError(400, "\"set\" must be an ISO 8601 time");
      clock_.Advance(*at - clock_.Now());
    }
    if (command.contains("freeze")) {
      const json& freeze = command["freeze"];
      if (freeze.is_boolean()) {
        if (freeze.get<bool>())
          clock_.Freeze(clock_.Now());
        else
          clock_.Unfreeze();
      } else {
        auto at = time_arg("freeze");
        if (!at) return JsonError(400, "\"freeze\" must be true, false or an ISO 8601 time");
        clock_.Freeze(*at);
      }
    }
    if (command.value("unfreeze", false)) clock_.Unfreeze();
    if (command.contains("advance")) {
      if (!command["advance"].is_number()) return JsonError(400, "\"advance\" is in seconds");
      double seconds = command["advance"].get<double>();
      clock_.Advance(std::chrono::duration_cast<gureum::Clock::Duration>(
          std::chrono::duration<double>(seconds)));
    }
    // Credentials cached with an expiry are re-read against the new time, and whatever the
    // new time makes due (lifecycle rules) happens now, so tests never wait for a timer.
    credentials_.InvalidateAll();
    RunTicks();
  } else if (request.method != "GET") {
    return JsonError(405, "use GET or POST");
  }
  auto now = clock_.Now();
  double offset = std::chrono::duration<double>(now - std::chrono::system_clock::now()).count();
  return JsonResponse(200, json{{"now", FormatIso8601(now, true)},
                                {"frozen", clock_.frozen()},
                                {"offset_seconds", offset}});
}

http::Response AdminApi::Reset() {
  json failed = json::array();
  for (const auto& module : registry_.modules()) {
    if (!module.reset) continue;
    auto status = module.reset();
    if (!status) {
      spdlog::error("reset of {} failed: {}", module.model_key, status.error().message());
      failed.push_back(module.model_key);
    }
  }
  credentials_.InvalidateAll();
  if (!failed.empty()) return JsonResponse(500, json{{"reset", false}, {"failed", failed}});
  spdlog::info("state reset");
  return JsonResponse(200, json{{"reset", true}});
}

}  // namespace gureum::gateway
