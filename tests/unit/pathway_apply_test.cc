// PlanDefinition $apply (coordination/pathways/apply.h): the six shipped
// pathway templates become valid draft PPS CarePlans and Goals, one plan per
// access section; relative timings become calendar dates; what the engine
// cannot use is reported, not refused; bad parameters are located.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "coordination/pathways/apply.h"
#include "fhir/json.h"
#include "fhir/primitives.h"
#include "fhir/validator.h"

namespace parcours::coordination {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPd = "https://parcours.example.fr/fhir/PlanDefinition/";
constexpr std::string_view kAd = "https://parcours.example.fr/fhir/ActivityDefinition/";

// content/pathways/, by resource type.
struct Content {
  std::map<std::string, Json> plan_definitions;  // id → resource
  std::map<std::string, Json> activities;        // url and url|version → resource
};

const Content& content() {
  static const Content c = [] {
    Content out;
    const fs::path dir = fs::path(PARCOURS_SOURCE_DIR) / "content" / "pathways";
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.path().extension() != ".json") continue;
      std::ifstream in(e.path(), std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      auto parsed = parse_json(ss.str());
      if (!parsed.ok()) {
        ADD_FAILURE() << e.path() << ": " << parsed.error().message();
        continue;
      }
      Json& r = parsed.value();
      const std::string type(r.get_string("resourceType"));
      if (type == "PlanDefinition") {
        out.plan_definitions[std::string(r.get_string("id"))] = r;
      } else if (type == "ActivityDefinition") {
        const std::string url(r.get_string("url"));
        out.activities[url + "|" + std::string(r.get_string("version"))] = r;
        out.activities[url] = std::move(r);
      }
    }
    return out;
  }();
  return c;
}

const Json* resolve(std::string_view canonical) {
  auto it = content().activities.find(std::string(canonical));
  return it == content().activities.end() ? nullptr : &it->second;
}

const Json& plan(const std::string& id) {
  auto it = content().plan_definitions.find(id);
  EXPECT_NE(it, content().plan_definitions.end()) << id;
  return it->second;
}

ApplyInput input(const Json& pd, std::string start = "2027-03-10") {
  ApplyInput in;
  in.plan_definition = &pd;
  in.activity = resolve;
  in.subject = "Patient/p1";
  in.start = std::move(start);
  return in;
}

std::string dump_issues(const std::vector<Issue>& issues) {
  std::string out;
  for (const Issue& i : issues)
    out += i.severity + " " + i.code + " at " + i.expression + ": " + i.diagnostics + "\n";
  return out;
}

void expect_valid(const Json& resource) {
  const auto issues = fhir::validate_resource(resource);
  EXPECT_TRUE(issues.empty()) << resource.get_string("resourceType") << "\n"
                              << dump_issues(issues) << resource.dump(true);
}

std::string section_of(const Json& care_plan) {
  const Json& c = care_plan.find("category")->as_array()[0].find("coding")->as_array()[0];
  EXPECT_EQ(c.get_string("system"), codes::kPpsSection);
  return std::string(c.get_string("code"));
}

// The activity whose detail instantiates the ActivityDefinition `name`.
const Json* activity_of(const Json& care_plan, std::string_view name) {
  const std::string canonical = std::string(kAd) + std::string(name);
  if (const Json* list = care_plan.find("activity"))
    for (const Json& a : list->as_array())
      if (const Json* ic = a.find("detail")->find("instantiatesCanonical"))
        if (ic->as_array()[0].as_string() == canonical) return a.find("detail");
  return nullptr;
}

std::vector<std::string> references(const Json& holder, std::string_view key) {
  std::vector<std::string> out;
  if (const Json* list = holder.find(key))
    for (const Json& r : list->as_array()) out.emplace_back(r.get_string("reference"));
  return out;
}

const Applied* goal_with(const ApplyOutput& out, std::string_view value) {
  for (const Applied& g : out.goals)
    if (g.resource.find("identifier")->as_array()[0].get_string("value") == value) return &g;
  return nullptr;
}

