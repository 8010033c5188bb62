// Fried frailty phenotype. Fried LP, Tangen CM, Walston J et al. Frailty in
// older adults: evidence for a phenotype. J Gerontol A 2001;56:M146-56.
// Five criteria, each present or absent as measured by the assessor with the
// published thresholds: unintentional weight loss (≥ 4.5 kg in the past
// year), self-reported exhaustion (two CES-D items), weak grip strength
// (lowest 20 %, by sex and BMI), slow walking speed (4.57 m, lowest 20 % by
// sex and height), low physical activity (kcal/week, lowest 20 %).
// 0 criteria = robust, 1-2 = pre-frail, ≥ 3 = frail.
#include "coordination/assessment/instruments.h"
#include "coordination/assessment/scale.h"

namespace parcours::coordination {
namespace {

const std::vector<Band>& bands() {
  static const std::vector<Band> b = {
      {0, 0, "fried-robuste", "Robuste"},
      {1, 2, "fried-pre-fragile", "Pré-fragile"},
      {3, 5, "fried-fragile", "Fragile"},
  };
  return b;
}

std::vector<ItemDef> build_items() {
  std::vector<ItemDef> defs;
  for (std::string_view c :
       {"perte-de-poids", "epuisement", "force-prehension", "vitesse-marche", "activite-physique"})
    defs.push_back(yes_no("fried-" + std::string(c)));
  return defs;
}

class Fried final : public Scale {
 public:
  Fried() : Scale("fried", "Phénotype de fragilité de Fried", build_items()) {}

 protected:
  void score(const ResponseItems& r, Assessment& a) const override {
    int count = 0;
    for (const ItemDef& d : items()) count += *r.boolean(d.link_id);
    a.findings.push_back(
        total_finding(local_score("fried-nombre-criteres", "Nombre de critères de fragilité de Fried"), count,
                      bands(), std::to_string(count) + " critère(s) sur 5."));
  }
};

}  // namespace

const Instrument& fried_instrument() {
  static const Fried instance;
  return instance;
}

}  // namespace parcours::coordination
