// MNA-SF, Mini Nutritional Assessment short form (screening of undernutrition
// in older people). Rubenstein LZ et al., J Gerontol A 2001;56:M366-72;
// Kaiser MJ et al., Validation of the MNA-SF, J Nutr Health Aging
// 2009;13:782-8. Six items A-F, total 0-14: 12-14 normal nutritional status,
// 8-11 at risk of malnutrition, 0-7 malnourished. F1 (body-mass index) is
// replaced by F2 (calf circumference) when the BMI is not available; F1 wins
// when both are given. MNA® is a trademark of Société des Produits Nestlé:
// the Questionnaire carries our own short wording. LOINC panel 107107-5,
// total score 107114-1.
#include "coordination/assessment/instruments.h"
#include "coordination/assessment/scale.h"

namespace parcours::coordination {
namespace {

std::vector<ItemDef> build_items() {
  const auto s = codes::kMnaSfReponse;
  return {
      choice("mna-a", s, {{"A0", 0}, {"A1", 1}, {"A2", 2}}),
      choice("mna-b", s, {{"B0", 0}, {"B1", 1}, {"B2", 2}, {"B3", 3}}),
      choice("mna-c", s, {{"C0", 0}, {"C1", 1}, {"C2", 2}}),
      choice("mna-d", s, {{"D0", 0}, {"D2", 2}}),
      choice("mna-e", s, {{"E0", 0}, {"E1", 1}, {"E2", 2}}),
      choice("mna-f1", s, {{"F1-0", 0}, {"F1-1", 1}, {"F1-2", 2}, {"F1-3", 3}}, false),
      choice("mna-f2", s, {{"F2-0", 0}, {"F2-3", 3}}, false),
  };
}

const std::vector<Band>& bands() {
  static const std::vector<Band> b = {
      {12, 14, "mna-normal", "État nutritionnel normal"},
      {8, 11, "mna-risque", "Risque de dénutrition"},
      {0, 7, "mna-denutrition", "Dénutrition"},
  };
  return b;
}

class MnaSf final : public Scale {
 public:
  MnaSf() : Scale("mna-sf", "Mini Nutritional Assessment, forme courte (MNA-SF)", build_items()) {}

 protected:
  void more_missing(const ResponseItems& r, std::vector<std::string>& missing) const override {
    if (!r.answered("mna-f1") && !r.answered("mna-f2"))
      missing.push_back("mna-f1");  // or mna-f2 when the BMI is unknown
  }

  void score(const ResponseItems& r, Assessment& a) const override {
    const bool f1 = r.answered("mna-f1");
    const bool f2 = r.answered("mna-f2");
    int total = 0;
    for (const ItemDef& d : items()) {
      if (d.link_id == "mna-f2" && f1) continue;
      if (auto v = option_score(r, d)) total += *v;
    }
    if (f1 && f2)
      a.warnings.push_back(
          Issue{"warning", "business-rule",
                "Items 'mna-f1' and 'mna-f2' are both answered: F2 only replaces F1 when the "
                "body-mass index is unknown; F1 was scored",
                r.find("mna-f2")->answers.front().path});
    Finding f =
        total_finding({std::string(codes::kLoinc), "107114-1", "Total score [MNA-SF]"}, total, bands(),
                      "Score " + std::to_string(total) + "/14" +
                          (f1 ? "" : " (circonférence du mollet à la place de l'IMC)") + ".");
    f.text = "Score de dépistage MNA-SF";
    a.findings.push_back(std::move(f));
  }
};

}  // namespace

const Instrument& mna_sf_instrument() {
  static const MnaSf instance;
  return instance;
}

}  // namespace parcours::coordination
