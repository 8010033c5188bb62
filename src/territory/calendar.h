// Civil dates as day numbers, and FHIR date/dateTime text in French local
// time. Dates are counted in days since 1970-01-01 (proleptic Gregorian).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace parcours::territory {

struct CivilDate {
  int year;
  int month;  // 1..12
  int day;    // 1..31
};

std::int64_t days_from_civil(int year, int month, int day);
CivilDate civil_from_days(std::int64_t days);
// 0 = Monday ... 6 = Sunday (ISO 8601).
int iso_weekday(std::int64_t days);
// Completed years between two dates.
int age_at(std::int64_t birth, std::int64_t on);

// "YYYY-MM-DD".
std::string fhir_date(std::int64_t days);
// "YYYY-MM-DDThh:mm:00+01:00" (or +02:00 in summer time). France follows
// the EU rule: summer time from the last Sunday of March to the last Sunday
// of October (Directive 2000/84/EC). Times are local wall-clock minutes,
// which the generator keeps between 06:00 and 22:00, away from the switch.
std::string fhir_datetime(std::int64_t days, int minute_of_day);
// "DD/MM/YYYY", the French way, for narrative text.
std::string french_date(std::int64_t days);

// Easter Sunday of a Gregorian year (the anonymous Gregorian computus of
// Meeus/Jones/Butcher).
std::int64_t easter_sunday(int year);

// The eleven public holidays of metropolitan France (Code du travail, art.
// L. 3133-1), Alsace-Moselle's two extra days aside, in date order.
struct Holiday {
  std::int64_t day;
  std::string_view name;  // "Noël", "Lundi de Pâques"...
};
std::vector<Holiday> french_public_holidays(int year);

}  // namespace parcours::territory
