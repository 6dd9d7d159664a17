#include "auth/sigv4.h"

#include <algorithm>
#include <charconv>

namespace gureum::auth {
namespace {

AwsError Incomplete(std::string message) {
  return AwsError(ErrorCode::IncompleteSignature, std::move(message));
}

// "Credential=...", "SignedHeaders=...", "Signature=..." separated by ',' and optional spaces.
std::optional<std::string_view> Component(std::string_view rest, std::string_view name) {
  size_t pos = 0;
  while (pos < rest.size()) {
    size_t end = rest.find(',', pos);
    if (end == std::string_view::npos) end = rest.size();
    std::string_view part = Trim(rest.substr(pos, end - pos));
    if (part.size() > name.size() && part.substr(0, name.size()) == name &&
        part[name.size()] == '=') {
      return part.substr(name.size() + 1);
    }
    pos = end + 1;
  }
  return std::nullopt;
}

std::vector<std::string> SplitSignedHeaders(std::string_view text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find(';', pos);
    if (end == std::string_view::npos) end = text.size();
    out.push_back(ToLower(text.substr(pos, end - pos)));
    pos = end + 1;
  }
  return out;
}

// Removes "." and ".." segments and empty segments (RFC 3986 5.2.4 as the AWS SDKs apply it),
// keeping a trailing slash.
std::string NormalizePath(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t pos = 0;
  while (pos < path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    std::string_view seg = path.substr(pos, end - pos);
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    pos = end + 1;
  }
  std::string out;
  for (auto seg : segments) {
    out += '/';
    out += seg;
  }
  if (out.empty()) return "/";
  if (path.back() == '/') out += '/';
  return out;
}

}  // namespace

Result<std::pair<std::string, CredentialScope>> ParseCredential(std::string_view text) {
  // AK/date/region/service/aws4_request; the key itself contains no '/'.
  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('/', pos);
    if (end == std::string_view::npos) end = text.size();
    parts.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  if (parts.size() != 5 || parts[0].empty()) {
    return Fail(Incomplete("Credential should be scoped to a valid region, not '" +
                           std::string(parts.size() > 2 ? parts[2] : "") + "'. "));
  }
  if (parts[4] != "aws4_request") {
    return Fail(
        Incomplete("Credential should be scoped with a valid terminator: 'aws4_request', "
                   "not '" +
                   std::string(parts[4]) + "'."));
  }
  if (parts[1].size() != 8 || !std::all_of(parts[1].begin(), parts[1].end(), ::isdigit)) {
    return Fail(Incomplete("Credential should be scoped to a valid date, not '" +
                           std::string(parts[1]) + "'."));
  }
  if (parts[2].empty() || parts[3].empty()) {
    return Fail(Incomplete("Credential should be scoped to a valid region and service."));
  }
  return std::pair{
      std::string(parts[0]),
      CredentialScope{std::string(parts[1]), std::string(parts[2]), std::string(parts[3])}};
}

Result<SignatureClaim> ParseAuthorizationHeader(std::string_view value) {
  value = Trim(value);
  size_t space = value.find(' ');
  std::string_view algorithm = value.substr(0, space);
  if (algorithm != kSigV4Algorithm) {
    return Fail(Incomplete("Unsupported AWS 'algorithm': '" + std::string(algorithm) +
                           "'. Gureum verifies AWS4-HMAC-SHA256 signatures."));
  }
  std::string_view rest = space == std::string_view::npos ? "" : value.substr(space + 1);
  auto credential = Component(rest, "Credential");
  auto signed_headers = Component(rest, "SignedHeaders");
  auto signature = Component(rest, "Signature");
  std::string missing;
  if (!credential) missing += " Authorization header requires 'Credential' parameter.";
  if (!signed_headers) missing += " Authorization header requires 'SignedHeaders' parameter.";
  if (!signature) missing += " Authorization header requires 'Signature' parameter.";
  if (!missing.empty()) {
    return Fail(
        Incomplete(std::string(Trim(missing)) + " Authorization=" + std::string(algorithm)));
  }
  GUREUM_TRY(auto cred, ParseCredential(*credential));
  if (signed_headers->empty()) return Fail(Incomplete("SignedHeaders must not be empty."));
  SignatureClaim claim;
  claim.access_key_id = std::move(cred.first);
  claim.scope = std::move(cred.second);
  claim.signed_headers_text = std::string(*signed_headers);
  claim.signed_headers = SplitSignedHeaders(*signed_headers);
  // A malformed signature value is not "incomplete": verification reports it as a mismatch.
  claim.signature = ToLower(*signature);
  return claim;
}

