#include "territory/calendar.h"

#include <algorithm>
#include <cstdio>

namespace parcours::territory {

// Day counting by 400-year eras (146,097 days each), with years starting in
// March so that the leap day is the last day of the counted year.
std::int64_t days_from_civil(int year, int month, int day) {
  const std::int64_t y = static_cast<std::int64_t>(year) - (month <= 2 ? 1 : 0);
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t year_of_era = y - era * 400;                            // [0, 399]
  const std::int64_t shifted_month = month > 2 ? month - 3 : month + 9;      // March = 0
  const std::int64_t day_of_year = (153 * shifted_month + 2) / 5 + day - 1;  // [0, 365]
  const std::int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;  // 719468: days from 0000-03-01 to 1970-01-01
}

CivilDate civil_from_days(std::int64_t days) {
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t day_of_era = z - era * 146097;
  const std::int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const std::int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const std::int64_t shifted_month = (5 * day_of_year + 2) / 153;
  const int day = static_cast<int>(day_of_year - (153 * shifted_month + 2) / 5 + 1);
  const int month = static_cast<int>(shifted_month < 10 ? shifted_month + 3 : shifted_month - 9);
  const int year = static_cast<int>(year_of_era + era * 400 + (month <= 2 ? 1 : 0));
  return {year, month, day};
}

int iso_weekday(std::int64_t days) {
  // 1970-01-01 was a Thursday (3).
  const std::int64_t w = (days + 3) % 7;
  return static_cast<int>(w < 0 ? w + 7 : w);
}

int age_at(std::int64_t birth, std::int64_t on) {
  const CivilDate b = civil_from_days(birth);
  const CivilDate d = civil_from_days(on);
  int age = d.year - b.year;
  if (d.month < b.month || (d.month == b.month && d.day < b.day)) --age;
  return age;
}

namespace {

std::int64_t last_sunday(int year, int month) {
  const std::int64_t last = days_from_civil(year, month, 31);  // March and October have 31 days
  return last - (iso_weekday(last) + 1) % 7;
}

bool summer_time(std::int64_t days) {
  const int year = civil_from_days(days).year;
  return days >= last_sunday(year, 3) && days < last_sunday(year, 10);
}

}  // namespace

std::string fhir_date(std::int64_t days) {
  const CivilDate d = civil_from_days(days);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
  return buf;
}

std::string fhir_datetime(std::int64_t days, int minute_of_day) {
  const CivilDate d = civil_from_days(days);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:00%s", d.year, d.month, d.day, minute_of_day / 60,
                minute_of_day % 60, summer_time(days) ? "+02:00" : "+01:00");
  return buf;
}

std::string french_date(std::int64_t days) {
  const CivilDate d = civil_from_days(days);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%02d/%02d/%04d", d.day, d.month, d.year);
  return buf;
}

std::int64_t easter_sunday(int year) {
  const int a = year % 19, b = year / 100, c = year % 100, d = b / 4, e = b % 4;
  const int f = (b + 8) / 25, g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30;
  const int i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7;
  const int m = (a + 11 * h + 22 * l) / 451;
  const int month = (h + l - 7 * m + 114) / 31, day = (h + l - 7 * m + 114) % 31 + 1;
  return days_from_civil(year, month, day);
}

std::vector<Holiday> french_public_holidays(int year) {
  const std::int64_t easter = easter_sunday(year);
  std::vector<Holiday> out = {
      {days_from_civil(year, 1, 1), "Jour de l'an"},
      {easter + 1, "Lundi de Pâques"},
      {days_from_civil(year, 5, 1), "Fête du Travail"},
      {days_from_civil(year, 5, 8), "Victoire 1945"},
      {easter + 39, "Ascension"},
      {easter + 50, "Lundi de Pentecôte"},
      {days_from_civil(year, 7, 14), "Fête nationale"},
      {days_from_civil(year, 8, 15), "Assomption"},
      {days_from_civil(year, 11, 1), "Toussaint"},
      {days_from_civil(year, 11, 11), "Armistice 1918"},
      {days_from_civil(year, 12, 25), "Noël"},
  };
  // Ascension may fall before 8 May, Whit Monday before or after it.
  std::sort(out.begin(), out.end(), [](const Holiday& x, const Holiday& y) { return x.day < y.day; });
  return out;
}

}  // namespace parcours::territory
