// The directory's own codes and extensions, and the search parameters it
// ships (content/coordination/generate.py writes them; the demo territory
// uses the same URLs, territory/fhir_build.h; tests keep them in step).
//
// Service types and accessibility features are Parcours-local: the national
// equivalents (the ROR's "activité opérationnelle" and accessibility
// nomenclatures of the ANS NOS) could not be checked code by code here, so
// no national code is invented. Specialties are the ANS TRE_R38.
#pragma once

#include <string_view>

namespace parcours::directory::codes {

// R4 has no "accepting new patients" element (R5 neither): an extension
// with valueBoolean, on HealthcareService and PractitionerRole. For a GP it
// means "accepts new patients as médecin traitant" (CSS L.162-5-3).
inline constexpr std::string_view kAcceptingNewPatients =
    "https://parcours.example.fr/fhir/StructureDefinition/accepte-nouveaux-patients";
// Accessibility of a Location (R4 Location has no characteristic; R5 added
// one): valueCodeableConcept from kAccessibility, repeated.
inline constexpr std::string_view kAccessibilityExtension =
    "https://parcours.example.fr/fhir/StructureDefinition/accessibilite";
inline constexpr std::string_view kServiceType = "https://parcours.example.fr/fhir/CodeSystem/type-service";
inline constexpr std::string_view kAccessibility =
    "https://parcours.example.fr/fhir/CodeSystem/accessibilite";
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
