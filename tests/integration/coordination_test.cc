// The coordination workflow end to end, through the HTTP API only: real
// accounts and logins (support/world.h), a GP, a nurse coordinator, a social
// coordinator, an outsider. Each step asserts the state, the feedback to the
// GP, the refusals of forbidden transitions, and who sees what.
#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "fhir/json.h"
#include "support/world.h"

namespace parcours {
namespace {

using namespace testing;  // the world (support/world.h)

constexpr const char* kDac = "Organization/dac-flandre";

struct Dossier {
  World& w;
  Account gp, nurse, social, outsider;
  std::string t_gp, t_nurse, t_social, t_out;

  explicit Dossier(World& world) : w(world) {
    w.put_text(R"({"resourceType":"Organization","id":"dac-flandre","name":"DAC Flandre Lys",
      "type":[{"coding":[{"system":"https://parcours.example.fr/fhir/CodeSystem/type-structure-coordination",
        "code":"dac"}],"text":"Dispositif d'appui à la coordination"}]})");
    w.put_text(R"({"resourceType":"Patient","id":"p1","name":[{"family":"Declercq","given":["Marcel"]}],
      "gender":"male","birthDate":"1944-02-11","generalPractitioner":[{"reference":"Practitioner/pr-gp"}]})");
    w.put_text(
        R"({"resourceType":"CareTeam","id":"ct-p1","status":"active","subject":{"reference":"Patient/p1"},
      "participant":[{"member":{"reference":"Practitioner/pr-ide"}},{"member":{"reference":"Practitioner/pr-as"}}]})");
    auto pro = [&](const char* user, const char* pr, const char* profession) {
      return w.account(user, "professional",
                       {"--practitioner", pr, "--profession", profession, "--rpps", "10000000001"});
    };
    gp = pro("dr.gp", "pr-gp", "G15-10");
    nurse = pro("ide.coord", "pr-ide", "G15-60");
    social = w.account("as.coord", "professional", {"--practitioner", "pr-as", "--profession", "R85-330"});
    outsider = pro("dr.out", "pr-out", "G15-10");
    relogin();
  }

  // Tokens are short-lived: log in again after moving the clock.
  void relogin() {
    t_gp = w.login(gp).access;
    t_nurse = w.login(nurse).access;
    t_social = w.login(social).access;
    t_out = w.login(outsider).access;
  }

  Response as(const std::string& token, const std::string& method, const std::string& target,
              const std::string& body = "") {
    return w.as(token, method, target, body);
  }

  // Feedback messages to the GP, as the GP's software finds them.
  std::vector<std::string> milestones() {
    auto r = as(t_gp, "GET",
                "/fhir/Communication?recipient=Practitioner/pr-gp&category=https://parcours.example.fr/fhir/"
                "CodeSystem/communication-category|retour-medecin-traitant&_sort=_lastUpdated&_count=100");
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> out;
    Json b = J(r);
    if (const Json* e = b.find("entry"); e && e->is_array())
      for (const Json& x : e->as_array())
        if (const Json* res = x.find("resource"))
          if (const Json* topic = res->find("topic"))
            out.emplace_back(topic->find("coding")->as_array()[0].get_string("code"));
    return out;
  }
};

Json with(Json r, std::string_view key, Json value) {
  r.set(key, std::move(value));
  return r;
}

