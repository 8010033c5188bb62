// The resource directory without a server: Paris civil time (EU summer-time
// rule), opening hours and closures, distances, the $find parameters, and
// the demo territory's services read through the same logic.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "directory/availability.h"
#include "directory/find.h"
#include "directory/geo.h"
#include "directory/paris_time.h"
#include "fhir/json.h"
#include "territory/directory.h"

namespace parcours::directory {
namespace {

store::Micros utc(std::string_view text) { return store::parse_instant(text).value(); }

LocalTime local(std::string_view text) {
  auto t = parse_local_time(text);
  EXPECT_TRUE(t.has_value()) << text;
  return t.value_or(LocalTime{});
}

Availability hours(std::string_view json) { return availability_of(parse_json(json).value()); }

bool open_at(const Availability& a, std::string_view when) { return is_open(a, local(when)); }

// --- Paris time ---------------------------------------------------------------

TEST(ParisTime, SummerTimeSwitchesAtOneUtc) {
  // 2026: last Sundays are 29 March and 25 October (Directive 2000/84/EC).
  EXPECT_EQ(paris_offset_minutes(utc("2026-03-29T00:59:59Z")), 60);
  EXPECT_EQ(paris_offset_minutes(utc("2026-03-29T01:00:00Z")), 120);
  EXPECT_EQ(paris_offset_minutes(utc("2026-10-25T00:59:59Z")), 120);
  EXPECT_EQ(paris_offset_minutes(utc("2026-10-25T01:00:00Z")), 60);
  EXPECT_EQ(paris_offset_minutes(utc("2027-03-28T01:00:00Z")), 120);  // 2027: 28 March
  EXPECT_EQ(paris_offset_minutes(utc("2027-03-27T12:00:00Z")), 60);
  EXPECT_EQ(paris_offset_minutes(utc("2026-01-15T12:00:00Z")), 60);
  EXPECT_EQ(paris_offset_minutes(utc("2026-07-15T12:00:00Z")), 120);
}

TEST(ParisTime, ToAndFromUtc) {
  EXPECT_EQ(format_local_time(to_paris(utc("2026-07-01T10:00:00Z"))), "2026-07-01T12:00");
  EXPECT_EQ(format_local_time(to_paris(utc("2026-12-31T23:30:00Z"))), "2027-01-01T00:30");
  EXPECT_EQ(format_local_time(to_paris(utc("1969-12-31T23:30:00Z"))), "1970-01-01T00:30");
  EXPECT_EQ(from_paris(local("2026-01-15T09:00")), utc("2026-01-15T08:00:00Z"));
  EXPECT_EQ(from_paris(local("2026-07-15T09:00")), utc("2026-07-15T07:00:00Z"));
  // Spring gap: 02:30 does not exist, read with the winter offset (= 03:30 CEST).
  EXPECT_EQ(from_paris(local("2026-03-29T02:30")), utc("2026-03-29T01:30:00Z"));
  EXPECT_EQ(from_paris(local("2026-03-29T03:00")), utc("2026-03-29T01:00:00Z"));
  // Autumn overlap: 02:30 happens twice; the first (summer) one is taken.
  EXPECT_EQ(from_paris(local("2026-10-25T02:30")), utc("2026-10-25T00:30:00Z"));
  EXPECT_EQ(from_paris(local("2026-10-25T03:00")), utc("2026-10-25T02:00:00Z"));
  // Round trip over a year, every 7 h 13 min.
  for (store::Micros t = utc("2026-01-01T00:00:00Z"); t < utc("2027-01-01T00:00:00Z");
       t += 433LL * 60'000'000) {
    const LocalTime l = to_paris(t);
    if (format_local_time(l).starts_with("2026-10-25T02"))
      continue;  // the repeated hour: its first pass is taken
    EXPECT_EQ(from_paris(l), t) << format_local_time(l);
  }
}

TEST(ParisTime, ParsingLocalTimes) {
  EXPECT_EQ(iso_weekday(local("2026-11-30T10:00").day), 0);  // a Monday
  EXPECT_EQ(iso_weekday(local("2026-11-29T10:00").day), 6);  // a Sunday
  EXPECT_EQ(local("2026-11-30T10:15:59").minute, 615);       // seconds ignored
  for (const char* bad : {"2026-02-30T10:00", "2026-11-30T24:00", "2026-11-30 10:00", "2026-11-30T10:00Z",
                          "2026-11-30", "2026-11-30T10:60", "26-11-30T10:00", ""})
    EXPECT_FALSE(parse_local_time(bad).has_value()) << bad;
}

// --- Opening hours --------------------------------------------------------------

TEST(OpeningHours, TimesOfDay) {
  EXPECT_EQ(parse_time_of_day("08:30:00"), 510);
  EXPECT_EQ(parse_time_of_day("08:30"), 510);
  EXPECT_EQ(parse_time_of_day("23:59:59.5"), 1439);
  EXPECT_EQ(parse_time_of_day("8:30"), -1);
  EXPECT_EQ(parse_time_of_day("24:00:00"), -1);
  EXPECT_EQ(parse_time_of_day("08h30"), -1);
}

TEST(OpeningHours, DaysAndHours) {
  const Availability a = hours(R"({"resourceType":"HealthcareService","availableTime":[
    {"daysOfWeek":["mon","tue","wed","thu","fri"],"availableStartTime":"09:00:00","availableEndTime":"12:00:00"},
    {"daysOfWeek":["sat"],"availableStartTime":"09:00:00","availableEndTime":"12:30:00"}]})");
  ASSERT_TRUE(a.known());
  EXPECT_TRUE(open_at(a, "2026-11-30T09:00"));  // Monday, opening minute
  EXPECT_TRUE(open_at(a, "2026-11-30T11:59"));
  EXPECT_FALSE(open_at(a, "2026-11-30T12:00"));  // closing minute excluded
  EXPECT_FALSE(open_at(a, "2026-11-30T08:59"));
  EXPECT_TRUE(open_at(a, "2026-12-05T12:15"));   // Saturday's own hours
  EXPECT_FALSE(open_at(a, "2026-12-04T12:15"));  // not on Friday
  EXPECT_FALSE(open_at(a, "2026-12-06T10:00"));  // Sunday
}

