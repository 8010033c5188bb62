// The coordination content shipped in content/: the assessment
// Questionnaires and their CodeSystems (content/questionnaires/), the pathway
// templates (content/pathways/). Every file is a valid R4 resource, the
// Questionnaires say exactly what the scoring engine reads, every local code
// used anywhere is defined by a shipped CodeSystem, and the templates hang
// together (definitions, goals, sections, sources).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "coordination/assessment/assessment.h"
#include "coordination/assessment/codes.h"
#include "coordination/assessment/observations.h"
#include "fhir/json.h"
#include "fhir/validator.h"

namespace parcours::coordination {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kLocal = "https://parcours.example.fr/";

struct File {
  std::string name;
  Json json;
};

std::vector<File> load(std::string_view folder) {
  std::vector<File> out;
  const fs::path dir = fs::path(PARCOURS_SOURCE_DIR) / "content" / folder;
  if (!fs::is_directory(dir)) return out;
  std::vector<fs::path> paths;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".json") paths.push_back(e.path());
  std::sort(paths.begin(), paths.end());
  for (const fs::path& p : paths) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    auto parsed = parse_json(ss.str());
    if (!parsed.ok()) {
      ADD_FAILURE() << p << ": " << parsed.error().message();
      continue;
    }
    out.push_back({p.filename().string(), std::move(parsed.value())});
  }
  return out;
}

const std::vector<File>& questionnaire_files() {
  static const std::vector<File> files = load("questionnaires");
  return files;
}

const std::vector<File>& pathway_files() {
  static const std::vector<File> files = load("pathways");
  return files;
}

std::vector<const Json*> of_type(const std::vector<File>& files, std::string_view type) {
  std::vector<const Json*> out;
  for (const File& f : files)
    if (f.json.get_string("resourceType") == type) out.push_back(&f.json);
  return out;
}

// Local CodeSystems, url → codes.
std::map<std::string, std::set<std::string>> local_code_systems() {
  std::map<std::string, std::set<std::string>> out;
  for (const auto* files : {&questionnaire_files(), &pathway_files()})
    for (const Json* cs : of_type(*files, "CodeSystem")) {
      auto& codes = out[std::string(cs->get_string("url"))];
      if (const Json* concepts = cs->find("concept"))
        for (const Json& c : concepts->as_array()) codes.insert(std::string(c.get_string("code")));
    }
  return out;
}

// Every Coding (an object with "system" and "code") anywhere in `j`.
void collect_codings(const Json& j, std::vector<std::pair<std::string, std::string>>& out) {
  if (j.is_object()) {
    if (j.find("system") && j.find("code") && j.find("code")->is_string())
      out.emplace_back(std::string(j.get_string("system")), std::string(j.get_string("code")));
    for (const auto& [k, v] : j.as_object()) collect_codings(v, out);
  } else if (j.is_array()) {
    for (const Json& v : j.as_array()) collect_codings(v, out);
  }
}

void expect_local_codes_defined(const Json& resource, std::string_view where) {
  static const auto systems = local_code_systems();
  std::vector<std::pair<std::string, std::string>> codings;
  collect_codings(resource, codings);
  for (const auto& [system, code] : codings) {
    if (system.rfind(kLocal, 0) != 0) continue;
    auto it = systems.find(system);
    if (it == systems.end()) {
      ADD_FAILURE() << where << ": CodeSystem " << system << " is not shipped";
      continue;
    }
    EXPECT_TRUE(it->second.count(code)) << where << ": code '" << code << "' is not in " << system;
  }
}

// --- Every file -------------------------------------------------------------

TEST(Content, EveryFileIsAValidR4Resource) {
  std::size_t n = 0;
  for (const auto* files : {&questionnaire_files(), &pathway_files()})
    for (const File& f : *files) {
      ++n;
      for (const Issue& i : fhir::validate_resource(f.json))
        ADD_FAILURE() << f.name << ": " << i.diagnostics << " (" << i.expression << ")";
      // Files are named Type-id.json.
      EXPECT_EQ(f.name, std::string(f.json.get_string("resourceType")) + "-" +
                            std::string(f.json.get_string("id")) + ".json");
      EXPECT_EQ(f.json.get_string("language"), "fr-FR") << f.name;
      EXPECT_EQ(f.json.get_string("status"), "active") << f.name;
      const std::string_view url = f.json.get_string("url");
      EXPECT_EQ(url, std::string(kLocal) + "fhir/" + std::string(f.json.get_string("resourceType")) + "/" +
                         std::string(f.json.get_string("id")))
          << f.name;
      expect_local_codes_defined(f.json, f.name);
    }
  EXPECT_GE(n, 8u);
}

