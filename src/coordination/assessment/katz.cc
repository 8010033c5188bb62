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

}  // namespace

const Instrument& katz_instrument() {
  static const SummedScale instance(
      "katz-adl", "Échelle ADL de Katz", build_items(),
      {{6, 6, "katz-autonome", "Autonomie complète pour les activités de base de la vie quotidienne"},
       {3, 5, "katz-dependance-moderee", "Dépendance modérée"},
       {0, 2, "katz-dependance-severe", "Dépendance sévère"}},
      local_score("katz-adl-score-total", "Score ADL de Katz"), 6);
  return instance;
}

}  // namespace parcours::coordination
