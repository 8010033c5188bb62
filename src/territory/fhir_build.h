// Small builders for FHIR JSON elements, with the canonical system URIs the
// territory uses. Objects are built member by member with moves (no
// initializer-list copies): generation speed matters at 10^6 patients.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "fhir/json.h"
#include "fhir/local_codes.h"

namespace parcours::territory {

// --- Code systems and identifier systems -----------------------------------
// International terminologies.
inline constexpr std::string_view kLoinc = "http://loinc.org";
inline constexpr std::string_view kUcum = "http://unitsofmeasure.org";
inline constexpr std::string_view kIcd10 = "http://hl7.org/fhir/sid/icd-10";
inline constexpr std::string_view kAtc = "http://www.whocc.no/atc";
// HL7 terminology (THO).
inline constexpr std::string_view kConditionClinical =
    "http://terminology.hl7.org/CodeSystem/condition-clinical";
inline constexpr std::string_view kConditionVerification =
    "http://terminology.hl7.org/CodeSystem/condition-ver-status";
inline constexpr std::string_view kConditionCategory =
    "http://terminology.hl7.org/CodeSystem/condition-category";
inline constexpr std::string_view kObservationCategory =
    "http://terminology.hl7.org/CodeSystem/observation-category";
inline constexpr std::string_view kActCode = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
inline constexpr std::string_view kParticipationType =
    "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
inline constexpr std::string_view kV2IdentifierType = "http://terminology.hl7.org/CodeSystem/v2-0203";
inline constexpr std::string_view kV2Relationship = "http://terminology.hl7.org/CodeSystem/v2-0131";
inline constexpr std::string_view kDischargeDisposition =
    "http://terminology.hl7.org/CodeSystem/discharge-disposition";
// The R4 example bindings of HealthcareService and Location (THO).
inline constexpr std::string_view kServiceCategory = "http://terminology.hl7.org/CodeSystem/service-category";
inline constexpr std::string_view kServiceProvision =
    "http://terminology.hl7.org/CodeSystem/service-provision-conditions";
inline constexpr std::string_view kReferralMethod =
    "http://terminology.hl7.org/CodeSystem/service-referral-method";
inline constexpr std::string_view kRoleCode = "http://terminology.hl7.org/CodeSystem/v3-RoleCode";
inline constexpr std::string_view kLocationPhysicalType =
    "http://terminology.hl7.org/CodeSystem/location-physical-type";
// Languages (BCP-47), as R4's "common languages" binding codes them.
inline constexpr std::string_view kBcp47 = "urn:ietf:bcp:47";
// French identifiers (ANS / Interop'Santé FR Core).
inline constexpr std::string_view kInsNir = "urn:oid:1.2.250.1.213.1.4.8";
inline constexpr std::string_view kRpps = "urn:oid:1.2.250.1.71.4.2.1";
inline constexpr std::string_view kFiness = "urn:oid:1.2.250.1.71.4.2.2";
inline constexpr std::string_view kFrCoreIdentifierType =
    "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203";
inline constexpr std::string_view kFrCoreInseeExtension =
    "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-address-insee-code";
inline constexpr std::string_view kBirthPlaceExtension =
    "http://hl7.org/fhir/StructureDefinition/patient-birthPlace";
// ANS nomenclatures (NOS).
inline constexpr std::string_view kTreCommune =
    "https://mos.esante.gouv.fr/NOS/TRE_R13-Commune/FHIR/TRE-R13-Commune";
inline constexpr std::string_view kTreProfession =
    "https://mos.esante.gouv.fr/NOS/TRE_G15-ProfessionSante/FHIR/TRE-G15-ProfessionSante";
inline constexpr std::string_view kTreSpecialite =
    "https://mos.esante.gouv.fr/NOS/TRE_R38-SpecialiteOrdinale/FHIR/TRE-R38-SpecialiteOrdinale";
inline constexpr std::string_view kTreProfessionSocial =
    "https://mos.esante.gouv.fr/NOS/TRE_R94-ProfessionSocial/FHIR/TRE-R94-ProfessionSocial";
inline constexpr std::string_view kTreUsagerTitre =
    "https://mos.esante.gouv.fr/NOS/TRE_R95-UsagerTitre/FHIR/TRE-R95-UsagerTitre";
inline constexpr std::string_view kTreRolePriseCharge =
    "https://mos.esante.gouv.fr/NOS/TRE_R85-RolePriseCharge/FHIR/TRE-R85-RolePriseCharge";
// Coordination structures and the resource directory (content/coordination/):
// the URLs the domain modules read, defined once in fhir/local_codes.h.
using fhir::local::kStructureCoordination;
inline constexpr std::string_view kTreCategorieEtablissement =
    "https://mos.esante.gouv.fr/NOS/TRE_R66-CategorieEtablissement/FHIR/TRE-R66-CategorieEtablissement";
using fhir::local::kAcceptingNewPatients;
using fhir::local::kAccessibility;
using fhir::local::kAccessibilityExtension;
using fhir::local::kServiceType;
// Parcours-local systems (no national code system exists for these).
inline constexpr std::string_view kIppSystem = "https://parcours.example.fr/fhir/sid/ipp";
inline constexpr std::string_view kLocalProfessionalSystem =
    "https://parcours.example.fr/fhir/sid/professionnel";
// ALD number (affection de longue durée, list of art. D.160-4 CSS).
inline constexpr std::string_view kAldSystem = "https://parcours.example.fr/fhir/CodeSystem/ald";

// --- Builders -------------------------------------------------------------

class Obj {
 public:
  Obj() { m_.reserve(8); }
  Obj& add(std::string_view key, Json value) {
    m_.emplace_back(std::string(key), std::move(value));
    return *this;
  }
  Json build() { return Json(std::move(m_)); }

