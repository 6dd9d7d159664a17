#pragma once
// The one error type on Gureum's request path. Every failure a client can cause or see is an
// AwsError; each wire protocol renders it in its own envelope (src/protocol). Exceptions never
// cross a module boundary on the request path.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tl/expected.hpp>

namespace gureum {

// Error codes shared by every service. Each maps (core/error_table.cc) to the exact AWS code
// string, HTTP status and fault. Service-specific codes ("NoSuchBucket", "NoSuchEntity",
// "InvalidInstanceID.NotFound") are raised by string, with their status taken from the service's
// AWS model when not given.
enum class ErrorCode {
  InternalError,                // A bug in Gureum; never used for bad client input. 500.
  ServiceUnavailable,           // Shutting down or overloaded. 503.
  NotImplemented,               // A known AWS operation Gureum does not serve yet. 501.
  InvalidAction,                // Query/EC2: the Action names no operation of the service. 400.
  UnknownOperation,             // JSON: X-Amz-Target names no operation. 400.
  UnknownService,               // The request addresses a service Gureum does not provide. 400.
  MissingAction,                // Query/EC2: no Action parameter at all. 400.
  ValidationError,              // Query services: input fails the model's constraints. 400.
  MissingParameter,             // A required parameter is absent (EC2, RDS style). 400.
  InvalidParameterValue,        // A parameter has the wrong type or range. 400.
  InvalidParameterCombination,  // Parameters that cannot be used together. 400.
  MalformedQueryString,         // Undecodable percent-encoding and the like. 400.
  InvalidRequest,               // A request AWS rejects as a whole. 400.
  InvalidArgument,              // S3: a bad header or query argument. 400.
  MalformedXML,                 // A request body that is not the XML the model describes. 400.
  SerializationError,           // JSON protocols: the body is not valid JSON. 400.
  RequestEntityTooLarge,        // A request body over the configured limit. 413.
  MethodNotAllowed,             // HTTP method not valid for the resource. 405.
  MissingAuthenticationToken,   // No credentials at all where they are required. 403.
  IncompleteSignature,          // Authorization header or presign parameters malformed. 400.
  InvalidClientTokenId,         // Unknown access key (Query/JSON services). 403.
  InvalidAccessKeyId,           // Unknown access key (S3). 403.
  SignatureDoesNotMatch,        // The signature is wrong. 403.
  RequestTimeTooSkewed,         // X-Amz-Date too far from the daemon clock. 403.
  ExpiredToken,                 // Temporary credentials past their expiration. 400.
  AccessDenied,                 // Authorization failed, or a presigned URL expired. 403.
  AuthFailure,                  // EC2's code for unknown or invalid credentials. 401.
  XAmzContentSHA256Mismatch,    // S3: the body does not hash to x-amz-content-sha256. 400.
  IncompleteBody,               // Fewer body bytes than Content-Length / decoded length. 400.
  BadDigest,                    // A checksum in the request does not match the body. 400.
  InvalidChunkSignature,        // aws-chunked: a chunk's signature is wrong (S3 reports 403). 403.
  RequestTimeout,               // The client stopped sending its body mid-way. 400.
  RequestHeaderFieldsTooLarge,  // The request head is over the header size limit. 431.
  BadRequest,                   // Not parseable as HTTP/1.1 at all. 400.
  AuthorizationQueryParametersError,  // Presigned URL parameters malformed. 400.
};

// The wire facts of a shared ErrorCode.
struct ErrorInfo {
  std::string_view code;  // Exact AWS code string, e.g. "SignatureDoesNotMatch".
  int http_status;
  bool sender_fault;  // Query protocols render <Type>Sender</Type> or Receiver.
};
const ErrorInfo& Describe(ErrorCode code);

class AwsError {
 public:
  AwsError(ErrorCode code, std::string message);
  // A service-specific code. http_status 0 means "as the service's AWS model declares, else 400".
  AwsError(std::string code, std::string message, int http_status = 0, bool sender_fault = true);

  const std::string& code() const { return code_; }
  const std::string& message() const { return message_; }
  int http_status() const { return http_status_; }
  bool sender_fault() const { return sender_fault_; }
  const std::string& resource() const { return resource_; }
  // Extra named fields some envelopes carry (S3: <BucketName>, <StringToSign>, <Expires>...).
  const std::vector<std::pair<std::string, std::string>>& details() const { return details_; }

  AwsError& WithResource(std::string resource) &;
  AwsError&& WithResource(std::string resource) &&;
  AwsError& With(std::string name, std::string value) &;
  AwsError&& With(std::string name, std::string value) &&;
  // Response headers the error carries (S3: x-amz-delete-marker on NoSuchKey, and the like).
  const std::vector<std::pair<std::string, std::string>>& headers() const { return headers_; }
  AwsError& WithHeader(std::string name, std::string value) &;
  AwsError&& WithHeader(std::string name, std::string value) &&;
  void set_http_status(int status) { http_status_ = status; }
  void set_code(std::string code) { code_ = std::move(code); }

  bool Is(ErrorCode code) const { return code_ == Describe(code).code; }

 private:
  std::string code_;
  std::string message_;
  int http_status_;
  bool sender_fault_;
  std::string resource_;
  std::vector<std::pair<std::string, std::string>> details_;
  std::vector<std::pair<std::string, std::string>> headers_;
};

template <class T>
using Result = tl::expected<T, AwsError>;
using Status = tl::expected<void, AwsError>;

inline tl::unexpected<AwsError> Fail(AwsError error) { return tl::unexpected(std::move(error)); }
inline tl::unexpected<AwsError> Fail(ErrorCode code, std::string message) {
  return tl::unexpected(AwsError(code, std::move(message)));
}
inline Status Ok() { return {}; }

}  // namespace gureum

#define GUREUM_CONCAT_INNER(a, b) a##b
#define GUREUM_CONCAT(a, b) GUREUM_CONCAT_INNER(a, b)

// GUREUM_TRY(auto x, Expr()): evaluates a Result, returns its error from the enclosing function,
// otherwise binds the value.
#define GUREUM_TRY(decl, expr) GUREUM_TRY_IMPL(GUREUM_CONCAT(gureum_try_, __LINE__), decl, expr)
#define GUREUM_TRY_IMPL(tmp, decl, expr)                   \
  auto tmp = (expr);                                       \
  if (!tmp) return tl::unexpected(std::move(tmp).error()); \
  decl = std::move(*tmp)

// GUREUM_RETURN_IF_ERROR(Expr()): for Status-returning calls.
#define GUREUM_RETURN_IF_ERROR(expr)                                               \
  do {                                                                             \
    auto gureum_status_ = (expr);                                                  \
    if (!gureum_status_) return tl::unexpected(std::move(gureum_status_).error()); \
  } while (0)
