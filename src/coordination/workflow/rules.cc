#include "coordination/workflow/rules.h"

#include <algorithm>
#include <optional>

#include "coordination/assessment/assessment.h"
#include "coordination/assessment/observations.h"
#include "coordination/workflow/codes.h"
#include "coordination/workflow/feedback.h"
#include "coordination/workflow/letters.h"
#include "coordination/workflow/lifecycle.h"
#include "fhir/values.h"
#include "search/engine.h"
#include "security/policy.h"

namespace parcours::coordination {

namespace {

using fhir::has_coding;

std::string_view status_of(const Json* r) { return r ? r->get_string("status") : std::string_view{}; }

std::string join(const std::vector<std::string_view>& v) {
  std::string out;
  for (auto s : v) out += (out.empty() ? "" : ", ") + std::string(s);
  return out.empty() ? "aucun" : out;
}

Error refused_transition(std::string_view what, std::string_view from, std::string_view to,
                         const std::vector<std::string_view>& next, std::string_view type) {
  return Error(422, "business-rule",
               std::string(what) + " : passage de '" + std::string(from) + "' à '" + std::string(to) +
                   "' interdit ; statuts possibles depuis '" + std::string(from) + "' : " + join(next),
               std::string(type) + ".status");
}

std::string_view reference_at(const Json& r, std::string_view key) {
  const Json* j = r.find(key);
  return j ? j->get_string("reference") : std::string_view{};
}

// "CarePlan/x/_history/3" -> ("CarePlan/x", 3); version 0 when absent.
std::pair<std::string, std::int64_t> split_versioned(std::string_view ref) {
  auto h = ref.find("/_history/");
  if (h == std::string_view::npos) return {std::string(ref), 0};
  std::int64_t v = 0;
  for (char c : ref.substr(h + 10)) {
    if (c < '0' || c > '9') return {std::string(ref.substr(0, h)), -1};
    v = v * 10 + (c - '0');
  }
  return {std::string(ref.substr(0, h)), v};
}

bool is_system(const security::RequestContext& ctx) {
  return ctx.caller.full_access || (ctx.access && ctx.access->system);
}

bool caller_is(const security::RequestContext& ctx, std::string_view ref) {
  if (!ctx.access || ref.empty()) return false;
  const auto& ps = ctx.access->principals;
  return std::find(ps.begin(), ps.end(), ref) != ps.end();
}

const Json* find_extension(const Json& r, std::string_view url) {
  if (const Json* ext = r.find("extension"); ext && ext->is_array())
    for (const Json& e : ext->as_array())
      if (e.get_string("url") == url) return &e;
  return nullptr;
}

void erase_extension(Json& r, std::string_view url) {
  Json* ext = r.find("extension");
  if (!ext || !ext->is_array()) return;
  auto& a = ext->as_array();
  a.erase(std::remove_if(a.begin(), a.end(), [&](const Json& e) { return e.get_string("url") == url; }),
          a.end());
  if (a.empty()) r.erase("extension");
}

std::string date_of(store::Micros now) { return store::format_instant(now); }

// Autonomy and carer-burden scores belong to the social assessment (CSP
// R.1110-2 2°: the medico-social professionals of the team need them; the
// policy classifies Observations of category social-history as "social").
bool social_instrument(std::string_view id) {
  return id == "aggir" || id == "zarit" || id == "katz-adl" || id == "lawton-iadl";
}

void add_social_category(Json& o) {
  Json coding = Json::object();
  coding.set("system", Json("http://terminology.hl7.org/CodeSystem/observation-category"));
  coding.set("code", Json("social-history"));
  coding.set("display", Json("Social History"));
  Json cc = Json::object();
  cc.set("coding", Json(Json::Array{std::move(coding)}));
  Json* cats = o.find("category");
  if (!cats) cats = &o.set("category", Json::array());
  cats->push_back(std::move(cc));
}

struct Rules {
  WriteEvent& e;
  // The bootstrap token and machine clients with full access (integration,
  // migration of existing records) write states as they are: the
  // transitions and required reasons are enforced on people. Server-kept
  // fields, scores and feedback apply to every writer.
  const bool enforce;
  std::vector<Effect> effects;

