#include "gureum/auth/authenticator.h"

#include <algorithm>
#include <charconv>

#include "gureum/core/time_format.h"

#include "auth/aws_chunked.h"
#include "auth/sigv2.h"
#include "auth/sigv4.h"

namespace gureum::auth {
namespace {

constexpr std::string_view kStreamingSigned = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
constexpr std::string_view kStreamingSignedTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
constexpr std::string_view kStreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
constexpr size_t kMaxCachedKeys = 4096;

bool IsSha256Hex(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
         });
}

AwsError SignatureMismatch() {
  return AwsError(ErrorCode::SignatureDoesNotMatch,
                  "The request signature we calculated does not match the signature you "
                  "provided. Check your AWS Secret Access Key and signing method. Consult the "
                  "service documentation for details.");
}

std::optional<uint64_t> ParseUint(std::string_view text) {
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

std::vector<std::string> SplitTrailerNames(std::string_view text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find(',', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view name = Trim(text.substr(pos, end - pos));
    if (!name.empty()) out.push_back(ToLower(name));
    pos = end + 1;
  }
  return out;
}

Principal PrincipalFor(const Credential& credential) {
  Principal p = credential.principal;
  p.access_key_id = credential.access_key_id;
  p.temporary = credential.session_token.has_value();
  return p;
}

// Verifies the body's SHA-256 as it streams; the mismatch surfaces at the end of the body.
class Sha256VerifyingSource final : public http::BodySource {
 public:
  Sha256VerifyingSource(http::BodySource& raw, std::string expected)
      : raw_(raw), expected_(ToLower(expected)) {}
  Result<size_t> Read(std::span<char> buffer) override {
    GUREUM_TRY(size_t n, raw_.Read(buffer));
    if (n > 0) {
      hasher_.Update(std::string_view(buffer.data(), n));
      return n;
    }
    if (!checked_) {
      checked_ = true;
      std::string computed = HexEncode(hasher_.Final());
      if (computed != expected_) {
        return Fail(AwsError(ErrorCode::XAmzContentSHA256Mismatch,
                             "The provided 'x-amz-content-sha256' header does not match what "
                             "was computed.")
                        .With("ClientComputedContentSHA256", expected_)
                        .With("S3ComputedContentSHA256", computed));
      }
    }
    return size_t{0};
  }
  std::optional<uint64_t> size_hint() const override { return raw_.size_hint(); }

 private:
  http::BodySource& raw_;
  std::string expected_;
  Hasher hasher_{HashAlgorithm::Sha256};
  bool checked_ = false;
};

}  // namespace

struct Authenticator::SigningKeyCache {
  std::mutex mu;
  std::unordered_map<std::string, Sha256Digest> keys;  // secret '\n' scope -> signing key

  Sha256Digest Get(const std::string& secret, const CredentialScope& scope) {
    std::string id = secret + '\n' + scope.String();
    {
      std::lock_guard lock(mu);
      auto it = keys.find(id);
      if (it != keys.end()) return it->second;
    }
    Sha256Digest key = DeriveSigningKey(secret, scope);
    std::lock_guard lock(mu);
    if (keys.size() >= kMaxCachedKeys) keys.clear();
    keys.emplace(std::move(id), key);
    return key;
  }
};

Authenticator::Authenticator(CredentialStore& credentials, AuthenticatorOptions options)
    : credentials_(credentials), options_(options), keys_(new SigningKeyCache) {}

Authenticator::~Authenticator() = default;

std::string AccessKeyIdOf(const http::Request& request) {
  if (auto header = request.headers.Get("Authorization")) {
    auto claim = ParseAuthorizationHeader(*header);
    return claim ? claim->access_key_id : std::string();
  }
  if (request.query.find("X-Amz-Credential") != std::string::npos) {
    auto params = ParseQueryString(request.query, false);
    if (!params) return {};
    if (auto credential = FindParam(*params, "X-Amz-Credential")) {
      return std::string(credential->substr(0, credential->find('/')));
    }
  }
  return {};
}

bool Authenticator::CanAuthenticateWithoutBlocking(const http::Request& request) const {
  std::string key = AccessKeyIdOf(request);
  return key.empty() || credentials_.FindCached(key).has_value();
}

