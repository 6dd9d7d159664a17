// What browsers see of S3: CORS (preflight OPTIONS and the headers on actual requests) and
// static website hosting on the website endpoints (index and error documents, redirects,
// routing rules), served to anonymous visitors as S3 does.

#include <optional>

#include "gureum/core/encoding.h"
#include "gureum/core/time_format.h"

#include "s3/s3_errors.h"
#include "s3/s3_http.h"
#include "s3/s3_internal.h"
#include "s3/s3_service.h"

namespace gureum::s3 {
namespace {

// S3's origin and header patterns allow one '*' wildcard.
bool WildcardMatch(std::string_view pattern, std::string_view value, bool ignore_case) {
  std::string p = ignore_case ? ToLower(pattern) : std::string(pattern);
  std::string v = ignore_case ? ToLower(value) : std::string(value);
  size_t star = p.find('*');
  if (star == std::string::npos) return p == v;
  std::string_view head = std::string_view(p).substr(0, star);
  std::string_view tail = std::string_view(p).substr(star + 1);
  return v.size() >= head.size() + tail.size() && StartsWith(v, head) &&
         std::string_view(v).substr(v.size() - tail.size()) == tail;
}

bool AnyMatches(const json& patterns, std::string_view value, bool ignore_case) {
  if (!patterns.is_array()) return false;
  for (const auto& p : patterns) {
    if (p.is_string() && WildcardMatch(p.get<std::string>(), value, ignore_case)) return true;
  }
  return false;
}

std::string Join(const json& items) {
  std::string out;
  if (!items.is_array()) return out;
  for (const auto& i : items) {
    if (!out.empty()) out += ", ";
    out += i.get<std::string>();
  }
  return out;
}

// The first CORS rule admitting origin, method and (for preflights) every requested header.
std::optional<json> MatchRule(const json& config, std::string_view origin, std::string_view method,
                              const std::vector<std::string>& headers) {
  for (const auto& rule : config.value("CORSRules", json::array())) {
    if (!AnyMatches(rule.value("AllowedOrigins", json::array()), origin, false)) continue;
    bool method_ok = false;
    for (const auto& m : rule.value("AllowedMethods", json::array())) {
      if (m.get<std::string>() == method) method_ok = true;
    }
    if (!method_ok) continue;
    bool headers_ok = true;
    for (const auto& h : headers) {
      if (!AnyMatches(rule.value("AllowedHeaders", json::array()), h, true)) headers_ok = false;
    }
    if (headers_ok) return rule;
  }
  return std::nullopt;
}

void AddCorsHeaders(http::Response& response, const json& rule, std::string_view origin) {
  bool any_origin = false;
  for (const auto& o : rule.value("AllowedOrigins", json::array())) {
    if (o.get<std::string>() == "*") any_origin = true;
  }
  auto& h = response.headers;
  h.Set("Access-Control-Allow-Origin", any_origin ? std::string("*") : std::string(origin));
  h.Set("Access-Control-Allow-Methods", Join(rule.value("AllowedMethods", json::array())));
  if (!any_origin) h.Set("Access-Control-Allow-Credentials", "true");
  if (rule.contains("ExposeHeaders")) {
    h.Set("Access-Control-Expose-Headers", Join(rule["ExposeHeaders"]));
  }
  if (rule.contains("MaxAgeSeconds")) {
    h.Set("Access-Control-Max-Age", std::to_string(rule["MaxAgeSeconds"].get<int64_t>()));
  }
  h.Set("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method");
}

std::vector<std::string> RequestedHeaders(std::string_view list) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t comma = list.find(',', pos);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view h = Trim(list.substr(pos, comma - pos));
    if (!h.empty()) out.push_back(ToLower(h));
    pos = comma + 1;
  }
  return out;
}

std::string BucketOfPath(std::string_view path) {
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  auto decoded = PercentDecode(path.substr(0, path.find('/')), false);
  return decoded ? *decoded : std::string();
}

// S3 website endpoints answer errors as HTML pages.
http::Response HtmlError(int status, std::string_view code, std::string_view message,
                         std::string_view request_id = {}) {
  std::string title = std::to_string(status) + " " +
                      (status == 404   ? "Not Found"
                       : status == 403 ? "Forbidden"
                       : status == 405 ? "Method Not Allowed"
                                       : "Error");
  http::Response r;
  r.status = status;
  r.headers.Add("Content-Type", "text/html; charset=utf-8");
  std::string body = "<html>\n<head><title>" + title + "</title></head>\n<body>\n<h1>" + title +
                     "</h1>\n<ul>\n<li>Code: ";
  XmlEscapeAppend(body, code);
  body += "</li>\n<li>Message: ";
  XmlEscapeAppend(body, message);
  body += "</li>\n";
  if (!request_id.empty()) body += "<li>RequestId: " + std::string(request_id) + "</li>\n";
  body += "</ul>\n<hr/>\n</body>\n</html>\n";
  r.body = std::move(body);
  return r;
}

