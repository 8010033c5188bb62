// The resource directory end to end, through the HTTP API of the real
// server: a small hand-written directory around Lille (put with the admin
// token), searched by an ordinary professional's token — R4 `near` on
// Location, the chains through it, the shipped search parameters
// (accepte-nouveaux-patients, langue, zone-couverte), and
// HealthcareService/$find (distance order, opening time in Paris, includes,
// errors, audit). Then the sample directory file of docs/examples/ through
// `parcours import`.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "fhir/json.h"
#include "support/world.h"

namespace parcours {
namespace {

using namespace testing;  // the world (support/world.h)

// The patient's home, near the Grand Place of Lille.
constexpr const char* kHome = "50.6310|3.0570";
constexpr const char* kAccepting =
    "https://parcours.example.fr/fhir/StructureDefinition/accepte-nouveaux-patients";

std::string location(const std::string& id, const std::string& name, double lat, double lon,
                     const std::string& extra = "") {
  return R"({"resourceType":"Location","id":")" + id + R"(","status":"active","name":")" + name +
         R"(","position":{"latitude":)" + std::to_string(lat) + R"(,"longitude":)" + std::to_string(lon) +
         "}" + extra + "}";
}

std::string organization(const std::string& id, const std::string& name) {
  return R"({"resourceType":"Organization","id":")" + id + R"(","active":true,"name":")" + name + R"("})";
}

std::string coded(const std::string& system, const std::string& code) {
  return R"([{"coding":[{"system":")" + system + R"(","code":")" + code + R"("}]}])";
}

constexpr const char* kTypeService = "https://parcours.example.fr/fhir/CodeSystem/type-service";
constexpr const char* kR38 =
    "https://mos.esante.gouv.fr/NOS/TRE_R38-SpecialiteOrdinale/FHIR/TRE-R38-SpecialiteOrdinale";
constexpr const char* kWeekdays = R"(["mon","tue","wed","thu","fri"])";

struct Service {
  std::string id, name, org, loc, type, specialty;
  std::string accepting;  // "", "true", "false"
  std::string languages;  // comma-separated BCP-47
  std::string hours;      // availableTime JSON array
  std::string extra;      // more members, starting with ','
};

std::string service_json(const Service& s) {
  std::string j = R"({"resourceType":"HealthcareService","id":")" + s.id + "\"";
  if (!s.accepting.empty())
    j += R"(,"extension":[{"url":")" + std::string(kAccepting) + R"(","valueBoolean":)" + s.accepting + "}]";
  j += R"(,"active":true,"providedBy":{"reference":"Organization/)" + s.org + R"("})";
  j += R"(,"type":)" + coded(kTypeService, s.type);
  if (!s.specialty.empty()) j += R"(,"specialty":)" + coded(kR38, s.specialty);
  j += R"(,"location":[{"reference":"Location/)" + s.loc + R"("}],"name":")" + s.name + "\"";
  std::string langs;
  std::size_t start = 0;
  while (start < s.languages.size()) {
    std::size_t comma = std::min(s.languages.find(',', start), s.languages.size());
    langs += std::string(langs.empty() ? "" : ",") + R"({"coding":[{"system":"urn:ietf:bcp:47","code":")" +
             s.languages.substr(start, comma - start) + R"("}]})";
    start = comma + 1;
  }
  if (!langs.empty()) j += R"(,"communication":[)" + langs + "]";
  if (!s.hours.empty()) j += R"(,"availableTime":)" + s.hours;
  return j + s.extra + "}";
}

