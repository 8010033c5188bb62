#include "coordination/assessment/aggir.h"

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "coordination/assessment/codes.h"
#include "coordination/assessment/instruments.h"
#include "coordination/assessment/response.h"

namespace parcours::coordination {
namespace aggir {
namespace {

using M = Modalite;

bool any_c(std::initializer_list<M> ms) {
  for (M m : ms)
    if (m == M::C) return true;
  return false;
}

// Annexe 2-2 CASF: value of modality C and B of the eight weighted variables
// (cohérence, orientation, toilette, habillage, alimentation, élimination,
// transferts, déplacements à l'intérieur), then the thresholds of the group.
// Déplacements à l'extérieur and communication weigh 0 in every group.
struct Seuil {
  int minimum;  // "supérieure ou égale à"
  int rang;
};
struct Groupe {
  char nom;
  std::array<int, 8> c;
  std::array<int, 8> b;
  std::array<Seuil, 3> seuils;  // rang 0 = unused slot
};

constexpr std::array<Groupe, 8> kGroupes = {{
    {'A',
     {2000, 1200, 40, 40, 60, 100, 800, 200},
     {0, 0, 16, 16, 20, 16, 120, 32},
     {{{4380, 1}, {4140, 2}, {3390, 3}}}},
    {'B',
     {1500, 1200, 40, 40, 60, 100, 800, -80},
     {320, 120, 16, 16, 0, 16, 120, -40},
     {{{2016, 4}, {}, {}}}},
    {'C', {0, 0, 40, 40, 60, 160, 1000, 400}, {0, 0, 16, 16, 20, 20, 200, 40}, {{{1700, 5}, {1432, 6}, {}}}},
    {'D', {0, 0, 0, 0, 2000, 400, 2000, 200}, {0, 0, 0, 0, 200, 200, 200, 0}, {{{2400, 7}, {}, {}}}},
    {'E',
     {400, 400, 400, 400, 400, 800, 800, 200},
     {0, 0, 100, 100, 100, 100, 100, 0},
     {{{1200, 8}, {}, {}}}},
    {'F',
     {200, 200, 500, 500, 500, 500, 500, 200},
     {100, 100, 100, 100, 100, 100, 100, 0},
     {{{800, 9}, {}, {}}}},
    {'G',
     {150, 150, 300, 300, 500, 500, 400, 200},
     {0, 0, 200, 200, 200, 200, 200, 100},
     {{{650, 10}, {}, {}}}},
    // Group H always concludes: "inférieure à 2 000 : rang 13".
    {'H',
     {0, 0, 3000, 3000, 3000, 3000, 1000, 1000},
     {0, 0, 2000, 2000, 2000, 2000, 2000, 1000},
     {{{4000, 11}, {2000, 12}, {std::numeric_limits<int>::min(), 13}}}},
}};

}  // namespace

Modalite from_adverbes(const Adverbes& a) {
  const int met = int(a.spontanement) + int(a.totalement) + int(a.correctement) + int(a.habituellement);
  return met == 4 ? M::A : met == 0 ? M::C : M::B;
}

Modalite coherence(M communication, M comportement) {
  if (communication == M::A && comportement == M::A) return M::A;
  return any_c({communication, comportement}) ? M::C : M::B;
}

Modalite orientation(M temps, M espace) {
  if (temps == M::A && espace == M::A) return M::A;
  return any_c({temps, espace}) ? M::C : M::B;
}

Modalite toilette(M haut, M bas) {
  if (haut == M::A && bas == M::A) return M::A;
  if (haut == M::C && bas == M::C) return M::C;
  return M::B;
}

Modalite habillage(M haut, M moyen, M bas) {
  if (haut == M::A && moyen == M::A && bas == M::A) return M::A;
  if (haut == M::C && moyen == M::C && bas == M::C) return M::C;
  return M::B;
}

Modalite alimentation(M se_servir, M manger) {
  if (se_servir == M::A && manger == M::A) return M::A;
  // CC, BC and CB give C; AC and CA give B.
  if (any_c({se_servir, manger}) && se_servir != M::A && manger != M::A) return M::C;
  return M::B;
}

Modalite elimination(M urinaire, M fecale) {
  if (urinaire == M::A && fecale == M::A) return M::A;
  return any_c({urinaire, fecale}) ? M::C : M::B;
}

int gir_of_rang(int rang) {
  if (rang == 1) return 1;
  if (rang <= 7) return 2;
  if (rang <= 9) return 3;
  if (rang <= 11) return 4;
  if (rang == 12) return 5;
  return 6;
}

Gir compute_gir(const Profil& profil) {
  for (const Groupe& g : kGroupes) {
    int valeur = 0;
    for (std::size_t v = 0; v < g.c.size(); ++v) {
      if (profil[v] == M::C) valeur += g.c[v];
      if (profil[v] == M::B) valeur += g.b[v];
    }
    for (const Seuil& s : g.seuils)
      if (s.rang != 0 && valeur >= s.minimum) return Gir{gir_of_rang(s.rang), s.rang, g.nom, valeur};
  }
  return Gir{};  // unreachable: group H always concludes
}

}  // namespace aggir

namespace {

using aggir::Modalite;

struct Sub {
  std::string_view id;
  std::string_view label;
};
struct VariableSpec {
  std::string_view id;
  std::string_view label;
  std::vector<Sub> subs;  // empty when coded directly
};

const std::vector<VariableSpec>& discriminantes() {
  static const std::vector<VariableSpec> v = {
      {"coherence", "Cohérence", {{"communication", "Communication"}, {"comportement", "Comportement"}}},
      {"orientation", "Orientation", {{"temps", "Temps"}, {"espace", "Espace"}}},
      {"toilette", "Toilette", {{"haut", "Haut"}, {"bas", "Bas"}}},
      {"habillage", "Habillage", {{"haut", "Haut"}, {"moyen", "Moyen"}, {"bas", "Bas"}}},
      {"alimentation", "Alimentation", {{"se-servir", "Se servir"}, {"manger", "Manger"}}},
      {"elimination", "Élimination", {{"urinaire", "Urinaire"}, {"fecale", "Fécale"}}},
      {"transferts", "Transferts", {}},
      {"deplacements-interieur", "Déplacements à l'intérieur", {}},
      {"deplacements-exterieur", "Déplacements à l'extérieur", {}},
      {"communication", "Alerter (communication à distance)", {}},
  };
  return v;
}

const std::vector<VariableSpec>& illustratives() {
  static const std::vector<VariableSpec> v = {
      {"gestion", "Gestion", {}},
      {"cuisine", "Cuisine", {}},
      {"menage", "Ménage", {}},
      {"transports", "Transports", {}},
      {"achats", "Achats", {}},
      {"suivi-traitement", "Suivi du traitement", {}},
      {"temps-libre", "Activités du temps libre", {}},
  };
  return v;
}

constexpr std::array<std::string_view, 4> kAdverbes = {"S", "T", "C", "H"};

std::string_view modalite_display(Modalite m) {
  switch (m) {
    case Modalite::A:
      return "A — fait seul, totalement, habituellement et correctement";
    case Modalite::B:
      return "B — fait partiellement, ou non habituellement, ou non correctement";
    case Modalite::C:
      return "C — ne fait pas";
  }
  return "";
}

void add_leaf(std::vector<ItemDef>& defs, const std::string& leaf, bool required) {
  defs.push_back({leaf, ItemType::kGroup, required, {}, {}});
  for (std::string_view a : kAdverbes)
    defs.push_back({leaf + "." + std::string(a), ItemType::kBoolean, false, {}, {}});
  defs.push_back(
      {leaf + ".modalite", ItemType::kChoice, false, codes::kAggirModalite, {{"A", 0}, {"B", 1}, {"C", 2}}});
}

std::vector<ItemDef> build_items() {
  std::vector<ItemDef> defs;
  defs.push_back({"variables-discriminantes", ItemType::kGroup, true, {}, {}});
  for (const VariableSpec& v : discriminantes()) {
    if (v.subs.empty()) {
      add_leaf(defs, std::string(v.id), true);
      continue;
    }
    defs.push_back({std::string(v.id), ItemType::kGroup, true, {}, {}});
    for (const Sub& s : v.subs) add_leaf(defs, std::string(v.id) + "." + std::string(s.id), true);
  }
  defs.push_back({"variables-illustratives", ItemType::kGroup, false, {}, {}});
  for (const VariableSpec& v : illustratives()) add_leaf(defs, std::string(v.id), false);
  return defs;
}

Modalite to_modalite(std::string_view code) {
  return code == "A" ? Modalite::A : code == "B" ? Modalite::B : Modalite::C;
}

// One (sub-)variable: the four adverbs, or the modality coded directly, or
// both when they agree.
std::optional<Modalite> read_leaf(const ResponseItems& r, const std::string& leaf,
                                  std::vector<std::string>& missing, std::vector<Issue>& errors) {
  std::array<std::optional<bool>, 4> adv;
  int answered = 0;
  for (std::size_t i = 0; i < kAdverbes.size(); ++i) {
    adv[i] = r.boolean(leaf + "." + std::string(kAdverbes[i]));
    answered += adv[i].has_value();
  }
  const std::string modalite_id = leaf + ".modalite";
  std::optional<Modalite> coded;
  if (auto c = r.code(modalite_id)) coded = to_modalite(*c);
  auto modalite_path = [&] { return r.find(modalite_id)->answers.front().path; };

  if (answered == 4) {
    const Modalite derived = aggir::from_adverbes({*adv[0], *adv[1], *adv[2], *adv[3]});
    if (coded && *coded != derived) {
      errors.push_back(Issue{"error", "business-rule",
                             "Item '" + modalite_id + "': modality " + std::string(1, char(*coded)) +
                                 " contradicts the adverbs S/T/C/H, which give " +
                                 std::string(1, char(derived)),
                             modalite_path()});
      return std::nullopt;
    }
    return derived;
  }
  if (coded) {
    // Adverbs partly answered: they must not contradict the modality.
    bool any_yes = false, any_no = false;
    for (const auto& a : adv)
      if (a) (*a ? any_yes : any_no) = true;
    if ((*coded == Modalite::A && any_no) || (*coded == Modalite::C && any_yes)) {
      errors.push_back(Issue{"error", "business-rule",
                             "Item '" + modalite_id + "': modality " + std::string(1, char(*coded)) +
                                 " contradicts the adverbs answered for '" + leaf + "'",
                             modalite_path()});
      return std::nullopt;
    }
    return coded;
  }
  if (answered == 0) {
    missing.push_back(leaf);
  } else {
    for (std::size_t i = 0; i < kAdverbes.size(); ++i)
      if (!adv[i]) missing.push_back(leaf + "." + std::string(kAdverbes[i]));
  }
  return std::nullopt;
}

class Aggir final : public Instrument {
 public:
  Aggir() : url_(codes::questionnaire("aggir")), items_(build_items()) {}
  std::string_view id() const override { return "aggir"; }
  std::string_view url() const override { return url_; }
  std::string_view title() const override { return "Grille nationale AGGIR"; }
  const std::vector<ItemDef>& items() const override { return items_; }

