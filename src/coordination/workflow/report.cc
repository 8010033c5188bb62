#include "coordination/workflow/report.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "coordination/assessment/assessment.h"
#include "coordination/workflow/codes.h"
#include "coordination/workflow/lifecycle.h"
#include "search/engine.h"

namespace parcours::coordination {

namespace {

using store::Micros;

constexpr std::int64_t kDaySeconds = 86'400;
// The search engine's largest page (search/query.h, max_count): larger sets
// are read page by page with its cursor, never cut.
constexpr int kPage = 1000;
constexpr std::string_view kOpenTask = "requested,received,accepted,ready,in-progress,on-hold";
constexpr std::string_view kNoValue = "non-renseigne";

const std::vector<IndicatorCode> kIndicators = {
    {"file-active", "File active"},
    {"nouvelles-demandes", "Nouvelles demandes"},
    {"inclusions", "Inclusions"},
    {"file-active-par-gestionnaire", "File active par gestionnaire de cas"},
    {"delai-inclusion-median", "Délai médian demande → inclusion"},
    {"delai-inclusion-moyen", "Délai moyen demande → inclusion"},
    {"delai-evaluation-median", "Délai médian demande → première évaluation"},
    {"delai-evaluation-moyen", "Délai moyen demande → première évaluation"},
    {"delai-pps-valide-median", "Délai médian demande → PPS validé"},
    {"delai-pps-valide-moyen", "Délai moyen demande → PPS validé"},
    {"pps-produits", "PPS produits"},
    {"pps-valides", "PPS validés par le médecin traitant"},
    {"retours-envoyes", "Retours au médecin traitant envoyés"},
    {"retours-lus", "Retours lus par le médecin traitant"},
    {"jalons-avec-retour", "Jalons ayant donné lieu à un retour"},
    {"duree-suivi-mediane", "Durée médiane de suivi"},
    {"duree-suivi-moyenne", "Durée moyenne de suivi"},
    {"clotures", "Clôtures"},
    {"taches-en-retard", "Tâches en retard"},
    {"tarif", "Tarif appliqué"},
    {"montant-du", "Montant dû"},
};

const std::vector<IndicatorCode> kBreakdowns = {
    {"niveau", "Niveau d'intensité"},
    {"gestionnaire", "Gestionnaire de cas"},
    {"motif-cloture", "Motif de clôture"},
    {"jalon", "Jalon signalé"},
};

std::string_view display_of(std::string_view code) {
  for (const auto& c : kIndicators)
    if (c.code == code) return c.display;
  return {};
}

// --- reading ---------------------------------------------------------------

struct Found {
  std::string id;
  Json body;
};

// Every live resource of `type` matching `query`, page by page.
Result<std::vector<Found>> all(store::Reader& reader, const std::string& type, std::string_view query) {
  auto params = search::parse_form(query);
  if (!params) return std::move(params).error();
  std::vector<Found> out;
  std::string cursor;
  do {
    search::SearchRequest req;
    req.types = {type};
    req.params = *params;
    req.params.push_back({"_count", std::to_string(kPage)});
    req.params.push_back({"_total", "none"});
    if (!cursor.empty()) req.params.push_back({"_cursor", cursor});
    req.strict = true;
    auto r = search::execute(reader, req);
    if (!r) return std::move(r).error();
    for (auto& h : r->page.hits) {
      auto doc = parse_json(h.body);
      if (!doc) return internal_error("Stored resource " + type + "/" + h.id + " is unreadable");
      out.push_back(Found{std::move(h.id), std::move(*doc)});
    }
    cursor = std::move(r->next_cursor);
  } while (!cursor.empty());
  return out;
}

// When the resource was first stored (its version 1).
Result<std::optional<Micros>> created_at(store::Reader& reader, std::string_view type, std::string_view id) {
  auto v = reader.vread(type, id, 1);
  if (!v) return std::move(v).error();
  if (!*v) return std::optional<Micros>{};
  return std::optional<Micros>{(*v)->last_updated};
}

std::optional<Micros> instant_at(const Json* obj, std::string_view key) {
  if (!obj) return std::nullopt;
  std::string_view s = obj->get_string(key);
  if (s.empty()) return std::nullopt;
  return store::parse_instant(s);
}

std::string_view ref_at(const Json& r, std::string_view key) {
  const Json* j = r.find(key);
  return j ? j->get_string("reference") : std::string_view{};
}

// The first coding of `system` in a CodeableConcept or an array of them.
const Json* coding_of(const Json* concepts, std::string_view system) {
  if (!concepts) return nullptr;
  auto in = [&](const Json& cc) -> const Json* {
    if (const Json* cs = cc.find("coding"); cs && cs->is_array())
      for (const Json& c : cs->as_array())
        if (c.get_string("system") == system) return &c;
    return nullptr;
  };
  if (concepts->is_array()) {
    for (const Json& cc : concepts->as_array())
      if (const Json* c = in(cc)) return c;
    return nullptr;
  }
  return concepts->is_object() ? in(*concepts) : nullptr;
}

const Json* extension_of(const Json& r, std::string_view url) {
  if (const Json* ext = r.find("extension"); ext && ext->is_array())
    for (const Json& e : ext->as_array())
      if (e.get_string("url") == url) return &e;
  return nullptr;
}

bool in_period(std::optional<Micros> t, Micros start, Micros end) { return t && *t >= start && *t < end; }

// Seconds from `from` to `to`, never negative (a referral recorded after the
// inclusion it led to counts as a same-day inclusion).
std::int64_t seconds_between(Micros from, Micros to) { return std::max<Micros>(0, to - from) / 1'000'000; }

// --- the dossiers ------------------------------------------------------------

struct Segment {
  std::string status;
  Micros start = 0;
  std::optional<Micros> end;  // none: the current status
};

struct Dossier {
  std::string id;
  std::string patient;  // "Patient/<id>"
  std::string level;    // code of niveau-coordination ('' unknown)
  std::string level_display;
  std::string care_manager;
  Micros referral = 0;
  Micros lifespan_start = 0;
  std::optional<Micros> inclusion;  // first time active (or on hold)
  std::optional<Micros> closed;     // closed now: since when
  std::string closure_system, closure_code, closure_display;
  std::vector<Segment> timeline;
  std::optional<Micros> first_assessment, first_validation;

