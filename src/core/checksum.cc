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

// Combining CRCs: appending n zero bytes to a message is a linear map on its CRC register, so
// it can be applied as a GF(2) matrix raised to the n-th power by repeated squaring.
template <class T>
T Gf2MatrixTimes(const T* matrix, T vector) {
  T sum = 0;
  for (; vector != 0; vector >>= 1, ++matrix) {
    if (vector & 1) sum ^= *matrix;
  }
  return sum;
}

template <class T>
void Gf2MatrixSquare(T* square, const T* matrix) {
  for (size_t n = 0; n < sizeof(T) * 8; ++n) square[n] = Gf2MatrixTimes(matrix, matrix[n]);
}

template <class T>
T CombineReflected(T crc_a, T crc_b, uint64_t length_b, T reflected_poly) {
  if (length_b == 0) return crc_a;
  constexpr size_t kBits = sizeof(T) * 8;
  T even[kBits], odd[kBits];
  odd[0] = reflected_poly;  // the operator for one zero bit
  T row = 1;
  for (size_t n = 1; n < kBits; ++n) {
    odd[n] = row;
    row <<= 1;
  }
  Gf2MatrixSquare(even, odd);  // two zero bits
  Gf2MatrixSquare(odd, even);  // four zero bits
  // Each step squares the operator (one zero byte, then two, four...) and applies it when the
  // corresponding bit of the length is set.
  do {
    Gf2MatrixSquare(even, odd);
    if (length_b & 1) crc_a = Gf2MatrixTimes(even, crc_a);
    length_b >>= 1;
    if (length_b == 0) break;
    Gf2MatrixSquare(odd, even);
    if (length_b & 1) crc_a = Gf2MatrixTimes(odd, crc_a);
    length_b >>= 1;
  } while (length_b != 0);
  return crc_a ^ crc_b;
}

template <class T>
T FromBigEndian(std::string_view bytes) {
  T v = 0;
  for (unsigned char c : bytes) v = static_cast<T>((v << 8) | c);
  return v;
}

}  // namespace

uint32_t Crc32Combine(uint32_t crc_a, uint32_t crc_b, uint64_t length_b) {
  return CombineReflected<uint32_t>(crc_a, crc_b, length_b, 0xEDB88320u);
}

uint32_t Crc32cCombine(uint32_t crc_a, uint32_t crc_b, uint64_t length_b) {
  return CombineReflected<uint32_t>(crc_a, crc_b, length_b, 0x82F63B78u);
}

uint64_t Crc64NvmeCombine(uint64_t crc_a, uint64_t crc_b, uint64_t length_b) {
  return CombineReflected<uint64_t>(crc_a, crc_b, length_b, 0x9A6C9329AC4BC9B5ull);
}

std::optional<std::string> CombineCrcs(ChecksumAlgorithm algorithm,
                                       const std::vector<std::pair<std::string, uint64_t>>& parts) {
  switch (algorithm) {
    case ChecksumAlgorithm::Crc32:
    case ChecksumAlgorithm::Crc32c: {
      uint32_t crc = 0;
      for (const auto& [digest, length] : parts) {
        if (digest.size() != 4) return std::nullopt;
        uint32_t part = FromBigEndian<uint32_t>(digest);
        crc = algorithm == ChecksumAlgorithm::Crc32 ? Crc32Combine(crc, part, length)
                                                    : Crc32cCombine(crc, part, length);
      }
      return BigEndian(crc);
    }
    case ChecksumAlgorithm::Crc64Nvme: {
      uint64_t crc = 0;
      for (const auto& [digest, length] : parts) {
        if (digest.size() != 8) return std::nullopt;
        crc = Crc64NvmeCombine(crc, FromBigEndian<uint64_t>(digest), length);
      }
      return BigEndian(crc);
    }
    default:
      return std::nullopt;
  }
}

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
