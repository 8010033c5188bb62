// Lawton & Brody instrumental activities of daily living (IADL).
// Lawton MP, Brody EM. Assessment of older people: self-maintaining and
// instrumental activities of daily living. Gerontologist 1969;9:179-86.
// Eight domains; each answer scores 1 (the person manages, at least at the
// level shown) or 0. As published, women are scored on all eight domains
// (0-8) and men on five (0-5): food preparation, housekeeping and laundry
// were left out for men. Current practice often scores all eight for
// everybody; the optional item "lawton-convention" selects that. There are no
// published cut-offs: the interpretation is "independent" at the maximum,
// otherwise "dependent for at least one instrumental activity".
#include "coordination/assessment/instruments.h"
#include "coordination/assessment/scale.h"

namespace parcours::coordination {
namespace {

// Domains not scored for men in the 1969 convention.
bool female_only(std::string_view link_id) {
  return link_id == "lawton-repas" || link_id == "lawton-menage" || link_id == "lawton-linge";
}

std::vector<ItemDef> build_items() {
  const auto s = codes::kLawtonReponse;
  return {
      choice("lawton-sexe", codes::kAdministrativeGender, {{"female", 0}, {"male", 0}}),
      choice("lawton-convention", codes::kLawtonConvention, {{"lawton-brody-1969", 0}, {"huit-domaines", 0}},
             false),
      choice("lawton-telephone", s,
             {{"telephone-1", 1}, {"telephone-2", 1}, {"telephone-3", 1}, {"telephone-4", 0}}),
      choice("lawton-courses", s, {{"courses-1", 1}, {"courses-2", 0}, {"courses-3", 0}, {"courses-4", 0}}),
      choice("lawton-repas", s, {{"repas-1", 1}, {"repas-2", 0}, {"repas-3", 0}, {"repas-4", 0}}, false),
      choice("lawton-menage", s,
             {{"menage-1", 1}, {"menage-2", 1}, {"menage-3", 1}, {"menage-4", 1}, {"menage-5", 0}}, false),
      choice("lawton-linge", s, {{"linge-1", 1}, {"linge-2", 1}, {"linge-3", 0}}, false),
      choice("lawton-transports", s,
             {{"transports-1", 1},
              {"transports-2", 1},
              {"transports-3", 1},
              {"transports-4", 0},
              {"transports-5", 0}}),
      choice("lawton-medicaments", s, {{"medicaments-1", 1}, {"medicaments-2", 0}, {"medicaments-3", 0}}),
      choice("lawton-budget", s, {{"budget-1", 1}, {"budget-2", 1}, {"budget-3", 0}}),
  };
}

// Men scored on five domains: the 1969 convention, unless the eight-domain
// one is chosen. Until the sex is known, every domain counts as asked.
bool five_domains(const ResponseItems& r) {
  const auto sex = r.code("lawton-sexe");
  const auto convention = r.code("lawton-convention");
  return sex && *sex == "male" && (!convention || *convention == "lawton-brody-1969");
}

class Lawton final : public Scale {
 public:
  Lawton() : Scale("lawton-iadl", "Échelle IADL de Lawton (activités instrumentales)", build_items()) {}

 protected:
  void more_missing(const ResponseItems& r, std::vector<std::string>& missing) const override {
    if (five_domains(r)) return;
    for (const ItemDef& d : items())
      if (female_only(d.link_id) && !r.answered(d.link_id)) missing.push_back(d.link_id);
  }

  void score(const ResponseItems& r, Assessment& a) const override {
    const bool five = five_domains(r);
    int total = 0;
    int maximum = 0;
    for (const ItemDef& d : items()) {
      if (d.link_id == "lawton-sexe" || d.link_id == "lawton-convention") continue;
      if (five && female_only(d.link_id)) continue;
      ++maximum;
      if (auto v = option_score(r, d)) total += *v;
    }
    Finding f;
    f.code = local_score("lawton-iadl-score-total", "Score IADL de Lawton");
    f.score = total;
    f.interpretation = total == maximum ? Coding{std::string(codes::kInterpretation), "lawton-autonome",
                                                 "Autonome pour les activités instrumentales"}
                                        : Coding{std::string(codes::kInterpretation), "lawton-dependance",
                                                 "Dépendance pour au moins une activité instrumentale"};
    f.components.push_back({local_score("lawton-iadl-score-maximum", "Score maximal selon la convention"),
                            std::nullopt, maximum});
    f.note = "Score " + std::to_string(total) + "/" + std::to_string(maximum) +
             (five ? " (convention Lawton & Brody 1969 : cinq domaines chez l'homme)." : ".");
    a.findings.push_back(std::move(f));
  }
};

}  // namespace

const Instrument& lawton_instrument() {
  static const Lawton instance;
  return instance;
}

}  // namespace parcours::coordination
