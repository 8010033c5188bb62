// The directory's own codes and extensions, and the search parameters it
// ships (content/coordination/generate.py writes them; the URLs the demo
// territory writes too are in fhir/local_codes.h).
//
// Service types and accessibility features are Parcours-local: the national
// equivalents (the ROR's "activité opérationnelle" and accessibility
// nomenclatures of the ANS NOS) could not be checked code by code here, so
// no national code is invented. Specialties are the ANS TRE_R38.
#pragma once

#include <string_view>

#include "fhir/local_codes.h"

namespace parcours::directory::codes {

// Shared with the demo territory (fhir/local_codes.h).
using fhir::local::kAcceptingNewPatients;
using fhir::local::kAccessibility;
using fhir::local::kAccessibilityExtension;
using fhir::local::kServiceType;
// R4's own extension for the distance of a search match from the point of a
// `near` search (context Bundle.entry.search, valueDistance).
inline constexpr std::string_view kLocationDistance =
    "http://hl7.org/fhir/StructureDefinition/location-distance";

// Search parameters shipped in content/coordination/.
inline constexpr std::string_view kAcceptingParam =
    "accepte-nouveaux-patients";                                     // HealthcareService, PractitionerRole
inline constexpr std::string_view kLanguageParam = "langue";         // HealthcareService.communication
inline constexpr std::string_view kCoverageParam = "zone-couverte";  // HealthcareService.coverageArea

}  // namespace parcours::directory::codes
