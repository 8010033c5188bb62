// Canonical URLs and code systems of the assessment instruments.
//
// Real code systems are used where a verified code exists (LOINC for the
// PHQ-9 and the MNA-SF; FHIR administrative-gender); everything else is a
// local CodeSystem under https://parcours.example.fr/fhir/CodeSystem/, shipped
// with the Questionnaires in content/questionnaires/.
#pragma once

#include <string>
#include <string_view>

namespace parcours::coordination::codes {

inline constexpr std::string_view kQuestionnaireBase = "https://parcours.example.fr/fhir/Questionnaire/";
inline constexpr std::string_view kCodeSystemBase = "https://parcours.example.fr/fhir/CodeSystem/";

inline std::string questionnaire(std::string_view id) {
  return std::string(kQuestionnaireBase) + std::string(id);
}
inline std::string code_system(std::string_view id) { return std::string(kCodeSystemBase) + std::string(id); }

inline constexpr std::string_view kLoinc = "http://loinc.org";
inline constexpr std::string_view kUcum = "http://unitsofmeasure.org";
inline constexpr std::string_view kAdministrativeGender = "http://hl7.org/fhir/administrative-gender";
inline constexpr std::string_view kObservationCategory =
    "http://terminology.hl7.org/CodeSystem/observation-category";
inline constexpr std::string_view kV3Interpretation =
    "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";

// What was measured, when LOINC has no code for it.
inline constexpr std::string_view kScore = "https://parcours.example.fr/fhir/CodeSystem/evaluation-score";
// Interpretation bands of every instrument.
inline constexpr std::string_view kInterpretation =
    "https://parcours.example.fr/fhir/CodeSystem/evaluation-interpretation";

// Answer lists.
inline constexpr std::string_view kAggirModalite =
    "https://parcours.example.fr/fhir/CodeSystem/aggir-modalite";
inline constexpr std::string_view kAggirVariable =
    "https://parcours.example.fr/fhir/CodeSystem/aggir-variable";
inline constexpr std::string_view kAggirGir = "https://parcours.example.fr/fhir/CodeSystem/aggir-gir";
inline constexpr std::string_view kZaritFrequence =
    "https://parcours.example.fr/fhir/CodeSystem/zarit-frequence";
inline constexpr std::string_view kZaritIntensite =
    "https://parcours.example.fr/fhir/CodeSystem/zarit-intensite";
inline constexpr std::string_view kMnaSfReponse =
    "https://parcours.example.fr/fhir/CodeSystem/mna-sf-reponse";
inline constexpr std::string_view kKatzNiveau = "https://parcours.example.fr/fhir/CodeSystem/katz-adl-niveau";
inline constexpr std::string_view kLawtonReponse =
    "https://parcours.example.fr/fhir/CodeSystem/lawton-iadl-reponse";
inline constexpr std::string_view kLawtonConvention =
    "https://parcours.example.fr/fhir/CodeSystem/lawton-iadl-convention";

}  // namespace parcours::coordination::codes
