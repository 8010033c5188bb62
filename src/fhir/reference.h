// Reference.reference strings: conditional references ("Type?query", which
// FHIR resolves inside transactions, R4 §3.1.0.11.2, and which Synthea bulk
// exports also use), and walking every reference of a resource.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "fhir/json.h"

namespace parcours::fhir {

// True for "Type?..." where Type is a bare resource type name; absolute URLs
// with a query ("http://x/fhir/Patient?...") are ordinary references.
bool is_conditional_reference(std::string_view ref);

// The one form resolvable without the search engine:
// "Type?identifier=system|value" (or "identifier=value", any system).
struct IdentifierCondition {
  std::string type;
  std::string system;  // empty with any_system
  std::string value;
  bool any_system = false;
};
std::optional<IdentifierCondition> parse_identifier_condition(std::string_view ref);

// The resource of `resource.contained` with id `id` ("#id" references it,
// R4 references.html), or nullptr.
const Json* find_contained(const Json* resource, std::string_view id);

// True when some Reference.reference string in `node` (contained resources
// included) is conditional. Builds no paths: cheaper than for_each_reference.
bool has_conditional_reference(const Json& node);

// Calls f(std::string& reference, const std::string& path) for every
// Reference.reference string in `node` (any member named "reference" holding
// a string, contained resources included). `path` is FHIRPath-like from
// `root`. Stops and returns false as soon as f returns false.
template <typename F>
bool for_each_reference(Json& node, const std::string& root, const F& f) {
  if (node.is_object()) {
    for (auto& [k, v] : node.as_object()) {
      if (k == "reference" && v.is_string()) {
        if (!f(v.as_string(), root + "." + k)) return false;
      } else if (v.is_object() || v.is_array()) {
        if (!for_each_reference(v, root + "." + k, f)) return false;
      }
    }
  } else if (node.is_array()) {
    std::size_t n = 0;
    for (auto& v : node.as_array())
      if (!for_each_reference(v, root + "[" + std::to_string(n++) + "]", f)) return false;
  }
  return true;
}

}  // namespace parcours::fhir