void count_leaves(const Json& holder, std::size_t& n) {
  if (const Json* actions = holder.find("action"))
    for (const Json& a : actions->as_array()) {
      if (a.find("action"))
        count_leaves(a, n);
      else
        ++n;
    }
}

// --- Calendar arithmetic ------------------------------------------------------

TEST(AddToDate, DaysAndWeeks) {
  EXPECT_EQ(add_to_date("2027-03-10", 7, "d"), "2027-03-17");
  EXPECT_EQ(add_to_date("2027-12-31", 1, "d"), "2028-01-01");
  EXPECT_EQ(add_to_date("2028-02-28", 1, "d"), "2028-02-29");
  EXPECT_EQ(add_to_date("2027-02-28", 1, "d"), "2027-03-01");
  EXPECT_EQ(add_to_date("2027-03-10", 2, "wk"), "2027-03-24");
  EXPECT_EQ(add_to_date("2027-03-10", 0, "d"), "2027-03-10");
  EXPECT_EQ(add_to_date("2027-03-01", -1, "d"), "2027-02-28");
}

TEST(AddToDate, MonthsAndYearsClampToTheEndOfTheMonth) {
  EXPECT_EQ(add_to_date("2027-01-31", 1, "mo"), "2027-02-28");
  EXPECT_EQ(add_to_date("2028-01-31", 1, "mo"), "2028-02-29");
  EXPECT_EQ(add_to_date("2027-03-31", 1, "mo"), "2027-04-30");
  EXPECT_EQ(add_to_date("2027-03-10", 2, "mo"), "2027-05-10");
  EXPECT_EQ(add_to_date("2027-11-15", 3, "mo"), "2028-02-15");
  EXPECT_EQ(add_to_date("2027-03-31", -1, "mo"), "2027-02-28");
  EXPECT_EQ(add_to_date("2027-01-15", -1, "mo"), "2026-12-15");
  EXPECT_EQ(add_to_date("2028-02-29", 1, "a"), "2029-02-28");
  EXPECT_EQ(add_to_date("2028-02-29", 4, "a"), "2032-02-29");
  EXPECT_EQ(add_to_date("2027-03-10", 1, "a"), "2028-03-10");
}

TEST(AddToDate, RefusesWhatHasNoCalendarMeaning) {
  EXPECT_EQ(add_to_date("2027-03-10", 2, "h"), std::nullopt);
  EXPECT_EQ(add_to_date("2027-03-10", 2, "jours"), std::nullopt);
  EXPECT_EQ(add_to_date("2027-03", 1, "d"), std::nullopt);
  EXPECT_EQ(add_to_date("2027-02-30", 1, "d"), std::nullopt);
  EXPECT_EQ(add_to_date("2027-03-10T10:00:00Z", 1, "d"), std::nullopt);
  EXPECT_EQ(add_to_date("9999-12-31", 1, "d"), std::nullopt);
  EXPECT_EQ(add_to_date("0001-01-01", -1, "mo"), std::nullopt);
  EXPECT_EQ(add_to_date("2027-03-10", 1'000'000'000'000, "a"), std::nullopt);
}

// --- The shipped templates --------------------------------------------------------

