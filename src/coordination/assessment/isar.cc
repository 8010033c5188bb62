// ISAR, Identification of Seniors At Risk: six yes/no questions asked to
// people aged 65 and over in the emergency department. McCusker J, Bellavance
// F, Cardin S et al. Detection of older people at increased risk of adverse
// health outcomes after an emergency visit: the ISAR screening tool. J Am
// Geriatr Soc 1999;47:1229-37. One point per "yes", except question 4 ("do
// you see well?") where "no" scores; total 0-6, ≥ 2 = at risk (functional
// decline, readmission, institutionalisation, death at six months).
#include "coordination/assessment/instruments.h"
#include "coordination/assessment/scale.h"

namespace parcours::coordination {
namespace {

const std::vector<Band>& bands() {
  static const std::vector<Band> b = {
      {0, 1, "isar-risque-faible", "Risque faible"},
      {2, 6, "isar-risque-eleve", "Personne âgée à risque d'évolution défavorable"},
  };
  return b;
}

std::vector<ItemDef> build_items() {
  std::vector<ItemDef> defs;
  for (int i = 1; i <= 6; ++i) defs.push_back(yes_no("isar-" + std::to_string(i)));
  return defs;
}

class Isar final : public Scale {
 public:
  Isar() : Scale("isar", "Identification of Seniors At Risk (ISAR)", build_items()) {}

 protected:
  void score(const ResponseItems& r, Assessment& a) const override {
    int total = 0;
    for (int i = 1; i <= 6; ++i) {
      const bool yes = *r.boolean("isar-" + std::to_string(i));
      total += (i == 4) ? !yes : yes;  // question 4: "voyez-vous bien ?" scores on "non"
    }
    a.findings.push_back(total_finding(local_score("isar-score-total", "Score ISAR"), total, bands(),
                                       "Score " + std::to_string(total) + "/6 (seuil de risque : 2)."));
  }
};

}  // namespace

const Instrument& isar_instrument() {
  static const Isar instance;
  return instance;
}

}  // namespace parcours::coordination