TEST(Coordination, ReferralTriageDossierFeedbackAndClosure) {
  World w;
  Dossier d(w);

  // The GP refers the patient to the DAC: a ServiceRequest and its Task.
  auto sr = d.as(d.t_gp, "PUT", "/fhir/ServiceRequest/sr-1", R"({"resourceType":"ServiceRequest","id":"sr-1",
    "status":"active","intent":"order","priority":"urgent","subject":{"reference":"Patient/p1"},
    "requester":{"reference":"Practitioner/pr-gp"},"performer":[{"reference":"Organization/dac-flandre"}],
    "code":{"text":"Demande d'appui à la coordination"},
    "reasonCode":[{"text":"Retour à domicile après décompensation cardiaque, aidante épuisée"}]})");
  ASSERT_EQ(sr.status, 201) << sr.body;
  auto task =
      d.as(d.t_gp, "PUT", "/fhir/Task/ref-1", R"({"resourceType":"Task","id":"ref-1","status":"requested",
    "intent":"order","code":{"coding":[{"system":"http://hl7.org/fhir/CodeSystem/task-code","code":"fulfill"}]},
    "focus":{"reference":"ServiceRequest/sr-1"},"for":{"reference":"Patient/p1"},
    "requester":{"reference":"Practitioner/pr-gp"},"owner":{"reference":"Organization/dac-flandre"}})");
  ASSERT_EQ(task.status, 201) << task.body;
  EXPECT_FALSE(J(task).get_string("lastModified").empty()) << "the server keeps Task.lastModified";

  // The structure's work queue.
  auto queue = d.as(d.t_social, "GET", std::string("/fhir/Task?owner=") + kDac + "&status=requested");
  ASSERT_EQ(queue.status, 200) << queue.body;
  EXPECT_EQ(total(queue), 1);

  // The R4 Task state machine: requested cannot jump to completed.
  Json t = J(task);
  auto jump = d.as(d.t_social, "PUT", "/fhir/Task/ref-1", with(t, "status", Json("completed")).dump());
  EXPECT_EQ(jump.status, 422) << jump.body;
  EXPECT_EQ(issue_expression(jump), "Task.status");
  // A refusal needs its reason.
  auto no_reason = d.as(d.t_social, "PUT", "/fhir/Task/ref-1", with(t, "status", Json("rejected")).dump());
  EXPECT_EQ(no_reason.status, 422);
  EXPECT_EQ(issue_expression(no_reason), "Task.statusReason");
  auto accepted = d.as(d.t_social, "PUT", "/fhir/Task/ref-1", with(t, "status", Json("accepted")).dump());
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  // A second referral, declined with its reason: the referrer (here the GP) is told.
  Json other = with(t, "id", "ref-2");
  other.erase("meta");
  ASSERT_EQ(d.as(d.t_gp, "PUT", "/fhir/Task/ref-2", with(other, "status", "requested").dump()).status, 201);
  Json declined = with(other, "status", "rejected");
  declined.set("statusReason", parse_json(R"({"text":"Relève du SSIAD du secteur"})").value());
  ASSERT_EQ(d.as(d.t_social, "PUT", "/fhir/Task/ref-2", declined.dump()).status, 200);
  // An order declined elsewhere (a laboratory) is not a coordination milestone.
  Json lab = with(other, "id", "lab-1");
  lab.set("owner", parse_json(R"({"reference":"Organization/labo-lille"})").value());
  ASSERT_EQ(d.as(d.t_gp, "PUT", "/fhir/Task/lab-1", with(lab, "status", "requested").dump()).status, 201);
  Json lab_declined = with(lab, "status", "rejected");
  lab_declined.set("statusReason", parse_json(R"({"text":"Tube hémolysé"})").value());
  ASSERT_EQ(d.as(d.t_gp, "PUT", "/fhir/Task/lab-1", lab_declined.dump()).status, 200);
  EXPECT_EQ(d.milestones(), std::vector<std::string>{"demande-refusee"});

  // An episode at another kind of organisation is not a coordination dossier.
  w.put_text(R"({"resourceType":"Organization","id":"chu","name":"CHU de Lille"})");
  auto stay =
      d.as(d.t_gp, "PUT", "/fhir/EpisodeOfCare/stay-1", R"({"resourceType":"EpisodeOfCare","id":"stay-1",
    "status":"active","patient":{"reference":"Patient/p1"},"managingOrganization":{"reference":"Organization/chu"}})");
  EXPECT_EQ(stay.status, 201) << stay.body;

  // Inclusion needs the triage level.
  std::string episode = R"({"resourceType":"EpisodeOfCare","id":"eoc-1","status":"active",
    "patient":{"reference":"Patient/p1"},"managingOrganization":{"reference":"Organization/dac-flandre"},
    "referralRequest":[{"reference":"ServiceRequest/sr-1"}],"careManager":{"reference":"Practitioner/pr-as"},
    "period":{"start":"2026-11-20"}})";
  auto untriaged = d.as(d.t_social, "PUT", "/fhir/EpisodeOfCare/eoc-1", episode);
  EXPECT_EQ(untriaged.status, 422) << untriaged.body;
  EXPECT_EQ(issue_expression(untriaged), "EpisodeOfCare.type");
  Json ep = parse_json(episode).value();
  ep.set(
      "type",
      parse_json(R"([{"coding":[{"system":"https://parcours.example.fr/fhir/CodeSystem/niveau-coordination",
    "code":"coordination-complexe","display":"Coordination complexe"}]}])")
          .value());
  auto opened = d.as(d.t_social, "PUT", "/fhir/EpisodeOfCare/eoc-1", ep.dump());
  ASSERT_EQ(opened.status, 201) << opened.body;
  // The case manager joined the patient's care team for this dossier.
  const std::string team_query =
      "/fhir/CareTeam?identifier=https://parcours.example.fr/fhir/sid/equipe-dossier|EpisodeOfCare/eoc-1";
  auto team = d.as(d.t_gp, "GET", team_query);
  ASSERT_EQ(total(team), 1) << team.body;
  EXPECT_NE(team.body.find(R"("member":{"reference":"Practitioner/pr-as"})"), std::string::npos) << team.body;
  EXPECT_EQ(d.milestones(), (std::vector<std::string>{"demande-refusee", "demande-acceptee"}));

  // Closure: a reason is required; the server records the end and the history.
  Json open_ep = J(opened);
  auto unexplained =
      d.as(d.t_social, "PUT", "/fhir/EpisodeOfCare/eoc-1", with(open_ep, "status", Json("finished")).dump());
  EXPECT_EQ(unexplained.status, 422) << unexplained.body;
  EXPECT_EQ(issue_expression(unexplained), "EpisodeOfCare.extension");
  Json closing = with(open_ep, "status", Json("finished"));
  closing.set("extension",
              parse_json(R"([{"url":"https://parcours.example.fr/fhir/StructureDefinition/motif-cloture",
    "valueCoding":{"system":"https://parcours.example.fr/fhir/CodeSystem/motif-cloture","code":"objectifs-atteints",
    "display":"Objectifs atteints"}}])")
                  .value());
  auto closed = d.as(d.t_social, "PUT", "/fhir/EpisodeOfCare/eoc-1", closing.dump());
  ASSERT_EQ(closed.status, 200) << closed.body;
  // Closure ends the case manager's participation.
  Json ended = J(d.as(d.t_gp, "GET", team_query));
  const Json& ended_team = *ended.find("entry")->as_array()[0].find("resource");
  EXPECT_EQ(ended_team.get_string("status"), "inactive");
  EXPECT_FALSE(ended_team.find("participant")->as_array()[0].find("period")->get_string("end").empty());
  Json c = J(closed);
  EXPECT_FALSE(c.find("period")->get_string("end").empty());
  ASSERT_NE(c.find("statusHistory"), nullptr);
  EXPECT_EQ(c.find("statusHistory")->as_array().back().get_string("status"), "active");
  // Reopening is allowed, and told to the GP; the closure reason goes.
  auto reopened =
      d.as(d.t_social, "PUT", "/fhir/EpisodeOfCare/eoc-1", with(c, "status", Json("active")).dump());
  ASSERT_EQ(reopened.status, 200) << reopened.body;
  EXPECT_EQ(J(reopened).find("extension"), nullptr);
  EXPECT_EQ(J(reopened).find("statusHistory")->as_array().size(), 2u);
  // A forbidden transition names what is possible.
  auto back = d.as(d.t_social, "PUT", "/fhir/EpisodeOfCare/eoc-1",
                   with(J(reopened), "status", Json("planned")).dump());
  EXPECT_EQ(back.status, 422);
  EXPECT_NE(back.body.find("onhold"), std::string::npos) << back.body;
  EXPECT_EQ(d.milestones(),
            (std::vector<std::string>{"demande-refusee", "demande-acceptee", "cloture", "reouverture"}));

  // Someone outside the team sees none of it.
  auto out = d.as(d.t_out, "GET", "/fhir/Communication?subject=Patient/p1");
  ASSERT_EQ(out.status, 200);
  EXPECT_EQ(total(out), 0);
  EXPECT_EQ(d.as(d.t_out, "GET", "/fhir/EpisodeOfCare/eoc-1").status, 404);

  // The feedback messages are audited as writes of the coordinator.
  auto audit = w.admin("GET", "/fhir/$audit?patient=p1&subtype=create&_count=100");
  ASSERT_EQ(audit.status, 200) << audit.body;
  EXPECT_NE(audit.body.find("Communication/"), std::string::npos);
}

