// The aws-chunked decoder against AWS's worked examples:
//   "Signature Calculations for the Authorization Header: Transferring Payload in Multiple Chunks
//   (Chunked Upload)", https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html, and
//   "... Including Trailing Headers (Chunked Upload)",
//   https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html.
// Both upload a 66560-byte object of 'a' as a 65536-byte chunk, a 1024-byte chunk and a final
// empty chunk, signed with the documentation's example key at 20130524T000000Z in us-east-1/s3.

#include "auth/aws_chunked.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gureum/auth/authenticator.h"
#include "gureum/core/checksum.h"

#include "auth_test_support.h"

namespace gureum::auth {
namespace {

constexpr char kDocKey[] = "AKIAIOSFODNN7EXAMPLE";
constexpr char kDocSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr char kDocDate[] = "20130524T000000Z";
const CredentialScope kDocScope{"20130524", "us-east-1", "s3"};

// sigv4-streaming.html: the seed (request) signature and the three chunk signatures.
constexpr char kSeed[] = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
const std::vector<std::string> kChunkSignatures = {
    "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
    "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
    "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
};

// sigv4-streaming-trailers.html: the same object with a trailing x-amz-checksum-crc32c.
constexpr char kTrailerSeed[] = "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e";
const std::vector<std::string> kTrailerChunkSignatures = {
    "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
    "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
    "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992",
};
constexpr char kTrailerSignature[] =
    "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435";
constexpr char kCrc32cOfObject[] = "sOO8/Q==";
// CRC32 of the 66560 'a's (computed independently, with Python's zlib.crc32).
constexpr char kCrc32OfObject[] = "sK4Y7A==";

const std::string kObject(66560, 'a');

// "<hex size>[;chunk-signature=<sig>]\r\n<data>\r\n" for 65536, 1024 and 0 bytes.
std::string Chunks(const std::vector<std::string>& signatures) {
  std::string out;
  const size_t sizes[] = {65536, 1024, 0};
  for (size_t i = 0; i < 3; ++i) {
    char size[16];
    std::snprintf(size, sizeof size, "%zx", sizes[i]);
    out += size;
    if (!signatures.empty()) out += ";chunk-signature=" + signatures[i];
    out += "\r\n";
    if (sizes[i] > 0) out += std::string(sizes[i], 'a') + "\r\n";
  }
  return out;
}

// The signed example body exactly as the page lays it out: 66824 bytes, the final chunk
// followed by an empty line.
std::string SignedBody() { return Chunks(kChunkSignatures) + "\r\n"; }

std::string SignedTrailerBody(std::string_view trailer_value = kCrc32cOfObject,
                              std::string_view trailer_signature = kTrailerSignature) {
  return Chunks(kTrailerChunkSignatures) + "x-amz-checksum-crc32c:" + std::string(trailer_value) +
         "\r\nx-amz-trailer-signature:" + std::string(trailer_signature) + "\r\n\r\n";
}

std::string UnsignedTrailerBody(std::string_view crc32) {
  return Chunks({}) + "x-amz-checksum-crc32:" + std::string(crc32) + "\r\n\r\n";
}

AwsChunkedOptions SignedOptions(std::string seed = kSeed) {
  AwsChunkedOptions o;
  o.signed_chunks = true;
  o.signing =
      ChunkSigning{DeriveSigningKey(kDocSecret, kDocScope), kDocDate, kDocScope, std::move(seed)};
  o.decoded_length = 66560;
  return o;
}

AwsChunkedOptions SignedTrailerOptions() {
  AwsChunkedOptions o = SignedOptions(kTrailerSeed);
  o.trailer = true;
  o.declared_trailers = {"x-amz-checksum-crc32c"};
  return o;
}

AwsChunkedOptions UnsignedTrailerOptions() {
  AwsChunkedOptions o;
  o.trailer = true;
  o.declared_trailers = {"x-amz-checksum-crc32"};
  o.decoded_length = 66560;
  return o;
}

// Feeds `body` in pieces of `step` bytes (0: all at once) and returns the decoded bytes, or the
// first error from Process() or Finish().
Result<std::string> Decode(AwsChunkedParser& parser, std::string body, size_t step = 0) {
  std::string out;
  if (step == 0) step = body.size();
  for (size_t pos = 0; pos < body.size(); pos += step) {
    size_t n = std::min(step, body.size() - pos);
    GUREUM_TRY(size_t produced, parser.Process(body.data() + pos, n));
    out.append(body.data() + pos, produced);
  }
  GUREUM_RETURN_IF_ERROR(parser.Finish());
  return out;
}

Result<std::string> Decode(AwsChunkedOptions options, std::string body, size_t step = 0) {
  AwsChunkedParser parser(std::move(options));
  return Decode(parser, std::move(body), step);
}

TEST(AwsChunked, DocumentedBodyLength) {
  // The page's Content-Length for the signed example.
  EXPECT_EQ(SignedBody().size(), 66824u);
}

// The example's PUT request, whose signature is the seed of the chunk chain. The trailer variant
// signs x-amz-trailer and no Content-Length.
http::Request DocRequest(bool trailer) {
  http::Request r;
  r.method = "PUT";
  r.path = "/examplebucket/chunkObject.txt";
  r.target = r.path;
  r.headers.Add("Host", "s3.amazonaws.com");
  r.headers.Add("x-amz-date", kDocDate);
  r.headers.Add("x-amz-storage-class", "REDUCED_REDUNDANCY");
  std::string signed_headers =
      trailer ? "content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-"
                "length;x-amz-storage-class;x-amz-trailer"
              : "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-"
                "decoded-content-length;x-amz-storage-class";
  r.headers.Add("Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
                "aws4_request,SignedHeaders=" +
                    signed_headers + ",Signature=" + (trailer ? kTrailerSeed : kSeed));
  r.headers.Add("x-amz-content-sha256", trailer ? "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
                                                : "STREAMING-AWS4-HMAC-SHA256-PAYLOAD");
  r.headers.Add("Content-Encoding", "aws-chunked");
  r.headers.Add("x-amz-decoded-content-length", "66560");
  if (trailer) {
    r.headers.Add("x-amz-trailer", "x-amz-checksum-crc32c");
  } else {
    r.headers.Add("Content-Length", "66824");
    r.content_length = 66824;
  }
  return r;
}

class AwsChunkedAuthenticatorTest : public ::testing::Test {
 protected:
  AwsChunkedAuthenticatorTest() {
    auto provider = std::make_shared<testing::FakeCredentialProvider>();
    provider->Add(testing::MakeCredential(kDocKey, kDocSecret));
    store_.AddProvider(provider);
  }
  Result<AuthResult> Authenticate(const http::Request& r) {
    AuthRequest in;
    in.request = &r;
    in.s3 = true;
    in.now = testing::At("2013-05-24T00:00:00Z");
    in.real_now = in.now;  // the vectors' world: real and daemon time agree
    return authenticator_.Authenticate(in);
  }
  // The body as a handler reads it.
  Result<std::string> ReadBody(const AuthResult& result, const http::Request& r,
                               const std::string& body) {
    http::StringBodySource raw(body);
    auto decoded = authenticator_.WrapBody(raw, result, r);
    EXPECT_NE(decoded, nullptr);
    EXPECT_EQ(decoded->size_hint(), 66560u);
    return http::ReadAll(*decoded, 1 << 20);
  }