// A small directory around Lille; distances from kHome: pharmacy 0.31 km,
// Wazemmes 0.74, CHU 2.84, Villeneuve-d'Ascq (an area the SSIAD covers)
// 6.81, Roubaix 10.87, the SSIAD's office 10.87, Dunkerque 65.5.
void load_directory(World& w) {
  w.put_text(location("loc-wazemmes", "MSP de Wazemmes", 50.6263, 3.0496));
  w.put_text(location("loc-chu", "Hôpital Claude-Huriez", 50.6100, 3.0340));
  w.put_text(location("loc-pharmacie", "Pharmacie du Beffroi", 50.6330, 3.0600,
                      R"(,"hoursOfOperation":[{"daysOfWeek":["mon","tue","wed","thu","fri","sat"],
                          "openingTime":"09:00:00","closingTime":"19:30:00"}])"));
  w.put_text(location("loc-roubaix", "MSP de Roubaix", 50.6942, 3.1746));
  w.put_text(location("loc-ssiad", "SSIAD de Roubaix", 50.6900, 3.1800));
  w.put_text(location(
      "loc-villeneuve", "Commune de Villeneuve-d'Ascq", 50.6324, 3.1535,
      R"(,"physicalType":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/location-physical-type","code":"jdn"}]})"));
  w.put_text(location("loc-dunkerque", "Pharmacie du Port", 51.0343, 2.3768));
  for (auto [id, name] :
       std::vector<std::pair<std::string, std::string>>{{"org-wazemmes", "Maison de santé de Wazemmes"},
                                                        {"org-chu", "CHU de Lille"},
                                                        {"org-pharmacie", "Pharmacie du Beffroi"},
                                                        {"org-roubaix", "Maison de santé de Roubaix"},
                                                        {"org-ssiad", "SSIAD de Roubaix"},
                                                        {"org-dunkerque", "Pharmacie du Port"}})
    w.put_text(organization(id, name));

  const std::string gp_hours =
      std::string(R"([{"daysOfWeek":)") + kWeekdays +
      R"(,"availableStartTime":"08:30:00","availableEndTime":"12:30:00"},{"daysOfWeek":)" + kWeekdays +
      R"(,"availableStartTime":"14:00:00","availableEndTime":"19:00:00"}])";
  const std::string pharmacy_hours =
      R"([{"daysOfWeek":["mon","tue","wed","thu","fri","sat"],"availableStartTime":"09:00:00","availableEndTime":"19:30:00"}])";
  const std::vector<Service> services = {
      {"hs-mg-wazemmes", "Médecine générale — Wazemmes", "org-wazemmes", "loc-wazemmes", "medecine-generale",
       "SM54", "false", "fr,en", gp_hours, ""},
      {"hs-mg-roubaix", "Médecine générale — Roubaix", "org-roubaix", "loc-roubaix", "medecine-generale",
       "SM54", "true", "fr,ar",
       std::string(R"([{"daysOfWeek":)") + kWeekdays +
           R"(,"availableStartTime":"08:00:00","availableEndTime":"20:00:00"}])",
       R"(,"notAvailable":[{"description":"Fermeture de fin d'année","during":{"start":"2026-12-24","end":"2026-12-31"}}])"},
      {"hs-cardio", "Consultations de cardiologie — CHU", "org-chu", "loc-chu", "consultation-specialisee",
       "SM04", "true", "fr,en,nl",
       std::string(R"([{"daysOfWeek":)") + kWeekdays +
           R"(,"availableStartTime":"08:30:00","availableEndTime":"17:30:00"}])",
       ""},
      {"hs-mmg", "Maison médicale de garde de Lille", "org-chu", "loc-chu", "maison-medicale-garde", "SM54",
       "", "fr",
       std::string(R"([{"daysOfWeek":)") + kWeekdays +
           R"(,"availableStartTime":"20:00:00","availableEndTime":"00:00:00"},
          {"daysOfWeek":["sat"],"availableStartTime":"12:00:00","availableEndTime":"00:00:00"},
          {"daysOfWeek":["sun"],"availableStartTime":"08:00:00","availableEndTime":"00:00:00"}])",
       ""},
      {"hs-pharmacie", "Pharmacie du Beffroi", "org-pharmacie", "loc-pharmacie", "pharmacie", "", "", "fr",
       pharmacy_hours,
       R"(,"notAvailable":[{"description":"Jour férié : Noël","during":{"start":"2026-12-25","end":"2026-12-25"}}])"},
      {"hs-pharmacie-dk", "Pharmacie du Port", "org-dunkerque", "loc-dunkerque", "pharmacie", "", "", "fr,nl",
       pharmacy_hours, ""},
      {"hs-ssiad", "SSIAD de Roubaix", "org-ssiad", "loc-ssiad", "ssiad", "", "true", "fr",
       R"([{"allDay":false,"availableStartTime":"07:00:00","availableEndTime":"20:00:00"}])",
       R"(,"coverageArea":[{"reference":"Location/loc-villeneuve"}])"},
      // The pharmacy's service without hours of its own: $find reads its site's.
      {"hs-pharmacie-conseil", "Conseil pharmaceutique", "org-pharmacie", "loc-pharmacie", "pharmacie", "",
       "", "fr", "", ""},
  };
  for (const Service& s : services) w.put_text(service_json(s));
  // A closed practice: not active, never found.
  Service closed{"hs-ferme", "Ancien cabinet", "org-wazemmes", "loc-wazemmes", "medecine-generale",
                 "SM54",     "true",           "fr",           gp_hours,       ""};
  std::string text = service_json(closed);
  text.replace(text.find(R"("active":true)"), 13, R"("active":false)");
  w.put_text(text);

  auto role = [&](const std::string& id, const std::string& specialty, const std::string& accepting,
                  const std::string& service, const std::string& org) {
    w.put_text(R"({"resourceType":"PractitionerRole","id":")" + id + R"(","extension":[{"url":")" +
               kAccepting + R"(","valueBoolean":)" + accepting +
               R"(}],"active":true,"organization":{"reference":"Organization/)" + org + R"("},"specialty":)" +
               coded(kR38, specialty) + R"(,"healthcareService":[{"reference":"HealthcareService/)" +
               service + R"("}]})");
  };
  role("prr-gp-1", "SM54", "false", "hs-mg-wazemmes", "org-wazemmes");
  role("prr-gp-2", "SM54", "true", "hs-mg-roubaix", "org-roubaix");
  role("prr-cardio", "SM04", "true", "hs-cardio", "org-chu");
}

