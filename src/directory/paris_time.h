// Civil time in France (Europe/Paris) and UTC, for opening hours: the
// directory's hours are wall-clock times, the store's instants are UTC.
//
// The EU rule (Directive 2000/84/EC): summer time (UTC+2) from 01:00 UTC on
// the last Sunday of March to 01:00 UTC on the last Sunday of October,
// otherwise UTC+1. Computed, not read from the system's tz database, so that
// every machine gives the same answer (GCC 12 has no std::chrono tzdb).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/store.h"

namespace parcours::directory {

// A wall-clock moment in Paris: a day (days since 1970-01-01) and a minute
// of that day (0..1439).
struct LocalTime {
  std::int64_t day = 0;
  int minute = 0;
  friend bool operator==(const LocalTime&, const LocalTime&) = default;
};

// 0 = Monday ... 6 = Sunday (ISO 8601).
int iso_weekday(std::int64_t day);
// Days since 1970-01-01 of a civil date; nullopt for an impossible date.
std::optional<std::int64_t> day_number(int year, int month, int day);

// UTC offset in force in Paris at `utc`, in minutes (60 or 120).
int paris_offset_minutes(store::Micros utc);
LocalTime to_paris(store::Micros utc);
// The instant of a Paris wall-clock time. In the spring gap (02:00-03:00 does
// not exist) the time is read with the winter offset, so 02:30 is 03:30
// summer time; in the autumn overlap (02:00-03:00 happens twice) the first,
// summer-time occurrence is taken.
store::Micros from_paris(LocalTime t);

// "YYYY-MM-DDThh:mm" or "YYYY-MM-DDThh:mm:ss" (seconds ignored), no zone: a
// Paris wall-clock time. nullopt when malformed or impossible.
std::optional<LocalTime> parse_local_time(std::string_view text);
// "YYYY-MM-DDThh:mm".
std::string format_local_time(LocalTime t);

}  // namespace parcours::directory
