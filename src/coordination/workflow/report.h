// The activity report of a coordination structure over a period: what
// funders ask a DAC for (seed 003 [325]-[345]: file active, patients per case
// manager, length of follow-up, PPS produced and validated by the GP,
// feedback sent, delays) and the amount due per intensity level ([262]-[264]:
// two or three national tariffs set by complexity). Aggregates only, computed from the
// FHIR resources the workflow keeps (docs/coordination.md, "Activity
// report", says what each indicator counts and from which fields).
//
// Pure reads through store::Reader (search engine and reads, no SQL, no
// access policy: the caller decides who may see the aggregates). The API
// renders it as a MeasureReport or a CSV file (report_output.h).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "coordination/workflow/statistics.h"
#include "store/store.h"

namespace parcours::coordination {

// How an indicator is measured (R4 measure-scoring), which decides its
// MeasureReport populations (measure-population codes): a count
// (initial-population), a proportion (numerator / denominator), a ratio
// (numerator / denominator of another kind), a continuous variable
// (measure-population: the dossiers measured), an amount (initial-population:
// the dossiers billed), a value the report used (a tariff: no population).
enum class Scoring { Count, Proportion, Ratio, Continuous, Amount, Value };

enum class Unit { Dossiers, DossiersPerManager, Plans, Messages, Tasks, Percent, Days, Euros };

struct Figures {
  std::optional<stats::Fixed> score;  // nullopt: nothing to measure
  std::int64_t count = 0;             // count, continuous, amount: the population
  std::int64_t numerator = 0;         // proportion, ratio
  std::int64_t denominator = 0;       // proportion, ratio
};

struct Stratum {
  std::string system;  // of the value's coding; '' when `code` is a reference or a local label
  std::string code;
  std::string display;
  Figures figures;
  std::string source;  // "tarif" only: where the tariff comes from (French)
};

struct Indicator {
  std::string_view code;  // CodeSystem indicateur-activite
  std::string_view display;
  Scoring scoring = Scoring::Count;
  Unit unit = Unit::Dossiers;
  Figures figures;
  std::string_view stratifier;  // '' none; else a "ventilation" code of indicateur-activite
  std::vector<Stratum> strata;
};

struct ActivityReport {
  std::string organization;          // the structure's id
  store::Micros start = 0, end = 0;  // the period, [start, end)
  std::vector<Indicator> indicators;

  const Indicator* find(std::string_view code) const;
};

// The codes and French displays of the indicators and breakdowns, in report
// order (the shipped CodeSystem indicateur-activite defines them; a unit
// test keeps both in step).
struct IndicatorCode {
  std::string_view code;
  std::string_view display;
};
const std::vector<IndicatorCode>& indicator_codes();
const std::vector<IndicatorCode>& breakdown_codes();

// An intensity level of CodeSystem niveau-coordination, as stored.
struct Level {
  std::string code;
  std::string display;
  std::optional<std::int64_t> observed_cost_cents;  // property cout-observe-euros
};
// In the CodeSystem's order; empty when the CodeSystem is not stored.
Result<std::vector<Level>> intensity_levels(store::Reader& reader);

// Tariffs the caller sets, in euro cents per included dossier, by level code;
// the others are the observed costs of the CodeSystem.
using Tariffs = std::map<std::string, std::int64_t, std::less<>>;

// The report of Organization/`organization_id` over [period_start,
// period_end). REQUIRES: period_start < period_end. Reads every dossier of
// the structure once (paged), then the resources of the patients of the
// dossiers that overlap the period.
Result<ActivityReport> activity_report(store::Reader& reader, std::string_view organization_id,
                                       store::Micros period_start, store::Micros period_end,
                                       const Tariffs& overrides = {});

}  // namespace parcours::coordination