TEST(OpeningHours, AllDayAndEveryDay) {
  const Availability a = hours(R"({"resourceType":"HealthcareService","availableTime":[{"allDay":true}]})");
  EXPECT_TRUE(open_at(a, "2026-12-06T03:00"));
  EXPECT_TRUE(open_at(a, "2026-12-01T23:59"));
  // allDay wins over times; start/end alone mean those times every day.
  const Availability b = hours(R"({"resourceType":"PractitionerRole","availableTime":[
    {"daysOfWeek":["sun"],"allDay":true,"availableStartTime":"10:00:00","availableEndTime":"11:00:00"},
    {"availableStartTime":"14:00:00"}]})");
  EXPECT_TRUE(open_at(b, "2026-12-06T08:00"));
  EXPECT_TRUE(open_at(b, "2026-12-02T23:30"));  // from 14:00 to the end of the day
  EXPECT_FALSE(open_at(b, "2026-12-02T13:59"));
}

TEST(OpeningHours, MidnightAndNightShifts) {
  // "Maison médicale de garde": until midnight, written 00:00:00.
  const Availability evening = hours(R"({"resourceType":"HealthcareService","availableTime":[
    {"daysOfWeek":["mon","tue","wed","thu","fri"],"availableStartTime":"20:00:00","availableEndTime":"00:00:00"}]})");
  EXPECT_TRUE(open_at(evening, "2026-12-01T23:59"));
  EXPECT_FALSE(open_at(evening, "2026-12-02T00:00"));  // midnight ends the evening, no spill-over
  EXPECT_FALSE(open_at(evening, "2026-12-05T21:00"));  // Saturday
  // A night shift past midnight belongs to the day it starts.
  const Availability night = hours(R"({"resourceType":"HealthcareService","availableTime":[
    {"daysOfWeek":["fri"],"availableStartTime":"20:00:00","availableEndTime":"08:00:00"}]})");
  EXPECT_TRUE(open_at(night, "2026-12-04T20:00"));  // Friday evening
  EXPECT_TRUE(open_at(night, "2026-12-05T07:59"));  // Saturday before 8:00
  EXPECT_FALSE(open_at(night, "2026-12-05T08:00"));
  EXPECT_FALSE(open_at(night, "2026-12-04T07:00"));  // Thursday night was not on
  EXPECT_FALSE(open_at(night, "2026-12-05T20:30"));  // Saturday evening
  // Sunday night into Monday wraps the week.
  const Availability sunday = hours(R"({"resourceType":"HealthcareService","availableTime":[
    {"daysOfWeek":["sun"],"availableStartTime":"22:00:00","availableEndTime":"06:00:00"}]})");
  EXPECT_TRUE(open_at(sunday, "2026-11-30T05:00"));  // Monday morning
}

