#include "gureum/core/crypto.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "gureum/core/encoding.h"

namespace gureum {
namespace {

// Fetched once: implicit fetching inside EVP_DigestInit costs more than hashing a short string.
const EVP_MD* Algorithm(HashAlgorithm algorithm) {
  static const EVP_MD* md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
  static const EVP_MD* sha1 = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  static const EVP_MD* sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  switch (algorithm) {
    case HashAlgorithm::Md5:
      return md5;
    case HashAlgorithm::Sha1:
      return sha1;
    case HashAlgorithm::Sha256:
      return sha256;
  }
  std::abort();
}

template <size_t BlockSize>
std::string Hmac(HashAlgorithm algorithm, std::string_view key, std::string_view data) {
  // RFC 2104 over the streaming hasher; keys longer than a block are hashed first.
  std::string block_key;
  if (key.size() > BlockSize) {
    Hasher h(algorithm);
    h.Update(key);
    block_key = h.Final();
  } else {
    block_key = std::string(key);
  }
  block_key.resize(BlockSize, '\0');
  std::string ipad(BlockSize, '\0'), opad(BlockSize, '\0');
  for (size_t i = 0; i < BlockSize; ++i) {
    ipad[i] = static_cast<char>(block_key[i] ^ 0x36);
    opad[i] = static_cast<char>(block_key[i] ^ 0x5c);
  }
  Hasher inner(algorithm);
  inner.Update(ipad);
  inner.Update(data);
  std::string inner_digest = inner.Final();
  Hasher outer(algorithm);
  outer.Update(opad);
  outer.Update(inner_digest);
  return outer.Final();
}

}  // namespace

struct Hasher::Impl {
  HashAlgorithm algorithm;
  EVP_MD_CTX* ctx;
};

Hasher::Hasher(HashAlgorithm algorithm) : impl_(new Impl{algorithm, EVP_MD_CTX_new()}) {
  if (impl_->ctx == nullptr || EVP_DigestInit_ex(impl_->ctx, Algorithm(algorithm), nullptr) != 1) {
    std::abort();
  }
}

Hasher::~Hasher() {
  if (impl_) EVP_MD_CTX_free(impl_->ctx);
}
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&& other) noexcept {
  if (this != &other) {
    if (impl_) EVP_MD_CTX_free(impl_->ctx);
    impl_ = std::move(other.impl_);
  }
  return *this;
}

void Hasher::Update(std::string_view data) {
  EVP_DigestUpdate(impl_->ctx, data.data(), data.size());
}

std::string Hasher::Final() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(impl_->ctx, out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

void Hasher::Reset() { EVP_DigestInit_ex(impl_->ctx, Algorithm(impl_->algorithm), nullptr); }

Sha256Digest Sha256(std::string_view data) {
  Sha256Digest out;
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, Algorithm(HashAlgorithm::Sha256), nullptr);
  return out;
}

std::string Sha256Hex(std::string_view data) { return HexEncode(Sha256(data)); }

Sha256Digest HmacSha256(std::string_view key, std::string_view data) {
  std::string mac = Hmac<64>(HashAlgorithm::Sha256, key, data);
  Sha256Digest out;
  std::memcpy(out.data(), mac.data(), out.size());
  return out;
}

std::string HmacSha1(std::string_view key, std::string_view data) {
  return Hmac<64>(HashAlgorithm::Sha1, key, data);
}

std::string Md5(std::string_view data) {
  Hasher h(HashAlgorithm::Md5);
  h.Update(data);
  return h.Final();
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string RandomBytes(size_t count) {
  std::string out(count, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(count)) != 1) {
    std::abort();
  }
  return out;
}

struct AesCtr::Impl {
  EVP_CIPHER_CTX* ctx = nullptr;
  ~Impl() { EVP_CIPHER_CTX_free(ctx); }
};

AesCtr::AesCtr(std::string_view key, uint64_t offset) : impl_(std::make_unique<Impl>()) {
  static const EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-256-CTR", nullptr);
  if (key.size() != 32 || cipher == nullptr) std::abort();  // callers derive 32-byte keys
  impl_->ctx = EVP_CIPHER_CTX_new();
  unsigned char iv[16] = {};
  uint64_t block = offset / 16;
  for (int i = 15; i >= 8; --i) {
    iv[i] = static_cast<unsigned char>(block & 0xff);
    block >>= 8;
  }
  if (impl_->ctx == nullptr ||
      EVP_EncryptInit_ex2(impl_->ctx, cipher, reinterpret_cast<const unsigned char*>(key.data()),
                          iv, nullptr) != 1) {
    std::abort();
  }
  // Into the block: consume the key stream up to the offset.
  char skip[16] = {};
  Apply(skip, offset % 16);
}

AesCtr::~AesCtr() = default;
AesCtr::AesCtr(AesCtr&&) noexcept = default;
AesCtr& AesCtr::operator=(AesCtr&&) noexcept = default;

void AesCtr::Apply(char* data, size_t size) {
  auto* bytes = reinterpret_cast<unsigned char*>(data);
  while (size > 0) {
    int n = static_cast<int>(std::min<size_t>(size, 1 << 30));
    int out = 0;
    if (EVP_EncryptUpdate(impl_->ctx, bytes, &out, bytes, n) != 1) std::abort();
    bytes += n;
    size -= static_cast<size_t>(n);
  }
}

}  // namespace gureum
