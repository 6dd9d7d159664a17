// The ErrorCode table: one row per code, consistent with the contract error.h documents for each
// code (the AWS code string, HTTP status and fault), and the AwsError / Result helpers.

#include "gureum/core/error.h"

#include <iterator>
#include <set>
#include <string>

#include <gtest/gtest.h>

namespace gureum {
namespace {

struct Row {
  ErrorCode code;
  const char* name;  // the enumerator's name
  const char* aws_code;
  int status;
};

// Transcribed from the comments of error.h. The enumerators are named after the AWS code string
// except where AWS's string is the error's wire name in one protocol (the JSON protocols'
// "...Exception"), S3's name for the condition, or another code altogether.
const Row kRows[] = {
    {ErrorCode::InternalError, "InternalError", "InternalError", 500},
    {ErrorCode::ServiceUnavailable, "ServiceUnavailable", "ServiceUnavailable", 503},
    {ErrorCode::NotImplemented, "NotImplemented", "NotImplemented", 501},
    {ErrorCode::InvalidAction, "InvalidAction", "InvalidAction", 400},
    {ErrorCode::UnknownOperation, "UnknownOperation", "UnknownOperationException", 400},
    {ErrorCode::UnknownService, "UnknownService", "UnknownService", 400},
    {ErrorCode::MissingAction, "MissingAction", "MissingAction", 400},
    {ErrorCode::ValidationError, "ValidationError", "ValidationError", 400},
    {ErrorCode::MissingParameter, "MissingParameter", "MissingParameter", 400},
    {ErrorCode::InvalidParameterValue, "InvalidParameterValue", "InvalidParameterValue", 400},
    {ErrorCode::InvalidParameterCombination, "InvalidParameterCombination",
     "InvalidParameterCombination", 400},
    {ErrorCode::MalformedQueryString, "MalformedQueryString", "MalformedQueryString", 400},
    {ErrorCode::InvalidRequest, "InvalidRequest", "InvalidRequest", 400},
    {ErrorCode::InvalidArgument, "InvalidArgument", "InvalidArgument", 400},
    {ErrorCode::MalformedXML, "MalformedXML", "MalformedXML", 400},
    {ErrorCode::SerializationError, "SerializationError", "SerializationException", 400},
    {ErrorCode::RequestEntityTooLarge, "RequestEntityTooLarge", "RequestEntityTooLarge", 413},
    {ErrorCode::MethodNotAllowed, "MethodNotAllowed", "MethodNotAllowed", 405},
    {ErrorCode::MissingAuthenticationToken, "MissingAuthenticationToken",
     "MissingAuthenticationToken", 403},
    {ErrorCode::IncompleteSignature, "IncompleteSignature", "IncompleteSignature", 400},
    {ErrorCode::InvalidClientTokenId, "InvalidClientTokenId", "InvalidClientTokenId", 403},
    {ErrorCode::InvalidAccessKeyId, "InvalidAccessKeyId", "InvalidAccessKeyId", 403},
    {ErrorCode::SignatureDoesNotMatch, "SignatureDoesNotMatch", "SignatureDoesNotMatch", 403},
    {ErrorCode::RequestTimeTooSkewed, "RequestTimeTooSkewed", "RequestTimeTooSkewed", 403},
    {ErrorCode::ExpiredToken, "ExpiredToken", "ExpiredToken", 400},
    {ErrorCode::AccessDenied, "AccessDenied", "AccessDenied", 403},
    {ErrorCode::AuthFailure, "AuthFailure", "AuthFailure", 401},
    {ErrorCode::XAmzContentSHA256Mismatch, "XAmzContentSHA256Mismatch", "XAmzContentSHA256Mismatch",
     400},
    {ErrorCode::IncompleteBody, "IncompleteBody", "IncompleteBody", 400},
    {ErrorCode::BadDigest, "BadDigest", "BadDigest", 400},
    // S3 answers a bad chunk signature with SignatureDoesNotMatch, 403.
    {ErrorCode::InvalidChunkSignature, "InvalidChunkSignature", "SignatureDoesNotMatch", 403},
    {ErrorCode::RequestTimeout, "RequestTimeout", "RequestTimeout", 400},
    {ErrorCode::RequestHeaderFieldsTooLarge, "RequestHeaderFieldsTooLarge",
     "RequestHeaderSectionTooLarge", 431},
    {ErrorCode::BadRequest, "BadRequest", "BadRequest", 400},
    {ErrorCode::AuthorizationQueryParametersError, "AuthorizationQueryParametersError",
     "AuthorizationQueryParametersError", 400},
};

constexpr size_t kCodeCount = static_cast<size_t>(ErrorCode::AuthorizationQueryParametersError) + 1;

TEST(ErrorTable, OneRowPerCodeInOrder) {
  ASSERT_EQ(std::size(kRows), kCodeCount);
  for (size_t i = 0; i < kCodeCount; ++i) {
    EXPECT_EQ(static_cast<size_t>(kRows[i].code), i) << kRows[i].name;
  }
}

TEST(ErrorTable, EveryRowMatchesItsContract) {
  for (const Row& row : kRows) {
    const ErrorInfo& info = Describe(row.code);
    EXPECT_EQ(info.code, row.aws_code) << row.name;
    EXPECT_EQ(info.http_status, row.status) << row.name;
    // Server errors are the receiver's fault; everything else is the sender's.
    EXPECT_EQ(info.sender_fault, row.status < 500) << row.name;
    EXPECT_GE(info.http_status, 400) << row.name;
    EXPECT_LE(info.http_status, 599) << row.name;
  }
}

TEST(ErrorTable, AwsCodesAreUniqueButForChunkSignatures) {
  std::set<std::string_view> seen;
  for (const Row& row : kRows) {
    if (row.code == ErrorCode::InvalidChunkSignature) continue;
    EXPECT_TRUE(seen.insert(Describe(row.code).code).second) << row.name;
  }
}

TEST(AwsError, FromCode) {
  for (const Row& row : kRows) {
    AwsError e(row.code, "message");
    EXPECT_EQ(e.code(), row.aws_code);
    EXPECT_EQ(e.http_status(), row.status);
    EXPECT_EQ(e.sender_fault(), row.status < 500);
    EXPECT_EQ(e.message(), "message");
    EXPECT_TRUE(e.Is(row.code)) << row.name;
  }
  EXPECT_FALSE(AwsError(ErrorCode::AccessDenied, "").Is(ErrorCode::InternalError));
  // Is() compares the wire code: a bad chunk signature is a SignatureDoesNotMatch to clients.
  EXPECT_TRUE(AwsError(ErrorCode::InvalidChunkSignature, "").Is(ErrorCode::SignatureDoesNotMatch));
}

TEST(AwsError, ServiceSpecificCodes) {
  AwsError e("NoSuchBucket", "The specified bucket does not exist", 404);
  EXPECT_EQ(e.code(), "NoSuchBucket");
  EXPECT_EQ(e.http_status(), 404);
  EXPECT_TRUE(e.sender_fault());
  AwsError model_status("NoSuchEntity", "x");
  EXPECT_EQ(model_status.http_status(), 0);
  AwsError receiver("Throttling", "slow down", 503, false);
  EXPECT_FALSE(receiver.sender_fault());
  receiver.set_code("ThrottlingException");
  receiver.set_http_status(400);
  EXPECT_EQ(receiver.code(), "ThrottlingException");
  EXPECT_EQ(receiver.http_status(), 400);
}

TEST(AwsError, DetailsAndResource) {
  AwsError e = AwsError(ErrorCode::AccessDenied, "Request has expired")
                   .WithResource("/bucket/key")
                   .With("X-Amz-Expires", "3600")
                   .With("Expires", "2015-08-30T13:36:00Z");
  EXPECT_EQ(e.resource(), "/bucket/key");
  ASSERT_EQ(e.details().size(), 2u);
  EXPECT_EQ(e.details()[0], (std::pair<std::string, std::string>{"X-Amz-Expires", "3600"}));
  EXPECT_EQ(e.details()[1].first, "Expires");
  AwsError& same = e.With("ServerTime", "now");
  EXPECT_EQ(&same, &e);
  EXPECT_EQ(e.details().size(), 3u);
}

Result<int> Half(int x) {
  if (x % 2 != 0) return Fail(ErrorCode::InvalidParameterValue, "odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  GUREUM_TRY(int half, Half(x));
  GUREUM_TRY(int quarter, Half(half));
  return quarter;
}

Status CheckEven(int x) {
  GUREUM_RETURN_IF_ERROR(Half(x));
  return Ok();
}

TEST(Result, TryAndReturnIfError) {
  EXPECT_EQ(Quarter(12), 3);
  auto odd = Quarter(6);
  ASSERT_FALSE(odd.has_value());
  EXPECT_TRUE(odd.error().Is(ErrorCode::InvalidParameterValue));
  EXPECT_EQ(odd.error().message(), "odd");
  EXPECT_TRUE(CheckEven(4).has_value());
  EXPECT_FALSE(CheckEven(5).has_value());
}

}  // namespace
}  // namespace gureum
