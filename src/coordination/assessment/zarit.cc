// Zarit Burden Interview (ZBI), 22 items, carer burden.
// Zarit SH, Reever KE, Bach-Peterson J. Relatives of the impaired elderly:
// correlates of feelings of burden. Gerontologist 1980;20:649-55; 22-item
// version Zarit & Zarit 1987; French version Hébert R, Bravo G, Préville M,
// Can J Aging 2000;19:494-507. Items 1-21 rate a frequency 0-4 (jamais …
// presque tout le temps), item 22 the overall burden 0-4 (pas du tout …
// énormément); total 0-88. Bands used with the French version (Hébert's
// translation; e.g. T. Darnaud, thèse Lyon 2, 2006): ≤ 20 no or light
// burden, 21-40 light to moderate, 41-60 moderate to severe, > 60 severe.
// The item wording is licensed (Mapi Research Trust): the Questionnaire
// carries our own short paraphrases.
#include "coordination/assessment/instruments.h"
#include "coordination/assessment/scale.h"

namespace parcours::coordination {
namespace {

std::vector<ItemDef> build_items() {
  std::vector<ItemDef> defs;
  for (int i = 1; i <= 21; ++i)
    defs.push_back(choice("zarit-" + std::to_string(i), codes::kZaritFrequence,
                          {{"jamais", 0},
                           {"rarement", 1},
                           {"quelquefois", 2},
                           {"assez-souvent", 3},
                           {"presque-tout-le-temps", 4}}));
  defs.push_back(
      choice("zarit-22", codes::kZaritIntensite,
             {{"pas-du-tout", 0}, {"un-peu", 1}, {"moyennement", 2}, {"beaucoup", 3}, {"enormement", 4}}));
  return defs;
}

}  // namespace

const Instrument& zarit_instrument() {
  static const SummedScale instance("zarit", "Échelle de pénibilité de Zarit (22 items)", build_items(),
                                    {{0, 20, "zarit-absente-legere", "Charge absente ou légère"},
                                     {21, 40, "zarit-legere-moderee", "Charge légère à modérée"},
                                     {41, 60, "zarit-moderee-severe", "Charge modérée à sévère"},
                                     {61, 88, "zarit-severe", "Charge sévère"}},
                                    local_score("zarit-score-total", "Score total de Zarit (22 items)"), 88);
  return instance;
}

}  // namespace parcours::coordination
