// The activity report of a coordination structure end to end: a small
// territory built through the HTTP API over six weeks of the test clock
// (dossiers moved through their statuses, assessments, a PPS proposed and
// validated, feedback read, late tasks), then every indicator checked by hand
// as a MeasureReport and as CSV, with the refusals and the audit.
#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>
#include <string>
#include <utility>
#include <vector>

#include "fhir/json.h"
#include "support/world.h"

namespace parcours {
namespace {

using namespace testing;  // the world (support/world.h)

constexpr std::int64_t kDay = 86'400;
constexpr const char* kLevels = "https://parcours.example.fr/fhir/CodeSystem/niveau-coordination";

std::string utc(std::int64_t unix_seconds, const char* format) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

// Days counted from the start of the test on the server's (shifted) clock.
struct Calendar {
  World& w;
  std::int64_t t0;
  int today = 0;
  explicit Calendar(World& world) : w(world), t0(world.now()) {}
  std::string at(int d) const { return utc(t0 + d * kDay, "%Y-%m-%dT%H:%M:%SZ"); }
  std::string day(int d) const { return utc(t0 + d * kDay, "%Y-%m-%d"); }
  void go(int d) {
    w.advance((d - today) * kDay);
    today = d;
  }
};

std::string level(const char* code) {
  return std::string(R"([{"coding":[{"system":")") + kLevels + R"(","code":")" + code + R"("}]}])";
}

// A coordination dossier, with its referral when `referred` is not empty.
void dossier(World& w, const std::string& id, const std::string& patient, const std::string& org,
             const std::string& status, const char* lvl, const std::string& manager,
             const std::string& referred, const std::string& period_start = "") {
  std::string sr;
  if (!referred.empty()) {
    w.put_text(R"({"resourceType":"ServiceRequest","id":"sr-)" + id +
               R"(","status":"active","intent":"order","subject":{"reference":"Patient/)" + patient +
               R"("},"authoredOn":")" + referred + R"(","performer":[{"reference":"Organization/)" + org +
               R"("}]})");
    sr = R"(,"referralRequest":[{"reference":"ServiceRequest/sr-)" + id + R"("}])";
  }
  w.put_text(R"({"resourceType":"EpisodeOfCare","id":")" + id + R"(","status":")" + status +
             R"(","patient":{"reference":"Patient/)" + patient +
             R"("},"managingOrganization":{"reference":"Organization/)" + org +
             R"("},"careManager":{"reference":"Practitioner/)" + manager + R"("},"type":)" + level(lvl) + sr +
             (period_start.empty() ? "" : R"(,"period":{"start":")" + period_start + R"("})") + "}");
}

void move(World& w, const std::string& id, const std::string& status, const char* reason = nullptr) {
  Json ep = J(w.admin("GET", "/fhir/EpisodeOfCare/" + id));
  ep.set("status", status);
  if (reason)
    ep.set("extension",
           parse_json(
               std::string(R"([{"url":"https://parcours.example.fr/fhir/StructureDefinition/motif-cloture",
             "valueCoding":{"system":"https://parcours.example.fr/fhir/CodeSystem/motif-cloture","code":")") +
               reason + R"("}}])")
               .value());
  w.put(ep);
}

// A complete Katz ADL assessment (a shipped instrument) authored at `when`.
void katz(World& w, const std::string& id, const std::string& patient, const std::string& when) {
  const char* items[] = {"toilette",   "habillage",  "aller-aux-toilettes",
                         "transferts", "continence", "alimentation"};
  std::string answers;
  for (int i = 0; i < 6; ++i)
    answers +=
        std::string(i ? "," : "") + R"({"linkId":"katz-)" + items[i] +
        R"(","answer":[{"valueCoding":{"system":"https://parcours.example.fr/fhir/CodeSystem/katz-adl-niveau","code":"autonome"}}]})";
  w.put_text(R"({"resourceType":"QuestionnaireResponse","id":")" + id + R"(","status":"completed",
    "questionnaire":"https://parcours.example.fr/fhir/Questionnaire/katz-adl","subject":{"reference":"Patient/)" +
             patient + R"("},"authored":")" + when + R"(","item":[)" + answers + "]}");
}

