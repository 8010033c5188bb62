#include "coordination/workflow/letters.h"

#include <array>
#include <string>

#include "coordination/workflow/codes.h"
#include "fhir/values.h"

namespace parcours::coordination {

namespace {

constexpr std::string_view kLoinc = "http://loinc.org";

struct Section {
  std::string_view code;
  std::string_view label;
};

// R.1112-1-1: "les motifs de la demande d'hospitalisation, les traitements
// en cours et les allergies connues" (at least).
constexpr std::array kAdmission{
    Section{"motif-hospitalisation", "Motif de l'hospitalisation"},
    Section{"traitements-en-cours", "Traitements en cours"},
    Section{"allergies", "Allergies connues"},
};

// R.1112-1-2 (décret 2016-995) and the brief §4: reason, summary of the stay
// and significant events, status at discharge, treatments prescribed and
// stopped (with reasons), follow-up and help, values at discharge, a clear
// prescription.
constexpr std::array kDischarge{
    Section{"motif-hospitalisation", "Motif de l'hospitalisation"},
    Section{"evenements-significatifs", "Synthèse du séjour et événements significatifs"},
    Section{"etat-sortie", "État à la sortie"},
    Section{"traitements-sortie", "Traitements à la sortie"},
    Section{"traitements-arretes", "Traitements arrêtés et motifs"},
    Section{"resultats-sortie", "Résultats à la sortie"},
    Section{"suites-a-donner", "Suites à donner"},
    Section{"ordonnance", "Ordonnance de sortie"},
};

bool has_content(const Json& section) {
  if (const Json* t = section.find("text"); t && !t->get_string("div").empty()) return true;
  if (const Json* e = section.find("entry"); e && e->is_array() && !e->as_array().empty()) return true;
  if (section.find("emptyReason")) return true;
  if (const Json* sub = section.find("section"); sub && sub->is_array())
    for (const Json& s : sub->as_array())
      if (has_content(s)) return true;
  return false;
}

// A section anywhere in the tree (letters may group their sections).
bool present(const Json* sections, std::string_view code) {
  if (!sections || !sections->is_array()) return false;
  for (const Json& s : sections->as_array()) {
    if (fhir::has_coding(s.find("code"), codes::kLetterSection, code) && has_content(s)) return true;
    if (present(s.find("section"), code)) return true;
  }
  return false;
}

}  // namespace

LetterKind letter_kind(const Json& c) {
  const Json* type = c.find("type");
  if (fhir::has_coding(type, codes::kLetterType, "lettre-entree") ||
      fhir::has_coding(type, kLoinc, "57133-1"))
    return LetterKind::Admission;
  if (fhir::has_coding(type, codes::kLetterType, "lettre-sortie") ||
      fhir::has_coding(type, kLoinc, "18842-5"))
    return LetterKind::Discharge;
  return LetterKind::None;
}

std::vector<Issue> letter_problems(const Json& c, LetterKind kind, const Json* signatory) {
  std::vector<Issue> out;
  if (kind == LetterKind::None) return out;
  const bool discharge = kind == LetterKind::Discharge;
  const std::string what = discharge ? "Lettre de liaison de sortie (CSP, art. R. 1112-1-2)"
                                     : "Lettre de liaison d'entrée (CSP, art. R. 1112-1-1)";
  auto add = [&](std::string text, std::string expression) {
    out.push_back(Issue{"error", "required", what + " : " + text, std::move(expression)});
  };
  auto check = [&](const auto& required) {
    for (const auto& s : required)
      if (!present(c.find("section"), s.code))
        add("rubrique obligatoire absente ou vide : « " + std::string(s.label) + " » (section.code " +
                std::string(codes::kLetterSection) + "|" + std::string(s.code) +
                " ; une rubrique sans objet se déclare avec emptyReason)",
            "Composition.section");
  };
  if (discharge) {
    check(kDischarge);
    if (!c.find("encounter")) add("le séjour (dates d'entrée et de sortie) manque", "Composition.encounter");
    const Json* telecom = signatory ? signatory->find("telecom") : nullptr;
    if (!signatory)
      add("le signataire doit être un professionnel (Practitioner ou PractitionerRole) connu du serveur",
          "Composition.author");
    else if (!telecom || !telecom->is_array() || telecom->as_array().empty())
      add("les coordonnées du signataire (telecom) manquent, pour être joint en cas de besoin",
          "Composition.author");
  } else {
    check(kAdmission);
  }
  if (!out.empty())
    out.front().diagnostics +=
        ". Pour enregistrer une lettre incomplète, enregistrez-la en brouillon (status 'preliminary').";
  return out;
}

}  // namespace parcours::coordination
