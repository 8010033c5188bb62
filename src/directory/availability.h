// Opening hours of the directory's resources, and "is it open at this
// moment?" — which R4 search cannot ask (there is no search parameter on
// availableTime), so the directory answers it (directory/find.h).
//
// Read from HealthcareService and PractitionerRole (availableTime,
// notAvailable; R4 §8.5 and §8.4) and from Location (hoursOfOperation,
// R4 §8.3). Times are wall-clock times in Paris (directory/paris_time.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "directory/paris_time.h"
#include "fhir/json.h"
#include "store/store.h"

namespace parcours::directory {

// One availableTime / hoursOfOperation entry.
struct WeeklyHours {
  std::uint8_t days = 0;  // bit i: ISO weekday i (0 = Monday)
  bool all_day = false;
  int start = 0;   // minute of the day
  int end = 1440;  // minute of the day; <= start: ends the next day (a night shift)
};

// One notAvailable period, [from, to) in UTC. A FHIR date (no time) covers
// the whole Paris day; a period without end has no end.
struct Closure {
  store::Micros from = INT64_MIN;
  store::Micros to = INT64_MAX;
  std::string description;
};

struct Availability {
  std::vector<WeeklyHours> weekly;
  std::vector<Closure> closures;
  // Without opening hours nothing can be said of an instant: such a
  // resource is never "open" for a search by opening time.
  bool known() const { return !weekly.empty(); }
};

// availableTime and notAvailable of a HealthcareService or PractitionerRole,
// or hoursOfOperation of a Location. Malformed entries (unknown day, bad
// time) are skipped: stored data was validated, a lenient reader never
// turns a typo into "open".
Availability availability_of(const Json& resource);

// Open at `t` (Paris wall-clock): within a weekly entry of that day (or of
// the day before, for hours past midnight) and outside every closure.
bool is_open(const Availability& a, LocalTime t);

// FHIR time "hh:mm:ss" (or "hh:mm") as minutes; -1 when malformed. "24:00"
// is not a FHIR time: midnight at the end of a day is written "00:00:00".
int parse_time_of_day(std::string_view text);

// The instants a FHIR date or dateTime covers: [first, last) in UTC. Dates
// (YYYY, YYYY-MM, YYYY-MM-DD) are Paris days; dateTimes carry their zone.
struct InstantRange {
  store::Micros first = 0;
  store::Micros last = 0;
};
std::optional<InstantRange> date_time_range(std::string_view text);

}  // namespace parcours::directory
