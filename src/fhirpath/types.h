// FHIRPath types over the FHIR R4 model (N1 §"Types and Reflection", FHIR
// R4 §2.3 "FHIRPath"): System types (Boolean, Integer, Decimal, String,
// Date, DateTime, Time, Quantity) and FHIR types (the R4 definitions),
// is/as/ofType matching, and type names as the official suite writes them.
#pragma once

#include <optional>
#include <string_view>

#include "fhirpath/ast.h"
#include "fhirpath/value.h"

namespace parcours::fhirpath {

// "Integer", "System.Integer", "FHIR.Patient", "Patient", "string"...;
// nullopt when the name is neither a System nor a FHIR type. A namespaced
// System name that is not a System type ("System.Patient") resolves to a
// type nothing matches.
std::optional<TypeSpec> resolve_type_spec(std::string_view text);

// is(): the value is of the type or a subtype (Age is a Quantity; code is a
// string). `exact` (as(), ofType()): FHIR primitive types must match
// exactly, as the official suite expects (`Patient.gender.as(string)` is
// empty while `Patient.gender.is(string)` is true).
bool is_of_type(const Value& v, const TypeSpec& t, bool exact);

// The type name the suite writes for a value: "boolean", "integer",
// "decimal", "string", "date", "dateTime", "time", "Quantity" for System
// values; the FHIR type otherwise ("code", "HumanName", "Patient");
// "BackboneElement"/"Element" for backbone elements.
std::string_view type_name(const Value& v);

// type(): namespace ("System" or "FHIR") and name ("Integer", "boolean").
struct TypeInfo {
  std::string_view ns;
  std::string_view name;
};
TypeInfo type_info(const Value& v);

// System type name ("Integer") of a System kind.
std::string_view system_type_name(VKind k);

}  // namespace parcours::fhirpath
