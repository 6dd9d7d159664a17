// S3's HTTP surface rules: Range (RFC 9110 byte ranges as S3 applies them), x-amz-copy-source,
// the precedence of conditional headers on reads and copies, and bucket naming rules.

#include "s3/s3_http.h"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "gureum/core/time_format.h"

namespace gureum::s3 {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

// ---- ParseRange ----

// The range a header selects in an object of `size` bytes, as "start+length", "whole" when the
// header is ignored, or the error code.
std::string Range(std::string_view header, uint64_t size) {
  auto r = ParseRange(header, size);
  if (!r) return r.error().code();
  if (!*r) return "whole";
  return std::to_string((*r)->start) + "+" + std::to_string((*r)->length);
}

TEST(ParseRange, FirstLast) {
  EXPECT_EQ(Range("bytes=0-99", 1000), "0+100");
  EXPECT_EQ(Range("bytes=0-0", 1000), "0+1");
  EXPECT_EQ(Range("bytes=10-19", 1000), "10+10");
  EXPECT_EQ(Range("bytes=999-999", 1000), "999+1");
  EXPECT_EQ(Range("bytes=0-999", 1000), "0+1000");
  EXPECT_EQ(Range("  bytes=5-9  ", 1000), "5+5");
}

TEST(ParseRange, LastBeyondTheEndIsClamped) {
  EXPECT_EQ(Range("bytes=900-5000", 1000), "900+100");
  EXPECT_EQ(Range("bytes=0-18446744073709551615", 1000), "0+1000");
}

TEST(ParseRange, OpenEnded) {
  EXPECT_EQ(Range("bytes=100-", 1000), "100+900");
  EXPECT_EQ(Range("bytes=0-", 1000), "0+1000");
  EXPECT_EQ(Range("bytes=999-", 1000), "999+1");
}

TEST(ParseRange, Suffix) {
  EXPECT_EQ(Range("bytes=-500", 1000), "500+500");
  EXPECT_EQ(Range("bytes=-1", 1000), "999+1");
  EXPECT_EQ(Range("bytes=-1000", 1000), "0+1000");
  // A suffix longer than the object is the whole object (still a 206 with a Content-Range).
  EXPECT_EQ(Range("bytes=-2000", 1000), "0+1000");
}

TEST(ParseRange, UnsatisfiableIsInvalidRange) {
  EXPECT_EQ(Range("bytes=1000-", 1000), "InvalidRange");
  EXPECT_EQ(Range("bytes=1000-1999", 1000), "InvalidRange");
  EXPECT_EQ(Range("bytes=5000-6000", 1000), "InvalidRange");
  EXPECT_EQ(Range("bytes=-0", 1000), "InvalidRange");
  // Nothing in an empty object can be selected.
  EXPECT_EQ(Range("bytes=0-", 0), "InvalidRange");
  EXPECT_EQ(Range("bytes=0-0", 0), "InvalidRange");
  EXPECT_EQ(Range("bytes=-5", 0), "InvalidRange");

  auto r = ParseRange("bytes=1000-", 1000);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().http_status(), 416);
  bool size_reported = false;
  for (const auto& [name, value] : r.error().details()) {
    if (name == "ActualObjectSize") size_reported = value == "1000";
  }
  EXPECT_TRUE(size_reported);
}

TEST(ParseRange, MalformedOrUnsupportedHeadersAreIgnored) {
  // S3 serves the whole object (200) for ranges it does not understand.
  for (const char* header :
       {"", "bytes=", "bytes=-", "bytes=abc", "bytes=a-b", "bytes=1-a", "bytes=0x10-", "items=0-99",
        "0-99", "bytes 0-99", "bytes=--5", "bytes=1-2-3", "bytes=+1-2", "bytes=5-1",
        "bytes=0-99,200-299", "bytes=-5,-1", "bytes=99999999999999999999999-"}) {
    EXPECT_EQ(Range(header, 1000), "whole") << header;
  }
}

// ---- ParseCopySource ----

std::string Copy(std::string_view header) {
  auto r = ParseCopySource(header);
  if (!r) return r.error().code();
  return r->bucket + " | " + r->key + (r->version_id ? " | " + *r->version_id : "");
}

TEST(ParseCopySource, BucketAndKey) {
  EXPECT_EQ(Copy("bucket/key"), "bucket | key");
  EXPECT_EQ(Copy("/bucket/key"), "bucket | key");
  EXPECT_EQ(Copy("bucket/dir/sub/file.txt"), "bucket | dir/sub/file.txt");
  EXPECT_EQ(Copy("bucket/dir/"), "bucket | dir/");
  EXPECT_EQ(Copy("bucket//double"), "bucket | /double");
}

