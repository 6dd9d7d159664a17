// Hashes and MACs against their standard test vectors (FIPS 180 examples, RFC 4231, RFC 2202,
// RFC 1321).

#include "gureum/core/crypto.h"

#include <string>

#include <gtest/gtest.h>

#include "gureum/core/encoding.h"

namespace gureum {
namespace {

std::string Hex(std::string_view bytes) { return HexEncode(bytes); }

TEST(Sha256, Vectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexEncode(Sha256("abc")), Sha256Hex("abc"));
}

TEST(Hasher, IncrementalResetAndMove) {
  Hasher h(HashAlgorithm::Sha256);
  h.Update("a");
  h.Update("");
  h.Update("bc");
  EXPECT_EQ(Hex(h.Final()), Sha256Hex("abc"));
  h.Reset();
  h.Update("abc");
  EXPECT_EQ(Hex(h.Final()), Sha256Hex("abc"));
  Hasher moved = std::move(h);
  moved.Reset();
  EXPECT_EQ(Hex(moved.Final()), Sha256Hex(""));

  Hasher md5(HashAlgorithm::Md5);
  md5.Update("abc");
  EXPECT_EQ(Hex(md5.Final()), "900150983cd24fb0d6963f7d28e17f72");
  Hasher sha1(HashAlgorithm::Sha1);
  sha1.Update("abc");
  EXPECT_EQ(Hex(sha1.Final()), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(Md5, Vectors) {
  EXPECT_EQ(Hex(Md5("")), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(Hex(Md5("message digest")), "f96b697d7cb7938d525a2f31aaf161d0");
}

// RFC 4231 test cases 1 and 2.
TEST(HmacSha256, Rfc4231) {
  EXPECT_EQ(HexEncode(HmacSha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

// RFC 2202 test case 2.
TEST(HmacSha1, Rfc2202) {
  EXPECT_EQ(Hex(HmacSha1("Jefe", "what do ya want for nothing?")),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}

TEST(ConstantTimeEquals, ComparesWholeStrings) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  EXPECT_FALSE(ConstantTimeEquals("ab", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
}

TEST(RandomBytes, LengthAndVariety) {
  EXPECT_EQ(RandomBytes(0).size(), 0u);
  EXPECT_EQ(RandomBytes(32).size(), 32u);
  EXPECT_NE(RandomBytes(32), RandomBytes(32));
}

// The key stream of AES-256 (key 00..1f) over counter blocks 0, 1, 2, as `openssl enc
// -aes-256-ctr -iv 0` produces it.
constexpr std::string_view kCtrKeyStream =
    "f29000b62a499fd0a9f39a6add2e7780f05d76ae4ab99fe5a6f69b3148c2363d"
    "0ebcb5deb52c83bd08a8a935182c9199";

std::string CtrKey() {
  std::string key;
  for (int i = 0; i < 32; ++i) key.push_back(static_cast<char>(i));
  return key;
}

TEST(AesCtr, KeyStreamFromCounterZero) {
  std::string zeros(48, '\0');
  AesCtr(CtrKey(), 0).Apply(zeros.data(), zeros.size());
  EXPECT_EQ(Hex(zeros), kCtrKeyStream);
}

TEST(AesCtr, StartsAnywhereInTheStream) {
  for (uint64_t offset : {1u, 15u, 16u, 17u, 31u, 33u}) {
    std::string zeros(48 - offset, '\0');
    AesCtr(CtrKey(), offset).Apply(zeros.data(), zeros.size());
    EXPECT_EQ(Hex(zeros), kCtrKeyStream.substr(offset * 2)) << offset;
  }
}

TEST(AesCtr, PiecewiseEqualsWholeAndRoundTrips) {
  std::string plain = RandomBytes(1000);
  std::string whole = plain;
  AesCtr(CtrKey(), 0).Apply(whole.data(), whole.size());
  EXPECT_NE(whole, plain);
  std::string pieces = plain;
  AesCtr ctr(CtrKey(), 0);
  for (size_t at = 0, step = 1; at < pieces.size(); at += step, step = step * 3 % 97 + 1) {
    ctr.Apply(pieces.data() + at, std::min(step, pieces.size() - at));
  }
  EXPECT_EQ(pieces, whole);
  AesCtr(CtrKey(), 0).Apply(whole.data(), whole.size());
  EXPECT_EQ(whole, plain);
  // A later counter block (2^32 blocks in) differs from the start: the counter is 64-bit wide.
  std::string far(16, '\0'), near(16, '\0');
  AesCtr(CtrKey(), uint64_t{1} << 36).Apply(far.data(), far.size());
  AesCtr(CtrKey(), 0).Apply(near.data(), near.size());
  EXPECT_NE(far, near);
}

}  // namespace
}  // namespace gureum
