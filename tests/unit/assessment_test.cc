// Scoring engine of the assessment instruments: AGGIR (adverbs, sub-variable
// rules, the algorithm of annexe 2-2 CASF), the scales' bands, validation of
// answers, partial responses, and the Observations made from the scores.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "coordination/assessment/aggir.h"
#include "coordination/assessment/assessment.h"
#include "coordination/assessment/codes.h"
#include "coordination/assessment/observations.h"
#include "fhir/json.h"
#include "fhir/validator.h"

namespace parcours::coordination {
namespace {

using aggir::Modalite;
constexpr Modalite A = Modalite::A;
constexpr Modalite B = Modalite::B;
constexpr Modalite C = Modalite::C;

// --- QuestionnaireResponse builders ----------------------------------------

Json item(std::string_view link_id) {
  Json j = Json::object();
  j.set("linkId", link_id);
  return j;
}

Json with_answer(Json i, std::string_view key, Json value) {
  Json answer = Json::object();
  answer.set(key, std::move(value));
  i.set("answer", Json(Json::Array{std::move(answer)}));
  return i;
}

Json coded(std::string_view link_id, std::string_view system, std::string_view code) {
  Json c = Json::object();
  c.set("system", system);
  c.set("code", code);
  return with_answer(item(link_id), "valueCoding", std::move(c));
}

Json boolean(std::string_view link_id, bool value) {
  return with_answer(item(link_id), "valueBoolean", value);
}

Json group(std::string_view link_id, std::vector<Json> children) {
  Json g = item(link_id);
  g.set("item", Json(Json::Array(std::make_move_iterator(children.begin()),
                                 std::make_move_iterator(children.end()))));
  return g;
}

Json response(std::string_view questionnaire, std::string_view status, std::vector<Json> items) {
  Json r = Json::object();
  r.set("resourceType", "QuestionnaireResponse");
  r.set("id", "qr-1");
  r.set("questionnaire", codes::questionnaire(questionnaire));
  r.set("status", status);
  Json subject = Json::object();
  subject.set("reference", "Patient/p1");
  r.set("subject", std::move(subject));
  r.set("authored", "2024-03-12T10:30:00+01:00");
  if (!items.empty())
    r.set("item",
          Json(Json::Array(std::make_move_iterator(items.begin()), std::make_move_iterator(items.end()))));
  return r;
}

bool has_issue(const Error& e, std::string_view code, std::string_view expression) {
  for (const Issue& i : e.issues())
    if (i.code == code && i.expression == expression) return true;
  return false;
}

std::string dump(const Error& e) {
  std::string s;
  for (const Issue& i : e.issues()) s += i.code + " | " + i.diagnostics + " | " + i.expression + "\n";
  return s;
}

// --- AGGIR: adverbs and sub-variables (guide de remplissage, décret 2008-821)

TEST(AggirAdverbes, FourYesIsAFourNoIsCOtherwiseB) {
  // "Une réponse positive pour les quatre adverbes correspond au codage A,
  // une réponse négative aux quatre adverbes au codage C et une réponse
  // négative pour un à trois adverbes au codage B" (ASH n° 2570, summary of
  // the 2008 guide).
  EXPECT_EQ(aggir::from_adverbes({true, true, true, true}), A);
  EXPECT_EQ(aggir::from_adverbes({false, false, false, false}), C);
  for (int mask = 1; mask < 15; ++mask) {
    const aggir::Adverbes a{bool(mask & 1), bool(mask & 2), bool(mask & 4), bool(mask & 8)};
    EXPECT_EQ(aggir::from_adverbes(a), B) << mask;
  }
}

TEST(AggirSousVariables, CombinationRules) {
  const std::array<Modalite, 3> all = {A, B, C};
  for (Modalite x : all)
    for (Modalite y : all) {
      const bool aa = x == A && y == A;
      const bool cc = x == C && y == C;
      const bool any_c = x == C || y == C;
      // Cohérence, orientation, élimination: AA = A; any C = C; else B.
      const Modalite any_c_rule = aa ? A : any_c ? C : B;
      EXPECT_EQ(aggir::coherence(x, y), any_c_rule);
      EXPECT_EQ(aggir::orientation(x, y), any_c_rule);
      EXPECT_EQ(aggir::elimination(x, y), any_c_rule);
      // Toilette: AA = A; CC = C; else B.
      EXPECT_EQ(aggir::toilette(x, y), aa ? A : cc ? C : B);
      // Alimentation: AA = A; CC, BC, CB = C; AB, BA, BB, AC, CA = B.
      const bool c_without_a = any_c && x != A && y != A;
      EXPECT_EQ(aggir::alimentation(x, y), aa ? A : c_without_a ? C : B);
      for (Modalite z : all) {
        // Habillage: AAA = A; CCC = C; else B.
        const Modalite expected = (x == A && y == A && z == A) ? A : (x == C && y == C && z == C) ? C : B;
        EXPECT_EQ(aggir::habillage(x, y, z), expected);
      }
    }
  // The asymmetric cases spelt out.
  EXPECT_EQ(aggir::alimentation(A, C), B);
  EXPECT_EQ(aggir::alimentation(C, A), B);
  EXPECT_EQ(aggir::elimination(A, C), C);
  EXPECT_EQ(aggir::toilette(A, C), B);
}

// --- AGGIR: the algorithm (annexe 2-2 CASF) -------------------------------

aggir::Profil profil(std::string_view eight) {
  aggir::Profil p{};
  for (std::size_t i = 0; i < p.size(); ++i) p[i] = i < eight.size() ? Modalite(eight[i]) : A;
  return p;
}

TEST(AggirAlgorithme, RangsToGroupes) {
  // Annexe 2-2, §2: rang 1 → GIR 1; 2-7 → 2; 8-9 → 3; 10-11 → 4; 12 → 5; 13 → 6.
  const std::array<int, 14> expected = {0, 1, 2, 2, 2, 2, 2, 2, 3, 3, 4, 4, 5, 6};
  for (int r = 1; r <= 13; ++r) EXPECT_EQ(aggir::gir_of_rang(r), expected[r]) << r;
}

TEST(AggirAlgorithme, Extremes) {
  // Everything "ne fait pas" (C): group A sums 2000+1200+40+40+60+100+800+200.
  aggir::Gir g = aggir::compute_gir(profil("CCCCCCCC"));
  EXPECT_EQ(g.gir, 1);
  EXPECT_EQ(g.rang, 1);
  EXPECT_EQ(g.groupe, 'A');
  EXPECT_EQ(g.valeur, 4440);
  // Everything done alone (A): every group sums 0, group H gives rang 13.
  g = aggir::compute_gir(profil("AAAAAAAA"));
  EXPECT_EQ(g.gir, 6);
  EXPECT_EQ(g.rang, 13);
  EXPECT_EQ(g.groupe, 'H');
  EXPECT_EQ(g.valeur, 0);
  // Everything partial (B): A 220, B 568, C 312, D 600, E 500, F 700 < 800,
  // G 0+0+200·5+100 = 1100 ≥ 650 → rang 10, GIR 4.
  g = aggir::compute_gir(profil("BBBBBBBB"));
  EXPECT_EQ(g.gir, 4);
  EXPECT_EQ(g.rang, 10);
  EXPECT_EQ(g.groupe, 'G');
  EXPECT_EQ(g.valeur, 1100);
}

TEST(AggirAlgorithme, ExterieurEtCommunicationNePesentPas) {
  aggir::Profil p = profil("AAAABAAA");
  const aggir::Gir base = aggir::compute_gir(p);
  p[aggir::kDeplacementsExterieur] = C;
  p[aggir::kCommunication] = C;
  const aggir::Gir g = aggir::compute_gir(p);
  EXPECT_EQ(g.rang, base.rang);
  EXPECT_EQ(g.valeur, base.valeur);
}

struct Vecteur {
  const char* profil;  // cohérence … déplacements intérieurs
  int rang;
  char groupe;
  int valeur;
  int gir;
};

TEST(AggirAlgorithme, SeuilsInclusifs) {
  // Profiles whose decisive sum equals a threshold exactly ("supérieure ou
  // égale à"), worked by hand from the tables of annexe 2-2:
  const Vecteur v[] = {
      // A: 2000+1200+40+40+0+100+800+200 = 4380 → rang 1.
      {"CCCCACCC", 1, 'A', 4380, 1},
      // A: 2000+1200+0+40+0+100+800+0 = 4140 → rang 2.
      {"CCACACCA", 2, 'A', 4140, 2},
      // A: 2000+1200+200 = 3400 ≥ 3390 → rang 3.
      {"CCAAAAAC", 3, 'A', 3400, 2},
      // A: 1200+16+800 = 2016 < 3390; B: 1200+16+800 = 2016 → rang 4.
      {"ACAAABCA", 4, 'B', 2016, 2},
      // A: 0+0+16·4+20... = 3388, two short of 3390; B: 320+120+16+16+0+16+120 = 2868 → rang 4.
      {"CCBBBBBA", 4, 'B', 2868, 2},
      // C: 40+40+60+160+1000+400 = 1700 → rang 5.
      {"AACCCCCC", 5, 'C', 1700, 2},
      // C: 16+16+1000+400 = 1432 → rang 6.
      {"AABBAACC", 6, 'C', 1432, 2},
      // C: 20+1000+400 = 1420 < 1432; D: 200+2000+200 = 2400 → rang 7.
      {"AAAAABCC", 7, 'D', 2400, 2},
      // E: 100+800+100+... = 1200 → rang 8.
      {"AAAABCBC", 8, 'E', 1200, 3},
      // F: 500+100+200 = 800 → rang 9.
      {"AAAAACBC", 9, 'F', 800, 3},
      // G: 150+200+200+100 = 650 → rang 10.
      {"ACAAABBB", 10, 'G', 650, 4},
      // H: élimination B 2000 + transferts B 2000 = 4000 → rang 11.
      {"AAAAABBA", 11, 'H', 4000, 4},
      // H: transferts B 2000 → rang 12.
      {"AAAAAABA", 12, 'H', 2000, 5},
      // H: déplacements intérieurs B 1000 < 2000 → rang 13.
      {"AAAAAAAB", 13, 'H', 1000, 6},
  };
  for (const Vecteur& x : v) {
    const aggir::Gir g = aggir::compute_gir(profil(x.profil));
    EXPECT_EQ(g.rang, x.rang) << x.profil;
    EXPECT_EQ(g.groupe, x.groupe) << x.profil;
    EXPECT_EQ(g.valeur, x.valeur) << x.profil;
    EXPECT_EQ(g.gir, x.gir) << x.profil;
  }
}

TEST(AggirAlgorithme, ProfilsDesGroupesIsoRessources) {
  // Profiles matching the definitions of the groups in the APA texts
  // (service-public.fr fiche F1229; art. R. 232-3 CASF):
  // GIR 2, second form: "fonctions mentales altérées, capacités de se
  // déplacer conservées" — cohérence and orientation C, the rest A.
  EXPECT_EQ(aggir::compute_gir(profil("CCAAAAAA")).gir, 2);
  // GIR 4: "n'assume pas seule ses transferts mais, une fois levée, se
  // déplace à l'intérieur; aidée pour la toilette et l'habillage".
  EXPECT_EQ(aggir::compute_gir(profil("AABBAABA")).gir, 4);
  // GIR 5: "aide ponctuelle pour la toilette".
  EXPECT_EQ(aggir::compute_gir(profil("AABAAAAA")).gir, 5);
  // GIR 3: "autonomie mentale, autonomie locomotrice partielle, aide
  // plusieurs fois par jour pour les soins corporels".
  EXPECT_EQ(aggir::compute_gir(profil("AACCBCBA")).gir, 3);
  // The grid of lwh-21.github.io/Pampa (2021, "Grille Aggir"), whose Python
  // port of décret 97-427 uses it as input: (A,B,C,A,B,C,A,A).
  // E: toilette C 400 + élimination C 800 + alimentation B 100 = 1300 → rang 8.
  const aggir::Gir g = aggir::compute_gir(profil("ABCABCAA"));
  EXPECT_EQ(g.rang, 8);
  EXPECT_EQ(g.gir, 3);
}

TEST(AggirAlgorithme, AllProfilesAgainstAnIndependentTranscription) {
  // The 3^8 profiles, enumerated with cohérence varying slowest, checked
  // against a separate transcription of annexe 2-2 (a table-per-group Python
  // script, see docs/coordination-content.md): the count per GIR and per rank,
  // and a rolling hash of the rank sequence. The same weights appear in the
  // DREES HID survey program "girv3.sas" (1999).
  std::map<int, int> per_gir;
  std::map<int, int> per_rang;
  std::int64_t hash = 0;
  for (int n = 0; n < 6561; ++n) {
    aggir::Profil p{};
    p.fill(A);
    int rest = n;
    for (int v = 7; v >= 0; --v) {
      p[static_cast<std::size_t>(v)] = std::array<Modalite, 3>{A, B, C}[rest % 3];
      rest /= 3;
    }
    const aggir::Gir g = aggir::compute_gir(p);
    ++per_gir[g.gir];
    ++per_rang[g.rang];
    hash = (hash * 31 + g.rang) % 1000000007;
  }
  EXPECT_EQ(per_gir, (std::map<int, int>{{1, 8}, {2, 3208}, {3, 2400}, {4, 760}, {5, 157}, {6, 28}}));
  EXPECT_EQ(per_rang, (std::map<int, int>{{1, 8},
                                          {2, 131},
                                          {3, 414},
                                          {4, 1085},
                                          {5, 4},
                                          {6, 336},
                                          {7, 1238},
                                          {8, 1253},
                                          {9, 1147},
                                          {10, 490},
                                          {11, 270},
                                          {12, 157},
                                          {13, 28}}));
  EXPECT_EQ(hash, 488320552);
}

// --- AGGIR through a QuestionnaireResponse ----------------------------------

struct Var {
  const char* id;
  std::vector<const char*> subs;
};
const std::vector<Var>& discriminantes() {
  static const std::vector<Var> v = {
      {"coherence", {"communication", "comportement"}},
      {"orientation", {"temps", "espace"}},
      {"toilette", {"haut", "bas"}},
      {"habillage", {"haut", "moyen", "bas"}},
      {"alimentation", {"se-servir", "manger"}},
      {"elimination", {"urinaire", "fecale"}},
      {"transferts", {}},
      {"deplacements-interieur", {}},
      {"deplacements-exterieur", {}},
      {"communication", {}},
  };
  return v;
}

// A leaf answered either with the modality ("A", "B", "C") or with the four
// adverbs S, T, C, H ("oonn": o = oui, n = non); "" leaves it out.
Json leaf(const std::string& id, const std::string& how) {
  std::vector<Json> children;
  if (how.size() == 1) {
    children.push_back(coded(id + ".modalite", codes::kAggirModalite, how));
  } else if (how.size() == 4) {
    const char* adv[] = {"S", "T", "C", "H"};
    for (int i = 0; i < 4; ++i) children.push_back(boolean(id + "." + adv[i], how[i] == 'o'));
  } else if (how.size() == 5) {  // four adverbs and the modality
    const char* adv[] = {"S", "T", "C", "H"};
    for (int i = 0; i < 4; ++i) children.push_back(boolean(id + "." + adv[i], how[i] == 'o'));
    children.push_back(coded(id + ".modalite", codes::kAggirModalite, how.substr(4)));
  }
  return group(id, std::move(children));
}

// `leaves` maps a leaf linkId to its answer; `profile` (10 letters) fills the
// leaves not in the map, every sub-variable taking its variable's letter.
Json aggir_response(std::string_view status, const std::string& profile,
                    const std::map<std::string, std::string>& leaves = {}) {
  std::vector<Json> variables;
  for (std::size_t v = 0; v < discriminantes().size(); ++v) {
    const Var& var = discriminantes()[v];
    auto answer = [&](const std::string& id) {
      auto it = leaves.find(id);
      return it != leaves.end()   ? it->second
             : v < profile.size() ? std::string(1, profile[v])
                                  : std::string();
    };
    if (var.subs.empty()) {
      variables.push_back(leaf(var.id, answer(var.id)));
      continue;
    }
    std::vector<Json> subs;
    for (const char* s : var.subs) {
      const std::string id = std::string(var.id) + "." + s;
      subs.push_back(leaf(id, answer(id)));
    }
    variables.push_back(group(var.id, std::move(subs)));
  }
  return response("aggir", status, {group("variables-discriminantes", std::move(variables))});
}

TEST(AggirResponse, GirFromModalities) {
  auto r = assess(aggir_response("completed", "CCCCCCCCCC"));
  ASSERT_TRUE(r.ok()) << dump(r.error());
  ASSERT_TRUE(r->complete);
  ASSERT_EQ(r->findings.size(), 1u);
  EXPECT_EQ(r->findings[0].value->code, "1");
  r = assess(aggir_response("completed", "AAAAAAAAAA"));
  ASSERT_TRUE(r.ok()) << dump(r.error());
  EXPECT_EQ(r->findings[0].value->code, "6");
  EXPECT_EQ(r->findings[0].value->display, "GIR 6");
}

TEST(AggirResponse, AdverbsAndSubVariables) {
  // Toilette haut: not spontaneous (S = non) → B; bas: done → A; so toilette
  // = B (AB). Habillage moyen C, haut and bas A → B. Everything else A:
  // profile AABBAAAA → G: 200+200 = 400 < 650; H: 2000+2000 = 4000 → rang 11.
  auto r = assess(aggir_response("completed", "AAAAAAAAAA",
                                 {{"toilette.haut", "nooo"},
                                  {"toilette.bas", "oooo"},
                                  {"habillage.moyen", "nnnn"},
                                  {"habillage.haut", "A"}}));
  ASSERT_TRUE(r.ok()) << dump(r.error());
  const Finding& f = r->findings.at(0);
  EXPECT_EQ(f.value->code, "4");
  ASSERT_GE(f.components.size(), 10u);
  EXPECT_EQ(f.components[aggir::kToilette].value->code, "B");
  EXPECT_EQ(f.components[aggir::kHabillage].value->code, "B");
  EXPECT_EQ(f.components[aggir::kCoherence].value->code, "A");
  EXPECT_EQ(f.components.back().code.code, "aggir-rang");
  EXPECT_EQ(f.components.back().score, 11);
  // Alimentation se servir A, manger C → B (not C).
  r = assess(aggir_response("completed", "AAAAAAAAAA",
                            {{"alimentation.se-servir", "A"}, {"alimentation.manger", "C"}}));
  ASSERT_TRUE(r.ok()) << dump(r.error());
  EXPECT_EQ(r->findings[0].components[aggir::kAlimentation].value->code, "B");
}

TEST(AggirResponse, PartialSaveListsWhatIsMissing) {
  // In progress: orientation.espace untouched, transferts with two adverbs.
  auto r =
      assess(aggir_response("in-progress", "AAAAAAAAAA", {{"orientation.espace", ""}, {"transferts", "xx"}}));
  ASSERT_TRUE(r.ok()) << dump(r.error());
  EXPECT_TRUE(r.value().findings.empty());
  EXPECT_FALSE(r->complete);
  EXPECT_EQ(r->missing, (std::vector<std::string>{"orientation.espace", "transferts"}));

  // Two adverbs answered: the two others are what is missing.
  Json qr = aggir_response("in-progress", "AAAAAAAAAA", {{"transferts", ""}});
  Json& t = qr.find("item")->as_array()[0].find("item")->as_array()[6];
  t.set("item", Json(Json::Array{boolean("transferts.S", true), boolean("transferts.H", false)}));
  r = assess(qr);
  ASSERT_TRUE(r.ok()) << dump(r.error());
  EXPECT_EQ(r->missing, (std::vector<std::string>{"transferts.T", "transferts.C"}));

  // The same response marked completed is refused, item by item.
  qr.set("status", "completed");
  r = assess(qr);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(
      has_issue(r.error(), "required", "QuestionnaireResponse.repeat(item).where(linkId = 'transferts.T')"))
      << dump(r.error());
  EXPECT_EQ(r.error().status(), 422);
}

TEST(AggirResponse, ModalityMustAgreeWithAdverbs) {
  auto r = assess(aggir_response("completed", "AAAAAAAAAA",
                                 {{"transferts",
                                   "oooo"
                                   "B"}}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().issues().at(0).code, "business-rule") << dump(r.error());
  EXPECT_NE(r.error().issues().at(0).expression.find(".answer[0]"), std::string::npos);
  // Agreeing answers are accepted.
  r = assess(aggir_response("completed", "AAAAAAAAAA", {{"transferts", "onooB"}}));
  ASSERT_TRUE(r.ok()) << dump(r.error());
  EXPECT_EQ(r->findings[0].components[aggir::kTransferts].value->code, "B");
}

TEST(AggirResponse, IllustrativeVariablesAreOptional) {
  Json qr = aggir_response("completed", "AAAAAAAAAA");
  qr.find("item")->push_back(
      group("variables-illustratives", {leaf("cuisine", "C"), leaf("menage", "ooon")}));
  auto r = assess(qr);
  ASSERT_TRUE(r.ok()) << dump(r.error());
  const auto& comps = r->findings.at(0).components;
  ASSERT_EQ(comps.size(), 13u);  // 10 discriminant + 2 illustrative + rang
  EXPECT_EQ(comps[10].code.code, "cuisine");
  EXPECT_EQ(comps[11].value->code, "B");
  // Half-answered illustrative variable: a warning, the GIR stands.
  Json qr2 = aggir_response("completed", "AAAAAAAAAA");
  qr2.find("item")->push_back(
      group("variables-illustratives", {group("gestion", {boolean("gestion.S", true)})}));
  r = assess(qr2);
  ASSERT_TRUE(r.ok()) << dump(r.error());
  EXPECT_EQ(r->warnings.size(), 3u);
  EXPECT_EQ(r->findings.size(), 1u);
}

// --- Validation of answers --------------------------------------------------

std::vector<Json> phq9_items(const std::array<int, 9>& scores) {
  static const char* kCodes[] = {"LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"};
  std::vector<Json> items;
  for (int i = 0; i < 9; ++i)
    items.push_back(
        coded("phq9-" + std::to_string(i + 1), codes::kLoinc, kCodes[scores[static_cast<std::size_t>(i)]]));
  return items;
}

TEST(Validation, EveryBadAnswerIsReportedWithItsPath) {
  std::vector<Json> items = phq9_items({0, 0, 0, 0, 0, 0, 0, 0, 0});
  items[1] = coded("phq9-2", codes::kLoinc, "LA9999-9");             // not in the answer list
  items[2] = coded("phq9-3", "http://snomed.info/sct", "LA6568-5");  // wrong system
  items[3] = boolean("phq9-4", true);                                // wrong type
  items.push_back(coded("phq9-10", codes::kLoinc, "LA6568-5"));      // unknown item
  Json two = coded("phq9-5", codes::kLoinc, "LA6568-5");
  two.find("answer")->push_back(two.find("answer")->as_array()[0]);
  items[4] = std::move(two);  // two answers
  auto r = assess(response("phq-9", "completed", std::move(items)));
  ASSERT_FALSE(r.ok());
  const Error& e = r.error();
  EXPECT_EQ(e.status(), 422);
  EXPECT_TRUE(has_issue(e, "code-invalid", "QuestionnaireResponse.item[1].answer[0].valueCoding.code"))
      << dump(e);
  EXPECT_TRUE(has_issue(e, "code-invalid", "QuestionnaireResponse.item[2].answer[0].valueCoding.system"))
      << dump(e);
  EXPECT_TRUE(has_issue(e, "value", "QuestionnaireResponse.item[3].answer[0]")) << dump(e);
  EXPECT_TRUE(has_issue(e, "structure", "QuestionnaireResponse.item[4].answer")) << dump(e);
  EXPECT_TRUE(has_issue(e, "structure", "QuestionnaireResponse.item[9].linkId")) << dump(e);
  // The invalid items are also missing, hence "required" on a completed response.
  EXPECT_TRUE(has_issue(e, "required", "QuestionnaireResponse.repeat(item).where(linkId = 'phq9-2')"))
      << dump(e);
  // Messages name the item.
  EXPECT_NE(e.message().find("phq9-2"), std::string::npos) << e.message();
}

TEST(Validation, BadValuesAreRefusedEvenInProgress) {
  std::vector<Json> items = {coded("phq9-1", codes::kLoinc, "LA6571-9"),
                             coded("phq9-2", codes::kLoinc, "bogus")};
  auto r = assess(response("phq-9", "in-progress", std::move(items)));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().issues().size(), 1u) << dump(r.error());
}

TEST(Validation, DuplicateLinkIdAndGroupAnswers) {
  std::vector<Json> items = phq9_items({0, 0, 0, 0, 0, 0, 0, 0, 0});
  items.push_back(coded("phq9-1", codes::kLoinc, "LA6568-5"));
  auto r = assess(response("phq-9", "completed", std::move(items)));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(has_issue(r.error(), "structure", "QuestionnaireResponse.item[9]")) << dump(r.error());

  Json qr = aggir_response("completed", "AAAAAAAAAA");
  qr.find("item")->as_array()[0].set("answer", Json(Json::Array{Json::object()}));
  r = assess(qr);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(has_issue(r.error(), "structure", "QuestionnaireResponse.item[0].answer")) << dump(r.error());
}

TEST(Validation, ResponseLevelErrors) {
  EXPECT_FALSE(assess(Json::object()).ok());
  Json qr = response("phq-9", "completed", phq9_items({0, 0, 0, 0, 0, 0, 0, 0, 0}));
  qr.set("questionnaire", "https://example.org/Questionnaire/unknown");
  auto r = assess(qr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().issues()[0].code, "not-supported");
  qr.set("questionnaire", codes::questionnaire("phq-9") + "|2.0.0");
  EXPECT_FALSE(assess(qr).ok());
  qr.set("questionnaire", codes::questionnaire("phq-9") + "|1.0.0");
  EXPECT_TRUE(assess(qr).ok());
  qr.set("status", "entered-in-error");
  EXPECT_FALSE(assess(qr).ok());
  qr.erase("status");
  EXPECT_FALSE(assess(qr).ok());
  // A short id is accepted in place of the canonical URL.
  qr.set("status", "completed");
  qr.set("questionnaire", "phq-9");
  EXPECT_TRUE(assess(qr).ok());
}

// --- The scales ---------------------------------------------------------------

struct Scored {
  int score;
  std::string band;
};

Scored scored(const Json& qr) {
  auto r = assess(qr);
  if (!r.ok()) {
    ADD_FAILURE() << dump(r.error());
    return {-1, ""};
  }
  if (r->findings.empty()) {
    ADD_FAILURE() << "no finding";
    return {-1, ""};
  }
  const Finding& f = r->findings[0];
  return {f.score.value_or(-1), f.interpretation ? f.interpretation->code : ""};
}

std::array<int, 9> phq9_with_total(int total) {
  std::array<int, 9> s{};
  for (std::size_t i = 0; i < 8 && total > 0; ++i) {  // item 9 stays 0
    s[i] = std::min(total, 3);
    total -= s[i];
  }
  return s;
}

TEST(Phq9, SeverityBands) {
  // Kroenke, Spitzer & Williams 2001: 5, 10, 15 and 20 are the lower bounds
  // of mild, moderate, moderately severe and severe.
  const std::map<int, std::string> expected = {{0, "phq9-minimale"},
                                               {4, "phq9-minimale"},
                                               {5, "phq9-legere"},
                                               {9, "phq9-legere"},
                                               {10, "phq9-moderee"},
                                               {14, "phq9-moderee"},
                                               {15, "phq9-moderement-severe"},
                                               {19, "phq9-moderement-severe"},
                                               {20, "phq9-severe"},
                                               {24, "phq9-severe"}};
  for (const auto& [total, band] : expected) {
    const Scored s = scored(response("phq-9", "completed", phq9_items(phq9_with_total(total))));
    EXPECT_EQ(s.score, total);
    EXPECT_EQ(s.band, band) << total;
  }
  const Scored max = scored(response("phq-9", "completed", phq9_items({3, 3, 3, 3, 3, 3, 3, 3, 3})));
  EXPECT_EQ(max.score, 27);
  EXPECT_EQ(max.band, "phq9-severe");
}

TEST(Phq9, Item9IsFlaggedWhateverTheTotal) {
  // "Kill the Clipboard" starter set (J. Mandel, 2026) sample answers
  // 1,2,1,2,1,1,0,0,1: total 9 (mild), item 9 "several days".
  auto r = assess(response("phq-9", "completed", phq9_items({1, 2, 1, 2, 1, 1, 0, 0, 1})));
  ASSERT_TRUE(r.ok()) << dump(r.error());
  ASSERT_EQ(r->findings.size(), 2u);
  EXPECT_EQ(r->findings[0].score, 9);
  EXPECT_EQ(r->findings[0].interpretation->code, "phq9-legere");
  EXPECT_NE(r->findings[0].note.find("item 9"), std::string::npos);
  EXPECT_EQ(r->findings[1].code.code, "44260-8");
  EXPECT_EQ(r->findings[1].value->code, "LA6569-3");
  EXPECT_EQ(r->findings[1].interpretation->code, "A");
  // Item 9 at 0: a single finding.
  r = assess(response("phq-9", "completed", phq9_items({3, 3, 3, 3, 3, 3, 3, 3, 0})));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->findings.size(), 1u);
}

std::vector<Json> zarit_items(int total) {
  static const char* kFreq[] = {"jamais", "rarement", "quelquefois", "assez-souvent",
                                "presque-tout-le-temps"};
  static const char* kIntensite[] = {"pas-du-tout", "un-peu", "moyennement", "beaucoup", "enormement"};
  std::vector<Json> items;
  for (int i = 1; i <= 22; ++i) {
    const int s = std::min(total, 4);
    total -= s;
    items.push_back(i < 22 ? coded("zarit-" + std::to_string(i), codes::kZaritFrequence, kFreq[s])
                           : coded("zarit-22", codes::kZaritIntensite, kIntensite[s]));
  }
  return items;
}

TEST(Zarit, BurdenBands) {
  // ≤ 20 absent or light, 21-40 light to moderate, 41-60 moderate to severe,
  // > 60 severe (cut-offs used with the French version of Hébert et al.).
  const std::map<int, std::string> expected = {{0, "zarit-absente-legere"},  {20, "zarit-absente-legere"},
                                               {21, "zarit-legere-moderee"}, {40, "zarit-legere-moderee"},
                                               {41, "zarit-moderee-severe"}, {60, "zarit-moderee-severe"},
                                               {61, "zarit-severe"},         {88, "zarit-severe"}};
  for (const auto& [total, band] : expected) {
    const Scored s = scored(response("zarit", "completed", zarit_items(total)));
    EXPECT_EQ(s.score, total);
    EXPECT_EQ(s.band, band) << total;
  }
  // Item 22 uses its own answer list: a frequency code is refused there.
  std::vector<Json> items = zarit_items(10);
  items[21] = coded("zarit-22", codes::kZaritFrequence, "jamais");
  EXPECT_FALSE(assess(response("zarit", "completed", std::move(items))).ok());
}

std::vector<Json> mna(const char* a, const char* b, const char* c, const char* d, const char* e,
                      const char* f1, const char* f2) {
  std::vector<Json> items;
  const char* ids[] = {"mna-a", "mna-b", "mna-c", "mna-d", "mna-e", "mna-f1", "mna-f2"};
  const char* v[] = {a, b, c, d, e, f1, f2};
  for (int i = 0; i < 7; ++i)
    if (v[i]) items.push_back(coded(ids[i], codes::kMnaSfReponse, v[i]));
  return items;
}

TEST(MnaSf, BandsAndTheCalfAlternative) {
  // Kaiser et al. 2009: 12-14 normal, 8-11 at risk, 0-7 malnourished.
  EXPECT_EQ(scored(response("mna-sf", "completed", mna("A2", "B3", "C2", "D2", "E2", "F1-3", nullptr))).score,
            14);
  Scored s = scored(response("mna-sf", "completed", mna("A2", "B3", "C2", "D2", "E2", "F1-1", nullptr)));
  EXPECT_EQ(s.score, 12);
  EXPECT_EQ(s.band, "mna-normal");
  s = scored(response("mna-sf", "completed", mna("A1", "B2", "C2", "D2", "E2", "F1-2", nullptr)));
  EXPECT_EQ(s.score, 11);
  EXPECT_EQ(s.band, "mna-risque");
  s = scored(response("mna-sf", "completed", mna("A1", "B1", "C1", "D2", "E1", "F1-2", nullptr)));
  EXPECT_EQ(s.score, 8);
  EXPECT_EQ(s.band, "mna-risque");
  s = scored(response("mna-sf", "completed", mna("A1", "B1", "C1", "D0", "E2", "F1-2", nullptr)));
  EXPECT_EQ(s.score, 7);
  EXPECT_EQ(s.band, "mna-denutrition");
  // Calf circumference ≥ 31 cm scores 3 when the BMI is unknown.
  s = scored(response("mna-sf", "completed", mna("A2", "B3", "C2", "D2", "E2", nullptr, "F2-3")));
  EXPECT_EQ(s.score, 14);
  // Neither F1 nor F2: incomplete.
  auto r = assess(response("mna-sf", "in-progress", mna("A2", "B3", "C2", "D2", "E2", nullptr, nullptr)));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->missing, (std::vector<std::string>{"mna-f1"}));
  // Both: F1 is scored, with a warning.
  r = assess(response("mna-sf", "completed", mna("A2", "B3", "C2", "D2", "E2", "F1-0", "F2-3")));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->findings[0].score, 11);
  EXPECT_EQ(r->warnings.size(), 1u);
}

