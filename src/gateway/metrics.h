#pragma once
// Request metrics for GET /_gureum/metrics (Prometheus text format). Thread-safe; recording is
// one short critical section per request.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace gureum::gateway {

class Metrics {
 public:
  void RecordRequest(const std::string& service, const std::string& operation, int status,
                     std::chrono::nanoseconds latency, uint64_t bytes_in, uint64_t bytes_out);
  void ConnectionsChanged(int delta) { open_connections_.fetch_add(delta); }
  int64_t open_connections() const { return open_connections_.load(); }
  uint64_t total_requests() const { return total_requests_.load(); }
  // The whole exposition, with uptime and process gauges.
  std::string Render(double uptime_seconds) const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1,    5};
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> latency_;  // per service
  uint64_t bytes_in_ = 0;
  uint64_t bytes_out_ = 0;
  std::atomic<int64_t> open_connections_{0};
  std::atomic<uint64_t> total_requests_{0};
};

}  // namespace gureum::gateway