Result<std::optional<SignatureClaim>> ParsePresignedQuery(const QueryParams& params) {
  auto algorithm = FindParam(params, "X-Amz-Algorithm");
  if (!algorithm) return std::optional<SignatureClaim>();
  if (*algorithm != kSigV4Algorithm) {
    return Fail(AwsError(ErrorCode::AuthorizationQueryParametersError,
                         "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\""));
  }
  auto credential = FindParam(params, "X-Amz-Credential");
  auto signed_headers = FindParam(params, "X-Amz-SignedHeaders");
  auto signature = FindParam(params, "X-Amz-Signature");
  auto date = FindParam(params, "X-Amz-Date");
  if (!credential || !signed_headers || !signature || !date) {
    return Fail(AwsError(ErrorCode::AuthorizationQueryParametersError,
                         "Query-string authentication version 4 requires the X-Amz-Algorithm, "
                         "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, "
                         "and X-Amz-Expires parameters."));
  }
  GUREUM_TRY(auto cred, ParseCredential(*credential));
  SignatureClaim claim;
  claim.presigned = true;
  claim.access_key_id = std::move(cred.first);
  claim.scope = std::move(cred.second);
  claim.signed_headers_text = std::string(*signed_headers);
  claim.signed_headers = SplitSignedHeaders(*signed_headers);
  claim.signature = ToLower(*signature);
  claim.amz_date = std::string(*date);
  if (auto expires = FindParam(params, "X-Amz-Expires")) {
    int64_t seconds = -1;
    auto [ptr, ec] = std::from_chars(expires->data(), expires->data() + expires->size(), seconds);
    if (ec != std::errc() || ptr != expires->data() + expires->size() || seconds < 0) {
      return Fail(AwsError(ErrorCode::AuthorizationQueryParametersError,
                           "X-Amz-Expires should be a number"));
    }
    if (seconds > 604800) {
      return Fail(AwsError(ErrorCode::AuthorizationQueryParametersError,
                           "X-Amz-Expires must be less than a week (in seconds) that is 604800"));
    }
    claim.expires_seconds = seconds;
  }
  if (auto token = FindParam(params, "X-Amz-Security-Token")) claim.security_token = *token;
  if (auto sha = FindParam(params, "X-Amz-Content-Sha256")) claim.content_sha256 = *sha;
  return std::optional<SignatureClaim>(std::move(claim));
}

std::string CanonicalUri(std::string_view raw_path, UriStyle style) {
  if (raw_path.empty()) return "/";
  if (style == UriStyle::S3) {
    // S3 signs the key bytes encoded once; decode what the client sent and encode canonically.
    auto decoded = PercentDecode(raw_path, false);
    return UriEncode(decoded ? std::string_view(*decoded) : raw_path, false);
  }
  // Other services sign the normalised path as sent, encoded again (so '%' becomes '%25').
  return UriEncode(NormalizePath(raw_path), false);
}

std::optional<std::string> CanonicalQuery(std::string_view raw_query) {
  auto params = ParseQueryString(raw_query, false);
  if (!params) return std::nullopt;
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(params->size());
  for (auto& [name, value] : *params) {
    if (name == "X-Amz-Signature") continue;
    encoded.emplace_back(UriEncode(name, true), UriEncode(value, true));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

std::string CanonicalHeaders(const http::Headers& headers,
                             const std::vector<std::string>& signed_headers) {
  std::string out;
  for (const auto& name : signed_headers) {
    out += name;
    out += ':';
    bool first = true;
    for (const auto& [n, v] : headers.entries()) {
      if (!EqualsIgnoreCase(n, name)) continue;
      if (!first) out += ',';
      first = false;
      // Trim, and collapse runs of whitespace (including folded line breaks) to one space. Trim()
      // leaves a fold at the start, so a separator is only written between two words.
      std::string_view value = Trim(v);
      bool in_space = false;
      bool in_value = false;
      for (char c : value) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
          in_space = true;
          continue;
        }
        if (in_space && in_value) out += ' ';
        in_space = false;
        in_value = true;
        out += c;
      }
    }
    out += '\n';
  }
  return out;
}

std::string CanonicalRequest(std::string_view method, std::string_view canonical_uri,
                             std::string_view canonical_query, std::string_view canonical_headers,
                             std::string_view signed_headers_text, std::string_view payload_hash) {
  std::string out;
  out.reserve(method.size() + canonical_uri.size() + canonical_query.size() +
              canonical_headers.size() + signed_headers_text.size() + payload_hash.size() + 8);
  out.append(method).append("\n");
  out.append(canonical_uri).append("\n");
  out.append(canonical_query).append("\n");
  out.append(canonical_headers).append("\n");
  out.append(signed_headers_text).append("\n");
  out.append(payload_hash);
  return out;
}

std::string StringToSign(std::string_view amz_date, const CredentialScope& scope,
                         std::string_view canonical_request) {
  std::string out(kSigV4Algorithm);
  out += '\n';
  out.append(amz_date).append("\n");
  out += scope.String();
  out += '\n';
  out += Sha256Hex(canonical_request);
  return out;
}

Sha256Digest DeriveSigningKey(std::string_view secret, const CredentialScope& scope) {
  auto as_view = [](const Sha256Digest& d) {
    return std::string_view(reinterpret_cast<const char*>(d.data()), d.size());
  };
  Sha256Digest k_date = HmacSha256("AWS4" + std::string(secret), scope.date);
  Sha256Digest k_region = HmacSha256(as_view(k_date), scope.region);
  Sha256Digest k_service = HmacSha256(as_view(k_region), scope.service);
  return HmacSha256(as_view(k_service), "aws4_request");
}

std::string SignString(const Sha256Digest& signing_key, std::string_view string_to_sign) {
  std::string_view key(reinterpret_cast<const char*>(signing_key.data()), signing_key.size());
  return HexEncode(HmacSha256(key, string_to_sign));
}

std::optional<SignatureCheck> ComputeSignature(const http::Request& request,
                                               const SignatureClaim& claim,
                                               std::string_view amz_date,
                                               std::string_view payload_hash,
                                               const Sha256Digest& signing_key, UriStyle style) {
  auto query = CanonicalQuery(request.query);
  if (!query) return std::nullopt;
  SignatureCheck check;
  check.canonical_request =
      CanonicalRequest(request.method, CanonicalUri(request.path, style), *query,
                       CanonicalHeaders(request.headers, claim.signed_headers),
                       claim.signed_headers_text, payload_hash);
  check.string_to_sign = StringToSign(amz_date, claim.scope, check.canonical_request);
  check.signature = SignString(signing_key, check.string_to_sign);
  return check;
}

}  // namespace gureum::auth