  Status feedback(const Milestone& m, std::string_view patient, std::vector<std::string> recipients,
                  std::string_view about, std::string_view text) {
    if (recipients.empty()) return Status::Ok();
    effects.push_back(Effect{"Communication", store::time_ordered_id(),
                             feedback_message(m, patient, recipients, sender_of(e.ctx), about, text, e.now)});
    return Status::Ok();
  }

  Result<std::optional<std::string>> gp(std::string_view patient) {
    return general_practitioner(e.reader, patient);
  }

  Result<std::optional<Json>> read_current(std::string_view type, std::string_view id) {
    auto v = e.reader.read(type, id);
    if (!v) return std::move(v).error();
    if (!*v || (*v)->deleted) return std::optional<Json>{};
    auto doc = parse_json((*v)->body);
    if (!doc)
      return internal_error("Stored resource " + std::string(type) + "/" + std::string(id) +
                            " is unreadable");
    return std::optional<Json>{std::move(*doc)};
  }

  // --- Task -----------------------------------------------------------------
  Status task() {
    Json& t = e.incoming;
    // Copied: completing the resource below may move its members.
    const std::string_view from = status_of(e.previous);
    const std::string to(status_of(&t));
    // A decision asked of someone (an approval) is taken in one step: the
    // owner completes it from requested, received or accepted.
    const bool approval = has_coding(t.find("code"), codes::kTaskCode, codes::kTaskApprove);
    const bool decided = approval && to == "completed" && !task_terminal(from);
    if (enforce && e.previous && !decided && !task_transition_allowed(from, to))
      return refused_transition("Tâche", from, to, task_next(from), "Task");
    const bool changed = !e.previous || from != to;
    if (enforce && changed && (to == "rejected" || to == "cancelled" || to == "failed") &&
        !t.find("statusReason"))
      return Error(422, "required",
                   "Tâche : un refus, une annulation ou un échec se motive (Task.statusReason)",
                   "Task.statusReason");
    if (changed) {
      // Server-kept dates (R4 Task.lastModified, executionPeriod); a new
      // Task keeps the ones its author gave.
      if (e.previous || !t.find("lastModified")) t.set("lastModified", Json(date_of(e.now)));
      if (e.previous && (to == "in-progress" || task_terminal(to))) {
        Json* p = t.find("executionPeriod");
        if (!p) p = &t.set("executionPeriod", Json::object());
        if (to == "in-progress" && !p->find("start")) p->set("start", Json(date_of(e.now)));
        if (task_terminal(to) && to != "entered-in-error" && !p->find("end"))
          p->set("end", Json(date_of(e.now)));
      }
    }
    if (e.previous && changed && (to == "completed" || to == "rejected") && approval &&
        reference_at(t, "focus").starts_with("CarePlan/"))
      return pps_decision(t, to);
    if (e.previous && changed && to == "rejected" && reference_at(t, "focus").starts_with("ServiceRequest/"))
      return referral_declined(t);
    return Status::Ok();
  }

  // A referral declined by the structure: the referrer, and the GP when
  // someone else referred, learn it with the reason (seed 003 [226]).
  Status referral_declined(const Json& t) {
    // Only referrals to a coordination structure (not every declined order).
    std::string_view owner = reference_at(t, "owner");
    if (!owner.starts_with("Organization/")) return Status::Ok();
    auto org = read_current("Organization", owner.substr(std::string_view("Organization/").size()));
    if (!org) return std::move(org).error();
    if (!*org || !has_coding((**org).find("type"), codes::kStructureType)) return Status::Ok();
    std::string patient(reference_at(t, "for"));
    std::vector<std::string> to;
    if (auto r = reference_at(t, "requester"); !r.empty()) to.emplace_back(r);
    auto gp = this->gp(patient);
    if (!gp) return std::move(gp).error();
    if (*gp && std::find(to.begin(), to.end(), **gp) == to.end()) to.push_back(**gp);
    std::string why;
    if (const Json* r = t.find("statusReason")) why = std::string(r->get_string("text"));
    return feedback(
        {codes::kMilestoneDeclined, "Demande de coordination refusée"}, patient, std::move(to),
        reference_at(t, "focus"),
        "La demande de coordination n'est pas retenue" + (why.empty() ? std::string(".") : " : " + why));
  }

