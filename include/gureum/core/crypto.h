#pragma once
// Hashes and MACs over OpenSSL (no OpenSSL type appears here). Hasher objects are not
// thread-safe; the free functions are.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace gureum {

using Sha256Digest = std::array<uint8_t, 32>;

enum class HashAlgorithm { Md5, Sha1, Sha256 };

// Incremental digest: Update() any number of times, then Final() once (then Reset() to reuse).
class Hasher {
 public:
  explicit Hasher(HashAlgorithm algorithm);
  ~Hasher();
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;

  void Update(std::string_view data);
  // The raw digest bytes (16, 20 or 32 of them).
  std::string Final();
  void Reset();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

Sha256Digest Sha256(std::string_view data);
std::string Sha256Hex(std::string_view data);
Sha256Digest HmacSha256(std::string_view key, std::string_view data);
// HMAC-SHA1, for legacy S3 signatures (SigV2).
std::string HmacSha1(std::string_view key, std::string_view data);
std::string Md5(std::string_view data);  // raw 16 bytes

// Constant-time comparison of secrets (signatures), so timing does not leak a prefix match.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Cryptographically random bytes (secret keys, session tokens).
std::string RandomBytes(size_t count);

// AES-256 in counter mode, positioned anywhere in the stream: the counter block for byte
// `offset` is offset / 16 as a 128-bit big-endian integer (the initial counter is zero, so
// every key must encrypt only one stream). Encryption and decryption are the same operation.
class AesCtr {
 public:
  AesCtr(std::string_view key /* 32 bytes */, uint64_t offset);
  ~AesCtr();
  AesCtr(AesCtr&&) noexcept;
  AesCtr& operator=(AesCtr&&) noexcept;

  // XORs the key stream into `data` in place and advances.
  void Apply(char* data, size_t size);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gureum