TEST(ParseCopySource, PercentEncoding) {
  EXPECT_EQ(Copy("bucket/%ED%95%9C%EA%B8%80%20file.txt"), "bucket | 한글 file.txt");
  EXPECT_EQ(Copy("/bucket/a%2Fb%2Fc"), "bucket | a/b/c");
  // '+' is a plus sign in a path, not a space.
  EXPECT_EQ(Copy("bucket/a+b%2B"), "bucket | a+b+");
  // An encoded '?' belongs to the key.
  EXPECT_EQ(Copy("bucket/what%3FversionId%3Dx"), "bucket | what?versionId=x");
  // Unencoded UTF-8 is taken as is.
  EXPECT_EQ(Copy("bucket/한글"), "bucket | 한글");
}

TEST(ParseCopySource, VersionId) {
  EXPECT_EQ(Copy("bucket/key?versionId=3sL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"),
            "bucket | key | 3sL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY");
  EXPECT_EQ(Copy("/bucket/dir/%ED%95%9C.txt?versionId=null"), "bucket | dir/한.txt | null");
  EXPECT_EQ(Copy("bucket/key?versionId=a%2Bb"), "bucket | key | a+b");
}

TEST(ParseCopySource, Invalid) {
  for (const char* header : {"", "/", "bucket", "/bucket", "bucket/", "/bucket/", "/key-only",
                             "//key", "bucket/%zz", "bucket/key%", "bucket/key?versionId="}) {
    EXPECT_EQ(Copy(header), "InvalidArgument") << header;
  }
}

// ---- CheckReadConditions ----

// An object last modified at 2024-03-10T08:00:00.750Z with ETag "abc".
constexpr std::string_view kEtag = "abc";
system_clock::time_point Modified() { return sys_days{2024y / March / 10} + 8h + 750ms; }
std::string Date(system_clock::duration from_modified) {
  return FormatHttpDate(Modified() + from_modified);
}

// "ok", or the error code and status of the check.
std::string Check(std::initializer_list<std::pair<const char*, std::string>> headers,
                  std::string_view prefix = "") {
  http::Headers h;
  for (const auto& [name, value] : headers) h.Add(name, value);
  auto r = CheckReadConditions(h, prefix, kEtag, Modified());
  if (r) return "ok";
  return r.error().code() + " " + std::to_string(r.error().http_status());
}

TEST(CheckReadConditions, NoConditions) { EXPECT_EQ(Check({}), "ok"); }

TEST(CheckReadConditions, IfMatch) {
  EXPECT_EQ(Check({{"If-Match", "\"abc\""}}), "ok");
  EXPECT_EQ(Check({{"If-Match", "abc"}}), "ok");
  EXPECT_EQ(Check({{"If-Match", "*"}}), "ok");
  EXPECT_EQ(Check({{"If-Match", "\"x\", \"abc\""}}), "ok");
  EXPECT_EQ(Check({{"If-Match", "\"abd\""}}), "PreconditionFailed 412");
  EXPECT_EQ(Check({{"If-Match", "\"x\",\"y\""}}), "PreconditionFailed 412");
}

TEST(CheckReadConditions, IfNoneMatch) {
  EXPECT_EQ(Check({{"If-None-Match", "\"abc\""}}), "NotModified 304");
  EXPECT_EQ(Check({{"If-None-Match", "W/\"abc\""}}), "NotModified 304");
  EXPECT_EQ(Check({{"If-None-Match", "*"}}), "NotModified 304");
  EXPECT_EQ(Check({{"If-None-Match", "\"x\", \"abc\""}}), "NotModified 304");
  EXPECT_EQ(Check({{"If-None-Match", "\"other\""}}), "ok");
}

TEST(CheckReadConditions, IfModifiedSince) {
  EXPECT_EQ(Check({{"If-Modified-Since", Date(-1h)}}), "ok");
  EXPECT_EQ(Check({{"If-Modified-Since", Date(1h)}}), "NotModified 304");
  // HTTP dates have whole seconds: 08:00:00 is "not modified since" for 08:00:00.750.
  EXPECT_EQ(Check({{"If-Modified-Since", Date(-750ms)}}), "NotModified 304");
  EXPECT_EQ(Check({{"If-Modified-Since", Date(-1s)}}), "ok");
  // An unparsable date is ignored.
  EXPECT_EQ(Check({{"If-Modified-Since", "yesterday"}}), "ok");
}

TEST(CheckReadConditions, IfUnmodifiedSince) {
  EXPECT_EQ(Check({{"If-Unmodified-Since", Date(1h)}}), "ok");
  EXPECT_EQ(Check({{"If-Unmodified-Since", Date(-750ms)}}), "ok");
  EXPECT_EQ(Check({{"If-Unmodified-Since", Date(-1s)}}), "PreconditionFailed 412");
  EXPECT_EQ(Check({{"If-Unmodified-Since", Date(-24h)}}), "PreconditionFailed 412");
  EXPECT_EQ(Check({{"If-Unmodified-Since", "not a date"}}), "ok");
}

