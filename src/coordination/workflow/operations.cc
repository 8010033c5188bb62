#include "coordination/workflow/operations.h"

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
  if (!comment.empty()) {
    Json note = Json::object();
    note.set("text", Json(comment));
    task.set("note", Json(Json::Array{std::move(note)}));
  }
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
  Json message = feedback_message(
      {codes::kMilestonePpsProposed, "PPS proposé pour validation"}, patient, {**gp}, sender, plan_ref,
      "Un plan personnalisé de santé est proposé à votre validation (Task/" + task_id + ")." +
          (comment.empty() ? std::string() : " " + std::string(comment)),
      now);
  out.push_back(Effect{"Communication", store::time_ordered_id(), std::move(message)});
  for (auto& fx : out) fx.resource.set("id", Json(fx.id));
  return out;
}

}  // namespace parcours::coordination