TEST(Coordination, PpsIsActiveOnlyOnceTheGpValidatesIt) {
  World w;
  Dossier d(w);
  const std::string plan = R"({"resourceType":"CarePlan","id":"pps-1","status":"draft","intent":"plan",
    "title":"PPS — insuffisance cardiaque","subject":{"reference":"Patient/p1"},
    "category":[{"coding":[{"system":"https://parcours.example.fr/fhir/CodeSystem/pps-section","code":"clinique"}]}],
    "activity":[{"detail":{"status":"not-started","description":"Visite infirmière hebdomadaire"}}]})";
  // Created active: refused, with the way forward.
  auto active = d.as(d.t_nurse, "PUT", "/fhir/CarePlan/pps-1",
                     with(parse_json(plan).value(), "status", "active").dump());
  EXPECT_EQ(active.status, 422) << active.body;
  EXPECT_NE(active.body.find("$propose"), std::string::npos);
  auto draft = d.as(d.t_nurse, "PUT", "/fhir/CarePlan/pps-1", plan);
  ASSERT_EQ(draft.status, 201) << draft.body;
  // A draft cannot be switched to active by an update either.
  auto sneak = d.as(d.t_gp, "PUT", "/fhir/CarePlan/pps-1", with(J(draft), "status", "active").dump());
  EXPECT_EQ(sneak.status, 422) << sneak.body;

  // Proposed to the GP: an approval Task addressed to them.
  auto proposed = d.as(
      d.t_nurse, "POST", "/fhir/CarePlan/pps-1/$propose",
      R"({"resourceType":"Parameters","parameter":[{"name":"comment","valueString":"À valider avant la sortie"}]})");
  ASSERT_EQ(proposed.status, 200) << proposed.body;
  Json task1 = J(proposed);
  EXPECT_EQ(task1.get_string("status"), "requested");
  EXPECT_EQ(task1.find("owner")->get_string("reference"), "Practitioner/pr-gp");
  EXPECT_EQ(task1.find("focus")->get_string("reference"), "CarePlan/pps-1/_history/1");
  EXPECT_EQ(d.milestones(), std::vector<std::string>{"pps-propose"});

  // Only the GP decides: the nurse cannot complete the approval.
  std::string task1_url = "/fhir/Task/" + std::string(task1.get_string("id"));
  auto by_nurse = d.as(d.t_nurse, "PUT", task1_url, with(task1, "status", "completed").dump());
  EXPECT_EQ(by_nurse.status, 403) << by_nurse.body;

  // The plan changes after the proposal: the GP's validation of the old
  // version is refused; proposing again supersedes the first Task.
  Json edited = J(draft);
  edited.find("activity")
      ->push_back(
          parse_json(R"({"detail":{"status":"not-started","description":"Pesée quotidienne"}})").value());
  ASSERT_EQ(d.as(d.t_nurse, "PUT", "/fhir/CarePlan/pps-1", edited.dump()).status, 200);
  auto stale = d.as(d.t_gp, "PUT", task1_url, with(task1, "status", "completed").dump());
  EXPECT_EQ(stale.status, 409) << stale.body;
  auto again = d.as(d.t_nurse, "POST", "/fhir/CarePlan/pps-1/$propose");
  ASSERT_EQ(again.status, 200) << again.body;
  Json task2 = J(again);
  EXPECT_EQ(J(d.as(d.t_gp, "GET", task1_url)).get_string("status"), "cancelled");

  // The GP asks for changes (a refusal with its reason), then validates.
  std::string task2_url = "/fhir/Task/" + std::string(task2.get_string("id"));
  Json changes = with(task2, "status", "rejected");
  changes.set("statusReason", parse_json(R"({"text":"Ajouter la consultation de cardiologie"})").value());
  ASSERT_EQ(d.as(d.t_gp, "PUT", task2_url, changes.dump()).status, 200);
  EXPECT_EQ(J(d.as(d.t_gp, "GET", "/fhir/CarePlan/pps-1")).get_string("status"), "draft");
  auto task3 = J(d.as(d.t_nurse, "POST", "/fhir/CarePlan/pps-1/$propose"));
  auto validated = d.as(d.t_gp, "PUT", "/fhir/Task/" + std::string(task3.get_string("id")),
                        with(task3, "status", "completed").dump());
  ASSERT_EQ(validated.status, 200) << validated.body;
  Json pps = J(d.as(d.t_nurse, "GET", "/fhir/CarePlan/pps-1"));
  EXPECT_EQ(pps.get_string("status"), "active");
  EXPECT_NE(pps.dump().find("validation-pps"), std::string::npos) << pps.dump();
  EXPECT_NE(pps.dump().find("Practitioner/pr-gp"), std::string::npos);
  EXPECT_EQ(d.milestones(),
            (std::vector<std::string>{"pps-propose", "pps-propose", "pps-propose", "pps-valide"}));
  // The request for changes went to the one who proposed the plan.
  auto to_nurse = d.as(d.t_nurse, "GET", "/fhir/Communication?recipient=Practitioner/pr-ide");
  EXPECT_NE(to_nurse.body.find("pps-modifications-demandees"), std::string::npos) << to_nurse.body;
  EXPECT_NE(to_nurse.body.find("Ajouter la consultation de cardiologie"), std::string::npos);

  // Follow-up keeps it active (an activity's progress)...
  Json progress = pps;
  (*progress.find("activity")->as_array()[0].find("detail")).set("status", "in-progress");
  ASSERT_EQ(d.as(d.t_nurse, "PUT", "/fhir/CarePlan/pps-1", progress.dump()).status, 200);
  // ...but a change of content goes through a revision.
  Json changed = J(d.as(d.t_nurse, "GET", "/fhir/CarePlan/pps-1"));
  changed.find("activity")
      ->push_back(
          parse_json(R"({"detail":{"status":"not-started","description":"Portage de repas"}})").value());
  auto silent = d.as(d.t_nurse, "PUT", "/fhir/CarePlan/pps-1", changed.dump());
  EXPECT_EQ(silent.status, 422) << silent.body;
  auto revision = d.as(d.t_nurse, "PUT", "/fhir/CarePlan/pps-1", with(changed, "status", "draft").dump());
  ASSERT_EQ(revision.status, 200) << revision.body;
  // Proposed again, the GP is told what changed since what they validated.
  auto revised = d.as(d.t_nurse, "POST", "/fhir/CarePlan/pps-1/$propose");
  ASSERT_EQ(revised.status, 200) << revised.body;
  EXPECT_NE(revised.body.find("Ajouté : Portage de repas"), std::string::npos) << revised.body;
}

TEST(Coordination, TemplateAppliedThenValidatedAsOnePlan) {
  World w;
  Dossier d(w);
  // The shipped templates are there on a fresh server.
  auto tpl = d.as(d.t_gp, "GET", "/fhir/PlanDefinition/insuffisance-cardiaque-sortie-hospitalisation");
  ASSERT_EQ(tpl.status, 200) << tpl.body;
  // $apply drafts the PPS without storing it: a transaction to POST.
  auto missing =
      d.as(d.t_gp, "GET", "/fhir/PlanDefinition/insuffisance-cardiaque-sortie-hospitalisation/$apply");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(issue_expression(missing), "subject");
  auto applied = d.as(d.t_gp, "GET",
                      "/fhir/PlanDefinition/insuffisance-cardiaque-sortie-hospitalisation/$apply"
                      "?subject=Patient/p1&start=2026-11-20");
  ASSERT_EQ(applied.status, 200) << applied.body;
  Json tx = J(applied);
  EXPECT_EQ(tx.get_string("type"), "transaction");
  EXPECT_EQ(J(d.as(d.t_gp, "GET", "/fhir/CarePlan?subject=Patient/p1")).find("total")->to_int64(), 0)
      << "$apply stores nothing";
  // Someone outside the care team cannot draft a plan for the patient.
  EXPECT_EQ(
      d.as(d.t_out, "GET",
           "/fhir/PlanDefinition/insuffisance-cardiaque-sortie-hospitalisation/$apply?subject=Patient/p1")
          .status,
      404);
  auto stored = d.as(d.t_gp, "POST", "/fhir", tx.dump());
  ASSERT_EQ(stored.status, 200) << stored.body;
  auto plans = J(d.as(d.t_gp, "GET", "/fhir/CarePlan?subject=Patient/p1&status=draft&_sort=_lastUpdated"));
  ASSERT_EQ(plans.find("total")->to_int64(), 2) << plans.dump();
  std::string clinical, social;
  for (const Json& e : plans.find("entry")->as_array()) {
    const Json& r = *e.find("resource");
    (r.find("partOf") ? social : clinical) = std::string(r.get_string("id"));
  }
  ASSERT_FALSE(clinical.empty());
  ASSERT_FALSE(social.empty());
  // The medico-social part is proposed with the plan it belongs to.
  auto part = d.as(d.t_gp, "POST", "/fhir/CarePlan/" + social + "/$propose");
  EXPECT_EQ(part.status, 422) << part.body;
  EXPECT_EQ(issue_expression(part), "CarePlan.partOf");
  auto task = J(d.as(d.t_nurse, "POST", "/fhir/CarePlan/" + clinical + "/$propose"));
  auto ok = d.as(d.t_gp, "PUT", "/fhir/Task/" + std::string(task.get_string("id")),
                 with(task, "status", "completed").dump());
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(J(d.as(d.t_gp, "GET", "/fhir/CarePlan/" + clinical)).get_string("status"), "active");
  EXPECT_EQ(J(d.as(d.t_gp, "GET", "/fhir/CarePlan/" + social)).get_string("status"), "active");
  // The social coordinator sees the medico-social part, not the clinical one.
  EXPECT_EQ(d.as(d.t_social, "GET", "/fhir/CarePlan/" + social).status, 200);
  EXPECT_EQ(d.as(d.t_social, "GET", "/fhir/CarePlan/" + clinical).status, 403);
  // The readable PPS: both sections, the GP's validation, French.
  auto page = d.as(d.t_gp, "GET", "/fhir/CarePlan/" + clinical + "/$render");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.header("Content-Type"), "text/html; charset=utf-8");
  for (const char* text : {"<html lang=\"fr\">", "Validé par le médecin traitant", "Volet clinique",
                           "Consultation du médecin traitant", "Volet médico-social",
                           "Évaluation des besoins d&#39;aide au domicile", "du 20/11/2026 au 27/11/2026"})
    EXPECT_NE(page.body.find(text), std::string::npos) << text;
  // The same as a PDF (A4, standard fonts), for print and mail.
  auto pdf = d.as(d.t_gp, "GET", "/fhir/CarePlan/" + clinical + "/$render?_format=pdf");
  ASSERT_EQ(pdf.status, 200) << pdf.body.substr(0, 300);
  EXPECT_EQ(pdf.header("Content-Type"), "application/pdf");
  EXPECT_EQ(pdf.body.substr(0, 5), "%PDF-");
  EXPECT_NE(pdf.body.find("%%EOF", pdf.body.size() - 16), std::string::npos);
  EXPECT_NE(pdf.body.find("/Helvetica"), std::string::npos);
  EXPECT_NE(pdf.body.find("/WinAnsiEncoding"), std::string::npos);
  auto by_accept = w.http().request("GET", "/fhir/CarePlan/" + clinical + "/$render", "",
                                    {{"Authorization", "Bearer " + d.t_gp}, {"Accept", "application/pdf"}});
  EXPECT_EQ(by_accept.header("Content-Type"), "application/pdf");
  EXPECT_EQ(d.as(d.t_gp, "GET", "/fhir/CarePlan/" + clinical + "/$render?_format=xml").status, 406);
  EXPECT_EQ(d.as(d.t_social, "GET", "/fhir/CarePlan/" + clinical + "/$render").status, 403);
  EXPECT_EQ(d.as(d.t_out, "GET", "/fhir/CarePlan/" + clinical + "/$render").status, 404);
}