void pps(World& w, const std::string& id, const std::string& patient, const char* section,
         const std::string& created, const std::string& part_of = "") {
  w.put_text(R"({"resourceType":"CarePlan","id":")" + id + R"(","status":"draft","intent":"plan",
    "subject":{"reference":"Patient/)" +
             patient + R"("},"created":")" + created + R"(",
    "category":[{"coding":[{"system":"https://parcours.example.fr/fhir/CodeSystem/pps-section","code":")" +
             section + R"("}]}])" +
             (part_of.empty() ? "" : R"(,"partOf":[{"reference":"CarePlan/)" + part_of + R"("}])") + "}");
}

void task(World& w, const std::string& id, const std::string& patient, const char* status, bool late) {
  w.put_text(
      R"({"resourceType":"Task","id":")" + id + R"(","status":")" + status +
      R"(","intent":"order","description":"Visite à domicile","for":{"reference":"Patient/)" + patient +
      R"("})" +
      (late
           ? R"(,"businessStatus":{"coding":[{"system":"https://parcours.example.fr/fhir/CodeSystem/tache-coordination","code":"en-retard"}]})"
           : "") +
      "}");
}

// The GP's software marks the patient's feedback messages on `topic` read.
void mark_read(World& w, const std::string& patient, const std::string& topic, const std::string& when) {
  Json b = J(w.admin("GET", "/fhir/Communication?subject=Patient/" + patient + "&_count=100"));
  int n = 0;
  for (const Json& e : b.find("entry")->as_array()) {
    Json c = *e.find("resource");
    const Json* t = c.find("topic");
    if (!t || t->find("coding")->as_array()[0].get_string("code") != topic) continue;
    c.set("received", when);
    w.put(c);
    ++n;
  }
  EXPECT_EQ(n, 1) << patient << " " << topic;
}

// --- reading the MeasureReport ---------------------------------------------------

const Json* group(const Json& mr, std::string_view code) {
  if (const Json* gs = mr.find("group"); gs && gs->is_array())
    for (const Json& g : gs->as_array())
      if (g.find("code")->find("coding")->as_array()[0].get_string("code") == code) return &g;
  ADD_FAILURE() << "no group " << code;
  return nullptr;
}

std::string score(const Json* g) {
  const Json* s = g ? g->find("measureScore") : nullptr;
  return s ? s->find("value")->dump() : "(none)";
}

std::int64_t population(const Json* g, std::string_view code) {
  if (const Json* ps = g ? g->find("population") : nullptr; ps && ps->is_array())
    for (const Json& p : ps->as_array())
      if (p.find("code")->find("coding")->as_array()[0].get_string("code") == code)
        return p.find("count")->to_int64().value_or(-1);
  return -1;
}

// (value, score) of each stratum, in order: the value's code, else its text.
std::vector<std::pair<std::string, std::string>> strata(const Json* g) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!g || !g->find("stratifier")) return out;
  const Json& st = g->find("stratifier")->as_array()[0];
  if (const Json* ss = st.find("stratum"))
    for (const Json& s : ss->as_array()) {
      const Json* v = s.find("value");
      std::string key = v->find("coding") ? std::string(v->find("coding")->as_array()[0].get_string("code"))
                                          : std::string(v->get_string("text"));
      out.emplace_back(key, score(&s));
    }
  return out;
}

using Strata = std::vector<std::pair<std::string, std::string>>;

std::vector<std::string> lines_of(const std::string& csv) {
  std::vector<std::string> out;
  std::size_t at = csv.starts_with("\xEF\xBB\xBF") ? 3 : 0;
  while (at < csv.size()) {
    auto end = csv.find("\r\n", at);
    if (end == std::string::npos) end = csv.size();
    out.push_back(csv.substr(at, end - at));
    at = end + 2;
  }
  return out;
}