TEST(Apply, EveryShippedTemplateGivesValidResources) {
  ASSERT_EQ(content().plan_definitions.size(), 6u);
  for (const auto& [id, pd] : content().plan_definitions) {
    SCOPED_TRACE(id);
    auto applied = apply_plan_definition(input(pd));
    ASSERT_TRUE(applied.ok()) << applied.error().message();
    const ApplyOutput& out = *applied;
    EXPECT_TRUE(out.warnings.empty()) << dump_issues(out.warnings);

    // One plan per section, clinical first, the second part of the first.
    ASSERT_EQ(out.care_plans.size(), 2u);
    EXPECT_EQ(section_of(out.care_plans[0].resource), "clinique");
    EXPECT_EQ(section_of(out.care_plans[1].resource), "medico-social");
    EXPECT_EQ(out.care_plans[0].resource.find("partOf"), nullptr);
    EXPECT_EQ(references(out.care_plans[1].resource, "partOf"),
              std::vector<std::string>{out.care_plans[0].full_url});

    // Every template goal becomes one Goal, listed by exactly one plan.
    EXPECT_EQ(out.goals.size(), pd.find("goal")->size());
    std::set<std::string> goal_urls;
    for (const Applied& g : out.goals) {
      EXPECT_TRUE(goal_urls.insert(g.full_url).second);
      EXPECT_EQ(g.resource.get_string("lifecycleStatus"), "proposed");
      EXPECT_EQ(g.resource.find("subject")->get_string("reference"), "Patient/p1");
      expect_valid(g.resource);
    }
    std::multiset<std::string> listed;
    std::size_t activities = 0;
    std::set<std::string> full_urls = goal_urls;
    for (const Applied& cp : out.care_plans) {
      EXPECT_TRUE(fhir::is_valid_uuid(cp.full_url)) << cp.full_url;
      EXPECT_TRUE(full_urls.insert(cp.full_url).second);
      const Json& r = cp.resource;
      EXPECT_EQ(r.get_string("status"), "draft");
      EXPECT_EQ(r.get_string("intent"), "plan");
      EXPECT_EQ(r.find("id"), nullptr);
      EXPECT_EQ(r.find("instantiatesCanonical")->as_array()[0].as_string(), std::string(kPd) + id + "|1.0.0");
      EXPECT_EQ(r.find("subject")->get_string("reference"), "Patient/p1");
      EXPECT_EQ(r.find("period")->get_string("start"), "2027-03-10");
      EXPECT_EQ(r.get_string("description"), pd.get_string("description"));
      for (const std::string& g : references(r, "goal")) listed.insert(g);
      // Activities: not started, each pointing at Goals of this output.
      for (const Json& a : r.find("activity")->as_array()) {
        ++activities;
        const Json& d = *a.find("detail");
        EXPECT_EQ(d.get_string("status"), "not-started");
        EXPECT_NE(d.find("kind"), nullptr);
        EXPECT_NE(d.find("code"), nullptr);
        EXPECT_FALSE(d.get_string("description").empty());
        EXPECT_NE(d.find("extension"), nullptr) << "every template action names who does it";
        for (const std::string& g : references(d, "goal")) EXPECT_TRUE(goal_urls.count(g)) << g;
      }
      expect_valid(r);
    }
    EXPECT_EQ(listed, std::multiset<std::string>(goal_urls.begin(), goal_urls.end()));
    std::size_t leaves = 0;
    count_leaves(pd, leaves);
    EXPECT_EQ(activities, leaves);

    // The transaction: POST entries, every urn:uuid reference resolved inside.
    const Json bundle = to_transaction(out);
    expect_valid(bundle);
    EXPECT_EQ(bundle.get_string("type"), "transaction");
    ASSERT_EQ(bundle.find("entry")->size(), out.care_plans.size() + out.goals.size());
    for (const Json& e : bundle.find("entry")->as_array()) {
      EXPECT_TRUE(full_urls.count(std::string(e.get_string("fullUrl"))));
      EXPECT_EQ(e.find("request")->get_string("method"), "POST");
      EXPECT_EQ(e.find("request")->get_string("url"), e.find("resource")->get_string("resourceType"));
    }
    std::string text = bundle.dump();
    for (std::size_t at = text.find("\"urn:uuid:"); at != std::string::npos;
         at = text.find("\"urn:uuid:", at + 1)) {
      const std::string urn = text.substr(at + 1, text.find('"', at + 1) - at - 1);
      EXPECT_TRUE(full_urls.count(urn)) << urn;
    }
  }
}

