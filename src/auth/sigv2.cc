#include "auth/sigv2.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <map>

#include "gureum/core/crypto.h"

namespace gureum::auth {
namespace {

// The sub-resources and response overrides that are part of the signed resource (the list
// botocore's HmacV1Auth signs, which is S3's).
constexpr std::array<std::string_view, 44> kSignedParams = {"accelerate",
                                                            "acl",
                                                            "cors",
                                                            "defaultObjectAcl",
                                                            "location",
                                                            "logging",
                                                            "partNumber",
                                                            "policy",
                                                            "requestPayment",
                                                            "torrent",
                                                            "versioning",
                                                            "versionId",
                                                            "versions",
                                                            "website",
                                                            "uploads",
                                                            "uploadId",
                                                            "response-content-type",
                                                            "response-content-language",
                                                            "response-expires",
                                                            "response-cache-control",
                                                            "response-content-disposition",
                                                            "response-content-encoding",
                                                            "delete",
                                                            "lifecycle",
                                                            "tagging",
                                                            "restore",
                                                            "storageClass",
                                                            "notification",
                                                            "replication",
                                                            "requestPayment",
                                                            "analytics",
                                                            "metrics",
                                                            "inventory",
                                                            "select",
                                                            "select-type",
                                                            "object-lock",
                                                            "legal-hold",
                                                            "retention",
                                                            "encryption",
                                                            "publicAccessBlock",
                                                            "ownershipControls",
                                                            "intelligent-tiering",
                                                            "policyStatus",
                                                            "attributes"};

bool IsSignedParam(std::string_view name) {
  return std::find(kSignedParams.begin(), kSignedParams.end(), name) != kSignedParams.end();
}

}  // namespace

Result<std::optional<SigV2Claim>> ParseSigV2(const http::Request& request,
                                             const QueryParams& query) {
  if (auto header = request.headers.Get("Authorization")) {
    std::string_view value = Trim(*header);
    if (!StartsWith(value, "AWS ")) return std::optional<SigV2Claim>();
    std::string_view rest = Trim(value.substr(4));
    size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == rest.size()) {
      return Fail(ErrorCode::IncompleteSignature,
                  "AWS authentication requires a valid Date or x-amz-date header");
    }
    SigV2Claim claim;
    claim.access_key_id = std::string(rest.substr(0, colon));
    claim.signature = std::string(rest.substr(colon + 1));
    if (auto token = request.headers.Get("x-amz-security-token")) claim.security_token = *token;
    return std::optional<SigV2Claim>(std::move(claim));
  }
  auto key = FindParam(query, "AWSAccessKeyId");
  auto signature = FindParam(query, "Signature");
  if (!key || !signature) return std::optional<SigV2Claim>();
  auto expires = FindParam(query, "Expires");
  SigV2Claim claim;
  claim.access_key_id = std::string(*key);
  claim.signature = std::string(*signature);
  claim.presigned = true;
  if (expires) {
    int64_t v = 0;
    auto [ptr, ec] = std::from_chars(expires->data(), expires->data() + expires->size(), v);
    if (ec != std::errc() || ptr != expires->data() + expires->size()) {
      return Fail(ErrorCode::AccessDenied,
                  "Invalid date (should be seconds since epoch): " + std::string(*expires));
    }
    claim.expires = v;
  } else {
    return Fail(ErrorCode::AccessDenied,
                "Query-string authentication requires the Signature, Expires and "
                "AWSAccessKeyId parameters");
  }
  if (auto token = FindParam(query, "x-amz-security-token")) claim.security_token = *token;
  return std::optional<SigV2Claim>(std::move(claim));
}

std::string SigV2StringToSign(const http::Request& request, const QueryParams& query,
                              std::string_view resource_path, const SigV2Claim& claim) {
  std::string out = request.method + "\n";
  out += std::string(Trim(request.headers.GetOr("Content-MD5", ""))) + "\n";
  out += std::string(Trim(request.headers.GetOr("Content-Type", ""))) + "\n";
  if (claim.presigned) {
    out += std::to_string(claim.expires.value_or(0)) + "\n";
  } else if (request.headers.Has("x-amz-date")) {
    out += "\n";  // x-amz-date is signed among the x-amz- headers instead
  } else {
    out += std::string(request.headers.GetOr("Date", "")) + "\n";
  }
  std::map<std::string, std::string> amz;
  for (const auto& [name, value] : request.headers.entries()) {
    std::string lower = ToLower(name);
    if (!StartsWith(lower, "x-amz-")) continue;
    std::string& joined = amz[lower];
    if (!joined.empty()) joined += ',';
    joined += Trim(value);
  }
  if (claim.presigned && claim.security_token && amz.count("x-amz-security-token") == 0) {
    amz["x-amz-security-token"] = *claim.security_token;
  }
  for (const auto& [name, value] : amz) out += name + ":" + value + "\n";
  out += resource_path.empty() ? std::string_view("/") : resource_path;
  std::vector<std::pair<std::string, std::string>> signed_params;
  for (const auto& [name, value] : query) {
    if (IsSignedParam(name)) signed_params.emplace_back(name, value);
  }
  std::sort(signed_params.begin(), signed_params.end());
  for (size_t i = 0; i < signed_params.size(); ++i) {
    out += i == 0 ? '?' : '&';
    out += signed_params[i].first;
    if (!signed_params[i].second.empty()) out += "=" + signed_params[i].second;
  }
  return out;
}

std::string SigV2Sign(std::string_view secret, std::string_view string_to_sign) {
  return Base64Encode(HmacSha1(secret, string_to_sign));
}

}  // namespace gureum::auth