TEST(Content, CanonicalUrlsAreUnique) {
  std::set<std::string> urls;
  for (const auto* files : {&questionnaire_files(), &pathway_files()})
    for (const File& f : *files)
      EXPECT_TRUE(urls.insert(std::string(f.json.get_string("url"))).second) << f.name;
}

// --- Questionnaires against the engine ----------------------------------------

struct QItem {
  std::string type;
  bool required = false;
  std::vector<std::tuple<std::string, std::string, int>> options;  // system, code, ordinal
};

void flatten(const Json& holder, std::vector<std::pair<std::string, QItem>>& out) {
  const Json* items = holder.find("item");
  if (!items) return;
  for (const Json& i : items->as_array()) {
    QItem q;
    q.type = std::string(i.get_string("type"));
    if (const Json* r = i.find("required")) q.required = r->as_bool();
    if (const Json* opts = i.find("answerOption"))
      for (const Json& o : opts->as_array()) {
        const Json* c = o.find("valueCoding");
        int ordinal = -1;
        if (const Json* ext = o.find("extension"))
          for (const Json& e : ext->as_array())
            if (e.get_string("url") == "http://hl7.org/fhir/StructureDefinition/ordinalValue")
              ordinal = static_cast<int>(*e.find("valueDecimal")->to_double());
        q.options.emplace_back(std::string(c->get_string("system")), std::string(c->get_string("code")),
                               ordinal);
      }
    if (q.type != "display") out.emplace_back(std::string(i.get_string("linkId")), std::move(q));
    flatten(i, out);
  }
}

std::string_view type_name(ItemType t) {
  switch (t) {
    case ItemType::kGroup:
      return "group";
    case ItemType::kChoice:
      return "choice";
    case ItemType::kBoolean:
      return "boolean";
  }
  return "";
}

const Json* questionnaire_for(const Instrument& instrument) {
  for (const Json* q : of_type(questionnaire_files(), "Questionnaire"))
    if (q->get_string("url") == instrument.url()) return q;
  return nullptr;
}

TEST(Questionnaires, OnePerInstrumentWithTheEnginesItems) {
  EXPECT_EQ(of_type(questionnaire_files(), "Questionnaire").size(), instruments().size());
  for (const Instrument* instrument : instruments()) {
    SCOPED_TRACE(std::string(instrument->id()));
    const Json* q = questionnaire_for(*instrument);
    ASSERT_NE(q, nullptr) << "no Questionnaire with url " << instrument->url();
    EXPECT_EQ(q->get_string("version"), kInstrumentVersion);
    EXPECT_EQ(q->get_string("id"), instrument->id());
    EXPECT_FALSE(q->get_string("description").empty());
    std::vector<std::pair<std::string, QItem>> items;
    flatten(*q, items);
    const auto& defs = instrument->items();
    ASSERT_EQ(items.size(), defs.size());
    for (std::size_t i = 0; i < defs.size(); ++i) {
      const ItemDef& d = defs[i];
      const auto& [link_id, qi] = items[i];
      EXPECT_EQ(link_id, d.link_id);
      EXPECT_EQ(qi.type, type_name(d.type)) << d.link_id;
      EXPECT_EQ(qi.required, d.required) << d.link_id;
      ASSERT_EQ(qi.options.size(), d.options.size()) << d.link_id;
      for (std::size_t k = 0; k < d.options.size(); ++k) {
        EXPECT_EQ(std::get<0>(qi.options[k]), d.system) << d.link_id;
        EXPECT_EQ(std::get<1>(qi.options[k]), d.options[k].code) << d.link_id;
        EXPECT_EQ(std::get<2>(qi.options[k]), d.options[k].score) << d.link_id << " " << d.options[k].code;
      }
    }
  }
}

TEST(Questionnaires, LoincCodesWhereVerified) {
  auto panel = [](std::string_view id) {
    const Json* q = questionnaire_for(*find_instrument(id));
    return q && q->find("code") ? std::string(q->find("code")->as_array()[0].get_string("code"))
                                : std::string();
  };
  EXPECT_EQ(panel("phq-9"), "44249-1");
  EXPECT_EQ(panel("mna-sf"), "107107-5");
}

