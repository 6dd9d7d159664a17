// The Authenticator's decisions around the signature: time (clock skew, presign lifetime), whose
// key it is, the payload hash rules, and the errors AWS returns for each. Requests come from the
// AWS signing test suite (tests/unit/data/sigv4, from awslabs/aws-c-auth) or are signed here with
// the library's own SigV4 functions.

#include "gureum/auth/authenticator.h"

#include <chrono>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "gureum/core/crypto.h"
#include "gureum/core/time_format.h"

#include "auth/aws_chunked.h"
#include "auth_test_support.h"

namespace gureum::auth {
namespace {

using std::chrono::seconds;
using testing::At;
using testing::FakeCredentialProvider;
using testing::MakeCredential;
using testing::SignOptions;

const std::string kVectorDir = std::string(GUREUM_TEST_DATA_DIR) + "/sigv4";
constexpr char kKey[] = "AKIDEXAMPLE";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

// 2015-08-30T12:36:00Z, the suite's signing time.
std::chrono::system_clock::time_point SignedAt() { return At("2015-08-30T12:36:00Z"); }

http::Request Vector(const std::string& name, const std::string& kind) {
  return testing::ParseSignedRequest(
             testing::ReadFile(kVectorDir + "/" + name + "/" + kind + "-signed-request.txt"))
      .request;
}

http::Request Get(std::string path = "/", std::string query = "") {
  http::Request r;
  r.method = "GET";
  r.path = std::move(path);
  r.query = std::move(query);
  r.target = r.query.empty() ? r.path : r.path + "?" + r.query;
  r.headers.Add("Host", "example.amazonaws.com");
  return r;
}

std::string Detail(const AwsError& error, std::string_view name) {
  for (const auto& [n, v] : error.details()) {
    if (n == name) return v;
  }
  return "<absent>";
}

class AuthenticatorTest : public ::testing::Test {
 protected:
  AuthenticatorTest() : provider_(std::make_shared<FakeCredentialProvider>()) {
    provider_->Add(MakeCredential(kKey, kSecret));
    store_.AddProvider(provider_);
  }

  Result<AuthResult> Authenticate(const http::Request& request,
                                  std::chrono::system_clock::time_point now, bool s3 = false,
                                  const std::string* body = &empty_body_) {
    AuthRequest in;
    in.request = &request;
    in.s3 = s3;
    in.buffered_body = body;
    in.now = now;
    in.real_now = in.now;  // the vectors' world: real and daemon time agree
    return authenticator_.Authenticate(in);
  }