http::Response Redirect(int status, std::string location) {
  http::Response r;
  r.status = status;
  r.headers.Add("Location", std::move(location));
  return r;
}

// A routing rule's redirect for `key` (and the error status, for error conditions).
std::optional<http::Response> RoutingRedirect(const json& website, const std::string& key,
                                              std::optional<int> error_status,
                                              std::string_view host) {
  for (const auto& rule : website.value("RoutingRules", json::array())) {
    const json& condition = rule.value("Condition", json::object());
    if (condition.contains("KeyPrefixEquals") &&
        !StartsWith(key, condition["KeyPrefixEquals"].get<std::string>())) {
      continue;
    }
    if (condition.contains("HttpErrorCodeReturnedEquals")) {
      if (!error_status || std::to_string(*error_status) !=
                               condition["HttpErrorCodeReturnedEquals"].get<std::string>()) {
        continue;
      }
    } else if (error_status) {
      continue;
    }
    const json& redirect = rule.value("Redirect", json::object());
    std::string new_key = key;
    if (redirect.contains("ReplaceKeyWith")) {
      new_key = redirect["ReplaceKeyWith"].get<std::string>();
    } else if (redirect.contains("ReplaceKeyPrefixWith")) {
      std::string prefix = condition.value("KeyPrefixEquals", std::string());
      new_key = redirect["ReplaceKeyPrefixWith"].get<std::string>() + key.substr(prefix.size());
    }
    std::string protocol = redirect.value("Protocol", std::string("http"));
    std::string target_host = redirect.value("HostName", std::string(host));
    int code = std::atoi(redirect.value("HttpRedirectCode", std::string("301")).c_str());
    return Redirect(code, protocol + "://" + target_host + "/" + UriEncode(new_key, false));
  }
  return std::nullopt;
}

}  // namespace

// Whether a bucket policy lets anyone perform `action` on `resource`. A small, conservative
// reading until IAM's evaluator joins S3: statements with conditions are not applied, and an
// explicit deny wins.
bool PolicyAllowsAnonymous(std::string_view policy_text, std::string_view action,
                           std::string_view resource) {
  json policy = json::parse(policy_text, nullptr, false);
  if (!policy.is_object()) return false;
  json statements = policy.value("Statement", json::array());
  if (statements.is_object()) statements = json::array({statements});
  auto list = [](const json& v) { return v.is_array() ? v : json::array({v}); };
  bool allowed = false;
  for (const auto& st : statements) {
    if (!st.is_object() || st.contains("Condition")) continue;
    const json& principal = st.value("Principal", json());
    bool everyone = principal == "*" ||
                    (principal.is_object() && list(principal.value("AWS", json())).size() == 1 &&
                     list(principal.value("AWS", json()))[0] == "*");
    if (!everyone) continue;
    bool action_ok = false;
    for (const auto& a : list(st.value("Action", json()))) {
      if (a.is_string() && WildcardMatch(a.get<std::string>(), action, true)) action_ok = true;
    }
    bool resource_ok = false;
    for (const auto& r : list(st.value("Resource", json()))) {
      if (r.is_string() && WildcardMatch(r.get<std::string>(), resource, false)) resource_ok = true;
    }
    if (!action_ok || !resource_ok) continue;
    std::string effect = st.value("Effect", std::string());
    if (effect == "Deny") return false;
    if (effect == "Allow") allowed = true;
  }
  return allowed;
}

Result<http::Response> S3Service::CorsPreflight(const RequestContext&, const json& in,
                                                const http::Request& request, http::BodySource&) {
  auto origin = request.headers.Get("Origin");
  auto method = request.headers.Get("Access-Control-Request-Method");
  if (!origin || !method) {
    return Fail(
        errors::Make("BadRequest", "Insufficient information. Origin request header needed.", 400));
  }
  GUREUM_TRY(Bucket bucket, store_.GetBucket(Str(in, "Bucket")));
  GUREUM_TRY(auto config, store_.GetConfig(bucket.name, "cors"));
  std::string resource_type = Str(in, "Key").empty() ? "BUCKET" : "OBJECT";
  auto forbidden = [&](std::string message) {
    return Fail(errors::Make("AccessForbidden", std::move(message), 403)
                    .With("Method", "OPTIONS")
                    .With("ResourceType", resource_type));
  };
  if (!config) return forbidden("CORSResponse: CORS is not enabled for this bucket.");
  auto headers = RequestedHeaders(request.headers.GetOr("Access-Control-Request-Headers", ""));
  auto rule = MatchRule(json::parse(*config, nullptr, false), *origin, *method, headers);
  if (!rule) {
    return forbidden(
        "CORSResponse: This CORS request is not allowed. This is usually because the evalution "
        "of Origin, request method / Access-Control-Request-Method or "
        "Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.");
  }
  http::Response response;
  AddCorsHeaders(response, *rule, *origin);
  if (!headers.empty()) {
    std::string list;
    for (const auto& h : headers) list += (list.empty() ? "" : ", ") + h;
    response.headers.Set("Access-Control-Allow-Headers", list);
  }
  return response;
}