struct Directory {
  World& w;
  Account user;
  std::string token;
  explicit Directory(World& world) : w(world) {
    load_directory(w);
    // Any authenticated user reads the directory (config/policy.conf).
    user = w.account("ide.annuaire", "professional",
                     {"--practitioner", "pr-ide", "--profession", "G15-60", "--rpps", "10000000001"});
    token = w.login(user).access;
  }
  Response get(const std::string& target) { return w.as(token, "GET", target); }
};

// The resource ids of the entries with search.mode `mode`, in order.
std::vector<std::string> ids(const Response& r, const std::string& mode = "match") {
  std::vector<std::string> out;
  Json b = J(r);
  if (const Json* e = b.find("entry"); e && e->is_array())
    for (const Json& x : e->as_array())
      if (x.find("search") && x.find("search")->get_string("mode") == mode)
        out.emplace_back(x.find("resource")->get_string("id"));
  return out;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

std::vector<double> distances(const Response& r) {
  std::vector<double> out;
  Json b = J(r);
  if (const Json* e = b.find("entry"); e && e->is_array())
    for (const Json& x : e->as_array()) {
      const Json* search = x.find("search");
      if (!search || search->get_string("mode") != "match") continue;
      const Json* ext = search->find("extension");
      if (!ext) {
        out.push_back(-1);
        continue;
      }
      const Json& d = ext->as_array()[0];
      EXPECT_EQ(d.get_string("url"), "http://hl7.org/fhir/StructureDefinition/location-distance");
      EXPECT_EQ(d.find("valueDistance")->get_string("code"), "km");
      out.push_back(*d.find("valueDistance")->find("value")->to_double());
    }
  return out;
}

TEST(Directory, NearFiltersLocationsByDistance) {
  World w;
  Directory d(w);
  auto near = [&](const std::string& q) {
    auto r = d.get("/fhir/Location?near=" + std::string(kHome) + q + "&_count=50");
    EXPECT_EQ(r.status, 200) << r.body;
    return sorted(ids(r));
  };
  EXPECT_EQ(near("|5|km"), (std::vector<std::string>{"loc-chu", "loc-pharmacie", "loc-wazemmes"}));
  EXPECT_EQ(near("|5"), near("|5|km")) << "km when the units are omitted";
  EXPECT_EQ(near("|5000|m"), near("|5|km"));
  EXPECT_EQ(near("|0.5|km"), (std::vector<std::string>{"loc-pharmacie"}));
  EXPECT_EQ(near("|8|km"),
            (std::vector<std::string>{"loc-chu", "loc-pharmacie", "loc-villeneuve", "loc-wazemmes"}));
  EXPECT_EQ(near("|15|km").size(), 6u);
  EXPECT_EQ(near("|100|km").size(), 7u) << "Dunkerque is 65 km away";
  EXPECT_EQ(near("|7|%5Bmi_i%5D"), near("|11.27|km"));
  // The services whose place is near, through the chain on location.
  auto chained =
      d.get("/fhir/HealthcareService?location.near=" + std::string(kHome) + "|5|km&specialty=SM54");
  ASSERT_EQ(chained.status, 200) << chained.body;
  EXPECT_EQ(sorted(ids(chained)), (std::vector<std::string>{"hs-ferme", "hs-mg-wazemmes", "hs-mmg"}));
  // ... and the other way round, from the Locations.
  auto rev = d.get("/fhir/Location?near=" + std::string(kHome) +
                   "|1|km&_revinclude=HealthcareService:location&_revinclude=PractitionerRole:location");
  ASSERT_EQ(rev.status, 200) << rev.body;
  EXPECT_EQ(sorted(ids(rev, "include")),
            (std::vector<std::string>{"hs-ferme", "hs-mg-wazemmes", "hs-pharmacie", "hs-pharmacie-conseil"}));
  // A service is near where it works or where it goes (coverage area).
  auto covering = d.get("/fhir/HealthcareService?zone-couverte.near=" + std::string(kHome) + "|8|km");
  ASSERT_EQ(covering.status, 200) << covering.body;
  EXPECT_EQ(ids(covering), (std::vector<std::string>{"hs-ssiad"}));
}

TEST(Directory, ShippedSearchParameters) {
  World w;
  Directory d(w);
  auto find = [&](const std::string& q) {
    auto r = d.get("/fhir/" + q);
    EXPECT_EQ(r.status, 200) << q << " " << r.body;
    return sorted(ids(r));
  };
  EXPECT_EQ(find("HealthcareService?accepte-nouveaux-patients=true&specialty=SM54&active=true"),
            (std::vector<std::string>{"hs-mg-roubaix"}));
  EXPECT_EQ(find("HealthcareService?accepte-nouveaux-patients=false"),
            (std::vector<std::string>{"hs-mg-wazemmes"}));
  EXPECT_EQ(find("PractitionerRole?accepte-nouveaux-patients=false&specialty=SM54"),
            (std::vector<std::string>{"prr-gp-1"}));
  EXPECT_EQ(find("PractitionerRole?accepte-nouveaux-patients=true"),
            (std::vector<std::string>{"prr-cardio", "prr-gp-2"}));
  EXPECT_EQ(find("HealthcareService?langue=nl"), (std::vector<std::string>{"hs-cardio", "hs-pharmacie-dk"}));
  EXPECT_EQ(find("HealthcareService?langue=urn:ietf:bcp:47|ar"), (std::vector<std::string>{"hs-mg-roubaix"}));
  EXPECT_EQ(find("HealthcareService?zone-couverte=Location/loc-villeneuve"),
            (std::vector<std::string>{"hs-ssiad"}));
  EXPECT_EQ(find("HealthcareService?service-type=" + std::string(kTypeService) + "|maison-medicale-garde"),
            (std::vector<std::string>{"hs-mmg"}));
  // In the CapabilityStatement, with the $find operation.
  Json cs = J(w.http().request("GET", "/fhir/metadata"));
  bool param = false, op = false;
  for (const Json& r : cs.find("rest")->as_array()[0].find("resource")->as_array()) {
    if (r.get_string("type") != "HealthcareService") continue;
    for (const Json& p : r.find("searchParam")->as_array())
      param = param || p.get_string("name") == "accepte-nouveaux-patients";
    if (const Json* ops = r.find("operation"))
      for (const Json& o : ops->as_array()) op = op || o.get_string("name") == "find";
  }
  EXPECT_TRUE(param);
  EXPECT_TRUE(op);
}

TEST(Directory, FindOrdersByDistanceWithLocationsAndOrganizations) {
  World w;
  Directory d(w);
  auto r = d.get("/fhir/HealthcareService/$find?near=" + std::string(kHome) + "|15|km");
  ASSERT_EQ(r.status, 200) << r.body;
  Json b = J(r);
  EXPECT_EQ(b.get_string("type"), "searchset");
  EXPECT_EQ(b.find("total")->to_int64(), 7);
  // Nearest first; equal distances by name ("Consultations…" before "Maison…");
  // the SSIAD by the commune it covers (6.8 km), not its office (10.9 km);
  // the inactive practice and Dunkerque's pharmacy are not there.
  EXPECT_EQ(ids(r), (std::vector<std::string>{"hs-pharmacie-conseil", "hs-pharmacie", "hs-mg-wazemmes",
                                              "hs-cardio", "hs-mmg", "hs-ssiad", "hs-mg-roubaix"}));
  const std::vector<double> km = distances(r);
  ASSERT_EQ(km.size(), 7u);
  EXPECT_NEAR(km[0], 0.31, 0.01);
  EXPECT_NEAR(km[2], 0.74, 0.01);
  EXPECT_NEAR(km[3], 2.84, 0.01);
  EXPECT_NEAR(km[5], 6.81, 0.01);
  EXPECT_NEAR(km[6], 10.87, 0.01);
  EXPECT_TRUE(std::is_sorted(km.begin(), km.end()));
  // Their places and organisations come along, once each.
  EXPECT_EQ(
      sorted(ids(r, "include")),
      (std::vector<std::string>{"loc-chu", "loc-pharmacie", "loc-roubaix", "loc-ssiad", "loc-wazemmes",
                                "org-chu", "org-pharmacie", "org-roubaix", "org-ssiad", "org-wazemmes"}));
  EXPECT_NE(b.find("link")->as_array()[0].get_string("url").find("HealthcareService/$find?near="),
            std::string::npos);

  // _count cuts the list, not the total.
  auto two = d.get("/fhir/HealthcareService/$find?near=" + std::string(kHome) + "|15&_count=2");
  EXPECT_EQ(ids(two), (std::vector<std::string>{"hs-pharmacie-conseil", "hs-pharmacie"}));
  EXPECT_EQ(J(two).find("total")->to_int64(), 7);
  // The SSIAD's area is 6.8 km away: out at 5 km, in at 8.
  EXPECT_EQ(ids(d.get("/fhir/HealthcareService/$find?near=" + std::string(kHome) + "|5")).size(), 5u);
  EXPECT_EQ(ids(d.get("/fhir/HealthcareService/$find?near=" + std::string(kHome) + "|8")).size(), 6u);
  // Filters: a GP who takes new patients; a Dutch-speaking service.
  EXPECT_EQ(ids(d.get("/fhir/HealthcareService/$find?near=" + std::string(kHome) +
                      "|15&specialty=SM54&accepting=true")),
            (std::vector<std::string>{"hs-mg-roubaix"}));
  EXPECT_EQ(ids(d.get("/fhir/HealthcareService/$find?near=" + std::string(kHome) + "|100&language=nl")),
            (std::vector<std::string>{"hs-cardio", "hs-pharmacie-dk"}));
  // Without near: every active service, by name, without distances.
  auto all = d.get("/fhir/HealthcareService/$find?service-type=" + std::string(kTypeService) + "|pharmacie");
  EXPECT_EQ(ids(all), (std::vector<std::string>{"hs-pharmacie-conseil", "hs-pharmacie", "hs-pharmacie-dk"}));
  EXPECT_EQ(distances(all), (std::vector<double>{-1, -1, -1}));
}

TEST(Directory, FindOpenAtAMomentInParisTime) {
  World w;
  Directory d(w);
  auto open = [&](const std::string& when) {
    auto r = d.get("/fhir/HealthcareService/$find?near=" + std::string(kHome) + "|15&open=" + when);
    EXPECT_EQ(r.status, 200) << when << " " << r.body;
    return sorted(ids(r));
  };
  // Monday 30 November 2026, 10:00: the daytime services.
  EXPECT_EQ(open("2026-11-30T10:00"),
            (std::vector<std::string>{"hs-cardio", "hs-mg-roubaix", "hs-mg-wazemmes", "hs-pharmacie",
                                      "hs-pharmacie-conseil", "hs-ssiad"}));
  // Tuesday evening at 21:00: only the on-call GPs ("maison médicale de garde").
  EXPECT_EQ(open("2026-12-01T21:00"), (std::vector<std::string>{"hs-mmg"}));
  EXPECT_EQ(open("2026-12-01T23:59"), (std::vector<std::string>{"hs-mmg"}));
  EXPECT_EQ(open("2026-12-02T00:30"), (std::vector<std::string>{}));
  // Sunday morning: on-call and the SSIAD (every day).
  EXPECT_EQ(open("2026-11-29T10:00"), (std::vector<std::string>{"hs-mmg", "hs-ssiad"}));
  // Christmas (a Friday): the pharmacy is closed (notAvailable), so is the
  // Roubaix practice (year-end closure); its advice service, with no hours
  // of its own, follows the site's hours and stays listed.
  EXPECT_EQ(open("2026-12-25T10:00"),
            (std::vector<std::string>{"hs-cardio", "hs-mg-wazemmes", "hs-pharmacie-conseil", "hs-ssiad"}));
  // 19:15 on a summer Monday is 19:15 in Paris (UTC+2), not in UTC.
  EXPECT_EQ(open("2027-07-05T19:15"),
            (std::vector<std::string>{"hs-mg-roubaix", "hs-pharmacie", "hs-pharmacie-conseil", "hs-ssiad"}));
  auto now = d.get("/fhir/HealthcareService/$find?open=now");
  EXPECT_EQ(now.status, 200) << now.body;
}

TEST(Directory, FindRefusesBadParametersAndIsAudited) {
  World w;
  Directory d(w);
  auto bad = [&](const std::string& query, const std::string& parameter) {
    auto r = d.get("/fhir/HealthcareService/$find?" + query);
    EXPECT_EQ(r.status, 400) << query << " " << r.body;
    EXPECT_EQ(J(r).get_string("resourceType"), "OperationOutcome");
    EXPECT_EQ(issue_expression(r), parameter) << query << " " << r.body;
  };
  bad("near=abc", "near");
  bad("near=50.63|3.06|10|miles", "near");
  bad("near=50.63|3.06|1000", "near");
  bad("open=demain", "open");
  bad("open=2026-11-30T10:00&open=2026-11-30T11:00", "open");
  bad("accepting=oui", "accepting");
  bad("_count=0", "_count");
  bad("ville=Lille", "ville");
  bad("specialty=a|b|c", "specialty");  // checked by the search engine
  auto post = w.as(d.token, "POST", "/fhir/HealthcareService/$find", "{}");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.header("Allow"), "GET, HEAD");
  EXPECT_EQ(w.http().request("GET", "/fhir/HealthcareService/$find?near=50.63|3.06").status, 401);

  // What the user saw is in the audit trail, as for any search.
  auto r = d.get("/fhir/HealthcareService/$find?near=" + std::string(kHome) + "|1");
  ASSERT_EQ(r.status, 200);
  auto seen = [](const std::string& trail) {
    return trail.find("HealthcareService/hs-pharmacie") != std::string::npos &&
           trail.find("Location/loc-pharmacie") != std::string::npos &&
           trail.find("ide.annuaire") != std::string::npos;
  };
  EXPECT_TRUE(seen(w.admin_when("/fhir/$audit?subtype=search&_count=100", seen).body));
}

