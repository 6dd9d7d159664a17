#pragma once
// A minimal streaming XML writer for response bodies (escaping included).

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gureum/core/encoding.h"

namespace gureum::protocol {

class XmlWriter {
 public:
  void Declaration() { out_ += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"; }
  void Open(std::string_view name, std::string_view xmlns = {}) {
    out_ += '<';
    out_ += name;
    if (!xmlns.empty()) {
      out_ += " xmlns=\"";
      XmlEscapeAppend(out_, xmlns);
      out_ += '"';
    }
    out_ += '>';
  }
  // <name attr="value" ...>
  void OpenWithAttributes(std::string_view name,
                          const std::vector<std::pair<std::string, std::string>>& attributes) {
    out_ += '<';
    out_ += name;
    for (const auto& [attribute, value] : attributes) {
      out_ += ' ';
      out_ += attribute;
      out_ += "=\"";
      XmlEscapeAppend(out_, value);
      out_ += '"';
    }
    out_ += '>';
  }
  void Close(std::string_view name) {
    out_ += "</";
    out_ += name;
    out_ += '>';
  }
  void Element(std::string_view name, std::string_view text) {
    Open(name);
    Text(text);
    Close(name);
  }
  // XML 1.0 has no way to carry the C0 controls other than tab, LF and CR. S3 writes them as
  // character references (a key with byte 0x01 lists as "&#x1;"), so the document keeps its
  // structure for any client text; every protocol does the same here.
  void Text(std::string_view text) {
    size_t start = 0;
    for (size_t i = 0; i < text.size(); ++i) {
      auto c = static_cast<unsigned char>(text[i]);
      if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') continue;
      XmlEscapeAppend(out_, text.substr(start, i - start));
      out_ += "&#x";
      if (c >= 0x10) out_ += "0123456789ABCDEF"[c >> 4];
      out_ += "0123456789ABCDEF"[c & 0xF];
      out_ += ';';
      start = i + 1;
    }
    XmlEscapeAppend(out_, text.substr(start));
  }
  void Raw(std::string_view xml) { out_ += xml; }
  std::string& str() { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace gureum::protocol