std::vector<Json> yes_no_items(std::string_view prefix, const std::vector<std::string>& ids,
                               std::string_view answers) {
  std::vector<Json> items;
  for (std::size_t i = 0; i < ids.size(); ++i)
    items.push_back(boolean(std::string(prefix) + ids[i], answers[i] == 'o'));
  return items;
}

TEST(Isar, QuestionFourScoresOnNo) {
  const std::vector<std::string> ids = {"1", "2", "3", "4", "5", "6"};
  // All "no": question 4 ("voyez-vous bien ?" — no) gives 1 point.
  Scored s = scored(response("isar", "completed", yes_no_items("isar-", ids, "nnnnnn")));
  EXPECT_EQ(s.score, 1);
  EXPECT_EQ(s.band, "isar-risque-faible");
  // More help needed since the illness, sees well, more than three drugs:
  // questions 2 and 6 score, question 4 ("yes") does not: 2, the cut-off.
  s = scored(response("isar", "completed", yes_no_items("isar-", ids, "nonono")));
  EXPECT_EQ(s.score, 2);
  EXPECT_EQ(s.band, "isar-risque-eleve");
  s = scored(response("isar", "completed", yes_no_items("isar-", ids, "nnnonn")));
  EXPECT_EQ(s.score, 0);
  s = scored(response("isar", "completed", yes_no_items("isar-", ids, "ooonoo")));
  EXPECT_EQ(s.score, 6);
}