  Assessment evaluate(const ResponseItems& r, std::vector<Issue>& errors) const override {
    Assessment a;
    a.instrument = std::string(id());
    a.questionnaire = url_;
    aggir::Profil profil{};
    bool all = true;
    for (std::size_t v = 0; v < discriminantes().size(); ++v) {
      const VariableSpec& spec = discriminantes()[v];
      if (spec.subs.empty()) {
        auto m = read_leaf(r, std::string(spec.id), a.missing, errors);
        if (m) profil[v] = *m;
        all = all && m.has_value();
        continue;
      }
      std::vector<Modalite> subs;
      for (const Sub& s : spec.subs)
        if (auto m = read_leaf(r, std::string(spec.id) + "." + std::string(s.id), a.missing, errors))
          subs.push_back(*m);
      if (subs.size() != spec.subs.size()) {
        all = false;
        continue;
      }
      profil[v] = combine(static_cast<aggir::Variable>(v), subs);
    }

    std::vector<Finding::Component> illustrative;
    for (const VariableSpec& spec : illustratives()) {
      std::vector<std::string> partial;
      auto m = read_leaf(r, std::string(spec.id), partial, errors);
      if (m) {
        illustrative.push_back(component(spec, *m));
        continue;
      }
      // Started but unfinished: reported, but it does not hold back the GIR.
      for (const std::string& p : partial)
        if (p != spec.id)
          a.warnings.push_back(Issue{"warning", "incomplete",
                                     "Illustrative variable '" + std::string(spec.id) +
                                         "' is not coded: item '" + p + "' has no answer",
                                     item_expression(p)});
    }

    a.complete = a.missing.empty() && all;
    if (!a.complete || !errors.empty()) return a;

    const aggir::Gir g = aggir::compute_gir(profil);
    Finding f;
    f.code = {std::string(codes::kScore), "aggir-gir", "Groupe iso-ressources (GIR), grille AGGIR"};
    f.value = Coding{std::string(codes::kAggirGir), std::to_string(g.gir), "GIR " + std::to_string(g.gir)};
    for (std::size_t v = 0; v < discriminantes().size(); ++v)
      f.components.push_back(component(discriminantes()[v], profil[v]));
    for (auto& c : illustrative) f.components.push_back(std::move(c));
    f.components.push_back(
        {{std::string(codes::kScore), "aggir-rang", "Rang AGGIR (annexe 2-2 CASF)"}, std::nullopt, g.rang});
    f.note = "GIR " + std::to_string(g.gir) + " (rang " + std::to_string(g.rang) + ", groupe " +
             std::string(1, g.groupe) + ", valeur " + std::to_string(g.valeur) + "). " +
             (g.gir <= 4 ? "Les GIR 1 à 4 ouvrent droit à l'APA (art. R. 232-4 CASF)."
                         : "Les GIR 5 et 6 n'ouvrent pas droit à l'APA (art. R. 232-4 CASF).");
    a.findings.push_back(std::move(f));
    return a;
  }

 private:
  static Modalite combine(aggir::Variable v, const std::vector<Modalite>& s) {
    switch (v) {
      case aggir::kCoherence:
        return aggir::coherence(s[0], s[1]);
      case aggir::kOrientation:
        return aggir::orientation(s[0], s[1]);
      case aggir::kToilette:
        return aggir::toilette(s[0], s[1]);
      case aggir::kHabillage:
        return aggir::habillage(s[0], s[1], s[2]);
      case aggir::kAlimentation:
        return aggir::alimentation(s[0], s[1]);
      case aggir::kElimination:
        return aggir::elimination(s[0], s[1]);
      default:
        return s[0];
    }
  }

  static Finding::Component component(const VariableSpec& spec, Modalite m) {
    return {
        {std::string(codes::kAggirVariable), std::string(spec.id), std::string(spec.label)},
        Coding{std::string(codes::kAggirModalite), std::string(1, char(m)), std::string(modalite_display(m))},
        std::nullopt};
  }

  std::string url_;
  std::vector<ItemDef> items_;
};

}  // namespace

const Instrument& aggir_instrument() {
  static const Aggir instance;
  return instance;
}

}  // namespace parcours::coordination