// A lettre de liaison with the given sections (code -> text).
std::string letter(const std::string& status, const std::string& type,
                   const std::vector<std::pair<std::string, std::string>>& sections, bool with_stay = true) {
  std::string out =
      R"({"resourceType":"Composition","id":"lls-1","status":")" + status +
      R"(","type":{"coding":[{"system":"https://parcours.example.fr/fhir/CodeSystem/type-lettre-liaison","code":")" +
      type + R"("}]},"subject":{"reference":"Patient/p1"},"date":"2026-11-20T16:00:00+01:00",
    "author":[{"reference":"Practitioner/pr-hosp"}],"title":"Lettre de liaison",)";
  if (with_stay) out += R"("encounter":{"reference":"Encounter/sejour-1"},)";
  out += R"("section":[)";
  for (std::size_t i = 0; i < sections.size(); ++i)
    out +=
        std::string(i ? "," : "") + R"({"title":")" + sections[i].first +
        R"(","code":{"coding":[{"system":"https://parcours.example.fr/fhir/CodeSystem/section-lettre-liaison","code":")" +
        sections[i].first +
        R"("}]},"text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">)" +
        sections[i].second + R"(</div>"}})";
  return out + "]}";
}

TEST(Coordination, DischargeLetterIsCompleteOrSavedAsDraft) {
  World w;
  Dossier d(w);
  w.put_text(R"({"resourceType":"Practitioner","id":"pr-hosp","name":[{"family":"Vandamme","prefix":["Dr"]}],
    "telecom":[{"system":"phone","value":"+33 3 20 44 59 62"},{"system":"email","value":"cardio@chu-lille.example.fr"}]})");
  w.put_text(
      R"({"resourceType":"CareTeam","id":"ct-hosp","status":"active","subject":{"reference":"Patient/p1"},
    "participant":[{"member":{"reference":"Practitioner/pr-hosp"}}]})");
  auto hosp = w.account("dr.hosp", "professional",
                        {"--practitioner", "pr-hosp", "--profession", "G15-10", "--rpps", "10000000001"});
  std::string t = w.login(hosp).access;
  std::vector<std::pair<std::string, std::string>> some{
      {"motif-hospitalisation", "Décompensation cardiaque globale"},
      {"evenements-significatifs", "Aucun événement indésirable ; pas de BMR"},
      {"etat-sortie", "Euvolémique, marche avec déambulateur"}};
  // Finalised with sections missing: refused, each missing one named.
  auto incomplete = d.as(t, "PUT", "/fhir/Composition/lls-1", letter("final", "lettre-sortie", some, false));
  ASSERT_EQ(incomplete.status, 422) << incomplete.body;
  Json oo = J(incomplete);
  EXPECT_EQ(oo.find("issue")->as_array().size(), 6u) << incomplete.body;  // 5 sections + the stay
  EXPECT_NE(incomplete.body.find("Traitements arrêtés et motifs"), std::string::npos);
  EXPECT_NE(incomplete.body.find("Composition.encounter"), std::string::npos);
  // The same letter saved as a draft is accepted.
  ASSERT_EQ(
      d.as(t, "PUT", "/fhir/Composition/lls-1", letter("preliminary", "lettre-sortie", some, false)).status,
      201);
  EXPECT_TRUE(d.milestones().empty()) << "a draft is not sent";
  auto full = some;
  full.insert(full.end(),
              {{"traitements-sortie", "Furosémide 40 mg/j, bisoprolol 2,5 mg/j"},
               {"traitements-arretes", "Diltiazem arrêté : contre-indiqué dans l'insuffisance cardiaque"},
               {"resultats-sortie", "Poids 71 kg ; créatinine 118 µmol/L ; NT-proBNP 2 400 ng/L"},
               {"suites-a-donner", "IDE 3 fois par semaine, cardiologue sous 2 mois, pesée quotidienne"},
               {"ordonnance", "Ordonnance jointe"}});
  auto final = d.as(t, "PUT", "/fhir/Composition/lls-1", letter("final", "lettre-sortie", full));
  ASSERT_EQ(final.status, 200) << final.body;
  // Sent to the GP the day of discharge (R.1112-1-2), once.
  EXPECT_EQ(d.milestones(), std::vector<std::string>{"lettre-de-liaison"});
  EXPECT_EQ(d.as(t, "PUT", "/fhir/Composition/lls-1", letter("amended", "lettre-sortie", full)).status, 200);
  EXPECT_EQ(d.milestones(), std::vector<std::string>{"lettre-de-liaison"});
  // A signatory who cannot be reached is not acceptable.
  w.put_text(R"({"resourceType":"Practitioner","id":"pr-hosp","name":[{"family":"Vandamme"}]})");
  auto unreachable = d.as(t, "PUT", "/fhir/Composition/lls-1", letter("amended", "lettre-sortie", full));
  EXPECT_EQ(unreachable.status, 422) << unreachable.body;
  EXPECT_EQ(issue_expression(unreachable), "Composition.author");
  // The GP's admission letter needs its three items (R.1112-1-1).
  auto entry = d.as(d.t_gp, "PUT", "/fhir/Composition/lls-1",
                    letter("final", "lettre-entree", {{"motif-hospitalisation", "Dyspnée de repos"}}));
  EXPECT_EQ(entry.status, 422) << entry.body;
  EXPECT_NE(entry.body.find("Allergies connues"), std::string::npos);
}