TEST(Directory, SampleFileImports) {
  // docs/examples/annuaire-lille.ndjson: a realistic directory to start from.
  const std::string sample = std::string(PARCOURS_SOURCE_DIR) + "/docs/examples/annuaire-lille.ndjson";
  ASSERT_TRUE(std::filesystem::exists(sample)) << sample;
  TempDir dir;
  const std::string data = dir.path() + "/store";
  auto r = run_parcours({"import", "--data", data, sample});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(" 0 rejected"), std::string::npos) << r.output;
  ServerProcess server(data, "tok");
  HttpClient c("127.0.0.1", server.port());
  auto found =
      c.request("GET", "/fhir/HealthcareService/$find?near=50.6310|3.0570|10&specialty=SM54&accepting=true",
                "", {{"Authorization", "Bearer tok"}});
  ASSERT_EQ(found.status, 200) << found.body;
  EXPECT_FALSE(ids(found).empty()) << found.body;
  EXPECT_FALSE(ids(found, "include").empty());
  for (const char* type :
       {"Organization", "Location", "HealthcareService", "Practitioner", "PractitionerRole"})
    EXPECT_GT(J(c.request("GET", std::string("/fhir/") + type + "?_summary=count", "",
                          {{"Authorization", "Bearer tok"}}))
                  .find("total")
                  ->to_int64()
                  .value_or(0),
              0)
        << type;
  EXPECT_EQ(server.stop(), 0);
}

}  // namespace
}  // namespace parcours
