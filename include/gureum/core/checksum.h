#pragma once
// The checksum algorithms of S3's data-integrity API (x-amz-checksum-*), computed incrementally
// as bodies stream. Values travel base64-encoded, as AWS sends them.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gureum {

enum class ChecksumAlgorithm { Crc32, Crc32c, Crc64Nvme, Sha1, Sha256 };

// "CRC32" <-> Crc32 and so on, as in x-amz-checksum-algorithm / x-amz-sdk-checksum-algorithm.
std::optional<ChecksumAlgorithm> ParseChecksumAlgorithm(std::string_view name);
std::string_view ChecksumAlgorithmName(ChecksumAlgorithm algorithm);
// The header carrying this algorithm's value: "x-amz-checksum-crc32" etc.
std::string_view ChecksumHeaderName(ChecksumAlgorithm algorithm);
// The algorithm a header name ("x-amz-checksum-crc32c", any case) designates.
std::optional<ChecksumAlgorithm> ChecksumFromHeaderName(std::string_view header);

// Raw CRC primitives; `crc` is the running value (start with 0).
uint32_t Crc32(uint32_t crc, std::string_view data);
uint32_t Crc32c(uint32_t crc, std::string_view data);
uint64_t Crc64Nvme(uint64_t crc, std::string_view data);

// The CRC of A||B from crc(A), crc(B) and B's length, without the data (S3's FULL_OBJECT
// checksums of multipart uploads). Works for these CRCs' all-ones initial and final values.
uint32_t Crc32Combine(uint32_t crc_a, uint32_t crc_b, uint64_t length_b);
uint32_t Crc32cCombine(uint32_t crc_a, uint32_t crc_b, uint64_t length_b);
uint64_t Crc64NvmeCombine(uint64_t crc_a, uint64_t crc_b, uint64_t length_b);
// The raw digest of the concatenation of parts given as (raw digest, length) for a CRC
// algorithm; nullopt for SHA-1/SHA-256, which cannot be combined.
std::optional<std::string> CombineCrcs(ChecksumAlgorithm algorithm,
                                       const std::vector<std::pair<std::string, uint64_t>>& parts);

// Incremental checksum of one algorithm. Not thread-safe.
class Checksummer {
 public:
  virtual ~Checksummer() = default;
  virtual void Update(std::string_view data) = 0;
  // Raw big-endian digest bytes (4, 8, 20 or 32).
  virtual std::string Final() = 0;
  static std::unique_ptr<Checksummer> Create(ChecksumAlgorithm algorithm);
};

// Base64 of the algorithm's digest over `data` (one-shot convenience).
std::string ChecksumBase64(ChecksumAlgorithm algorithm, std::string_view data);

}  // namespace gureum