// An AGGIR grid (annexe 2-1 CASF) answered with one modality per variable,
// in the grid's order: "AABBAABAAA" is GIR 4 (tests/unit/assessment_test.cc).
std::string aggir(const std::string& id, const std::string& status, const std::string& profile) {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> vars = {
      {"coherence", {"communication", "comportement"}},
      {"orientation", {"temps", "espace"}},
      {"toilette", {"haut", "bas"}},
      {"habillage", {"haut", "moyen", "bas"}},
      {"alimentation", {"se-servir", "manger"}},
      {"elimination", {"urinaire", "fecale"}},
      {"transferts", {}},
      {"deplacements-interieur", {}},
      {"deplacements-exterieur", {}},
      {"communication", {}}};
  auto leaf = [](const std::string& link, char m) {
    return R"({"linkId":")" + link + R"(","item":[{"linkId":")" + link +
           R"(.modalite","answer":[{"valueCoding":{"system":"https://parcours.example.fr/fhir/CodeSystem/aggir-modalite","code":")" +
           std::string(1, m) + R"("}}]}]})";
  };
  std::string items;
  for (std::size_t v = 0; v < vars.size(); ++v) {
    if (v) items += ",";
    const auto& [name, subs] = vars[v];
    if (subs.empty()) {
      items += leaf(name, profile[v]);
      continue;
    }
    items += R"({"linkId":")" + name + R"(","item":[)";
    for (std::size_t k = 0; k < subs.size(); ++k)
      items += (k ? "," : "") + leaf(name + "." + subs[k], profile[v]);
    items += "]}";
  }
  return R"({"resourceType":"QuestionnaireResponse","id":")" + id + R"(","status":")" + status +
         R"(","questionnaire":"https://parcours.example.fr/fhir/Questionnaire/aggir","subject":{"reference":"Patient/p1"},
    "authored":"2026-11-23T10:00:00+01:00","author":{"reference":"Practitioner/pr-as"},
    "item":[{"linkId":"variables-discriminantes","item":[)" +
         items + "]}]}";
}

// The Zarit interview of the carer (22 items, total `score`): about the
// patient's care, answered by the carer (source).
std::string zarit(int score) {
  static const char* freq[] = {"jamais", "rarement", "quelquefois", "assez-souvent", "presque-tout-le-temps"};
  static const char* intensity[] = {"pas-du-tout", "un-peu", "moyennement", "beaucoup", "enormement"};
  std::string items;
  for (int i = 1; i <= 22; ++i) {
    const int v = std::min(score, 4);
    score -= v;
    items += std::string(i > 1 ? "," : "") + R"({"linkId":"zarit-)" + std::to_string(i) +
             R"(","answer":[{"valueCoding":{"system":"https://parcours.example.fr/fhir/CodeSystem/)" +
             (i < 22 ? std::string("zarit-frequence\",\"code\":\"") + freq[v]
                     : std::string("zarit-intensite\",\"code\":\"") + intensity[v]) +
             R"("}}]})";
  }
  return R"({"resourceType":"QuestionnaireResponse","id":"qr-zarit","status":"completed",
    "questionnaire":"https://parcours.example.fr/fhir/Questionnaire/zarit","subject":{"reference":"Patient/p1"},
    "source":{"reference":"RelatedPerson/aidante"},"authored":"2026-11-23T11:00:00+01:00",
    "author":{"reference":"Practitioner/pr-as"},"item":[)" +
         items + "]}";
}

// "YYYY-MM-DD" of the server's (test-shifted) clock plus `days`.
std::string day(World& w, int days) {
  std::time_t t = static_cast<std::time_t>(w.now() + days * 86400LL);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

TEST(Coordination, LateTasksEscalateAndReviewsAreScheduled) {
  World w;
  Dossier d(w);
  w.put_text(
      R"({"resourceType":"EpisodeOfCare","id":"eoc-1","status":"active","patient":{"reference":"Patient/p1"},
    "managingOrganization":{"reference":"Organization/dac-flandre"},"careManager":{"reference":"Practitioner/pr-as"},
    "type":[{"coding":[{"system":"https://parcours.example.fr/fhir/CodeSystem/niveau-coordination","code":"coordination-simple"}]}]})");
  // A nurse visit due in two days.
  std::string due = day(w, 2);
  auto created = d.as(d.t_nurse, "PUT", "/fhir/Task/visite-1", R"({"resourceType":"Task","id":"visite-1",
    "status":"accepted","intent":"order","description":"Visite infirmière : pesée et surveillance des oedèmes",
    "for":{"reference":"Patient/p1"},"owner":{"reference":"Practitioner/pr-ide"},
    "restriction":{"period":{"end":")" + due + R"("}}})");
  ASSERT_EQ(created.status, 201) << created.body;
  // Work queues by due date (the shipped search parameter "due-date").
  auto this_week = d.as(d.t_nurse, "GET", "/fhir/Task?owner=Practitioner/pr-ide&due-date=le" + day(w, 7));
  ASSERT_EQ(this_week.status, 200) << this_week.body;
  EXPECT_EQ(total(this_week), 1) << this_week.body;
  auto follow_up = [&] {
    auto r = w.admin("POST", "/fhir/$follow-up");
    EXPECT_EQ(r.status, 200) << r.body;
    std::map<std::string, std::int64_t> out;
    Json b = J(r);
    if (!b.find("parameter")) return out;
    for (const Json& p : b.find("parameter")->as_array())
      out[std::string(p.get_string("name"))] = *p.find("valueInteger")->to_int64();
    return out;
  };
  EXPECT_EQ(follow_up()["overdue-tasks"], 0) << "not late yet";
  EXPECT_EQ(d.as(d.t_nurse, "POST", "/fhir/$follow-up").status, 403);

  // Three days later it is late: marked, and the case manager is told, once.
  w.advance(3 * 86400);
  d.relogin();
  EXPECT_EQ(follow_up()["overdue-tasks"], 1);
  EXPECT_EQ(follow_up()["overdue-tasks"], 0) << "a pass is idempotent";
  Json task = J(d.as(d.t_nurse, "GET", "/fhir/Task/visite-1"));
  EXPECT_NE(task.dump().find("en-retard"), std::string::npos) << task.dump();
  auto overdue = d.as(d.t_social, "GET", "/fhir/Task?due-date=lt" + day(w, 0) + "&status=accepted");
  EXPECT_EQ(total(overdue), 1) << overdue.body;
  auto reminders = d.as(d.t_social, "GET", "/fhir/Communication?recipient=Practitioner/pr-as");
  ASSERT_EQ(reminders.status, 200);
  EXPECT_EQ(total(reminders), 1) << reminders.body;
  EXPECT_NE(reminders.body.find("relance-retard"), std::string::npos);
  EXPECT_NE(reminders.body.find("pesée et surveillance"), std::string::npos);

  // An active PPS past its review date gets a re-assessment Task, once.
  w.put_text(R"({"resourceType":"CarePlan","id":"pps-old","status":"active","intent":"plan",
    "subject":{"reference":"Patient/p1"},"period":{"start":"2025-01-01","end":")" +
             day(w, -1) + R"("},
    "category":[{"coding":[{"system":"https://parcours.example.fr/fhir/CodeSystem/pps-section","code":"clinique"}]}]})");
  EXPECT_EQ(follow_up()["reviews-due"], 1);
  EXPECT_EQ(follow_up()["reviews-due"], 0);
  auto review =
      d.as(d.t_social, "GET", "/fhir/Task?focus=CarePlan/pps-old&owner=Practitioner/pr-as&status=requested");
  ASSERT_EQ(review.status, 200) << review.body;
  EXPECT_EQ(total(review), 1) << review.body;
  // Every write of the scheduler is in the audit trail, under its name.
  auto audit = w.admin("GET", "/fhir/$audit?patient=p1&agent=parcours-scheduler&_count=50");
  ASSERT_EQ(audit.status, 200) << audit.body;
  Json trail = J(audit);
  const Json* events = trail.find("entry");
  ASSERT_NE(events, nullptr) << audit.body;
  EXPECT_EQ(events->as_array().size(), 3u) << "the late Task, the reminder, the review Task";
}