TEST(Apply, HeartFailureAfterDischarge) {
  const Json& pd = plan("insuffisance-cardiaque-sortie-hospitalisation");
  auto applied = apply_plan_definition(input(pd, "2027-01-31"));
  ASSERT_TRUE(applied.ok()) << applied.error().message();
  const ApplyOutput& out = *applied;
  ASSERT_EQ(out.care_plans.size(), 2u);
  const Json& clinical = out.care_plans[0].resource;
  const Json& social = out.care_plans[1].resource;
  EXPECT_EQ(references(social, "partOf"), std::vector<std::string>{out.care_plans[0].full_url});
  EXPECT_EQ(clinical.get_string("title"),
            "PPS — Insuffisance cardiaque : retour à domicile après hospitalisation — Volet clinique");
  EXPECT_EQ(social.find("category")->as_array()[0].get_string("text"), "Volet médico-social");
  EXPECT_EQ(clinical.get_string("created"), "2027-01-31");

  // GP within 7 days of discharge (PRADO): a window from day 0 to day 7.
  const Json* gp = activity_of(clinical, "consultation-medecin-traitant");
  ASSERT_NE(gp, nullptr);
  EXPECT_EQ(gp->get_string("kind"), "Appointment");
  EXPECT_EQ(gp->find("scheduledPeriod")->get_string("start"), "2027-01-31");
  EXPECT_EQ(gp->find("scheduledPeriod")->get_string("end"), "2027-02-07");
  EXPECT_EQ(gp->find("code")->find("coding")->as_array()[0].get_string("code"),
            "consultation-medecin-traitant");
  const Json& who = gp->find("extension")->as_array()[0];
  EXPECT_EQ(who.get_string("url"), kIntervenantExtension);
  EXPECT_EQ(who.find("valueCodeableConcept")->find("coding")->as_array()[0].get_string("code"), "90");
  // Its goals: the 7-day consultation and no readmission within 6 months.
  const Applied* seven_days =
      goal_with(out, "insuffisance-cardiaque-sortie-hospitalisation#consultation-mt-7-jours");
  const Applied* readmission =
      goal_with(out, "insuffisance-cardiaque-sortie-hospitalisation#pas-de-rehospitalisation");
  ASSERT_TRUE(seven_days && readmission);
  EXPECT_EQ(references(*gp, "goal"), (std::vector<std::string>{seven_days->full_url, readmission->full_url}));
  EXPECT_EQ(seven_days->resource.find("identifier")->as_array()[0].get_string("system"), kPpsGoalSystem);
  EXPECT_EQ(seven_days->resource.find("target")->as_array()[0].find("dueDate"), nullptr);
  EXPECT_EQ(seven_days->resource.find("priority")->find("coding")->as_array()[0].get_string("code"),
            "high-priority");
  // Target due in 6 months → a date; the measure and detail are kept.
  const Json& target = readmission->resource.find("target")->as_array()[0];
  EXPECT_EQ(target.get_string("dueDate"), "2027-07-31");
  EXPECT_NE(target.find("measure"), nullptr);
  EXPECT_EQ(target.find("detailQuantity")->find("value")->number(), "0");

  // Nurse visits: weekly for 2 months, then (NYHA III–IV) every two weeks
  // for 4 months after the weekly series ends.
  std::vector<const Json*> nurse;
  for (const Json& a : clinical.find("activity")->as_array())
    if (a.find("detail")->find("instantiatesCanonical")->as_array()[0].as_string() ==
        std::string(kAd) + "visite-infirmiere-surveillance")
      nurse.push_back(a.find("detail"));
  ASSERT_EQ(nurse.size(), 2u);
  const Json& weekly = *nurse[0]->find("scheduledTiming")->find("repeat");
  EXPECT_EQ(weekly.find("boundsDuration"), nullptr);
  EXPECT_EQ(weekly.find("boundsPeriod")->get_string("start"), "2027-01-31");
  EXPECT_EQ(weekly.find("boundsPeriod")->get_string("end"), "2027-03-31");
  EXPECT_EQ(weekly.get_string("periodUnit"), "wk");
  const Json& fortnightly = *nurse[1]->find("scheduledTiming")->find("repeat");
  EXPECT_EQ(fortnightly.find("boundsPeriod")->get_string("start"), "2027-03-31");
  EXPECT_EQ(fortnightly.find("boundsPeriod")->get_string("end"), "2027-07-31");
  EXPECT_EQ(fortnightly.find("period")->number(), "2");
  // The applicability condition is left to the coordinator, in the text.
  EXPECT_TRUE(nurse[1]
                  ->get_string("description")
                  .starts_with("Si : Insuffisance cardiaque de stade NYHA III ou IV — "))
      << nurse[1]->get_string("description");
  EXPECT_FALSE(nurse[0]->get_string("description").starts_with("Si : "));

  // Daily weighing by the patient: a repetition from day 0, the patient as
  // participant type.
  const Json* weighing = activity_of(clinical, "autosurveillance-poids");
  ASSERT_NE(weighing, nullptr);
  EXPECT_EQ(weighing->find("scheduledTiming")->find("repeat")->find("boundsPeriod")->get_string("start"),
            "2027-01-31");
  EXPECT_EQ(weighing->find("scheduledTiming")->find("repeat")->find("boundsPeriod")->find("end"), nullptr);
  const Json& patient = weighing->find("extension")->as_array()[0];
  EXPECT_EQ(patient.find("valueCodeableConcept")->find("coding")->as_array()[0].get_string("code"),
            "patient");

  // Cardiologist within 2 months: 31 January + 2 months = 31 March.
  const Json* cardio = activity_of(clinical, "consultation-cardiologue");
  ASSERT_NE(cardio, nullptr);
  EXPECT_EQ(cardio->find("scheduledPeriod")->get_string("end"), "2027-03-31");

  // Medico-social side: carer support, with its roles and condition.
  const Json* carer = activity_of(social, "soutien-aidant");
  ASSERT_NE(carer, nullptr);
  EXPECT_EQ(carer->get_string("kind"), "Task");
  EXPECT_EQ(carer->find("extension")->size(), 3u);
  EXPECT_TRUE(carer->get_string("description").starts_with("Si : Présence d'un aidant — "));
  EXPECT_EQ(carer->find("scheduledPeriod")->get_string("end"), "2027-02-28");
  const Applied* zarit = goal_with(out, "insuffisance-cardiaque-sortie-hospitalisation#aidant-soutenu");
  ASSERT_NE(zarit, nullptr);
  const auto social_goals = references(social, "goal");
  EXPECT_EQ(social_goals.size(), 2u);  // aides-en-place, aidant-soutenu
  EXPECT_NE(std::find(social_goals.begin(), social_goals.end(), zarit->full_url), social_goals.end());
}

