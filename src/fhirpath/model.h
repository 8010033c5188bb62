// Navigation of FHIR R4 JSON with the R4 type model (FHIR R4 §2.3
// "FHIRPath", §2.6.2 "JSON representation"): element types from the
// definitions, choice elements found from their base name (value →
// valueQuantity), primitives joined with their "_name" siblings (id and
// extensions), resources typed by resourceType. Nothing is copied: values
// point into the Json.
#pragma once

#include "fhir/json.h"
#include "fhirpath/ast.h"
#include "fhirpath/value.h"

namespace parcours::fhirpath {

// A resource (typed by its resourceType; an object of unknown type stays
// untyped JSON).
Value resource_value(const Json* node);

// A value of FHIR type `type` read from `node` (and a primitive's "_name"
// sibling `ext`); an abstract Resource is typed by its resourceType.
Value typed_value(const Json* node, const Json* ext, const fhir::TypeDef* type, const Json* resource);

// Appends the values of untyped JSON (arrays flattened, nulls skipped).
void json_values(const Json& j, const Json* resource, Coll& out);

// Appends the children of `item` named `member.name` (N1 §"Path
// selection"); uses member.cache for the element lookup.
void navigate(const Value& item, const Node& member, Coll& out);
// Same, by name (no cache).
void navigate(const Value& item, std::string_view name, Coll& out);

// children(): every child element, in document order.
void children(const Value& item, Coll& out);

}  // namespace parcours::fhirpath
