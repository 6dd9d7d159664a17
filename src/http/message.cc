#include "gureum/http/message.h"

#include <algorithm>
#include <cstring>

#include "gureum/core/encoding.h"

namespace gureum::http {

void Headers::Set(std::string_view name, std::string value) {
  Remove(name);
  entries_.emplace_back(std::string(name), std::move(value));
}

void Headers::Remove(std::string_view name) {
  std::erase_if(entries_, [&](const auto& e) { return EqualsIgnoreCase(e.first, name); });
}

std::optional<std::string_view> Headers::Get(std::string_view name) const {
  for (const auto& [n, v] : entries_) {
    if (EqualsIgnoreCase(n, name)) return std::string_view(v);
  }
  return std::nullopt;
}

Result<std::string> ReadAll(BodySource& body, uint64_t limit) {
  std::string out;
  if (auto hint = body.size_hint()) {
    if (*hint > limit) {
      return Fail(ErrorCode::RequestEntityTooLarge, "Request body of " + std::to_string(*hint) +
                                                        " bytes exceeds the limit of " +
                                                        std::to_string(limit) + " bytes");
    }
    out.reserve(*hint);
  }
  char buffer[16384];
  for (;;) {
    GUREUM_TRY(size_t n, body.Read(buffer));
    if (n == 0) break;
    if (out.size() + n > limit) {
      return Fail(ErrorCode::RequestEntityTooLarge,
                  "Request body exceeds the limit of " + std::to_string(limit) + " bytes");
    }
    out.append(buffer, n);
  }
  return out;
}

Result<size_t> StringBodySource::Read(std::span<char> buffer) {
  size_t n = std::min(buffer.size(), data_.size() - offset_);
  std::memcpy(buffer.data(), data_.data() + offset_, n);
  offset_ += n;
  return n;
}

}  // namespace gureum::http
