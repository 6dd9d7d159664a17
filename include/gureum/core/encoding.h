#pragma once
// Byte encodings used across the wire protocols: hex, base64 and AWS's URI encoding.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gureum {

std::string HexEncode(std::span<const uint8_t> bytes);  // lowercase
std::string HexEncode(std::string_view bytes);
std::optional<std::string> HexDecode(std::string_view hex);  // case-insensitive; nullopt if bad

std::string Base64Encode(std::span<const uint8_t> bytes);
std::string Base64Encode(std::string_view bytes);
// Strict standard base64 (with padding). nullopt on any invalid character or length.
std::optional<std::string> Base64Decode(std::string_view text);

// AWS SigV4 URI encoding: every byte except A-Z a-z 0-9 - _ . ~ becomes %XX (uppercase hex);
// '/' is kept when encode_slash is false (paths), encoded when true (query names and values).
std::string UriEncode(std::string_view bytes, bool encode_slash);
void UriEncodeAppend(std::string& out, std::string_view bytes, bool encode_slash);
// Decodes %XX escapes; '+' becomes a space when plus_as_space (form bodies). nullopt when an
// escape is truncated or not hex.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_as_space);

// ASCII case-insensitive comparison and lowercase copy (HTTP header names, AWS action names).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string ToLower(std::string_view text);
bool StartsWith(std::string_view text, std::string_view prefix);
std::string_view Trim(std::string_view text);  // spaces and tabs at both ends

// XML 1.0 text escaping for element content and attribute values.
void XmlEscapeAppend(std::string& out, std::string_view text);

}  // namespace gureum

namespace gureum {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// Splits `a=1&b=2&c` into decoded (name, value) pairs, in order; a pair without '=' has an empty
// value. plus_as_space: form bodies (application/x-www-form-urlencoded) treat '+' as a space;
// URL query strings as AWS signs them do not. nullopt on a malformed %-escape.
std::optional<QueryParams> ParseQueryString(std::string_view raw, bool plus_as_space);

// The first value of `name` in `params`, or nullopt.
std::optional<std::string_view> FindParam(const QueryParams& params, std::string_view name);

}  // namespace gureum