TEST(OpeningHours, ClosuresOnDaysAndAtInstants) {
  const Availability a = hours(R"({"resourceType":"HealthcareService",
    "availableTime":[{"daysOfWeek":["mon","tue","wed","thu","fri"],"availableStartTime":"08:00:00","availableEndTime":"19:00:00"}],
    "notAvailable":[
      {"description":"Jour férié : Noël","during":{"start":"2026-12-25","end":"2026-12-25"}},
      {"description":"Réunion d'équipe","during":{"start":"2026-11-30T12:00:00+01:00","end":"2026-11-30T14:00:00+01:00"}},
      {"description":"Congés","during":{"start":"2027-08"}},
      {"description":"Sans période : ne ferme rien"}]})");
  ASSERT_EQ(a.closures.size(), 3u);
  EXPECT_TRUE(open_at(a, "2026-12-24T18:00"));
  EXPECT_FALSE(open_at(a, "2026-12-25T08:00"));  // a FHIR date: the whole Paris day
  EXPECT_FALSE(open_at(a, "2026-12-25T18:59"));
  EXPECT_TRUE(open_at(a, "2026-12-28T08:00"));
  EXPECT_TRUE(open_at(a, "2026-11-30T11:59"));
  EXPECT_FALSE(open_at(a, "2026-11-30T12:00"));
  EXPECT_FALSE(open_at(a, "2026-11-30T14:00"));  // a Period's end is included (to the second)
  EXPECT_TRUE(open_at(a, "2026-11-30T14:01"));
  EXPECT_TRUE(open_at(a, "2027-07-30T10:00"));
  EXPECT_FALSE(open_at(a, "2027-08-02T10:00"));  // open-ended from August 2027
  EXPECT_FALSE(open_at(a, "2030-01-07T10:00"));
}

TEST(OpeningHours, ClosuresOnSummerTimeChangeDays) {
  const char* kSundays = R"({"resourceType":"HealthcareService",
    "availableTime":[{"daysOfWeek":["sun"],"availableStartTime":"08:00:00","availableEndTime":"12:00:00"}],
    "notAvailable":[
      {"description":"Coupure","during":{"start":"2026-03-29T07:30:00Z","end":"2026-03-29T08:29:59Z"}},
      {"description":"Coupure","during":{"start":"2026-10-25T08:30:00Z","end":"2026-10-25T09:29:59Z"}}]})";
  const Availability a = hours(kSundays);
  // 29 March, summer time since 03:00: 07:30Z-08:30Z is 09:30-10:30 in Paris.
  EXPECT_TRUE(open_at(a, "2026-03-29T09:29"));
  EXPECT_FALSE(open_at(a, "2026-03-29T09:30"));
  EXPECT_FALSE(open_at(a, "2026-03-29T10:29"));
  EXPECT_TRUE(open_at(a, "2026-03-29T10:30"));
  // 25 October, winter time since 03:00: 08:30Z-09:30Z is 09:30-10:30.
  EXPECT_TRUE(open_at(a, "2026-10-25T09:29"));
  EXPECT_FALSE(open_at(a, "2026-10-25T10:00"));
  EXPECT_TRUE(open_at(a, "2026-10-25T10:30"));
  // A closure written as a date covers the whole Paris day, 23 hours on the
  // spring day and 25 on the autumn one.
  const Availability all_day = hours(R"({"resourceType":"HealthcareService","availableTime":[{"allDay":true}],
    "notAvailable":[{"description":"x","during":{"start":"2026-03-29","end":"2026-03-29"}},
                    {"description":"y","during":{"start":"2026-10-25","end":"2026-10-25"}}]})");
  EXPECT_TRUE(open_at(all_day, "2026-03-28T23:59"));
  EXPECT_FALSE(open_at(all_day, "2026-03-29T00:00"));
  EXPECT_FALSE(open_at(all_day, "2026-03-29T23:59"));
  EXPECT_TRUE(open_at(all_day, "2026-03-30T00:00"));
  EXPECT_FALSE(open_at(all_day, "2026-10-25T23:59"));
  EXPECT_TRUE(open_at(all_day, "2026-10-26T00:00"));
  auto spring = date_time_range("2026-03-29").value();
  auto autumn = date_time_range("2026-10-25").value();
  EXPECT_EQ(spring.last - spring.first, 23LL * 3600 * 1'000'000);
  EXPECT_EQ(autumn.last - autumn.first, 25LL * 3600 * 1'000'000);
  EXPECT_EQ(date_time_range("2026-12").value().first, utc("2026-11-30T23:00:00Z"));
  EXPECT_EQ(date_time_range("2026").value().last, utc("2026-12-31T23:00:00Z"));
  EXPECT_FALSE(date_time_range("2026-13").has_value());
  EXPECT_FALSE(date_time_range("2026-12-25T10:00:00").has_value());  // a dateTime needs its zone
}

