// Parcours-local canonical URLs that more than one layer writes or reads:
// the demo territory generator (territory/, which sees only fhir/) and the
// domain modules (coordination/, directory/). One definition for all of
// them; content/coordination/generate.py ships the CodeSystems and
// StructureDefinitions they name. No national code system exists for these.
#pragma once

#include <string_view>

namespace parcours::fhir::local {

// Coordination structures (Organization.type): an EpisodeOfCare managed by
// one of them is a coordination dossier, under the workflow's rules.
inline constexpr std::string_view kStructureCoordination =
    "https://parcours.example.fr/fhir/CodeSystem/type-structure-coordination";

// The resource directory. R4 has no "accepting new patients" element (R5
// neither): an extension with valueBoolean, on HealthcareService and
// PractitionerRole; for a GP it means "accepts new patients as médecin
// traitant" (CSS L.162-5-3).
inline constexpr std::string_view kAcceptingNewPatients =
    "https://parcours.example.fr/fhir/StructureDefinition/accepte-nouveaux-patients";
// Accessibility of a Location (R4 Location has no characteristic; R5 added
// one): valueCodeableConcept from kAccessibility, repeated.
inline constexpr std::string_view kAccessibilityExtension =
    "https://parcours.example.fr/fhir/StructureDefinition/accessibilite";
inline constexpr std::string_view kServiceType = "https://parcours.example.fr/fhir/CodeSystem/type-service";
inline constexpr std::string_view kAccessibility =
    "https://parcours.example.fr/fhir/CodeSystem/accessibilite";

}  // namespace parcours::fhir::local
