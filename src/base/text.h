// Small text helpers shared by every layer.
#pragma once

#include <string>
#include <string_view>

namespace parcours {

// Escapes the five characters that matter in HTML text and attribute values
// (& < > " '), so any string can be placed in a page.
inline std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

}  // namespace parcours
