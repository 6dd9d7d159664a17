#include "gureum/core/error.h"

#include <array>
#include <cstdlib>

namespace gureum {
namespace {

// One row per ErrorCode, in declaration order (checked by a unit test).
constexpr std::array kErrorTable = {
    ErrorInfo{"InternalError", 500, false},
    ErrorInfo{"ServiceUnavailable", 503, false},
    ErrorInfo{"NotImplemented", 501, false},
    ErrorInfo{"InvalidAction", 400, true},
    ErrorInfo{"UnknownOperationException", 400, true},
    ErrorInfo{"UnknownService", 400, true},
    ErrorInfo{"MissingAction", 400, true},
    ErrorInfo{"ValidationError", 400, true},
    ErrorInfo{"MissingParameter", 400, true},
    ErrorInfo{"InvalidParameterValue", 400, true},
    ErrorInfo{"InvalidParameterCombination", 400, true},
    ErrorInfo{"MalformedQueryString", 400, true},
    ErrorInfo{"InvalidRequest", 400, true},
    ErrorInfo{"InvalidArgument", 400, true},
    ErrorInfo{"MalformedXML", 400, true},
    ErrorInfo{"SerializationException", 400, true},
    ErrorInfo{"RequestEntityTooLarge", 413, true},
    ErrorInfo{"MethodNotAllowed", 405, true},
    ErrorInfo{"MissingAuthenticationToken", 403, true},
    ErrorInfo{"IncompleteSignature", 400, true},
    ErrorInfo{"InvalidClientTokenId", 403, true},
    ErrorInfo{"InvalidAccessKeyId", 403, true},
    ErrorInfo{"SignatureDoesNotMatch", 403, true},
    ErrorInfo{"RequestTimeTooSkewed", 403, true},
    ErrorInfo{"ExpiredToken", 400, true},
    ErrorInfo{"AccessDenied", 403, true},
    ErrorInfo{"AuthFailure", 401, true},
    ErrorInfo{"XAmzContentSHA256Mismatch", 400, true},
    ErrorInfo{"IncompleteBody", 400, true},
    ErrorInfo{"BadDigest", 400, true},
    ErrorInfo{"SignatureDoesNotMatch", 403, true},
    ErrorInfo{"RequestTimeout", 400, true},
    ErrorInfo{"RequestHeaderSectionTooLarge", 431, true},
    ErrorInfo{"BadRequest", 400, true},
    ErrorInfo{"AuthorizationQueryParametersError", 400, true},
};
static_assert(kErrorTable.size() ==
                  static_cast<size_t>(ErrorCode::AuthorizationQueryParametersError) + 1,
              "kErrorTable must have one row per ErrorCode");

}  // namespace

const ErrorInfo& Describe(ErrorCode code) {
  auto index = static_cast<size_t>(code);
  if (index >= kErrorTable.size()) std::abort();
  return kErrorTable[index];
}

AwsError::AwsError(ErrorCode code, std::string message)
    : code_(Describe(code).code),
      message_(std::move(message)),
      http_status_(Describe(code).http_status),
      sender_fault_(Describe(code).sender_fault) {}

AwsError::AwsError(std::string code, std::string message, int http_status, bool sender_fault)
    : code_(std::move(code)),
      message_(std::move(message)),
      http_status_(http_status),
      sender_fault_(sender_fault) {}

AwsError& AwsError::WithResource(std::string resource) & {
  resource_ = std::move(resource);
  return *this;
}
AwsError&& AwsError::WithResource(std::string resource) && {
  resource_ = std::move(resource);
  return std::move(*this);
}
AwsError& AwsError::With(std::string name, std::string value) & {
  details_.emplace_back(std::move(name), std::move(value));
  return *this;
}
AwsError&& AwsError::With(std::string name, std::string value) && {
  details_.emplace_back(std::move(name), std::move(value));
  return std::move(*this);
}
AwsError& AwsError::WithHeader(std::string name, std::string value) & {
  headers_.emplace_back(std::move(name), std::move(value));
  return *this;
}
AwsError&& AwsError::WithHeader(std::string name, std::string value) && {
  headers_.emplace_back(std::move(name), std::move(value));
  return std::move(*this);
}

}  // namespace gureum
