// SigV4 canonicalisation and parsing edge cases, by the rules of
// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html (canonical request)
// and S3's variant (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html).

#include "auth/sigv4.h"

#include <string>

#include <gtest/gtest.h>

namespace gureum::auth {
namespace {

std::string Query(std::string_view raw) {
  auto q = CanonicalQuery(raw);
  EXPECT_TRUE(q.has_value()) << raw;
  return q.value_or("<malformed>");
}

TEST(CanonicalQuery, SortsByNameThenValue) {
  EXPECT_EQ(Query("b=2&a=3&a=1"), "a=1&a=3&b=2");
  // Repeated keys are ordered by value, not by arrival.
  EXPECT_EQ(Query("k=z&k=a&k=m"), "k=a&k=m&k=z");
  // By byte value: uppercase before lowercase.
  EXPECT_EQ(Query("b=1&B=2&a=3"), "B=2&a=3&b=1");
  // Names compare before values: "Param" < "Param-3" although "Param=" > "Param-".
  EXPECT_EQ(Query("Param-3=Value3&Param=Value2"), "Param=Value2&Param-3=Value3");
  // Sorting uses the encoded form: "%E1..." sorts before letters.
  EXPECT_EQ(Query("Param=1&%E1%88%B4=2"), "%E1%88%B4=2&Param=1");
}

TEST(CanonicalQuery, EmptyValuesAndKeysWithoutEquals) {
  EXPECT_EQ(Query(""), "");
  EXPECT_EQ(Query("acl"), "acl=");
  EXPECT_EQ(Query("a=&b"), "a=&b=");
  EXPECT_EQ(Query("versioning&prefix="), "prefix=&versioning=");
}

TEST(CanonicalQuery, EncodesEachNameAndValueOnce) {
  // A space arrives as %20 (or raw); '+' is a literal plus in URLs, not a space.
  EXPECT_EQ(Query("a=b%20c"), "a=b%20c");
  EXPECT_EQ(Query("a=b c"), "a=b%20c");
  EXPECT_EQ(Query("a=b+c"), "a=b%2Bc");
  EXPECT_EQ(Query("a=b%2Bc"), "a=b%2Bc");
  // '/' is encoded in the query, whether it arrived encoded or not.
  EXPECT_EQ(Query("prefix=a%2Fb"), "prefix=a%2Fb");
  EXPECT_EQ(Query("prefix=a/b"), "prefix=a%2Fb");
  // Unreserved characters are never encoded, even if the client did; hex is uppercase.
  EXPECT_EQ(Query("a=%7e%2d%5F%2E"), "a=~-_.");
  EXPECT_EQ(Query("a=%c3%a9"), "a=%C3%A9");
  // UTF-8 names and values, raw or escaped.
  EXPECT_EQ(Query("\xe1\x88\xb4=bar"), "%E1%88%B4=bar");
  EXPECT_EQ(Query("%E1%88%B4=\xc3\xa9"), "%E1%88%B4=%C3%A9");
  EXPECT_EQ(Query("a=%3D%26"), "a=%3D%26");
}

TEST(CanonicalQuery, LeavesOutTheSignatureOnly) {
  EXPECT_EQ(Query("X-Amz-Signature=abc&X-Amz-Date=1&x-amz-signature=d"),
            "X-Amz-Date=1&x-amz-signature=d");
}

TEST(CanonicalQuery, MalformedEscapes) {
  EXPECT_FALSE(CanonicalQuery("a=%zz").has_value());
  EXPECT_FALSE(CanonicalQuery("a=%2").has_value());
  EXPECT_FALSE(CanonicalQuery("a%=1").has_value());
}

TEST(CanonicalUri, EmptyPathIsSlash) {
  EXPECT_EQ(CanonicalUri("", UriStyle::Normalized), "/");
  EXPECT_EQ(CanonicalUri("", UriStyle::S3), "/");
  EXPECT_EQ(CanonicalUri("/", UriStyle::Normalized), "/");
  EXPECT_EQ(CanonicalUri("/", UriStyle::S3), "/");
}

TEST(CanonicalUri, NonS3EncodesTheWirePathAgain) {
  EXPECT_EQ(CanonicalUri("/a%20b", UriStyle::Normalized), "/a%2520b");
  EXPECT_EQ(CanonicalUri("/a b", UriStyle::Normalized), "/a%20b");
  EXPECT_EQ(CanonicalUri("/%E1%88%B4", UriStyle::Normalized), "/%25E1%2588%25B4");
  EXPECT_EQ(CanonicalUri("/a+b", UriStyle::Normalized), "/a%2Bb");
  EXPECT_EQ(CanonicalUri("/a%2Fb", UriStyle::Normalized), "/a%252Fb");
  EXPECT_EQ(CanonicalUri("/-._~AZaz09", UriStyle::Normalized), "/-._~AZaz09");
}

TEST(CanonicalUri, NonS3RemovesDotAndEmptySegments) {
  EXPECT_EQ(CanonicalUri("/a/./b/../c", UriStyle::Normalized), "/a/c");
  EXPECT_EQ(CanonicalUri("//a//b//", UriStyle::Normalized), "/a/b/");
  EXPECT_EQ(CanonicalUri("/..", UriStyle::Normalized), "/");
  EXPECT_EQ(CanonicalUri("/../../a", UriStyle::Normalized), "/a");
  EXPECT_EQ(CanonicalUri("/a/..", UriStyle::Normalized), "/");
  EXPECT_EQ(CanonicalUri("/a/b/..", UriStyle::Normalized), "/a");
  EXPECT_EQ(CanonicalUri("/a/.", UriStyle::Normalized), "/a");
}

TEST(CanonicalUri, S3EncodesTheKeyOnceWithoutNormalising) {
  EXPECT_EQ(CanonicalUri("/bucket/a%20b", UriStyle::S3), "/bucket/a%20b");
  EXPECT_EQ(CanonicalUri("/bucket/a b", UriStyle::S3), "/bucket/a%20b");
  EXPECT_EQ(CanonicalUri("/bucket/%E1%88%B4", UriStyle::S3), "/bucket/%E1%88%B4");
  EXPECT_EQ(CanonicalUri("/bucket/\xe1\x88\xb4", UriStyle::S3), "/bucket/%E1%88%B4");
  EXPECT_EQ(CanonicalUri("/bucket/a+b", UriStyle::S3), "/bucket/a%2Bb");
  EXPECT_EQ(CanonicalUri("/bucket/a%2Bb", UriStyle::S3), "/bucket/a%2Bb");
  EXPECT_EQ(CanonicalUri("/bucket/a%7eb", UriStyle::S3), "/bucket/a~b");
  EXPECT_EQ(CanonicalUri("/bucket/test$file.text", UriStyle::S3), "/bucket/test%24file.text");
  EXPECT_EQ(CanonicalUri("/bucket/./a/../b//c", UriStyle::S3), "/bucket/./a/../b//c");
  // S3 signs the object key, whose '/' are not encoded: "%2F" on the wire is a '/' in the key.
  EXPECT_EQ(CanonicalUri("/bucket/a%2Fb", UriStyle::S3), "/bucket/a/b");
}

TEST(CanonicalHeaders, TrimsAndCollapsesValues) {
  http::Headers h;
  h.Add("My-Header1", "  value1  ");
  h.Add("My-Header2", "\"a   b   c\"");
  h.Add("X-Tabs", "\ta\t\tb \t c\t");
  h.Add("X-Folded", "a\r\n   b");
  // Line folds at either end are whitespace around the value too.
  h.Add("X-Folded-Ends", "\r\n a \r\n");
  EXPECT_EQ(
      CanonicalHeaders(h, {"my-header1", "my-header2", "x-folded", "x-folded-ends", "x-tabs"}),
      "my-header1:value1\nmy-header2:\"a b c\"\nx-folded:a b\nx-folded-ends:a\n"
      "x-tabs:a b c\n");
}

TEST(CanonicalHeaders, JoinsRepeatedHeadersInArrivalOrder) {
  http::Headers h;
  h.Add("My-Header1", "value4");
  h.Add("Host", "example.amazonaws.com");
  h.Add("my-header1", " value1 ");
  h.Add("MY-HEADER1", "value3");
  EXPECT_EQ(CanonicalHeaders(h, {"host", "my-header1"}),
            "host:example.amazonaws.com\nmy-header1:value4,value1,value3\n");
}

TEST(CanonicalHeaders, EmptyAndMissingValues) {
  http::Headers h;
  h.Add("X-Empty", "");
  h.Add("X-Spaces", "   ");
  EXPECT_EQ(CanonicalHeaders(h, {"x-empty", "x-missing", "x-spaces"}),
            "x-empty:\nx-missing:\nx-spaces:\n");
}

TEST(CanonicalRequest, JoinsTheSixParts) {
  EXPECT_EQ(CanonicalRequest("GET", "/", "a=1", "host:h\n", "host", "UNSIGNED-PAYLOAD"),
            "GET\n/\na=1\nhost:h\n\nhost\nUNSIGNED-PAYLOAD");
}

// The derivation example of the IAM user guide ("Examples of how to derive a signing key for
// Signature Version 4"): secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20120215, us-east-1,
// iam.
TEST(DeriveSigningKey, DocumentedExample) {
  Sha256Digest key = DeriveSigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                      CredentialScope{"20120215", "us-east-1", "iam"});
  EXPECT_EQ(HexEncode(key), "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

TEST(StringToSign, Layout) {
  CredentialScope scope{"20150830", "us-east-1", "iam"};
  EXPECT_EQ(scope.String(), "20150830/us-east-1/iam/aws4_request");
  EXPECT_EQ(StringToSign("20150830T123600Z", scope, ""),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n" +
                std::string(kEmptySha256));
}

TEST(ParseAuthorizationHeader, ReadsAllComponents) {
  auto claim = ParseAuthorizationHeader(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
      "SignedHeaders=content-type;Host;x-amz-date, "
      "Signature=5D672D79C15B13162D9279B0855CFBA6789A8EDB4C82C400E06B5924A6F2B5D7");
  ASSERT_TRUE(claim.has_value()) << claim.error().message();
  EXPECT_EQ(claim->access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(claim->scope.date, "20150830");
  EXPECT_EQ(claim->scope.region, "us-east-1");
  EXPECT_EQ(claim->scope.service, "iam");
  EXPECT_EQ(claim->signed_headers,
            (std::vector<std::string>{"content-type", "host", "x-amz-date"}));
  EXPECT_EQ(claim->signed_headers_text, "content-type;Host;x-amz-date");
  EXPECT_EQ(claim->signature, "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
  EXPECT_FALSE(claim->presigned);
}

TEST(ParseAuthorizationHeader, AcceptsCommasWithoutSpaces) {
  auto claim = ParseAuthorizationHeader(
      "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/s3/aws4_request,SignedHeaders=host,"
      "Signature=abc");
  ASSERT_TRUE(claim.has_value());
  EXPECT_EQ(claim->signed_headers, std::vector<std::string>{"host"});
  EXPECT_EQ(claim->signature, "abc");
}

TEST(ParseAuthorizationHeader, RejectsIncompleteHeaders) {
  const char* bad[] = {
      "AWS4-HMAC-SHA1 Credential=AK/20150830/us-east-1/s3/aws4_request, SignedHeaders=host, "
      "Signature=abc",
      "AWS4-HMAC-SHA256",
      "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=abc",
      "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/s3/aws4_request, Signature=abc",
      "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/s3/aws4_request, SignedHeaders=host",
      "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/s3/aws4_request, SignedHeaders=, "
      "Signature=abc",
      "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/s3, SignedHeaders=host, Signature=abc",
      "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/s3/aws5_request, SignedHeaders=host, "
      "Signature=abc",
      "AWS4-HMAC-SHA256 Credential=AK/2015083/us-east-1/s3/aws4_request, SignedHeaders=host, "
      "Signature=abc",
      "AWS4-HMAC-SHA256 Credential=AK/2015o830/us-east-1/s3/aws4_request, SignedHeaders=host, "
      "Signature=abc",
      "AWS4-HMAC-SHA256 Credential=AK/20150830//s3/aws4_request, SignedHeaders=host, "
      "Signature=abc",
      "AWS4-HMAC-SHA256 Credential=/20150830/us-east-1/s3/aws4_request, SignedHeaders=host, "
      "Signature=abc",
  };
  for (const char* header : bad) {
    auto claim = ParseAuthorizationHeader(header);
    ASSERT_FALSE(claim.has_value()) << header;
    EXPECT_TRUE(claim.error().Is(ErrorCode::IncompleteSignature)) << header;
  }
}

QueryParams Params(std::string_view raw) { return ParseQueryString(raw, false).value(); }

TEST(ParsePresignedQuery, NotPresignedWithoutAlgorithm) {
  auto claim = ParsePresignedQuery(Params("X-Amz-Date=20150830T123600Z&a=b"));
  ASSERT_TRUE(claim.has_value());
  EXPECT_FALSE(claim->has_value());
}

TEST(ParsePresignedQuery, ReadsAllParameters) {
  auto claim = ParsePresignedQuery(
      Params("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20130524%2Fus-east-1%2Fs3"
             "%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-"
             "SignedHeaders=host&X-Amz-Signature=AEEED9&X-Amz-Security-Token=tok"));
  ASSERT_TRUE(claim.has_value() && claim->has_value());
  const SignatureClaim& c = **claim;
  EXPECT_TRUE(c.presigned);
  EXPECT_EQ(c.access_key_id, "AK");
  EXPECT_EQ(c.scope.String(), "20130524/us-east-1/s3/aws4_request");
  EXPECT_EQ(c.amz_date, "20130524T000000Z");
  EXPECT_EQ(c.expires_seconds, 86400);
  EXPECT_EQ(c.signature, "aeeed9");
  EXPECT_EQ(c.security_token, "tok");
  EXPECT_FALSE(c.content_sha256.has_value());
}

TEST(ParsePresignedQuery, RejectsBadParameters) {
  const std::string base =
      "X-Amz-Credential=AK%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z"
      "&X-Amz-SignedHeaders=host&X-Amz-Signature=abc";
  const std::string bad[] = {
      "X-Amz-Algorithm=AWS4-HMAC-SHA1&" + base,
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20130524T000000Z&X-Amz-SignedHeaders=host&"
      "X-Amz-Signature=abc",
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&" + base + "&X-Amz-Expires=soon",
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&" + base + "&X-Amz-Expires=-1",
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&" + base + "&X-Amz-Expires=604801",
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&" + base + "&X-Amz-Expires=",
  };
  for (const auto& query : bad) {
    auto claim = ParsePresignedQuery(Params(query));
    ASSERT_FALSE(claim.has_value()) << query;
    EXPECT_TRUE(claim.error().Is(ErrorCode::AuthorizationQueryParametersError)) << query;
  }
  // A week is the longest lifetime AWS allows, inclusive.
  auto week = ParsePresignedQuery(
      Params("X-Amz-Algorithm=AWS4-HMAC-SHA256&" + base + "&X-Amz-Expires=604800"));
  ASSERT_TRUE(week.has_value() && week->has_value());
  EXPECT_EQ((*week)->expires_seconds, 604800);
}

}  // namespace
}  // namespace gureum::auth