TEST(OpeningHours, LocationsAndUnknownHours) {
  const Availability site = hours(R"({"resourceType":"Location","hoursOfOperation":[
    {"daysOfWeek":["mon"],"openingTime":"08:00:00","closingTime":"18:00:00"}]})");
  EXPECT_TRUE(open_at(site, "2026-11-30T17:00"));
  EXPECT_FALSE(open_at(site, "2026-12-01T17:00"));
  // No hours: never said open. A malformed entry is skipped, not read as "always".
  EXPECT_FALSE(hours(R"({"resourceType":"HealthcareService"})").known());
  const Availability typo = hours(R"({"resourceType":"HealthcareService","availableTime":[
    {"daysOfWeek":["lundi"],"allDay":true},{"daysOfWeek":["mon"],"availableStartTime":"8h"}]})");
  EXPECT_FALSE(typo.known());
  EXPECT_FALSE(is_open(typo, local("2026-11-30T10:00")));
}

// --- Distances ------------------------------------------------------------------

TEST(Distance, KnownCities) {
  const Position lille{50.6292, 3.0573}, roubaix{50.6942, 3.1746}, dunkerque{51.0343, 2.3768},
      paris{48.8566, 2.3522};
  // Straight-line distances between the town halls: Lille-Roubaix ~11 km,
  // Lille-Dunkerque ~66 km, Lille-Paris ~204 km.
  EXPECT_NEAR(distance_km(lille, roubaix), 11.0, 0.3);
  EXPECT_NEAR(distance_km(lille, dunkerque), 65.7, 0.5);
  EXPECT_NEAR(distance_km(lille, paris), 203.5, 1.0);
  EXPECT_DOUBLE_EQ(distance_km(lille, roubaix), distance_km(roubaix, lille));
  EXPECT_DOUBLE_EQ(distance_km(lille, lille), 0.0);
  // A degree of latitude is ~111.2 km everywhere.
  EXPECT_NEAR(distance_km({50, 3}, {51, 3}), 111.2, 0.1);
}

TEST(Distance, PositionsOfLocations) {
  auto p = position_of(parse_json(R"({"position":{"longitude":3.0573,"latitude":50.6292}})").value());
  ASSERT_TRUE(p.has_value());
  EXPECT_DOUBLE_EQ(p->latitude, 50.6292);
  EXPECT_DOUBLE_EQ(p->longitude, 3.0573);
  EXPECT_FALSE(position_of(parse_json(R"({"position":{"longitude":3.0}})").value()).has_value());
  EXPECT_FALSE(
      position_of(parse_json(R"({"position":{"longitude":3.0,"latitude":95}})").value()).has_value());
  EXPECT_FALSE(position_of(parse_json(R"({"name":"x"})").value()).has_value());
}

// --- $find parameters -------------------------------------------------------------

Result<FindRequest> parse(std::vector<search::Param> params) {
  return parse_find_request(params, utc("2026-11-30T09:00:00Z"));
}

std::string error_parameter(const Result<FindRequest>& r) {
  if (r.ok() || r.error().issues().empty()) return "(none)";
  EXPECT_EQ(r.error().status(), 400);
  return r.error().issues()[0].expression;
}

TEST(FindParameters, Translated) {
  auto r = parse({{"near", "50.63|3.06|500|m"},
                  {"specialty", "SM04"},
                  {"specialty", "SM30"},
                  {"accepting", "true"},
                  {"language", "nl"},
                  {"open", "now"},
                  {"_count", "5"},
                  {"_format", "json"}});
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_TRUE(r->near.has_value());
  EXPECT_DOUBLE_EQ(r->near->latitude, 50.63);
  EXPECT_DOUBLE_EQ(r->radius_km, 0.5);
  EXPECT_EQ(r->count, 5);
  ASSERT_TRUE(r->open.has_value());
  EXPECT_EQ(format_local_time(*r->open), "2026-11-30T10:00");  // 09:00 UTC in winter
  std::vector<std::string> filters;
  for (const auto& f : r->filters) filters.push_back(f.name + "=" + f.value);
  EXPECT_EQ(filters, (std::vector<std::string>{"specialty=SM04", "specialty=SM30",
                                               "accepte-nouveaux-patients=true", "langue=nl"}));
  EXPECT_EQ(r->applied.size(), 7u);  // _format is not part of the query
  auto miles = parse({{"near", "50.63|3.06|2|[mi_i]"}});
  ASSERT_TRUE(miles.ok());
  EXPECT_NEAR(miles->radius_km, 3.218688, 1e-9);
  auto defaults = parse({{"near", "50.63|3.06"}});
  ASSERT_TRUE(defaults.ok());
  EXPECT_DOUBLE_EQ(defaults->radius_km, kDefaultRadiusKm);
  EXPECT_EQ(defaults->count, kDefaultCount);
  EXPECT_FALSE(defaults->open.has_value());
}

