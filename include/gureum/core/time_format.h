#pragma once
// The timestamp formats of the AWS wire protocols.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace gureum {

using SystemTime = std::chrono::system_clock::time_point;

// 2015-08-30T12:36:00Z, or 2015-08-30T12:36:00.123Z with millis (Query/XML protocols).
std::string FormatIso8601(SystemTime t, bool millis = false);
// 20150830T123600Z (X-Amz-Date).
std::string FormatAmzDate(SystemTime t);
// 20150830 (credential scope date).
std::string FormatAmzDay(SystemTime t);
// Sun, 30 Aug 2015 12:36:00 GMT (RFC 7231 IMF-fixdate; HTTP Date, S3 Last-Modified).
std::string FormatHttpDate(SystemTime t);

// Parses ISO 8601 as AWS accepts it: date-time with optional fraction and a Z or +hh:mm offset.
std::optional<SystemTime> ParseIso8601(std::string_view text);
// Parses 20150830T123600Z.
std::optional<SystemTime> ParseAmzDate(std::string_view text);
// Parses IMF-fixdate, and the obsolete RFC 850 and asctime forms HTTP allows.
std::optional<SystemTime> ParseHttpDate(std::string_view text);

// Seconds since the epoch, with fraction (JSON protocols).
double ToEpochSeconds(SystemTime t);
// Rounded to milliseconds; nullopt for NaN, infinities and times the clock cannot represent.
std::optional<SystemTime> FromEpochSeconds(double seconds);

}  // namespace gureum
