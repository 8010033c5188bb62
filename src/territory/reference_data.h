// Static reference tables of the demo territory: communes, birthplaces,
// street names, French first and family names.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "territory/random.h"

namespace parcours::territory {

// A commune of the territory (Nord, 59). Codes from the INSEE Code officiel
// géographique, postal code from La Poste; position is the commune centroid
// (4 decimals, ~10 m); population is a rounded order of magnitude (INSEE
// légal populations, early 2020s) used only as a sampling weight.
struct Commune {
  std::string_view insee;
  std::string_view name;
  std::string_view postal_code;
  std::int32_t lat_e4;  // degrees × 10^4
  std::int32_t lon_e4;
  std::int32_t population;
};
std::span<const Commune> communes();

// A birthplace outside the territory, as the NIR encodes it: a 5-character
// INSEE code (commune, Paris/Lyon/Marseille arrondissement, Corsica 2A/2B,
// overseas 97x, or 99 + country for births abroad).
struct Birthplace {
  std::string_view insee;
  std::string_view name;     // commune, or country name for births abroad
  std::string_view country;  // ISO 3166-1 alpha-2
  std::uint32_t weight;      // relative share among births outside the Nord
  int min_birth_year;        // e.g. independent states only after independence
};
std::span<const Birthplace> external_birthplaces();

std::span<const std::string_view> street_names();

// Family name, weighted by rank (common French and Nord names).
std::string_view family_name(Rng& rng);
// Given name typical of the birth cohort and sex.
std::string_view given_name(Rng& rng, bool female, int birth_year);
// Lower-case ASCII form for e-mail addresses ("Hélène" → "helene").
std::string ascii_slug(std::string_view utf8);

}  // namespace parcours::territory
