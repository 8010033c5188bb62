// What the directory's organisations offer, and when — the ROR-like part of
// the territory (BRIEF §4 "Resource directory"): one HealthcareService per
// activity of each organisation (consultations, emergency department,
// on-call "maison médicale de garde", pharmacy, laboratory, home nursing,
// nursing-home stays, the DAC's support), with opening hours, public-holiday
// closures, languages, accessibility, whether new patients are accepted and
// the communes covered; the same details on Locations and PractitionerRoles.
//
// Everything is drawn up front from its own random stream, so the rest of
// the territory (names, addresses, patients) does not depend on it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fhir/json.h"
#include "territory/directory.h"
#include "territory/fhir_build.h"

namespace parcours::territory {

class Offer {
 public:
  // `d` is complete (organisations and professionals) and outlives the Offer.
  Offer(const Directory& d, std::uint64_t seed);
  ~Offer();
  Offer(const Offer&) = delete;
  Offer& operator=(const Offer&) = delete;

  // Location.type, hoursOfOperation, and the accessibility extensions (none
  // when the site has no accessibility feature).
  Json location_type(std::size_t org) const;
  Json location_hours(std::size_t org) const;
  std::optional<Json> location_accessibility(std::size_t org) const;
  // The communes some service covers (SSIAD, DAC, home nursing), as
  // Locations of physical type "jurisdiction" at the commune centroid, to be
  // emitted before the services.
  std::vector<Json> commune_areas() const;
  // The HealthcareServices, after the Locations and before the roles.
  std::vector<Json> services() const;
  // PractitionerRole.healthcareService (R4 element order: before telecom).
  std::optional<Json> role_service(std::size_t pro) const;
  // PractitionerRole availableTime, notAvailable, availabilityExceptions and
  // the accepting-new-patients extension (after telecom).
  void complete_role(std::size_t pro, Obj& role) const;

 private:
  struct Site;
  struct Service;
  struct Role;

  const Directory& d_;
  std::vector<Site> sites_;        // per organisation
  std::vector<Service> services_;  // in emission order
  std::vector<Role> roles_;        // per professional
  std::int64_t today_ = 0;
};

}  // namespace parcours::territory