void S3Service::DecorateCors(const http::Request& request, std::string_view path,
                             http::Response& response) {
  auto origin = request.headers.Get("Origin");
  if (!origin || request.method == "OPTIONS") return;
  std::string bucket = BucketOfPath(path);
  if (bucket.empty()) return;
  auto config = store_.GetConfig(bucket, "cors");
  if (!config || !*config) return;
  auto rule = MatchRule(json::parse(**config, nullptr, false), *origin, request.method, {});
  if (rule) AddCorsHeaders(response, *rule, *origin);
}

Result<http::Response> S3Service::WebsiteRequest(const RequestContext& ctx, const json& in,
                                                 const http::Request& request, http::BodySource&) {
  std::string host = std::string(request.headers.GetOr("Host", ""));
  if (request.method != "GET" && request.method != "HEAD") {
    return HtmlError(405, "MethodNotAllowed",
                     "The specified method is not allowed against this resource.", ctx.request_id);
  }
  std::string name = Str(in, "Bucket");
  auto bucket = store_.GetBucket(name);
  if (!bucket) {
    return HtmlError(404, "NoSuchBucket", "The specified bucket does not exist", ctx.request_id);
  }
  GUREUM_TRY(auto config, store_.GetConfig(name, "website"));
  if (!config) {
    return HtmlError(404, "NoSuchWebsiteConfiguration",
                     "The specified bucket does not have a website configuration", ctx.request_id);
  }
  json website = json::parse(*config, nullptr, false);
  std::string key = Str(in, "Key");
  if (website.contains("RedirectAllRequestsTo")) {
    const json& to = website["RedirectAllRequestsTo"];
    std::string protocol = to.value("Protocol", std::string("http"));
    return Redirect(
        301, protocol + "://" + to.value("HostName", std::string()) + "/" + UriEncode(key, false));
  }
  if (auto redirect = RoutingRedirect(website, key, std::nullopt, host))
    return std::move(*redirect);
  std::string suffix = website["IndexDocument"].value("Suffix", std::string("index.html"));
  std::string lookup = key.empty() || key.back() == '/' ? key + suffix : key;

  GUREUM_TRY(auto policy, store_.GetConfig(name, "policy"));
  auto readable = [&](const ObjectRecord& object) {
    return CanReadObjectAcl(store_, ctx, *bucket, object) ||
           (policy && PolicyAllowsAnonymous(*policy, "s3:GetObject",
                                            "arn:aws:s3:::" + name + "/" + object.key));
  };
  auto serve = [&](const std::string& object_key, int status) -> Result<http::Response> {
    GUREUM_TRY(ObjectRecord object, store_.GetObject(name, object_key, std::nullopt));
    if (object.delete_marker) return Fail(errors::NoSuchKey(object_key));
    if (!readable(object)) {
      return HtmlError(403, "AccessDenied", "Access Denied", ctx.request_id);
    }
    if (object.meta.contains("WebsiteRedirectLocation")) {
      return Redirect(301, object.meta["WebsiteRedirectLocation"].get<std::string>());
    }
    http::Response response;
    response.status = status;
    AddObjectHeaders(response, object, *bucket, false);
    if (request.method == "HEAD") {
      response.content_length_override = object.size;
      return response;
    }
    // Website endpoints carry no keys: an SSE-C object cannot be served there.
    GUREUM_TRY(auto key, KeyForRead(object.meta, std::nullopt, sse_));
    GUREUM_TRY(std::string body, store_.Read(object, 0, object.size, key ? &*key : nullptr));
    response.body = std::move(body);
    return response;
  };
  auto found = serve(lookup, 200);
  if (found || found.error().code() != "NoSuchKey") return found;
  // "/dir" names a folder when "dir/index.html" exists: S3 redirects to the slash form.
  if (!key.empty() && key.back() != '/') {
    auto folder = store_.GetObject(name, key + "/" + suffix, std::nullopt);
    if (folder && !folder->delete_marker) {
      return Redirect(302, "/" + UriEncode(key, false) + "/");
    }
  }
  if (auto redirect = RoutingRedirect(website, key, 404, host)) return std::move(*redirect);
  if (website.contains("ErrorDocument")) {
    std::string error_key = website["ErrorDocument"].value("Key", std::string());
    auto error_page = serve(error_key, 404);
    if (error_page) return error_page;
  }
  return HtmlError(404, "NoSuchKey", "The specified key does not exist.", ctx.request_id);
}

std::optional<std::string> S3Service::SyntheticOperation(const http::Request& request,
                                                         bool website) {
  if (website) return "WebsiteRequest";
  if (request.method == "OPTIONS") return "CorsPreflight";
  // A form upload: POST to the bucket itself, as multipart/form-data.
  if (request.method == "POST" && request.query.empty() &&
      StartsWith(ToLower(request.headers.GetOr("Content-Type", "")), "multipart/form-data")) {
    return "PostObject";
  }
  return std::nullopt;
}

}  // namespace gureum::s3