TEST(Apply, PostStrokeWindowBetweenTwoAndSixMonths) {
  auto applied = apply_plan_definition(input(plan("post-avc"), "2027-03-10"));
  ASSERT_TRUE(applied.ok()) << applied.error().message();
  const Json* visit = activity_of(applied->care_plans[0].resource, "consultation-post-avc");
  ASSERT_NE(visit, nullptr);
  EXPECT_EQ(visit->find("scheduledPeriod")->get_string("start"), "2027-05-10");
  EXPECT_EQ(visit->find("scheduledPeriod")->get_string("end"), "2027-09-10");
}

TEST(Apply, AGoalOfBothSectionsLivesInTheClinicalPlan) {
  const std::string id = "personne-agee-risque-perte-autonomie";
  auto applied = apply_plan_definition(input(plan(id)));
  ASSERT_TRUE(applied.ok()) << applied.error().message();
  const Applied* nutrition = goal_with(*applied, id + "#nutrition");
  ASSERT_NE(nutrition, nullptr);
  const auto clinical = references(applied->care_plans[0].resource, "goal");
  const auto social = references(applied->care_plans[1].resource, "goal");
  EXPECT_NE(std::find(clinical.begin(), clinical.end(), nutrition->full_url), clinical.end());
  EXPECT_EQ(std::find(social.begin(), social.end(), nutrition->full_url), social.end());
  // Meals on wheels (medico-social) still points at it.
  const Json* meals = activity_of(applied->care_plans[1].resource, "portage-repas");
  ASSERT_NE(meals, nullptr);
  const auto goals = references(*meals, "goal");
  EXPECT_NE(std::find(goals.begin(), goals.end(), nutrition->full_url), goals.end());
}