  // Within the dossier's life: from its referral to its closure.
  bool covers(Micros t) const { return t >= lifespan_start && (!closed || t <= *closed); }
};

bool followed(std::string_view status) { return status == "active" || status == "onhold"; }

// The statuses the dossier went through: R4 EpisodeOfCare.statusHistory (the
// server appends each status left, with its period: rules.cc), then the
// current status from the end of the last one.
std::vector<Segment> timeline_of(const Json& ep, Micros created) {
  std::vector<Segment> out;
  std::optional<Micros> previous_end;
  const Json* period = ep.find("period");
  if (const Json* h = ep.find("statusHistory"); h && h->is_array())
    for (const Json& entry : h->as_array()) {
      const Json* p = entry.find("period");
      Segment s{std::string(entry.get_string("status")), 0, instant_at(p, "end")};
      auto start = instant_at(p, "start");
      if (!start) start = previous_end;
      if (!start) start = instant_at(period, "start");
      s.start = start ? *start : created;
      previous_end = s.end;
      out.push_back(std::move(s));
    }
  Segment current{std::string(ep.get_string("status")), 0, std::nullopt};
  auto start = previous_end ? previous_end : instant_at(period, "start");
  current.start = start ? *start : created;
  out.push_back(std::move(current));
  return out;
}

Result<Micros> referral_of(store::Reader& reader, const Json& ep, Micros created) {
  std::optional<Micros> earliest;
  if (const Json* refs = ep.find("referralRequest"); refs && refs->is_array())
    for (const Json& r : refs->as_array()) {
      std::string_view ref = r.get_string("reference");
      if (!ref.starts_with("ServiceRequest/")) continue;
      std::string_view id = ref.substr(std::string_view("ServiceRequest/").size());
      auto v = reader.read("ServiceRequest", id);
      if (!v) return std::move(v).error();
      if (!*v || (*v)->deleted) continue;
      auto sr = parse_json((*v)->body);
      if (!sr) return internal_error("Stored resource " + std::string(ref) + " is unreadable");
      // The referral date; without one, when the referral reached the
      // server (its first version: later versions move meta.lastUpdated).
      std::optional<Micros> t = instant_at(&*sr, "authoredOn");
      if (!t) {
        auto c = created_at(reader, "ServiceRequest", id);
        if (!c) return std::move(c).error();
        t = *c;
      }
      if (t && (!earliest || *t < *earliest)) earliest = t;
    }
  if (earliest) return *earliest;
  if (auto start = instant_at(ep.find("period"), "start")) return *start;
  return created;
}

Result<std::optional<Dossier>> dossier_of(store::Reader& reader, Found& f) {
  const Json& ep = f.body;
  std::string_view status = ep.get_string("status");
  if (status == "entered-in-error") return std::optional<Dossier>{};
  auto c = created_at(reader, "EpisodeOfCare", f.id);
  if (!c) return std::move(c).error();
  const Micros created = c->value_or(0);
  Dossier d;
  d.id = f.id;
  d.patient = std::string(ref_at(ep, "patient"));
  if (const Json* level = coding_of(ep.find("type"), codes::kIntensity)) {
    d.level = std::string(level->get_string("code"));
    d.level_display = std::string(level->get_string("display"));
  }
  d.care_manager = std::string(ref_at(ep, "careManager"));
  auto referral = referral_of(reader, ep, created);
  if (!referral) return std::move(referral).error();
  d.referral = *referral;
  d.timeline = timeline_of(ep, created);
  d.lifespan_start = std::min(d.referral, d.timeline.front().start);
  for (const auto& s : d.timeline)
    if (followed(s.status)) {
      d.inclusion = s.start;
      break;
    }
  // A closure undone by a reopening is not one: only the current status says.
  if (episode_closed(status)) {
    auto end = instant_at(ep.find("period"), "end");
    d.closed = end ? *end : d.timeline.back().start;
    if (const Json* reason = extension_of(ep, codes::kClosureReasonExt))
      if (const Json* coding = reason->find("valueCoding")) {
        d.closure_system = std::string(coding->get_string("system"));
        d.closure_code = std::string(coding->get_string("code"));
        d.closure_display = std::string(coding->get_string("display"));
      }
  }
  return std::optional<Dossier>{std::move(d)};
}

bool followed_during(const Dossier& d, Micros start, Micros end) {
  for (const auto& s : d.timeline)
    if (followed(s.status) && s.start < end && (!s.end || *s.end > start)) return true;
  return false;
}

bool overlaps(const Dossier& d, Micros start, Micros end) {
  return d.lifespan_start < end && (!d.closed || *d.closed >= start);
}

// --- the plans ---------------------------------------------------------------

struct Plan {
  std::string id;
  bool clinical = false;
  Micros created = 0;
  std::optional<Micros> validated;  // extension validation-pps, sub-extension "date"
};

Result<std::optional<Plan>> plan_of(store::Reader& reader, const Found& f) {
  const Json* section = coding_of(f.body.find("category"), codes::kPpsSection);
  if (!section || f.body.get_string("status") == "entered-in-error") return std::optional<Plan>{};
  Plan p;
  p.id = f.id;
  p.clinical = section->get_string("code") == "clinique";
  // CarePlan.created ("when this particular CarePlan record was created in
  // the system"), else when it was stored first.
  if (auto c = instant_at(&f.body, "created")) {
    p.created = *c;
  } else {
    auto first = created_at(reader, "CarePlan", f.id);
    if (!first) return std::move(first).error();
    p.created = first->value_or(0);
  }
  if (const Json* v = extension_of(f.body, codes::kPpsValidationExt))
    if (const Json* parts = v->find("extension"); parts && parts->is_array())
      for (const Json& part : parts->as_array())
        if (part.get_string("url") == "date") p.validated = instant_at(&part, "valueDateTime");
  return std::optional<Plan>{std::move(p)};
}

// --- building the indicators -------------------------------------------------

Indicator indicator(std::string_view code, Scoring scoring, Unit unit, std::string_view stratifier = {}) {
  Indicator i;
  i.code = code;
  i.display = display_of(code);
  i.scoring = scoring;
  i.unit = unit;
  i.stratifier = stratifier;
  return i;
}

Figures count_of(std::int64_t n) { return Figures{stats::Fixed{n, 0}, n, 0, 0}; }

Figures proportion_of(std::int64_t part, std::int64_t whole) {
  return Figures{stats::percent(part, whole), 0, part, whole};
}

// A delay or a duration in days (one decimal): its median or mean.
Figures days_of(const std::vector<std::int64_t>& seconds, bool median) {
  Figures f;
  f.count = static_cast<std::int64_t>(seconds.size());
  f.score = median ? stats::median(seconds, kDaySeconds, 1) : stats::mean(seconds, kDaySeconds, 1);
  return f;
}

// Counts by key, in the order of `order` (all of them, zeros included), then
// the other keys in key order.
struct Tally {
  std::map<std::string, std::int64_t> counts;
  std::map<std::string, std::pair<std::string, std::string>> labels;  // key -> (system, display)
  void add(const std::string& key, std::string_view system, std::string_view display) {
    ++counts[key];
    auto& l = labels[key];
    if (l.first.empty()) l.first = std::string(system);
    if (l.second.empty()) l.second = std::string(display);
  }
};

std::vector<Stratum> strata_of(const Tally& t, const std::vector<Level>* order = nullptr) {
  std::vector<Stratum> out;
  std::set<std::string> done;
  auto push = [&](const std::string& key, std::string system, std::string display) {
    auto at = t.counts.find(key);
    Stratum s;
    s.code = key.empty() ? std::string(kNoValue) : key;
    s.system = key.empty() ? std::string() : std::move(system);
    s.display = key.empty() ? "Non renseigné" : std::move(display);
    s.figures = count_of(at == t.counts.end() ? 0 : at->second);
    out.push_back(std::move(s));
    done.insert(key);
  };
  if (order)
    for (const auto& l : *order) push(l.code, std::string(codes::kIntensity), l.display);
  for (const auto& [key, n] : t.counts) {
    if (done.count(key) || key.empty()) continue;
    auto at = t.labels.find(key);
    push(key, at->second.first, at->second.second);
  }
  if (t.counts.count("")) push("", "", "");
  return out;
}

void tally_level(Tally& t, const Dossier& d) {
  t.add(d.level, d.level.empty() ? std::string_view{} : codes::kIntensity, d.level_display);
}

}  // namespace

const Indicator* ActivityReport::find(std::string_view code) const {
  for (const auto& i : indicators)
    if (i.code == code) return &i;
  return nullptr;
}

const std::vector<IndicatorCode>& indicator_codes() { return kIndicators; }
const std::vector<IndicatorCode>& breakdown_codes() { return kBreakdowns; }

Result<std::vector<Level>> intensity_levels(store::Reader& reader) {
  auto found = all(reader, "CodeSystem", "url=" + std::string(codes::kIntensity));
  if (!found) return std::move(found).error();
  std::vector<Level> out;
  if (found->empty()) return out;
  if (const Json* concepts = found->front().body.find("concept"); concepts && concepts->is_array())
    for (const Json& c : concepts->as_array()) {
      Level l{std::string(c.get_string("code")), std::string(c.get_string("display")), std::nullopt};
      if (const Json* props = c.find("property"); props && props->is_array())
        for (const Json& p : props->as_array())
          if (p.get_string("code") == codes::kObservedCost)
            if (const Json* v = p.find("valueDecimal"))
              if (auto euros = v->to_double(); euros && *euros >= 0)
                l.observed_cost_cents = std::llround(*euros * 100);
      out.push_back(std::move(l));
    }
  return out;
}

Result<ActivityReport> activity_report(store::Reader& reader, std::string_view organization_id, Micros start,
                                       Micros end, const Tariffs& overrides) {
  ActivityReport report;
  report.organization = std::string(organization_id);
  report.start = start;
  report.end = end;
  auto levels = intensity_levels(reader);
  if (!levels) return std::move(levels).error();
  // The structure's own tariffs (Organization.extension "tarif": niveau,
  // montant in EUR, financeur), agreed with its funders (seed 003 [262]).
  std::map<std::string, std::pair<std::int64_t, std::string>, std::less<>> agreed;
  if (auto org = reader.read("Organization", organization_id); org && *org && !(*org)->deleted)
    if (auto doc = parse_json((*org)->body))
      if (const Json* exts = doc->find("extension"); exts && exts->is_array())
        for (const Json& x : exts->as_array()) {
          if (x.get_string("url") != codes::kTariffExt) continue;
          std::string level, funder;
          std::optional<std::int64_t> cents;
          if (const Json* parts = x.find("extension"); parts && parts->is_array())
            for (const Json& part : parts->as_array()) {
              if (part.get_string("url") == "niveau")
                if (const Json* c = part.find("valueCoding")) level = std::string(c->get_string("code"));
              if (part.get_string("url") == "montant")
                if (const Json* m = part.find("valueMoney"); m && m->get_string("currency") == "EUR")
                  if (const Json* v = m->find("value"); v && v->to_double())
                    cents = static_cast<std::int64_t>(*v->to_double() * 100 + 0.5);
              if (part.get_string("url") == "financeur")
                if (const Json* r = part.find("valueReference"))
                  funder = std::string(r->get_string("display").empty() ? r->get_string("reference")
                                                                        : r->get_string("display"));
            }
          if (!level.empty() && cents) agreed[level] = {*cents, funder};
        }

  // The structure's dossiers that overlap the period, by patient.
  auto episodes = all(reader, "EpisodeOfCare", "organization=Organization/" + std::string(organization_id));
  if (!episodes) return std::move(episodes).error();
  std::vector<Dossier> dossiers;
  for (auto& f : *episodes) {
    auto d = dossier_of(reader, f);
    if (!d) return std::move(d).error();
    if (*d && overlaps(**d, start, end)) dossiers.push_back(std::move(**d));
  }
  std::map<std::string, std::vector<Dossier*>> by_patient;
  for (auto& d : dossiers)
    if (d.patient.starts_with("Patient/")) by_patient[d.patient].push_back(&d);

  // Per patient: assessments, plans, proposals, late tasks, feedback.
  std::vector<Plan> plans;                    // the structure's: created during one of its dossiers
  std::map<std::string, int> proposals;       // plan id -> approval Tasks authored in the period
  std::set<std::string> late_tasks;           // open and marked late
  std::map<std::string, int> milestone_msgs;  // "topic about" -> feedback messages in the period
  Tally feedback_by_topic;
  std::int64_t feedback_sent = 0, feedback_read = 0;
  for (auto& [patient, mine] : by_patient) {
    // The first assessment after each referral: a completed response to a
    // shipped instrument (the instruments the rules score).
    auto responses = all(reader, "QuestionnaireResponse", "subject=" + patient);
    if (!responses) return std::move(responses).error();
    std::vector<Micros> assessed;
    for (const auto& r : *responses) {
      std::string_view status = r.body.get_string("status");
      if (status != "completed" && status != "amended") continue;
      if (!find_instrument(r.body.get_string("questionnaire"))) continue;
      if (auto t = instant_at(&r.body, "authored")) assessed.push_back(*t);
    }
    std::sort(assessed.begin(), assessed.end());
    for (Dossier* d : mine) {
      auto at = std::lower_bound(assessed.begin(), assessed.end(), d->referral);
      if (at != assessed.end()) d->first_assessment = *at;
    }

    auto care_plans = all(reader, "CarePlan", "subject=" + patient);
    if (!care_plans) return std::move(care_plans).error();
    std::set<std::string> mine_refs;  // what feedback about the structure's work is about
    for (Dossier* d : mine) mine_refs.insert("EpisodeOfCare/" + d->id);
    for (const auto& f : *care_plans) {
      auto p = plan_of(reader, f);
      if (!p) return std::move(p).error();
      if (!*p) continue;
      const Plan& plan = **p;
      // The first validation of a PPS after each referral (clinical part:
      // the one the GP validates; the medico-social part follows it).
      if (plan.clinical && plan.validated)
        for (Dossier* d : mine)
          if (*plan.validated >= d->referral &&
              (!d->first_validation || *plan.validated < *d->first_validation))
            d->first_validation = plan.validated;
      if (std::none_of(mine.begin(), mine.end(), [&](const Dossier* d) { return d->covers(plan.created); }))
        continue;
      mine_refs.insert("CarePlan/" + plan.id);
      plans.push_back(plan);
    }

    auto approvals = all(reader, "Task",
                         "patient=" + patient + "&code=" + std::string(codes::kTaskCode) + "|" +
                             std::string(codes::kTaskApprove));
    if (!approvals) return std::move(approvals).error();
    for (const auto& t : *approvals) {
      std::string_view focus = ref_at(t.body, "focus");
      if (!focus.starts_with("CarePlan/") || !in_period(instant_at(&t.body, "authoredOn"), start, end))
        continue;
      std::string plan = std::string(focus.substr(0, focus.find("/_history/")));
      if (mine_refs.count(plan)) ++proposals[plan.substr(std::string_view("CarePlan/").size())];
    }

    auto late = all(reader, "Task",
                    "patient=" + patient + "&status=" + std::string(kOpenTask) + "&business-status=" +
                        std::string(codes::kCoordinationTask) + "|" + std::string(codes::kTaskLate));
    if (!late) return std::move(late).error();
    for (const auto& t : *late) late_tasks.insert(t.id);

    auto messages = all(reader, "Communication",
                        "subject=" + patient + "&category=" + std::string(codes::kMessageCategory) + "|" +
                            std::string(codes::kFeedbackToGp));
    if (!messages) return std::move(messages).error();
    for (const auto& m : *messages) {
      if (!in_period(instant_at(&m.body, "sent"), start, end)) continue;
      std::string about;
      if (const Json* a = m.body.find("about"); a && a->is_array())
        for (const Json& r : a->as_array())
          if (mine_refs.count(std::string(r.get_string("reference")))) {
            about = std::string(r.get_string("reference"));
            break;
          }
      if (about.empty()) continue;
      ++feedback_sent;
      if (!m.body.get_string("received").empty()) ++feedback_read;
      const Json* topic = coding_of(m.body.find("topic"), codes::kMilestone);
      std::string code = topic ? std::string(topic->get_string("code")) : std::string();
      feedback_by_topic.add(code, topic ? codes::kMilestone : std::string_view{},
                            topic ? topic->get_string("display") : std::string_view{});
      ++milestone_msgs[code + " " + about];
    }
  }

  // --- dossiers: file active, referrals, inclusions, case managers, delays,
  // closures.
  Tally active_by_level, referrals_by_level, inclusions_by_level, by_manager, closures_by_reason;
  std::int64_t active = 0, referrals = 0, inclusions = 0, managed = 0, closures = 0;
  std::vector<std::int64_t> to_inclusion, to_assessment, to_validation, follow_up;
  std::map<std::string, int> milestones;  // "topic about" -> events in the period
  for (const auto& d : dossiers) {
    const std::string self = "EpisodeOfCare/" + d.id;
    if (followed_during(d, start, end)) {
      ++active;
      tally_level(active_by_level, d);
      by_manager.add(d.care_manager, "", "");
      if (!d.care_manager.empty()) ++managed;
    }
    if (in_period(d.referral, start, end)) {
      ++referrals;
      tally_level(referrals_by_level, d);
    }
    if (in_period(d.inclusion, start, end)) {
      ++inclusions;
      tally_level(inclusions_by_level, d);
      to_inclusion.push_back(seconds_between(d.referral, *d.inclusion));
      ++milestones[std::string(codes::kMilestoneAccepted) + " " + self];
    }
    if (in_period(d.first_assessment, start, end))
      to_assessment.push_back(seconds_between(d.referral, *d.first_assessment));
    if (in_period(d.first_validation, start, end))
      to_validation.push_back(seconds_between(d.referral, *d.first_validation));
    if (in_period(d.closed, start, end)) {
      ++closures;
      closures_by_reason.add(d.closure_code, d.closure_system, d.closure_display);
      if (d.inclusion) follow_up.push_back(seconds_between(*d.inclusion, *d.closed));
      ++milestones[std::string(codes::kMilestoneClosed) + " " + self];
    }
  }

  // --- plans: produced, validated, proposals and validations as milestones.
  std::int64_t produced = 0, validated = 0;
  for (const auto& p : plans) {
    if (!p.clinical) continue;
    if (in_period(p.created, start, end)) {
      ++produced;
      if (p.validated && *p.validated < end) ++validated;
    }
    if (in_period(p.validated, start, end))
      ++milestones[std::string(codes::kMilestonePpsValidated) + " CarePlan/" + p.id];
  }
  for (const auto& [plan, n] : proposals)
    milestones[std::string(codes::kMilestonePpsProposed) + " CarePlan/" + plan] += n;
  // A milestone has its feedback when a message of its topic about the same
  // dossier or plan was sent in the period; extra messages (a resumed
  // dossier, a plan proposed twice) do not make up for a missing one.
  std::int64_t events = 0, answered = 0;
  for (const auto& [key, n] : milestones) {
    events += n;
    auto m = milestone_msgs.find(key);
    answered += std::min(n, m == milestone_msgs.end() ? 0 : m->second);
  }

  // --- tariffs and the amount due.
  std::vector<Stratum> tariffs, amounts;
  std::int64_t total_cents = 0, billed = 0;
  auto tariff_of = [&](const std::string& code, std::string& source) -> std::optional<std::int64_t> {
    if (auto o = overrides.find(code); o != overrides.end()) {
      source = "paramètre tariff-" + code;
      return o->second;
    }
    if (auto t = agreed.find(code); t != agreed.end()) {
      source = "tarif de la structure" +
               (t->second.second.empty() ? std::string() : " (" + t->second.second + ")");
      return t->second.first;
    }
    for (const auto& l : *levels)
      if (l.code == code && l.observed_cost_cents) {
        source = "coût observé (CodeSystem niveau-coordination, propriété " +
                 std::string(codes::kObservedCost) + ")";
        return l.observed_cost_cents;
      }
    source = "aucun tarif";
    return std::nullopt;
  };
  for (Stratum s : strata_of(inclusions_by_level, &*levels)) {
    const std::int64_t n = s.figures.count;
    std::string source;
    auto tariff = s.system.empty() ? std::nullopt : tariff_of(s.code, source);
    if (!s.system.empty()) {
      Stratum t = s;
      t.figures = Figures{};
      if (tariff) t.figures.score = stats::Fixed{*tariff, 2};
      t.source = source;
      tariffs.push_back(std::move(t));
    }
    s.figures = Figures{};
    s.figures.count = n;
    if (tariff) {
      s.figures.score = stats::Fixed{n * *tariff, 2};
      total_cents += n * *tariff;
      billed += n;
    }
    amounts.push_back(std::move(s));
  }

  // --- the report, in the order of indicator_codes().
  auto add = [&](Indicator i) { report.indicators.push_back(std::move(i)); };
  {
    Indicator i = indicator("file-active", Scoring::Count, Unit::Dossiers, "niveau");
    i.figures = count_of(active);
    i.strata = strata_of(active_by_level, &*levels);
    add(std::move(i));
  }
  {
    Indicator i = indicator("nouvelles-demandes", Scoring::Count, Unit::Dossiers, "niveau");
    i.figures = count_of(referrals);
    i.strata = strata_of(referrals_by_level, &*levels);
    add(std::move(i));
  }
  {
    Indicator i = indicator("inclusions", Scoring::Count, Unit::Dossiers, "niveau");
    i.figures = count_of(inclusions);
    i.strata = strata_of(inclusions_by_level, &*levels);
    add(std::move(i));
  }
  {
    // Dossiers per case manager (seed 003 [339]): the mean over the case
    // managers of the file active, and each one's caseload.
    Indicator i =
        indicator("file-active-par-gestionnaire", Scoring::Ratio, Unit::DossiersPerManager, "gestionnaire");
    const std::int64_t managers = static_cast<std::int64_t>(by_manager.counts.size()) -
                                  static_cast<std::int64_t>(by_manager.counts.count(""));
    i.figures.numerator = managed;
    i.figures.denominator = managers;
    if (managers > 0) i.figures.score = stats::ratio(managed, managers, 1);
    for (Stratum s : strata_of(by_manager)) {
      s.figures.numerator = s.figures.count;
      s.figures.denominator = s.code == kNoValue ? 0 : 1;
      s.figures.count = 0;
      if (s.code == kNoValue) s.figures.score.reset();  // dossiers nobody manages: no one's caseload
      i.strata.push_back(std::move(s));
    }
    add(std::move(i));
  }
  // A duration in days, as its median and its mean.
  auto delays = [&](std::string_view median, std::string_view mean, const std::vector<std::int64_t>& v) {
    Indicator a = indicator(median, Scoring::Continuous, Unit::Days);
    a.figures = days_of(v, true);
    add(std::move(a));
    Indicator b = indicator(mean, Scoring::Continuous, Unit::Days);
    b.figures = days_of(v, false);
    add(std::move(b));
  };
  delays("delai-inclusion-median", "delai-inclusion-moyen", to_inclusion);
  delays("delai-evaluation-median", "delai-evaluation-moyen", to_assessment);
  delays("delai-pps-valide-median", "delai-pps-valide-moyen", to_validation);
  {
    Indicator i = indicator("pps-produits", Scoring::Count, Unit::Plans);
    i.figures = count_of(produced);
    add(std::move(i));
  }
  {
    Indicator i = indicator("pps-valides", Scoring::Proportion, Unit::Percent);
    i.figures = proportion_of(validated, produced);
    add(std::move(i));
  }
  {
    Indicator i = indicator("retours-envoyes", Scoring::Count, Unit::Messages, "jalon");
    i.figures = count_of(feedback_sent);
    i.strata = strata_of(feedback_by_topic);
    add(std::move(i));
  }
  {
    Indicator i = indicator("retours-lus", Scoring::Proportion, Unit::Percent);
    i.figures = proportion_of(feedback_read, feedback_sent);
    add(std::move(i));
  }
  {
    Indicator i = indicator("jalons-avec-retour", Scoring::Proportion, Unit::Percent);
    i.figures = proportion_of(answered, events);
    add(std::move(i));
  }
  delays("duree-suivi-mediane", "duree-suivi-moyenne", follow_up);
  {
    Indicator i = indicator("clotures", Scoring::Count, Unit::Dossiers, "motif-cloture");
    i.figures = count_of(closures);
    i.strata = strata_of(closures_by_reason);
    add(std::move(i));
  }
  {
    Indicator i = indicator("taches-en-retard", Scoring::Count, Unit::Tasks);
    i.figures = count_of(static_cast<std::int64_t>(late_tasks.size()));
    add(std::move(i));
  }
  {
    Indicator i = indicator("tarif", Scoring::Value, Unit::Euros, "niveau");
    i.strata = std::move(tariffs);
    add(std::move(i));
  }
  {
    Indicator i = indicator("montant-du", Scoring::Amount, Unit::Euros, "niveau");
    i.figures.count = billed;
    i.figures.score = stats::Fixed{total_cents, 2};
    i.strata = std::move(amounts);
    add(std::move(i));
  }
  return report;
}

}  // namespace parcours::coordination
