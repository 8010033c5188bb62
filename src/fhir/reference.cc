#include "fhir/reference.h"

#include "base/text.h"
#include "fhir/definitions.h"

namespace parcours::fhir {

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
  auto token = percent_decode_bytes(query.substr(11), false);
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

bool has_conditional_reference(const Json& node) {
  if (node.is_object()) {
    for (const auto& [k, v] : node.as_object()) {
      if (k == "reference" && v.is_string()) {
        if (is_conditional_reference(v.as_string())) return true;
      } else if ((v.is_object() || v.is_array()) && has_conditional_reference(v)) {
        return true;
      }
    }
  } else if (node.is_array()) {
    for (const auto& v : node.as_array())
      if (has_conditional_reference(v)) return true;
  }
  return false;
}

const Json* find_contained(const Json* resource, std::string_view id) {
  if (!resource || !resource->is_object()) return nullptr;
  const Json* contained = resource->find("contained");
  if (!contained || !contained->is_array()) return nullptr;
  for (const Json& c : contained->as_array())
    if (c.is_object() && c.get_string("id") == id) return &c;
  return nullptr;
}

}  // namespace parcours::fhir
