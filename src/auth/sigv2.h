#pragma once
// AWS Signature Version 2 as S3 accepts it: "Authorization: AWS <key>:<signature>" and presigned
// URLs with AWSAccessKeyId / Expires / Signature. Older tools, and boto3's default presigner for
// S3 in the versions Debian ships, still produce it.
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html)

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gureum/core/encoding.h"
#include "gureum/core/error.h"
#include "gureum/http/message.h"

namespace gureum::auth {

struct SigV2Claim {
  std::string access_key_id;
  std::string signature;  // base64
  bool presigned = false;
  std::optional<int64_t> expires;  // presigned: epoch seconds
  std::optional<std::string> security_token;
};

// nullopt when the request does not use SigV2. IncompleteSignature for a malformed header.
Result<std::optional<SigV2Claim>> ParseSigV2(const http::Request& request,
                                             const QueryParams& query);

// The string S3 signs. `resource_path` is the path-style path (/bucket/key, still
// percent-encoded), with a virtual-hosted bucket folded in. For presigned requests the Date
// line carries the Expires value.
std::string SigV2StringToSign(const http::Request& request, const QueryParams& query,
                              std::string_view resource_path, const SigV2Claim& claim);

// base64(HMAC-SHA1(secret, string_to_sign)).
std::string SigV2Sign(std::string_view secret, std::string_view string_to_sign);

}  // namespace gureum::auth