  // The GP decides on a proposed PPS by completing or rejecting the approval
  // Task that $propose addressed to them (seed 003 [331]).
  Status pps_decision(const Json& t, std::string_view to) {
    std::string_view owner = reference_at(t, "owner");
    if (!is_system(e.ctx) && !caller_is(e.ctx, owner))
      return Error(403, "forbidden",
                   "Seul le destinataire de la demande de validation (" + std::string(owner) +
                       ") peut valider le PPS ou demander des modifications",
                   "Task.owner");
    auto [plan_ref, version] = split_versioned(reference_at(t, "focus"));
    std::string plan_id = plan_ref.substr(std::string_view("CarePlan/").size());
    auto stored = e.reader.read("CarePlan", plan_id);
    if (!stored) return std::move(stored).error();
    if (!*stored || (*stored)->deleted)
      return unprocessable("Le PPS " + plan_ref + " n'existe plus", "Task.focus");
    auto plan = parse_json((*stored)->body);
    if (!plan) return internal_error("Stored resource " + plan_ref + " is unreadable");
    if (!is_pps(*plan)) return Status::Ok();  // another plan's approval: no workflow of ours
    std::string patient(reference_at(*plan, "subject"));
    std::string requester(reference_at(t, "requester"));
    if (to == "rejected") {
      std::string why;
      if (const Json* r = t.find("statusReason")) why = std::string(r->get_string("text"));
      return feedback({codes::kMilestonePpsChanges, "Modifications du PPS demandées"}, patient,
                      requester.empty() ? std::vector<std::string>{} : std::vector<std::string>{requester},
                      plan_ref,
                      "Le médecin traitant demande des modifications du PPS" +
                          (why.empty() ? std::string(".") : " : " + why));
    }
    if (version > 0 && version != (*stored)->version)
      return Error(409, "conflict",
                   "Le PPS a changé depuis la demande de validation (version " + std::to_string(version) +
                       " proposée, version " + std::to_string((*stored)->version) +
                       " actuelle) : il doit être proposé à nouveau",
                   "Task.focus");
    if (status_of(&*plan) != "draft")
      return unprocessable("Le PPS " + plan_ref + " n'est pas en attente de validation (statut '" +
                               std::string(status_of(&*plan)) + "')",
                           "Task.focus");
    // The validated plan and its medico-social part become active together.
    std::vector<std::pair<std::string, Json>> plans;
    plans.emplace_back(plan_id, std::move(*plan));
    auto parts = search::find(e.reader, "CarePlan", "part-of=" + plan_ref + "&status=draft", 20);
    if (!parts) return std::move(parts).error();
    for (const auto& id : *parts) {
      auto p = read_current("CarePlan", id);
      if (!p) return std::move(p).error();
      if (*p) plans.emplace_back(id, std::move(**p));
    }
    for (auto& [id, p] : plans) {
      p.set("status", Json("active"));
      erase_extension(p, codes::kPpsValidationExt);
      Json v = Json::object();
      v.set("url", Json(codes::kPpsValidationExt));
      Json parts_ext = Json::array();
      auto sub = [&](std::string_view url, std::string_view key, Json value) {
        Json x = Json::object();
        x.set("url", Json(url));
        x.set(key, std::move(value));
        parts_ext.push_back(std::move(x));
      };
      Json who = Json::object();
      who.set("reference", Json(owner));
      sub("validateur", "valueReference", std::move(who));
      sub("date", "valueDateTime", Json(date_of(e.now)));
      Json task_ref = Json::object();
      task_ref.set("reference", Json("Task/" + std::string(e.id)));
      sub("tache", "valueReference", std::move(task_ref));
      v.set("extension", std::move(parts_ext));
      Json* ext = p.find("extension");
      if (!ext) ext = &p.set("extension", Json::array());
      ext->push_back(std::move(v));
      effects.push_back(Effect{"CarePlan", id, std::move(p)});
    }
    std::vector<std::string> to_whom{std::string(owner)};
    if (!requester.empty() && requester != owner) to_whom.push_back(requester);
    return feedback({codes::kMilestonePpsValidated, "PPS validé"}, patient, to_whom, plan_ref,
                    "PPS validé par le médecin traitant ; il est actif. Copie adressée au médecin traitant.");
  }

