#include "gureum/core/time_format.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace gureum {
namespace {

using namespace std::chrono;

constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

struct Civil {
  int year, month, day, hour, minute, second, millis, weekday;
};

Civil ToCivil(SystemTime t) {
  auto ms = floor<milliseconds>(t);
  auto day = floor<days>(ms);
  year_month_day ymd{day};
  hh_mm_ss hms{ms - day};
  return Civil{static_cast<int>(ymd.year()),
               static_cast<int>(static_cast<unsigned>(ymd.month())),
               static_cast<int>(static_cast<unsigned>(ymd.day())),
               static_cast<int>(hms.hours().count()),
               static_cast<int>(hms.minutes().count()),
               static_cast<int>(hms.seconds().count()),
               static_cast<int>(hms.subseconds().count()),
               static_cast<int>(weekday{day}.c_encoding())};
}

std::optional<SystemTime> FromCivil(int y, int mo, int d, int h, int mi, int s) {
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60) return std::nullopt;
  // system_clock counts nanoseconds in 64 bits: about 1678 to 2262. Dates outside are refused
  // rather than overflowed.
  if (y < 1678 || y > 2261) return std::nullopt;
  return sys_days{ymd} + hours{h} + minutes{mi} + seconds{s};
}

bool Digits(std::string_view text, size_t pos, size_t count, int& out) {
  if (pos + count > text.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    v = v * 10 + (text[i] - '0');
  }
  out = v;
  return true;
}

int MonthIndex(std::string_view name) {
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (name == kMonths[i]) return static_cast<int>(i) + 1;
  }
  return 0;
}

}  // namespace

std::string FormatIso8601(SystemTime t, bool millis) {
  Civil c = ToCivil(t);
  char buf[40];
  if (millis) {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", c.year, c.month, c.day,
                  c.hour, c.minute, c.second, c.millis);
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year, c.month, c.day, c.hour,
                  c.minute, c.second);
  }
  return buf;
}

std::string FormatAmzDate(SystemTime t) {
  Civil c = ToCivil(t);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02dZ", c.year, c.month, c.day, c.hour,
                c.minute, c.second);
  return buf;
}

std::string FormatAmzDay(SystemTime t) {
  Civil c = ToCivil(t);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d", c.year, c.month, c.day);
  return buf;
}

std::string FormatHttpDate(SystemTime t) {
  Civil c = ToCivil(t);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[c.weekday], c.day,
                kMonths[c.month - 1], c.year, c.hour, c.minute, c.second);
  return buf;
}

std::optional<SystemTime> ParseIso8601(std::string_view s) {
  int y, mo, d, h = 0, mi = 0, sec = 0;
  if (!Digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !Digits(s, 5, 2, mo) || s[7] != '-' ||
      !Digits(s, 8, 2, d)) {
    return std::nullopt;
  }
  size_t pos = 10;
  if (pos == s.size()) return FromCivil(y, mo, d, 0, 0, 0);
  if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return std::nullopt;
  ++pos;
  if (!Digits(s, pos, 2, h) || pos + 5 > s.size() || s[pos + 2] != ':' ||
      !Digits(s, pos + 3, 2, mi)) {
    return std::nullopt;
  }
  pos += 5;
  if (pos < s.size() && s[pos] == ':') {
    if (!Digits(s, pos + 1, 2, sec)) return std::nullopt;
    pos += 3;
  }
  nanoseconds fraction{0};
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
    ++pos;
    int64_t scale = 100000000;
    size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      fraction += nanoseconds((s[pos] - '0') * scale);
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  seconds offset{0};
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    bool colon = pos + 3 < s.size() && s[pos + 3] == ':';
    if (!Digits(s, pos + 1, 2, oh) || !Digits(s, pos + (colon ? 4 : 3), 2, om)) {
      return std::nullopt;
    }
    offset = hours{oh} + minutes{om};
    if (s[pos] == '-') offset = -offset;
    pos += colon ? 6 : 5;
  }
  if (pos != s.size()) return std::nullopt;
  auto base = FromCivil(y, mo, d, h, mi, sec);
  if (!base) return std::nullopt;
  return *base + duration_cast<SystemTime::duration>(fraction) - offset;
}

std::optional<SystemTime> ParseAmzDate(std::string_view s) {
  int y, mo, d, h, mi, sec;
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z' || !Digits(s, 0, 4, y) ||
      !Digits(s, 4, 2, mo) || !Digits(s, 6, 2, d) || !Digits(s, 9, 2, h) || !Digits(s, 11, 2, mi) ||
      !Digits(s, 13, 2, sec)) {
    return std::nullopt;
  }
  return FromCivil(y, mo, d, h, mi, sec);
}

std::optional<SystemTime> ParseHttpDate(std::string_view s) {
  char wd[16] = {}, mon[4] = {};
  int d, y, h, mi, sec;
  std::string text(s);
  // sscanf's count covers conversions only: a literal after the last one ("GMT") and the end of
  // the text are checked through %n, or "08:49:37 PST" would be read as GMT.
  const int size = static_cast<int>(text.size());
  int end = -1;
  // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
  if (std::sscanf(text.c_str(), "%3s, %2d %3s %4d %2d:%2d:%2d GMT%n", wd, &d, mon, &y, &h, &mi,
                  &sec, &end) == 7 &&
      end == size) {
    if (int m = MonthIndex(mon)) return FromCivil(y, m, d, h, mi, sec);
    return std::nullopt;
  }
  // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
  end = -1;
  if (std::sscanf(text.c_str(), "%15[A-Za-z], %2d-%3s-%d %2d:%2d:%2d GMT%n", wd, &d, mon, &y, &h,
                  &mi, &sec, &end) == 7 &&
      end == size) {
    if (y < 100) y += y < 70 ? 2000 : 1900;
    if (int m = MonthIndex(mon)) return FromCivil(y, m, d, h, mi, sec);
    return std::nullopt;
  }
  // asctime: Sun Nov  6 08:49:37 1994
  end = -1;
  if (std::sscanf(text.c_str(), "%3s %3s %d %2d:%2d:%2d %4d%n", wd, mon, &d, &h, &mi, &sec, &y,
                  &end) == 7 &&
      end == size) {
    if (int m = MonthIndex(mon)) return FromCivil(y, m, d, h, mi, sec);
  }
  return std::nullopt;
}

double ToEpochSeconds(SystemTime t) {
  return duration_cast<duration<double>>(t.time_since_epoch()).count();
}

std::optional<SystemTime> FromEpochSeconds(double seconds) {
  // SystemTime counts nanoseconds in 64 bits; converting a double beyond that is undefined.
  constexpr double kLimit = 9.2e9;
  if (!std::isfinite(seconds) || std::fabs(seconds) > kLimit) return std::nullopt;
  // Rounded: 1.25 s is 1250 ms, where a truncating conversion of 1.25e9 ns may give 1249.
  return SystemTime(milliseconds(std::llround(seconds * 1000)));
}

}  // namespace gureum