Result<AuthResult> Authenticator::Authenticate(const AuthRequest& in) {
  const http::Request& req = *in.request;
  AuthResult result;

  // 1. What does the request claim? (S3 also takes the older Signature Version 2.)
  if (in.s3) {
    auto query = ParseQueryString(req.query, false);
    if (!query) return Fail(ErrorCode::MalformedQueryString, "Malformed query string");
    GUREUM_TRY(auto v2, ParseSigV2(req, *query));
    if (v2) return AuthenticateV2(in, *query, *v2);
  }
  SignatureClaim claim;
  std::string amz_date;
  if (auto header = req.headers.Get("Authorization")) {
    if (StartsWith(*header, "AWS ")) {
      return Fail(AwsError(ErrorCode::IncompleteSignature,
                           "Signature Version 2 is accepted by S3 only; sign with SigV4 "
                           "(AWS4-HMAC-SHA256)"));
    }
    GUREUM_TRY(claim, ParseAuthorizationHeader(*header));
    if (auto date = req.headers.Get("X-Amz-Date")) {
      amz_date = std::string(*date);
    } else if (auto http_date = req.headers.Get("Date")) {
      auto parsed = ParseHttpDate(*http_date);
      if (!parsed) {
        return Fail(ErrorCode::IncompleteSignature, "Date header is not a valid HTTP date");
      }
      amz_date = FormatAmzDate(*parsed);
    } else {
      return Fail(ErrorCode::IncompleteSignature,
                  "Authorization header requires existence of either a 'X-Amz-Date' or a "
                  "'Date' header.");
    }
  } else if (req.query.find("X-Amz-") != std::string::npos) {
    auto params = ParseQueryString(req.query, false);
    if (!params) return Fail(ErrorCode::MalformedQueryString, "Malformed query string");
    GUREUM_TRY(auto presigned, ParsePresignedQuery(*params));
    if (!presigned) {
      result.principal.type = PrincipalType::Anonymous;
      return result;
    }
    claim = std::move(*presigned);
    amz_date = claim.amz_date;
  } else {
    result.principal.type = PrincipalType::Anonymous;
    return result;
  }

  // 2. Time: the scope's day, clock skew, presign expiry.
  auto signed_at = ParseAmzDate(amz_date);
  if (!signed_at) {
    return Fail(ErrorCode::IncompleteSignature,
                "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  }
  if (amz_date.substr(0, 8) != claim.scope.date) {
    return Fail(AwsError(ErrorCode::SignatureDoesNotMatch,
                         "Date in Credential scope does not match YYYYMMDD from ISO-8601 version "
                         "of date from HTTP: '" +
                             claim.scope.date + "' != '" + amz_date.substr(0, 8) + "', from '" +
                             amz_date + "'."));
  }
  if (claim.presigned) {
    auto expires = std::chrono::seconds(claim.expires_seconds.value_or(604800));
    if (in.now > *signed_at + expires) {
      return Fail(AwsError(ErrorCode::AccessDenied, "Request has expired")
                      .With("X-Amz-Expires", std::to_string(expires.count()))
                      .With("Expires", FormatIso8601(*signed_at + expires))
                      .With("ServerTime", FormatIso8601(in.now)));
    }
    if (*signed_at > in.real_now + options_.max_clock_skew) {
      return Fail(AwsError(ErrorCode::AccessDenied, "Request is not yet valid"));
    }
  } else {
    auto skew = in.real_now > *signed_at ? in.real_now - *signed_at : *signed_at - in.real_now;
    if (skew > options_.max_clock_skew) {
      return Fail(AwsError(ErrorCode::RequestTimeTooSkewed,
                           "The difference between the request time and the current time is "
                           "too large.")
                      .With("RequestTime", amz_date)
                      .With("ServerTime", FormatIso8601(in.real_now))
                      .With("MaxAllowedSkewMilliseconds",
                            std::to_string(options_.max_clock_skew.count() * 1000)));
    }
  }

  // 3. Whose key is it?
  auto credential = credentials_.Find(claim.access_key_id);
  if (!credential || !credential->active) {
    return Fail(AwsError(ErrorCode::InvalidClientTokenId,
                         "The security token included in the request is invalid.")
                    .With("AWSAccessKeyId", claim.access_key_id));
  }
  if (credential->session_token) {
    std::optional<std::string_view> token = req.headers.Get("X-Amz-Security-Token");
    if (!token && claim.security_token) token = *claim.security_token;
    if (!token || *token != *credential->session_token) {
      return Fail(ErrorCode::InvalidClientTokenId,
                  "The security token included in the request is invalid.");
    }
  }
  if (credential->expiration && in.now >= *credential->expiration) {
    return Fail(ErrorCode::ExpiredToken, "The security token included in the request is expired");
  }

  // 4. The payload hash the signature covers.
  std::optional<std::string_view> content_sha = req.headers.Get("x-amz-content-sha256");
  if (!content_sha && claim.content_sha256) content_sha = *claim.content_sha256;
  std::vector<std::string> candidates;  // payload hashes to try, in order
  if (content_sha) {
    std::string_view v = *content_sha;
    if (v == kUnsignedPayload) {
      result.payload = PayloadCheck::None;
    } else if (v == kStreamingSigned || v == kStreamingSignedTrailer ||
               v == kStreamingUnsignedTrailer) {
      result.payload = PayloadCheck::AwsChunked;
    } else if (IsSha256Hex(v)) {
      if (in.buffered_body) {
        std::string computed = Sha256Hex(*in.buffered_body);
        if (computed != ToLower(v)) {
          return Fail(AwsError(ErrorCode::XAmzContentSHA256Mismatch,
                               "The provided 'x-amz-content-sha256' header does not match what "
                               "was computed.")
                          .With("ClientComputedContentSHA256", std::string(v))
                          .With("S3ComputedContentSHA256", computed));
        }
      } else {
        result.payload = PayloadCheck::Sha256;
        result.expected_sha256 = std::string(v);
      }
    } else {
      return Fail(AwsError(ErrorCode::InvalidArgument,
                           "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, "
                           "STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
                           "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, "
                           "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.")
                      .With("ArgumentName", "x-amz-content-sha256")
                      .With("ArgumentValue", std::string(v)));
    }
    candidates.emplace_back(v);
  } else if (claim.presigned) {
    // Presigned URLs sign UNSIGNED-PAYLOAD; some non-S3 signers hash the (empty) body instead.
    candidates.emplace_back(kUnsignedPayload);
    candidates.push_back(in.buffered_body ? Sha256Hex(*in.buffered_body)
                                          : std::string(kEmptySha256));
  } else if (in.buffered_body) {
    candidates.push_back(Sha256Hex(*in.buffered_body));
  } else if (in.s3) {
    return Fail(AwsError(ErrorCode::InvalidRequest,
                         "Missing required header for this request: x-amz-content-sha256"));
  } else {
    return Fail(AwsError(ErrorCode::InternalError, "request body was neither buffered nor hashed"));
  }

  // 5. The signature itself.
  Sha256Digest signing_key = keys_->Get(credential->secret_access_key, claim.scope);
  UriStyle style = in.s3 ? UriStyle::S3 : UriStyle::Normalized;
  std::optional<SignatureCheck> check;
  bool matched = false;
  for (const auto& payload_hash : candidates) {
    check = ComputeSignature(req, claim, amz_date, payload_hash, signing_key, style);
    if (!check) return Fail(ErrorCode::MalformedQueryString, "Malformed query string");
    if (ConstantTimeEquals(check->signature, claim.signature)) {
      matched = true;
      break;
    }
  }
  if (!matched) {
    AwsError error = SignatureMismatch();
    error.With("AWSAccessKeyId", claim.access_key_id)
        .With("StringToSign", check->string_to_sign)
        .With("SignatureProvided", claim.signature)
        .With("CanonicalRequest", check->canonical_request);
    return Fail(std::move(error));
  }

  // 6. Streaming payloads chain from this signature.
  if (result.payload == PayloadCheck::AwsChunked) {
    auto options = std::make_shared<AwsChunkedOptions>();
    std::string_view v = *content_sha;
    options->signed_chunks = v != kStreamingUnsignedTrailer;
    options->trailer = v != kStreamingSigned;
    if (options->signed_chunks) {
      options->signing = ChunkSigning{signing_key, amz_date, claim.scope, claim.signature};
    }
    if (auto trailer = req.headers.Get("x-amz-trailer")) {
      options->declared_trailers = SplitTrailerNames(*trailer);
    }
    if (auto decoded = req.headers.Get("x-amz-decoded-content-length")) {
      auto length = ParseUint(*decoded);
      if (!length) {
        return Fail(
            AwsError(ErrorCode::InvalidArgument, "x-amz-decoded-content-length is not a number"));
      }
      options->decoded_length = *length;
    }
    result.chunked = std::move(options);
  }

  result.principal = PrincipalFor(*credential);
  result.region = claim.scope.region;
  result.signing_service = claim.scope.service;
  result.presigned = claim.presigned;
  return result;
}

Result<AuthResult> Authenticator::AuthenticateV2(const AuthRequest& in, const QueryParams& query,
                                                 const SigV2Claim& claim) {
  const http::Request& req = *in.request;
  if (claim.presigned) {
    auto expires = std::chrono::system_clock::time_point(std::chrono::seconds(*claim.expires));
    if (in.now > expires) {
      return Fail(AwsError(ErrorCode::AccessDenied, "Request has expired")
                      .With("Expires", FormatIso8601(expires))
                      .With("ServerTime", FormatIso8601(in.now)));
    }
  } else {
    std::optional<std::string_view> date = req.headers.Get("x-amz-date");
    if (!date) date = req.headers.Get("Date");
    // SigV2 clients write the zone as "GMT", "+0000" or (Go's RFC 1123 format, rclone) "UTC".
    std::string normalized(date ? Trim(*date) : std::string_view());
    if (normalized.size() > 5 && normalized.substr(normalized.size() - 5) == "+0000") {
      normalized.replace(normalized.size() - 5, 5, "GMT");
    } else if (normalized.size() > 3 && normalized.substr(normalized.size() - 3) == "UTC") {
      normalized.replace(normalized.size() - 3, 3, "GMT");
    }
    auto signed_at = date ? ParseHttpDate(normalized) : std::nullopt;
    if (!signed_at) {
      return Fail(AwsError(ErrorCode::AccessDenied,
                           "AWS authentication requires a valid Date or x-amz-date header"));
    }
    auto skew = in.real_now > *signed_at ? in.real_now - *signed_at : *signed_at - in.real_now;
    if (skew > options_.max_clock_skew) {
      return Fail(AwsError(ErrorCode::RequestTimeTooSkewed,
                           "The difference between the request time and the current time is "
                           "too large.")
                      .With("RequestTime", std::string(*date))
                      .With("ServerTime", FormatIso8601(in.real_now)));
    }
  }
  auto credential = credentials_.Find(claim.access_key_id);
  if (!credential || !credential->active) {
    return Fail(AwsError(ErrorCode::InvalidClientTokenId,
                         "The security token included in the request is invalid.")
                    .With("AWSAccessKeyId", claim.access_key_id));
  }
  if (credential->session_token &&
      (!claim.security_token || *claim.security_token != *credential->session_token)) {
    return Fail(ErrorCode::InvalidClientTokenId,
                "The security token included in the request is invalid.");
  }
  if (credential->expiration && in.now >= *credential->expiration) {
    return Fail(ErrorCode::ExpiredToken, "The provided token has expired.");
  }
  std::string string_to_sign = SigV2StringToSign(req, query, in.s3_resource_path, claim);
  std::string expected = SigV2Sign(credential->secret_access_key, string_to_sign);
  // A bucket is "/bucket" in the request line but "/bucket/" to some signers (botocore's
  // auth_path, virtual-hosted requests): both name the same resource.
  std::string_view path = in.s3_resource_path;
  if (!ConstantTimeEquals(expected, claim.signature) && path.size() > 1 &&
      path.find('/', 1) == std::string_view::npos) {
    std::string slashed = std::string(path) + "/";
    std::string alternative = SigV2StringToSign(req, query, slashed, claim);
    if (ConstantTimeEquals(SigV2Sign(credential->secret_access_key, alternative),
                           claim.signature)) {
      expected = claim.signature;
      string_to_sign = std::move(alternative);
    }
  }
  if (!ConstantTimeEquals(expected, claim.signature)) {
    AwsError error = SignatureMismatch();
    error.With("AWSAccessKeyId", claim.access_key_id)
        .With("StringToSign", string_to_sign)
        .With("SignatureProvided", claim.signature);
    return Fail(std::move(error));
  }
  AuthResult result;
  result.principal = PrincipalFor(*credential);
  result.signing_service = "s3";
  result.presigned = claim.presigned;
  // SigV2 signs no payload hash; Content-MD5, when sent, is checked by S3 itself.
  result.payload = PayloadCheck::None;
  return result;
}

std::unique_ptr<http::BodySource> Authenticator::WrapBody(http::BodySource& raw,
                                                          const AuthResult& result,
                                                          const http::Request&) const {
  switch (result.payload) {
    case PayloadCheck::None:
      return nullptr;
    case PayloadCheck::Sha256:
      return std::make_unique<Sha256VerifyingSource>(raw, result.expected_sha256);
    case PayloadCheck::AwsChunked:
      return std::make_unique<AwsChunkedBodySource>(raw, *result.chunked);
  }
  return nullptr;
}

}  // namespace gureum::auth