  // --- CarePlan (PPS) -------------------------------------------------------
  static bool is_pps(const Json& r) { return has_coding(r.find("category"), codes::kPpsSection); }

  // The content of a plan that the GP validated: everything but the status,
  // server fields, notes and the progress of each activity.
  static Json plan_content(const Json& r) {
    Json c = r;
    for (auto k : {"meta", "text", "status", "note", "extension"}) c.erase(k);
    if (Json* acts = c.find("activity"); acts && acts->is_array())
      for (Json& a : acts->as_array()) {
        for (auto k : {"progress", "outcomeReference", "outcomeCodeableConcept"}) a.erase(k);
        if (Json* d = a.find("detail"))
          for (auto k : {"status", "statusReason"}) d->erase(k);
      }
    return c;
  }

  Status care_plan() {
    const Json& p = e.incoming;
    if (!is_pps(p) && !(e.previous && is_pps(*e.previous))) return Status::Ok();
    // Copied: completing the resource below may move its members.
    const std::string_view from = status_of(e.previous);
    const std::string to(status_of(&p));
    const std::string gp_rule =
        "Un PPS ne devient actif qu'après validation par le médecin traitant : POST CarePlan/" +
        std::string(e.id) +
        "/$propose, puis le médecin traitant passe la tâche de validation (Task, code approve) à 'completed'";
    if (!enforce) return Status::Ok();
    if (!e.previous) {
      if (to != "draft")
        return Error(422, "business-rule", "Un PPS se crée en brouillon (status 'draft'). " + gp_rule,
                     "CarePlan.status");
      return Status::Ok();
    }
    if (!pps_transition_allowed(from, to))
      return refused_transition("PPS", from, to, pps_next(from), "CarePlan");
    if (to == "active" && from == "draft") return Error(422, "business-rule", gp_rule, "CarePlan.status");
    if (to == "active" && !plan_content(p).equals(plan_content(*e.previous), false))
      return Error(
          422, "business-rule",
          "Un PPS validé ne change que par une révision : repassez-le en brouillon (status 'draft') avec "
          "ses modifications, puis proposez-le de nouveau au médecin traitant",
          "CarePlan");
    if (to == "draft" && from != "draft") e.incoming.erase("period");  // a revision restarts its validity
    return Status::Ok();
  }

  // --- EpisodeOfCare (the coordination dossier) ----------------------------
  // A coordination dossier: an EpisodeOfCare managed by a coordination
  // structure (Organization.type from CodeSystem/type-structure-coordination).
  // Other episodes (a hospital stay, a programme) are not the workflow's.
  // Returns the structure when `ep` is a dossier.
  Result<std::optional<Json>> structure_of(const Json& ep) {
    std::string_view org = reference_at(ep, "managingOrganization");
    if (!org.starts_with("Organization/")) return std::optional<Json>{};
    auto o = read_current("Organization", org.substr(std::string_view("Organization/").size()));
    if (!o) return std::move(o).error();
    if (!*o || !has_coding((**o).find("type"), codes::kStructureType)) return std::optional<Json>{};
    return o;
  }