TEST(Katz, IndexBands) {
  auto katz = [](std::string_view deps) {
    const char* f[] = {"toilette",   "habillage",  "aller-aux-toilettes",
                       "transferts", "continence", "alimentation"};
    std::vector<Json> items;
    for (int i = 0; i < 6; ++i)
      items.push_back(coded(std::string("katz-") + f[i], codes::kKatzNiveau,
                            deps[static_cast<std::size_t>(i)] == 'd' ? "dependant" : "autonome"));
    return scored(response("katz-adl", "completed", std::move(items)));
  };
  // Hartford "Try This" #2: 6 full function, 4 moderate, ≤ 2 severe.
  EXPECT_EQ(katz("aaaaaa").band, "katz-autonome");
  EXPECT_EQ(katz("aaaaaa").score, 6);
  EXPECT_EQ(katz("daaaaa").band, "katz-dependance-moderee");
  EXPECT_EQ(katz("ddaaaa").band, "katz-dependance-moderee");
  EXPECT_EQ(katz("dddaaa").band, "katz-dependance-moderee");
  EXPECT_EQ(katz("ddddaa").band, "katz-dependance-severe");
  EXPECT_EQ(katz("dddddd").score, 0);
}

std::vector<Json> lawton(const char* sex, const char* convention, bool with_female_domains = true) {
  const auto s = codes::kLawtonReponse;
  std::vector<Json> items = {coded("lawton-sexe", codes::kAdministrativeGender, sex)};
  if (convention) items.push_back(coded("lawton-convention", codes::kLawtonConvention, convention));
  items.push_back(coded("lawton-telephone", s, "telephone-3"));  // 1: answers, does not dial
  items.push_back(coded("lawton-courses", s, "courses-2"));      // 0: small purchases only
  if (with_female_domains) {
    items.push_back(coded("lawton-repas", s, "repas-1"));    // 1
    items.push_back(coded("lawton-menage", s, "menage-4"));  // 1: needs help with all tasks
    items.push_back(coded("lawton-linge", s, "linge-3"));    // 0
  }
  items.push_back(coded("lawton-transports", s, "transports-4"));    // 0: taxi with assistance
  items.push_back(coded("lawton-medicaments", s, "medicaments-1"));  // 1
  items.push_back(coded("lawton-budget", s, "budget-2"));            // 1
  return items;
}

