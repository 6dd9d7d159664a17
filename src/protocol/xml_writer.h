#pragma once
// A minimal streaming XML writer for response bodies (escaping included).

#include <string>
#include <string_view>

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
  void Close(std::string_view name) {
    out_ += "</";
    out_ += name;
    out_ += '>';
  }
  void Element(std::string_view name, std::string_view text) {
    Open(name);
    XmlEscapeAppend(out_, text);
    Close(name);
  }
  void Text(std::string_view text) { XmlEscapeAppend(out_, text); }
  void Raw(std::string_view xml) { out_ += xml; }
  std::string& str() { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace gureum::protocol