  // The structure's eligibility rules (Organization extensions, see
  // docs/coordination.md): a minimum age and the postal codes it serves.
  Status eligible(const Json& structure, const Json& ep) {
    const Json* min_age = find_extension(structure, codes::kMinimumAgeExt);
    std::vector<std::string_view> served;
    if (const Json* ext = structure.find("extension"); ext && ext->is_array())
      for (const Json& x : ext->as_array())
        if (x.get_string("url") == codes::kPostalCodeServedExt) served.push_back(x.get_string("valueString"));
    if (!min_age && served.empty()) return Status::Ok();
    std::string_view patient = reference_at(ep, "patient");
    auto p = read_current("Patient", patient.substr(patient.find('/') + 1));
    if (!p) return std::move(p).error();
    if (!*p) return Status::Ok();
    std::vector<Issue> why;
    if (const Json* v = min_age ? min_age->find("valueInteger") : nullptr; v && v->to_int64()) {
      std::string_view birth = (**p).get_string("birthDate");
      const std::string today = date_of(e.now);
      int age = -1;
      if (birth.size() >= 10) {
        age = std::stoi(today.substr(0, 4)) - std::stoi(std::string(birth.substr(0, 4)));
        if (today.substr(5, 5) < birth.substr(5, 5)) --age;
      }
      if (age < *v->to_int64())
        why.push_back(Issue{
            "error", "business-rule",
            "Dossier non éligible : la structure accompagne les personnes d'au moins " +
                std::to_string(*v->to_int64()) + " ans" +
                (age < 0 ? " (date de naissance inconnue)" : " (âge : " + std::to_string(age) + " ans)"),
            "EpisodeOfCare.patient"});
    }
    if (!served.empty()) {
      bool inside = false;
      if (const Json* addrs = (**p).find("address"); addrs && addrs->is_array())
        for (const Json& a : addrs->as_array())
          inside =
              inside || std::find(served.begin(), served.end(), a.get_string("postalCode")) != served.end();
      if (!inside)
        why.push_back(
            Issue{"error", "business-rule",
                  "Dossier non éligible : l'adresse du patient est hors du territoire de la structure",
                  "EpisodeOfCare.patient"});
    }
    if (why.empty()) return Status::Ok();
    return Error(422, std::move(why));
  }

  // Caseload per case manager (seed 003: ARESPA, 12 coordinators for 2,400
  // active patients): past the structure's limit the dossier is still
  // opened — people are not turned away for a workload — but the case
  // manager is warned, in writing.
  Status caseload(const Json& structure, const Json& ep) {
    const Json* limit_ext = find_extension(structure, codes::kCaseloadLimitExt);
    const Json* v = limit_ext ? limit_ext->find("valueInteger") : nullptr;
    std::string_view manager = reference_at(ep, "careManager");
    if (!v || !v->to_int64() || manager.empty()) return Status::Ok();
    const std::int64_t limit = *v->to_int64();
    auto ids = search::find(e.reader, "EpisodeOfCare",
                            "care-manager=" + std::string(manager) + "&status=active,onhold&organization=" +
                                std::string(reference_at(ep, "managingOrganization")),
                            static_cast<int>(limit) + 2);
    if (!ids) return std::move(ids).error();
    std::int64_t count = 1;  // this one
    for (const auto& id : *ids)
      if (id != e.id) ++count;
    if (count <= limit) return Status::Ok();
    Json msg = feedback_message({"", ""}, reference_at(ep, "patient"), {std::string(manager)}, "",
                                "EpisodeOfCare/" + std::string(e.id),
                                "Plafond de file active dépassé : " + std::to_string(count) +
                                    " dossiers actifs pour un plafond de " + std::to_string(limit) +
                                    " par gestionnaire de cas.",
                                e.now);
    msg.set("category", Json(Json::Array{fhir::concept_of(fhir::coding(
                            codes::kMessageCategory, codes::kCaseloadAlert, "Plafond de file active"))}));
    effects.push_back(Effect{"Communication", store::time_ordered_id(), std::move(msg)});
    return Status::Ok();
  }