TEST(Lawton, SexSpecificConventionOf1969) {
  // Woman: eight domains, 1+0+1+1+0+0+1+1 = 5/8.
  auto r = assess(response("lawton-iadl", "completed", lawton("female", nullptr)));
  ASSERT_TRUE(r.ok()) << dump(r.error());
  EXPECT_EQ(r->findings[0].score, 5);
  EXPECT_EQ(r->findings[0].components[0].score, 8);
  EXPECT_EQ(r->findings[0].interpretation->code, "lawton-dependance");
  // Man, 1969 convention: food preparation, housekeeping, laundry not scored
  // (and not required): 1+0+0+1+1 = 3/5.
  r = assess(response("lawton-iadl", "completed", lawton("male", nullptr, false)));
  ASSERT_TRUE(r.ok()) << dump(r.error());
  EXPECT_EQ(r->findings[0].score, 3);
  EXPECT_EQ(r->findings[0].components[0].score, 5);
  // Same answers scored on eight domains when asked to.
  r = assess(response("lawton-iadl", "completed", lawton("male", "huit-domaines")));
  ASSERT_TRUE(r.ok()) << dump(r.error());
  EXPECT_EQ(r->findings[0].score, 5);
  EXPECT_EQ(r->findings[0].components[0].score, 8);
  // A woman's response without the three domains is incomplete.
  r = assess(response("lawton-iadl", "in-progress", lawton("female", nullptr, false)));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->missing, (std::vector<std::string>{"lawton-repas", "lawton-menage", "lawton-linge"}));
  // Full independence.
  const auto s = codes::kLawtonReponse;
  std::vector<Json> best = {coded("lawton-sexe", codes::kAdministrativeGender, "male"),
                            coded("lawton-telephone", s, "telephone-1"),
                            coded("lawton-courses", s, "courses-1"),
                            coded("lawton-transports", s, "transports-1"),
                            coded("lawton-medicaments", s, "medicaments-1"),
                            coded("lawton-budget", s, "budget-1")};
  const Scored sc = scored(response("lawton-iadl", "completed", std::move(best)));
  EXPECT_EQ(sc.score, 5);
  EXPECT_EQ(sc.band, "lawton-autonome");
}