  CredentialStore store_;
  Authenticator authenticator_{store_, AuthenticatorOptions{}};
};

TEST_F(AwsChunkedAuthenticatorTest, SignedExample) {
  http::Request r = DocRequest(false);
  auto result = Authenticate(r);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  ASSERT_EQ(result->payload, PayloadCheck::AwsChunked);
  EXPECT_EQ(result->chunked->signing->seed_signature, kSeed);
  auto body = ReadBody(*result, r, SignedBody());
  ASSERT_TRUE(body.has_value()) << body.error().message();
  EXPECT_EQ(*body, kObject);

  // Chunks signed for another request (another seed) are refused.
  body = ReadBody(*result, r, Chunks(kTrailerChunkSignatures) + "\r\n");
  ASSERT_FALSE(body.has_value());
  EXPECT_TRUE(body.error().Is(ErrorCode::InvalidChunkSignature));
}

TEST_F(AwsChunkedAuthenticatorTest, SignedTrailerExample) {
  http::Request r = DocRequest(true);
  auto result = Authenticate(r);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  ASSERT_EQ(result->payload, PayloadCheck::AwsChunked);
  EXPECT_EQ(result->chunked->signing->seed_signature, kTrailerSeed);
  auto body = ReadBody(*result, r, SignedTrailerBody());
  ASSERT_TRUE(body.has_value()) << body.error().message();
  EXPECT_EQ(*body, kObject);

  body = ReadBody(*result, r, SignedTrailerBody("AAAAAA=="));
  ASSERT_FALSE(body.has_value());
  EXPECT_TRUE(body.error().Is(ErrorCode::InvalidChunkSignature));
}

TEST(AwsChunked, DecodesTheSignedExampleInOnePiece) {
  AwsChunkedParser parser(SignedOptions());
  auto out = Decode(parser, SignedBody());
  ASSERT_TRUE(out.has_value()) << out.error().message();
  EXPECT_EQ(*out, kObject);
  EXPECT_TRUE(parser.done());
  EXPECT_EQ(parser.decoded_bytes(), 66560u);
  EXPECT_TRUE(parser.trailers().empty());
}

TEST(AwsChunked, DecodesTheSignedExampleOneByteAtATime) {
  auto out = Decode(SignedOptions(), SignedBody(), 1);
  ASSERT_TRUE(out.has_value()) << out.error().message();
  EXPECT_EQ(*out, kObject);
}

TEST(AwsChunked, DecodesTheSignedExampleInOddPieces) {
  for (size_t step : {2, 3, 7, 100, 4096, 65537}) {
    auto out = Decode(SignedOptions(), SignedBody(), step);
    ASSERT_TRUE(out.has_value()) << step << ": " << out.error().message();
    EXPECT_EQ(*out, kObject) << step;
  }
}

TEST(AwsChunked, BodySourceReadsThroughSmallBuffers) {
  std::string body = SignedBody();
  for (size_t buffer_size : {1, 5, 64, 70000}) {
    http::StringBodySource raw(body);
    AwsChunkedBodySource source(raw, SignedOptions());
    std::string out;
    std::vector<char> buffer(buffer_size);
    for (;;) {
      auto n = source.Read(buffer);
      ASSERT_TRUE(n.has_value()) << n.error().message();
      if (*n == 0) break;
      out.append(buffer.data(), *n);
    }
    EXPECT_EQ(out, kObject) << buffer_size;
    EXPECT_TRUE(source.parser().done());
    // Read after the end keeps answering 0.
    auto again = source.Read(buffer);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(*again, 0u);
  }
}

TEST(AwsChunked, RejectsABadChunkSignature) {
  for (size_t chunk = 0; chunk < 3; ++chunk) {
    std::vector<std::string> signatures = kChunkSignatures;
    signatures[chunk][10] = signatures[chunk][10] == '0' ? '1' : '0';
    for (size_t step : {0, 1}) {
      auto out = Decode(SignedOptions(), Chunks(signatures) + "\r\n", step);
      ASSERT_FALSE(out.has_value()) << chunk;
      EXPECT_TRUE(out.error().Is(ErrorCode::InvalidChunkSignature)) << out.error().code();
      EXPECT_EQ(out.error().http_status(), 403);
    }
  }
}

TEST(AwsChunked, RejectsTamperedData) {
  std::string body = SignedBody();
  body[body.find('a') + 1000] = 'b';
  auto out = Decode(SignedOptions(), body);
  ASSERT_FALSE(out.has_value());
  EXPECT_TRUE(out.error().Is(ErrorCode::InvalidChunkSignature));
}

TEST(AwsChunked, RejectsReorderedChunks) {
  // The chain binds each chunk to its predecessor: the same chunks, each correctly signed, in
  // another order do not verify.
  std::string first =
      "10000;chunk-signature=" + kChunkSignatures[0] + "\r\n" + std::string(65536, 'a') + "\r\n";
  std::string second =
      "400;chunk-signature=" + kChunkSignatures[1] + "\r\n" + std::string(1024, 'a') + "\r\n";
  std::string last = "0;chunk-signature=" + kChunkSignatures[2] + "\r\n\r\n";
  auto out = Decode(SignedOptions(), second + first + last);
  ASSERT_FALSE(out.has_value());
  EXPECT_TRUE(out.error().Is(ErrorCode::InvalidChunkSignature));
}

TEST(AwsChunked, RequiresChunkSignatures) {
  auto out = Decode(SignedOptions(), Chunks({}) + "\r\n");
  ASSERT_FALSE(out.has_value());
  EXPECT_TRUE(out.error().Is(ErrorCode::InvalidRequest)) << out.error().code();
}

TEST(AwsChunked, TruncatedBodyIsIncomplete) {
  std::string body = SignedBody();
  const size_t data_start = body.find("\r\n") + 2;
  const size_t final_chunk = body.find("0;chunk-signature=" + kChunkSignatures[2]);
  for (size_t cut : {size_t{0}, size_t{5}, data_start, data_start + 100, body.find("400;"),
                     body.find("400;") + 10, final_chunk, final_chunk + 20}) {
    for (size_t step : {0, 1}) {
      AwsChunkedParser parser(SignedOptions());
      auto out = Decode(parser, body.substr(0, cut), step);
      ASSERT_FALSE(out.has_value()) << cut;
      EXPECT_TRUE(out.error().Is(ErrorCode::IncompleteBody)) << cut << ": " << out.error().code();
      EXPECT_FALSE(parser.done());
    }
  }
}

TEST(AwsChunked, BodySourceReportsTruncationAtTheEnd) {
  std::string body = SignedBody().substr(0, 40000);
  http::StringBodySource raw(body);
  AwsChunkedBodySource source(raw, SignedOptions());
  auto all = http::ReadAll(source, 1 << 20);
  ASSERT_FALSE(all.has_value());
  EXPECT_TRUE(all.error().Is(ErrorCode::IncompleteBody));
}

TEST(AwsChunked, DecodedLengthMustMatch) {
  AwsChunkedOptions less = SignedOptions();
  less.decoded_length = 66559;
  auto out = Decode(less, SignedBody());
  ASSERT_FALSE(out.has_value());
  EXPECT_TRUE(out.error().Is(ErrorCode::InvalidRequest)) << out.error().code();

  AwsChunkedOptions more = SignedOptions();
  more.decoded_length = 66561;
  out = Decode(more, SignedBody(), 1);
  ASSERT_FALSE(out.has_value());
  EXPECT_TRUE(out.error().Is(ErrorCode::IncompleteBody)) << out.error().code();
}

TEST(AwsChunked, RejectsMalformedFraming) {
  const std::string bad[] = {
      "zz\r\nab\r\n0\r\n\r\n",                 // size not hex
      "\r\nab\r\n0\r\n\r\n",                   // no size
      "11111111111111111\r\n",                 // size over 64 bits
      "2\r\nabX\r\n0\r\n\r\n",                 // data longer than its size
      "2\r\nab\n0\r\n\r\n",                    // data not followed by CRLF
      "2\r\nab\r\n0\r\n\r\nmore",              // bytes after the final chunk
      "2\r\nab\r\n" + std::string(5000, '1'),  // endless chunk header
  };
  for (const auto& body : bad) {
    AwsChunkedOptions o;
    auto out = Decode(o, body);
    ASSERT_FALSE(out.has_value()) << body.substr(0, 40);
    EXPECT_TRUE(out.error().Is(ErrorCode::InvalidRequest)) << out.error().code();
  }
}

TEST(AwsChunked, UnsignedTrailerWithTheRightChecksum) {
  for (size_t step : {0, 1}) {
    AwsChunkedParser parser(UnsignedTrailerOptions());
    auto out = Decode(parser, UnsignedTrailerBody(kCrc32OfObject), step);
    ASSERT_TRUE(out.has_value()) << out.error().message();
    EXPECT_EQ(*out, kObject);
    ASSERT_EQ(parser.trailers().size(), 1u);
    EXPECT_EQ(parser.trailers()[0].first, "x-amz-checksum-crc32");
    EXPECT_EQ(parser.trailers()[0].second, kCrc32OfObject);
  }
}

TEST(AwsChunked, UnsignedTrailerWithoutTheFinalEmptyLine) {
  std::string body = UnsignedTrailerBody(kCrc32OfObject);
  body.resize(body.size() - 2);
  auto out = Decode(UnsignedTrailerOptions(), body);
  ASSERT_TRUE(out.has_value()) << out.error().message();
}

TEST(AwsChunked, UnsignedTrailerWithAWrongChecksum) {
  for (const char* wrong : {"sK4Y7B==", "AAAAAA==", kCrc32cOfObject, ""}) {
    auto out = Decode(UnsignedTrailerOptions(), UnsignedTrailerBody(wrong));
    ASSERT_FALSE(out.has_value()) << wrong;
    EXPECT_TRUE(out.error().Is(ErrorCode::BadDigest)) << wrong << ": " << out.error().code();
    EXPECT_EQ(out.error().http_status(), 400);
  }
}

TEST(AwsChunked, UnsignedTrailerMissing) {
  auto out = Decode(UnsignedTrailerOptions(), Chunks({}) + "\r\n");
  ASSERT_FALSE(out.has_value());
  EXPECT_TRUE(out.error().Is(ErrorCode::InvalidRequest)) << out.error().code();
}

TEST(AwsChunked, UnsignedTrailerRefusesATrailerSignature) {
  std::string body = Chunks({}) + "x-amz-checksum-crc32:" + kCrc32OfObject +
                     "\r\nx-amz-trailer-signature:" + kTrailerSignature + "\r\n\r\n";
  auto out = Decode(UnsignedTrailerOptions(), body);
  ASSERT_FALSE(out.has_value());
}

TEST(AwsChunked, SignedTrailerExample) {
  for (size_t step : {0, 1}) {
    AwsChunkedParser parser(SignedTrailerOptions());
    auto out = Decode(parser, SignedTrailerBody(), step);
    ASSERT_TRUE(out.has_value()) << out.error().code() << ": " << out.error().message();
    EXPECT_EQ(*out, kObject);
    ASSERT_EQ(parser.trailers().size(), 1u);
    EXPECT_EQ(parser.trailers()[0].first, "x-amz-checksum-crc32c");
    EXPECT_EQ(parser.trailers()[0].second, kCrc32cOfObject);
  }
}

TEST(AwsChunked, SignedTrailerTampered) {
  // Another value under the same signature: the trailer signature no longer matches.
  auto out = Decode(SignedTrailerOptions(), SignedTrailerBody("AAAAAA=="));
  ASSERT_FALSE(out.has_value());
  EXPECT_TRUE(out.error().Is(ErrorCode::InvalidChunkSignature)) << out.error().code();

  std::string signature = kTrailerSignature;
  signature[0] = signature[0] == '0' ? '1' : '0';
  out = Decode(SignedTrailerOptions(), SignedTrailerBody(kCrc32cOfObject, signature));
  ASSERT_FALSE(out.has_value());
  EXPECT_TRUE(out.error().Is(ErrorCode::InvalidChunkSignature)) << out.error().code();
}

TEST(AwsChunked, SignedTrailerRequiresItsSignature) {
  std::string body =
      Chunks(kTrailerChunkSignatures) + "x-amz-checksum-crc32c:" + kCrc32cOfObject + "\r\n\r\n";
  auto out = Decode(SignedTrailerOptions(), body);
  ASSERT_FALSE(out.has_value());
  // Nor may it end without one.
  body.resize(body.size() - 2);
  out = Decode(SignedTrailerOptions(), body);
  ASSERT_FALSE(out.has_value());
}

TEST(AwsChunked, SignedTrailerWithAWrongChecksumButAValidSignature) {
  // A client that signs a wrong checksum gets BadDigest: the signature is checked, then the data.
  AwsChunkedOptions o = SignedTrailerOptions();
  std::string wrong = "AAAAAA==";
  std::string canonical_trailer = "x-amz-checksum-crc32c:" + wrong + "\n";
  std::string to_sign = "AWS4-HMAC-SHA256-TRAILER\n" + std::string(kDocDate) + "\n" +
                        kDocScope.String() + "\n" + kTrailerChunkSignatures[2] + "\n" +
                        Sha256Hex(canonical_trailer);
  std::string signature = SignString(o.signing->signing_key, to_sign);
  auto out = Decode(o, SignedTrailerBody(wrong, signature));
  ASSERT_FALSE(out.has_value());
  EXPECT_TRUE(out.error().Is(ErrorCode::BadDigest)) << out.error().code();
}

}  // namespace
}  // namespace gureum::auth