  // The case manager joins the patient's care team while the dossier is
  // open (brief §4: "a coordinator is designated and joins the care team"):
  // a CareTeam of the dossier (identifier = the dossier), its participation
  // ended at closure, when access ends too (the care-team policy).
  Status coordination_team(const Json& ep, std::string_view to) {
    std::string_view manager = reference_at(ep, "careManager");
    const std::string dossier = "EpisodeOfCare/" + std::string(e.id);
    auto found = search::find(e.reader, "CareTeam",
                              "identifier=" + std::string(codes::kDossierTeam) + "|" + dossier, 2);
    if (!found) return std::move(found).error();
    std::optional<Json> team;
    std::string id;
    if (!found->empty()) {
      id = found->front();
      auto t = read_current("CareTeam", id);
      if (!t) return std::move(t).error();
      team = std::move(*t);
    }
    if (!team && (manager.empty() || episode_closed(to))) return Status::Ok();
    if (!team) {
      id = store::time_ordered_id();
      team = Json::object();
      team->set("resourceType", Json("CareTeam"));
      Json ident = Json::object();
      ident.set("system", Json(codes::kDossierTeam));
      ident.set("value", Json(dossier));
      team->set("identifier", Json(Json::Array{std::move(ident)}));
      team->set("name", Json("Équipe de coordination"));
      team->set("subject", fhir::reference(reference_at(ep, "patient")));
      if (auto org = reference_at(ep, "managingOrganization"); !org.empty())
        team->set("managingOrganization", Json(Json::Array{fhir::reference(org)}));
    }
    team->erase("meta");
    const std::string now = date_of(e.now);
    const bool open = !episode_closed(to);
    team->set("status", Json(open ? "active" : "inactive"));
    Json* parts = team->find("participant");
    if (!parts) parts = &team->set("participant", Json::array());
    bool present = false;
    for (Json& p : parts->as_array()) {
      const bool current = !p.find("period") || p.find("period")->get_string("end").empty();
      if (!current) continue;
      const bool is_manager = p.find("member") && p.find("member")->get_string("reference") == manager;
      if (open && is_manager) {
        present = true;
        continue;
      }
      // The previous case manager, or everyone at closure, leaves.
      Json* period = p.find("period");
      if (!period) period = &p.set("period", Json::object());
      period->set("end", Json(now));
    }
    if (open && !present && !manager.empty()) {
      Json p = Json::object();
      p.set("role", Json(Json::Array{fhir::concept_of(
                        fhir::coding(codes::kR85Role, "330", "Coordonnateur de parcours"))}));
      p.set("member", fhir::reference(manager));
      Json period = Json::object();
      period.set("start", Json(now));
      p.set("period", std::move(period));
      parts->push_back(std::move(p));
    }
    effects.push_back(Effect{"CareTeam", id, std::move(*team)});
    return Status::Ok();
  }

  Status episode() {
    Json& ep = e.incoming;
    auto structure = structure_of(ep);
    if (!structure) return std::move(structure).error();
    if (!*structure) return Status::Ok();
    const bool reassigned =
        e.previous && reference_at(*e.previous, "careManager") != reference_at(ep, "careManager");
    {
      const std::string_view before = status_of(e.previous), after = status_of(&ep);
      const bool including =
          (after == "active" || after == "onhold") && before != "active" && before != "onhold";
      if (including && enforce)
        if (auto st = eligible(**structure, ep); !st) return st;
      if (including || (reassigned && (after == "active" || after == "onhold")))
        if (auto st = caseload(**structure, ep); !st) return st;
    }
    // Copied: completing the resource below may move its members.
    const std::string_view from = status_of(e.previous);
    const std::string to(status_of(&ep));
    if (enforce && e.previous && !episode_transition_allowed(from, to))
      return refused_transition("Dossier de coordination", from, to, episode_next(from), "EpisodeOfCare");
    const bool changed = !e.previous || from != to;
    if (!changed) return reassigned ? coordination_team(ep, to) : Status::Ok();
    if (enforce && (to == "active" || to == "onhold" || to == "finished") &&
        !has_coding(ep.find("type"), codes::kIntensity))
      return Error(422, "required",
                   "Dossier de coordination : le niveau d'intensité (triage) est requis avant l'inclusion "
                   "(EpisodeOfCare.type, système " +
                       std::string(codes::kIntensity) + ")",
                   "EpisodeOfCare.type");
    if (episode_closed(to)) {
      const Json* reason = find_extension(ep, codes::kClosureReasonExt);
      const Json* coding = reason ? reason->find("valueCoding") : nullptr;
      if (enforce && (!coding || coding->get_string("system") != codes::kClosureReason ||
                      coding->get_string("code").empty()))
        return Error(422, "required",
                     "Dossier de coordination : la clôture se motive (extension " +
                         std::string(codes::kClosureReasonExt) + ", valueCoding du système " +
                         std::string(codes::kClosureReason) + ")",
                     "EpisodeOfCare.extension");
      Json* period = ep.find("period");
      if (!period) period = &ep.set("period", Json::object());
      if (!period->find("end")) period->set("end", Json(date_of(e.now)));
    }
    if (e.previous && episode_closed(from) && to == "active") {  // reopened
      erase_extension(ep, codes::kClosureReasonExt);
      if (Json* period = ep.find("period")) period->erase("end");
    }
    if (e.previous) append_status_history(ep, from);
    std::string patient(reference_at(ep, "patient"));
    if (auto st = coordination_team(ep, to); !st) return st;
    auto gp = this->gp(patient);
    if (!gp) return std::move(gp).error();
    if (!*gp) return Status::Ok();
    std::string about = "EpisodeOfCare/" + std::string(e.id);
    std::string level;
    if (const Json* types = ep.find("type"); types && types->is_array())
      for (const Json& t : types->as_array())
        if (has_coding(&t, codes::kIntensity))
          if (const Json* cs = t.find("coding"); cs && cs->is_array() && !cs->as_array().empty())
            level = std::string(cs->as_array()[0].get_string("display"));
    if (to == "active" && e.previous && episode_closed(from))
      return feedback({codes::kMilestoneReopened, "Dossier rouvert"}, patient, {**gp}, about,
                      "Le dossier de coordination de votre patient est rouvert.");
    if (to == "active")
      return feedback({codes::kMilestoneAccepted, "Demande de coordination acceptée"}, patient, {**gp}, about,
                      "La demande de coordination pour votre patient est acceptée" +
                          (level.empty() ? std::string(".") : " (niveau : " + level + ")."));
    if (episode_closed(to)) {
      std::string why;
      if (const Json* r = find_extension(ep, codes::kClosureReasonExt))
        if (const Json* c = r->find("valueCoding")) why = std::string(c->get_string("display"));
      return feedback({codes::kMilestoneClosed, "Clôture du dossier"}, patient, {**gp}, about,
                      "Le dossier de coordination de votre patient est clos" +
                          (why.empty() ? std::string(".") : " (motif : " + why + ")."));
    }
    return Status::Ok();
  }