TEST(Fried, Phenotype) {
  const std::vector<std::string> c = {"perte-de-poids", "epuisement", "force-prehension", "vitesse-marche",
                                      "activite-physique"};
  EXPECT_EQ(scored(response("fried", "completed", yes_no_items("fried-", c, "nnnnn"))).band, "fried-robuste");
  EXPECT_EQ(scored(response("fried", "completed", yes_no_items("fried-", c, "onnnn"))).band,
            "fried-pre-fragile");
  EXPECT_EQ(scored(response("fried", "completed", yes_no_items("fried-", c, "ononn"))).band,
            "fried-pre-fragile");
  const Scored s = scored(response("fried", "completed", yes_no_items("fried-", c, "ooonn")));
  EXPECT_EQ(s.score, 3);
  EXPECT_EQ(s.band, "fried-fragile");
}

TEST(Registry, EveryInstrumentIsFoundByUrlAndId) {
  ASSERT_EQ(instruments().size(), 8u);
  for (const Instrument* i : instruments()) {
    EXPECT_EQ(find_instrument(i->url()), i);
    EXPECT_EQ(find_instrument(i->id()), i);
    EXPECT_EQ(find_instrument(std::string(i->url()) + "|1.0.0"), i);
    EXPECT_EQ(i->url().substr(0, codes::kQuestionnaireBase.size()), codes::kQuestionnaireBase);
  }
  EXPECT_EQ(find_instrument("nope"), nullptr);
}