TEST(Coordination, AssessmentScoresBecomeObservations) {
  World w;
  Dossier d(w);
  auto katz = [](const char* levels) {
    const char* f[] = {"toilette",   "habillage",  "aller-aux-toilettes",
                       "transferts", "continence", "alimentation"};
    std::string items;
    for (int i = 0; i < 6; ++i)
      items +=
          std::string(i ? "," : "") + R"({"linkId":"katz-)" + f[i] +
          R"(","answer":[{"valueCoding":{"system":"https://parcours.example.fr/fhir/CodeSystem/katz-adl-niveau","code":")" +
          (levels[i] == 'd' ? "dependant" : "autonome") + R"("}}]})";
    return std::string(R"({"resourceType":"QuestionnaireResponse","id":"qr-katz","status":"completed",
      "questionnaire":"https://parcours.example.fr/fhir/Questionnaire/katz-adl","subject":{"reference":"Patient/p1"},
      "authored":"2026-11-21T10:00:00+01:00","author":{"reference":"Practitioner/pr-as"},"item":[)") +
           items + "]}";
  };
  // A wrong answer code is refused with its location.
  std::string bad = katz("aaaaaa");
  bad.replace(bad.find("\"autonome\""), 10, "\"presque\"");
  auto refused = d.as(d.t_social, "PUT", "/fhir/QuestionnaireResponse/qr-katz", bad);
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_NE(issue_expression(refused).find("QuestionnaireResponse.item[0]"), std::string::npos)
      << refused.body;
  // A complete response is scored; the social coordinator may record it and
  // read the score (autonomy is social data, R.1110-2 2°).
  auto saved = d.as(d.t_social, "PUT", "/fhir/QuestionnaireResponse/qr-katz", katz("ddaaaa"));
  ASSERT_EQ(saved.status, 201) << saved.body;
  auto scores = d.as(d.t_social, "GET", "/fhir/Observation?derived-from=QuestionnaireResponse/qr-katz");
  ASSERT_EQ(scores.status, 200) << scores.body;
  Json b = J(scores);
  ASSERT_EQ(b.find("total")->to_int64(), 1) << b.dump();
  const Json& obs = *b.find("entry")->as_array()[0].find("resource");
  EXPECT_EQ(obs.find("valueQuantity")->find("value")->to_int64(), 4);
  std::string id(obs.get_string("id"));
  // An amended response updates the same Observation.
  auto amended = d.as(d.t_social, "PUT", "/fhir/QuestionnaireResponse/qr-katz",
                      with(parse_json(katz("dddaaa")).value(), "status", "amended").dump());
  ASSERT_EQ(amended.status, 200) << amended.body;
  Json after = J(d.as(d.t_social, "GET", "/fhir/Observation/" + id));
  EXPECT_EQ(after.find("valueQuantity")->find("value")->to_int64(), 3);
  EXPECT_EQ(after.get_string("status"), "amended");
  EXPECT_EQ(after.find("meta")->get_string("versionId"), "2");
}

