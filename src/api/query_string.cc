#include "api/query_string.h"

#include "base/text.h"

namespace parcours::api {
namespace {

// Rejects NUL and malformed UTF-8 (overlongs are tolerated: harmless here).
bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == 0) return false;
    std::size_t extra = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xE ? 2 : (c >> 3) == 0x1E ? 3 : 4;
    if (extra == 4 || i + extra >= s.size()) return false;
    for (std::size_t k = 1; k <= extra; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
    i += extra + 1;
  }
  return true;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view in, bool plus_is_space) {
  auto out = percent_decode_bytes(in, plus_is_space);
  if (!out || !valid_utf8(*out)) return std::nullopt;
  return out;
}

std::string percent_encode(std::string_view in) {
  // FHIR search values keep their separators readable (R4 §3.1.1.4.6).
  return parcours::percent_encode(in, ":|,/$");
}

std::optional<std::vector<QueryParam>> parse_query(std::string_view query, std::string* bad) {
  std::vector<QueryParam> out;
  std::size_t start = 0;
  while (start <= query.size()) {
    std::size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view part = query.substr(start, end - start);
    if (!part.empty()) {
      std::size_t eq = part.find('=');
      auto name = percent_decode(part.substr(0, eq), true);
      auto value =
          percent_decode(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1), true);
      if (!name || !value) {
        if (bad) *bad = std::string(part);
        return std::nullopt;
      }
      out.push_back({std::move(*name), std::move(*value)});
    }
    start = end + 1;
  }
  return out;
}

std::optional<std::vector<std::string>> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < path.size()) {
    if (path[start] == '/') {
      ++start;
      continue;
    }
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    auto seg = percent_decode(path.substr(start, end - start), false);
    if (!seg) return std::nullopt;
    out.push_back(std::move(*seg));
    start = end;
  }
  return out;
}

}  // namespace parcours::api
