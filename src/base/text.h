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

// Reads exactly `n` ASCII digits of `s` at `at` into `out`; false when they
// are not all there (dates, times, codes of fixed width).
inline bool ascii_digits(std::string_view s, std::size_t at, std::size_t n, int& out) {
  if (at + n > s.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace parcours
