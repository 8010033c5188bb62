// PHQ-9, Patient Health Questionnaire, 9 items (depression).
// Kroenke K, Spitzer RL, Williams JB. The PHQ-9: validity of a brief
// depression severity measure. J Gen Intern Med 2001;16:606-13. Each item
// 0-3 over the last two weeks; total 0-27; severity bands 0-4 minimal,
// 5-9 mild, 10-14 moderate, 15-19 moderately severe, 20-27 severe. Any
// answer other than "jamais" to item 9 (thoughts of death or self-harm)
// calls for an immediate assessment of suicide risk, whatever the total.
// Free to reproduce and translate (Pfizer); LOINC panel 44249-1, total
// 44261-6, items 44250-9 … 44260-8, answers LA6568-5 … LA6571-9.
#include "coordination/assessment/instruments.h"
#include "coordination/assessment/scale.h"

namespace parcours::coordination {
namespace {

constexpr std::string_view kItem9 = "phq9-9";

std::vector<ItemDef> build_items() {
  std::vector<ItemDef> defs;
  for (int i = 1; i <= 9; ++i)
    defs.push_back(choice("phq9-" + std::to_string(i), codes::kLoinc,
                          {{"LA6568-5", 0}, {"LA6569-3", 1}, {"LA6570-1", 2}, {"LA6571-9", 3}}));
  return defs;
}

const std::vector<Band>& bands() {
  static const std::vector<Band> b = {
      {0, 4, "phq9-minimale", "Symptômes dépressifs minimes ou absents"},
      {5, 9, "phq9-legere", "Symptômes dépressifs légers"},
      {10, 14, "phq9-moderee", "Symptômes dépressifs modérés"},
      {15, 19, "phq9-moderement-severe", "Symptômes dépressifs modérément sévères"},
      {20, 27, "phq9-severe", "Symptômes dépressifs sévères"},
  };
  return b;
}

std::string_view answer_display(std::string_view code) {
  if (code == "LA6569-3") return "Plusieurs jours";
  if (code == "LA6570-1") return "Plus de la moitié du temps";
  if (code == "LA6571-9") return "Presque tous les jours";
  return "Jamais";
}

class Phq9 final : public Scale {
 public:
  Phq9() : Scale("phq-9", "Questionnaire sur la santé du patient (PHQ-9)", build_items()) {}

 protected:
  void score(const ResponseItems& r, Assessment& a) const override {
    const int sum = sum_of_choices(r, items());
    Finding total = total_finding({std::string(codes::kLoinc), "44261-6",
                                   "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]"},
                                  sum, bands(), "Score " + std::to_string(sum) + "/27.");
    total.text = "Score total PHQ-9";

    const std::string_view item9 = *r.code(kItem9);
    const bool suicide_flag = item9 != "LA6568-5";
    if (suicide_flag) total.note += " Réponse positive à l'item 9 : évaluer sans délai le risque suicidaire.";
    a.findings.push_back(std::move(total));

    if (suicide_flag) {
      Finding f;
      f.code = {std::string(codes::kLoinc), "44260-8",
                "Thoughts that you would be better off dead, or of hurting yourself in some way"};
      f.text = "PHQ-9 item 9 : pensées de mort ou d'auto-agression";
      f.value = Coding{std::string(codes::kLoinc), std::string(item9), std::string(answer_display(item9))};
      f.interpretation = Coding{std::string(codes::kV3Interpretation), "A", "Abnormal"};
      f.note = "Idées de mort ou d'auto-agression déclarées : évaluer sans délai le risque suicidaire.";
      a.findings.push_back(std::move(f));
    }
  }
};

}  // namespace

const Instrument& phq9_instrument() {
  static const Phq9 instance;
  return instance;
}

}  // namespace parcours::coordination
