#include "coordination/workflow/report_output.h"

#include "coordination/workflow/codes.h"
#include "fhir/values.h"

namespace parcours::coordination {

namespace {

using fhir::coding;
using fhir::concept_of;

constexpr std::string_view kPopulation = "http://terminology.hl7.org/CodeSystem/measure-population";
constexpr std::string_view kUcum = "http://unitsofmeasure.org";
constexpr std::string_view kCurrency = "urn:iso:std:iso:4217";

struct UnitOf {
  std::string_view label;  // Quantity.unit and the CSV's "unite": French
  std::string_view system;
  std::string_view code;
};

// UCUM for counts uses annotations ({dossier} is 1, named), for durations
// "d"; money is R4 MoneyQuantity (datatypes.html#MoneyQuantity).
UnitOf unit_of(Unit u) {
  switch (u) {
    case Unit::Dossiers:
      return {"dossiers", kUcum, "{dossier}"};
    case Unit::DossiersPerManager:
      return {"dossiers par gestionnaire", kUcum, "{dossier}/{gestionnaire}"};
    case Unit::Plans:
      return {"PPS", kUcum, "{pps}"};
    case Unit::Messages:
      return {"retours", kUcum, "{retour}"};
    case Unit::Tasks:
      return {"tâches", kUcum, "{tache}"};
    case Unit::Percent:
      return {"%", kUcum, "%"};
    case Unit::Days:
      return {"jours", kUcum, "d"};
    case Unit::Euros:
      return {"€", kCurrency, "EUR"};
  }
  return {};
}

Json population(std::string_view code, std::int64_t count) {
  Json p = Json::object();
  p.set("code", concept_of(coding(kPopulation, code, "")));
  p.set("count", count);
  return p;
}

Json populations(Scoring s, const Figures& f) {
  Json out = Json::array();
  switch (s) {
    case Scoring::Count:
    case Scoring::Amount:
      out.push_back(population("initial-population", f.count));
      break;
    case Scoring::Proportion:
    case Scoring::Ratio:
      out.push_back(population("numerator", f.numerator));
      out.push_back(population("denominator", f.denominator));
      break;
    case Scoring::Continuous:
      out.push_back(population("measure-population", f.count));
      break;
    case Scoring::Value:
      break;
  }
  return out;
}

// Population and score of a group or a stratum.
void set_figures(Json& target, const Indicator& i, const Figures& f) {
  if (Json p = populations(i.scoring, f); !p.as_array().empty()) target.set("population", std::move(p));
  if (!f.score) return;
  const UnitOf u = unit_of(i.unit);
  Json q = Json::object();
  q.set("value", Json::number_text(stats::format(*f.score)));
  q.set("unit", u.label);
  q.set("system", u.system);
  q.set("code", u.code);
  target.set("measureScore", std::move(q));
}

Json stratum_value(const Stratum& s) {
  if (!s.system.empty()) return concept_of(coding(s.system, s.code, s.display));
  Json cc = Json::object();
  cc.set("text", s.display.empty() ? s.code : s.display);
  return cc;
}

std::string date_of(store::Micros t) { return store::format_instant(t).substr(0, 10); }

// --- CSV ---------------------------------------------------------------------
// French spreadsheets (Excel, LibreOffice in a French locale) split on ';'
// because ',' is their decimal separator: values use the decimal comma so
// that they are read as numbers. UTF-8 with a byte order mark (without it,
// Excel reads UTF-8 as Windows-1252), CRLF line ends (RFC 4180).

// A text cell: quoted when it holds a separator, a quote or a line end, and
// neutralised when a spreadsheet would take it for a formula (OWASP "CSV
// injection": a closure reason code is free client text).
std::string text_cell(std::string_view s) {
  std::string v(s);
  if (!v.empty() &&
      (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' || v[0] == '\r'))
    v.insert(v.begin(), '\'');
  if (v.find_first_of(";\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

void csv_row(std::string& out, const Indicator& i, std::string_view stratum, const Figures& f) {
  out += text_cell(i.code);
  out += ';';
  out += text_cell(stratum);
  out += ';';
  if (f.score) out += stats::format(*f.score, ',');
  out += ';';
  out += text_cell(unit_of(i.unit).label);
  out += ';';
  switch (i.scoring) {
    case Scoring::Proportion:
    case Scoring::Ratio:
      out += std::to_string(f.numerator) + ";" + std::to_string(f.denominator);
      break;
    case Scoring::Continuous:  // the mean's denominator: the dossiers measured
      out += ";" + std::to_string(f.count);
      break;
    default:
      out += ';';
  }
  out += "\r\n";
}

}  // namespace

Json to_measure_report(const ActivityReport& report, store::Micros now) {
  Json mr = Json::object();
  mr.set("resourceType", "MeasureReport");
  mr.set("status", "complete");
  mr.set("type", "summary");
  mr.set("measure", codes::kActivityMeasure);
  mr.set("date", store::format_instant(now));
  Json reporter = Json::object();
  reporter.set("reference", "Organization/" + report.organization);
  mr.set("reporter", std::move(reporter));
  Json period = Json::object();
  period.set("start", date_of(report.start));
  period.set("end", date_of(report.end - 1));
  mr.set("period", std::move(period));
  Json groups = Json::array();
  for (const auto& i : report.indicators) {
    Json g = Json::object();
    g.set("code", concept_of(coding(codes::kActivityIndicator, i.code, i.display)));
    set_figures(g, i, i.figures);
    if (!i.stratifier.empty()) {
      std::string_view label;
      for (const auto& b : breakdown_codes())
        if (b.code == i.stratifier) label = b.display;
      Json st = Json::object();
      st.set("code", Json::Array{concept_of(coding(codes::kActivityIndicator, i.stratifier, label))});
      Json strata = Json::array();
      for (const auto& s : i.strata) {
        Json x = Json::object();
        if (!s.source.empty()) {
          Json ext = Json::object();
          ext.set("url", codes::kTariffSourceExt);
          ext.set("valueString", s.source);
          x.set("extension", Json::Array{std::move(ext)});
        }
        x.set("value", stratum_value(s));
        set_figures(x, i, s.figures);
        strata.push_back(std::move(x));
      }
      if (!strata.as_array().empty()) st.set("stratum", std::move(strata));
      g.set("stratifier", Json::Array{std::move(st)});
    }
    groups.push_back(std::move(g));
  }
  mr.set("group", std::move(groups));
  return mr;
}

std::string to_csv(const ActivityReport& report) {
  std::string out = "\xEF\xBB\xBF";
  out += "indicateur;strate;valeur;unite;numerateur;denominateur\r\n";
  for (const auto& i : report.indicators) {
    csv_row(out, i, "", i.figures);
    for (const auto& s : i.strata) csv_row(out, i, s.code, s.figures);
  }
  return out;
}

}  // namespace parcours::coordination
