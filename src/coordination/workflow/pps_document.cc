#include "coordination/workflow/pps_document.h"

#include <string_view>

#include "base/text.h"
#include "coordination/pathways/apply.h"
#include "coordination/workflow/codes.h"

namespace parcours::coordination {

namespace {

std::string text_of(const Json* cc) {
  if (!cc) return {};
  if (auto t = cc->get_string("text"); !t.empty()) return std::string(t);
  if (const Json* cs = cc->find("coding"); cs && cs->is_array())
    for (const Json& c : cs->as_array())
      if (auto d = c.get_string("display"); !d.empty()) return std::string(d);
  return {};
}

// "2026-11-20" -> "20/11/2026"; other shapes are kept as they are.
std::string french_date(std::string_view d) {
  if (d.size() >= 10 && d[4] == '-' && d[7] == '-')
    return std::string(d.substr(8, 2)) + "/" + std::string(d.substr(5, 2)) + "/" +
           std::string(d.substr(0, 4));
  return std::string(d);
}

std::string period_text(const Json* p) {
  if (!p) return {};
  auto start = p->get_string("start"), end = p->get_string("end");
  if (!start.empty() && !end.empty()) return "du " + french_date(start) + " au " + french_date(end);
  if (!start.empty()) return "à partir du " + french_date(start);
  if (!end.empty()) return "au plus tard le " + french_date(end);
  return {};
}

// Timing.repeat as French prose: "1 fois par semaine", "tous les 3 mois".
std::string rhythm(const Json* timing) {
  const Json* r = timing ? timing->find("repeat") : nullptr;
  if (!r) return {};
  auto unit_name = [](std::string_view u, bool plural) -> std::string {
    if (u == "d") return "jour";
    if (u == "wk") return "semaine";
    if (u == "mo") return "mois";
    if (u == "a") return plural ? "ans" : "an";
    if (u == "h") return plural ? "heures" : "heure";
    return std::string(u);
  };
  const Json* f = r->find("frequency");
  const Json* p = r->find("period");
  std::string unit(r->get_string("periodUnit"));
  if (!p || unit.empty()) return {};
  const std::string period = p->is_number() ? p->number() : std::string();
  const std::string freq = f && f->is_number() ? f->number() : "1";
  if (period == "1") return freq + " fois par " + unit_name(unit, false);
  return (freq == "1" ? std::string() : freq + " fois ") + "tous les " + period + " " + unit_name(unit, true);
}

std::string status_text(std::string_view s) {
  if (s == "draft") return "Brouillon — en attente de validation par le médecin traitant";
  if (s == "active") return "En cours";
  if (s == "on-hold") return "Suspendu";
  if (s == "completed") return "Terminé";
  if (s == "revoked") return "Arrêté";
  if (s == "entered-in-error") return "Saisi par erreur";
  return std::string(s);
}

std::string activity_status(std::string_view s) {
  if (s == "not-started") return "à faire";
  if (s == "scheduled") return "programmé";
  if (s == "in-progress") return "en cours";
  if (s == "on-hold") return "suspendu";
  if (s == "completed") return "fait";
  if (s == "cancelled") return "annulé";
  if (s == "stopped") return "arrêté";
  return std::string(s);
}

std::string validation_text(const Json& plan) {
  if (const Json* ext = plan.find("extension"); ext && ext->is_array())
    for (const Json& e : ext->as_array()) {
      if (e.get_string("url") != codes::kPpsValidationExt) continue;
      std::string who, when;
      if (const Json* sub = e.find("extension"); sub && sub->is_array())
        for (const Json& x : sub->as_array()) {
          if (x.get_string("url") == "validateur")
            if (const Json* r = x.find("valueReference"))
              who = std::string(r->get_string("display").empty() ? r->get_string("reference")
                                                                 : r->get_string("display"));
          if (x.get_string("url") == "date") when = french_date(x.get_string("valueDateTime").substr(0, 10));
        }
      return "Validé par le médecin traitant (" + who + ") le " + when;
    }
  return {};
}

std::vector<PpsDocument::Row> activities(const Json& plan) {
  std::vector<PpsDocument::Row> rows;
  const Json* acts = plan.find("activity");
  if (!acts || !acts->is_array()) return rows;
  for (const Json& a : acts->as_array()) {
    const Json* d = a.find("detail");
    if (!d) continue;
    PpsDocument::Row row;
    std::string what = text_of(d->find("code"));
    std::string desc(d->get_string("description"));
    row.what = what.empty() ? desc : what;
    if (!what.empty()) row.detail = desc;
    row.when = period_text(d->find("scheduledPeriod"));
    if (const Json* t = d->find("scheduledTiming")) {
      std::string r = rhythm(t);
      std::string bounds;
      if (const Json* rep = t->find("repeat")) bounds = period_text(rep->find("boundsPeriod"));
      row.when = r + (r.empty() || bounds.empty() ? "" : ", ") + bounds;
    }
    if (const Json* ext = d->find("extension"); ext && ext->is_array())
      for (const Json& e : ext->as_array())
        if (e.get_string("url") == kIntervenantExtension)
          row.who += (row.who.empty() ? "" : ", ") + text_of(e.find("valueCodeableConcept"));
    if (const Json* perf = d->find("performer"); perf && perf->is_array())
      for (const Json& p : perf->as_array()) {
        auto name = p.get_string("display");
        row.who +=
            (row.who.empty() ? "" : ", ") + std::string(name.empty() ? p.get_string("reference") : name);
      }
    row.status = activity_status(d->get_string("status"));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string patient_line(const Json* p) {
  if (!p) return "Patient";
  std::string name;
  if (const Json* names = p->find("name"); names && names->is_array() && !names->as_array().empty()) {
    const Json& n = names->as_array()[0];
    if (const Json* g = n.find("given"); g && g->is_array())
      for (const Json& x : g->as_array())
        if (x.is_string()) name += x.as_string() + " ";
    name += n.get_string("family");
  }
  std::string out = name.empty() ? "Patient" : name;
  if (auto b = p->get_string("birthDate"); !b.empty()) out += ", né(e) le " + french_date(b);
  return out;
}

}  // namespace

PpsDocument build_pps_document(const PpsDocumentInput& in) {
  const Json& plan = *in.plan;
  PpsDocument doc;
  doc.title = std::string(plan.get_string("title"));
  if (doc.title.empty()) doc.title = "Plan personnalisé de santé";
  doc.patient = patient_line(in.patient);
  doc.status = status_text(plan.get_string("status"));
  doc.validation = validation_text(plan);
  doc.period = period_text(plan.find("period"));
  doc.description = std::string(plan.get_string("description"));
  for (const Json* g : in.goals) {
    std::string goal = text_of(g->find("description"));
    if (const Json* targets = g->find("target"); targets && targets->is_array())
      for (const Json& t : targets->as_array())
        if (auto due = t.get_string("dueDate"); !due.empty()) goal += " — échéance " + french_date(due);
    doc.goals.push_back(std::move(goal));
  }
  PpsDocument::Section clinical{"Volet clinique", activities(plan), {}};
  if (clinical.rows.empty()) clinical.note = "Aucune intervention.";
  PpsDocument::Section social{"Volet médico-social", {}, {}};
  for (const Json* part : in.parts) {
    auto rows = activities(*part);
    social.rows.insert(social.rows.end(), rows.begin(), rows.end());
  }
  if (in.parts.empty())
    social.note =
        in.parts_hidden ? "Ce volet n'est pas accessible avec votre rôle." : "Aucun volet médico-social.";
  doc.sections = {std::move(clinical), std::move(social)};
  doc.footer = "Document établi par Parcours le " + french_date(in.generated_at.substr(0, 10)) +
               " à partir du PPS " + std::string(plan.get_string("id")) +
               ". Il ne remplace pas les prescriptions.";
  return doc;
}

std::string render_pps_html(const PpsDocument& doc) {
  std::string h;
  h +=
      "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
      html_escape(doc.title) +
      "</title>\n<style>\nbody{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 "
      "1rem;"
      "color:#1b1b1b;line-height:1.45}\nh1{font-size:1.5rem}h2{font-size:1.2rem;border-bottom:1px solid #ccc;"
      "padding-bottom:.2rem;margin-top:2rem}\ntable{border-collapse:collapse;width:100%}\nth,td{border:1px "
      "solid "
      "#ccc;padding:.4rem;text-align:left;vertical-align:top}\n.desc{color:#444;font-size:.92em}\n.statut{"
      "font-"
      "weight:600}\nfooter{margin-top:2rem;color:#555;font-size:.85em}\n@media "
      "print{body{margin:0}}\n</style>\n"
      "</head>\n<body>\n<header>\n<p>Plan personnalisé de santé (PPS)</p>\n<h1>" +
      html_escape(doc.title) + "</h1>\n<p>" + html_escape(doc.patient) + "</p>\n<p class=\"statut\">" +
      html_escape(doc.status) + "</p>\n";
  if (!doc.validation.empty()) h += "<p>" + html_escape(doc.validation) + "</p>\n";
  if (!doc.period.empty()) h += "<p>Période : " + html_escape(doc.period) + "</p>\n";
  h += "</header>\n";
  if (!doc.description.empty()) h += "<p>" + html_escape(doc.description) + "</p>\n";
  h += "<h2>Objectifs</h2>\n";
  if (doc.goals.empty()) {
    h += "<p>Aucun objectif lisible.</p>\n";
  } else {
    h += "<ul>\n";
    for (const auto& g : doc.goals) h += "<li>" + html_escape(g) + "</li>\n";
    h += "</ul>\n";
  }
  for (const auto& section : doc.sections) {
    h += "<h2>" + html_escape(section.title) + "</h2>\n";
    if (!section.note.empty()) h += "<p>" + html_escape(section.note) + "</p>\n";
    if (section.rows.empty()) continue;
    h += "<table>\n<thead><tr><th>Intervention</th><th>Quand</th><th>Qui</th><th>État</th></tr></"
         "thead>\n<tbody>\n";
    for (const auto& r : section.rows) {
      h += "<tr><td><strong>" + html_escape(r.what) + "</strong>";
      if (!r.detail.empty()) h += "<br><span class=\"desc\">" + html_escape(r.detail) + "</span>";
      h += "</td><td>" + html_escape(r.when) + "</td><td>" + html_escape(r.who) + "</td><td>" +
           html_escape(r.status) + "</td></tr>\n";
    }
    h += "</tbody>\n</table>\n";
  }
  h += "<footer>" + html_escape(doc.footer) + "</footer>\n</body>\n</html>\n";
  return h;
}

}  // namespace parcours::coordination