  // R4 EpisodeOfCare.statusHistory: "the history of statuses that the
  // EpisodeOfCare has been through (without requiring processing the history
  // of the resource)". The server appends the status being left.
  void append_status_history(Json& ep, std::string_view from) {
    std::string start;
    const Json* prev_hist = e.previous->find("statusHistory");
    if (prev_hist && prev_hist->is_array() && !prev_hist->as_array().empty()) {
      const Json* p = prev_hist->as_array().back().find("period");
      if (p) start = std::string(p->get_string("end"));
    }
    if (start.empty())
      if (const Json* p = e.previous->find("period")) start = std::string(p->get_string("start"));
    Json entry = Json::object();
    entry.set("status", Json(from));
    Json period = Json::object();
    if (!start.empty()) period.set("start", Json(start));
    period.set("end", Json(date_of(e.now)));
    entry.set("period", std::move(period));
    // The stored history is authoritative: the client's copy is replaced.
    Json hist = prev_hist && prev_hist->is_array() ? *prev_hist : Json::array();
    hist.push_back(std::move(entry));
    ep.set("statusHistory", std::move(hist));
  }

  // --- Composition: the lettres de liaison ---------------------------------
  Status composition() {
    const Json& c = e.incoming;
    const LetterKind kind = letter_kind(c);
    if (kind == LetterKind::None) return Status::Ok();
    const std::string to(status_of(&c));
    if (to != "final" && to != "amended") return Status::Ok();  // a draft may be incomplete
    std::optional<Json> signatory;
    if (const Json* authors = c.find("author"); authors && authors->is_array())
      for (const Json& a : authors->as_array()) {
        std::string_view r = a.get_string("reference");
        for (std::string_view t : {"Practitioner/", "PractitionerRole/"})
          if (r.starts_with(t) && !signatory) {
            auto s = read_current(t.substr(0, t.size() - 1), r.substr(t.size()));
            if (!s) return std::move(s).error();
            signatory = std::move(*s);
          }
      }
    auto problems = letter_problems(c, kind, signatory ? &*signatory : nullptr);
    if (!problems.empty() && enforce) return Error(422, std::move(problems));
    // R.1112-1-2: the discharge letter reaches the GP the day of discharge.
    const std::string_view from = status_of(e.previous);
    if (kind != LetterKind::Discharge || from == "final" || from == "amended") return Status::Ok();
    std::string patient(reference_at(c, "subject"));
    auto gp = this->gp(patient);
    if (!gp) return std::move(gp).error();
    if (!*gp) return Status::Ok();
    return feedback({codes::kMilestoneLetter, "Lettre de liaison de sortie"}, patient, {**gp},
                    "Composition/" + std::string(e.id),
                    "La lettre de liaison de sortie de votre patient est disponible (Composition/" +
                        std::string(e.id) + ").");
  }