  static inline const std::string empty_body_;
  std::shared_ptr<FakeCredentialProvider> provider_;
  CredentialStore store_;
  Authenticator authenticator_{store_, AuthenticatorOptions{}};
};

TEST_F(AuthenticatorTest, HeaderSignatureWithinClockSkew) {
  http::Request r = Vector("get-vanilla-query", "header");
  for (auto now : {SignedAt(), SignedAt() + seconds(900), SignedAt() - seconds(900)}) {
    auto result = Authenticate(r, now);
    ASSERT_TRUE(result.has_value()) << result.error().message();
  }
}

TEST_F(AuthenticatorTest, HeaderSignatureBeyondClockSkew) {
  http::Request r = Vector("get-vanilla-query", "header");
  for (auto now : {SignedAt() + seconds(901), SignedAt() - seconds(901)}) {
    auto result = Authenticate(r, now);
    ASSERT_FALSE(result.has_value());
    EXPECT_TRUE(result.error().Is(ErrorCode::RequestTimeTooSkewed)) << result.error().code();
    EXPECT_EQ(result.error().http_status(), 403);
    EXPECT_EQ(Detail(result.error(), "RequestTime"), "20150830T123600Z");
    EXPECT_EQ(Detail(result.error(), "ServerTime"), FormatIso8601(now));
    EXPECT_EQ(Detail(result.error(), "MaxAllowedSkewMilliseconds"), "900000");
  }
}

TEST_F(AuthenticatorTest, ClockSkewIsConfigurable) {
  Authenticator strict(store_, AuthenticatorOptions{seconds(60)});
  http::Request r = Vector("get-vanilla-query", "header");
  AuthRequest in;
  in.request = &r;
  in.buffered_body = &empty_body_;
  in.now = SignedAt() + seconds(60);
  in.real_now = in.now;  // the vectors' world: real and daemon time agree
  EXPECT_TRUE(strict.Authenticate(in).has_value());
  in.now = SignedAt() + seconds(61);
  in.real_now = in.now;  // the vectors' world: real and daemon time agree
  auto result = strict.Authenticate(in);
  ASSERT_FALSE(result.has_value());
  EXPECT_TRUE(result.error().Is(ErrorCode::RequestTimeTooSkewed));
}

// get-vanilla-query's presigned form has X-Amz-Expires=3600.
TEST_F(AuthenticatorTest, PresignedUrlValidUntilItsLastSecond) {
  http::Request r = Vector("get-vanilla-query", "query");
  // Long after the header-signature skew, but within the URL's lifetime.
  for (auto now : {SignedAt(), SignedAt() + seconds(1800), SignedAt() + seconds(3600)}) {
    auto result = Authenticate(r, now);
    ASSERT_TRUE(result.has_value()) << result.error().message();
    EXPECT_TRUE(result->presigned);
  }
}

TEST_F(AuthenticatorTest, PresignedUrlExpires) {
  http::Request r = Vector("get-vanilla-query", "query");
  auto now = SignedAt() + seconds(3601);
  auto result = Authenticate(r, now);
  ASSERT_FALSE(result.has_value());
  const AwsError& e = result.error();
  EXPECT_TRUE(e.Is(ErrorCode::AccessDenied)) << e.code();
  EXPECT_EQ(e.http_status(), 403);
  EXPECT_EQ(e.message(), "Request has expired");
  EXPECT_EQ(Detail(e, "X-Amz-Expires"), "3600");
  EXPECT_EQ(Detail(e, "Expires"), "2015-08-30T13:36:00Z");
  EXPECT_EQ(Detail(e, "ServerTime"), "2015-08-30T13:36:01Z");
}

TEST_F(AuthenticatorTest, PresignedUrlFromTheFuture) {
  http::Request r = Vector("get-vanilla-query", "query");
  EXPECT_TRUE(Authenticate(r, SignedAt() - seconds(900)).has_value());
  auto result = Authenticate(r, SignedAt() - seconds(901));
  ASSERT_FALSE(result.has_value());
  EXPECT_TRUE(result.error().Is(ErrorCode::AccessDenied));
  EXPECT_EQ(result.error().message(), "Request is not yet valid");
}

// post-vanilla-query's presigned form has no X-Amz-Expires: it lasts the longest, a week.
TEST_F(AuthenticatorTest, PresignedUrlWithoutExpiresLastsAWeek) {
  http::Request r = Vector("post-vanilla-query", "query");
  ASSERT_EQ(r.query.find("X-Amz-Expires"), std::string::npos);
  EXPECT_TRUE(Authenticate(r, SignedAt() + seconds(604800)).has_value());
  auto result = Authenticate(r, SignedAt() + seconds(604801));
  ASSERT_FALSE(result.has_value());
  EXPECT_TRUE(result.error().Is(ErrorCode::AccessDenied));
  EXPECT_EQ(Detail(result.error(), "X-Amz-Expires"), "604800");
}

// Lengthening a presigned URL's lifetime changes the canonical query.
TEST_F(AuthenticatorTest, PresignedExpiresIsSigned) {
  http::Request r = Vector("get-vanilla-query", "query");
  r.query.replace(r.query.find("X-Amz-Expires=3600"), 18, "X-Amz-Expires=7200");
  auto result = Authenticate(r, SignedAt());
  ASSERT_FALSE(result.has_value());
  EXPECT_TRUE(result.error().Is(ErrorCode::SignatureDoesNotMatch));
}

TEST_F(AuthenticatorTest, UnknownAccessKey) {
  CredentialStore empty;
  Authenticator authenticator(empty, AuthenticatorOptions{});
  for (const char* kind : {"header", "query"}) {
    http::Request r = Vector("get-vanilla-query", kind);
    EXPECT_FALSE(authenticator.CanAuthenticateWithoutBlocking(r));
    AuthRequest in;
    in.request = &r;
    in.buffered_body = &empty_body_;
    in.now = SignedAt();
    in.real_now = in.now;  // the vectors' world: real and daemon time agree
    auto result = authenticator.Authenticate(in);
    ASSERT_FALSE(result.has_value());
    EXPECT_TRUE(result.error().Is(ErrorCode::InvalidClientTokenId)) << result.error().code();
    EXPECT_EQ(result.error().http_status(), 403);
    EXPECT_EQ(result.error().message(), "The security token included in the request is invalid.");
    EXPECT_EQ(Detail(result.error(), "AWSAccessKeyId"), kKey);
  }
}

TEST_F(AuthenticatorTest, InactiveKey) {
  Credential inactive = MakeCredential("AKIDINACTIVE", kSecret);
  inactive.active = false;
  provider_->Add(inactive);
  http::Request r = Get();
  testing::SignWithHeader(r, SignOptions{.access_key_id = "AKIDINACTIVE"});
  auto result = Authenticate(r, SignedAt());
  ASSERT_FALSE(result.has_value());
  EXPECT_TRUE(result.error().Is(ErrorCode::InvalidClientTokenId));
}

TEST_F(AuthenticatorTest, KnownKeyIsCachedAfterwards) {
  http::Request r = Vector("get-vanilla-query", "header");
  EXPECT_FALSE(authenticator_.CanAuthenticateWithoutBlocking(r));
  ASSERT_TRUE(Authenticate(r, SignedAt()).has_value());
  EXPECT_TRUE(authenticator_.CanAuthenticateWithoutBlocking(r));
  EXPECT_TRUE(authenticator_.CanAuthenticateWithoutBlocking(Get()));  // anonymous
}

TEST_F(AuthenticatorTest, MissingDate) {
  http::Request r = Vector("get-vanilla-query", "header");
  r.headers.Remove("X-Amz-Date");
  auto result = Authenticate(r, SignedAt());
  ASSERT_FALSE(result.has_value());
  EXPECT_TRUE(result.error().Is(ErrorCode::IncompleteSignature)) << result.error().code();
  EXPECT_EQ(result.error().http_status(), 400);
  EXPECT_NE(result.error().message().find("'X-Amz-Date'"), std::string::npos);
}

TEST_F(AuthenticatorTest, MalformedAmzDate) {
  for (const char* date : {"2015-08-30T12:36:00Z", "20150830T123600", "20150830T126000Z", ""}) {
    http::Request r = Vector("get-vanilla-query", "header");
    r.headers.Set("X-Amz-Date", date);
    auto result = Authenticate(r, SignedAt());
    ASSERT_FALSE(result.has_value()) << date;
    EXPECT_TRUE(result.error().Is(ErrorCode::IncompleteSignature)) << date;
  }
}

TEST_F(AuthenticatorTest, DateHeaderInsteadOfAmzDate) {
  http::Request r = Get();
  testing::SignWithHeader(r, SignOptions{.http_date = "Sun, 30 Aug 2015 12:36:00 GMT"});
  ASSERT_FALSE(r.headers.Has("X-Amz-Date"));
  auto result = Authenticate(r, SignedAt());
  ASSERT_TRUE(result.has_value()) << result.error().message();

  r.headers.Set("Date", "yesterday");
  result = Authenticate(r, SignedAt());
  ASSERT_FALSE(result.has_value());
  EXPECT_TRUE(result.error().Is(ErrorCode::IncompleteSignature));
}

TEST_F(AuthenticatorTest, ScopeDateMustMatchRequestDate) {
  http::Request r = Vector("get-vanilla-query", "header");
  r.headers.Set("X-Amz-Date", "20150831T000000Z");
  auto result = Authenticate(r, At("2015-08-31T00:00:00Z"));
  ASSERT_FALSE(result.has_value());
  EXPECT_TRUE(result.error().Is(ErrorCode::SignatureDoesNotMatch));
  EXPECT_NE(result.error().message().find("'20150830' != '20150831'"), std::string::npos)
      << result.error().message();
}

TEST_F(AuthenticatorTest, SessionTokens) {
  Credential session = MakeCredential("ASIAEXAMPLE", kSecret, "the-token");
  session.expiration = SignedAt() + seconds(1);
  provider_->Add(session);
  SignOptions options{.access_key_id = "ASIAEXAMPLE"};

  http::Request good = Get();
  good.headers.Add("X-Amz-Security-Token", "the-token");
  testing::SignWithHeader(good, options);
  auto result = Authenticate(good, SignedAt());
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_TRUE(result->principal.temporary);
  EXPECT_EQ(result->principal.access_key_id, "ASIAEXAMPLE");

  // Valid up to, not including, the expiration instant.
  result = Authenticate(good, SignedAt() + seconds(1));
  ASSERT_FALSE(result.has_value());
  EXPECT_TRUE(result.error().Is(ErrorCode::ExpiredToken)) << result.error().code();

  http::Request missing = Get();
  testing::SignWithHeader(missing, options);
  result = Authenticate(missing, SignedAt());
  ASSERT_FALSE(result.has_value());
  EXPECT_TRUE(result.error().Is(ErrorCode::InvalidClientTokenId));

  http::Request wrong = Get();
  wrong.headers.Add("X-Amz-Security-Token", "another-token");
  testing::SignWithHeader(wrong, options);
  result = Authenticate(wrong, SignedAt());
  ASSERT_FALSE(result.has_value());
  EXPECT_TRUE(result.error().Is(ErrorCode::InvalidClientTokenId));
}

TEST_F(AuthenticatorTest, UnsignedRequestsAreAnonymous) {
  for (const char* query : {"", "a=b", "X-Amz-Meta=1"}) {
    auto result = Authenticate(Get("/", query), SignedAt());
    ASSERT_TRUE(result.has_value()) << query;
    EXPECT_EQ(result->principal.type, PrincipalType::Anonymous);
    EXPECT_TRUE(result->region.empty());
    EXPECT_EQ(result->payload, PayloadCheck::None);
  }
}

TEST_F(AuthenticatorTest, SignatureVersion2IsForS3Only) {
  http::Request r = Get();
  r.headers.Add("Authorization", "AWS AKIDEXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=");
  auto result = Authenticate(r, SignedAt());
  ASSERT_FALSE(result.has_value());
  EXPECT_TRUE(result.error().Is(ErrorCode::IncompleteSignature));
}

// The examples of AWS's "Authenticating Requests (AWS Signature Version 2)" page for S3:
// GET /photos/puppy.jpg on johnsmith.s3.amazonaws.com with the documentation's example key.
class SigV2Test : public ::testing::Test {
 protected:
  void SetUp() override {
    auto provider = std::make_shared<FakeCredentialProvider>();
    Credential c;
    c.access_key_id = "AKIAIOSFODNN7EXAMPLE";
    c.secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    c.principal.type = PrincipalType::Root;
    c.principal.account_id = "111122223333";
    provider->Add(c);
    store_.AddProvider(provider);
  }
  Result<AuthResult> Run(const http::Request& r, SystemTime now) {
    AuthRequest in;
    in.request = &r;
    in.s3 = true;
    in.now = now;
    in.real_now = now;
    in.s3_resource_path = "/johnsmith/photos/puppy.jpg";
    return authenticator_.Authenticate(in);
  }
  static http::Request Puppy(std::string query = {}) {
    http::Request r;
    r.method = "GET";
    r.path = "/photos/puppy.jpg";
    r.query = std::move(query);
    r.target = r.path + (r.query.empty() ? "" : "?" + r.query);
    r.headers.Add("Host", "johnsmith.s3.amazonaws.com");
    return r;
  }
  CredentialStore store_;
  Authenticator authenticator_{store_, AuthenticatorOptions{}};
};

TEST_F(SigV2Test, HeaderSignatureFromTheDocumentation) {
  http::Request r = Puppy();
  r.headers.Add("Date", "Tue, 27 Mar 2007 19:36:42 +0000");
  r.headers.Add("Authorization", "AWS AKIAIOSFODNN7EXAMPLE:bWq2s1WEIj+Ydj0vQ697zp+IXMU=");
  SystemTime at = *ParseHttpDate("Tue, 27 Mar 2007 19:36:42 GMT");
  auto ok = Run(r, at);
  ASSERT_TRUE(ok.has_value()) << ok.error().message();
  EXPECT_EQ(ok->principal.access_key_id, "AKIAIOSFODNN7EXAMPLE");
  // One byte of the signature changed.
  http::Request bad = Puppy();
  bad.headers.Add("Date", "Tue, 27 Mar 2007 19:36:42 +0000");
  bad.headers.Add("Authorization", "AWS AKIAIOSFODNN7EXAMPLE:cWq2s1WEIj+Ydj0vQ697zp+IXMU=");
  auto mismatch = Run(bad, at);
  ASSERT_FALSE(mismatch.has_value());
  EXPECT_TRUE(mismatch.error().Is(ErrorCode::SignatureDoesNotMatch));
  // Out of the skew window.
  auto skewed = Run(r, at + std::chrono::minutes(16));
  ASSERT_FALSE(skewed.has_value());
  EXPECT_TRUE(skewed.error().Is(ErrorCode::RequestTimeTooSkewed));
}

TEST_F(SigV2Test, DateInUtcZoneIsAccepted) {
  // Go's RFC 1123 layout (rclone --s3-v2-auth) names the zone "UTC"; the signature covers the
  // header as sent.
  http::Request r = Puppy();
  r.headers.Add("Date", "Tue, 27 Mar 2007 19:36:42 UTC");
  r.headers.Add("Authorization", "AWS AKIAIOSFODNN7EXAMPLE:coe01FHx6Vi0LI0ADrfN0H2qXjo=");
  SystemTime at = *ParseHttpDate("Tue, 27 Mar 2007 19:36:42 GMT");
  auto ok = Run(r, at);
  ASSERT_TRUE(ok.has_value()) << ok.error().message();
  auto skewed = Run(r, at + std::chrono::minutes(16));
  ASSERT_FALSE(skewed.has_value());
  EXPECT_TRUE(skewed.error().Is(ErrorCode::RequestTimeTooSkewed));
}

TEST_F(SigV2Test, PresignedUrlFromTheDocumentation) {
  http::Request r = Puppy(
      "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&"
      "Expires=1175139620");
  SystemTime expires = SystemTime(std::chrono::seconds(1175139620));
  auto ok = Run(r, expires - std::chrono::hours(1));
  ASSERT_TRUE(ok.has_value()) << ok.error().message();
  EXPECT_TRUE(ok->presigned);
  auto expired = Run(r, expires + std::chrono::seconds(1));
  ASSERT_FALSE(expired.has_value());
  EXPECT_TRUE(expired.error().Is(ErrorCode::AccessDenied));
  EXPECT_EQ(expired.error().message(), "Request has expired");
}

TEST_F(AuthenticatorTest, MalformedPresignQuery) {
  auto result = Authenticate(Get("/", "X-Amz-Algorithm=%zz"), SignedAt());
  ASSERT_FALSE(result.has_value());
  EXPECT_TRUE(result.error().Is(ErrorCode::MalformedQueryString));
}

TEST_F(AuthenticatorTest, BufferedBodyMustMatchContentSha256) {
  http::Request r = Get();
  r.method = "POST";
  testing::SignWithHeader(
      r, SignOptions{.payload_hash = Sha256Hex("Action=ListUsers"), .content_sha256_header = true});
  std::string body = "Action=ListUsers";
  auto result = Authenticate(r, SignedAt(), false, &body);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_EQ(result->payload, PayloadCheck::None);

  body = "Action=ListRoles";
  result = Authenticate(r, SignedAt(), false, &body);
  ASSERT_FALSE(result.has_value());
  EXPECT_TRUE(result.error().Is(ErrorCode::XAmzContentSHA256Mismatch)) << result.error().code();
}

TEST_F(AuthenticatorTest, BufferedBodyIsPartOfTheSignature) {
  http::Request r = Get();
  r.method = "POST";
  testing::SignWithHeader(r, SignOptions{.payload_hash = Sha256Hex("Action=ListUsers")});
  std::string body = "Action=ListUsers";
  ASSERT_TRUE(Authenticate(r, SignedAt(), false, &body).has_value());
  body = "Action=ListRoles";
  auto result = Authenticate(r, SignedAt(), false, &body);
  ASSERT_FALSE(result.has_value());
  EXPECT_TRUE(result.error().Is(ErrorCode::SignatureDoesNotMatch));
}

TEST_F(AuthenticatorTest, InvalidContentSha256Value) {
  http::Request r = Get();
  testing::SignWithHeader(r,
                          SignOptions{.payload_hash = "not-a-hash", .content_sha256_header = true});
  auto result = Authenticate(r, SignedAt());
  ASSERT_FALSE(result.has_value());
  EXPECT_TRUE(result.error().Is(ErrorCode::InvalidArgument));
  EXPECT_EQ(Detail(result.error(), "ArgumentValue"), "not-a-hash");
}

TEST_F(AuthenticatorTest, S3RequiresContentSha256) {
  http::Request r = Get("/bucket/key");
  testing::SignWithHeader(r, SignOptions{.service = "s3", .style = UriStyle::S3});
  auto result = Authenticate(r, SignedAt(), true, nullptr);
  ASSERT_FALSE(result.has_value());
  EXPECT_TRUE(result.error().Is(ErrorCode::InvalidRequest)) << result.error().code();
}

TEST_F(AuthenticatorTest, S3StreamedBodyIsCheckedWhenRead) {
  http::Request r = Get("/bucket/key");
  r.method = "PUT";
  testing::SignWithHeader(r, SignOptions{.service = "s3",
                                         .payload_hash = Sha256Hex("hello"),
                                         .content_sha256_header = true,
                                         .style = UriStyle::S3});
  auto result = Authenticate(r, SignedAt(), true, nullptr);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_EQ(result->payload, PayloadCheck::Sha256);
  EXPECT_EQ(result->signing_service, "s3");

  http::StringBodySource good("hello");
  auto body = authenticator_.WrapBody(good, *result, r);
  ASSERT_NE(body, nullptr);
  EXPECT_EQ(http::ReadAll(*body, 100).value_or("<error>"), "hello");

  http::StringBodySource bad("hellO");
  body = authenticator_.WrapBody(bad, *result, r);
  auto read = http::ReadAll(*body, 100);
  ASSERT_FALSE(read.has_value());
  EXPECT_TRUE(read.error().Is(ErrorCode::XAmzContentSHA256Mismatch));
}

TEST_F(AuthenticatorTest, S3UnsignedPayloadNeedsNoWrapping) {
  http::Request r = Get("/bucket/key");
  testing::SignWithHeader(r, SignOptions{.service = "s3",
                                         .payload_hash = "UNSIGNED-PAYLOAD",
                                         .content_sha256_header = true,
                                         .style = UriStyle::S3});
  auto result = Authenticate(r, SignedAt(), true, nullptr);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_EQ(result->payload, PayloadCheck::None);
  http::StringBodySource raw("anything");
  EXPECT_EQ(authenticator_.WrapBody(raw, *result, r), nullptr);
}

TEST_F(AuthenticatorTest, StreamingPayloadOptions) {
  http::Request r = Get("/bucket/key");
  r.method = "PUT";
  r.headers.Add("x-amz-decoded-content-length", "66560");
  r.headers.Add("x-amz-trailer", "x-amz-checksum-crc32c");
  testing::SignWithHeader(r,
                          SignOptions{.service = "s3",
                                      .payload_hash = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
                                      .content_sha256_header = true,
                                      .style = UriStyle::S3});
  auto result = Authenticate(r, SignedAt(), true, nullptr);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  ASSERT_EQ(result->payload, PayloadCheck::AwsChunked);
  ASSERT_NE(result->chunked, nullptr);
  const AwsChunkedOptions& o = *result->chunked;
  EXPECT_TRUE(o.signed_chunks);
  EXPECT_TRUE(o.trailer);
  EXPECT_EQ(o.decoded_length, 66560u);
  EXPECT_EQ(o.declared_trailers, std::vector<std::string>{"x-amz-checksum-crc32c"});
  ASSERT_TRUE(o.signing.has_value());
  EXPECT_EQ(o.signing->amz_date, "20150830T123600Z");
  EXPECT_EQ(o.signing->scope.String(), "20150830/us-east-1/s3/aws4_request");
  EXPECT_EQ(o.signing->seed_signature,
            ParseAuthorizationHeader(*r.headers.Get("Authorization"))->signature);

  http::Request unsigned_trailer = Get("/bucket/key");
  unsigned_trailer.headers.Add("x-amz-trailer", "X-Amz-Checksum-Crc32");
  testing::SignWithHeader(unsigned_trailer,
                          SignOptions{.service = "s3",
                                      .payload_hash = "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
                                      .content_sha256_header = true,
                                      .style = UriStyle::S3});
  result = Authenticate(unsigned_trailer, SignedAt(), true, nullptr);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  ASSERT_NE(result->chunked, nullptr);
  EXPECT_FALSE(result->chunked->signed_chunks);
  EXPECT_TRUE(result->chunked->trailer);
  EXPECT_FALSE(result->chunked->signing.has_value());
  EXPECT_FALSE(result->chunked->decoded_length.has_value());
  EXPECT_EQ(result->chunked->declared_trailers, std::vector<std::string>{"x-amz-checksum-crc32"});
}

TEST_F(AuthenticatorTest, StreamingDecodedLengthMustBeANumber) {
  http::Request r = Get("/bucket/key");
  r.headers.Add("x-amz-decoded-content-length", "lots");
  testing::SignWithHeader(r, SignOptions{.service = "s3",
                                         .payload_hash = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
                                         .content_sha256_header = true,
                                         .style = UriStyle::S3});
  auto result = Authenticate(r, SignedAt(), true, nullptr);
  ASSERT_FALSE(result.has_value());
  EXPECT_TRUE(result.error().Is(ErrorCode::InvalidArgument));
}

TEST(AccessKeyIdOf, HeaderPresignedOrNone) {
  EXPECT_EQ(AccessKeyIdOf(Vector("get-vanilla-query", "header")), kKey);
  EXPECT_EQ(AccessKeyIdOf(Vector("get-vanilla-query", "query")), kKey);
  EXPECT_EQ(AccessKeyIdOf(Get()), "");
  http::Request bad = Get();
  bad.headers.Add("Authorization", "AWS4-HMAC-SHA256 garbage");
  EXPECT_EQ(AccessKeyIdOf(bad), "");
}

}  // namespace
}  // namespace gureum::auth
