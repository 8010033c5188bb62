// FHIRPath (normative R4 / FHIRPath N1, with the FHIR-specific additions of
// FHIR R4 §2.3 "FHIRPath"): compile once, evaluate many times over our Json
// model without copying the input.
//
// This header is the contract the search engine and the CLI rely on; the
// implementation lives in src/fhirpath/ (lexer, parser, evaluator, types).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "fhir/json.h"

namespace parcours::fhir {
struct TypeDef;
}  // namespace parcours::fhir

namespace parcours::fhirpath {

// The value kinds of FHIRPath's System types, plus FHIR elements.
enum class Kind {
  Boolean,
  Integer,
  Decimal,
  String,
  Date,
  DateTime,
  Time,
  Quantity,
  Element,  // a FHIR element or resource (complex), or a FHIR primitive node
};

// One item of a result collection. FHIR nodes point into the evaluated
// resource (no copy): `node` stays valid while that Json lives. Computed
// values (literals, arithmetic, string functions) are held in `value`.
struct Item {
  Kind kind = Kind::Element;
  // The FHIR or System type name as the official test suite writes it:
  // "boolean", "integer", "decimal", "string", "date", "dateTime", "time",
  // "Quantity", or a FHIR type ("code", "HumanName", "Patient"...).
  std::string type;
  const Json* node = nullptr;  // the FHIR JSON node, when the item comes from the input
  Json value;                  // the value otherwise (numbers keep their text)
  std::string unit;            // Quantity: UCUM unit or calendar keyword
  // Addition: a FHIR primitive's "_name" sibling (its id and extensions, FHIR
  // R4 §2.6.2.7), when present. `node` is null for a primitive that has
  // extensions but no value.
  const Json* extension = nullptr;
  // Addition: the exact R4 type of a FHIR item (backbone types included, such
  // as "Observation.component", which `type` names "BackboneElement"), so an
  // item can be the input of another evaluation; nullptr for System values.
  const fhir::TypeDef* definition = nullptr;
};

using Collection = std::vector<Item>;

// Resolves a reference string ("Patient/123", "#contained-id", an absolute
// URL, a urn:uuid inside a Bundle) for resolve(); nullptr when unknown.
using Resolver = std::function<const Json*(std::string_view reference)>;

struct Environment {
  const Json* resource = nullptr;  // %resource / %rootResource / %context
  Resolver resolver;               // optional; resolve() also looks inside Bundles and contained
  std::optional<std::string> now;  // fixed now() for deterministic evaluation (tests)
  std::function<void(std::string_view name, const Collection&)> trace;  // trace() sink (stderr by default)
  // Addition: when resolve() finds no target for a reference naming its type
  // ("Patient/123", ".../Patient/123"), it returns a placeholder resource
  // {"resourceType": "Patient", "id": "123"} instead of nothing, so search
  // expressions such as `subject.where(resolve() is Patient)` work on a
  // resource indexed alone (the usual server practice).
  bool resolve_placeholders = false;
};

// Addition: what compile() may check statically.
struct CompileOptions {
  // The type of the input resource ("Patient"), when known: paths are
  // checked against the R4 model and element lookups are prepared for it.
  std::string_view input_type;
  // Strict mode (the official suite's mode="strict", used by the CLI): with
  // a known input type, an unknown element, a choice element named with its
  // type suffix (Observation.valueQuantity), a type-name root that does not
  // match the input (Encounter.id on a Patient), a non-Boolean iif()
  // criterion or an order-dependent function on children()/descendants()
  // is a compile error.
  bool strict = false;
};

class Expression;

// Compiles `text`. Syntax and static errors (unknown function, wrong arity,
// unknown element in strict mode when the input type is known) are 400-style
// Errors with a message naming the position.
Result<std::shared_ptr<const Expression>> compile(std::string_view text);
// Addition: compile() with static checks against a known input type.
Result<std::shared_ptr<const Expression>> compile(std::string_view text, const CompileOptions& options);

// compile() through a process-wide cache keyed by the text: search
// parameters are compiled once. Thread-safe.
Result<std::shared_ptr<const Expression>> compile_cached(std::string_view text);

// Evaluates with the input collection {resource} (or empty when null).
// Run-time errors (e.g. a singleton expected but many found) are Errors.
// Thread-safe: an Expression may be evaluated by many threads at once.
Result<Collection> evaluate(const Expression& expression, const Json* input, const Environment& env = {});
// Addition: evaluates with the input collection {input}, an item of an
// earlier result (composite search parameters evaluate their components on
// each item of the composite's expression). The item, and the Json it points
// to, must outlive the call.
Result<Collection> evaluate(const Expression& expression, const Item& input, const Environment& env = {});

// Renders an item as the `parcours fhirpath` CLI contract says
// (docs: ARCHITECTURE.md): with_types wraps it as {"type": T, "value": V}.
Json to_json(const Item& item, bool with_types);

}  // namespace parcours::fhirpath