// --- Observations -------------------------------------------------------------

void expect_valid(const Json& resource) {
  const auto issues = fhir::validate_resource(resource);
  for (const Issue& i : issues)
    ADD_FAILURE() << i.diagnostics << " at " << i.expression << "\n" << resource.dump(true);
}

TEST(Observations, Phq9ScoreAndFlag) {
  Json qr = response("phq-9", "completed", phq9_items({1, 2, 1, 2, 1, 1, 0, 0, 1}));
  Json author = Json::object();
  author.set("reference", "Practitioner/gp-1");
  qr.set("author", std::move(author));
  auto a = assess(qr);
  ASSERT_TRUE(a.ok());
  auto obs = to_observations(*a, qr);
  ASSERT_TRUE(obs.ok()) << obs.error().message();
  ASSERT_EQ(obs->size(), 2u);
  const Json& o = (*obs)[0];
  expect_valid(o);
  expect_valid((*obs)[1]);
  EXPECT_EQ(o.get_string("status"), "final");
  EXPECT_EQ(o.find("code")->find("coding")->as_array()[0].get_string("code"), "44261-6");
  EXPECT_EQ(o.find("valueQuantity")->find("value")->number(), "9");
  EXPECT_EQ(o.find("valueQuantity")->get_string("code"), "{score}");
  EXPECT_EQ(o.find("interpretation")->as_array()[0].find("coding")->as_array()[0].get_string("code"),
            "phq9-legere");
  EXPECT_EQ(o.find("derivedFrom")->as_array()[0].get_string("reference"), "QuestionnaireResponse/qr-1");
  EXPECT_EQ(o.find("subject")->get_string("reference"), "Patient/p1");
  EXPECT_EQ(o.get_string("effectiveDateTime"), "2024-03-12T10:30:00+01:00");
  EXPECT_EQ(o.find("performer")->as_array()[0].get_string("reference"), "Practitioner/gp-1");
  EXPECT_EQ(o.find("category")->as_array()[0].find("coding")->as_array()[0].get_string("code"), "survey");
  EXPECT_EQ((*obs)[1].find("valueCodeableConcept")->find("coding")->as_array()[0].get_string("code"),
            "LA6569-3");
}

