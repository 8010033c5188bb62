// Patient compartment membership (FHIR R4 CompartmentDefinition "patient").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "fhir/json.h"

namespace parcours::fhir {

// Ids of the Patients whose compartment contains `resource` of type `type`,
// following the references named by the patient CompartmentDefinition's
// search parameters (only literal "Patient/<id>" references, relative or
// absolute). A Patient is in its own compartment. No duplicates, in document
// order.
std::vector<std::string> patient_compartments(std::string_view type, const Json& resource);

}  // namespace parcours::fhir