TEST(Apply, ParametersGoWhereTheySay) {
  const Json& pd = plan("diabete-type-2");
  ApplyInput in = input(pd);
  in.author = "Practitioner/gp-1";
  in.encounter = "Encounter/e1";
  in.care_team = {"CareTeam/ct1"};
  in.addresses = {"Condition/dt2", "Condition/hta"};
  in.title = "PPS de M. Martin";
  auto applied = apply_plan_definition(in);
  ASSERT_TRUE(applied.ok()) << applied.error().message();
  for (const Applied& cp : applied->care_plans) {
    const Json& r = cp.resource;
    EXPECT_EQ(r.find("author")->get_string("reference"), "Practitioner/gp-1");
    EXPECT_EQ(r.find("encounter")->get_string("reference"), "Encounter/e1");
    EXPECT_EQ(references(r, "careTeam"), std::vector<std::string>{"CareTeam/ct1"});
    EXPECT_EQ(references(r, "addresses"), (std::vector<std::string>{"Condition/dt2", "Condition/hta"}));
    EXPECT_TRUE(r.get_string("title").starts_with("PPS de M. Martin — Volet ")) << r.get_string("title");
    expect_valid(r);
  }
}

TEST(Apply, FullUrlsAreFreshVersionFourUuids) {
  const Json& pd = plan("bpco");
  auto a = apply_plan_definition(input(pd));
  auto b = apply_plan_definition(input(pd));
  ASSERT_TRUE(a.ok() && b.ok());
  std::set<std::string> seen;
  for (const auto* out : {&*a, &*b})
    for (const auto* list : {&out->care_plans, &out->goals})
      for (const Applied& x : *list) {
        ASSERT_TRUE(fhir::is_valid_uuid(x.full_url)) << x.full_url;
        EXPECT_EQ(x.full_url[9 + 14], '4') << x.full_url;  // version
        EXPECT_NE(std::string_view("89ab").find(x.full_url[9 + 19]), std::string_view::npos) << x.full_url;
        EXPECT_TRUE(seen.insert(x.full_url).second);
      }
}

// --- What is reported, not refused --------------------------------------------

TEST(Apply, AnUnknownActivityDefinitionIsAWarning) {
  const Json& pd = plan("insuffisance-cardiaque-sortie-hospitalisation");
  ApplyInput in = input(pd);
  const std::string gp = std::string(kAd) + "consultation-medecin-traitant";
  in.activity = [&](std::string_view canonical) -> const Json* {
    return canonical == gp ? nullptr : resolve(canonical);
  };
  auto applied = apply_plan_definition(in);
  ASSERT_TRUE(applied.ok()) << applied.error().message();
  ASSERT_EQ(applied->warnings.size(), 1u) << dump_issues(applied->warnings);
  const Issue& w = applied->warnings[0];
  EXPECT_EQ(w.severity, "warning");
  EXPECT_EQ(w.code, "not-found");
  EXPECT_EQ(w.expression, "PlanDefinition.action[0].action[0].definitionCanonical");
  // The activity stays, from the action's own fields, without a kind.
  const Json* d = activity_of(applied->care_plans[0].resource, "consultation-medecin-traitant");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->find("kind"), nullptr);
  EXPECT_NE(d->find("code"), nullptr);
  EXPECT_EQ(d->find("scheduledPeriod")->get_string("end"), "2027-03-17");
  EXPECT_FALSE(d->get_string("description").empty());
  expect_valid(applied->care_plans[0].resource);
}

