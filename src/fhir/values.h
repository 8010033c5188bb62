// Building and reading the small FHIR datatypes every module writes:
// Coding, CodeableConcept, Reference (R4 §2.24.0). One place, so that every
// resource Parcours writes spells them the same way.
#pragma once

#include <string_view>

#include "fhir/json.h"

namespace parcours::fhir {

// {"system", "code", "display"?}
inline Json coding(std::string_view system, std::string_view code, std::string_view display = {}) {
  Json c = Json::object();
  c.set("system", Json(system));
  c.set("code", Json(code));
  if (!display.empty()) c.set("display", Json(display));
  return c;
}

// {"coding": [coding], "text"?}
inline Json concept_of(Json coding_value, std::string_view text = {}) {
  Json cc = Json::object();
  cc.set("coding", Json(Json::Array{std::move(coding_value)}));
  if (!text.empty()) cc.set("text", Json(text));
  return cc;
}

// {"reference", "display"?}
inline Json reference(std::string_view ref, std::string_view display = {}) {
  Json r = Json::object();
  r.set("reference", Json(ref));
  if (!display.empty()) r.set("display", Json(display));
  return r;
}

// Whether a CodeableConcept, or an array of them, has a coding of `system`
// (and `code`, when given).
inline bool has_coding(const Json* concepts, std::string_view system, std::string_view code = {}) {
  if (!concepts) return false;
  auto test = [&](const Json& cc) {
    if (const Json* cs = cc.find("coding"); cs && cs->is_array())
      for (const Json& c : cs->as_array())
        if (c.get_string("system") == system && (code.empty() || c.get_string("code") == code)) return true;
    return false;
  };
  if (concepts->is_array()) {
    for (const Json& cc : concepts->as_array())
      if (test(cc)) return true;
    return false;
  }
  return concepts->is_object() && test(*concepts);
}

}  // namespace parcours::fhir
