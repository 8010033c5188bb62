// The FHIR R4 definitions Parcours knows, generated at build time by
// scripts/gen_r4_definitions.py from the official StructureDefinition,
// SearchParameter and CompartmentDefinition resources (never hand-typed).
#pragma once

#include <span>
#include <string_view>

namespace parcours::fhir {

// True for a concrete (non-abstract) R4 resource type name such as "Patient".
bool is_resource_type(std::string_view name);
// All concrete R4 resource type names, sorted.
std::span<const std::string_view> resource_types();

}  // namespace parcours::fhir