// --- The engine over generated responses ---------------------------------------

// A response built from the item definitions: the first `n` answerable items
// take their last option (or "yes"), the others their first (or "no"). Only
// choice items are answered when the instrument has any (AGGIR's adverbs
// would otherwise contradict its modalities).
Json sweep_response(const Instrument& instrument, std::size_t n) {
  const auto& defs = instrument.items();
  const bool has_choices =
      std::any_of(defs.begin(), defs.end(), [](const ItemDef& d) { return d.type == ItemType::kChoice; });
  Json items = Json::array();
  std::size_t k = 0;
  for (const ItemDef& d : defs) {
    Json item = Json::object();
    item.set("linkId", d.link_id);
    Json answer = Json::object();
    if (d.type == ItemType::kChoice) {
      Json c = Json::object();
      c.set("system", d.system);
      c.set("code", (k < n ? d.options.back() : d.options.front()).code);
      answer.set("valueCoding", std::move(c));
    } else if (d.type == ItemType::kBoolean && !has_choices) {
      answer.set("valueBoolean", k < n);
    } else {
      continue;
    }
    ++k;
    item.set("answer", Json(Json::Array{std::move(answer)}));
    items.push_back(std::move(item));
  }
  Json qr = Json::object();
  qr.set("resourceType", "QuestionnaireResponse");
  qr.set("id", "sweep");
  qr.set("questionnaire", std::string(instrument.url()) + "|" + std::string(kInstrumentVersion));
  qr.set("status", "completed");
  Json subject = Json::object();
  subject.set("reference", "Patient/p1");
  qr.set("subject", std::move(subject));
  qr.set("authored", "2026-11-26T09:00:00+01:00");
  qr.set("item", std::move(items));
  return qr;
}

TEST(Questionnaires, GeneratedResponsesScoreIntoValidObservationsWithKnownCodes) {
  for (const Instrument* instrument : instruments()) {
    SCOPED_TRACE(std::string(instrument->id()));
    std::set<std::string> bands;
    for (std::size_t n = 0; n <= instrument->items().size(); ++n) {
      const Json qr = sweep_response(*instrument, n);
      for (const Issue& i : fhir::validate_resource(qr))
        ADD_FAILURE() << i.diagnostics << " " << i.expression;
      auto a = assess(qr);
      ASSERT_TRUE(a.ok()) << n << ": " << a.error().message();
      ASSERT_TRUE(a->complete) << n;
      auto obs = to_observations(*a, qr);
      ASSERT_TRUE(obs.ok()) << obs.error().message();
      ASSERT_FALSE(obs->empty());
      for (const Json& o : *obs) {
        for (const Issue& i : fhir::validate_resource(o))
          ADD_FAILURE() << i.diagnostics << " " << i.expression;
        expect_local_codes_defined(o, instrument->id());
        if (const Json* interp = o.find("interpretation"))
          bands.insert(std::string(interp->as_array()[0].find("coding")->as_array()[0].get_string("code")));
      }
    }
    EXPECT_GE(bands.size(), instrument->id() == "aggir" ? 0u : 2u);
  }
}

// --- Pathway templates --------------------------------------------------------

constexpr std::string_view kSection = "https://parcours.example.fr/fhir/CodeSystem/pps-section";

std::set<std::string> urls_of(const std::vector<File>& files, std::string_view type) {
  std::set<std::string> out;
  for (const Json* r : of_type(files, type)) out.insert(std::string(r->get_string("url")));
  return out;
}

void collect_actions(const Json& holder, std::vector<const Json*>& out) {
  if (const Json* actions = holder.find("action"))
    for (const Json& a : actions->as_array()) {
      out.push_back(&a);
      collect_actions(a, out);
    }
}

TEST(Pathways, TheSixTemplatesAreShipped) {
  std::set<std::string> ids;
  for (const Json* p : of_type(pathway_files(), "PlanDefinition"))
    ids.insert(std::string(p->get_string("id")));
  for (const char* id :
       {"insuffisance-cardiaque-sortie-hospitalisation", "diabete-type-2", "maladie-renale-chronique", "bpco",
        "personne-agee-risque-perte-autonomie", "post-avc"})
    EXPECT_TRUE(ids.count(id)) << id;
}

