// Search values at their precision (FHIR R4 §3.1.1.4 "search parameter
// types"): dates as the closed range of microseconds they cover, decimals
// with the range of their implicit precision, quantities in UCUM canonical
// units.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace parcours::search {

inline constexpr std::int64_t kMinMicros = std::numeric_limits<std::int64_t>::min();
inline constexpr std::int64_t kMaxMicros = std::numeric_limits<std::int64_t>::max();

// A closed range [low, high] of microseconds since the epoch, UTC.
struct DateRange {
  std::int64_t low = kMinMicros;
  std::int64_t high = kMaxMicros;
};

// "2024", "2024-03", "2024-03-15", "2024-03-15T10:30", "...T10:30:15",
// "...T10:30:15.123", with "Z" or "+02:00"; as the range the value covers at
// its precision (R4 §3.1.1.4.2: "2013-01-14" covers the whole day). Values
// with a time but no offset, and date-only values, are taken in UTC (a date
// carries no time zone; docs/decisions/search.md). nullopt when malformed.
std::optional<DateRange> date_range(std::string_view text);

// A decimal at its precision: "100" is [99.5, 100.5), "1.50" is
// [1.495, 1.505), "1e2" is [50, 150) (R4 §3.1.1.4.1 number). Bounds are the
// correctly rounded doubles of the exact decimal bounds.
struct DecimalRange {
  double value = 0;
  double low = 0;   // inclusive
  double high = 0;  // exclusive
};
std::optional<DecimalRange> decimal_range(std::string_view text);
// The correctly rounded double of a decimal text; nullopt when malformed.
std::optional<double> parse_decimal(std::string_view text);

// A quantity's unit in canonical form: UCUM units (system
// http://unitsofmeasure.org, or no system with a valid UCUM code) reduce to
// base units with a factor ("mg" -> "g" × 1e-3; "mmol/L" -> mol.m-3 form);
// others stay "system|code" with factor 1.
struct CanonicalUnit {
  std::string code;
  double factor = 1;
  bool ucum = false;
};
CanonicalUnit canonical_unit(std::string_view system, std::string_view code);

inline constexpr std::string_view kUcum = "http://unitsofmeasure.org";

}  // namespace parcours::search
