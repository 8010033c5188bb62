// The activity report (report.h) as the API sends it: a FHIR MeasureReport
// or a CSV file for spreadsheets. Pure functions.
#pragma once

#include <string>

#include "coordination/workflow/report.h"
#include "fhir/json.h"

namespace parcours::coordination {

// R4 MeasureReport (measurereport.html): status complete, type summary,
// measure codes::kActivityMeasure, reporter the structure (R4's `subject`
// cannot be an Organization), the period as dates (end inclusive), date
// `now`; one group per indicator, code from CodeSystem indicateur-activite,
// populations from measure-population, measureScore a Quantity (UCUM units;
// amounts as R4 MoneyQuantity: system urn:iso:std:iso:4217, code EUR, since
// UCUM has no currency), one stratifier for the breakdowns.
Json to_measure_report(const ActivityReport& report, store::Micros now);

// One header line then one row per indicator and per stratum:
// indicateur;strate;valeur;unite;numerateur;denominateur
// (see report_output.cc for the conventions of French spreadsheets).
std::string to_csv(const ActivityReport& report);

}  // namespace parcours::coordination