TEST(FindParameters, ErrorsNameTheParameter) {
  EXPECT_EQ(error_parameter(parse({{"near", "50.63"}})), "near");
  EXPECT_EQ(error_parameter(parse({{"near", "north|3.06|5"}})), "near");
  EXPECT_EQ(error_parameter(parse({{"near", "95|3.06|5"}})), "near");
  EXPECT_EQ(error_parameter(parse({{"near", "50.63|3.06|-5"}})), "near");
  EXPECT_EQ(error_parameter(parse({{"near", "50.63|3.06|5|furlong"}})), "near");
  EXPECT_EQ(error_parameter(parse({{"near", "50.63|3.06|300|km"}})), "near");
  EXPECT_EQ(error_parameter(parse({{"open", "samedi matin"}})), "open");
  EXPECT_EQ(error_parameter(parse({{"open", "2026-11-30T10:00+01:00"}})), "open");
  EXPECT_EQ(error_parameter(parse({{"open", "2026-11-30T10:00"}, {"open", "2026-11-30T11:00"}})), "open");
  EXPECT_EQ(error_parameter(parse({{"accepting", "peut-être"}})), "accepting");
  EXPECT_EQ(error_parameter(parse({{"_count", "0"}})), "_count");
  EXPECT_EQ(error_parameter(parse({{"_count", "101"}})), "_count");
  EXPECT_EQ(error_parameter(parse({{"language", ""}})), "language");
  EXPECT_EQ(error_parameter(parse({{"distance", "5"}})), "distance");
  auto r = parse({{"open", "2026-11-30T25:00"}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("AAAA-MM-JJThh:mm"), std::string::npos) << r.error().message();
}

// --- The demo territory's directory, read through the same logic ------------------

TEST(GeneratedDirectory, OnCallAtNightPharmaciesClosedOnHolidays) {
  std::vector<Json> services;
  territory::build_directory(20000, 42, [&](Json&& r) {
    if (r.get_string("resourceType") == "HealthcareService") services.push_back(std::move(r));
  });
  auto type_of = [](const Json& s) {
    return std::string(s.find("type")->as_array()[0].find("coding")->as_array()[0].get_string("code"));
  };
  int on_call = 0, pharmacies = 0, emergencies = 0;
  for (const Json& s : services) {
    const Availability a = availability_of(s);
    ASSERT_TRUE(a.known()) << s.get_string("id");
    const std::string type = type_of(s);
    if (type == "maison-medicale-garde") {
      ++on_call;
      EXPECT_TRUE(is_open(a, local("2026-12-01T22:30"))) << "Tuesday evening";
      EXPECT_FALSE(is_open(a, local("2026-12-01T10:00"))) << "Tuesday morning: the GPs' own practices";
      EXPECT_TRUE(is_open(a, local("2026-12-05T15:00"))) << "Saturday afternoon";
      EXPECT_TRUE(is_open(a, local("2026-11-29T10:00"))) << "Sunday";
      EXPECT_FALSE(is_open(a, local("2026-11-30T03:00"))) << "not at night after midnight";
    }
    if (type == "pharmacie") {
      ++pharmacies;
      EXPECT_TRUE(is_open(a, local("2026-12-24T10:00")));   // Thursday
      EXPECT_FALSE(is_open(a, local("2026-12-25T10:00")));  // Christmas (notAvailable)
      EXPECT_FALSE(is_open(a, local("2026-11-29T10:00")));  // Sunday
      EXPECT_TRUE(is_open(a, local("2026-11-28T18:00")));   // Saturday
    }
    if (type == "urgences") {
      ++emergencies;
      EXPECT_TRUE(is_open(a, local("2026-12-25T03:00")));
    }
  }
  EXPECT_GE(on_call, 5);
  EXPECT_GE(pharmacies, 5);
  EXPECT_GE(emergencies, 5);
}

}  // namespace
}  // namespace parcours::directory
