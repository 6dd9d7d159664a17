#include "gateway/router.h"

#include <array>

#include "protocol/model.h"

namespace gureum::gateway {
namespace {

constexpr std::array<ServiceInfo, 7> kServices = {{
    {"sts", "sts", "2011-06-15", "query", ""},
    {"iam", "iam", "2010-05-08", "query", ""},
    {"ec2", "ec2", "2016-11-15", "ec2", ""},
    {"rds", "rds", "2014-10-31", "query", ""},
    {"cloudwatch", "monitoring", "2010-08-01", "query", "GraniteServiceVersion20100801"},
    {"s3", "s3", "2006-03-01", "rest-xml", ""},
    {"rds-data", "rds-data", "2018-08-01", "rest-json", ""},
}};

const ServiceInfo* BySigningName(std::string_view name) {
  for (const auto& s : kServices) {
    if (s.signing_name == name) return &s;
  }
  return nullptr;
}

// The service named in "Credential=AK/date/region/<service>/aws4_request".
std::string ScopeService(const http::Request& request) {
  std::string_view credential;
  std::string decoded;
  if (auto auth = request.headers.Get("Authorization")) {
    size_t pos = auth->find("Credential=");
    if (pos == std::string_view::npos) return {};
    credential = auth->substr(pos + 11);
    credential = credential.substr(0, credential.find_first_of(", "));
  } else {
    size_t pos = request.query.find("X-Amz-Credential=");
    if (pos == std::string::npos) return {};
    std::string_view raw = std::string_view(request.query).substr(pos + 17);
    raw = raw.substr(0, raw.find('&'));
    auto d = PercentDecode(raw, false);
    if (!d) return {};
    decoded = std::move(*d);
    credential = decoded;
  }
  // AK/date/region/service/aws4_request
  size_t slash = 0;
  for (int i = 0; i < 3; ++i) {
    slash = credential.find('/', slash);
    if (slash == std::string_view::npos) return {};
    ++slash;
  }
  size_t end = credential.find('/', slash);
  return std::string(credential.substr(slash, end == std::string_view::npos ? end : end - slash));
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::span<const ServiceInfo> KnownServices() { return kServices; }

const ServiceInfo* FindService(std::string_view model_key) {
  for (const auto& s : kServices) {
    if (s.model_key == model_key) return &s;
  }
  return nullptr;
}

HostInfo ParseHost(std::string_view host) {
  HostInfo info;
  // Strip the port and an IPv6 literal's brackets; an IP address names no bucket.
  if (!host.empty() && host.front() == '[') return info;
  size_t colon = host.rfind(':');
  if (colon != std::string_view::npos) host = host.substr(0, colon);
  std::string lower = ToLower(host);
  std::string_view h = lower;
  if (!h.empty() && h.back() == '.') h.remove_suffix(1);
  if (!h.empty() && (h.front() >= '0' && h.front() <= '9') &&
      h.find_first_not_of("0123456789.") == std::string_view::npos) {
    return info;
  }

  // Strip the base domain: localhost or amazonaws.com.
  std::string_view rest;
  if (h == "localhost" || h == "amazonaws.com") return info;
  if (EndsWith(h, ".localhost")) {
    rest = h.substr(0, h.size() - 10);
  } else if (EndsWith(h, ".amazonaws.com")) {
    rest = h.substr(0, h.size() - 14);
  } else {
    return info;
  }

  // rest is now e.g. "bucket", "bucket.s3", "bucket.s3.us-east-1", "s3.us-east-1",
  // "bucket.s3-website-us-east-1", "bucket.s3-website.us-east-1", "sts", "ec2.us-east-1".
  // Find the last "s3"-ish label; everything before it is the bucket (which may contain dots).
  std::vector<std::string_view> labels;
  size_t pos = 0;
  while (pos <= rest.size()) {
    size_t dot = rest.find('.', pos);
    if (dot == std::string_view::npos) dot = rest.size();
    labels.push_back(rest.substr(pos, dot - pos));
    pos = dot + 1;
  }
  int s3_label = -1;
  for (int i = static_cast<int>(labels.size()) - 1; i >= 0; --i) {
    std::string_view l = labels[static_cast<size_t>(i)];
    if (l == "s3" || StartsWith(l, "s3-") || l == "s3-website") {
      s3_label = i;
      break;
    }
  }
  if (s3_label < 0) {
    // "<bucket>.localhost" is virtual-hosted S3; "<service>[.<region>].amazonaws.com" is an AWS
    // endpoint for that service.
    if (EndsWith(h, ".amazonaws.com")) {
      info.service = std::string(labels.front());
      return info;
    }
    info.bucket = std::string(rest);
    return info;
  }
  std::string_view s3 = labels[static_cast<size_t>(s3_label)];
  if (StartsWith(s3, "s3-website")) {
    info.website = true;
    if (s3.size() > 11) info.region = std::string(s3.substr(11));  // s3-website-<region>
  } else if (StartsWith(s3, "s3-")) {
    info.region = std::string(s3.substr(3));  // legacy s3-<region>
  }
  if (static_cast<size_t>(s3_label) + 1 < labels.size()) {
    info.region = std::string(labels[static_cast<size_t>(s3_label) + 1]);
  }
  std::string bucket;
  for (int i = 0; i < s3_label; ++i) {
    if (!bucket.empty()) bucket += '.';
    bucket += labels[static_cast<size_t>(i)];
  }
  info.bucket = std::move(bucket);
  if (info.region == "dualstack") info.region.clear();
  return info;
}

Route RouteRequest(const http::Request& request) {
  Route route;
  route.host = ParseHost(request.headers.GetOr("Host", ""));
  route.scope_service = ScopeService(request);
  if (!route.scope_service.empty()) {
    route.service = BySigningName(route.scope_service);
    return route;  // an unknown scope service stays null with scope_service set
  }
  // Signature Version 2 exists only for S3.
  bool sigv2 = StartsWith(request.headers.GetOr("Authorization", ""), "AWS ") ||
               (request.query.find("AWSAccessKeyId=") != std::string::npos &&
                request.query.find("Signature=") != std::string::npos);
  if (sigv2 || !route.host.bucket.empty() || route.host.website) {
    route.service = FindService("s3");
    return route;
  }
  if (!route.host.service.empty()) {
    if (const ServiceInfo* s = BySigningName(route.host.service)) {
      route.service = s;
      if (s->protocol == "query" || s->protocol == "ec2") route.by_action = true;
      return route;
    }
    if (route.host.service == "s3") {
      route.service = FindService("s3");
      return route;
    }
  }
  if (auto target = request.headers.Get("X-Amz-Target")) {
    std::string_view prefix = target->substr(0, target->rfind('.'));
    for (const auto& s : kServices) {
      if (!s.json_target_prefix.empty() && s.json_target_prefix == prefix) {
        route.service = &s;
        return route;
      }
    }
    route.unknown_target = std::string(*target);
    return route;
  }
  std::string_view content_type = request.headers.GetOr("Content-Type", "");
  // Query protocols POST forms (or GET with Action=); a PUT with a form content type is an S3
  // upload from a tool that labels every body that way (curl --data-binary, urllib).
  bool form = request.method == "POST" &&
              StartsWith(ToLower(content_type), "application/x-www-form-urlencoded");
  if (form || request.query.find("Action=") != std::string::npos) {
    route.by_action = true;
    return route;
  }
  route.service = FindService("s3");
  return route;
}

const ServiceInfo* ServiceForAction(const QueryParams& params) {
  auto action = FindParam(params, "Action");
  if (!action) return nullptr;
  auto version = FindParam(params, "Version");
  if (version) {
    for (const auto& s : kServices) {
      if ((s.protocol == "query" || s.protocol == "ec2") && s.api_version == *version) return &s;
    }
  }
  // No (known) Version: the first Query service with that action.
  for (const auto& s : kServices) {
    if (s.protocol != "query" && s.protocol != "ec2") continue;
    const auto* model = protocol::ModelRegistry::Instance().Get(s.model_key);
    if (model != nullptr && model->FindOperation(*action) != nullptr) return &s;
  }
  return nullptr;
}

}  // namespace gureum::gateway
