// Tests of the demo territory generator: French identifier keys, calendar,
// determinism, referential integrity, FHIR JSON hygiene, epidemiology.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "directory/codes.h"
#include "fhir/json.h"
#include "territory/calendar.h"
#include "territory/directory.h"
#include "territory/fhir_build.h"
#include "territory/generator.h"
#ifndef PARCOURS_TERRITORY_NO_VALIDATOR
#include "fhir/validator.h"
#include "support/content.h"
#endif

namespace parcours::territory {
namespace {

// --- Identifiers ------------------------------------------------------------

TEST(NirKey, HandComputedVectors) {
  // INSEE's textbook example "2 55 08 14 168 025 38":
  // 2550814168025 = 97 × 26297053278 + 59, key = 97 - 59 = 38.
  EXPECT_EQ(nir_key("2550814168025"), "38");
  // Man born July 1985 in Lille (59350), order 123:
  // 1850759350123 = 97 × 19079993300 + 23, key = 97 - 23 = 74.
  EXPECT_EQ(nir_key("1850759350123"), "74");
  // Born abroad (99 + country, Algeria 352): 1620599352045 = 97 × 16707209814
  // + 87, key = 10.
  EXPECT_EQ(nir_key("1620599352045"), "10");
}

TEST(NirKey, CorsicaCountsAs19And18) {
  // Ajaccio 2A004: 190052A004123 is computed as 1900519004123
  // = 97 × 19592979423 + 92, key = 97 - 92 = 05 (two digits, leading zero).
  EXPECT_EQ(nir_key("190052A004123"), "05");
  // Bastia 2B033: 268032B033012 → 2680318033012 = 97 × 27632144670 + 22,
  // key = 75.
  EXPECT_EQ(nir_key("268032B033012"), "75");
  EXPECT_TRUE(is_valid_nir("190052A00412305"));
  EXPECT_TRUE(is_valid_nir("268032B03301275"));
}

TEST(NirKey, Validation) {
  EXPECT_TRUE(is_valid_nir("255081416802538"));
  EXPECT_FALSE(is_valid_nir("255081416802539"));  // wrong key
  EXPECT_FALSE(is_valid_nir("355081416802538"));  // sex digit must be 1 or 2
  EXPECT_FALSE(is_valid_nir("25508141680253"));   // too short
  EXPECT_FALSE(is_valid_nir("2550814X6802538"));  // not a digit
  EXPECT_FALSE(is_valid_nir("1900529A0041235"));  // letter outside the département
  EXPECT_EQ(nir_key("12345"), "");
}

TEST(Rpps, LuhnKey) {
  // The classic Luhn example 7992739871 → check digit 3.
  EXPECT_EQ(rpps_with_key("7992739871"), "79927398713");
  EXPECT_TRUE(is_valid_rpps("79927398713"));
  EXPECT_FALSE(is_valid_rpps("79927398710"));
  EXPECT_FALSE(is_valid_rpps("7992739871"));   // 10 digits
  EXPECT_FALSE(is_valid_rpps("7992739871a"));  // not digits
  EXPECT_EQ(rpps_with_key("123"), "");
  // Every generated key validates, for any payload.
  for (int i = 0; i < 1000; ++i) {
    const std::string first10 = "10" + std::to_string(10000000 + i * 7919);
    EXPECT_TRUE(is_valid_rpps(rpps_with_key(first10))) << first10;
  }
}

TEST(Finess, LuhnKeyOnFirstEight) {
  // CHU de Lille (EJ 590780193) and AP-HP (750712184), real FINESS numbers:
  // 5 9 0 7 8 0 1 9 → doubled from the right: 9→18→9, 1, 0, 8, 7→14→5, 0,
  // 9→18→9, 5; sum 37, key (10 - 7) = 3.
  EXPECT_TRUE(is_valid_finess("590780193"));
  EXPECT_EQ(finess_with_key("59078019"), "590780193");
  EXPECT_TRUE(is_valid_finess("750712184"));
  EXPECT_FALSE(is_valid_finess("590780194"));
  EXPECT_FALSE(is_valid_finess("59078019"));
  EXPECT_FALSE(is_valid_finess("2A0780193"));
}

// --- Calendar ---------------------------------------------------------------

TEST(Calendar, CivilRoundTripAndWeekday) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
  EXPECT_EQ(iso_weekday(days_from_civil(2026, 11, 1)), 6);  // a Sunday
  for (std::int64_t d = -80000; d < 40000; d += 37) {
    const CivilDate c = civil_from_days(d);
    EXPECT_EQ(days_from_civil(c.year, c.month, c.day), d);
  }
  EXPECT_EQ(fhir_date(days_from_civil(1948, 2, 29)), "1948-02-29");
  EXPECT_EQ(age_at(days_from_civil(1950, 11, 2), days_from_civil(2026, 11, 1)), 75);
  EXPECT_EQ(age_at(days_from_civil(1950, 11, 1), days_from_civil(2026, 11, 1)), 76);
}

TEST(Calendar, FrenchSummerTime) {
  // 2026: summer time from Sunday 29 March to Sunday 25 October.
  EXPECT_EQ(fhir_datetime(days_from_civil(2026, 3, 28), 600), "2026-03-28T10:00:00+01:00");
  EXPECT_EQ(fhir_datetime(days_from_civil(2026, 3, 29), 600), "2026-03-29T10:00:00+02:00");
  EXPECT_EQ(fhir_datetime(days_from_civil(2026, 10, 24), 510), "2026-10-24T08:30:00+02:00");
  EXPECT_EQ(fhir_datetime(days_from_civil(2026, 10, 25), 510), "2026-10-25T08:30:00+01:00");
  EXPECT_EQ(french_date(days_from_civil(2026, 3, 9)), "09/03/2026");
}

TEST(Calendar, EasterAndFrenchPublicHolidays) {
  // Easter Sundays from the published tables.
  EXPECT_EQ(fhir_date(easter_sunday(2024)), "2024-03-31");
  EXPECT_EQ(fhir_date(easter_sunday(2025)), "2025-04-20");
  EXPECT_EQ(fhir_date(easter_sunday(2026)), "2026-04-05");
  EXPECT_EQ(fhir_date(easter_sunday(2027)), "2027-03-28");
  EXPECT_EQ(fhir_date(easter_sunday(2038)), "2038-04-25");  // the latest possible date
  const std::vector<Holiday> h = french_public_holidays(2027);
  ASSERT_EQ(h.size(), 11u);
  std::vector<std::string> dates;
  for (const Holiday& d : h) dates.push_back(fhir_date(d.day));
  // Ascension (6 May) comes before 8 May in 2027: the list is in date order.
  EXPECT_EQ(dates, (std::vector<std::string>{"2027-01-01", "2027-03-29", "2027-05-01", "2027-05-06",
                                             "2027-05-08", "2027-05-17", "2027-07-14", "2027-08-15",
                                             "2027-11-01", "2027-11-11", "2027-12-25"}));
  EXPECT_EQ(h[3].name, "Ascension");
  EXPECT_EQ(h[5].name, "Lundi de Pentecôte");
}

// --- Generated territory ------------------------------------------------------

struct Territory {
  std::vector<Json> resources;
  TerritoryStats stats;
};

Territory generate(std::int64_t patients, std::uint64_t seed) {
  Territory t;
  t.stats = generate_territory({patients, seed}, [&](Json&& r) { t.resources.push_back(std::move(r)); });
  return t;
}

const Territory& small_territory() {
  static const Territory t = generate(300, 42);
  return t;
}

std::string dump_all(std::int64_t patients, std::uint64_t seed) {
  std::string out;
  generate_territory({patients, seed}, [&](Json&& r) {
    r.dump_to(out);
    out.push_back('\n');
  });
  return out;
}

std::string key_of(const Json& r) {
  std::string k(r.get_string("resourceType"));
  k += '/';
  k += r.get_string("id");
  return k;
}

void walk(const Json& j, const std::string& path,
          const std::function<void(const Json&, const std::string&)>& f) {
  f(j, path);
  if (j.is_object())
    for (const auto& [k, v] : j.as_object()) walk(v, path + "." + k, f);
  if (j.is_array())
    for (std::size_t i = 0; i < j.as_array().size(); ++i)
      walk(j.as_array()[i], path + "[" + std::to_string(i) + "]", f);
}

const Json* first_with_system(const Json& r, std::string_view element, std::string_view system) {
  const Json* list = r.find(element);
  if (list == nullptr || !list->is_array()) return nullptr;
  for (const Json& i : list->as_array())
    if (i.get_string("system") == system) return &i;
  return nullptr;
}

TEST(Territory, DeterministicForSameSeedDifferentOtherwise) {
  const std::string a = dump_all(150, 7);
  const std::string b = dump_all(150, 7);
  const std::string c = dump_all(150, 8);
  EXPECT_EQ(a.size(), b.size());
  EXPECT_TRUE(a == b);
  EXPECT_FALSE(a == c);
}

TEST(Territory, StatsMatchTheStream) {
  const Territory& t = small_territory();
  EXPECT_EQ(t.stats.resources, static_cast<std::int64_t>(t.resources.size()));
  std::map<std::string, std::int64_t> counted;
  for (const Json& r : t.resources) ++counted[std::string(r.get_string("resourceType"))];
  EXPECT_EQ(counted, t.stats.by_type);
  EXPECT_EQ(t.stats.by_type.at("Patient"), 300);
  for (const char* type :
       {"Organization", "Location", "HealthcareService", "Practitioner", "PractitionerRole", "Condition",
        "CareTeam", "Encounter", "Observation", "MedicationRequest", "DocumentReference"})
    EXPECT_GT(t.stats.by_type.count(type), 0u) << type;
}

TEST(Territory, IdsAreValidAndUniqueAndReferencesPointBackwards) {
  const std::regex id_re("[A-Za-z0-9\\-\\.]{1,64}");
  std::set<std::string> seen;
  std::size_t references = 0;
  for (const Json& r : small_territory().resources) {
    ASSERT_TRUE(std::regex_match(std::string(r.get_string("id")), id_re)) << key_of(r);
    walk(r, std::string(r.get_string("resourceType")), [&](const Json& j, const std::string& path) {
      if (!j.is_object()) return;
      const Json* ref = j.find("reference");
      if (ref == nullptr || !ref->is_string()) return;
      ++references;
      EXPECT_EQ(seen.count(ref->as_string()), 1u) << key_of(r) << " " << path << " → " << ref->as_string();
    });
    EXPECT_TRUE(seen.insert(key_of(r)).second) << "duplicate " << key_of(r);
  }
  EXPECT_GT(references, small_territory().resources.size());
}

TEST(Territory, JsonHygiene) {
  // FHIR JSON: no empty strings, arrays or objects; dateTimes with a time
  // carry a timezone; decimals are plain JSON numbers.
  const std::regex date_time_re("\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}:\\d{2}(\\+|-)\\d{2}:\\d{2})?");
  const std::set<std::string> date_fields = {
      "birthDate", "onsetDateTime", "recordedDate", "effectiveDateTime", "authoredOn",
      "start",     "end",           "date",         "creation"};
  for (const Json& r : small_territory().resources) {
    walk(r, std::string(r.get_string("resourceType")), [&](const Json& j, const std::string& path) {
      if (j.is_string()) {
        EXPECT_FALSE(j.as_string().empty()) << key_of(r) << " " << path;
      }
      if (j.is_array()) {
        EXPECT_FALSE(j.as_array().empty()) << key_of(r) << " " << path;
      }
      if (j.is_object()) {
        EXPECT_FALSE(j.as_object().empty()) << key_of(r) << " " << path;
      }
      if (j.is_null()) ADD_FAILURE() << "null at " << key_of(r) << " " << path;
      const std::string field = path.substr(path.find_last_of('.') + 1);
      if (date_fields.count(field) && j.is_string()) {
        EXPECT_TRUE(std::regex_match(j.as_string(), date_time_re))
            << key_of(r) << " " << path << " " << j.as_string();
        // Nothing happens after the territory's "today", except the
        // closures the directory announces (notAvailable).
        if (path.find(".notAvailable") == std::string::npos) {
          EXPECT_LE(j.as_string().substr(0, 10), std::string(kReferenceDate)) << key_of(r) << " " << path;
        }
      }
    });
  }
}

TEST(Territory, ContactsFollowTheDiagnosis) {
  // An encounter never cites a condition diagnosed after it.
  std::map<std::string, std::string> onset;
  int checked = 0;
  for (const Json& r : small_territory().resources) {
    const std::string_view type = r.get_string("resourceType");
    if (type == "Condition") onset[key_of(r)] = std::string(r.get_string("onsetDateTime"));
    if (type != "Encounter" || r.find("reasonReference") == nullptr) continue;
    const std::string start(r.find("period")->get_string("start").substr(0, 10));
    for (const Json& reason : r.find("reasonReference")->as_array()) {
      EXPECT_LE(onset.at(std::string(reason.get_string("reference"))), start) << key_of(r);
      ++checked;
    }
  }
  EXPECT_GT(checked, 100);
}

TEST(Territory, DirectoryIdentifiersAreValid) {
  std::set<std::string> rpps, finess;
  for (const Json& r : small_territory().resources) {
    const std::string_view type = r.get_string("resourceType");
    if (type == "Organization") {
      const Json* id = first_with_system(r, "identifier", "urn:oid:1.2.250.1.71.4.2.2");
      ASSERT_NE(id, nullptr) << key_of(r);
      EXPECT_TRUE(is_valid_finess(id->get_string("value"))) << id->get_string("value");
      EXPECT_TRUE(finess.insert(std::string(id->get_string("value"))).second);
    }
    if (type == "Practitioner") {
      if (const Json* id = first_with_system(r, "identifier", "urn:oid:1.2.250.1.71.4.2.1")) {
        EXPECT_TRUE(is_valid_rpps(id->get_string("value"))) << id->get_string("value");
        EXPECT_TRUE(rpps.insert(std::string(id->get_string("value"))).second);
      } else {
        EXPECT_NE(first_with_system(r, "identifier", "https://parcours.example.fr/fhir/sid/professionnel"),
                  nullptr);
      }
    }
  }
  EXPECT_GT(rpps.size(), 10u);
}

// --- The resource directory (offer.h) ---------------------------------------

std::vector<Json> directory_of(std::int64_t patients, std::uint64_t seed) {
  std::vector<Json> out;
  build_directory(patients, seed, [&](Json&& r) { out.push_back(std::move(r)); });
  return out;
}

// The directory of a 60,000-inhabitant territory (no patients generated).
const std::vector<Json>& large_directory() {
  static const std::vector<Json> d = directory_of(60000, 42);
  return d;
}

std::vector<const Json*> of_type(const std::vector<Json>& all, std::string_view type) {
  std::vector<const Json*> out;
  for (const Json& r : all)
    if (r.get_string("resourceType") == type) out.push_back(&r);
  return out;
}

// The first code of `element` (a CodeableConcept or an array of them) in `system`.
std::string code_in(const Json& r, std::string_view element, std::string_view system) {
  const Json* e = r.find(element);
  if (!e) return {};
  std::vector<const Json*> concepts;
  if (e->is_array())
    for (const Json& c : e->as_array()) concepts.push_back(&c);
  else
    concepts.push_back(e);
  for (const Json* c : concepts)
    if (const Json* cs = c->find("coding"); cs && cs->is_array())
      for (const Json& x : cs->as_array())
        if (x.get_string("system") == system) return std::string(x.get_string("code"));
  return {};
}

std::optional<bool> accepting(const Json& r) {
  if (const Json* ext = r.find("extension"); ext && ext->is_array())
    for (const Json& e : ext->as_array())
      if (e.get_string("url") == directory::codes::kAcceptingNewPatients)
        return e.find("valueBoolean")->as_bool();
  return std::nullopt;
}

TEST(TerritoryDirectory, ServicesHaveHoursLanguagesAndAccessibility) {
  const auto services = of_type(large_directory(), "HealthcareService");
  ASSERT_GT(services.size(), 100u);
  std::set<std::string> types, ids;
  int with_access = 0, multilingual = 0, with_holidays = 0;
  for (const Json* s : services) {
    ids.insert(std::string(s->get_string("id")));
    const std::string type = code_in(*s, "type", kServiceType);
    EXPECT_FALSE(type.empty()) << key_of(*s);
    types.insert(type);
    EXPECT_FALSE(code_in(*s, "category", kServiceCategory).empty()) << key_of(*s);
    ASSERT_NE(s->find("availableTime"), nullptr) << key_of(*s);
    EXPECT_GT(s->find("availableTime")->size(), 0u);
    ASSERT_NE(s->find("communication"), nullptr) << key_of(*s);
    EXPECT_EQ(code_in(*s, "communication", kBcp47), "fr") << "French first: " << key_of(*s);
    multilingual += s->find("communication")->size() > 1 ? 1 : 0;
    with_access += code_in(*s, "characteristic", kAccessibility).empty() ? 0 : 1;
    with_holidays += s->find("notAvailable") ? 1 : 0;
    EXPECT_NE(s->find("appointmentRequired"), nullptr) << key_of(*s);
    EXPECT_NE(s->find("providedBy"), nullptr) << key_of(*s);
    EXPECT_NE(s->find("location"), nullptr) << key_of(*s);
  }
  EXPECT_EQ(ids.size(), services.size());
  // Every activity of the catalogue appears in a territory this size.
  EXPECT_EQ(types,
            (std::set<std::string>{
                "accueil-de-jour", "appui-coordination", "biologie", "consultation-specialisee",
                "hebergement-permanent", "hebergement-temporaire", "kinesitherapie", "maison-medicale-garde",
                "medecine-generale", "pharmacie", "soins-infirmiers", "ssiad", "urgences"}));
  EXPECT_GT(with_access, static_cast<int>(services.size()) / 2);
  EXPECT_GT(multilingual, static_cast<int>(services.size()) / 5);
  EXPECT_LT(multilingual, static_cast<int>(services.size()));
  EXPECT_GT(with_holidays, static_cast<int>(services.size()) / 3);
  // Sites carry their hours, type and accessibility too.
  int sites = 0;
  for (const Json* l : of_type(large_directory(), "Location")) {
    if (code_in(*l, "type", kRoleCode).empty()) continue;  // a commune (coverage area)
    ++sites;
    EXPECT_NE(l->find("hoursOfOperation"), nullptr) << key_of(*l);
  }
  EXPECT_GT(sites, 50);
}

TEST(TerritoryDirectory, CodesAreTheShippedOnes) {
  // The generator's URLs are the directory's (src/directory/codes.h).
  EXPECT_EQ(kServiceType, directory::codes::kServiceType);
  EXPECT_EQ(kAccessibility, directory::codes::kAccessibility);
  EXPECT_EQ(kAcceptingNewPatients, directory::codes::kAcceptingNewPatients);
  EXPECT_EQ(kAccessibilityExtension, directory::codes::kAccessibilityExtension);
  // Every local code used is defined, with the same display, by the
  // CodeSystem shipped in content/coordination/.
  std::map<std::string, std::map<std::string, std::string>> defined;
  for (const char* file : {"CodeSystem-type-service.json", "CodeSystem-accessibilite.json"}) {
    const Json cs = testing::shipped_json("coordination", file);
    for (const Json& c : cs.find("concept")->as_array())
      defined[std::string(cs.get_string("url"))][std::string(c.get_string("code"))] = c.get_string("display");
  }
  int checked = 0;
  for (const Json& r : large_directory())
    walk(r, key_of(r), [&](const Json& j, const std::string& path) {
      if (!j.is_object()) return;
      const std::string system(j.get_string("system"));
      if (!defined.count(system)) return;
      const std::string code(j.get_string("code"));
      ++checked;
      ASSERT_TRUE(defined[system].count(code)) << path << " " << code;
      EXPECT_EQ(defined[system][code], j.get_string("display")) << path;
    });
  EXPECT_GT(checked, 500);
  // The search parameters read the extension the generator writes.
  const Json sp = testing::shipped_json("coordination", "SearchParameter-accepte-nouveaux-patients.json");
  EXPECT_EQ(sp.get_string("code"), directory::codes::kAcceptingParam);
  EXPECT_NE(sp.get_string("expression").find(kAcceptingNewPatients), std::string_view::npos);
  EXPECT_EQ(testing::shipped_json("coordination", "SearchParameter-HealthcareService-langue.json")
                .get_string("code"),
            directory::codes::kLanguageParam);
  EXPECT_EQ(testing::shipped_json("coordination", "SearchParameter-HealthcareService-zone-couverte.json")
                .get_string("code"),
            directory::codes::kCoverageParam);
}

TEST(TerritoryDirectory, ManyGpsDoNotTakeNewPatients) {
  std::map<std::string, const Json*> services;
  for (const Json* s : of_type(large_directory(), "HealthcareService")) services[key_of(*s)] = s;
  int gps = 0, refusing = 0, linked = 0;
  for (const Json* r : of_type(large_directory(), "PractitionerRole")) {
    EXPECT_NE(r->find("availableTime"), nullptr) << key_of(*r);
    if (const Json* hs = r->find("healthcareService")) {
      const Json* s = services.at(std::string(hs->as_array()[0].get_string("reference")));
      EXPECT_EQ(s->find("providedBy")->get_string("reference"),
                r->find("organization")->get_string("reference"));
      ++linked;
    }
    if (code_in(*r, "specialty", kTreSpecialite) != "SM54") continue;
    ++gps;
    const auto a = accepting(*r);
    ASSERT_TRUE(a.has_value()) << key_of(*r);
    refusing += *a ? 0 : 1;
  }
  ASSERT_GT(gps, 40);
  EXPECT_GT(linked, gps);
  // DREES 2023: 65 % of GPs turn new patients away as médecin traitant.
  const double share = static_cast<double>(refusing) / gps;
  EXPECT_GT(share, 0.45) << refusing << "/" << gps;
  EXPECT_LT(share, 0.85) << refusing << "/" << gps;
  // A practice accepts when one of its GPs does: some practices still do.
  int open_practices = 0;
  for (const auto& [key, s] : services)
    if (code_in(*s, "type", kServiceType) == "medecine-generale" && accepting(*s).value_or(false))
      ++open_practices;
  EXPECT_GT(open_practices, 0);
}

TEST(TerritoryDirectory, OnCallAtNightAndClosedOnHolidays) {
  int on_call = 0, pharmacies = 0;
  for (const Json* s : of_type(large_directory(), "HealthcareService")) {
    const std::string type = code_in(*s, "type", kServiceType);
    if (type == "maison-medicale-garde") {
      ++on_call;
      // Weekday evenings until midnight, Sundays from 8:00; open on holidays.
      bool evening = false, sunday = false;
      for (const Json& t : s->find("availableTime")->as_array()) {
        evening = evening || (t.get_string("availableStartTime") == "20:00:00" &&
                              t.get_string("availableEndTime") == "00:00:00");
        sunday = sunday || (t.find("daysOfWeek")->as_array()[0].as_string() == "sun" &&
                            t.get_string("availableStartTime") == "08:00:00");
      }
      EXPECT_TRUE(evening && sunday) << key_of(*s);
      EXPECT_EQ(s->find("notAvailable"), nullptr) << key_of(*s);
    }
    if (type == "pharmacie") {
      ++pharmacies;
      bool christmas = false;
      for (const Json& n : s->find("notAvailable")->as_array()) {
        const Json* during = n.find("during");
        christmas = christmas || during->get_string("start") == "2026-12-25";
        // Announced closures lie within the coming year.
        EXPECT_GE(during->get_string("start"), std::string(kReferenceDate));
        EXPECT_LE(during->get_string("end"), std::string("2027-10-31"));
      }
      EXPECT_TRUE(christmas) << key_of(*s);
    }
  }
  EXPECT_GE(on_call, 5);
  EXPECT_GT(pharmacies, 10);
}

TEST(TerritoryDirectory, CoverageAreasAreCommunes) {
  std::map<std::string, const Json*> locations;
  for (const Json* l : of_type(large_directory(), "Location")) locations[key_of(*l)] = l;
  std::map<std::string, int> ssiad_per_commune;
  int dac_communes = 0;
  for (const Json* s : of_type(large_directory(), "HealthcareService")) {
    const Json* areas = s->find("coverageArea");
    if (!areas) continue;
    const std::string type = code_in(*s, "type", kServiceType);
    for (const Json& a : areas->as_array()) {
      const Json* l = locations.at(std::string(a.get_string("reference")));
      EXPECT_EQ(code_in(*l, "physicalType", kLocationPhysicalType), "jdn");
      EXPECT_NE(l->find("position"), nullptr);
      if (type == "ssiad") ++ssiad_per_commune[std::string(a.get_string("reference"))];
      if (type == "appui-coordination") ++dac_communes;
    }
  }
  // Each commune has exactly one SSIAD; the DAC covers them all.
  EXPECT_EQ(ssiad_per_commune.size(), static_cast<std::size_t>(dac_communes));
  for (const auto& [commune, n] : ssiad_per_commune) EXPECT_EQ(n, 1) << commune;
  EXPECT_GT(dac_communes, 50);
}

TEST(TerritoryDirectory, DeterministicAndSmallNextToThePatients) {
  std::string a, b;
  for (const Json& r : directory_of(20000, 5)) a += r.dump() + "\n";
  for (const Json& r : directory_of(20000, 5)) b += r.dump() + "\n";
  EXPECT_TRUE(a == b);
  // 100,000 inhabitants: a few thousand directory resources against
  // millions for the patients.
  std::map<std::string, int> counts;
  build_directory(100000, 42, [&](Json&& r) { ++counts[std::string(r.get_string("resourceType"))]; });
  EXPECT_LT(counts["HealthcareService"], 1000);
  int total = 0;
  for (const auto& [type, n] : counts) total += n;
  EXPECT_LT(total, 5000);  // ~0.1 % of the patients' ~3.5 million resources
}

TEST(Territory, PatientsHaveGpAndConsistentNir) {
  std::set<std::string> practitioners, nirs;
  int patients = 0;
  for (const Json& r : small_territory().resources) {
    if (r.get_string("resourceType") == "Practitioner") practitioners.insert(key_of(r));
    if (r.get_string("resourceType") != "Patient") continue;
    ++patients;
    const Json* gps = r.find("generalPractitioner");
    ASSERT_TRUE(gps != nullptr && gps->size() == 1) << key_of(r);
    EXPECT_EQ(practitioners.count(std::string(gps->as_array()[0].get_string("reference"))), 1u);

    const Json* ins = first_with_system(r, "identifier", "urn:oid:1.2.250.1.213.1.4.8");
    ASSERT_NE(ins, nullptr);
    const std::string nir(ins->get_string("value"));
    EXPECT_TRUE(is_valid_nir(nir)) << nir;
    EXPECT_TRUE(nirs.insert(nir).second) << "duplicate NIR " << nir;
    const std::string birth(r.get_string("birthDate"));
    EXPECT_EQ(nir[0], r.get_string("gender") == "female" ? '2' : '1') << nir;
    EXPECT_EQ(nir.substr(1, 2), birth.substr(2, 2)) << nir << " " << birth;
    EXPECT_EQ(nir.substr(3, 2), birth.substr(5, 2)) << nir << " " << birth;
    // Birthplace: positions 6-10 are the INSEE code of the birth commune
    // ("20" for Corsica before 1976), or 99 + country.
    const Json* place = r.find("extension")->as_array()[0].find("valueAddress");
    if (const Json* ext = place->find("extension")) {
      std::string insee(ext->as_array()[0].find("valueCoding")->get_string("code"));
      if (insee[1] == 'A' || insee[1] == 'B') {
        if (birth < "1976") insee[1] = '0';
      }
      EXPECT_EQ(nir.substr(5, 5), insee) << nir;
    } else {
      EXPECT_EQ(nir.substr(5, 2), "99") << nir;
    }
  }
  EXPECT_EQ(patients, 300);
}

TEST(Territory, PrevalenceWithinFrenchBands) {
  std::int64_t patients = 0, old = 0;
  std::map<std::string, std::set<std::string>> by_code;  // CIM-10 category → patients
  std::map<std::string, std::int64_t> ald;
  std::set<std::string> old_ids;
  std::map<std::string, std::set<std::string>> old_by_code;
  generate_territory({5000, 2024}, [&](Json&& r) {
    const std::string_view type = r.get_string("resourceType");
    if (type == "Patient") {
      ++patients;
      if (r.get_string("birthDate") <= "1951-11-01") {
        ++old;
        old_ids.insert(key_of(r));
      }
    } else if (type == "Condition") {
      const std::string subject(r.find("subject")->get_string("reference"));
      const std::string code(r.find("code")->find("coding")->as_array()[0].get_string("code").substr(0, 3));
      by_code[code].insert(subject);
      if (old_ids.count(subject)) old_by_code[code].insert(subject);
      for (const Json& c : r.find("category")->as_array())
        if (c.find("coding")->as_array()[0].get_string("system") ==
            "https://parcours.example.fr/fhir/CodeSystem/ald")
          ++ald[std::string(c.find("coding")->as_array()[0].get_string("code"))];
    }
  });
  auto pct = [&](std::string_view code) {
    return 100.0 * static_cast<double>(by_code[std::string(code)].size()) / patients;
  };
  auto old_pct = [&](std::string_view code) {
    return 100.0 * static_cast<double>(old_by_code[std::string(code)].size()) / static_cast<double>(old);
  };
  // Whole population (France: diabète traité ~5.5 %, IC ~2 %, démences ~1.2 %).
  EXPECT_GT(pct("E11"), 4.0);
  EXPECT_LT(pct("E11"), 7.5);
  EXPECT_GT(pct("I50"), 1.0);
  EXPECT_LT(pct("I50"), 3.0);
  EXPECT_GT(pct("J44"), 1.0);
  EXPECT_LT(pct("J44"), 3.5);
  EXPECT_GT(pct("N18"), 1.0);
  EXPECT_LT(pct("N18"), 4.0);
  EXPECT_GT(pct("G30") + pct("F03"), 0.6);
  EXPECT_LT(pct("G30") + pct("F03"), 2.0);
  EXPECT_GT(pct("G20"), 0.1);
  EXPECT_LT(pct("G20"), 0.7);
  EXPECT_GT(pct("I10"), 11.0);
  EXPECT_LT(pct("I10"), 21.0);
  // Steep rise with age: among the 75 and over.
  EXPECT_GT(old_pct("E11"), 11.0);
  EXPECT_GT(old_pct("I50"), 5.0);
  EXPECT_GT(old_pct("G30") + old_pct("F03"), 3.0);
  // ALD: diabetes (ALD 8) is the most frequent exonerating condition.
  EXPECT_GT(ald["8"], ald["5"]);
  EXPECT_GT(ald["8"], ald["15"]);
}

TEST(Territory, HeartFailureTelemonitoringHasAlertSeries) {
  // Daily home weights; some series gain 2 kg or more within 3 days.
  std::map<std::string, std::vector<std::pair<std::string, double>>> series;
  generate_territory({3000, 11}, [&](Json&& r) {
    if (r.get_string("resourceType") != "Observation" || r.find("note") == nullptr) return;
    EXPECT_EQ(r.find("code")->find("coding")->as_array()[0].get_string("code"), "29463-7");
    const Json* q = r.find("valueQuantity");
    EXPECT_EQ(q->get_string("system"), "http://unitsofmeasure.org");
    EXPECT_EQ(q->get_string("code"), "kg");
    series[std::string(r.find("subject")->get_string("reference"))].emplace_back(
        std::string(r.get_string("effectiveDateTime")), *q->find("value")->to_double());
  });
  ASSERT_GT(series.size(), 5u);
  int alerts = 0;
  for (const auto& [patient, points] : series) {
    EXPECT_GE(points.size(), 35u) << patient;
    bool alert = false;
    for (std::size_t i = 3; i < points.size(); ++i)
      alert = alert || points[i].second - points[i - 3].second >= 2.0;
    alerts += alert ? 1 : 0;
  }
  EXPECT_GT(alerts, 0);
  EXPECT_LT(alerts, static_cast<int>(series.size()));
}

TEST(Territory, ResourcesPerPatientInExpectedRange) {
  const Territory& t = small_territory();
  std::int64_t directory = 0;
  for (const char* type :
       {"Organization", "Location", "HealthcareService", "Practitioner", "PractitionerRole"})
    directory += t.stats.by_type.at(type);
  const double per_patient = static_cast<double>(t.stats.resources - directory) / 300.0;
  EXPECT_GT(per_patient, 20.0);
  EXPECT_LT(per_patient, 60.0);
}

#ifndef PARCOURS_TERRITORY_NO_VALIDATOR
TEST(Territory, EveryResourceValidates) {
  // The validator does catch a broken resource (so "no issue" means something).
  Json broken = small_territory().resources.back();
  broken.set("valueQuantityTypo", Json(1));
  EXPECT_FALSE(fhir::validate_resource(broken).empty());
  int failures = 0;
  for (const Json& r : small_territory().resources) {
    const std::vector<Issue> issues = fhir::validate_resource(r);
    for (const Issue& i : issues) {
      if (i.severity != "error" && i.severity != "fatal") continue;
      if (++failures <= 20) ADD_FAILURE() << key_of(r) << ": " << i.diagnostics << " at " << i.expression;
    }
  }
  EXPECT_EQ(failures, 0);
}

TEST(TerritoryDirectory, EveryResourceValidates) {
  // The large directory has every kind of service (the small territory may not).
  int failures = 0;
  for (const Json& r : large_directory())
    for (const Issue& i : fhir::validate_resource(r)) {
      if (i.severity != "error" && i.severity != "fatal") continue;
      if (++failures <= 20) ADD_FAILURE() << key_of(r) << ": " << i.diagnostics << " at " << i.expression;
    }
  EXPECT_EQ(failures, 0);
}
#endif

}  // namespace
}  // namespace parcours::territory
