// Structural validation of a resource against the official R4
// StructureDefinitions: element names, primitive formats, cardinality,
// required elements, choice types, contained resources, reference format.
#pragma once

#include <vector>

#include "base/result.h"
#include "fhir/json.h"

namespace parcours::fhir {

// Returns every problem found (empty when valid). Each Issue has severity
// "error", an IssueType code (structure, required, value, invalid...) and an
// `expression` in FHIRPath form pointing at the element, e.g.
// "Patient.name[0].given[1]" or "Observation.valueQuantity.value".
std::vector<Issue> validate_resource(const Json& resource);

}  // namespace parcours::fhir
