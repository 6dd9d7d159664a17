// Shared by fuzz targets: untrusted text read as HTTP request headers.
#pragma once

#include <string>
#include <string_view>

#include "gureum/http/message.h"

namespace gureum::fuzz {

// Each "name: value" line of `text` (lines without a colon are skipped), so parsers see folded,
// repeated and oddly spaced values. `last_line`, when given, receives the final line's text.
inline http::Headers HeadersFromLines(std::string_view text,
                                      std::string_view* last_line = nullptr) {
  http::Headers headers;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      headers.Add(std::string(line.substr(0, colon)), std::string(line.substr(colon + 1)));
    }
    if (last_line != nullptr) *last_line = line;
    pos = end + 1;
  }
  return headers;
}

}  // namespace gureum::fuzz
