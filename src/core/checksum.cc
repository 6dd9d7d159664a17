#include "gureum/core/checksum.h"

#include <array>

#include <zlib.h>

#include "gureum/core/crypto.h"
#include "gureum/core/encoding.h"

namespace gureum {
namespace {

// Slicing-by-8 tables for reflected CRCs (CRC32C: Castagnoli 0x1EDC6F41, reflected 0x82F63B78;
// CRC64NVME: 0xAD93D23594C93659, reflected 0x9A6C9329AC4BC9B5).
template <class T, T kReflectedPoly>
struct CrcTables {
  std::array<std::array<T, 256>, 8> t{};
  constexpr CrcTables() {
    for (unsigned i = 0; i < 256; ++i) {
      T crc = i;
      for (int k = 0; k < 8; ++k) crc = (crc & 1) ? (crc >> 1) ^ kReflectedPoly : crc >> 1;
      t[0][i] = crc;
    }
    for (unsigned i = 0; i < 256; ++i) {
      for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
    }
  }
};

template <class T, T kPoly>
T ReflectedCrc(T crc, std::string_view data) {
  static constexpr CrcTables<T, kPoly> tables;
  const auto& t = tables.t;
  crc = ~crc;
  auto p = reinterpret_cast<const uint8_t*>(data.data());
  size_t n = data.size();
  while (n >= 8) {
    uint64_t word = 0;
    for (int i = 7; i >= 0; --i) word = (word << 8) | p[i];  // little-endian load, any alignment
    uint64_t x = word ^ static_cast<uint64_t>(crc);
    T next = t[7][x & 0xFF] ^ t[6][(x >> 8) & 0xFF] ^ t[5][(x >> 16) & 0xFF] ^
             t[4][(x >> 24) & 0xFF] ^ t[3][(x >> 32) & 0xFF] ^ t[2][(x >> 40) & 0xFF] ^
             t[1][(x >> 48) & 0xFF] ^ t[0][(x >> 56) & 0xFF];
    crc = next;
    p += 8;
    n -= 8;
  }
  while (n-- > 0) crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xFF];
  return ~crc;
}

template <class T>
std::string BigEndian(T value) {
  std::string out(sizeof(T), '\0');
  for (size_t i = 0; i < sizeof(T); ++i) {
    out[i] = static_cast<char>((value >> (8 * (sizeof(T) - 1 - i))) & 0xFF);
  }
  return out;
}

class Crc32Checksummer final : public Checksummer {
 public:
  void Update(std::string_view data) override { crc_ = Crc32(crc_, data); }
  std::string Final() override { return BigEndian(crc_); }

 private:
  uint32_t crc_ = 0;
};

class Crc32cChecksummer final : public Checksummer {
 public:
  void Update(std::string_view data) override { crc_ = Crc32c(crc_, data); }
  std::string Final() override { return BigEndian(crc_); }

 private:
  uint32_t crc_ = 0;
};

class Crc64NvmeChecksummer final : public Checksummer {
 public:
  void Update(std::string_view data) override { crc_ = Crc64Nvme(crc_, data); }
  std::string Final() override { return BigEndian(crc_); }

 private:
  uint64_t crc_ = 0;
};

class HashChecksummer final : public Checksummer {
 public:
  explicit HashChecksummer(HashAlgorithm algorithm) : hasher_(algorithm) {}
  void Update(std::string_view data) override { hasher_.Update(data); }
  std::string Final() override { return hasher_.Final(); }

 private:
  Hasher hasher_;
};

struct AlgorithmNames {
  ChecksumAlgorithm algorithm;
  std::string_view name;
  std::string_view header;
};
constexpr std::array<AlgorithmNames, 5> kNames = {{
    {ChecksumAlgorithm::Crc32, "CRC32", "x-amz-checksum-crc32"},
    {ChecksumAlgorithm::Crc32c, "CRC32C", "x-amz-checksum-crc32c"},
    {ChecksumAlgorithm::Crc64Nvme, "CRC64NVME", "x-amz-checksum-crc64nvme"},
    {ChecksumAlgorithm::Sha1, "SHA1", "x-amz-checksum-sha1"},
    {ChecksumAlgorithm::Sha256, "SHA256", "x-amz-checksum-sha256"},
}};

}  // namespace

uint32_t Crc32(uint32_t crc, std::string_view data) {
  // zlib takes its length as uInt; feed huge buffers in pieces.
  while (!data.empty()) {
    size_t n = std::min<size_t>(data.size(), 1u << 30);
    crc = static_cast<uint32_t>(
        crc32(crc, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(n)));
    data.remove_prefix(n);
  }
  return crc;
}

uint32_t Crc32c(uint32_t crc, std::string_view data) {
  return ReflectedCrc<uint32_t, 0x82F63B78u>(crc, data);
}

uint64_t Crc64Nvme(uint64_t crc, std::string_view data) {
  return ReflectedCrc<uint64_t, 0x9A6C9329AC4BC9B5ull>(crc, data);
}

std::optional<ChecksumAlgorithm> ParseChecksumAlgorithm(std::string_view name) {
  for (const auto& n : kNames) {
    if (EqualsIgnoreCase(n.name, name)) return n.algorithm;
  }
  return std::nullopt;
}

std::string_view ChecksumAlgorithmName(ChecksumAlgorithm algorithm) {
  return kNames[static_cast<size_t>(algorithm)].name;
}

std::string_view ChecksumHeaderName(ChecksumAlgorithm algorithm) {
  return kNames[static_cast<size_t>(algorithm)].header;
}

std::optional<ChecksumAlgorithm> ChecksumFromHeaderName(std::string_view header) {
  for (const auto& n : kNames) {
    if (EqualsIgnoreCase(n.header, header)) return n.algorithm;
  }
  return std::nullopt;
}

std::unique_ptr<Checksummer> Checksummer::Create(ChecksumAlgorithm algorithm) {
  switch (algorithm) {
    case ChecksumAlgorithm::Crc32:
      return std::make_unique<Crc32Checksummer>();
    case ChecksumAlgorithm::Crc32c:
      return std::make_unique<Crc32cChecksummer>();
    case ChecksumAlgorithm::Crc64Nvme:
      return std::make_unique<Crc64NvmeChecksummer>();
    case ChecksumAlgorithm::Sha1:
      return std::make_unique<HashChecksummer>(HashAlgorithm::Sha1);
    case ChecksumAlgorithm::Sha256:
      return std::make_unique<HashChecksummer>(HashAlgorithm::Sha256);
  }
  return nullptr;
}

std::string ChecksumBase64(ChecksumAlgorithm algorithm, std::string_view data) {
  auto c = Checksummer::Create(algorithm);
  c->Update(data);
  return Base64Encode(c->Final());
}

}  // namespace gureum
