#pragma once
// Identifiers that look like AWS's. Request ids come from a fast per-thread generator (they need
// to be unique, not secret); anything secret uses RandomBytes() from crypto.h.

#include <string>
#include <string_view>

namespace gureum {

// A random UUID in AWS's request-id form: 8-4-4-4-12 lowercase hex.
std::string NewRequestId();
// `count` random characters from `alphabet` (non-secret: resource ids like i-0abc...).
std::string RandomChars(size_t count, std::string_view alphabet);
// `count` random lowercase hex digits (non-secret).
std::string RandomHex(size_t count);

// Secret random characters from `alphabet`, from the OS CSPRNG (secret access keys, tokens).
std::string SecretChars(size_t count, std::string_view alphabet);

inline constexpr std::string_view kUpperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
inline constexpr std::string_view kBase62 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

}  // namespace gureum
