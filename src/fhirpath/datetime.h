// FHIRPath Date, DateTime and Time values (FHIRPath N1 §"Date, DateTime and
// Time"): partial values that keep their precision, comparison with the
// precision rules of N1 §6.1/§6.2, calendar-duration arithmetic (N1 §6.6,
// "Date/Time Arithmetic") and the 2.1 functions lowBoundary(),
// highBoundary() and precision().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fhirpath/decimal.h"

namespace parcours::fhirpath {

struct Temporal {
  enum class Kind : std::uint8_t { kDate, kDateTime, kTime };
  // kSecond and kFraction compare as one precision (N1 §6.1: "seconds and
  // milliseconds are considered a single precision using a decimal").
  enum class Precision : std::uint8_t { kYear, kMonth, kDay, kHour, kMinute, kSecond, kFraction };

  Kind kind = Kind::kDate;
  Precision precision = Precision::kYear;
  int year = 0;
  int month = 1;
  int day = 1;
  int hour = 0;
  int minute = 0;
  int second = 0;
  std::uint32_t nanos = 0;  // fraction of the second
  int fraction_digits = 0;  // digits written after '.', 1..9 at kFraction
  bool has_zone = false;
  bool zulu = false;  // written "Z"
  int zone_minutes = 0;
};

// Lexical forms without '@': "2015-02-04" (date), "2015-02-04T14:34:28.123+10:00"
// or "2015T" / "2015-02-04T14" (dateTime), "14:34:28.123" (time). FHIRPath
// literals allow partial times; FHIR data is a subset of these forms.
std::optional<Temporal> parse_date(std::string_view s);
std::optional<Temporal> parse_date_time(std::string_view s);  // also accepts a plain date: a DateTime
std::optional<Temporal> parse_time(std::string_view s);

// Canonical text at the value's precision (no '@').
std::string format(const Temporal& t);

// Ordering of two dates/times (a Date against a DateTime is read as a
// DateTime). nullopt when the result is unknown: the values agree up to the
// coarser precision, or only one of two times has a timezone.
std::optional<int> compare(const Temporal& a, const Temporal& b);
// Equivalence (~): same precision and equal; false otherwise.
bool equivalent(const Temporal& a, const Temporal& b);

// Calendar units of FHIRPath quantities (N1 §5.6.4 "Time-valued quantities").
enum class TimeUnit : std::uint8_t {
  kNone,
  kYear,
  kMonth,
  kWeek,
  kDay,
  kHour,
  kMinute,
  kSecond,
  kMillisecond
};
// The calendar keywords ("year", "days"...), also when quoted as units.
TimeUnit calendar_keyword(std::string_view unit);
// UCUM time units usable in date arithmetic: wk, d, h, min, s, ms. The
// definite-duration year and month ('a', 'mo') are not (N1 §6.6).
TimeUnit ucum_time_unit(std::string_view unit);

// t + amount unit. The amount is truncated to an integer and applied at the
// value's precision (N1 §6.6: "the time-valued quantity is converted to the
// precision of the date/time, truncating"). nullopt: the unit does not
// apply (a year to a Time) or the result leaves years 1..9999.
std::optional<Temporal> add(const Temporal& t, const Decimal& amount, TimeUnit unit);

// FHIRPath 2.1 lowBoundary()/highBoundary() with a precision in digits
// (Date 4/6/8; DateTime 4..17; Time 2..9); nullopt for other precisions.
std::optional<Temporal> low_boundary(const Temporal& t, std::optional<int> digits);
std::optional<Temporal> high_boundary(const Temporal& t, std::optional<int> digits);
// FHIRPath 2.1 precision(): 4, 6, 8, 10, 12, 14, 17 (dates); 2, 4, 6, 9 (times).
int precision_digits(const Temporal& t);

// The current instant as a DateTime at millisecond precision in the local
// timezone.
Temporal now_local();

}  // namespace parcours::fhirpath
