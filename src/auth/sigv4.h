#pragma once
// AWS Signature Version 4, server side: parsing what the client sent, and recomputing the
// canonical request, string to sign and signature exactly as AWS specifies
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html).
// Pure functions; no I/O, no clock.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gureum/core/crypto.h"
#include "gureum/core/encoding.h"
#include "gureum/core/error.h"
#include "gureum/http/message.h"

namespace gureum::auth {

inline constexpr std::string_view kSigV4Algorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
inline constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct CredentialScope {
  std::string date;     // yyyymmdd
  std::string region;   // any region name
  std::string service;  // signing name: s3, sts, iam, ec2, rds, monitoring...
  std::string String() const { return date + "/" + region + "/" + service + "/aws4_request"; }
};

// What a request claims: from the Authorization header or the presign query parameters.
struct SignatureClaim {
  std::string access_key_id;
  CredentialScope scope;
  std::vector<std::string> signed_headers;  // lowercase, in the order given
  std::string signed_headers_text;          // as given, e.g. "host;x-amz-date"
  std::string signature;                    // lowercase hex
  bool presigned = false;
  std::string amz_date;                       // presign: X-Amz-Date parameter
  std::optional<int64_t> expires_seconds;     // presign: X-Amz-Expires
  std::optional<std::string> security_token;  // presign: X-Amz-Security-Token
  std::optional<std::string> content_sha256;  // presign: X-Amz-Content-Sha256, if any
};

// Parses "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/iam/aws4_request,
// SignedHeaders=host;x-amz-date, Signature=5d67...". Errors are IncompleteSignature.
Result<SignatureClaim> ParseAuthorizationHeader(std::string_view value);
// Parses presign parameters (already decoded). nullopt when the query has no X-Amz-Algorithm.
Result<std::optional<SignatureClaim>> ParsePresignedQuery(const QueryParams& params);
// "Credential=" value: AK/yyyymmdd/region/service/aws4_request.
Result<std::pair<std::string, CredentialScope>> ParseCredential(std::string_view text);

enum class UriStyle {
  Normalized,  // Every AWS service but S3: remove dot segments and empty segments, encode twice.
  S3,          // S3: path as is (no normalisation), each byte encoded once.
};

// The canonical URI from the raw (percent-encoded, as on the wire) request path.
std::string CanonicalUri(std::string_view raw_path, UriStyle style);
// The canonical query string from the raw query: decoded, re-encoded and sorted by name then
// value; X-Amz-Signature is left out (presigned requests). nullopt on malformed escapes.
std::optional<std::string> CanonicalQuery(std::string_view raw_query);
// Lowercase names, values trimmed with inner runs of spaces collapsed, repeated headers joined
// with ','. Each line ends with '\n'. A signed header absent from the request contributes
// "name:\n" (so the signature simply fails).
std::string CanonicalHeaders(const http::Headers& headers,
                             const std::vector<std::string>& signed_headers);

std::string CanonicalRequest(std::string_view method, std::string_view canonical_uri,
                             std::string_view canonical_query, std::string_view canonical_headers,
                             std::string_view signed_headers_text, std::string_view payload_hash);
std::string StringToSign(std::string_view amz_date, const CredentialScope& scope,
                         std::string_view canonical_request);
Sha256Digest DeriveSigningKey(std::string_view secret, const CredentialScope& scope);
// Lowercase hex HMAC-SHA256 of the string to sign.
std::string SignString(const Sha256Digest& signing_key, std::string_view string_to_sign);

// Recomputes one request's signature. `payload_hash` is what goes in the canonical request's
// last line (a hex SHA-256, UNSIGNED-PAYLOAD, or a STREAMING-... marker).
struct SignatureCheck {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // what the signature should be
};
std::optional<SignatureCheck> ComputeSignature(const http::Request& request,
                                               const SignatureClaim& claim,
                                               std::string_view amz_date,
                                               std::string_view payload_hash,
                                               const Sha256Digest& signing_key, UriStyle style);

}  // namespace gureum::auth
