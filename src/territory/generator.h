// Deterministic demo territory: a synthetic but realistic French care
// territory (Nord, 59) as a stream of FHIR R4 resources.
//
// What it holds (details in generator.cc and docs in each .cc):
// - directory: hospitals (CHU/CH), clinics, MSP, pharmacies, labs, EHPAD,
//   SSIAD, one DAC; a Location per organisation (and per commune covered);
//   their HealthcareServices with hours, closures, languages, accessibility
//   and new patients (offer.h); practitioners (RPPS) and social/medico-social
//   professionals (local identifier) with their PractitionerRole coded from
//   the ANS nomenclatures;
// - per patient: Patient (INS-NIR, IPP, GP), then for the chronically ill
//   Condition (CIM-10, ALD as a category), CareTeam, Encounter, Observation
//   (LOINC/UCUM), MedicationRequest (ATC), DocumentReference.
//
// Every date is relative to kReferenceDate, never to the clock, and the
// random source is our own xoshiro256**, so the output is byte-identical for
// the same options on any machine and standard library.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "fhir/json.h"

namespace parcours::territory {

// "Today" of the demo territory (ISO 8601 date).
inline constexpr std::string_view kReferenceDate = "2026-11-01";

struct TerritoryOptions {
  std::int64_t patients = 1000;
  std::uint64_t seed = 42;
};

struct TerritoryStats {
  std::int64_t resources = 0;
  std::map<std::string, std::int64_t> by_type;
};

// Calls sink(resource) for every generated resource, in an order where every
// referenced resource is emitted before the resources that reference it
// (organisations, locations, practitioners and roles first, then per patient
// its Patient, then its clinical resources). Deterministic for (patients,
// seed). Memory stays O(professionals), not O(patients).
TerritoryStats generate_territory(const TerritoryOptions& options, const std::function<void(Json&&)>& sink);

// --- French identifiers (BRIEF §9) -----------------------------------------

// NIR key: 97 - (NIR mod 97), two digits. Corsica: "2A" counts as 19 and
// "2B" as 18 for the computation. Empty when nir13 is malformed.
std::string nir_key(std::string_view nir13);
// 13 characters (digits, or 2A/2B in the département position) + valid key.
bool is_valid_nir(std::string_view nir15);
// RPPS: 11 digits whose last one is the Luhn key.
bool is_valid_rpps(std::string_view rpps11);
// Appends the Luhn key to 10 digits; empty when malformed.
std::string rpps_with_key(std::string_view first10);
// FINESS: 9 digits, the 9th is the Luhn key of the first 8.
bool is_valid_finess(std::string_view finess9);
// Appends the Luhn key to 8 digits; empty when malformed.
std::string finess_with_key(std::string_view first8);

}  // namespace parcours::territory
