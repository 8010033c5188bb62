#include "coordination/workflow/operations.h"

#include <algorithm>
#include <cstdio>
#include <optional>

#include "coordination/workflow/codes.h"
#include "coordination/workflow/feedback.h"
#include "fhir/values.h"
#include "search/engine.h"

namespace parcours::coordination {

namespace {

using fhir::reference;

Json text_concept(std::string_view text) {
  Json c = Json::object();
  c.set("text", Json(text));
  return c;
}

// The activities of a plan, by what they say (code text, else description).
std::vector<std::string> activity_labels(const Json& plan) {
  std::vector<std::string> out;
  if (const Json* acts = plan.find("activity"); acts && acts->is_array())
    for (const Json& a : acts->as_array())
      if (const Json* d = a.find("detail")) {
        std::string label;
        if (const Json* c = d->find("code")) label = std::string(c->get_string("text"));
        if (label.empty()) label = std::string(d->get_string("description"));
        if (!label.empty()) out.push_back(std::move(label));
      }
  return out;
}

// What a revision changed since the version the GP last validated (brief:
// "revised (versioned, with what changed)"): interventions added and
// removed. '' when the plan was never validated or nothing was.
Result<std::string> changes_since_validation(store::Reader& reader, std::string_view plan_id,
                                             const Json& now) {
  store::HistoryQuery q;
  q.type = "CarePlan";
  q.id = std::string(plan_id);
  q.count = 200;
  auto h = reader.history(q);
  if (!h) return std::move(h).error();
  for (const auto& v : h->versions) {  // newest first
    if (v.deleted) continue;
    auto doc = parse_json(v.body);
    if (!doc || doc->get_string("status") != "active") continue;
    auto before = activity_labels(*doc), after = activity_labels(now);
    std::string added, removed;
    for (const auto& a : after)
      if (std::find(before.begin(), before.end(), a) == before.end())
        added += (added.empty() ? "" : " ; ") + a;
    for (const auto& b : before)
      if (std::find(after.begin(), after.end(), b) == after.end())
        removed += (removed.empty() ? "" : " ; ") + b;
    std::string out = "Révision de la version validée " + std::to_string(v.version) + ".";
    if (!added.empty()) out += " Ajouté : " + added + ".";
    if (!removed.empty()) out += " Retiré : " + removed + ".";
    if (added.empty() && removed.empty())
      out += " Interventions inchangées (dates, objectifs ou détails modifiés).";
    return out;
  }
  return std::string();
}

}  // namespace

Result<std::vector<Effect>> propose_pps(const security::RequestContext& ctx, store::Reader& reader,
                                        std::string_view plan_id, std::string_view comment,
                                        store::Micros now) {
  const std::string plan_ref = "CarePlan/" + std::string(plan_id);
  auto stored = reader.read("CarePlan", plan_id);
  if (!stored) return std::move(stored).error();
  if (!*stored || (*stored)->deleted) return not_found("Resource " + plan_ref + " is not known");
  auto plan = parse_json((*stored)->body);
  if (!plan) return internal_error("Stored resource " + plan_ref + " is unreadable");
  bool pps = false;
  if (const Json* cats = plan->find("category"); cats && cats->is_array())
    for (const Json& c : cats->as_array())
      if (const Json* cs = c.find("coding"); cs && cs->is_array())
        for (const Json& k : cs->as_array()) pps = pps || k.get_string("system") == codes::kPpsSection;
  if (!pps)
    return unprocessable(
        plan_ref + " n'est pas un PPS (aucune catégorie du système " + std::string(codes::kPpsSection) + ")",
        "CarePlan.category");
  if (plan->get_string("status") != "draft")
    return unprocessable("Seul un PPS en brouillon se propose au médecin traitant ; " + plan_ref + " est '" +
                             std::string(plan->get_string("status")) +
                             "' (pour le réviser, repassez-le d'abord en brouillon)",
                         "CarePlan.status");
  if (const Json* part = plan->find("partOf"); part && part->is_array() && !part->as_array().empty())
    return unprocessable("Ce plan est une partie d'un PPS : proposez le plan principal (" +
                             std::string(part->as_array()[0].get_string("reference")) + ")",
                         "CarePlan.partOf");
  std::string patient(plan->find("subject") ? plan->find("subject")->get_string("reference") : "");
  auto gp = general_practitioner(reader, patient);
  if (!gp) return std::move(gp).error();
  if (!*gp)
    return unprocessable("Le patient " + patient +
                             " n'a pas de médecin traitant (Patient.generalPractitioner) : personne ne peut "
                             "valider ce PPS",
                         "CarePlan.subject");
  auto changes = changes_since_validation(reader, plan_id, *plan);
  if (!changes) return std::move(changes).error();
  std::vector<Effect> out;
  const std::string task_id = store::time_ordered_id();
  const std::string sender = sender_of(ctx);
  Json task = Json::object();
  task.set("resourceType", Json("Task"));
  task.set("status", Json("requested"));
  task.set("intent", Json("order"));
  task.set("priority", Json("routine"));
  Json code = Json::object();
  Json coding = Json::object();
  coding.set("system", Json(codes::kTaskCode));
  coding.set("code", Json(codes::kTaskApprove));
  coding.set("display", Json("Approve the focal resource"));
  code.set("coding", Json(Json::Array{std::move(coding)}));
  code.set("text", Json("Validation du PPS par le médecin traitant"));
  task.set("code", std::move(code));
  std::string title(plan->get_string("title"));
  task.set("description",
           Json("Valider le PPS" + (title.empty() ? std::string() : " « " + title + " »") +
                " (compléter la tâche) ou demander des modifications (la refuser, avec le motif)"));
  // The version proposed: the GP validates what they read (rules.h checks it).
  task.set("focus", reference(plan_ref + "/_history/" + std::to_string((*stored)->version)));
  task.set("for", reference(patient));
  task.set("authoredOn", Json(store::format_instant(now)));
  task.set("lastModified", Json(store::format_instant(now)));
  if (!sender.empty()) task.set("requester", reference(sender));
  task.set("owner", reference(**gp));
  Json notes = Json::array();
  for (const std::string& text : {std::string(comment), *changes})
    if (!text.empty()) {
      Json note = Json::object();
      note.set("text", Json(text));
      notes.push_back(std::move(note));
    }
  if (notes.size()) task.set("note", std::move(notes));
  out.push_back(Effect{"Task", task_id, std::move(task)});
  // Earlier proposals of this plan still waiting are superseded.
  auto open = search::find(reader, "Task",
                           "focus=" + plan_ref + "&code=" + std::string(codes::kTaskCode) + "|" +
                               std::string(codes::kTaskApprove) +
                               "&status=requested,received,accepted,ready,in-progress,on-hold",
                           50);
  if (!open) return std::move(open).error();
  for (const auto& id : *open) {
    auto v = reader.read("Task", id);
    if (!v) return std::move(v).error();
    if (!*v || (*v)->deleted) continue;
    auto t = parse_json((*v)->body);
    if (!t) return internal_error("Stored resource Task/" + id + " is unreadable");
    t->erase("meta");
    t->set("status", Json("cancelled"));
    t->set("statusReason",
           text_concept("Remplacée par une nouvelle proposition du PPS (Task/" + task_id + ")"));
    t->set("lastModified", Json(store::format_instant(now)));
    out.push_back(Effect{"Task", id, std::move(*t)});
  }
  Json message = feedback_message({codes::kMilestonePpsProposed, "PPS proposé pour validation"}, patient,
                                  {**gp}, sender, plan_ref,
                                  "Un plan personnalisé de santé est proposé à votre validation (Task/" +
                                      task_id + ")." + (changes->empty() ? std::string() : " " + *changes) +
                                      (comment.empty() ? std::string() : " " + std::string(comment)),
                                  now);
  out.push_back(Effect{"Communication", store::time_ordered_id(), std::move(message)});
  for (auto& fx : out) fx.resource.set("id", Json(fx.id));
  return out;
}

}  // namespace parcours::coordination