TEST(Observations, GirWithItsVariables) {
  Json qr = aggir_response("completed", "AABBAABAAA");
  auto a = assess(qr);
  ASSERT_TRUE(a.ok()) << dump(a.error());
  ObservationOptions options;
  options.derived_from = "urn:uuid:0b0e6c38-3c89-4a3f-9d3c-0e5cc4b6b001";
  auto obs = to_observations(*a, qr, options);
  ASSERT_TRUE(obs.ok());
  ASSERT_EQ(obs->size(), 1u);
  const Json& o = (*obs)[0];
  expect_valid(o);
  EXPECT_EQ(o.find("valueCodeableConcept")->find("coding")->as_array()[0].get_string("code"), "4");
  EXPECT_EQ(o.find("derivedFrom")->as_array()[0].get_string("reference"), options.derived_from);
  const auto& comps = o.find("component")->as_array();
  ASSERT_EQ(comps.size(), 11u);
  EXPECT_EQ(comps[2].find("valueCodeableConcept")->find("coding")->as_array()[0].get_string("code"), "B");
  EXPECT_EQ(comps[10].find("valueInteger")->number(), "11");
}

TEST(Observations, CarerResponsesNeedThePatient) {
  // The Zarit interview is about the carer (RelatedPerson): an Observation's
  // subject cannot be a RelatedPerson, so the care recipient must be given
  // and the carer becomes the focus.
  Json qr = response("zarit", "completed", zarit_items(45));
  Json carer = Json::object();
  carer.set("reference", "RelatedPerson/aidante-1");
  qr.set("subject", carer);
  auto a = assess(qr);
  ASSERT_TRUE(a.ok());
  auto refused = to_observations(*a, qr);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().issues()[0].code, "business-rule");
  ObservationOptions options;
  Json patient = Json::object();
  patient.set("reference", "Patient/p1");
  options.subject = patient;
  auto obs = to_observations(*a, qr, options);
  ASSERT_TRUE(obs.ok()) << obs.error().message();
  const Json& o = (*obs)[0];
  expect_valid(o);
  EXPECT_EQ(o.find("subject")->get_string("reference"), "Patient/p1");
  EXPECT_EQ(o.find("focus")->as_array()[0].get_string("reference"), "RelatedPerson/aidante-1");
  EXPECT_EQ(o.find("interpretation")->as_array()[0].find("coding")->as_array()[0].get_string("code"),
            "zarit-moderee-severe");
}

TEST(Observations, PreliminaryAndIncomplete) {
  Json qr = response("phq-9", "in-progress", phq9_items({0, 0, 0, 0, 0, 0, 0, 0, 0}));
  auto a = assess(qr);
  ASSERT_TRUE(a.ok());
  auto obs = to_observations(*a, qr);
  ASSERT_TRUE(obs.ok());
  EXPECT_EQ((*obs)[0].get_string("status"), "preliminary");

  Json partial = response("phq-9", "in-progress", {coded("phq9-1", codes::kLoinc, "LA6568-5")});
  a = assess(partial);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->missing.size(), 8u);
  auto none = to_observations(*a, partial);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message().find("phq9-9"), std::string::npos);

  // No id and no explicit reference for derivedFrom.
  Json anonymous = qr;
  anonymous.erase("id");
  a = assess(anonymous);
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(to_observations(*a, anonymous).ok());
  // No date.
  Json undated = qr;
  undated.erase("authored");
  EXPECT_FALSE(to_observations(*a, undated).ok());
}

}  // namespace
}  // namespace parcours::coordination
