// S3's checksum algorithms against their catalogued check values (the CRC of "123456789", from
// the CRC RevEng catalogue: CRC-32/ISO-HDLC, CRC-32/ISCSI, CRC-64/NVME) and known digests.

#include "gureum/core/checksum.h"

#include <cstdint>
#include <string>
#include <tuple>
#include <utility>

#include <gtest/gtest.h>

#include "gureum/core/encoding.h"

namespace gureum {
namespace {

constexpr std::string_view kCheck = "123456789";

TEST(Crc, CheckValues) {
  EXPECT_EQ(Crc32(0, kCheck), 0xCBF43926u);
  EXPECT_EQ(Crc32c(0, kCheck), 0xE3069283u);
  EXPECT_EQ(Crc64Nvme(0, kCheck), 0xAE8B14860A799888ull);
}

TEST(Crc, EmptyInputIsZero) {
  EXPECT_EQ(Crc32(0, ""), 0u);
  EXPECT_EQ(Crc32c(0, ""), 0u);
  EXPECT_EQ(Crc64Nvme(0, ""), 0u);
}

// The NVM Express specification's CRC-64 example: 32 bytes of zero.
TEST(Crc, Crc64NvmeOfZeros) {
  EXPECT_EQ(Crc64Nvme(0, std::string(32, '\0')), 0xCF3473434D4ECF3Bull);
}

// Bit-at-a-time references for the reflected CRCs, to check the table-driven code on inputs of
// every length and alignment (the fast path consumes 8 bytes at a time).
template <class T>
T BitwiseCrc(std::string_view data, T reflected_poly) {
  T crc = ~T{0};
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc & 1) ? (crc >> 1) ^ reflected_poly : crc >> 1;
  }
  return ~crc;
}

std::string Pseudorandom(size_t n) {
  std::string out(n, '\0');
  uint32_t x = 2463534242u;
  for (auto& c : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x);
  }
  return out;
}

TEST(Crc, MatchesBitwiseReferenceAtEveryLengthAndOffset) {
  std::string data = Pseudorandom(300);
  for (size_t offset = 0; offset < 8; ++offset) {
    for (size_t len = 0; offset + len <= 80; ++len) {
      std::string_view piece(data.data() + offset, len);
      EXPECT_EQ(Crc32c(0, piece), BitwiseCrc<uint32_t>(piece, 0x82F63B78u)) << offset << "+" << len;
      EXPECT_EQ(Crc64Nvme(0, piece), BitwiseCrc<uint64_t>(piece, 0x9A6C9329AC4BC9B5ull))
          << offset << "+" << len;
      EXPECT_EQ(Crc32(0, piece), BitwiseCrc<uint32_t>(piece, 0xEDB88320u)) << offset << "+" << len;
    }
  }
}

TEST(Crc, IncrementalEqualsOneShot) {
  std::string data = Pseudorandom(257);
  for (size_t split = 0; split <= data.size(); ++split) {
    std::string_view a(data.data(), split), b(data.data() + split, data.size() - split);
    EXPECT_EQ(Crc32(Crc32(0, a), b), Crc32(0, data)) << split;
    EXPECT_EQ(Crc32c(Crc32c(0, a), b), Crc32c(0, data)) << split;
    EXPECT_EQ(Crc64Nvme(Crc64Nvme(0, a), b), Crc64Nvme(0, data)) << split;
  }
}

struct Known {
  ChecksumAlgorithm algorithm;
  const char* empty;
  const char* hello_world;  // "Hello world"
};

// Base64 of the big-endian digest, as x-amz-checksum-* carries it. Empty-input values are those
// S3 returns for empty objects; the others were computed with Python (zlib, hashlib, and
// bitwise CRC-32C / CRC-64/NVME).
const Known kKnown[] = {
    {ChecksumAlgorithm::Crc32, "AAAAAA==", "i9aeUg=="},
    {ChecksumAlgorithm::Crc32c, "AAAAAA==", "crUfeA=="},
    {ChecksumAlgorithm::Crc64Nvme, "AAAAAAAAAAA=", "OOJZ0D8xKts="},
    {ChecksumAlgorithm::Sha1, "2jmj7l5rSw0yVb/vlWAYkK/YBwk=", "e1AsOh9IyGCa4hLN+2Od7jlnP14="},
    {ChecksumAlgorithm::Sha256, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
     "ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw="},
};

TEST(ChecksumBase64, KnownValues) {
  for (const auto& k : kKnown) {
    EXPECT_EQ(ChecksumBase64(k.algorithm, ""), k.empty) << ChecksumAlgorithmName(k.algorithm);
    EXPECT_EQ(ChecksumBase64(k.algorithm, "Hello world"), k.hello_world)
        << ChecksumAlgorithmName(k.algorithm);
  }
}

// The trailing checksum of AWS's sigv4-streaming-trailers example: 66560 bytes of 'a'.
TEST(ChecksumBase64, StreamingTrailerExample) {
  EXPECT_EQ(ChecksumBase64(ChecksumAlgorithm::Crc32c, std::string(66560, 'a')), "sOO8/Q==");
}

