// Hex, base64 (RFC 4648 test vectors), AWS URI encoding, percent-decoding and query parsing.

#include "gureum/core/encoding.h"

#include <string>

#include <gtest/gtest.h>

namespace gureum {
namespace {

std::string AllBytes() {
  std::string out;
  for (int i = 0; i < 256; ++i) out += static_cast<char>(i);
  return out;
}

TEST(Hex, EncodeDecode) {
  EXPECT_EQ(HexEncode(std::string_view("")), "");
  EXPECT_EQ(HexEncode(std::string_view("\x00\x01\xab\xff", 4)), "0001abff");
  EXPECT_EQ(HexDecode("0001abff"), std::string("\x00\x01\xab\xff", 4));
  EXPECT_EQ(HexDecode("0001ABFF"), std::string("\x00\x01\xab\xff", 4));
  EXPECT_EQ(HexDecode(""), "");
  std::string bytes = AllBytes();
  EXPECT_EQ(HexDecode(HexEncode(bytes)), bytes);
}

TEST(Hex, InvalidInput) {
  for (const char* bad : {"0", "abc", "0g", "g0", " 0", "0x00", "-1"}) {
    EXPECT_FALSE(HexDecode(bad).has_value()) << bad;
  }
}

// RFC 4648 section 10.
TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(std::string_view(plain)), encoded);
    EXPECT_EQ(Base64Decode(encoded), plain);
  }
}

TEST(Base64, RoundTripsEveryByteAndLength) {
  std::string bytes = AllBytes();
  for (size_t n = 0; n <= bytes.size(); ++n) {
    std::string_view piece(bytes.data() + (256 - n), n);
    std::string encoded = Base64Encode(piece);
    EXPECT_EQ(encoded.size() % 4, 0u);
    EXPECT_EQ(Base64Decode(encoded), piece) << n;
  }
  EXPECT_EQ(Base64Encode(std::string_view("\xfb\xff", 2)), "+/8=");
}

TEST(Base64, InvalidInput) {
  for (const char* bad : {"Z", "Zg", "Zg=", "Zm9vY", "Zg=a", "Z===", "====", "Zg==Zg==", "Zm9-",
                          "Zm9_", "Zm 9v", "Zm9v\n", "Zm9\xc3"}) {
    EXPECT_FALSE(Base64Decode(bad).has_value()) << bad;
  }
}

TEST(UriEncode, AwsRules) {
  EXPECT_EQ(UriEncode("AZaz09-_.~", true), "AZaz09-_.~");
  EXPECT_EQ(UriEncode("a b+c*d!'()", true), "a%20b%2Bc%2Ad%21%27%28%29");
  EXPECT_EQ(UriEncode("/a/b c", false), "/a/b%20c");
  EXPECT_EQ(UriEncode("/a/b c", true), "%2Fa%2Fb%20c");
  EXPECT_EQ(UriEncode("\xe1\x88\xb4", true), "%E1%88%B4");
  EXPECT_EQ(UriEncode("%=&?#", true), "%25%3D%26%3F%23");
  EXPECT_EQ(UriEncode(std::string_view("\x00\x7f\xff", 3), true), "%00%7F%FF");
  std::string out = "x=";
  UriEncodeAppend(out, "a/b", true);
  EXPECT_EQ(out, "x=a%2Fb");
}

TEST(PercentDecode, RoundTripsUriEncode) {
  std::string bytes = AllBytes();
  EXPECT_EQ(PercentDecode(UriEncode(bytes, true), false), bytes);
  EXPECT_EQ(PercentDecode(UriEncode(bytes, false), false), bytes);
}

TEST(PercentDecode, Rules) {
  EXPECT_EQ(PercentDecode("%41%2f%2F", false), "A//");
  EXPECT_EQ(PercentDecode("a+b%20c", false), "a+b c");
  EXPECT_EQ(PercentDecode("a+b%20c", true), "a b c");
  EXPECT_EQ(PercentDecode("%2B", true), "+");
  EXPECT_EQ(PercentDecode("", false), "");
  EXPECT_EQ(PercentDecode("%E1%88%b4", false), "\xe1\x88\xb4");
}

TEST(PercentDecode, InvalidEscapes) {
  for (const char* bad : {"%", "%4", "a%", "a%4", "%g1", "%1g", "%%41", "%-1", "% 1"}) {
    EXPECT_FALSE(PercentDecode(bad, false).has_value()) << bad;
  }
}

TEST(ParseQueryString, Pairs) {
  auto q = ParseQueryString("a=1&b=&c&=v&a=2&d=x%3Dy", false);
  ASSERT_TRUE(q.has_value());
  QueryParams expected = {{"a", "1"}, {"b", ""}, {"c", ""}, {"", "v"}, {"a", "2"}, {"d", "x=y"}};
  EXPECT_EQ(*q, expected);
  EXPECT_EQ(FindParam(*q, "a"), "1");
  EXPECT_EQ(FindParam(*q, "c"), "");
  EXPECT_FALSE(FindParam(*q, "A").has_value());
  EXPECT_FALSE(FindParam(*q, "z").has_value());
}

TEST(ParseQueryString, FormBodiesAndMalformedEscapes) {
  auto form = ParseQueryString("Action=Get+User&Name=a%2Bb+c", true);
  ASSERT_TRUE(form.has_value());
  EXPECT_EQ(FindParam(*form, "Action"), "Get User");
  EXPECT_EQ(FindParam(*form, "Name"), "a+b c");
  auto url = ParseQueryString("Name=a+b", false);
  EXPECT_EQ(FindParam(*url, "Name"), "a+b");
  EXPECT_EQ(ParseQueryString("", false)->size(), 0u);
  EXPECT_EQ(ParseQueryString("&&", false)->size(), 0u);
  EXPECT_FALSE(ParseQueryString("a=%zz", false).has_value());
  EXPECT_FALSE(ParseQueryString("a%z=1", true).has_value());
}

TEST(Text, CaseTrimAndPrefix) {
  EXPECT_TRUE(EqualsIgnoreCase("X-Amz-Date", "x-amz-date"));
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
  EXPECT_FALSE(EqualsIgnoreCase("x-amz-date", "x-amz-dates"));
  EXPECT_FALSE(EqualsIgnoreCase("a", "b"));
  // ASCII only: bytes outside A-Z are compared as they are.
  EXPECT_FALSE(EqualsIgnoreCase("\xc3\xa9", "\xc3\x89"));
  EXPECT_EQ(ToLower("AbC-123_XyZ\xc3\x89"), "abc-123_xyz\xc3\x89");
  EXPECT_TRUE(StartsWith("AWS4-HMAC-SHA256 x", "AWS4"));
  EXPECT_TRUE(StartsWith("abc", ""));
  EXPECT_FALSE(StartsWith("AW", "AWS"));
  EXPECT_EQ(Trim(" \t a b \t "), "a b");
  EXPECT_EQ(Trim("   "), "");
  EXPECT_EQ(Trim(""), "");
  EXPECT_EQ(Trim("\na\r"), "\na\r");
}

TEST(XmlEscape, SpecialCharacters) {
  std::string out;
  XmlEscapeAppend(out, "<a & 'b'>\"\r\n\tx\xc3\xa9");
  EXPECT_EQ(out, "&lt;a &amp; &apos;b&apos;&gt;&quot;&#13;\n\tx\xc3\xa9");
}

}  // namespace
}  // namespace gureum