  // --- QuestionnaireResponse of a shipped instrument ------------------------
  Status questionnaire_response() {
    const Json& qr = e.incoming;
    const Instrument* instrument = find_instrument(qr.get_string("questionnaire"));
    if (!instrument) return Status::Ok();
    std::string self = "QuestionnaireResponse/" + std::string(e.id);
    auto existing = search::find(e.reader, "Observation", "derived-from=" + self, 50);
    if (!existing) return std::move(existing).error();
    std::vector<std::pair<std::string, Json>> olds;
    for (const auto& id : *existing) {
      auto o = read_current("Observation", id);
      if (!o) return std::move(o).error();
      if (*o) olds.emplace_back(id, std::move(**o));
    }
    auto code_of = [](const Json& o) -> std::string {
      if (const Json* c = o.find("code"))
        if (const Json* cs = c->find("coding"); cs && cs->is_array() && !cs->as_array().empty())
          return std::string(cs->as_array()[0].get_string("system")) + "|" +
                 std::string(cs->as_array()[0].get_string("code"));
      return {};
    };
    std::vector<Json> fresh;
    if (status_of(&qr) != "entered-in-error") {
      auto a = assess(qr);
      if (!a) return std::move(a).error();
      if (a->complete) {
        ObservationOptions opt;
        opt.derived_from = self;
        auto obs = to_observations(*a, qr, opt);
        if (!obs) return std::move(obs).error();
        fresh = std::move(*obs);
        if (social_instrument(instrument->id()))
          for (Json& o : fresh) add_social_category(o);
      }
    }
    // Scores replace the previous ones by code; scores no longer computed
    // (a response reopened, or entered in error) are withdrawn.
    for (Json& o : fresh) {
      std::string code = code_of(o);
      auto old =
          std::find_if(olds.begin(), olds.end(), [&](const auto& x) { return code_of(x.second) == code; });
      if (old == olds.end()) {
        effects.push_back(Effect{"Observation", store::time_ordered_id(), std::move(o)});
        continue;
      }
      Json before = old->second;
      before.erase("meta");
      o.set("id", Json(old->first));
      if (!o.equals(before, false)) {
        if (status_of(&before) == "final" || status_of(&before) == "amended")
          o.set("status", Json("amended"));
        effects.push_back(Effect{"Observation", old->first, std::move(o)});
      }
      olds.erase(old);
    }
    for (auto& [id, o] : olds) {
      if (status_of(&o) == "entered-in-error" || status_of(&o) == "cancelled") continue;
      o.erase("meta");
      o.set("status", Json(status_of(&qr) == "entered-in-error" ? "entered-in-error" : "cancelled"));
      effects.push_back(Effect{"Observation", id, std::move(o)});
    }
    return Status::Ok();
  }
};

}  // namespace

bool has_write_rules(std::string_view type) {
  return type == "Task" || type == "CarePlan" || type == "EpisodeOfCare" || type == "Composition" ||
         type == "QuestionnaireResponse";
}

Result<std::vector<Effect>> apply_write_rules(WriteEvent& event) {
  Rules r{event, !is_system(event.ctx), {}};
  Status s;
  if (event.type == "Task") {
    s = r.task();
  } else if (event.type == "CarePlan") {
    s = r.care_plan();
  } else if (event.type == "EpisodeOfCare") {
    s = r.episode();
  } else if (event.type == "Composition") {
    s = r.composition();
  } else if (event.type == "QuestionnaireResponse") {
    s = r.questionnaire_response();
  }
  if (!s) return std::move(s).error();
  for (auto& fx : r.effects) fx.resource.set("id", Json(fx.id));
  return std::move(r.effects);
}

}  // namespace parcours::coordination
