#include "gureum/core/ids.h"

#include <cstdint>
#include <random>

#include "gureum/core/crypto.h"

namespace gureum {
namespace {

// xoshiro256** seeded per thread from the OS: fast, and uncorrelated across threads.
class FastRandom {
 public:
  FastRandom() {
    std::random_device rd;
    for (auto& s : state_) s = (uint64_t{rd()} << 32) ^ rd();
  }
  uint64_t Next() {
    uint64_t result = Rotl(state_[1] * 5, 7) * 9;
    uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = Rotl(state_[3], 45);
    return result;
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t state_[4];
};

FastRandom& ThreadRandom() {
  thread_local FastRandom random;
  return random;
}

constexpr char kHex[] = "0123456789abcdef";

}  // namespace

std::string NewRequestId() {
  auto& r = ThreadRandom();
  uint64_t a = r.Next(), b = r.Next();
  // Version 4, variant 10xx, like the UUIDs AWS puts in RequestId.
  a = (a & 0xFFFFFFFFFFFF0FFFull) | 0x0000000000004000ull;
  b = (b & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;
  std::string out(36, '-');
  int pos = 0;
  auto put = [&](uint64_t v, int nibbles) {
    for (int i = nibbles - 1; i >= 0; --i) {
      if (out[pos] == '-' && (pos == 8 || pos == 13 || pos == 18 || pos == 23)) ++pos;
      out[pos++] = kHex[(v >> (4 * i)) & 0xF];
    }
  };
  put(a, 16);
  put(b, 16);
  return out;
}

std::string RandomChars(size_t count, std::string_view alphabet) {
  auto& r = ThreadRandom();
  std::string out(count, '\0');
  for (auto& c : out) c = alphabet[r.Next() % alphabet.size()];
  return out;
}

std::string RandomHex(size_t count) { return RandomChars(count, "0123456789abcdef"); }

std::string SecretChars(size_t count, std::string_view alphabet) {
  std::string bytes = RandomBytes(count * 2);
  std::string out(count, '\0');
  for (size_t i = 0; i < count; ++i) {
    uint16_t v = static_cast<uint16_t>((static_cast<uint8_t>(bytes[2 * i]) << 8) |
                                       static_cast<uint8_t>(bytes[2 * i + 1]));
    out[i] = alphabet[v % alphabet.size()];
  }
  return out;
}

}  // namespace gureum