TEST(Checksummer, IncrementalAndDigestSizes) {
  const std::pair<ChecksumAlgorithm, size_t> sizes[] = {
      {ChecksumAlgorithm::Crc32, 4},     {ChecksumAlgorithm::Crc32c, 4},
      {ChecksumAlgorithm::Crc64Nvme, 8}, {ChecksumAlgorithm::Sha1, 20},
      {ChecksumAlgorithm::Sha256, 32},
  };
  for (const auto& [algorithm, size] : sizes) {
    auto c = Checksummer::Create(algorithm);
    ASSERT_NE(c, nullptr);
    c->Update("Hello");
    c->Update("");
    c->Update(" world");
    std::string digest = c->Final();
    EXPECT_EQ(digest.size(), size) << ChecksumAlgorithmName(algorithm);
    auto one_shot = Checksummer::Create(algorithm);
    one_shot->Update("Hello world");
    EXPECT_EQ(digest, one_shot->Final()) << ChecksumAlgorithmName(algorithm);
  }
  // Big-endian: the CRC-32 check value's bytes in order.
  auto crc = Checksummer::Create(ChecksumAlgorithm::Crc32);
  crc->Update(kCheck);
  EXPECT_EQ(crc->Final(), std::string("\xCB\xF4\x39\x26", 4));
}

TEST(ChecksumNames, RoundTrip) {
  const std::tuple<ChecksumAlgorithm, const char*, const char*> names[] = {
      {ChecksumAlgorithm::Crc32, "CRC32", "x-amz-checksum-crc32"},
      {ChecksumAlgorithm::Crc32c, "CRC32C", "x-amz-checksum-crc32c"},
      {ChecksumAlgorithm::Crc64Nvme, "CRC64NVME", "x-amz-checksum-crc64nvme"},
      {ChecksumAlgorithm::Sha1, "SHA1", "x-amz-checksum-sha1"},
      {ChecksumAlgorithm::Sha256, "SHA256", "x-amz-checksum-sha256"},
  };
  for (const auto& [algorithm, name, header] : names) {
    EXPECT_EQ(ChecksumAlgorithmName(algorithm), name);
    EXPECT_EQ(ChecksumHeaderName(algorithm), header);
    EXPECT_EQ(ParseChecksumAlgorithm(name), algorithm);
    EXPECT_EQ(ParseChecksumAlgorithm(ToLower(name)), algorithm);
    EXPECT_EQ(ChecksumFromHeaderName(header), algorithm);
  }
  EXPECT_EQ(ChecksumFromHeaderName("X-Amz-Checksum-CRC64NVME"), ChecksumAlgorithm::Crc64Nvme);
  EXPECT_FALSE(ParseChecksumAlgorithm("MD5").has_value());
  EXPECT_FALSE(ParseChecksumAlgorithm("").has_value());
  EXPECT_FALSE(ChecksumFromHeaderName("x-amz-checksum-md5").has_value());
  EXPECT_FALSE(ChecksumFromHeaderName("x-amz-checksum-algorithm").has_value());
}

}  // namespace
}  // namespace gureum

namespace gureum {
namespace {

// crc(A||B) from crc(A), crc(B) and |B|, for every split of a message, every CRC.
TEST(CrcCombineTest, MatchesTheCrcOfTheConcatenation) {
  std::string message;
  for (int i = 0; i < 3000; ++i) message += static_cast<char>((i * 131 + 7) % 256);
  for (size_t split :
       {size_t{0}, size_t{1}, size_t{7}, size_t{8}, size_t{1000}, size_t{2999}, size_t{3000}}) {
    std::string_view a = std::string_view(message).substr(0, split);
    std::string_view b = std::string_view(message).substr(split);
    EXPECT_EQ(Crc32Combine(Crc32(0, a), Crc32(0, b), b.size()), Crc32(0, message)) << split;
    EXPECT_EQ(Crc32cCombine(Crc32c(0, a), Crc32c(0, b), b.size()), Crc32c(0, message)) << split;
    EXPECT_EQ(Crc64NvmeCombine(Crc64Nvme(0, a), Crc64Nvme(0, b), b.size()), Crc64Nvme(0, message))
        << split;
  }
}

TEST(CrcCombineTest, CombinesManyPartsAsS3FullObjectChecksums) {
  std::string message(100000, '\0');
  for (size_t i = 0; i < message.size(); ++i) message[i] = static_cast<char>(i * 2654435761u >> 24);
  for (auto algorithm :
       {ChecksumAlgorithm::Crc32, ChecksumAlgorithm::Crc32c, ChecksumAlgorithm::Crc64Nvme}) {
    std::vector<std::pair<std::string, uint64_t>> parts;
    for (size_t at = 0; at < message.size(); at += 30001) {
      std::string_view part = std::string_view(message).substr(at, 30001);
      auto c = Checksummer::Create(algorithm);
      c->Update(part);
      parts.emplace_back(c->Final(), part.size());
    }
    auto whole = Checksummer::Create(algorithm);
    whole->Update(message);
    auto combined = CombineCrcs(algorithm, parts);
    ASSERT_TRUE(combined.has_value());
    EXPECT_EQ(*combined, whole->Final()) << ChecksumAlgorithmName(algorithm);
  }
  EXPECT_FALSE(CombineCrcs(ChecksumAlgorithm::Sha256, {{"x", 1}}).has_value());
}

}  // namespace
}  // namespace gureum