TEST(ActivityReport, EveryIndicatorOfADacOverAPeriod) {
  World w;
  Calendar cal(w);
  auto structure = [&](const char* id, const char* type) {
    w.put_text(
        std::string(R"({"resourceType":"Organization","id":")") + id + R"(","name":")" + id + R"(")" +
        (type
             ? std::string(
                   R"(,"type":[{"coding":[{"system":"https://parcours.example.fr/fhir/CodeSystem/type-structure-coordination","code":")") +
                   type + R"("}]}])"
             : "") +
        "}");
  };
  structure("dac-a", "dac");
  structure("dac-b", "dac");
  structure("chu", nullptr);
  // p3 has no médecin traitant: its dossier's milestones go unreported.
  for (const char* p : {"p1", "p2", "p3", "p4", "p5"})
    w.put_text(
        std::string(R"({"resourceType":"Patient","id":")") + p + R"(")" +
        (std::string(p) == "p3" ? "" : R"(,"generalPractitioner":[{"reference":"Practitioner/pr-gp"}])") +
        "}");

  // Day 0-5: E, an old dossier of DAC A, referred, included and closed
  // before the period: counted nowhere.
  dossier(w, "eoc-e", "p5", "dac-a", "planned", "coordination-simple", "pr-cm1", cal.at(0));
  cal.go(1);
  move(w, "eoc-e", "active");
  katz(w, "qr-p1-early", "p1", cal.at(1));  // before p1's referral: not its first assessment
  cal.go(2);
  dossier(w, "eoc-a", "p1", "dac-a", "planned", "coordination-complexe", "pr-cm1", cal.at(2));
  cal.go(5);
  move(w, "eoc-e", "finished", "deces");
  // The period: days 10 to 40.
  cal.go(11);
  dossier(w, "eoc-b", "p2", "dac-a", "planned", "coordination-simple", "pr-cm1", cal.at(11));
  dossier(w, "eoc-d", "p4", "dac-b", "planned", "coordination-complexe", "pr-cm9",
          cal.at(11));  // another DAC
  cal.go(12);
  move(w, "eoc-a", "active");  // inclusion 10 days after the referral
  cal.go(13);
  move(w, "eoc-b", "active");  // 2 days
  move(w, "eoc-d", "active");
  cal.go(14);
  katz(w, "qr-p1", "p1", cal.at(14));  // 12 days after the referral
  cal.go(15);
  katz(w, "qr-p2", "p2", cal.at(15));  // 4 days
  katz(w, "qr-p4", "p4", cal.at(15));  // DAC B
  cal.go(16);
  pps(w, "pps-b", "p2", "clinique", cal.at(16));
  pps(w, "pps-b-ms", "p2", "medico-social", cal.at(16), "pps-b");  // not counted: clinical part only
  cal.go(17);
  auto proposed = w.admin("POST", "/fhir/CarePlan/pps-b/$propose");
  ASSERT_EQ(proposed.status, 200) << proposed.body;
  cal.go(20);
  Json approval = J(proposed);
  approval.set("status", "completed");
  w.put(approval);  // validated 9 days after the referral
  ASSERT_NE(w.admin("GET", "/fhir/CarePlan/pps-b").body.find("validation-pps"), std::string::npos);
  cal.go(21);
  // C: information and orientation, no referral: its request is its start.
  dossier(w, "eoc-c", "p3", "dac-a", "active", "information-orientation", "pr-cm2", "", cal.at(21));
  cal.go(22);
  katz(w, "qr-p3", "p3", cal.at(22));  // 1 day
  cal.go(25);
  pps(w, "pps-a", "p1", "clinique", cal.at(25));  // produced, never validated
  cal.go(30);
  move(w, "eoc-a", "finished", "objectifs-atteints");  // 18 days of follow-up
  cal.go(32);
  mark_read(w, "p2", "demande-acceptee", cal.at(32));
  mark_read(w, "p2", "pps-valide", cal.at(32));
  task(w, "t-late", "p2", "accepted", true);
  task(w, "t-late-done", "p2", "completed", true);  // closed: not overdue any more
  task(w, "t-open", "p2", "accepted", false);
  task(w, "t-late-d", "p4", "accepted", true);  // DAC B
  cal.go(35);

  const std::string period = "start=" + cal.day(10) + "&end=" + cal.day(40);
  auto res = w.admin("GET", "/fhir/Organization/dac-a/$activity-report?" + period);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.header("Content-Type"), "application/fhir+json; charset=utf-8");
  Json mr = J(res);
  EXPECT_EQ(mr.get_string("resourceType"), "MeasureReport");
  EXPECT_EQ(mr.get_string("status"), "complete");
  EXPECT_EQ(mr.get_string("type"), "summary");
  EXPECT_EQ(mr.get_string("measure"), "https://parcours.example.fr/fhir/Measure/activite-coordination");
  EXPECT_EQ(mr.find("reporter")->get_string("reference"), "Organization/dac-a");
  EXPECT_EQ(mr.find("period")->get_string("start"), cal.day(10));
  EXPECT_EQ(mr.find("period")->get_string("end"), cal.day(40));
  EXPECT_EQ(mr.get_string("date").substr(0, 10), utc(w.now(), "%Y-%m-%d")) << "now, on the server's clock";

  // Dossiers: A, B and C were followed in the period; E ended before, D is
  // another DAC's.
  const Strata one_each{
      {"information-orientation", "1"}, {"coordination-simple", "1"}, {"coordination-complexe", "1"}};
  EXPECT_EQ(score(group(mr, "file-active")), "3");
  EXPECT_EQ(population(group(mr, "file-active"), "initial-population"), 3);
  EXPECT_EQ(strata(group(mr, "file-active")), one_each);
  EXPECT_EQ(score(group(mr, "nouvelles-demandes")), "2") << "B and C; A was referred on day 2";
  EXPECT_EQ(strata(group(mr, "nouvelles-demandes")), (Strata{{"information-orientation", "1"},
                                                             {"coordination-simple", "1"},
                                                             {"coordination-complexe", "0"}}));
  EXPECT_EQ(score(group(mr, "inclusions")), "3");
  EXPECT_EQ(strata(group(mr, "inclusions")), one_each);
  const Json* caseload = group(mr, "file-active-par-gestionnaire");
  EXPECT_EQ(score(caseload), "1.5");
  EXPECT_EQ(population(caseload, "numerator"), 3);
  EXPECT_EQ(population(caseload, "denominator"), 2);
  EXPECT_EQ(strata(caseload), (Strata{{"Practitioner/pr-cm1", "2"}, {"Practitioner/pr-cm2", "1"}}));

  // Delays in days: inclusion {10, 2, 0}, first assessment {12, 4, 1}, PPS
  // validated {9}.
  EXPECT_EQ(score(group(mr, "delai-inclusion-median")), "2.0");
  EXPECT_EQ(score(group(mr, "delai-inclusion-moyen")), "4.0");
  EXPECT_EQ(population(group(mr, "delai-inclusion-moyen"), "measure-population"), 3);
  EXPECT_EQ(score(group(mr, "delai-evaluation-median")), "4.0");
  EXPECT_EQ(score(group(mr, "delai-evaluation-moyen")), "5.7");
  EXPECT_EQ(population(group(mr, "delai-evaluation-median"), "measure-population"), 3);
  EXPECT_EQ(score(group(mr, "delai-pps-valide-median")), "9.0");
  EXPECT_EQ(score(group(mr, "delai-pps-valide-moyen")), "9.0");
  EXPECT_EQ(population(group(mr, "delai-pps-valide-moyen"), "measure-population"), 1);

  // PPS: pps-b (validated) and pps-a (draft); the medico-social part is not one.
  EXPECT_EQ(score(group(mr, "pps-produits")), "2");
  const Json* validated = group(mr, "pps-valides");
  EXPECT_EQ(score(validated), "50.0");
  EXPECT_EQ(population(validated, "numerator"), 1);
  EXPECT_EQ(population(validated, "denominator"), 2);
  EXPECT_EQ(validated->find("measureScore")->get_string("code"), "%");

  // Feedback: A accepted and closed, B accepted, proposed, validated; C's
  // patient has no GP. Two read.
  EXPECT_EQ(score(group(mr, "retours-envoyes")), "5");
  EXPECT_EQ(strata(group(mr, "retours-envoyes")),
            (Strata{{"cloture", "1"}, {"demande-acceptee", "2"}, {"pps-propose", "1"}, {"pps-valide", "1"}}));
  EXPECT_EQ(score(group(mr, "retours-lus")), "40.0");
  const Json* answered = group(mr, "jalons-avec-retour");
  EXPECT_EQ(score(answered), "83.3") << "6 milestones: 3 inclusions, 1 closure, 1 proposal, 1 validation";
  EXPECT_EQ(population(answered, "numerator"), 5);
  EXPECT_EQ(population(answered, "denominator"), 6);

  // Closures and follow-up: A only (E closed before the period).
  EXPECT_EQ(score(group(mr, "clotures")), "1");
  EXPECT_EQ(strata(group(mr, "clotures")), (Strata{{"objectifs-atteints", "1"}}));
  EXPECT_EQ(score(group(mr, "duree-suivi-mediane")), "18.0");
  EXPECT_EQ(score(group(mr, "duree-suivi-moyenne")), "18.0");
  EXPECT_EQ(group(mr, "duree-suivi-moyenne")->find("measureScore")->get_string("code"), "d");
  EXPECT_EQ(score(group(mr, "taches-en-retard")), "1");

  // Money: the observed costs of the shipped CodeSystem, as MoneyQuantity.
  EXPECT_EQ(strata(group(mr, "tarif")), (Strata{{"information-orientation", "22.00"},
                                                {"coordination-simple", "80.00"},
                                                {"coordination-complexe", "135.00"}}));
  const Json* due = group(mr, "montant-du");
  EXPECT_EQ(score(due), "237.00");
  EXPECT_EQ(due->find("measureScore")->get_string("system"), "urn:iso:std:iso:4217");
  EXPECT_EQ(due->find("measureScore")->get_string("code"), "EUR");
  EXPECT_EQ(population(due, "initial-population"), 3);

  // The result is a valid R4 MeasureReport: the server stores it.
  mr.set("id", "rapport-dac-a");
  w.put(mr);

  // A tariff set by the caller replaces the observed cost, and says so.
  auto priced = J(w.admin("GET", "/fhir/Organization/dac-a/$activity-report?" + period +
                                     "&tariff-coordination-complexe=200&tariff-coordination-simple=80.5"));
  EXPECT_EQ(score(group(priced, "montant-du")), "302.50");
  EXPECT_EQ(strata(group(priced, "montant-du")), (Strata{{"information-orientation", "22.00"},
                                                         {"coordination-simple", "80.50"},
                                                         {"coordination-complexe", "200.00"}}));
  const Json& complex =
      group(priced, "tarif")->find("stratifier")->as_array()[0].find("stratum")->as_array()[2];
  EXPECT_EQ(complex.find("extension")->as_array()[0].get_string("valueString"),
            "paramètre tariff-coordination-complexe");
  const Json& info = group(priced, "tarif")->find("stratifier")->as_array()[0].find("stratum")->as_array()[0];
  EXPECT_NE(info.find("extension")->as_array()[0].get_string("valueString").find("cout-observe-euros"),
            std::string_view::npos);

  // A tariff agreed by the structure with its funder applies when the
  // caller sets none.
  w.put_text(R"({"resourceType":"Organization","id":"dac-a","name":"dac-a",
    "type":[{"coding":[{"system":"https://parcours.example.fr/fhir/CodeSystem/type-structure-coordination","code":"dac"}]}],
    "extension":[{"url":"https://parcours.example.fr/fhir/StructureDefinition/tarif","extension":[
      {"url":"niveau","valueCoding":{"system":"https://parcours.example.fr/fhir/CodeSystem/niveau-coordination","code":"coordination-complexe"}},
      {"url":"montant","valueMoney":{"value":300,"currency":"EUR"}},
      {"url":"financeur","valueReference":{"display":"ARS Hauts-de-France"}}]}]})");
  auto agreed = J(w.admin("GET", "/fhir/Organization/dac-a/$activity-report?" + period));
  EXPECT_EQ(score(group(agreed, "montant-du")), "402.00");  // 22 + 80 + 300
  const Json& by_structure =
      group(agreed, "tarif")->find("stratifier")->as_array()[0].find("stratum")->as_array()[2];
  EXPECT_EQ(by_structure.find("extension")->as_array()[0].get_string("valueString"),
            "tarif de la structure (ARS Hauts-de-France)");
  w.put_text(R"({"resourceType":"Organization","id":"dac-a","name":"dac-a",
    "type":[{"coding":[{"system":"https://parcours.example.fr/fhir/CodeSystem/type-structure-coordination","code":"dac"}]}]})");

  // DAC B's own report sees only D.
  Json other = J(w.admin("GET", "/fhir/Organization/dac-b/$activity-report?" + period));
  EXPECT_EQ(score(group(other, "file-active")), "1");
  EXPECT_EQ(score(group(other, "montant-du")), "135.00");
  EXPECT_EQ(score(group(other, "taches-en-retard")), "1");

  // Before anything happened: zeros, and no score where nothing was measured.
  Json empty = J(w.admin(
      "GET", "/fhir/Organization/dac-a/$activity-report?start=" + cal.day(-60) + "&end=" + cal.day(-30)));
  EXPECT_EQ(score(group(empty, "file-active")), "0");
  EXPECT_EQ(score(group(empty, "delai-inclusion-median")), "(none)");
  EXPECT_EQ(population(group(empty, "delai-inclusion-median"), "measure-population"), 0);
  EXPECT_EQ(score(group(empty, "pps-valides")), "(none)");
  EXPECT_EQ(score(group(empty, "montant-du")), "0.00");

  // The same report as CSV, for a spreadsheet.
  auto csv = w.admin("GET", "/fhir/Organization/dac-a/$activity-report?" + period + "&_format=text/csv");
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.header("Content-Type"), "text/csv; charset=utf-8");
  EXPECT_EQ(csv.header("Content-Disposition"),
            "attachment; filename=\"activite-dac-a-" + cal.day(10) + "-" + cal.day(40) + ".csv\"");
  auto lines = lines_of(csv.body);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], "indicateur;strate;valeur;unite;numerateur;denominateur");
  for (const char* row : {
           "file-active;;3;dossiers;;",
           "file-active;information-orientation;1;dossiers;;",
           "nouvelles-demandes;coordination-complexe;0;dossiers;;",
           "file-active-par-gestionnaire;;1,5;dossiers par gestionnaire;3;2",
           "file-active-par-gestionnaire;Practitioner/pr-cm1;2;dossiers par gestionnaire;2;1",
           "delai-evaluation-moyen;;5,7;jours;;3",
           "pps-valides;;50,0;%;1;2",
           "retours-envoyes;demande-acceptee;2;retours;;",
           "jalons-avec-retour;;83,3;%;5;6",
           "clotures;objectifs-atteints;1;dossiers;;",
           "taches-en-retard;;1;tâches;;",
           "tarif;coordination-complexe;135,00;€;;",
           "montant-du;;237,00;€;;",
       })
    EXPECT_NE(std::find(lines.begin(), lines.end(), row), lines.end()) << row << "\n" << csv.body;
  // One row per indicator and per stratum: 21 indicators, 3 levels × 5
  // breakdowns by level, 2 case managers, 4 milestones, 1 reason.
  EXPECT_EQ(lines.size(), 1u + 21 + 15 + 2 + 4 + 1);
  // Accept: text/csv does the same.
  auto accept =
      w.http().request("GET", "/fhir/Organization/dac-a/$activity-report?" + period, "",
                       {{"Authorization", std::string("Bearer ") + kAdmin}, {"Accept", "text/csv"}});
  EXPECT_EQ(accept.status, 200);
  EXPECT_EQ(accept.body, csv.body);
  // Other operations still speak JSON only.
  EXPECT_EQ(w.admin("GET", "/fhir/Patient?_format=text/csv").status, 406);
}