TEST(CheckReadConditions, IfMatchTrueOverridesIfUnmodifiedSinceFalse) {
  // S3: If-Match true and If-Unmodified-Since false -> 200.
  EXPECT_EQ(Check({{"If-Match", "\"abc\""}, {"If-Unmodified-Since", Date(-24h)}}), "ok");
  EXPECT_EQ(Check({{"If-Match", "\"nope\""}, {"If-Unmodified-Since", Date(24h)}}),
            "PreconditionFailed 412");
}

TEST(CheckReadConditions, IfNoneMatchDecidesOverIfModifiedSince) {
  // S3: If-None-Match false (the ETag matches) and If-Modified-Since true -> 304.
  EXPECT_EQ(Check({{"If-None-Match", "\"abc\""}, {"If-Modified-Since", Date(-24h)}}),
            "NotModified 304");
  // If-None-Match true and If-Modified-Since false -> 200.
  EXPECT_EQ(Check({{"If-None-Match", "\"other\""}, {"If-Modified-Since", Date(24h)}}), "ok");
}

TEST(CheckReadConditions, PreconditionFailedWinsOverNotModified) {
  EXPECT_EQ(Check({{"If-Match", "\"nope\""}, {"If-None-Match", "\"abc\""}}),
            "PreconditionFailed 412");
  EXPECT_EQ(Check({{"If-Unmodified-Since", Date(-24h)}, {"If-Modified-Since", Date(24h)}}),
            "PreconditionFailed 412");
}

TEST(CheckReadConditions, CopySourceConditionsFailWith412) {
  constexpr std::string_view kCopy = "x-amz-copy-source-";
  EXPECT_EQ(Check({{"x-amz-copy-source-if-match", "\"abc\""}}, kCopy), "ok");
  EXPECT_EQ(Check({{"x-amz-copy-source-if-match", "\"zzz\""}}, kCopy), "PreconditionFailed 412");
  EXPECT_EQ(Check({{"x-amz-copy-source-if-none-match", "\"abc\""}}, kCopy),
            "PreconditionFailed 412");
  EXPECT_EQ(Check({{"x-amz-copy-source-if-modified-since", Date(24h)}}, kCopy),
            "PreconditionFailed 412");
  EXPECT_EQ(Check({{"x-amz-copy-source-if-unmodified-since", Date(-24h)}}, kCopy),
            "PreconditionFailed 412");
  // The same precedence as reads: if-match true beats if-unmodified-since false.
  EXPECT_EQ(Check({{"x-amz-copy-source-if-match", "\"abc\""},
                   {"x-amz-copy-source-if-unmodified-since", Date(-24h)}},
                  kCopy),
            "ok");
  // If-None-Match false (matches) and If-Modified-Since true -> 412 for copies.
  EXPECT_EQ(Check({{"x-amz-copy-source-if-none-match", "\"abc\""},
                   {"x-amz-copy-source-if-modified-since", Date(-24h)}},
                  kCopy),
            "PreconditionFailed 412");
  // Conditions on the destination request itself are not the source's conditions.
  EXPECT_EQ(Check({{"If-Match", "\"zzz\""}, {"If-None-Match", "\"abc\""}}, kCopy), "ok");
}

// ---- IsValidBucketName ----

TEST(IsValidBucketName, Valid) {
  for (const char* name :
       {"abc", "my-bucket", "my.bucket.name", "a1b2c3", "123", "1-2", "a.b", "docexamplebucket1",
        "log-delivery-march-2020", "my-hosted-content", "example.com", "www.docexamplewebsite.com",
        "xn-one-dash", "sthree", "s3alias-first", "1.2.3", "1.2.3.4.5", "a-b--c"}) {
    EXPECT_TRUE(IsValidBucketName(name)) << name;
  }
  EXPECT_TRUE(IsValidBucketName(std::string(63, 'a')));
  EXPECT_TRUE(IsValidBucketName(std::string(3, '0')));
}

TEST(IsValidBucketName, Invalid) {
  for (const char* name : {"",
                           "a",
                           "ab",
                           "My-Bucket",
                           "myBucket",
                           "my_bucket",
                           "my bucket",
                           "bücket",
                           "my/bucket",
                           "-bucket",
                           "bucket-",
                           ".bucket",
                           "bucket.",
                           "my..bucket",
                           "192.168.5.4",
                           "10.0.0.1",
                           "xn--bucket",
                           "sthree-bucket",
                           "sthree-configurator-x",
                           "amzn-s3-demo-bucket",
                           "bucket-s3alias",
                           "bucket--ol-s3",
                           "bucket.mrap",
                           "bucket--x-s3",
                           "bucket--table-s3",
                           "doc_example_bucket",
                           "DocExampleBucket"}) {
    EXPECT_FALSE(IsValidBucketName(name)) << name;
  }
  EXPECT_FALSE(IsValidBucketName(std::string(64, 'a')));
}

}  // namespace
}  // namespace gureum::s3