// The issue's story, through the HTTP API only: an 82-year-old man
// discharged after heart failure; discharge letter and referral to the DAC;
// complex triage; AGGIR and Zarit at home; PPS from the heart-failure
// template validated by his GP; tasks to the nurse and the pharmacist; a
// late task escalated; re-assessment; closure. Each step's state, each
// message to the GP, the audit trail and who sees what are checked.
TEST(Coordination, HeartFailureDischargeStoryEndToEnd) {
  World w;
  Dossier d(w);
  w.put_text(R"({"resourceType":"Practitioner","id":"pr-hosp","name":[{"family":"Vandamme","prefix":["Dr"]}],
    "telecom":[{"system":"phone","value":"+33 3 20 44 59 62"}]})");
  w.put_text(R"({"resourceType":"CareTeam","id":"ct-2","status":"active","subject":{"reference":"Patient/p1"},
    "participant":[{"member":{"reference":"Practitioner/pr-hosp"}},{"member":{"reference":"Practitioner/pr-pharma"}}]})");
  auto pro = [&](const char* user, const char* pr, const char* profession) {
    return w.account(user, "professional",
                     {"--practitioner", pr, "--profession", profession, "--rpps", "10000000001"});
  };
  Account hosp_a = pro("dr.hosp", "pr-hosp", "G15-10"), pharma_a = pro("ph.officine", "pr-pharma", "G15-21");
  std::string hosp = w.login(hosp_a).access, pharma = w.login(pharma_a).access;

  // 1. Discharge letter, complete, sent to the GP.
  std::vector<std::pair<std::string, std::string>> sections{
      {"motif-hospitalisation", "Décompensation cardiaque"}, {"evenements-significatifs", "Aucun"},
      {"etat-sortie", "Stable, autonomie réduite"},          {"traitements-sortie", "Furosémide 40 mg/j"},
      {"traitements-arretes", "Diltiazem, contre-indiqué"},  {"resultats-sortie", "Poids 71 kg"},
      {"suites-a-donner", "IDE, cardiologue sous 2 mois"},   {"ordonnance", "Jointe"}};
  ASSERT_EQ(d.as(hosp, "PUT", "/fhir/Composition/lls-1", letter("final", "lettre-sortie", sections)).status,
            201);

  // 2. Referral from the hospital to the DAC; the coordinator accepts and
  //    opens a complex dossier, with herself as case manager.
  const std::string service_request = R"({"resourceType":"ServiceRequest","id":"sr-1","status":"active",
    "intent":"order","subject":{"reference":"Patient/p1"},"requester":{"reference":"Practitioner/pr-hosp"},
    "performer":[{"reference":"Organization/dac-flandre"}],"code":{"text":"Appui à la coordination à la sortie"}})";
  ASSERT_EQ(d.as(hosp, "PUT", "/fhir/ServiceRequest/sr-1", service_request).status, 201);
  auto referral =
      d.as(hosp, "PUT", "/fhir/Task/ref-1", R"({"resourceType":"Task","id":"ref-1","status":"requested",
    "intent":"order","focus":{"reference":"ServiceRequest/sr-1"},"for":{"reference":"Patient/p1"},
    "requester":{"reference":"Practitioner/pr-hosp"},"owner":{"reference":"Organization/dac-flandre"}})");
  ASSERT_EQ(referral.status, 201) << referral.body;
  ASSERT_EQ(
      d.as(d.t_social, "PUT", "/fhir/Task/ref-1", with(J(referral), "status", "accepted").dump()).status,
      200);
  const std::string episode = R"({"resourceType":"EpisodeOfCare","id":"eoc-1","status":"active",
    "patient":{"reference":"Patient/p1"},"managingOrganization":{"reference":"Organization/dac-flandre"},
    "referralRequest":[{"reference":"ServiceRequest/sr-1"}],"careManager":{"reference":"Practitioner/pr-as"},
    "type":[{"coding":[{"system":"https://parcours.example.fr/fhir/CodeSystem/niveau-coordination",
      "code":"coordination-complexe","display":"Coordination complexe"}]}]})";
  auto dossier = d.as(d.t_social, "PUT", "/fhir/EpisodeOfCare/eoc-1", episode);
  ASSERT_EQ(dossier.status, 201) << dossier.body;

  // 3. Home assessment: AGGIR gives GIR 4, the carer's Zarit is scored.
  auto grid = d.as(d.t_social, "PUT", "/fhir/QuestionnaireResponse/qr-aggir",
                   aggir("qr-aggir", "completed", "AABBAABAAA"));
  ASSERT_EQ(grid.status, 201) << grid.body;
  auto gir = d.as(d.t_social, "GET", "/fhir/Observation?derived-from=QuestionnaireResponse/qr-aggir");
  ASSERT_EQ(total(gir), 1) << gir.body;
  EXPECT_NE(gir.body.find(R"("code":"4","display":"GIR 4")"), std::string::npos) << gir.body;
  auto z = d.as(d.t_social, "PUT", "/fhir/QuestionnaireResponse/qr-zarit", zarit(34));
  ASSERT_EQ(z.status, 201) << z.body;
  auto burden = d.as(d.t_social, "GET", "/fhir/Observation?derived-from=QuestionnaireResponse/qr-zarit");
  ASSERT_EQ(total(burden), 1) << burden.body;
  EXPECT_NE(burden.body.find(R"("value":34)"), std::string::npos) << burden.body;

  // 4. PPS from the heart-failure template, proposed, validated by the GP.
  auto tx =
      d.as(d.t_gp, "GET",
           "/fhir/PlanDefinition/insuffisance-cardiaque-sortie-hospitalisation/$apply?subject=Patient/p1"
           "&start=" +
               day(w, 0));
  ASSERT_EQ(tx.status, 200) << tx.body;
  ASSERT_EQ(d.as(d.t_gp, "POST", "/fhir", tx.body).status, 200);
  Json plans =
      J(d.as(d.t_gp, "GET",
             "/fhir/CarePlan?subject=Patient/p1&category=https://parcours.example.fr/fhir/CodeSystem/"
             "pps-section|clinique"));
  ASSERT_EQ(plans.find("entry")->as_array().size(), 1u);
  std::string plan(plans.find("entry")->as_array()[0].find("resource")->get_string("id"));
  Json approval = J(d.as(d.t_nurse, "POST", "/fhir/CarePlan/" + plan + "/$propose"));
  auto validated = d.as(d.t_gp, "PUT", "/fhir/Task/" + std::string(approval.get_string("id")),
                        with(approval, "status", "completed").dump());
  ASSERT_EQ(validated.status, 200) << validated.body;
  EXPECT_EQ(J(d.as(d.t_nurse, "GET", "/fhir/CarePlan/" + plan)).get_string("status"), "active");

  // 5. Tasks to the nurse and the pharmacist; the pharmacist does theirs.
  auto task = [&](const std::string& id, const std::string& owner, const std::string& what, int due_days) {
    std::string body = R"({"resourceType":"Task","id":")" + id + R"(","status":"requested","intent":"order",
      "basedOn":[{"reference":"CarePlan/)" +
                       plan + R"("}],"description":")" + what +
                       R"(","for":{"reference":"Patient/p1"},"requester":{"reference":"Practitioner/pr-as"},
      "owner":{"reference":"Practitioner/)" +
                       owner + R"("},"restriction":{"period":{"end":")" + day(w, due_days) + R"("}}})";
    return d.as(d.t_social, "PUT", "/fhir/Task/" + id, body);
  };
  ASSERT_EQ(task("ide-1", "pr-ide", "Visite infirmière : pesée, oedèmes, tolérance", 2).status, 201);
  ASSERT_EQ(task("bpm-1", "pr-pharma", "Bilan partagé de médication", 7).status, 201);
  auto mine = d.as(pharma, "GET", "/fhir/Task?owner=Practitioner/pr-pharma&status=requested");
  ASSERT_EQ(total(mine), 1) << mine.body;
  Json queue = J(mine);
  Json t = *queue.find("entry")->as_array()[0].find("resource");
  for (const char* next : {"accepted", "in-progress", "completed"}) {
    auto r = d.as(pharma, "PUT", "/fhir/Task/bpm-1", with(t, "status", next).dump());
    ASSERT_EQ(r.status, 200) << next << " " << r.body;
    t = J(r);
  }
  EXPECT_FALSE(t.find("executionPeriod")->get_string("end").empty());

  // 6. Three days on, the nurse's visit is late: the case manager is told.
  w.advance(3 * 86400);
  d.relogin();
  pharma = w.login(pharma_a).access;
  ASSERT_EQ(w.admin("POST", "/fhir/$follow-up").status, 200);
  auto reminder = d.as(d.t_social, "GET", "/fhir/Communication?recipient=Practitioner/pr-as");
  EXPECT_NE(reminder.body.find("Visite infirmière"), std::string::npos) << reminder.body;

  // 7. Re-assessment: the grid again, a new GIR Observation.
  auto again = aggir("qr-aggir-2", "completed", "AAAAAAAAAA");
  ASSERT_EQ(d.as(d.t_social, "PUT", "/fhir/QuestionnaireResponse/qr-aggir-2", again).status, 201);
  auto gir2 = d.as(d.t_social, "GET", "/fhir/Observation?derived-from=QuestionnaireResponse/qr-aggir-2");
  EXPECT_NE(gir2.body.find("GIR 6"), std::string::npos) << gir2.body;

  // 8. Closure.
  Json closing = with(J(d.as(d.t_social, "GET", "/fhir/EpisodeOfCare/eoc-1")), "status", "finished");
  closing.set("extension",
              parse_json(R"([{"url":"https://parcours.example.fr/fhir/StructureDefinition/motif-cloture",
    "valueCoding":{"system":"https://parcours.example.fr/fhir/CodeSystem/motif-cloture","code":"objectifs-atteints"}}])")
                  .value());
  ASSERT_EQ(d.as(d.t_social, "PUT", "/fhir/EpisodeOfCare/eoc-1", closing.dump()).status, 200);

  // The GP heard of every milestone, in order.
  EXPECT_EQ(d.milestones(), (std::vector<std::string>{"lettre-de-liaison", "demande-acceptee", "pps-propose",
                                                      "pps-valide", "cloture"}));
  // Who sees what: the social coordinator sees the social assessment but not
  // the clinical plan nor the discharge letter; someone outside the team
  // sees nothing, not even that the dossier exists.
  EXPECT_EQ(d.as(d.t_social, "GET", "/fhir/CarePlan/" + plan).status, 403);
  EXPECT_EQ(d.as(d.t_social, "GET", "/fhir/Composition/lls-1").status, 403);
  EXPECT_EQ(d.as(d.t_gp, "GET", "/fhir/Composition/lls-1").status, 200);
  EXPECT_EQ(d.as(pharma, "GET", "/fhir/QuestionnaireResponse/qr-aggir").status, 200)
      << "the team's health professionals see the social assessment";
  EXPECT_EQ(d.as(d.t_out, "GET", "/fhir/EpisodeOfCare/eoc-1").status, 404);
  EXPECT_EQ(total(d.as(d.t_out, "GET", "/fhir/Task?patient=Patient/p1")), 0);
  // Every step is in the audit trail, with its author.
  auto audit = w.admin("GET", "/fhir/$audit?patient=p1&_count=500");
  ASSERT_EQ(audit.status, 200);
  for (const char* who : {"dr.hosp", "as.coord", "dr.gp", "ide.coord", "ph.officine", "parcours-scheduler"})
    EXPECT_NE(audit.body.find(who), std::string::npos) << who;
  for (const char* what : {"Composition/lls-1", "EpisodeOfCare/eoc-1", "QuestionnaireResponse/qr-aggir",
                           "Task/bpm-1", "Task/ide-1"})
    EXPECT_NE(audit.body.find(what), std::string::npos) << what;
}

