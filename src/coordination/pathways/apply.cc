#include "coordination/pathways/apply.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <set>

#include "fhir/primitives.h"
#include "fhir/values.h"

namespace parcours::coordination {
namespace {

constexpr std::string_view kUcum = "http://unitsofmeasure.org";
constexpr std::string_view kParticipantType = "http://hl7.org/fhir/action-participant-type";

// The two PPS sections, in output order: the clinical plan comes first so
// that the medico-social one can be partOf it.
struct Section {
  std::string_view code;
  std::string_view display;
};
constexpr std::array<Section, 2> kSections = {
    {{"clinique", "Volet clinique"}, {"medico-social", "Volet médico-social"}}};
constexpr std::size_t kClinical = 0;

// R4 CarePlanActivityKind (required binding of CarePlan.activity.detail.kind).
bool is_care_plan_kind(std::string_view kind) {
  static constexpr std::array<std::string_view, 8> kinds = {
      "Appointment", "CommunicationRequest", "DeviceRequest",     "MedicationRequest", "NutritionOrder",
      "Task",        "ServiceRequest",       "VisionPrescription"};
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

Json array_of(Json value) { return Json(Json::Array{std::move(value)}); }

using fhir::reference;

// RFC 4122 version 4: 122 random bits, version nibble 4, variant 10. These
// name resources inside one transaction only, so a seeded PRNG suffices.
std::string new_uuid() {
  thread_local std::mt19937_64 rng = [] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }();
  const std::uint64_t hi = (rng() & ~std::uint64_t{0xF000}) | 0x4000;
  const std::uint64_t lo = (rng() & ~(std::uint64_t{3} << 62)) | (std::uint64_t{1} << 63);
  char buf[48];
  std::snprintf(buf, sizeof buf, "urn:uuid:%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48), static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return buf;
}

// A parameter reference: "Type/id" with one of `types`, or a urn:uuid of the
// same transaction.
bool is_reference_to(std::string_view ref, std::initializer_list<std::string_view> types) {
  if (ref.starts_with("urn:uuid:")) return fhir::is_valid_uuid(ref);
  const auto slash = ref.find('/');
  if (slash == std::string_view::npos) return false;
  const std::string_view type = ref.substr(0, slash);
  return std::find(types.begin(), types.end(), type) != types.end() &&
         fhir::is_valid_id(ref.substr(slash + 1));
}

Issue warning(std::string code, std::string diagnostics, std::string expression) {
  return Issue{"warning", std::move(code), std::move(diagnostics), std::move(expression)};
}

// One leaf action of a section, with where it sits in the PlanDefinition and
// the condition texts inherited from the groups around it.
struct Flat {
  const Json* action = nullptr;
  std::string path;
  std::vector<std::string> conditions;
};

struct PlanDraft {
  std::string full_url;
  std::vector<Flat> actions;
  std::vector<std::string> goals;  // urn:uuids
};

class Applier {
 public:
  explicit Applier(const ApplyInput& in) : in_(in), pd_(*in.plan_definition) {}
  Result<ApplyOutput> run();

 private:
  void flatten(const Json& action, const std::string& path, std::vector<std::string> conditions,
               std::vector<Flat>& out);
  Json goal(const Json& g, std::size_t index);
  Json care_plan(std::size_t section, const PlanDraft& draft, const std::string& part_of);
  Json activity(const Flat& f);
  void schedule(const Json& holder, const std::string& where, const std::string& anchor, std::string_view id,
                Json& detail);
  std::string anchor_of(const Json& action, const std::string& where);
  std::optional<std::string> shifted(const std::string& date, const Json& duration, const std::string& where);
  void warn(std::string code, std::string diagnostics, std::string expression) {
    out_.warnings.push_back(warning(std::move(code), std::move(diagnostics), std::move(expression)));
  }

  const ApplyInput& in_;
  const Json& pd_;
  ApplyOutput out_;
  std::map<std::string, std::string> goal_urls_;   // PlanDefinition.goal.id → urn:uuid
  std::map<std::string, std::string> series_end_;  // action id → last day of its bounded series
};

// Duration → date. UCUM defines mo and a as mean Julian lengths; a care plan
// counts in calendar months and years, as people (and Timing.periodUnit) do.
std::optional<std::string> Applier::shifted(const std::string& date, const Json& duration,
                                            const std::string& where) {
  const Json* value = duration.find("value");
  const std::string_view system = duration.get_string("system");
  const std::string_view code = duration.get_string("code");
  std::optional<std::int64_t> n = value ? value->to_int64() : std::nullopt;
  std::optional<std::string> out;
  if (n && (system.empty() || system == kUcum)) out = add_to_date(date, *n, code);
  if (!out)
    warn("not-supported",
         "This duration has no calendar meaning here (a whole number of UCUM d, wk, mo or a is expected): "
         "left out of the dates",
         where);
  return out;
}

void Applier::flatten(const Json& action, const std::string& path, std::vector<std::string> conditions,
                      std::vector<Flat>& out) {
  if (const Json* cs = action.find("condition"); cs && cs->is_array()) {
    std::size_t i = 0;
    for (const Json& c : cs->as_array()) {
      const std::string where = path + ".condition[" + std::to_string(i++) + "]";
      const Json* e = c.find("expression");
      if (!e) continue;
      std::string_view text = e->get_string("description");
      if (text.empty()) text = e->get_string("expression");
      if (text.empty()) continue;
      // Conditions are read by the coordinator, never evaluated: say so when
      // one was written for a machine.
      if (const std::string_view lang = e->get_string("language"); !lang.empty() && lang != "text/plain")
        warn("not-supported", "Condition in " + std::string(lang) + " not evaluated: copied as text", where);
      const std::string_view kind = c.get_string("kind");
      const char* prefix = kind == "start" ? "Début : " : kind == "stop" ? "Fin : " : "Si : ";
      conditions.push_back(prefix + std::string(text));
    }
  }
  // A nested group contributes its members, in order; its own timing and
  // participants describe the group, not a thing to do.
  if (const Json* children = action.find("action");
      children && children->is_array() && children->size() > 0) {
    std::size_t i = 0;
    for (const Json& child : children->as_array())
      flatten(child, path + ".action[" + std::to_string(i++) + "]", conditions, out);
    return;
  }
  out.push_back({&action, path, std::move(conditions)});
}

Json Applier::goal(const Json& g, std::size_t index) {
  const std::string where = "PlanDefinition.goal[" + std::to_string(index) + "]";
  std::string_view pd_id = pd_.get_string("id");
  if (pd_id.empty()) pd_id = pd_.get_string("url");
  std::string goal_id(g.get_string("id"));
  if (goal_id.empty()) goal_id = std::to_string(index);

  Json out = Json::object();
  out.set("resourceType", "Goal");
  Json identifier = Json::object();
  identifier.set("system", kPpsGoalSystem);
  identifier.set("value", std::string(pd_id) + "#" + goal_id);
  out.set("identifier", array_of(std::move(identifier)));
  // "proposed": nobody has agreed to it yet; the plan is a draft too.
  out.set("lifecycleStatus", "proposed");
  if (const Json* c = g.find("category")) out.set("category", array_of(*c));
  if (const Json* p = g.find("priority")) out.set("priority", *p);
  if (const Json* d = g.find("description")) {
    out.set("description", *d);
  } else {  // Goal.description is 1..1
    Json text = Json::object();
    text.set("text", goal_id);
    out.set("description", std::move(text));
    warn("required", "Goal without a description: its id is used instead", where + ".description");
  }
  out.set("subject", reference(in_.subject));
  if (const Json* targets = g.find("target"); targets && targets->is_array() && targets->size() > 0) {
    Json list = Json::array();
    std::size_t i = 0;
    for (const Json& t : targets->as_array()) {
      Json target = Json::object();
      if (const Json* m = t.find("measure")) target.set("measure", *m);
      for (const char* key : {"detailQuantity", "detailRange", "detailCodeableConcept"})
        if (const Json* d = t.find(key)) target.set(key, *d);
      if (const Json* due = t.find("due")) {
        const std::string at = where + ".target[" + std::to_string(i) + "].due";
        if (auto date = shifted(in_.start, *due, at))
          target.set("dueDate", *date);
        else
          target.set("dueDuration", *due);
      }
      ++i;
      if (target.size() > 0) list.push_back(std::move(target));
    }
    if (list.size() > 0) out.set("target", std::move(list));
  }
  return out;
}

// Day 0 of an action: the start of the plan, or the end of the bounded series
// it follows ("after-end" of "weekly for 2 months", plus any offset). A
// deadline ("within 7 days") says when the other action is due, not when it
// ends: an action after it keeps day 0 and the order is the coordinator's.
std::string Applier::anchor_of(const Json& action, const std::string& where) {
  const Json* related = action.find("relatedAction");
  if (!related || !related->is_array()) return in_.start;
  std::size_t i = 0;
  for (const Json& r : related->as_array()) {
    const std::string at = where + ".relatedAction[" + std::to_string(i++) + "]";
    const std::string_view rel = r.get_string("relationship");
    if (rel != "after-end" && rel != "after") continue;
    auto end = series_end_.find(std::string(r.get_string("actionId")));
    if (end == series_end_.end()) continue;
    std::string anchor = end->second;
    if (const Json* off = r.find("offsetDuration")) {
      if (auto d = shifted(anchor, *off, at + ".offsetDuration")) anchor = *d;
    } else if (const Json* range = r.find("offsetRange"); range && range->find("low")) {
      if (auto d = shifted(anchor, *range->find("low"), at + ".offsetRange.low")) anchor = *d;
    }
    return anchor;
  }
  return in_.start;
}

// timing[x] of an action or ActivityDefinition → CarePlan.activity.detail.scheduled[x].
void Applier::schedule(const Json& holder, const std::string& where, const std::string& anchor,
                       std::string_view id, Json& detail) {
  if (const Json* range = holder.find("timingRange")) {
    // "Within 7 days", "between 2 and 6 months": the window to do it in.
    const std::string at = where + ".timingRange";
    Json period = Json::object();
    std::string start = anchor;
    if (const Json* low = range->find("low"))
      if (auto d = shifted(anchor, *low, at + ".low")) start = *d;
    period.set("start", start);
    if (const Json* high = range->find("high"))
      if (auto d = shifted(anchor, *high, at + ".high")) period.set("end", *d);
    detail.set("scheduledPeriod", std::move(period));
  } else if (const Json* timing = holder.find("timingTiming")) {
    // A repetition from day 0; "for 2 months" (boundsDuration) becomes dates.
    Json copy = *timing;
    if (Json* repeat = copy.find("repeat"); repeat && repeat->is_object()) {
      Json bounds = Json::object();
      bounds.set("start", anchor);
      bool replace = false;
      if (const Json* duration = repeat->find("boundsDuration")) {
        if (auto end = shifted(anchor, *duration, where + ".timingTiming.repeat.boundsDuration")) {
          bounds.set("end", *end);
          if (!id.empty()) series_end_[std::string(id)] = *end;
          replace = true;
        }
      } else {
        replace = !repeat->find("boundsRange") && !repeat->find("boundsPeriod");
      }
      if (replace) {
        Json r = Json::object();
        r.set("boundsPeriod", std::move(bounds));
        for (auto& [k, v] : repeat->as_object())
          if (k != "boundsDuration") r.set(k, std::move(v));
        *repeat = std::move(r);
      }
    }
    detail.set("scheduledTiming", std::move(copy));
  } else if (const Json* duration = holder.find("timingDuration")) {
    Json period = Json::object();
    period.set("start", anchor);
    if (auto end = shifted(anchor, *duration, where + ".timingDuration")) period.set("end", *end);
    detail.set("scheduledPeriod", std::move(period));
  } else if (const Json* period = holder.find("timingPeriod")) {
    detail.set("scheduledPeriod", *period);
  } else if (const Json* when = holder.find("timingDateTime")) {
    Json t = Json::object();
    t.set("event", array_of(*when));
    detail.set("scheduledTiming", std::move(t));
  } else if (holder.find("timingAge")) {
    warn("not-supported", "A timing given as the person's age needs the birth date: left unscheduled",
         where + ".timingAge");
  }
}

bool has_timing(const Json& j) {
  for (const char* k :
       {"timingRange", "timingTiming", "timingDuration", "timingPeriod", "timingDateTime", "timingAge"})
    if (j.find(k)) return true;
  return false;
}

Json Applier::activity(const Flat& f) {
  const Json& a = *f.action;
  const std::string canonical(a.get_string("definitionCanonical"));
  const Json* def = nullptr;
  if (!canonical.empty()) {
    def = in_.activity ? in_.activity(canonical) : nullptr;
    if (!def) {
      warn("not-found",
           "ActivityDefinition '" + canonical + "' is unknown: the activity is made from the action alone",
           f.path + ".definitionCanonical");
    } else if (def->get_string("resourceType") != "ActivityDefinition") {
      warn("not-supported",
           "'" + canonical + "' is a " + std::string(def->get_string("resourceType")) +
               ", not an ActivityDefinition: the activity is made from the action alone",
           f.path + ".definitionCanonical");
      def = nullptr;
    }
  }
  // Action first, then its definition: the template's own words win.
  auto pick = [&](std::string_view key) -> const Json* {
    if (const Json* v = a.find(key)) return v;
    return def ? def->find(key) : nullptr;
  };

  Json detail = Json::object();
  if (const Json* participants = pick("participant"); participants && participants->is_array()) {
    Json extensions = Json::array();
    for (const Json& p : participants->as_array()) {
      Json role;
      if (const Json* r = p.find("role")) {
        role = *r;
      } else if (const std::string_view type = p.get_string("type"); !type.empty()) {
        // No profession for "the patient": the participant type says who.
        Json coding = Json::object();
        coding.set("system", kParticipantType);
        coding.set("code", type);
        role = Json::object();
        role.set("coding", array_of(std::move(coding)));
        role.set("text", type == "patient"          ? "Patient"
                         : type == "related-person" ? "Proche"
                         : type == "device"         ? "Dispositif"
                                                    : "Professionnel");
      } else {
        continue;
      }
      Json ext = Json::object();
      ext.set("url", kIntervenantExtension);
      ext.set("valueCodeableConcept", std::move(role));
      extensions.push_back(std::move(ext));
    }
    if (extensions.size() > 0) detail.set("extension", std::move(extensions));
  }
  if (def)
    if (const std::string_view kind = def->get_string("kind"); is_care_plan_kind(kind))
      detail.set("kind", kind);
  if (!canonical.empty()) detail.set("instantiatesCanonical", array_of(canonical));
  if (const std::string_view uri = a.get_string("definitionUri"); !uri.empty())
    detail.set("instantiatesUri", array_of(uri));
  if (const Json* codes = a.find("code"); codes && codes->is_array() && codes->size() > 0)
    detail.set("code", codes->as_array().front());
  else if (def && def->find("code"))
    detail.set("code", *def->find("code"));
  if (const Json* reason = a.find("reason")) detail.set("reasonCode", *reason);
  if (const Json* ids = a.find("goalId"); ids && ids->is_array()) {
    Json goals = Json::array();
    std::size_t i = 0;
    for (const Json& id : ids->as_array()) {
      const std::string at = f.path + ".goalId[" + std::to_string(i++) + "]";
      auto it = id.is_string() ? goal_urls_.find(id.as_string()) : goal_urls_.end();
      if (it == goal_urls_.end()) {
        warn("not-found", "No PlanDefinition.goal has this id: the link is dropped", at);
        continue;
      }
      goals.push_back(reference(it->second));
    }
    if (goals.size() > 0) detail.set("goal", std::move(goals));
  }
  detail.set("status", "not-started");
  if (def)
    if (const Json* dnp = def->find("doNotPerform"); dnp && dnp->is_bool() && dnp->as_bool())
      detail.set("doNotPerform", true);
  const std::string anchor = anchor_of(a, f.path);
  if (has_timing(a))
    schedule(a, f.path, anchor, a.get_string("id"), detail);
  else if (def)
    schedule(*def, "ActivityDefinition", anchor, a.get_string("id"), detail);
  if (def) {
    if (const Json* loc = def->find("location")) detail.set("location", *loc);
    for (const char* key : {"productReference", "productCodeableConcept", "quantity"})
      if (const Json* v = def->find(key)) detail.set(key, *v);
  }

  std::string text(a.get_string("description"));
  if (text.empty()) text = a.get_string("title");
  if (text.empty() && def) text = def->get_string("description");
  std::string description;
  for (const std::string& part : f.conditions) description += part + " — ";
  description += text;
  if (text.empty() && !description.empty())
    description.resize(description.size() - std::string_view(" — ").size());
  if (!description.empty()) detail.set("description", description);

  Json out = Json::object();
  out.set("detail", std::move(detail));
  return out;
}

Json Applier::care_plan(std::size_t section, const PlanDraft& draft, const std::string& part_of) {
  Json cp = Json::object();
  cp.set("resourceType", "CarePlan");
  std::string canonical(pd_.get_string("url"));
  if (const std::string_view v = pd_.get_string("version"); !v.empty()) canonical += "|" + std::string(v);
  cp.set("instantiatesCanonical", array_of(canonical));
  if (!part_of.empty()) cp.set("partOf", array_of(reference(part_of)));
  // Draft until the GP validates it (the templates' `usage`).
  cp.set("status", "draft");
  cp.set("intent", "plan");
  Json coding = Json::object();
  coding.set("system", codes::kPpsSection);
  coding.set("code", kSections[section].code);
  coding.set("display", kSections[section].display);
  Json category = Json::object();
  category.set("coding", array_of(std::move(coding)));
  category.set("text", kSections[section].display);
  cp.set("category", array_of(std::move(category)));

  std::string title = in_.title;
  if (title.empty()) {
    std::string_view name = pd_.get_string("title");
    if (name.empty()) name = pd_.get_string("name");
    if (name.empty()) name = pd_.get_string("id");
    title = "PPS — " + std::string(name);
  }
  // Two plans side by side in a list: the section tells them apart.
  cp.set("title", title + " — " + std::string(kSections[section].display));
  if (const std::string_view d = pd_.get_string("description"); !d.empty()) cp.set("description", d);
  cp.set("subject", reference(in_.subject));
  if (!in_.encounter.empty()) cp.set("encounter", reference(in_.encounter));
  Json period = Json::object();
  period.set("start", in_.start);
  cp.set("period", std::move(period));
  cp.set("created", in_.start);
  if (!in_.author.empty()) cp.set("author", reference(in_.author));
  auto references = [](const std::vector<std::string>& refs) {
    Json list = Json::array();
    for (const std::string& r : refs) list.push_back(reference(r));
    return list;
  };
  if (!in_.care_team.empty()) cp.set("careTeam", references(in_.care_team));
  if (!in_.addresses.empty()) cp.set("addresses", references(in_.addresses));
  if (!draft.goals.empty()) cp.set("goal", references(draft.goals));
  if (!draft.actions.empty()) {
    Json activities = Json::array();
    for (const Flat& f : draft.actions) activities.push_back(activity(f));
    cp.set("activity", std::move(activities));
  }
  return cp;
}

Result<ApplyOutput> Applier::run() {
  // Sections: top-level groups coded with CodeSystem/pps-section.
  std::array<std::optional<PlanDraft>, kSections.size()> drafts;
  const Json* top = pd_.find("action");
  bool sectioned = false;
  if (top && top->is_array()) {
    std::size_t i = 0;
    for (const Json& action : top->as_array()) {
      const std::string path = "PlanDefinition.action[" + std::to_string(i++) + "]";
      std::optional<std::size_t> section;
      if (const Json* codes = action.find("code"); codes && codes->is_array())
        for (const Json& cc : codes->as_array())
          if (const Json* codings = cc.find("coding"); codings && codings->is_array())
            for (const Json& c : codings->as_array())
              for (std::size_t s = 0; s < kSections.size(); ++s)
                if (c.get_string("system") == codes::kPpsSection && c.get_string("code") == kSections[s].code)
                  section = s;
      if (!section) {
        // Unclassified content goes where access is the narrower, clinical.
        warn("business-rule", "Action outside the PPS sections: put in the clinical plan", path);
        if (!drafts[kClinical]) drafts[kClinical].emplace();
        flatten(action, path, {}, drafts[kClinical]->actions);
        continue;
      }
      sectioned = true;
      if (!drafts[*section]) drafts[*section].emplace();
      std::vector<Flat>& into = drafts[*section]->actions;
      // The section group itself is not an activity: flatten its members
      // (with any condition it carries).
      if (const Json* children = action.find("action");
          children && children->is_array() && children->size() > 0)
        flatten(action, path, {}, into);
    }
  }
  if (!sectioned)
    return unprocessable("The PlanDefinition has no top-level group coded with " +
                             std::string(codes::kPpsSection) +
                             " (clinique, medico-social): a PPS could not be split by access category",
                         "PlanDefinition.action");

  for (auto& d : drafts)
    if (d) d->full_url = new_uuid();

  // Goals: each goes into the first plan whose actions pursue it, so a goal
  // shared by both sections lives in the clinical plan only (a medico-social
  // activity may still point at it); a goal no action pursues stays with the
  // first plan too rather than being lost.
  if (const Json* goals = pd_.find("goal"); goals && goals->is_array()) {
    std::size_t i = 0;
    std::set<std::string> seen;
    for (const Json& g : goals->as_array()) {
      const std::size_t index = i++;
      const std::string id(g.get_string("id"));
      if (!id.empty() && !seen.insert(id).second) {
        warn("duplicate", "Goal id '" + id + "' repeated: the first one is used",
             "PlanDefinition.goal[" + std::to_string(index) + "].id");
        continue;
      }
      PlanDraft* owner = nullptr;
      for (auto& d : drafts) {
        if (!d) continue;
        if (!owner) owner = &*d;
        const bool pursued =
            !id.empty() && std::any_of(d->actions.begin(), d->actions.end(), [&](const Flat& f) {
              const Json* ids = f.action->find("goalId");
              return ids && ids->is_array() &&
                     std::any_of(ids->as_array().begin(), ids->as_array().end(),
                                 [&](const Json& x) { return x.is_string() && x.as_string() == id; });
            });
        if (pursued) {
          owner = &*d;
          break;
        }
      }
      Applied applied{new_uuid(), goal(g, index)};
      if (!id.empty()) goal_urls_[id] = applied.full_url;
      owner->goals.push_back(applied.full_url);
      out_.goals.push_back(std::move(applied));
    }
  }

  std::string clinical_url;
  for (std::size_t s = 0; s < drafts.size(); ++s) {
    if (!drafts[s]) continue;
    const std::string part_of = s == kClinical ? std::string() : clinical_url;
    out_.care_plans.push_back({drafts[s]->full_url, care_plan(s, *drafts[s], part_of)});
    if (s == kClinical) clinical_url = drafts[s]->full_url;
  }
  return std::move(out_);
}

}  // namespace

std::optional<std::string> add_to_date(std::string_view date, std::int64_t value, std::string_view unit) {
  const auto parts = fhir::parse_date(date);
  if (!parts || parts->precision != fhir::DateTimeParts::Precision::kDay) return std::nullopt;
  // Beyond ±10 million units any result is out of range; the bound keeps the
  // arithmetic below from overflowing.
  if (value > 10'000'000 || value < -10'000'000) return std::nullopt;
  using namespace std::chrono;
  std::int64_t y = parts->year;
  unsigned m = static_cast<unsigned>(parts->month);
  unsigned d = static_cast<unsigned>(parts->day);
  if (unit == "d" || unit == "wk") {
    const std::int64_t days_to_add = unit == "d" ? value : value * 7;
    if (days_to_add > 4'000'000 || days_to_add < -4'000'000) return std::nullopt;
    const year_month_day moved{sys_days{year{parts->year} / month{m} / day{d}} +
                               days{static_cast<int>(days_to_add)}};
    y = static_cast<int>(moved.year());
    m = static_cast<unsigned>(moved.month());
    d = static_cast<unsigned>(moved.day());
  } else if (unit == "mo" || unit == "a") {
    const std::int64_t total = y * 12 + (m - 1) + (unit == "mo" ? value : value * 12);
    y = total >= 0 ? total / 12 : (total - 11) / 12;
    m = static_cast<unsigned>(total - y * 12) + 1;
    if (y < 1 || y > 9999) return std::nullopt;
    // 31 January + 1 month: the last day of February.
    const unsigned last =
        static_cast<unsigned>(year_month_day_last{year{static_cast<int>(y)}, month_day_last{month{m}}}.day());
    d = std::min(d, last);
  } else {
    return std::nullopt;
  }
  if (y < 1 || y > 9999) return std::nullopt;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(y), m, d);
  return std::string(buf);
}

Result<ApplyOutput> apply_plan_definition(const ApplyInput& in) {
  // Parameters first (400, located by parameter name), then the template.
  if (!in.plan_definition || in.plan_definition->get_string("resourceType") != "PlanDefinition")
    return bad_request("planDefinition must be a PlanDefinition resource", "planDefinition");
  if (in.subject.empty()) return Error(400, "required", "subject is required (Patient/<id>)", "subject");
  if (!is_reference_to(in.subject, {"Patient"}))
    return bad_request("subject must be 'Patient/<id>' or a urn:uuid:, not '" + in.subject + "'", "subject");
  if (in.start.empty())
    return Error(400, "required", "start is required: the day the plan begins (YYYY-MM-DD)", "start");
  if (const auto p = fhir::parse_date(in.start); !p || p->precision != fhir::DateTimeParts::Precision::kDay)
    return bad_request("start must be a full date YYYY-MM-DD, not '" + in.start + "'", "start");
  if (!in.author.empty() && !is_reference_to(in.author, {"Practitioner", "PractitionerRole", "Organization",
                                                         "CareTeam", "Patient", "RelatedPerson", "Device"}))
    return bad_request("author must be a reference such as 'Practitioner/<id>', not '" + in.author + "'",
                       "author");
  if (!in.encounter.empty() && !is_reference_to(in.encounter, {"Encounter"}))
    return bad_request("encounter must be 'Encounter/<id>', not '" + in.encounter + "'", "encounter");
  for (std::size_t i = 0; i < in.care_team.size(); ++i)
    if (!is_reference_to(in.care_team[i], {"CareTeam"}))
      return bad_request("careTeam must hold 'CareTeam/<id>' references, not '" + in.care_team[i] + "'",
                         "careTeam[" + std::to_string(i) + "]");
  for (std::size_t i = 0; i < in.addresses.size(); ++i)
    if (!is_reference_to(in.addresses[i], {"Condition"}))
      return bad_request("addresses must hold 'Condition/<id>' references, not '" + in.addresses[i] + "'",
                         "addresses[" + std::to_string(i) + "]");
  if (in.plan_definition->get_string("url").empty())
    return unprocessable(
        "The PlanDefinition has no url: the PPS could not say which template it instantiates",
        "PlanDefinition.url");
  return Applier(in).run();
}

Json to_transaction(const ApplyOutput& out) {
  Json entries = Json::array();
  for (const auto* list : {&out.care_plans, &out.goals})
    for (const Applied& a : *list) {
      Json request = Json::object();
      request.set("method", "POST");
      request.set("url", a.resource.get_string("resourceType"));
      Json entry = Json::object();
      entry.set("fullUrl", a.full_url);
      entry.set("resource", a.resource);
      entry.set("request", std::move(request));
      entries.push_back(std::move(entry));
    }
  Json bundle = Json::object();
  bundle.set("resourceType", "Bundle");
  bundle.set("type", "transaction");
  bundle.set("entry", std::move(entries));
  return bundle;
}

}  // namespace parcours::coordination
