// Timestamp formats of the AWS protocols: ISO 8601 (Query/XML), X-Amz-Date, HTTP dates
// (RFC 9110 section 5.6.7: IMF-fixdate and the obsolete RFC 850 and asctime forms) and epoch
// seconds (JSON).

#include "gureum/core/time_format.h"

#include <chrono>
#include <limits>

#include <gtest/gtest.h>

namespace gureum {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

// 2015-08-30T12:36:00Z, a Sunday.
SystemTime T0() { return sys_days{2015y / August / 30} + 12h + 36min; }

TEST(FormatTime, AllFormats) {
  EXPECT_EQ(FormatIso8601(T0()), "2015-08-30T12:36:00Z");
  EXPECT_EQ(FormatIso8601(T0(), true), "2015-08-30T12:36:00.000Z");
  EXPECT_EQ(FormatIso8601(T0() + 123ms, true), "2015-08-30T12:36:00.123Z");
  EXPECT_EQ(FormatIso8601(T0() + 999999us), "2015-08-30T12:36:00Z");
  EXPECT_EQ(FormatAmzDate(T0()), "20150830T123600Z");
  EXPECT_EQ(FormatAmzDay(T0()), "20150830");
  EXPECT_EQ(FormatHttpDate(T0()), "Sun, 30 Aug 2015 12:36:00 GMT");
}

TEST(FormatTime, EpochLeapDayAndBeforeEpoch) {
  EXPECT_EQ(FormatHttpDate(SystemTime{}), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(FormatIso8601(sys_days{2024y / February / 29} + 23h + 59min + 59s),
            "2024-02-29T23:59:59Z");
  EXPECT_EQ(FormatHttpDate(sys_days{2024y / February / 29}), "Thu, 29 Feb 2024 00:00:00 GMT");
  // Half a second before the epoch is 23:59:59.500 on the last day of 1969, not 00:00:00.
  EXPECT_EQ(FormatIso8601(SystemTime{} - 500ms, true), "1969-12-31T23:59:59.500Z");
  EXPECT_EQ(FormatHttpDate(SystemTime{} - 1s), "Wed, 31 Dec 1969 23:59:59 GMT");
}

TEST(ParseIso8601, UtcOffsetsAndFractions) {
  const std::pair<const char*, SystemTime> cases[] = {
      {"2015-08-30T12:36:00Z", T0()},
      {"2015-08-30t12:36:00z", T0()},
      {"2015-08-30 12:36:00Z", T0()},
      {"2015-08-30T12:36Z", T0()},
      {"2015-08-30T21:36:00+09:00", T0()},
      {"2015-08-30T21:36:00+0900", T0()},
      {"2015-08-30T07:06:00-05:30", T0()},
      {"2015-08-30T07:06:00-0530", T0()},
      {"2015-08-31T00:36:00+12:00", T0()},
      {"2015-08-30T12:36:00+00:00", T0()},
      {"2015-08-30T12:36:00.123Z", T0() + 123ms},
      {"2015-08-30T12:36:00,5Z", T0() + 500ms},
      {"2015-08-30T12:36:00.000001Z", T0() + 1us},
      {"2015-08-30T21:36:00.25+09:00", T0() + 250ms},
      {"2015-08-30", sys_days{2015y / August / 30}},
  };
  for (const auto& [text, expected] : cases) {
    auto parsed = ParseIso8601(text);
    ASSERT_TRUE(parsed.has_value()) << text;
    EXPECT_EQ(*parsed, expected) << text;
  }
}

TEST(ParseIso8601, Invalid) {
  for (const char* bad :
       {"", "2015", "2015-8-30T12:36:00Z", "2015/08/30T12:36:00Z", "2015-02-30T12:36:00Z",
        "2015-13-01T00:00:00Z", "2015-08-30T24:00:00Z", "2015-08-30T12:60:00Z",
        "2015-08-30T12:36:00ZZ", "2015-08-30T12:36:00.Z", "2015-08-30T12:36:00+9",
        "2015-08-30T12:36:00+09:", "2015-08-30X12:36:00Z", "2015-08-30T12:36:00 Z",
        "20150830T123600Z", "Sun, 30 Aug 2015 12:36:00 GMT"}) {
    EXPECT_FALSE(ParseIso8601(bad).has_value()) << bad;
  }
}

TEST(ParseIso8601, RoundTripsFormat) {
  SystemTime t = T0() + 987ms;
  EXPECT_EQ(ParseIso8601(FormatIso8601(t, true)), t);
  EXPECT_EQ(ParseIso8601(FormatIso8601(t)), T0());
}

TEST(ParseAmzDate, ValidAndInvalid) {
  EXPECT_EQ(ParseAmzDate("20150830T123600Z"), T0());
  EXPECT_EQ(ParseAmzDate(FormatAmzDate(T0() + 1s)), T0() + 1s);
  for (const char* bad : {"", "20150830T123600", "20150830123600Z", "20150830T1236Z",
                          "2015-08-30T12:36:00Z", "20150830t123600z", "20150230T123600Z",
                          "20150830T246000Z", "2015083OT123600Z", "20150830T123600Z "}) {
    EXPECT_FALSE(ParseAmzDate(bad).has_value()) << bad;
  }
}

// RFC 9110's example instant in its three forms.
TEST(ParseHttpDate, AllThreeForms) {
  SystemTime expected = sys_days{1994y / November / 6} + 8h + 49min + 37s;
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), expected);
  EXPECT_EQ(ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"), expected);
  EXPECT_EQ(ParseHttpDate("Sun Nov  6 08:49:37 1994"), expected);
  EXPECT_EQ(ParseHttpDate(FormatHttpDate(T0())), T0());
  // Two-digit years: 70-99 are 19xx, 00-69 are 20xx.
  EXPECT_EQ(ParseHttpDate("Sunday, 30-Aug-15 12:36:00 GMT"), T0());
}

TEST(ParseHttpDate, Invalid) {
  for (const char* bad : {"", "yesterday", "Sun, 06 Foo 1994 08:49:37 GMT",
                          "Sun, 31 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT",
                          "Sun, 06 Nov 1994 08:49:37 PST", "Sun, 06 Nov 1994 08:49:37 GMT+1",
                          "Sun, 06 Nov 1994 08:49:37", "Sunday, 06-Nov-94 08:49:37 EST",
                          "Sun Nov  6 08:49:37 1994 junk", "2015-08-30T12:36:00Z"}) {
    EXPECT_FALSE(ParseHttpDate(bad).has_value()) << bad;
  }
}

TEST(EpochSeconds, RoundTrip) {
  EXPECT_DOUBLE_EQ(ToEpochSeconds(T0()), 1440938160.0);
  EXPECT_DOUBLE_EQ(ToEpochSeconds(T0() + 500ms), 1440938160.5);
  EXPECT_EQ(FromEpochSeconds(1440938160.5), T0() + 500ms);
  EXPECT_EQ(FromEpochSeconds(1e300), std::nullopt);
  EXPECT_EQ(FromEpochSeconds(std::numeric_limits<double>::infinity()), std::nullopt);
  EXPECT_EQ(FromEpochSeconds(std::numeric_limits<double>::quiet_NaN()), std::nullopt);
  EXPECT_EQ(FromEpochSeconds(0), SystemTime{});
  EXPECT_EQ(FromEpochSeconds(-1.25), SystemTime{} - 1250ms);
}

}  // namespace
}  // namespace gureum
