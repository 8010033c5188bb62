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

class Fried final : public Instrument {
 public:
  Fried() : url_(codes::questionnaire("fried")) {
    for (std::string_view c :
         {"perte-de-poids", "epuisement", "force-prehension", "vitesse-marche", "activite-physique"})
      items_.push_back(yes_no("fried-" + std::string(c)));
  }
  std::string_view id() const override { return "fried"; }
  std::string_view url() const override { return url_; }
  std::string_view title() const override { return "Phénotype de fragilité de Fried"; }
  const std::vector<ItemDef>& items() const override { return items_; }

  Assessment evaluate(const ResponseItems& r, std::vector<Issue>&) const override {
    Assessment a = start(*this);
    a.missing = missing_required(r, items_);
    a.complete = a.missing.empty();
    if (!a.complete) return a;
    int count = 0;
    for (const ItemDef& d : items_) count += *r.boolean(d.link_id);
    Finding f;
    f.code = local_score("fried-nombre-criteres", "Nombre de critères de fragilité de Fried");
    f.score = count;
    f.interpretation = band_of(bands(), count);
    f.note = std::to_string(count) + " critère(s) sur 5.";
    a.findings.push_back(std::move(f));
    return a;
  }

 private:
  std::string url_;
  std::vector<ItemDef> items_;
};

}  // namespace

const Instrument& fried_instrument() {
  static const Fried instance;
  return instance;
}

}  // namespace parcours::coordination
