// The professional directory of the territory: organisations with their
// Location, practitioners and their PractitionerRole. Built first, kept in
// memory (O(professionals)) so patients can be attached to their GP, nurse,
// pharmacy, specialists and DAC.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "fhir/json.h"

namespace parcours::territory {

enum class Profession : std::uint8_t {
  kGeneralPractitioner,
  kNurse,
  kPharmacist,
  kPhysiotherapist,
  kCardiologist,
  kNephrologist,
  kPulmonologist,
  kNeurologist,
  kGeriatrician,
  kEndocrinologist,
  kOncologist,
  kBiologist,
  kCoordinator,   // DAC "coordonnateur de parcours"
  kCaseManager,   // "gestionnaire de cas" (ex-MAIA, now in the DAC)
  kSocialWorker,  // "assistant de service social"
  kPsychologist,
  kCount
};
inline constexpr std::size_t kProfessionCount = static_cast<std::size_t>(Profession::kCount);

enum class OrgKind : std::uint8_t {
  kUniversityHospital,  // CHU (CHR in the FINESS categories)
  kHospital,            // CH
  kClinic,
  kHealthCentre,  // MSP, maison de santé pluriprofessionnelle
  kPharmacy,
  kLaboratory,
  kNursingHome,   // EHPAD
  kHomeNursing,   // SSIAD
  kCoordination,  // DAC
  kCount
};
inline constexpr std::size_t kOrgKindCount = static_cast<std::size_t>(OrgKind::kCount);

struct Organisation {
  std::string id;           // Organization id
  std::string location_id;  // its Location
  std::string name;
  std::string address_line;
  std::string phone;
  OrgKind kind;
  std::uint16_t commune;
};

struct Professional {
  std::string id;       // Practitioner id
  std::string role_id;  // PractitionerRole id
  std::string family;
  std::string given;
  std::string display;  // "Dr Jean Martin", "Mme Claire Dupont"
  Profession profession;
  bool female;
  std::uint32_t org;  // index into Directory::orgs
  std::uint16_t commune;
};

struct Directory {
  std::vector<Organisation> orgs;
  std::vector<Professional> pros;
  // For each (commune, profession), professionals by increasing distance.
  // GPs: all of them (capacity fallback); others: the nearest few.
  std::vector<std::vector<std::uint32_t>> nearest_pros;  // [commune * kProfessionCount + profession]
  std::vector<std::vector<std::uint32_t>> nearest_orgs;  // [commune * kOrgKindCount + kind]
  std::vector<std::uint32_t> gp_load;                    // patients per GP (index into pros)
  std::uint32_t gp_capacity = 0;
  std::uint32_t dac = 0;  // index of the DAC in orgs

  const std::vector<std::uint32_t>& nearest(std::size_t commune, Profession p) const {
    return nearest_pros[commune * kProfessionCount + static_cast<std::size_t>(p)];
  }
  const std::vector<std::uint32_t>& nearest(std::size_t commune, OrgKind k) const {
    return nearest_orgs[commune * kOrgKindCount + static_cast<std::size_t>(k)];
  }
};

// Builds the directory for a territory of `patients` inhabitants and emits
// its Organization, Location (sites, then the communes services cover),
// HealthcareService (offer.h), Practitioner and PractitionerRole resources.
Directory build_directory(std::int64_t patients, std::uint64_t seed, const std::function<void(Json&&)>& emit);

// Coded views of a profession, for PractitionerRole.code/specialty and
// CareTeam.participant.role.
struct ProfessionCodes {
  std::string_view system;  // TRE_G15, TRE_R94, TRE_R95 or TRE_R85
  std::string_view code;
  std::string_view display;
  std::string_view specialty;  // TRE_R38 code, empty when none
  std::string_view specialty_display;
  std::string_view label;  // French label for narrative: "cardiologue"
};
const ProfessionCodes& profession_codes(Profession p);

// Squared distance between two communes, in (10^-4 degree)^2 with longitude
// scaled by cos(50.5°) ≈ 0.636 (the territory's latitude).
std::int64_t commune_distance2(std::size_t a, std::size_t b);

// Fictitious French phone numbers from the ARCEP ranges reserved for fiction
// (03 53 01 xx xx, 06 39 98 xx xx), in E.164 form.
std::string fiction_landline(std::uint32_t n);
std::string fiction_mobile(std::uint32_t n);

}  // namespace parcours::territory
