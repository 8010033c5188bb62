// Katz index of independence in activities of daily living (ADL).
// Katz S, Ford AB, Moskowitz RW et al. Studies of illness in the aged. The
// index of ADL. JAMA 1963;185:914-9. Scored as in the Hartford Institute for
// Geriatric Nursing "Try This" series, issue 2 (Shelkey M, Wallace M, 1998,
// rev. 2019): six functions (bathing, dressing, toileting, transferring,
// continence, feeding), 1 = independent, 0 = dependent; total 0-6 where
// "6 indicates full function, 4 moderate impairment, and 2 or less severe
// functional impairment". We read 3-5 as moderate and 0-2 as severe.
#include "coordination/assessment/instruments.h"
#include "coordination/assessment/scale.h"

namespace parcours::coordination {
namespace {

std::vector<ItemDef> build_items() {
  std::vector<ItemDef> defs;
  for (std::string_view f :
       {"toilette", "habillage", "aller-aux-toilettes", "transferts", "continence", "alimentation"})
    defs.push_back(choice("katz-" + std::string(f), codes::kKatzNiveau, {{"autonome", 1}, {"dependant", 0}}));
  return defs;
}

const std::vector<Band>& bands() {
  static const std::vector<Band> b = {
      {6, 6, "katz-autonome", "Autonomie complète pour les activités de base de la vie quotidienne"},
      {3, 5, "katz-dependance-moderee", "Dépendance modérée"},
      {0, 2, "katz-dependance-severe", "Dépendance sévère"},
  };
  return b;
}

class Katz final : public Instrument {
 public:
  Katz() : url_(codes::questionnaire("katz-adl")), items_(build_items()) {}
  std::string_view id() const override { return "katz-adl"; }
  std::string_view url() const override { return url_; }
  std::string_view title() const override { return "Échelle ADL de Katz"; }
  const std::vector<ItemDef>& items() const override { return items_; }

  Assessment evaluate(const ResponseItems& r, std::vector<Issue>&) const override {
    Assessment a = start(*this);
    a.missing = missing_required(r, items_);
    a.complete = a.missing.empty();
    if (!a.complete) return a;
    Finding f;
    f.code = local_score("katz-adl-score-total", "Score ADL de Katz");
    f.score = sum_of_choices(r, items_);
    f.interpretation = band_of(bands(), *f.score);
    f.note = "Score " + std::to_string(*f.score) + "/6.";
    a.findings.push_back(std::move(f));
    return a;
  }

 private:
  std::string url_;
  std::vector<ItemDef> items_;
};

}  // namespace

const Instrument& katz_instrument() {
  static const Katz instance;
  return instance;
}

}  // namespace parcours::coordination
