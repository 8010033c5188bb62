#include "fhir/reference.h"

#include "fhir/definitions.h"

namespace parcours::fhir {
namespace {

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Query values may be percent-encoded when the reference was written as a
// URL ("urn%3Aoid%3A...|123").
std::optional<std::string> decode(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size() || hex(in[i + 1]) < 0 || hex(in[i + 2]) < 0) return std::nullopt;
    out.push_back(static_cast<char>(hex(in[i + 1]) * 16 + hex(in[i + 2])));
    i += 2;
  }
  return out;
}

}  // namespace

bool is_conditional_reference(std::string_view ref) {
  auto q = ref.find('?');
  if (q == std::string_view::npos || q == 0) return false;
  std::string_view type = ref.substr(0, q);
  return type.find('/') == std::string_view::npos && type.find(':') == std::string_view::npos;
}

std::optional<IdentifierCondition> parse_identifier_condition(std::string_view ref) {
  if (!is_conditional_reference(ref)) return std::nullopt;
  auto q = ref.find('?');
  IdentifierCondition c;
  c.type = std::string(ref.substr(0, q));
  if (!is_resource_type(c.type)) return std::nullopt;
  std::string_view query = ref.substr(q + 1);
  if (!query.starts_with("identifier=") || query.find('&') != std::string_view::npos) return std::nullopt;
  auto token = decode(query.substr(11));
  if (!token || token->empty()) return std::nullopt;
  auto bar = token->find('|');
  if (bar == std::string::npos) {
    c.value = *token;
    c.any_system = true;
  } else {
    c.system = token->substr(0, bar);
    c.value = token->substr(bar + 1);
  }
  if (c.value.empty()) return std::nullopt;
  return c;
}

}  // namespace parcours::fhir