Json parse(std::string_view text) {
  auto j = parse_json(text);
  EXPECT_TRUE(j.ok()) << j.error().message();
  return j.ok() ? std::move(j.value()) : Json();
}

// A small hand-written template: nested groups, an action outside the
// sections, timings the shipped templates do not use.
const char* kSynthetic = R"({
  "resourceType": "PlanDefinition", "id": "essai", "url": "https://example.org/PlanDefinition/essai",
  "status": "draft", "title": "Essai",
  "goal": [{"id": "g1", "description": {"text": "But"},
            "target": [{"measure": {"text": "Mesure"}, "due": {"value": 3, "system": "http://unitsofmeasure.org", "code": "h"}}]},
           {"id": "orphelin", "description": {"text": "Sans action"}}],
  "action": [
    {"title": "Hors volet", "definitionCanonical": "https://example.org/ActivityDefinition/inconnue"},
    {"code": [{"coding": [{"system": "https://parcours.example.fr/fhir/CodeSystem/pps-section", "code": "clinique"}]}],
     "action": [
       {"title": "Groupe",
        "condition": [{"kind": "applicability", "expression": {"language": "text/plain", "description": "Diabète"}}],
        "action": [
          {"id": "a1", "title": "Premier", "goalId": ["g1", "absent"],
           "timingDuration": {"value": 10, "system": "http://unitsofmeasure.org", "code": "d"},
           "condition": [{"kind": "applicability", "expression": {"language": "text/fhirpath", "expression": "%age > 60"}}]},
          {"id": "a2", "description": "Deuxième", "timingTiming": {"event": ["2027-04-01"]}}
        ]},
       {"id": "a3", "title": "Troisième", "timingRange": {"high": {"value": 2, "system": "http://unitsofmeasure.org", "code": "h"}},
        "definitionCanonical": "https://parcours.example.fr/fhir/ActivityDefinition/vaccination"}
     ]}
  ]})";

TEST(Apply, NestedGroupsAndOddTimings) {
  const Json pd = parse(kSynthetic);
  auto applied = apply_plan_definition(input(pd));
  ASSERT_TRUE(applied.ok()) << applied.error().message();
  const ApplyOutput& out = *applied;
  // Only a clinical section: one plan, the stray action in it.
  ASSERT_EQ(out.care_plans.size(), 1u);
  const Json& cp = out.care_plans[0].resource;
  expect_valid(cp);
  for (const Applied& g : out.goals) expect_valid(g.resource);
  expect_valid(to_transaction(out));
  EXPECT_EQ(cp.find("instantiatesCanonical")->as_array()[0].as_string(),
            "https://example.org/PlanDefinition/essai");
  const auto& acts = cp.find("activity")->as_array();
  ASSERT_EQ(acts.size(), 4u);
  std::vector<std::string> texts;
  for (const Json& a : acts) texts.emplace_back(a.find("detail")->get_string("description"));
  EXPECT_EQ(texts, (std::vector<std::string>{"Hors volet", "Si : Diabète — Si : %age > 60 — Premier",
                                             "Si : Diabète — Deuxième", "Troisième"}));
  const Json& first = *acts[1].find("detail");
  EXPECT_EQ(first.find("scheduledPeriod")->get_string("start"), "2027-03-10");
  EXPECT_EQ(first.find("scheduledPeriod")->get_string("end"), "2027-03-20");
  EXPECT_EQ(first.find("goal")->size(), 1u);
  EXPECT_EQ(acts[2].find("detail")->find("scheduledTiming")->find("event")->as_array()[0].as_string(),
            "2027-04-01");
  // Hours have no calendar meaning: the window keeps its start only.
  const Json& third = *acts[3].find("detail");
  EXPECT_EQ(third.get_string("kind"), "ServiceRequest");
  EXPECT_EQ(third.find("scheduledPeriod")->find("end"), nullptr);
  // Both goals, the one no action pursues included; the hour due stays a duration.
  ASSERT_EQ(out.goals.size(), 2u);
  EXPECT_EQ(references(cp, "goal").size(), 2u);
  EXPECT_EQ(out.goals[0].resource.find("target")->as_array()[0].find("dueDuration")->find("value")->number(),
            "3");
  EXPECT_EQ(out.goals[0].resource.find("identifier")->as_array()[0].get_string("value"), "essai#g1");

  std::set<std::string> where;
  for (const Issue& w : out.warnings) {
    EXPECT_EQ(w.severity, "warning");
    where.insert(w.expression);
  }
  EXPECT_EQ(where, (std::set<std::string>{
                       "PlanDefinition.action[0]",                                   // outside the sections
                       "PlanDefinition.action[0].definitionCanonical",               // unknown
                       "PlanDefinition.goal[0].target[0].due",                       // hours
                       "PlanDefinition.action[1].action[0].action[0].condition[0]",  // not evaluated
                       "PlanDefinition.action[1].action[0].action[0].goalId[1]",     // no such goal
                       "PlanDefinition.action[1].action[1].timingRange.high",        // hours
                   }))
      << dump_issues(out.warnings);
}