TEST(ActivityReport, RefusesBadInputAndStrangersAndAuditsEveryCall) {
  World w;
  w.put_text(R"({"resourceType":"Organization","id":"dac-a","name":"DAC A","type":[{"coding":[{"system":
    "https://parcours.example.fr/fhir/CodeSystem/type-structure-coordination","code":"dac"}]}]})");
  w.put_text(R"({"resourceType":"Organization","id":"dac-b","name":"DAC B","type":[{"coding":[{"system":
    "https://parcours.example.fr/fhir/CodeSystem/type-structure-coordination","code":"dac"}]}]})");
  w.put_text(R"({"resourceType":"Organization","id":"chu","name":"CHU"})");
  const std::string base = "/fhir/Organization/dac-a/$activity-report";

  // Bad input: 400 naming the parameter.
  for (const auto& [query, parameter] : std::vector<std::pair<std::string, std::string>>{
           {"end=2026-03-31", "start"},
           {"start=2026-01-01", "end"},
           {"start=2026-02-30&end=2026-03-31", "start"},
           {"start=2026-01-01&end=31/03/2026", "end"},
           {"start=2026-03-01&end=2026-01-31", "end"},
           {"start=2026-01-01&end=2026-03-31&patient=p1", "patient"},
           {"start=2026-01-01&end=2026-03-31&tariff-coordination-complexe=-5",
            "tariff-coordination-complexe"},
           {"start=2026-01-01&end=2026-03-31&tariff-coordination-complexe=12.345",
            "tariff-coordination-complexe"},
           {"start=2026-01-01&end=2026-03-31&tariff-tres-complexe=300", "tariff-tres-complexe"},
       }) {
    auto r = w.admin("GET", base + "?" + query);
    EXPECT_EQ(r.status, 400) << query << " " << r.body;
    EXPECT_EQ(issue_expression(r), parameter) << query;
  }
  const std::string period = "?start=2026-01-01&end=2026-03-31";
  EXPECT_EQ(w.admin("GET", "/fhir/Organization/nowhere/$activity-report" + period).status, 404);
  auto hospital = w.admin("GET", "/fhir/Organization/chu/$activity-report" + period);
  EXPECT_EQ(hospital.status, 422) << hospital.body;
  EXPECT_EQ(issue_expression(hospital), "Organization.type");
  EXPECT_EQ(w.admin("POST", base + period).status, 405);
  auto metadata = w.http().request("GET", "/fhir/metadata");
  EXPECT_NE(metadata.body.find("OperationDefinition/Organization-activity-report"), std::string::npos);

  // Who may see it: the structure's staff, analysts, administrators.
  Account own = w.account("coord.a", "coordinator",
                          {"--practitioner", "pr-cm1", "--profession", "R85-330", "--organization", "dac-a"});
  Account other =
      w.account("coord.b", "coordinator",
                {"--practitioner", "pr-cm9", "--profession", "R85-330", "--organization", "dac-b"});
  Account gp = w.account("dr.gp", "professional",
                         {"--practitioner", "pr-gp", "--profession", "G15-10", "--rpps", "10000000001"});
  Account analyst = w.account("ars.analyste", "analyst", {});
  Account admin = w.account("root.admin", "admin", {});
  for (const auto& [account, status] : std::vector<std::pair<Account, int>>{
           {own, 200}, {analyst, 200}, {admin, 200}, {other, 403}, {gp, 403}}) {
    std::string token = w.login(account).access;
    ASSERT_FALSE(token.empty()) << account.username;
    auto r = w.as(token, "GET", base + period);
    EXPECT_EQ(r.status, status) << account.username << " " << r.body.substr(0, 300);
  }
  EXPECT_EQ(w.admin("GET", base + period).status, 200) << "full-access system caller";

  // Every decision is in the audit trail, the Organization as entity.
  auto count = [&](const std::string& subtype, int expected) {
    auto about_dac = [](const std::string& body) {
      int n = 0;
      auto b = parse_json(body);
      if (const Json* e = b ? b->find("entry") : nullptr)
        for (const Json& x : e->as_array())
          if (x.dump().find("Organization/dac-a") != std::string::npos) ++n;
      return n;
    };
    return about_dac(
        w.admin_when("/fhir/$audit?subtype=" + subtype + "&_count=100", [&](const std::string& body) {
           return about_dac(body) == expected;
         }).body);
  };
  EXPECT_EQ(count("activity-report", 4), 4) << "the coordinator, the analyst, the administrator, the token";
  EXPECT_EQ(count("access-denied", 2), 2) << "the other DAC's coordinator and the GP";
}

}  // namespace
}  // namespace parcours
