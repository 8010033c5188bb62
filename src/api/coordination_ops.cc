#include "api/coordination_ops.h"

#include <algorithm>
#include <cctype>
#include <deque>
#include <map>
#include <optional>

#include "api/interactions.h"
#include "coordination/pathways/apply.h"
#include "coordination/workflow/codes.h"
#include "coordination/workflow/feedback.h"
#include "coordination/workflow/operations.h"
#include "coordination/workflow/pps_document.h"
#include "coordination/workflow/report.h"
#include "coordination/workflow/report_output.h"
#include "coordination/workflow/scheduler.h"
#include "search/engine.h"
#include "security/clock.h"
#include "security/guard.h"

namespace parcours::api {

Result<Json> propose_care_plan(const security::RequestContext& ctx, store::Store& store,
                               const std::string& id, std::string_view body, std::size_t max_depth) {
  std::string comment;
  if (!body.empty()) {
    auto json = parse_json(body, JsonParseOptions{max_depth});
    if (!json) return std::move(json).error();
    if (json->get_string("resourceType") != "Parameters")
      return bad_request("$propose takes an empty body or a Parameters resource", "resourceType");
    if (const Json* ps = json->find("parameter"); ps && ps->is_array())
      for (std::size_t i = 0; i < ps->as_array().size(); ++i) {
        const Json& p = ps->as_array()[i];
        if (p.get_string("name") == "comment") {
          comment = std::string(p.get_string("valueString"));
        } else {
          return bad_request(
              "Unknown parameter '" + std::string(p.get_string("name")) + "' (only 'comment' is accepted)",
              "Parameters.parameter[" + std::to_string(i) + "]");
        }
      }
  }
  if (comment.size() > 2000) return bad_request("The comment is limited to 2000 characters", "comment");
  Json task;
  Status st = store.write([&](store::Writer& w) -> Status {
    // Proposing a plan is a write on it: the caller must be allowed to
    // update it (and a refusal tells nothing of its existence).
    auto access = security::check_stored(ctx, w, security::Interaction::Update, "CarePlan", id);
    if (!access) return std::move(access).error();
    const std::string missing = "Resource CarePlan/" + id + " is not known";
    if (!access->decision.allowed) {
      security::audit_access(ctx, "propose", "E", access->label.patient, "CarePlan/" + id, access->decision);
      return security::refusal(access->decision, missing);
    }
    const store::Micros now = ctx.access && ctx.access->now ? ctx.access->now : security::Clock::now();
    auto effects = coordination::propose_pps(ctx, w, id, comment, now);
    if (!effects) return std::move(effects).error();
    task = effects->front().resource;
    return write_effects(ctx, w, *effects);
  });
  if (!st) return std::move(st).error();
  // The Task as stored (with meta).
  auto reader = store.reader();
  auto v = reader->read("Task", task.get_string("id"));
  if (!v) return std::move(v).error();
  if (!*v) return internal_error("The approval Task was not stored");
  return parse_json((*v)->body);
}

namespace {

// Operation parameters as (name, value) pairs, from the URL or a Parameters
// body (value[x] of a primitive type, or valueReference.reference).
Result<std::vector<QueryParam>> operation_parameters(const std::vector<QueryParam>& query,
                                                     std::string_view body, std::size_t max_depth) {
  std::vector<QueryParam> out = query;
  if (body.empty()) return out;
  auto json = parse_json(body, JsonParseOptions{max_depth});
  if (!json) return std::move(json).error();
  if (json->get_string("resourceType") != "Parameters")
    return bad_request("The operation takes a Parameters resource", "resourceType");
  if (const Json* ps = json->find("parameter"); ps && ps->is_array())
    for (std::size_t i = 0; i < ps->as_array().size(); ++i) {
      const Json& p = ps->as_array()[i];
      std::string value;
      for (const auto& [k, v] : p.as_object()) {
        if (!k.starts_with("value")) continue;
        if (v.is_string()) value = v.as_string();
        if (v.is_object()) value = std::string(v.get_string("reference"));
      }
      if (value.empty())
        return bad_request("Parameter '" + std::string(p.get_string("name")) + "' has no usable value",
                           "Parameters.parameter[" + std::to_string(i) + "]");
      out.push_back({std::string(p.get_string("name")), std::move(value)});
    }
  return out;
}

}  // namespace

Result<Json> apply_plan_definition(const security::RequestContext& ctx, store::Store& store,
                                   const std::string& id, const std::vector<QueryParam>& query,
                                   std::string_view body, std::size_t max_depth) {
  auto params = operation_parameters(query, body, max_depth);
  if (!params) return std::move(params).error();
  coordination::ApplyInput in;
  for (const auto& p : *params) {
    if (p.name == "subject") {
      in.subject = p.value;
    } else if (p.name == "start") {
      in.start = p.value;
    } else if (p.name == "practitioner") {
      in.author = p.value;
    } else if (p.name == "encounter") {
      in.encounter = p.value;
    } else if (p.name == "careTeam") {
      in.care_team.push_back(p.value);
    } else if (p.name == "title") {
      in.title = p.value;
    } else if (!p.name.starts_with("_")) {
      return bad_request(
          "Unknown parameter '" + p.name + "' (subject, start, practitioner, encounter, careTeam, title)",
          p.name);
    }
  }
  if (!in.subject.starts_with("Patient/"))
    return bad_request("The subject is required, as 'Patient/<id>'", "subject");
  const store::Micros now = ctx.access && ctx.access->now ? ctx.access->now : security::Clock::now();
  if (in.start.empty()) in.start = store::format_instant(now).substr(0, 10);
  if (in.author.empty()) in.author = coordination::sender_of(ctx);

  auto reader = store.reader();
  auto plan = api::read(ctx, *reader, "PlanDefinition", id);
  if (!plan) return std::move(plan).error();
  auto definition = parse_json(plan->version->body);
  if (!definition) return internal_error("Stored resource PlanDefinition/" + id + " is unreadable");
  // A plan is drafted for a patient the caller may see.
  const std::string patient = in.subject.substr(std::string_view("Patient/").size());
  auto seen = api::read(ctx, *reader, "Patient", patient);
  if (!seen) {
    Error e = std::move(seen).error();
    if (!e.issues().empty()) e.issues().front().expression = "subject";
    return e;
  }
  // ActivityDefinitions by canonical URL (shared definitions).
  std::map<std::string, std::optional<Json>, std::less<>> activities;
  Status lookup_error;
  in.plan_definition = &*definition;
  in.activity = [&](std::string_view canonical) -> const Json* {
    std::string url(canonical.substr(0, canonical.find('|')));
    auto at = activities.find(url);
    if (at == activities.end()) {
      std::optional<Json> found;
      auto ids = search::find(*reader, "ActivityDefinition", "url=" + url, 1);
      if (!ids) {
        lookup_error = std::move(ids).error();
      } else if (!ids->empty()) {
        auto v = reader->read("ActivityDefinition", ids->front());
        if (v && *v && !(*v)->deleted)
          if (auto doc = parse_json((*v)->body)) found = std::move(*doc);
      }
      at = activities.emplace(url, std::move(found)).first;
    }
    return at->second ? &*at->second : nullptr;
  };
  auto out = coordination::apply_plan_definition(in);
  if (!lookup_error) return std::move(lookup_error).error();
  if (!out) return std::move(out).error();
  return coordination::to_transaction(*out);
}

Result<Json> discharge_checklist(const security::RequestContext& ctx, store::Store& store,
                                 const std::string& id, bool plan) {
  const store::Micros now = ctx.access && ctx.access->now ? ctx.access->now : security::Clock::now();
  if (plan) {
    Status st = store.write([&](store::Writer& w) -> Status {
      // Planning the checklist is working on the stay: the caller must see it.
      auto access = security::check_stored(ctx, w, security::Interaction::Read, "Encounter", id);
      if (!access) return std::move(access).error();
      if (!access->decision.allowed) {
        security::audit_access(ctx, "discharge-checklist", "E", access->label.patient, "Encounter/" + id,
                               access->decision);
        return security::refusal(access->decision, "Resource Encounter/" + id + " is not known");
      }
      auto effects = coordination::plan_discharge_checklist(ctx, w, id, now);
      if (!effects) return std::move(effects).error();
      return write_effects(ctx, w, *effects);
    });
    if (!st) return std::move(st).error();
  }
  auto reader = store.reader();
  auto encounter = api::read(ctx, *reader, "Encounter", id);
  if (!encounter) return std::move(encounter).error();
  auto enc = parse_json(encounter->version->body);
  if (!enc) return internal_error("Stored resource Encounter/" + id + " is unreadable");
  auto ids = search::find(*reader, "Task", "focus=Encounter/" + id, 100);
  if (!ids) return std::move(ids).error();
  std::vector<Json> tasks;
  for (const auto& tid : *ids) {
    auto t = api::read(ctx, *reader, "Task", tid);
    if (!t) continue;  // one the caller may not see is not reported
    if (auto doc = parse_json(t->version->body)) tasks.push_back(std::move(*doc));
  }
  return coordination::checklist_status(*enc, tasks);
}

Result<std::pair<std::string, std::string>> render_care_plan(const security::RequestContext& ctx,
                                                             store::Store& store, const std::string& id,
                                                             bool pdf) {
  auto reader = store.reader();
  // Each resource through the same read as GET (policy and audit); one the
  // caller may not see is left out.
  auto readable = [&](std::string_view type, std::string_view rid) -> Result<std::optional<Json>> {
    auto r = api::read(ctx, *reader, type, rid);
    if (!r) {
      if (r.error().status() == 403 || r.error().status() == 404 || r.error().status() == 410)
        return std::optional<Json>{};
      return std::move(r).error();
    }
    auto doc = parse_json(r->version->body);
    if (!doc)
      return internal_error("Stored resource " + std::string(type) + "/" + std::string(rid) +
                            " is unreadable");
    return std::optional<Json>{std::move(*doc)};
  };
  auto plan = api::read(ctx, *reader, "CarePlan", id);
  if (!plan) return std::move(plan).error();
  auto plan_json = parse_json(plan->version->body);
  if (!plan_json) return internal_error("Stored resource CarePlan/" + id + " is unreadable");
  std::deque<Json> keep;  // owns what the input points to (stable addresses)
  coordination::PpsDocumentInput in;
  in.plan = &*plan_json;
  in.generated_at =
      store::format_instant(ctx.access && ctx.access->now ? ctx.access->now : security::Clock::now());
  std::string_view subject =
      plan_json->find("subject") ? plan_json->find("subject")->get_string("reference") : "";
  if (subject.starts_with("Patient/")) {
    auto p = readable("Patient", subject.substr(8));
    if (!p) return std::move(p).error();
    if (*p) in.patient = &keep.emplace_back(std::move(**p));
  }
  auto part_ids = search::find(*reader, "CarePlan", "part-of=CarePlan/" + id, 10);
  if (!part_ids) return std::move(part_ids).error();
  std::vector<const Json*> plans{in.plan};
  for (const auto& pid : *part_ids) {
    auto p = readable("CarePlan", pid);
    if (!p) return std::move(p).error();
    if (!*p) {
      in.parts_hidden = true;
      continue;
    }
    in.parts.push_back(&keep.emplace_back(std::move(**p)));
    plans.push_back(in.parts.back());
  }
  for (const Json* pl : plans)
    if (const Json* goals = pl->find("goal"); goals && goals->is_array())
      for (const Json& g : goals->as_array()) {
        std::string_view ref = g.get_string("reference");
        if (!ref.starts_with("Goal/")) continue;
        auto goal = readable("Goal", ref.substr(5));
        if (!goal) return std::move(goal).error();
        if (*goal) in.goals.push_back(&keep.emplace_back(std::move(**goal)));
      }
  auto doc = coordination::build_pps_document(in);
  if (!pdf)
    return std::pair<std::string, std::string>{"text/html; charset=utf-8",
                                               coordination::render_pps_html(doc)};
  auto bytes = coordination::render_pps_pdf(doc);
  if (!bytes) return std::move(bytes).error();
  return std::pair<std::string, std::string>{"application/pdf", std::move(*bytes)};
}

Result<Json> follow_up_now(const security::RequestContext& ctx, store::Store& store) {
  if (!ctx.caller.full_access)
    return Error(403, "forbidden", "$follow-up is for administrators (full access)");
  auto r = coordination::run_follow_up(store, security::Clock::now());
  if (!r) return std::move(r).error();
  Json out = Json::object();
  out.set("resourceType", "Parameters");
  Json ps = Json::array();
  auto add = [&](std::string_view name, int v) {
    Json p = Json::object();
    p.set("name", name);
    p.set("valueInteger", v);
    ps.push_back(std::move(p));
  };
  add("overdue-tasks", r->overdue_tasks);
  add("reviews-due", r->reviews_due);
  add("already-handled", r->already_handled);
  out.set("parameter", std::move(ps));
  return out;
}

namespace {

// "YYYY-MM-DD", a real calendar day, as the instant it starts (UTC).
std::optional<store::Micros> parse_day(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (i != 4 && i != 7 && !std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
  auto t = store::parse_instant(s);
  if (!t || store::format_instant(*t).substr(0, 10) != s) return std::nullopt;  // 2026-02-30
  return t;
}

// Euros as a FHIR decimal with at most two decimals, in cents.
Result<std::int64_t> parse_euros(const QueryParam& p) {
  const std::string& v = p.value;
  if (!v.empty() && v[0] == '-')
    return bad_request("Un tarif ne peut pas être négatif (" + p.name + "=" + v + ")", p.name);
  auto dot = v.find('.');
  std::string whole = v.substr(0, dot), cents = dot == std::string::npos ? "" : v.substr(dot + 1);
  auto digits = [](const std::string& d) {
    return std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (whole.empty() || whole.size() > 9 || !digits(whole) || cents.size() > 2 || !digits(cents) ||
      (dot != std::string::npos && cents.empty()))
    return bad_request(
        "Tarif " + p.name + " invalide (" + v +
            ") : des euros par dossier inclus, par exemple 135 ou 135.50 (deux décimales au plus)",
        p.name);
  while (cents.size() < 2) cents += '0';
  return std::stoll(whole) * 100 + std::stoll(cents);
}

bool may_see_activity(const security::RequestContext& ctx, const std::string& organization) {
  if (ctx.caller.full_access) return true;
  const auto& ac = ctx.access;
  if (!ac) return false;
  if (ac->system) return ac->scopes.allows_any("*", security::Interaction::Search);
  if (!ac->scopes.allows_any("MeasureReport", security::Interaction::Read)) return false;
  using security::RoleClass;
  if (ac->role_class == RoleClass::Analyst || ac->role_class == RoleClass::Admin) return true;
  if (ac->role_class == RoleClass::Patient || ac->role_class == RoleClass::Carer) return false;
  return std::find(ac->identities.begin(), ac->identities.end(), organization) != ac->identities.end();
}

}  // namespace

Result<ActivityReportOutput> activity_report(const security::RequestContext& ctx, store::Store& store,
                                             const std::string& id, const std::vector<QueryParam>& query,
                                             bool csv) {
  auto reader = store.reader();
  auto levels = coordination::intensity_levels(*reader);
  if (!levels) return std::move(levels).error();
  std::optional<store::Micros> start, end;
  std::string start_text, end_text;
  coordination::Tariffs tariffs;
  constexpr std::string_view kTariff = "tariff-";
  for (const auto& p : query) {
    if (p.name == "_format" || p.name == "_pretty") continue;
    if (p.name == "start" || p.name == "end") {
      auto& slot = p.name == "start" ? start : end;
      if (slot) return bad_request("Paramètre " + p.name + " donné deux fois", p.name);
      slot = parse_day(p.value);
      if (!slot)
        return bad_request(
            "Paramètre " + p.name + " invalide (" + p.value + ") : un jour AAAA-MM-JJ est attendu", p.name);
      (p.name == "start" ? start_text : end_text) = p.value;
    } else if (p.name.starts_with(kTariff)) {
      std::string level = p.name.substr(kTariff.size());
      if (std::none_of(levels->begin(), levels->end(), [&](const auto& l) { return l.code == level; })) {
        std::string known;
        for (const auto& l : *levels) known += (known.empty() ? "" : ", ") + std::string(kTariff) + l.code;
        return bad_request(
            "Paramètre inconnu " + p.name + " : aucun niveau d'intensité '" + level + "' (" + known + ")",
            p.name);
      }
      if (tariffs.count(level)) return bad_request("Paramètre " + p.name + " donné deux fois", p.name);
      auto cents = parse_euros(p);
      if (!cents) return std::move(cents).error();
      tariffs[level] = *cents;
    } else {
      return bad_request("Paramètre inconnu " + p.name + " (start, end, tariff-<niveau>)", p.name);
    }
  }
  if (!start) return bad_request("Le premier jour de la période est requis : start=AAAA-MM-JJ", "start");
  if (!end) return bad_request("Le dernier jour de la période est requis : end=AAAA-MM-JJ", "end");
  if (*end < *start)
    return bad_request("La période finit (" + end_text + ") avant de commencer (" + start_text + ")", "end");

  const std::string organization = "Organization/" + id;
  auto org = reader->read("Organization", id);
  if (!org) return std::move(org).error();
  if (!*org || (*org)->deleted) return not_found("Resource " + organization + " is not known");
  auto body = parse_json((*org)->body);
  if (!body) return internal_error("Stored resource " + organization + " is unreadable");
  bool structure = false;
  if (const Json* types = body->find("type"); types && types->is_array())
    for (const Json& t : types->as_array())
      if (const Json* cs = t.find("coding"); cs && cs->is_array())
        for (const Json& c : cs->as_array())
          structure = structure || c.get_string("system") == coordination::codes::kStructureType;
  if (!structure)
    return unprocessable(
        organization + " n'est pas une structure de coordination (aucun Organization.type du système " +
            std::string(coordination::codes::kStructureType) + ") : elle n'a pas de dossiers de coordination",
        "Organization.type");

  security::Decision decision;
  decision.allowed = may_see_activity(ctx, organization);
  decision.status = 403;
  if (!decision.allowed) decision.reason = "neither the structure's staff, an analyst nor an administrator";
  if (!security::audit_access(ctx, "activity-report", "E", "", organization, decision) && decision.allowed)
    return Error(503, "transient", "The audit trail cannot record this access right now; try again shortly");
  if (!decision.allowed)
    return Error(403, "forbidden",
                 "Le rapport d'activité d'une structure est réservé à ses personnels, aux analystes et aux "
                 "administrateurs de la plateforme");

  // The whole last day: [start, end + 1 day).
  auto report = coordination::activity_report(*reader, id, *start, *end + security::kDay, tariffs);
  if (!report) return std::move(report).error();
  ActivityReportOutput out;
  out.filename = "activite-" + id + "-" + start_text + "-" + end_text + ".csv";
  const store::Micros now = ctx.access && ctx.access->now ? ctx.access->now : security::Clock::now();
  if (csv)
    out.csv = coordination::to_csv(*report);
  else
    out.measure_report = coordination::to_measure_report(*report, now);
  return out;
}

}  // namespace parcours::api
