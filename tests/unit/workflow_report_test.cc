// The activity report's pure parts: the statistics (medians, means,
// percentages, rounding, decimal commas), its codes against the shipped
// CodeSystem, and its two renderings (MeasureReport, CSV). The report's
// figures on real data are checked end to end in
// tests/integration/report_test.cc.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "coordination/workflow/codes.h"
#include "coordination/workflow/report.h"
#include "coordination/workflow/report_output.h"
#include "coordination/workflow/statistics.h"
#include "fhir/json.h"
#include "fhir/validator.h"
#include "support/content.h"

namespace parcours::coordination {
namespace {

using stats::Fixed;

constexpr std::int64_t kDay = 86'400;

TEST(ReportStatistics, RatiosRoundHalfAwayFromZero) {
  EXPECT_EQ(stats::ratio(1, 8, 2), (Fixed{13, 2})) << "0.125 -> 0.13";
  EXPECT_EQ(stats::ratio(-1, 8, 2), (Fixed{-13, 2})) << "-0.125 -> -0.13";
  EXPECT_EQ(stats::ratio(2, 3, 1), (Fixed{7, 1}));
  EXPECT_EQ(stats::ratio(1, 3, 1), (Fixed{3, 1}));
  EXPECT_EQ(stats::ratio(5, 2, 0), (Fixed{3, 0})) << "2.5 -> 3";
  EXPECT_EQ(stats::ratio(0, 7, 1), (Fixed{0, 1}));
  // Seconds to days: 1.5 days and a second is still 1.5.
  EXPECT_EQ(stats::ratio(kDay * 3 / 2 + 1, kDay, 1), (Fixed{15, 1}));
}

TEST(ReportStatistics, PercentagesOfNothingAreNotZero) {
  EXPECT_EQ(stats::percent(0, 0), std::nullopt);
  EXPECT_EQ(stats::percent(1, 3), (Fixed{333, 1}));
  EXPECT_EQ(stats::percent(2, 3), (Fixed{667, 1}));
  EXPECT_EQ(stats::percent(5, 6), (Fixed{833, 1}));
  EXPECT_EQ(stats::percent(0, 4), (Fixed{0, 1}));
  EXPECT_EQ(stats::percent(7, 4), (Fixed{1000, 1})) << "capped at 100 %";
}

TEST(ReportStatistics, MedianOfOddAndEvenCounts) {
  EXPECT_EQ(stats::median({}, kDay, 1), std::nullopt);
  EXPECT_EQ(stats::median({5 * kDay}, kDay, 1), (Fixed{50, 1}));
  EXPECT_EQ(stats::median({10 * kDay, 0, 2 * kDay}, kDay, 1), (Fixed{20, 1})) << "sorted first";
  EXPECT_EQ(stats::median({1 * kDay, 4 * kDay, 2 * kDay, 8 * kDay}, kDay, 1), (Fixed{30, 1}))
      << "even: the mean of 2 and 4";
  EXPECT_EQ(stats::median({0, 1 * kDay}, kDay, 1), (Fixed{5, 1}));
  EXPECT_EQ(stats::median({0, 1 * kDay}, kDay, 0), (Fixed{1, 0})) << "0.5 rounds away from zero";
}

TEST(ReportStatistics, Mean) {
  EXPECT_EQ(stats::mean({}, kDay, 1), std::nullopt);
  EXPECT_EQ(stats::mean({12 * kDay, 4 * kDay, 1 * kDay}, kDay, 1), (Fixed{57, 1})) << "17/3 = 5.67";
  EXPECT_EQ(stats::mean({0, 2 * kDay, 10 * kDay}, kDay, 1), (Fixed{40, 1}));
}

TEST(ReportStatistics, DecimalPointOrComma) {
  EXPECT_EQ(stats::format(Fixed{667, 1}), "66.7");
  EXPECT_EQ(stats::format(Fixed{667, 1}, ','), "66,7");
  EXPECT_EQ(stats::format(Fixed{5, 2}), "0.05");
  EXPECT_EQ(stats::format(Fixed{23700, 2}, ','), "237,00");
  EXPECT_EQ(stats::format(Fixed{-5, 1}), "-0.5");
  EXPECT_EQ(stats::format(Fixed{3, 0}), "3");
  EXPECT_EQ(stats::format(Fixed{0, 1}), "0.0");
}

TEST(ReportCodes, EveryIndicatorAndBreakdownIsDefined) {
  Json cs = testing::shipped_json("coordination", "CodeSystem-indicateur-activite.json");
  EXPECT_EQ(cs.get_string("url"), codes::kActivityIndicator);
  std::map<std::string, std::pair<std::string, std::string>> defined;  // code -> (display, nature)
  for (const Json& c : cs.find("concept")->as_array()) {
    std::string nature;
    for (const Json& p : c.find("property")->as_array())
      if (p.get_string("code") == "nature") nature = std::string(p.get_string("valueCode"));
    defined[std::string(c.get_string("code"))] = {std::string(c.get_string("display")), nature};
  }
  std::size_t n = 0;
  for (const auto& [list, nature] :
       {std::pair{&indicator_codes(), "indicateur"}, std::pair{&breakdown_codes(), "ventilation"}})
    for (const auto& c : *list) {
      ++n;
      auto at = defined.find(std::string(c.code));
      ASSERT_NE(at, defined.end()) << c.code;
      EXPECT_EQ(at->second.first, c.display) << c.code;
      EXPECT_EQ(at->second.second, nature) << c.code;
    }
  EXPECT_EQ(n, defined.size()) << "the CodeSystem defines nothing the report does not use";
}

// A small report built by hand: one of each kind.
ActivityReport sample() {
  ActivityReport r;
  r.organization = "dac-a";
  r.start = *store::parse_instant("2026-01-01");
  r.end = *store::parse_instant("2026-04-01");  // the last day is 31 March
  Indicator count{"file-active", "File active", Scoring::Count, Unit::Dossiers, {}, "niveau", {}};
  count.figures = Figures{Fixed{3, 0}, 3, 0, 0};
  count.strata.push_back(Stratum{std::string(codes::kIntensity), "coordination-simple", "Coordination simple",
                                 Figures{Fixed{3, 0}, 3, 0, 0}, ""});
  r.indicators.push_back(count);
  Indicator share{"pps-valides",
                  "PPS validés par le médecin traitant",
                  Scoring::Proportion,
                  Unit::Percent,
                  Figures{Fixed{667, 1}, 0, 2, 3},
                  {},
                  {}};
  r.indicators.push_back(share);
  Indicator delay{"delai-inclusion-median",
                  "Délai médian demande → inclusion",
                  Scoring::Continuous,
                  Unit::Days,
                  Figures{Fixed{25, 1}, 0, 0, 0},
                  {},
                  {}};
  delay.figures.count = 4;
  r.indicators.push_back(delay);
  Indicator none{"delai-pps-valide-moyen",
                 "Délai moyen demande → PPS validé",
                 Scoring::Continuous,
                 Unit::Days,
                 Figures{},
                 {},
                 {}};
  r.indicators.push_back(none);
  Indicator closures{
      "clotures",      "Clôtures", Scoring::Count, Unit::Dossiers, Figures{Fixed{2, 0}, 2, 0, 0},
      "motif-cloture", {}};
  closures.strata.push_back(Stratum{"", "=HYPERLINK(\"x\";\"y\")", "", Figures{Fixed{1, 0}, 1, 0, 0}, ""});
  closures.strata.push_back(Stratum{"", "non-renseigne", "Non renseigné", Figures{Fixed{1, 0}, 1, 0, 0}, ""});
  r.indicators.push_back(closures);
  Indicator tariff{"tarif", "Tarif appliqué", Scoring::Value, Unit::Euros, Figures{}, "niveau", {}};
  tariff.strata.push_back(Stratum{std::string(codes::kIntensity), "coordination-simple",
                                  "Coordination simple", Figures{Fixed{8000, 2}, 0, 0, 0},
                                  "paramètre tariff-coordination-simple"});
  r.indicators.push_back(tariff);
  Indicator amount{
      "montant-du", "Montant dû", Scoring::Amount, Unit::Euros, Figures{Fixed{24000, 2}, 3, 0, 0}, {}, {}};
  r.indicators.push_back(amount);
  return r;
}

TEST(ReportOutput, CsvForFrenchSpreadsheets) {
  std::string csv = to_csv(sample());
  EXPECT_EQ(csv.substr(0, 3), "\xEF\xBB\xBF") << "UTF-8 byte order mark, for Excel";
  std::vector<std::string> lines;
  std::size_t at = 3;
  while (at < csv.size()) {
    auto crlf = csv.find("\r\n", at);
    ASSERT_NE(crlf, std::string::npos) << "every line ends with CRLF";
    lines.push_back(csv.substr(at, crlf - at));
    at = crlf + 2;
  }
  std::vector<std::string> expected = {
      "indicateur;strate;valeur;unite;numerateur;denominateur",
      "file-active;;3;dossiers;;",
      "file-active;coordination-simple;3;dossiers;;",
      "pps-valides;;66,7;%;2;3",
      "delai-inclusion-median;;2,5;jours;;4",
      "delai-pps-valide-moyen;;;jours;;0",
      "clotures;;2;dossiers;;",
      "clotures;\"'=HYPERLINK(\"\"x\"\";\"\"y\"\")\";1;dossiers;;",
      "clotures;non-renseigne;1;dossiers;;",
      "tarif;;;€;;",
      "tarif;coordination-simple;80,00;€;;",
      "montant-du;;240,00;€;;",
  };
  EXPECT_EQ(lines, expected);
}

TEST(ReportOutput, MeasureReportIsValidR4) {
  Json mr = to_measure_report(sample(), *store::parse_instant("2026-04-02T08:00:00Z"));
  auto issues = fhir::validate_resource(mr);
  EXPECT_TRUE(issues.empty()) << (issues.empty() ? "" : issues.front().diagnostics) << "\n" << mr.dump(true);
  EXPECT_EQ(mr.get_string("status"), "complete");
  EXPECT_EQ(mr.get_string("type"), "summary");
  EXPECT_EQ(mr.get_string("measure"), codes::kActivityMeasure);
  EXPECT_EQ(mr.find("reporter")->get_string("reference"), "Organization/dac-a");
  EXPECT_EQ(mr.find("period")->get_string("start"), "2026-01-01");
  EXPECT_EQ(mr.find("period")->get_string("end"), "2026-03-31") << "the last day, included";
  const auto& groups = mr.find("group")->as_array();
  ASSERT_EQ(groups.size(), 7u);
  // A proportion: numerator and denominator, a score in %.
  const Json& share = groups[1];
  EXPECT_EQ(share.find("measureScore")->dump(),
            R"({"value":66.7,"unit":"%","system":"http://unitsofmeasure.org","code":"%"})");
  EXPECT_EQ(
      share.find("population")->dump(),
      R"([{"code":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/measure-population",)"
      R"("code":"numerator"}]},"count":2},{"code":{"coding":[{"system":)"
      R"("http://terminology.hl7.org/CodeSystem/measure-population","code":"denominator"}]},"count":3}])");
  // Nothing measured: no score, the population says 0.
  EXPECT_EQ(groups[3].find("measureScore"), nullptr);
  // Money is a MoneyQuantity; the tariff says where it comes from.
  EXPECT_EQ(groups[6].find("measureScore")->dump(),
            R"({"value":240.00,"unit":"€","system":"urn:iso:std:iso:4217","code":"EUR"})");
  const Json& tariff = groups[5].find("stratifier")->as_array()[0].find("stratum")->as_array()[0];
  EXPECT_EQ(tariff.find("extension")->as_array()[0].get_string("valueString"),
            "paramètre tariff-coordination-simple");
  EXPECT_EQ(tariff.find("population"), nullptr);
  // Strata: a coding when there is one, else the text.
  const Json& level = groups[0].find("stratifier")->as_array()[0];
  EXPECT_EQ(level.find("code")->as_array()[0].find("coding")->as_array()[0].get_string("code"), "niveau");
  EXPECT_EQ(
      level.find("stratum")->as_array()[0].find("value")->find("coding")->as_array()[0].get_string("code"),
      "coordination-simple");
  const Json& reason = groups[4].find("stratifier")->as_array()[0].find("stratum")->as_array()[1];
  EXPECT_EQ(reason.find("value")->get_string("text"), "Non renseigné");
}

}  // namespace
}  // namespace parcours::coordination