TEST(Coordination, DischargeChecklistTracksEachItemFromDischarge) {
  World w;
  Dossier d(w);
  w.put_text(
      R"({"resourceType":"CareTeam","id":"ct-hosp","status":"active","subject":{"reference":"Patient/p1"},
    "participant":[{"member":{"reference":"Practitioner/pr-hosp"}}]})");
  auto hosp_a = w.account("ide.sortie", "professional",
                          {"--practitioner", "pr-hosp", "--profession", "G15-60", "--rpps", "10000000001"});
  std::string hosp = w.login(hosp_a).access;
  // Discharged five hours ago.
  std::time_t t = static_cast<std::time_t>(w.now() - 5 * 3600);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char discharged[32];
  std::strftime(discharged, sizeof discharged, "%Y-%m-%dT%H:%M:%SZ", &tm);
  w.put_text(R"({"resourceType":"Encounter","id":"sejour-1","status":"finished",
    "class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"IMP"},
    "subject":{"reference":"Patient/p1"},"period":{"start":"2026-11-10T08:00:00Z","end":")" +
             std::string(discharged) + R"("}})");
  auto planned = d.as(hosp, "POST", "/fhir/Encounter/sejour-1/$discharge-checklist");
  ASSERT_EQ(planned.status, 200) << planned.body;
  Json p = J(planned);
  ASSERT_EQ(p.find("parameter")->as_array().size(), 5u);  // 4 items and "complete"
  EXPECT_NE(planned.body.find(R"("name":"complete","valueBoolean":false)"), std::string::npos)
      << planned.body;
  // Planning twice creates nothing more.
  ASSERT_EQ(d.as(hosp, "POST", "/fhir/Encounter/sejour-1/$discharge-checklist").status, 200);
  auto tasks = d.as(hosp, "GET", "/fhir/Task?focus=Encounter/sejour-1&_count=50");
  ASSERT_EQ(total(tasks), 4) << tasks.body;
  // The pharmacy is informed now: five hours after discharge.
  Json list = J(d.as(hosp, "GET",
                     "/fhir/Task?focus=Encounter/sejour-1&code=https://parcours.example.fr/fhir/CodeSystem/"
                     "checklist-sortie|pharmacie-informee"));
  Json task = *list.find("entry")->as_array()[0].find("resource");
  for (const char* next : {"accepted", "completed"}) {
    auto r = d.as(hosp, "PUT", "/fhir/Task/" + std::string(task.get_string("id")),
                  with(task, "status", next).dump());
    if (std::string(next) == "completed") {
      EXPECT_EQ(r.status, 422) << "accepted work is started before it is done";
      r = d.as(hosp, "PUT", "/fhir/Task/" + std::string(task.get_string("id")),
               with(task, "status", "in-progress").dump());
      ASSERT_EQ(r.status, 200) << r.body;
      task = J(r);
      r = d.as(hosp, "PUT", "/fhir/Task/" + std::string(task.get_string("id")),
               with(task, "status", "completed").dump());
    }
    ASSERT_EQ(r.status, 200) << next << " " << r.body;
    task = J(r);
  }
  auto status = d.as(d.t_gp, "GET", "/fhir/Encounter/sejour-1/$discharge-checklist");
  ASSERT_EQ(status.status, 200) << status.body;
  EXPECT_NE(status.body.find(R"("name":"delai-depuis-sortie","valueQuantity":{"value":5.0,"unit":"h")"),
            std::string::npos)
      << status.body;
  EXPECT_NE(status.body.find(R"("valueCode":"requested")"), std::string::npos);
  // Outside the care team: as if the stay did not exist.
  EXPECT_EQ(d.as(d.t_out, "GET", "/fhir/Encounter/sejour-1/$discharge-checklist").status, 404);
  EXPECT_EQ(d.as(d.t_out, "POST", "/fhir/Encounter/sejour-1/$discharge-checklist").status, 404);
}

TEST(Coordination, StructureEligibilityAndCaseloadLimit) {
  World w;
  Dossier d(w);
  // The DAC serves people of 60 and over in two postal codes; one active
  // dossier per case manager at most (a tiny limit, to see it).
  w.put_text(R"({"resourceType":"Organization","id":"dac-flandre","name":"DAC Flandre Lys",
    "extension":[{"url":"https://parcours.example.fr/fhir/StructureDefinition/age-minimum","valueInteger":60},
      {"url":"https://parcours.example.fr/fhir/StructureDefinition/code-postal-desservi","valueString":"59000"},
      {"url":"https://parcours.example.fr/fhir/StructureDefinition/code-postal-desservi","valueString":"59800"},
      {"url":"https://parcours.example.fr/fhir/StructureDefinition/plafond-file-active","valueInteger":1}],
    "type":[{"coding":[{"system":"https://parcours.example.fr/fhir/CodeSystem/type-structure-coordination","code":"dac"}]}]})");
  for (const char* p : {"p3", "p4"}) {
    const std::string id(p);
    const std::string born = id == "p3" ? "2001-05-04" : "1950-01-20";
    w.put_text(R"({"resourceType":"Patient","id":")" + id + R"(","birthDate":")" + born +
               R"(","address":[{"city":"Lille","postalCode":"59000"}],
      "generalPractitioner":[{"reference":"Practitioner/pr-gp"}]})");
    w.put_text(R"({"resourceType":"CareTeam","id":"ct-)" + id +
               R"(","status":"active","subject":{"reference":"Patient/)" + id +
               R"("},"participant":[{"member":{"reference":"Practitioner/pr-as"}}]})");
  }
  auto episode = [](const std::string& id, const std::string& patient) {
    return R"({"resourceType":"EpisodeOfCare","id":")" + id + R"(","status":"active",
      "patient":{"reference":"Patient/)" +
           patient + R"("},"managingOrganization":{"reference":"Organization/dac-flandre"},
      "careManager":{"reference":"Practitioner/pr-as"},
      "type":[{"coding":[{"system":"https://parcours.example.fr/fhir/CodeSystem/niveau-coordination","code":"coordination-simple"}]}]})";
  };
  // p1 has no address: outside the territory as far as anyone knows.
  auto nowhere = d.as(d.t_social, "PUT", "/fhir/EpisodeOfCare/e1", episode("e1", "p1"));
  EXPECT_EQ(nowhere.status, 422) << nowhere.body;
  EXPECT_NE(nowhere.body.find("hors du territoire"), std::string::npos);
  // p3 is 25: too young for this structure.
  auto young = d.as(d.t_social, "PUT", "/fhir/EpisodeOfCare/e3", episode("e3", "p3"));
  EXPECT_EQ(young.status, 422) << young.body;
  EXPECT_NE(young.body.find("au moins 60 ans"), std::string::npos);
  EXPECT_EQ(issue_expression(young), "EpisodeOfCare.patient");
  // p4 is eligible; then p1 (now with an address) goes past the limit of 1:
  // opened all the same, and the case manager is warned.
  ASSERT_EQ(d.as(d.t_social, "PUT", "/fhir/EpisodeOfCare/e4", episode("e4", "p4")).status, 201);
  auto none = d.as(d.t_social, "GET", "/fhir/Communication?recipient=Practitioner/pr-as");
  EXPECT_EQ(total(none), 0) << none.body;
  w.put_text(
      R"({"resourceType":"Patient","id":"p1","birthDate":"1944-02-11","address":[{"postalCode":"59800"}],
    "generalPractitioner":[{"reference":"Practitioner/pr-gp"}]})");
  ASSERT_EQ(d.as(d.t_social, "PUT", "/fhir/EpisodeOfCare/e1", episode("e1", "p1")).status, 201);
  auto warned = d.as(d.t_social, "GET", "/fhir/Communication?recipient=Practitioner/pr-as");
  ASSERT_EQ(total(warned), 1) << warned.body;
  EXPECT_NE(warned.body.find("2 dossiers actifs pour un plafond de 1"), std::string::npos) << warned.body;
}

}  // namespace
}  // namespace parcours