 private:
  Json::Object m_;
};

template <typename... T>
Json array_of(T&&... items) {
  Json::Array a;
  a.reserve(sizeof...(items));
  (a.emplace_back(std::forward<T>(items)), ...);
  return Json(std::move(a));
}

inline Json coding(std::string_view system, std::string_view code, std::string_view display = {}) {
  Obj o;
  o.add("system", system).add("code", code);
  if (!display.empty()) o.add("display", display);
  return o.build();
}

inline Json concept_of(Json coding_value, std::string_view text = {}) {
  Obj o;
  o.add("coding", array_of(std::move(coding_value)));
  if (!text.empty()) o.add("text", text);
  return o.build();
}

inline Json concept_of(std::string_view system, std::string_view code, std::string_view display,
                       std::string_view text = {}) {
  return concept_of(coding(system, code, display), text);
}

inline Json text_concept(std::string_view text) { return Obj().add("text", text).build(); }

inline Json reference(std::string_view type, std::string_view id, std::string_view display = {}) {
  std::string r;
  r.reserve(type.size() + 1 + id.size());
  r.append(type).push_back('/');
  r.append(id);
  Obj o;
  o.add("reference", std::move(r));
  if (!display.empty()) o.add("display", display);
  return o.build();
}

// Decimal from a scaled integer: decimal(724, 1) is 72.4, decimal(5, 2) 0.05.
inline Json decimal(std::int64_t scaled, int decimals) {
  std::string digits = std::to_string(scaled < 0 ? -scaled : scaled);
  if (decimals > 0) {
    if (digits.size() <= static_cast<std::size_t>(decimals))
      digits.insert(0, static_cast<std::size_t>(decimals) + 1 - digits.size(), '0');
    digits.insert(digits.size() - static_cast<std::size_t>(decimals), 1, '.');
  }
  if (scaled < 0) digits.insert(0, 1, '-');
  return Json::number_text(std::move(digits));
}

// Quantity with a UCUM code.
inline Json quantity(std::int64_t scaled, int decimals, std::string_view unit, std::string_view ucum) {
  return Obj()
      .add("value", decimal(scaled, decimals))
      .add("unit", unit)
      .add("system", kUcum)
      .add("code", ucum)
      .build();
}

}  // namespace parcours::territory
