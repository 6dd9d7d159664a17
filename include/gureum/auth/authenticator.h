#pragma once
// Establishes who sent a request: SigV4 in the Authorization header or in presigned query
// parameters, with the payload checks the signature implies. Errors use the generic codes of
// core/error.h (InvalidClientTokenId, SignatureDoesNotMatch, ...); the gateway renames them per
// service (S3's InvalidAccessKeyId, EC2's AuthFailure).
//
// Thread safety: thread-safe.

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "gureum/auth/credential_store.h"
#include "gureum/auth/principal.h"
#include "gureum/core/encoding.h"
#include "gureum/core/error.h"
#include "gureum/http/message.h"

namespace gureum::auth {

struct AwsChunkedOptions;
struct SigV2Claim;

struct AuthenticatorOptions {
  // Largest accepted difference between X-Amz-Date and the daemon clock. Default: 15 minutes.
  std::chrono::seconds max_clock_skew{900};
};

struct AuthRequest {
  const http::Request* request = nullptr;
  // S3 rules: single URI encoding without normalisation, x-amz-content-sha256 required with
  // header auth, presigned payloads unsigned.
  bool s3 = false;
  // The whole body when the gateway buffered it (Query/JSON services); null when it streams.
  const std::string* buffered_body = nullptr;
  // The daemon clock: presign and credential expiry are judged against it.
  std::chrono::system_clock::time_point now;
  // The real time: clock skew is judged against it, because clients sign with real clocks
  // even while tests move the daemon clock ahead by days.
  std::chrono::system_clock::time_point real_now = std::chrono::system_clock::now();
  // S3: the path-style path (/bucket/key, percent-encoded), with a virtual-hosted bucket folded
  // in; SigV2 signs it.
  std::string_view s3_resource_path;
};

// How the body must be read for the signature to hold.
enum class PayloadCheck {
  None,        // Nothing further: unsigned, or already verified (buffered bodies).
  Sha256,      // Streamed body must hash to `expected_sha256` (XAmzContentSHA256Mismatch).
  AwsChunked,  // aws-chunked decoding with chunk signatures and/or trailing checksum.
};

struct AuthResult {
  Principal principal;          // Anonymous when the request carried no credentials.
  std::string region;           // From the credential scope; empty when anonymous.
  std::string signing_service;  // From the credential scope; empty when anonymous.
  bool presigned = false;
  PayloadCheck payload = PayloadCheck::None;
  std::string expected_sha256;
  std::shared_ptr<AwsChunkedOptions> chunked;
};

class Authenticator {
 public:
  Authenticator(CredentialStore& credentials, AuthenticatorOptions options);
  ~Authenticator();

  // True when Authenticate() will not block: anonymous, or the signing key is cached.
  bool CanAuthenticateWithoutBlocking(const http::Request& request) const;
  // Verifies the request. An unsigned request yields an Anonymous principal; whether that is
  // acceptable is the caller's decision.
  Result<AuthResult> Authenticate(const AuthRequest& request);
  // The body as the handler must read it: decoded from aws-chunked and/or verified against the
  // signed hash; nullptr when the raw body needs neither. Errors surface from Read(); a handler
  // commits nothing before Read() returns 0.
  std::unique_ptr<http::BodySource> WrapBody(http::BodySource& raw, const AuthResult& result,
                                             const http::Request& request) const;

 private:
  struct SigningKeyCache;
  Result<AuthResult> AuthenticateV2(const AuthRequest& in, const QueryParams& query,
                                    const SigV2Claim& claim);
  CredentialStore& credentials_;
  AuthenticatorOptions options_;
  std::unique_ptr<SigningKeyCache> keys_;
};

// The access key id a request names (header or presign), or empty.
std::string AccessKeyIdOf(const http::Request& request);

}  // namespace gureum::auth
