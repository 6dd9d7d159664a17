#include "gateway/metrics.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include <unistd.h>

namespace gureum::gateway {
namespace {

// Prometheus label values escape backslash, double quote and newline.
std::string Label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

long ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return pages_resident * sysconf(_SC_PAGESIZE);
}

}  // namespace

void Metrics::RecordRequest(const std::string& service, const std::string& operation, int status,
                            std::chrono::nanoseconds latency, uint64_t bytes_in,
                            uint64_t bytes_out) {
  double seconds = std::chrono::duration<double>(latency).count();
  total_requests_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(mu_);
  ++requests_[{service, operation, status}];
  Histogram& h = latency_[service];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.counts[i];
  }
  ++h.count;
  h.sum += seconds;
  bytes_in_ += bytes_in;
  bytes_out_ += bytes_out;
}

std::string Metrics::Render(double uptime_seconds) const {
  std::ostringstream out;
  std::lock_guard lock(mu_);
  out << "# HELP gureum_requests_total Requests answered, by service, operation and status.\n"
      << "# TYPE gureum_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    const auto& [service, operation, status] = key;
    out << "gureum_requests_total{service=\"" << Label(service) << "\",operation=\""
        << Label(operation) << "\",status=\"" << status << "\"} " << count << "\n";
  }
  out << "# HELP gureum_request_duration_seconds Request latency, head read to response "
         "written.\n"
      << "# TYPE gureum_request_duration_seconds histogram\n";
  for (const auto& [service, h] : latency_) {
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      out << "gureum_request_duration_seconds_bucket{service=\"" << Label(service) << "\",le=\""
          << kBuckets[i] << "\"} " << h.counts[i] << "\n";
    }
    out << "gureum_request_duration_seconds_bucket{service=\"" << Label(service)
        << "\",le=\"+Inf\"} " << h.count << "\n";
    out << "gureum_request_duration_seconds_sum{service=\"" << Label(service) << "\"} " << h.sum
        << "\n";
    out << "gureum_request_duration_seconds_count{service=\"" << Label(service) << "\"} " << h.count
        << "\n";
  }
  out << "# HELP gureum_request_bytes_total Body bytes received and sent.\n"
      << "# TYPE gureum_request_bytes_total counter\n"
      << "gureum_request_bytes_total{direction=\"in\"} " << bytes_in_ << "\n"
      << "gureum_request_bytes_total{direction=\"out\"} " << bytes_out_ << "\n"
      << "# HELP gureum_open_connections Client connections open now.\n"
      << "# TYPE gureum_open_connections gauge\n"
      << "gureum_open_connections " << open_connections_.load() << "\n"
      << "# HELP gureum_uptime_seconds Seconds since the daemon started.\n"
      << "# TYPE gureum_uptime_seconds gauge\n"
      << "gureum_uptime_seconds " << uptime_seconds << "\n"
      << "# HELP gureum_resident_memory_bytes Resident set size of the daemon.\n"
      << "# TYPE gureum_resident_memory_bytes gauge\n"
      << "gureum_resident_memory_bytes " << ResidentBytes() << "\n";
  return out.str();
}

}  // namespace gureum::gateway
