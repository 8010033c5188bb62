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

class Phq9 final : public Instrument {
 public:
  Phq9() : url_(codes::questionnaire("phq-9")), items_(build_items()) {}
  std::string_view id() const override { return "phq-9"; }
  std::string_view url() const override { return url_; }
  std::string_view title() const override { return "Questionnaire sur la santé du patient (PHQ-9)"; }
  const std::vector<ItemDef>& items() const override { return items_; }

  Assessment evaluate(const ResponseItems& r, std::vector<Issue>&) const override {
    Assessment a = start(*this);
    a.missing = missing_required(r, items_);
    a.complete = a.missing.empty();
    if (!a.complete) return a;

    Finding total;
    total.code = {std::string(codes::kLoinc), "44261-6",
                  "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]"};
    total.text = "Score total PHQ-9";
    total.score = sum_of_choices(r, items_);
    total.interpretation = band_of(bands(), *total.score);
    total.note = "Score " + std::to_string(*total.score) + "/27.";

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
    return a;
  }

 private:
  std::string url_;
  std::vector<ItemDef> items_;
};

}  // namespace

const Instrument& phq9_instrument() {
  static const Phq9 instance;
  return instance;
}

}  // namespace parcours::coordination