TEST(Pathways, SourcesGoalsSectionsAndActionsHangTogether) {
  const std::set<std::string> activities = urls_of(pathway_files(), "ActivityDefinition");
  std::set<std::string> used_activities;
  for (const Json* p : of_type(pathway_files(), "PlanDefinition")) {
    const std::string name(p->get_string("id"));
    SCOPED_TRACE(name);
    // Cited public French guidance.
    const Json* sources = p->find("relatedArtifact");
    ASSERT_NE(sources, nullptr);
    for (const Json& s : sources->as_array()) {
      EXPECT_EQ(s.get_string("type"), "citation");
      EXPECT_FALSE(s.get_string("citation").empty());
    }
    // Goals: every one used, at least two measurable.
    std::set<std::string> goals;
    int measurable = 0;
    for (const Json& g : p->find("goal")->as_array()) {
      EXPECT_TRUE(goals.insert(std::string(g.get_string("id"))).second);
      EXPECT_FALSE(g.find("description")->get_string("text").empty());
      if (const Json* t = g.find("target"))
        for (const Json& target : t->as_array())
          if (target.find("detailQuantity") || target.find("detailRange")) ++measurable;
    }
    EXPECT_GE(measurable, 2);
    // Two sections, clinical and medico-social, each with actions.
    const auto& top = p->find("action")->as_array();
    ASSERT_EQ(top.size(), 2u);
    std::vector<std::string> sections;
    for (const Json& s : top) {
      const Json& c = s.find("code")->as_array()[0].find("coding")->as_array()[0];
      EXPECT_EQ(c.get_string("system"), kSection);
      sections.emplace_back(c.get_string("code"));
      EXPECT_FALSE(s.find("action")->as_array().empty());
      EXPECT_EQ(s.find("definitionCanonical"), nullptr);
    }
    EXPECT_EQ(sections, (std::vector<std::string>{"clinique", "medico-social"}));
    // Leaf actions.
    std::vector<const Json*> actions;
    collect_actions(*p, actions);
    std::set<std::string> action_ids;
    for (const Json* a : actions) EXPECT_TRUE(action_ids.insert(std::string(a->get_string("id"))).second);
    std::set<std::string> goals_used;
    for (const Json* a : actions) {
      if (a->find("action")) continue;  // a section
      const std::string id(a->get_string("id"));
      EXPECT_FALSE(a->get_string("title").empty()) << id;
      const std::string definition(a->get_string("definitionCanonical"));
      EXPECT_TRUE(activities.count(definition)) << id << " → " << definition;
      used_activities.insert(definition);
      const Json* participants = a->find("participant");
      ASSERT_NE(participants, nullptr) << id;
      for (const Json& who : participants->as_array()) {
        if (who.get_string("type") != "patient") {
          EXPECT_NE(who.find("role"), nullptr) << id;
        }
      }
      EXPECT_TRUE(a->find("timingTiming") || a->find("timingRange") || a->find("condition") ||
                  a->find("relatedAction"))
          << id << ": when?";
      if (const Json* g = a->find("goalId"))
        for (const Json& gid : g->as_array()) {
          EXPECT_TRUE(goals.count(gid.as_string())) << id << " → goal " << gid.as_string();
          goals_used.insert(gid.as_string());
        }
      if (const Json* rel = a->find("relatedAction")) {
        for (const Json& r : rel->as_array()) {
          EXPECT_TRUE(action_ids.count(std::string(r.get_string("actionId")))) << id;
        }
      }
    }
    EXPECT_EQ(goals_used, goals) << "every goal is pursued by at least one action";
  }
  EXPECT_EQ(used_activities, activities) << "every ActivityDefinition is used by a template";
}

TEST(Pathways, ActivitiesPointAtShippedQuestionnaires) {
  const std::set<std::string> questionnaires = urls_of(questionnaire_files(), "Questionnaire");
  int links = 0;
  for (const Json* a : of_type(pathway_files(), "ActivityDefinition")) {
    EXPECT_FALSE(a->get_string("kind").empty());
    EXPECT_NE(a->find("code"), nullptr);
    if (const Json* rel = a->find("relatedArtifact")) {
      for (const Json& r : rel->as_array()) {
        ++links;
        EXPECT_TRUE(questionnaires.count(std::string(r.get_string("resource")))) << r.get_string("resource");
      }
    }
  }
  EXPECT_GE(links, 5);
}

}  // namespace
}  // namespace parcours::coordination