// --- Errors ------------------------------------------------------------------------

void expect_error(const ApplyInput& in, int status, std::string_view expression) {
  auto r = apply_plan_definition(in);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status(), status) << r.error().message();
  ASSERT_EQ(r.error().issues().size(), 1u);
  EXPECT_EQ(r.error().issues()[0].expression, expression) << r.error().message();
  EXPECT_EQ(r.error().issues()[0].severity, "error");
}

TEST(ApplyErrors, BadStartDate) {
  const Json& pd = plan("bpco");
  for (const char* start :
       {"2027-02-30", "2027/03/10", "2027-03", "10/03/2027", "2027-03-10T08:00:00Z", ""}) {
    SCOPED_TRACE(start);
    expect_error(input(pd, start), 400, "start");
  }
}

TEST(ApplyErrors, BadParameters) {
  const Json& pd = plan("bpco");
  ApplyInput in = input(pd);
  in.subject = "";
  expect_error(in, 400, "subject");
  in.subject = "Practitioner/x";
  expect_error(in, 400, "subject");
  in.subject = "Patient/";
  expect_error(in, 400, "subject");
  in = input(pd);
  in.author = "gp-1";
  expect_error(in, 400, "author");
  in = input(pd);
  in.encounter = "Patient/p1";
  expect_error(in, 400, "encounter");
  in = input(pd);
  in.care_team = {"CareTeam/ok", "Group/no"};
  expect_error(in, 400, "careTeam[1]");
  in = input(pd);
  in.addresses = {"Condition/bad id"};
  expect_error(in, 400, "addresses[0]");
  in = input(pd);
  in.subject = "urn:uuid:1b4e28ba-2fa1-41d2-883f-0016d3cca427";  // a Patient in the same transaction
  EXPECT_TRUE(apply_plan_definition(in).ok());
}

TEST(ApplyErrors, NotAPlanDefinition) {
  const Json* ad = resolve(std::string(kAd) + "vaccination");
  ASSERT_NE(ad, nullptr);
  ApplyInput in = input(*ad);
  expect_error(in, 400, "planDefinition");
  in.plan_definition = nullptr;
  expect_error(in, 400, "planDefinition");
}

TEST(ApplyErrors, ATemplateWithoutSectionsCannotBeSplit) {
  Json pd = plan("bpco");
  for (Json& section : pd.find("action")->as_array()) section.erase("code");
  expect_error(input(pd), 422, "PlanDefinition.action");
  pd = plan("bpco");
  pd.erase("url");
  expect_error(input(pd), 422, "PlanDefinition.url");
}

}  // namespace
}  // namespace parcours::coordination
