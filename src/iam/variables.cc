#include "iam/variables.h"

#include <string>

#include "gureum/core/encoding.h"

namespace gureum::iam {

std::optional<Glob> SubstituteVariables(std::string_view text, const Context& context,
                                        bool enabled) {
  if (!enabled || text.find("${") == std::string_view::npos) return Glob(text);
  Glob out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t open = text.find("${", pos);
    size_t close = open == std::string_view::npos ? open : text.find('}', open + 2);
    if (close == std::string_view::npos) {
      out.AppendPattern(text.substr(pos));
      break;
    }
    out.AppendPattern(text.substr(pos, open - pos));
    pos = close + 1;
    std::string_view inner = Trim(text.substr(open + 2, close - open - 2));
    if (inner == "*" || inner == "?" || inner == "$") {
      out.AppendLiteral(inner);
      continue;
    }
    std::optional<std::string_view> fallback;
    if (size_t comma = inner.find(','); comma != std::string_view::npos) {
      std::string_view def = Trim(inner.substr(comma + 1));
      inner = Trim(inner.substr(0, comma));
      // The default must be quoted ('value'); anything else leaves no usable default.
      if (def.size() >= 2 && def.front() == '\'' && def.back() == '\'') {
        fallback = def.substr(1, def.size() - 2);
      }
    }
    const std::vector<std::string>* values = context.Find(inner);
    if (values != nullptr && values->size() == 1) {
      out.AppendLiteral(values->front());
    } else if (fallback) {
      out.AppendLiteral(*fallback);
    } else {
      return std::nullopt;
    }
  }
  return out;
}

}  // namespace gureum::iam