namespace parcours::coordination {

std::span<const ChecklistItem> discharge_checklist_items() {
  static constexpr ChecklistItem kItems[] = {
      {"rendez-vous-programmes", "Rendez-vous de suivi programmés"},
      {"ordonnance-remise", "Ordonnance de sortie remise et expliquée"},
      {"aides-domicile-reprises", "Aides à domicile remises en place"},
      {"pharmacie-informee", "Pharmacie d'officine informée"},
  };
  return kItems;
}

namespace {

std::string_view checklist_code(const Json& task) {
  if (const Json* c = task.find("code"))
    if (const Json* cs = c->find("coding"); cs && cs->is_array())
      for (const Json& k : cs->as_array())
        if (k.get_string("system") == codes::kDischargeChecklist) return k.get_string("code");
  return {};
}

std::optional<store::Micros> discharge_time(const Json& encounter) {
  if (const Json* p = encounter.find("period"))
    if (auto end = p->get_string("end"); !end.empty()) return store::parse_instant(end);
  return std::nullopt;
}

}  // namespace

Result<std::vector<Effect>> plan_discharge_checklist(const security::RequestContext& ctx,
                                                     store::Reader& reader, std::string_view encounter_id,
                                                     store::Micros now) {
  const std::string stay = "Encounter/" + std::string(encounter_id);
  auto v = reader.read("Encounter", encounter_id);
  if (!v) return std::move(v).error();
  if (!*v || (*v)->deleted) return not_found("Resource " + stay + " is not known");
  auto encounter = parse_json((*v)->body);
  if (!encounter) return internal_error("Stored resource " + stay + " is unreadable");
  std::string patient(encounter->find("subject") ? encounter->find("subject")->get_string("reference") : "");
  if (!patient.starts_with("Patient/"))
    return unprocessable("Le séjour " + stay + " n'a pas de patient (Encounter.subject)",
                         "Encounter.subject");
  // Items already planned for this stay, whatever their status.
  auto existing = search::find(reader, "Task", "focus=" + stay, 100);
  if (!existing) return std::move(existing).error();
  std::vector<std::string> planned;
  for (const auto& id : *existing) {
    auto t = reader.read("Task", id);
    if (!t) return std::move(t).error();
    if (!*t || (*t)->deleted) continue;
    auto doc = parse_json((*t)->body);
    if (doc) planned.emplace_back(checklist_code(*doc));
  }
  const std::string me = sender_of(ctx);
  const auto due = discharge_time(*encounter).value_or(now);
  std::vector<Effect> out;
  for (const auto& item : discharge_checklist_items()) {
    if (std::find(planned.begin(), planned.end(), item.code) != planned.end()) continue;
    Json t = Json::object();
    t.set("resourceType", Json("Task"));
    t.set("status", Json("requested"));
    t.set("intent", Json("order"));
    t.set("code",
          fhir::concept_of(fhir::coding(codes::kDischargeChecklist, item.code, item.display), item.display));
    t.set("description", Json("Sortie d'hospitalisation : " + std::string(item.display)));
    t.set("focus", reference(stay));
    t.set("for", reference(patient));
    t.set("authoredOn", Json(store::format_instant(now)));
    t.set("lastModified", Json(store::format_instant(now)));
    if (!me.empty()) {
      t.set("requester", reference(me));
      t.set("owner", reference(me));
    }
    Json period = Json::object();
    period.set("end", Json(store::format_instant(due)));
    Json restriction = Json::object();
    restriction.set("period", std::move(period));
    t.set("restriction", std::move(restriction));
    std::string id = store::time_ordered_id();
    t.set("id", Json(id));
    out.push_back(Effect{"Task", std::move(id), std::move(t)});
  }
  return out;
}

Json checklist_status(const Json& encounter, const std::vector<Json>& tasks) {
  auto param = [](std::string_view name) {
    Json p = Json::object();
    p.set("name", Json(name));
    return p;
  };
  const auto discharged = discharge_time(encounter);
  Json out = Json::object();
  out.set("resourceType", Json("Parameters"));
  Json ps = Json::array();
  bool complete = true;
  for (const auto& item : discharge_checklist_items()) {
    Json p = param("element");
    Json parts = Json::array();
    Json code = param("code");
    code.set("valueCoding", fhir::coding(codes::kDischargeChecklist, item.code, item.display));
    parts.push_back(std::move(code));
    const Json* task = nullptr;
    for (const Json& t : tasks)
      if (checklist_code(t) == item.code) task = &t;
    Json status = param("statut");
    status.set("valueCode",
               Json(task ? std::string(task->get_string("status")) : std::string("non-planifie")));
    parts.push_back(std::move(status));
    const bool done = task && task->get_string("status") == "completed";
    complete = complete && done;
    if (task) {
      Json ref = param("tache");
      ref.set("valueReference", reference("Task/" + std::string(task->get_string("id"))));
      parts.push_back(std::move(ref));
    }
    if (done)
      if (const Json* ep = task->find("executionPeriod"))
        if (auto end = store::parse_instant(ep->get_string("end")); end) {
          Json at = param("realise-le");
          at.set("valueDateTime", Json(ep->get_string("end")));
          parts.push_back(std::move(at));
          if (discharged) {
            // Hours, one decimal: "the time from discharge to each item".
            const double hours = static_cast<double>(*end - *discharged) / 3.6e9;
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.1f", hours);
            Json delay = param("delai-depuis-sortie");
            Json q = Json::object();
            q.set("value", Json::number_text(buf));
            q.set("unit", Json("h"));
            q.set("system", Json("http://unitsofmeasure.org"));
            q.set("code", Json("h"));
            delay.set("valueQuantity", std::move(q));
            parts.push_back(std::move(delay));
          }
        }
    p.set("part", std::move(parts));
    ps.push_back(std::move(p));
  }
  Json all = param("complete");
  all.set("valueBoolean", Json(complete));
  ps.push_back(std::move(all));
  out.set("parameter", std::move(ps));
  return out;
}

}  // namespace parcours::coordination
