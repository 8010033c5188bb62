// FHIRPath engine: operators and their empty/collection semantics,
// three-valued logic, dates of different precisions, quantities with UCUM
// units, the FHIR model (choice elements, primitive extensions, resolve()),
// static and run-time errors, every R4 search parameter over the official
// examples, robustness (mutated expressions, deep nesting, catastrophic
// regexes) and the `parcours fhirpath` CLI.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fhir/definitions.h"
#include "fhir/json.h"
#include "fhirpath/fhirpath.h"

namespace parcours::fhirpath {
namespace {

namespace fs = std::filesystem;

Json parse(std::string_view text) {
  auto j = parse_json(text);
  EXPECT_TRUE(j.ok()) << text;
  return j.ok() ? std::move(*j) : Json();
}

const Json& patient() {
  static const Json p = parse(R"({
    "resourceType": "Patient", "id": "p1", "active": true,
    "name": [
      {"use": "official", "family": "Martin", "given": ["Éloïse", "Anne"]},
      {"use": "usual", "given": ["Lou"], "_given": [{"extension": [{"url": "http://x/nick", "valueString": "short"}]}]},
      {"use": "maiden", "given": [null, "Claire"], "_given": [{"id": "g0", "extension": [{"url": "http://x/syllables", "valueInteger": 2}]}]}
    ],
    "gender": "female",
    "birthDate": "1974-12-25",
    "_birthDate": {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/patient-birthTime",
                                  "valueDateTime": "1974-12-25T14:35:45-05:00"}]},
    "telecom": [{"system": "phone", "value": "0320000000", "use": "home"},
                {"system": "email", "value": "e@example.org"}],
    "deceasedBoolean": false,
    "multipleBirthInteger": 2,
    "contained": [{"resourceType": "Organization", "id": "org1", "name": "Cabinet"}],
    "managingOrganization": {"reference": "#org1"},
    "generalPractitioner": [{"reference": "Practitioner/dr1"}]
  })");
  return p;
}

const Json& observation() {
  static const Json o = parse(R"({
    "resourceType": "Observation", "id": "o1", "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "4548-4"}]},
    "subject": {"reference": "Patient/p1"},
    "effectiveDateTime": "2024-03-05T10:30:00+01:00",
    "valueQuantity": {"value": 7.20, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"},
    "component": [
      {"code": {"text": "systolic"}, "valueQuantity": {"value": 120, "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}},
      {"code": {"text": "note"}, "valueString": "ok"}
    ]
  })");
  return o;
}

struct Outcome {
  bool compiled = false;
  bool ok = false;
  std::string json;  // the result as the CLI prints it (with types)
  std::string error;
};

Outcome run(std::string_view expr, const Json* input = nullptr, const Environment& env = {},
            CompileOptions options = {}) {
  Outcome o;
  auto e = compile(expr, options);
  if (!e) {
    o.error = e.error().message();
    return o;
  }
  o.compiled = true;
  auto r = evaluate(**e, input, env);
  if (!r) {
    o.error = r.error().message();
    return o;
  }
  o.ok = true;
  Json arr = Json::array();
  for (const Item& it : *r) arr.push_back(to_json(it, true));
  o.json = arr.dump();
  return o;
}

// The result printed without types: "[true]", "[]", "[\"a\",1]".
std::string eval(std::string_view expr, const Json* input = nullptr, const Environment& env = {}) {
  auto e = compile(expr);
  if (!e) return "compile error: " + e.error().message();
  auto r = evaluate(**e, input, env);
  if (!r) return "error: " + r.error().message();
  Json arr = Json::array();
  for (const Item& it : *r) arr.push_back(to_json(it, false));
  return arr.dump();
}

std::string on_patient(std::string_view expr) { return eval(expr, &patient()); }
std::string on_observation(std::string_view expr) { return eval(expr, &observation()); }

// --- Operators, empty propagation, three-valued logic -------------------------

TEST(FhirpathOperators, EmptyOperandsGiveEmpty) {
  for (const char* e : {"{} = 1", "1 = {}", "{} != {}", "{} < 1", "1 > {}", "1 + {}", "{} - 1", "{} * 2",
                        "2 / {}", "{} div 2", "{} mod 2", "-{}", "{} in (1 | 2)", "(1 | 2) contains {}"})
    EXPECT_EQ(eval(e), "[]") << e;
  EXPECT_EQ(eval("{} ~ {}"), "[true]");
  EXPECT_EQ(eval("1 ~ {}"), "[false]");
  EXPECT_EQ(eval("{} !~ 1"), "[true]");
  EXPECT_EQ(eval("'a' & {}"), "[\"a\"]");
  EXPECT_EQ(eval("{} & {}"), "[\"\"]");
  EXPECT_EQ(eval("1 in {}"), "[false]");
}

TEST(FhirpathOperators, ThreeValuedLogic) {
  struct Row {
    const char* expr;
    const char* want;
  };
  const Row rows[] = {
      {"true and {}", "[]"},        {"false and {}", "[false]"},
      {"{} and false", "[false]"},  {"{} and {}", "[]"},
      {"true or {}", "[true]"},     {"false or {}", "[]"},
      {"{} or true", "[true]"},     {"true xor {}", "[]"},
      {"true xor false", "[true]"}, {"{} implies true", "[true]"},
      {"{} implies false", "[]"},   {"false implies {}", "[true]"},
      {"true implies {}", "[]"},    {"(1 | 2).exists() and 'x'", "[true]"},
  };
  for (const Row& r : rows) EXPECT_EQ(eval(r.expr), r.want) << r.expr;
}

TEST(FhirpathOperators, CollectionEqualityAndEquivalence) {
  EXPECT_EQ(eval("(1 | 2) = (1 | 2)"), "[true]");
  EXPECT_EQ(eval("(1 | 2) = (2 | 1)"), "[false]");
  EXPECT_EQ(eval("(1 | 2) ~ (2 | 1)"), "[true]");
  EXPECT_EQ(eval("(1 | 2 | 3) = (1 | 2)"), "[false]");
  EXPECT_EQ(eval("'Hello  World' ~ ' hello world'"), "[true]");
  EXPECT_EQ(eval("1.10 = 1.1"), "[true]");
  EXPECT_EQ(eval("1.2 / 1.8 ~ 0.67"), "[true]");
  EXPECT_EQ(eval("(1 | 1 | 2).count()"), "[2]");
  EXPECT_EQ(eval("1.combine(1).count()"), "[2]");
}

TEST(FhirpathOperators, ArithmeticKeepsDecimalText) {
  EXPECT_EQ(eval("1.0 + 2.50"), "[3.50]");
  EXPECT_EQ(eval("1.2 * 1.8"), "[2.16]");
  EXPECT_EQ(eval("1 / 2"), "[0.5]");
  EXPECT_EQ(eval("1 / 3"), "[0.33333333]");
  EXPECT_EQ(eval("7 div 2"), "[3]");
  EXPECT_EQ(eval("-7 mod 3"), "[-1]");
  EXPECT_EQ(eval("2.2 mod 1.8"), "[0.4]");
  EXPECT_EQ(eval("1 / 0"), "[]");
  EXPECT_EQ(eval("9223372036854775807 + 1"), "[]");  // overflow: empty (N1 §6.6)
  EXPECT_EQ(eval("0.1 + 0.2 = 0.3"), "[true]");
  EXPECT_EQ(eval("'a' + 'b'"), "[\"ab\"]");
  EXPECT_EQ(on_observation("Observation.value.value"), "[7.20]");
}

// --- Dates and times ------------------------------------------------------------

TEST(FhirpathDates, DifferentPrecisionsCompareToEmpty) {
  EXPECT_EQ(eval("@2018-03 < @2018-03-01"), "[]");
  EXPECT_EQ(eval("@2018-03-01T10:30 = @2018-03-01T10:30:00"), "[]");
  EXPECT_EQ(eval("@2018-02 < @2018-03-01"), "[true]");  // decided before the precisions differ
  EXPECT_EQ(eval("@2012-04-15T15:30:31 = @2012-04-15T15:30:31.0"), "[true]");
  EXPECT_EQ(eval("@2012-04-15 ~ @2012-04-15T10:00:00"), "[false]");
  EXPECT_EQ(eval("@2012-04-15T15:00:00+02:00 = @2012-04-15T16:00:00+03:00"), "[true]");
  EXPECT_EQ(eval("@2012-04-15T15:00:00Z = @2012-04-15T10:00:00"), "[]");
  EXPECT_EQ(on_patient("Patient.birthDate < @1975"), "[true]");
  EXPECT_EQ(on_patient("Patient.birthDate = @1974-12-25T10:00:00Z"), "[]");
  EXPECT_EQ(on_observation("Observation.effective > @2024-03-05T09:00:00Z"), "[true]");
}

TEST(FhirpathDates, CalendarArithmetic) {
  EXPECT_EQ(eval("@2024-01-31 + 1 month"), "[\"2024-02-29\"]");
  EXPECT_EQ(eval("@2023-12-25 + 1 week"), "[\"2024-01-01\"]");
  EXPECT_EQ(eval("@2024-03-05T23:30:00+01:00 + 45 minutes"), "[\"2024-03-06T00:15:00+01:00\"]");
  EXPECT_EQ(eval("@2024-03-05 - 2 'd'"), "[\"2024-03-03\"]");
  EXPECT_EQ(eval("@T23:00:00 + 2 hours"), "[\"01:00:00\"]");
  EXPECT_TRUE(eval("@2024-03-05 + 1 'mo'").starts_with("error"));  // definite month (UCUM) is not calendar
  EXPECT_EQ(eval("@2014-01-01T08:05.lowBoundary(17)"), "[\"2014-01-01T08:05:00.000+14:00\"]");
  EXPECT_EQ(eval("@2014.highBoundary(8)"), "[\"2014-12-31\"]");
  EXPECT_EQ(eval("@2014-01-05T10:30:00.000.precision()"), "[17]");
  Environment env;
  env.now = "2025-06-01T12:00:00.000+02:00";
  EXPECT_EQ(eval("now()", nullptr, env), "[\"2025-06-01T12:00:00.000+02:00\"]");
  EXPECT_EQ(eval("today()", nullptr, env), "[\"2025-06-01\"]");
}

// --- Quantities -------------------------------------------------------------------

TEST(FhirpathQuantities, UcumConversions) {
  const char* equal[] = {
      "1 'kg' = 1000 'g'",
      "2.5 'mg' = 2500 'ug'",
      "1 'L' = 1000 'mL'",
      "1 'dL' = 100 'mL'",
      "100 'mg/dL' = 1 'g/L'",
      "5.5 'mmol/L' = 5500 'umol/L'",
      "1 '[lb_av]' = 453.59237 'g'",
      "1 '[in_i]' = 2.54 'cm'",
      "1 'm' = 1000 'mm'",
      "1 'h' = 60 'min'",
      "1 'd' = 24 'h'",
      "1 'wk' = 7 'd'",
      "1 'min' = 60 's'",
      "50 '%' = 0.5 '1'",
      "7 days = 1 week",
      "1 year = 12 months",
      "2 hours = 120 'min'",
      "1 'a' = 12 'mo'",
      "750 'mm[Hg]' = 99.9915 'kPa'",
      "1 '10*3/uL' = 1 '10*9/L'",
      "1 'g' = 1000 'mg{total}'",
  };
  for (const char* e : equal) EXPECT_EQ(eval(e), "[true]") << e;
  EXPECT_EQ(eval("1 'kg' > 999 'g'"), "[true]");
  EXPECT_EQ(eval("1 'kg' = 1 'm'"), "[false]");
  EXPECT_EQ(eval("1 year = 1 'a'"), "[]");  // calendar year vs definite year (N1 §5.6.4)
  EXPECT_EQ(eval("1 'kg' + 500 'g'"), "[{\"value\":1.5,\"unit\":\"kg\"}]");
  EXPECT_EQ(eval("(2 'm' * 3 'm') = 6 'm2'"), "[true]");
  EXPECT_EQ(eval("4 'g' ~ 4040 'mg'"), "[true]");
  EXPECT_EQ(eval("1 'cm'.comparable(1 '[in_i]')"), "[true]");
  EXPECT_EQ(eval("1 'cm'.comparable(1 's')"), "[false]");
  EXPECT_EQ(eval("'5 \\'mg\\''.toQuantity('g')"), "[{\"value\":0.005,\"unit\":\"g\"}]");
  EXPECT_EQ(on_observation("Observation.value > 5 '%'"), "[true]");
  EXPECT_EQ(on_observation("Observation.component.value.ofType(Quantity).where($this > 15 'kPa').exists()"),
            "[true]");
}

// --- FHIR model ---------------------------------------------------------------------

TEST(FhirpathModel, ChoiceElements) {
  EXPECT_EQ(on_observation("Observation.value.unit"), "[\"%\"]");
  EXPECT_EQ(on_observation("Observation.component.value.count()"), "[2]");
  EXPECT_EQ(on_observation("Observation.component.value.ofType(string)"), "[\"ok\"]");
  EXPECT_EQ(on_observation("Observation.value is Quantity"), "[true]");
  EXPECT_EQ(on_observation("(Observation.value as Quantity).code"), "[\"%\"]");
  EXPECT_EQ(on_observation("Observation.effective.is(dateTime)"), "[true]");
  // R4-style `as` over several items filters, outside strict mode.
  EXPECT_EQ(on_observation("(Observation.component.value as Quantity).value"), "[120]");
  EXPECT_TRUE(on_observation("Observation.component.value.as(Quantity)").starts_with("error"));
  // Lenient (the default): a type-suffixed name still reads the element.
  EXPECT_EQ(on_observation("Observation.valueQuantity.value"), "[7.20]");
  // Strict mode with a known input type: a semantic error naming the position.
  CompileOptions strict{.input_type = "Observation", .strict = true};
  Outcome o = run("Observation.valueQuantity.value", &observation(), {}, strict);
  EXPECT_FALSE(o.compiled);
  EXPECT_NE(o.error.find("column 13"), std::string::npos) << o.error;
  EXPECT_FALSE(run("Observation.value.foo", &observation(), {}, strict).compiled);
  EXPECT_FALSE(run("Patient.name", &observation(), {}, strict).compiled);
  EXPECT_TRUE(run("Observation.value.unit", &observation(), {}, strict).ok);
}

TEST(FhirpathModel, TypesAndTypeNames) {
  Outcome o = run("Patient.gender | Patient.birthDate | Patient.name[0] | Patient.multipleBirth", &patient());
  ASSERT_TRUE(o.ok) << o.error;
  EXPECT_EQ(o.json,
            R"([{"type":"code","value":"female"},{"type":"date","value":"1974-12-25"},)"
            R"({"type":"HumanName","value":{"use":"official","family":"Martin","given":["Éloïse","Anne"]}},)"
            R"({"type":"integer","value":2}])");
  EXPECT_EQ(
      on_patient("Patient.gender.is(code) and Patient.gender.is(string) and Patient.gender.is(String).not()"),
      "[true]");
  EXPECT_EQ(on_patient("Patient.type().name"), "[\"Patient\"]");
  EXPECT_EQ(on_patient("Patient.is(DomainResource)"), "[true]");
  EXPECT_EQ(on_patient("Patient.contained.ofType(Organization).name"), "[\"Cabinet\"]");
  EXPECT_EQ(eval("1.is(System.Integer) and 'a'.is(String) and @2015.is(Date)"), "[true]");
}

TEST(FhirpathModel, PrimitiveExtensions) {
  EXPECT_EQ(
      on_patient("Patient.birthDate.extension('http://hl7.org/fhir/StructureDefinition/patient-birthTime')"
                 ".value"),
      "[\"1974-12-25T14:35:45-05:00\"]");
  EXPECT_EQ(on_patient("Patient.birthDate.extension(%`ext-patient-birthTime`).exists()"), "[true]");
  EXPECT_EQ(on_patient("Patient.name.given.count()"), "[5]");  // the value-less given counts
  EXPECT_EQ(on_patient("Patient.name[2].given.select(hasValue())"), "[false,true]");
  EXPECT_EQ(on_patient("Patient.name[2].given.first().id"), "[\"g0\"]");
  EXPECT_EQ(on_patient("Patient.name[1].given.extension('http://x/nick').value"), "[\"short\"]");
  EXPECT_EQ(on_patient("Patient.name.given.where(extension.exists()).count()"), "[2]");
  EXPECT_EQ(on_patient("Patient.name[2].given.first() = 'x'"), "[]");
}

TEST(FhirpathModel, ResolveContainedBundleAndResolver) {
  EXPECT_EQ(on_patient("Patient.managingOrganization.resolve().name"), "[\"Cabinet\"]");
  EXPECT_EQ(on_patient("Patient.generalPractitioner.resolve()"), "[]");
  Environment env;
  env.resolve_placeholders = true;
  EXPECT_EQ(eval("Patient.generalPractitioner.resolve() is Practitioner", &patient(), env), "[true]");
  Json dr = parse(R"({"resourceType": "Practitioner", "id": "dr1", "name": [{"family": "House"}]})");
  Environment with_resolver;
  with_resolver.resolver = [&dr](std::string_view ref) -> const Json* {
    return ref == "Practitioner/dr1" ? &dr : nullptr;
  };
  EXPECT_EQ(eval("Patient.generalPractitioner.resolve().name.family", &patient(), with_resolver),
            "[\"House\"]");

  Json bundle = parse(R"({"resourceType": "Bundle", "type": "collection", "entry": [
    {"fullUrl": "urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0",
     "resource": {"resourceType": "Patient", "id": "a", "name": [{"family": "Durand"}]}},
    {"fullUrl": "http://example.org/fhir/Observation/b",
     "resource": {"resourceType": "Observation", "id": "b", "status": "final", "code": {"text": "x"},
                  "subject": {"reference": "urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0"},
                  "performer": [{"reference": "Patient/a"}]}}]})");
  EXPECT_EQ(eval("Bundle.entry.resource.ofType(Observation).subject.resolve().name.family", &bundle),
            "[\"Durand\"]");
  EXPECT_EQ(eval("Bundle.entry.resource.ofType(Observation).performer.resolve().id", &bundle), "[\"a\"]");
  EXPECT_EQ(
      eval("Bundle.entry.resource.ofType(Observation).subject.where(resolve() is Patient).exists()", &bundle),
      "[true]");
}

TEST(FhirpathModel, NavigationAndFunctions) {
  EXPECT_EQ(on_patient("name.where(use = 'official').given.first().upper()"), "[\"ÉLOÏSE\"]");
  EXPECT_EQ(on_patient("name.given.first().length()"), "[6]");
  EXPECT_EQ(on_patient("name.given.first().substring(1, 3)"), "[\"loï\"]");
  EXPECT_EQ(on_patient("telecom.select(iif(system = 'email', $index, {}))"), "[1]");
  EXPECT_EQ(on_patient("%resource.id & '/' & %context.id"), "[\"p1/p1\"]");
  EXPECT_EQ(on_patient("descendants().ofType(Extension).count()"), "[3]");
  EXPECT_EQ(on_patient("children().count() > 5"), "[true]");
  EXPECT_EQ(eval("(1 | 2 | 3).aggregate($this + $total, 0)"), "[6]");
  EXPECT_EQ(eval("(3 | 1 | 2).sort()"), "[1,2,3]");
  EXPECT_EQ(eval("'a,b,,c'.split(',').count()"), "[4]");
  EXPECT_EQ(eval("'abc'.matches('^a.c$') and 'a\\nc'.matches('a.c')"), "[true]");
  EXPECT_EQ(eval("'2024-01-05'.replaceMatches('(\\\\d+)-(\\\\d+)-(\\\\d+)', '$3/$2/$1')"),
            "[\"05/01/2024\"]");
  EXPECT_EQ(eval("defineVariable('x', 2).select(%x + 1)"), "[]");  // empty input: select over nothing
  EXPECT_EQ(on_patient("defineVariable('n', name.count()).select(%n * 2)"), "[6]");
  EXPECT_EQ(eval("'test'.encode('base64').decode('base64')"), "[\"test\"]");
  EXPECT_EQ(eval("'<a>'.escape('html')"), "[\"&lt;a&gt;\"]");
  EXPECT_EQ(eval("(1 | 2 | 3).sum()"), "[6]");
}

TEST(FhirpathModel, TraceGoesToTheSink) {
  std::vector<std::string> seen;
  Environment env;
  env.trace = [&seen](std::string_view name, const Collection& items) {
    seen.push_back(std::string(name) + ":" + std::to_string(items.size()));
  };
  EXPECT_EQ(eval("(1 | 2).trace('n').count()", nullptr, env), "[2]");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], "n:2");
}

// --- Errors ---------------------------------------------------------------------

TEST(FhirpathErrors, CompileErrorsNamePositions) {
  struct Row {
    const char* expr;
    const char* where;
  };
  const Row rows[] = {
      {"2 + 2 /", "line 1, column 8"},
      {"name.given.foo()", "line 1, column 12"},
      {"Patient.name.where(given = 'x'", "line 1, column 31"},
      {"1 +\n  * 2", "line 2, column 3"},
      {"'unterminated", "line 1, column 1"},
      {"1 is Integr", "line 1, column 6"},
      {"first(1)", "line 1, column 1"},
      {"%nothing", "line 1, column 1"},
      {"@2015-13-01", "line 1, column 1"},
      {"/* open", "line 1, column 1"},
      {"'a\xff"
       "b'",
       "line 1, column 3"},  // not UTF-8
  };
  for (const Row& r : rows) {
    auto e = compile(r.expr);
    ASSERT_FALSE(e.ok()) << r.expr;
    EXPECT_EQ(e.error().status(), 400);
    EXPECT_NE(e.error().message().find(r.where), std::string::npos) << r.expr << ": " << e.error().message();
  }
}

TEST(FhirpathErrors, EvaluationErrors) {
  const char* bad[] = {
      "(1 | 2).single()",     "(1 | 2) + 1",   "'a' - 'b'", "1 < 'a'", "(true | 'x').allTrue()", "-'a'",
      "@2024-01-01 + 1 'cm'", "(1 | 2).not()", "1 > true"};
  for (const char* e : bad) {
    Outcome o = run(e, &patient());
    EXPECT_TRUE(o.compiled) << e;
    EXPECT_FALSE(o.ok) << e << " gave " << o.json;
  }
  Outcome o = run("Patient.telecom.first().startsWith('x')", &patient());
  EXPECT_FALSE(o.ok);
  EXPECT_NE(o.error.find("ContactPoint"), std::string::npos) << o.error;
}

// --- The R4 search parameters ---------------------------------------------------------

TEST(FhirpathSearchParameters, EveryExpressionCompiles) {
  std::size_t n = 0;
  for (const auto& p : fhir::search_params()) {
    if (p.expression.empty()) continue;
    auto e = compile_cached(p.expression);
    EXPECT_TRUE(e.ok()) << p.url << ": " << (e.ok() ? "" : e.error().message());
    ++n;
    for (std::string_view base : p.bases) {
      if (!fhir::is_resource_type(base)) continue;
      auto typed = compile(p.expression, CompileOptions{.input_type = base});
      EXPECT_TRUE(typed.ok()) << p.url << " on " << base;
    }
  }
  EXPECT_GT(n, 1300u);
  // The cache hands back the same compiled expression.
  auto a = compile_cached("Patient.name.family");
  auto b = compile_cached("Patient.name.family");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->get(), b->get());
}

TEST(FhirpathSearchParameters, EvaluateOverTheOfficialExamples) {
  std::map<std::string, std::vector<const fhir::SearchParamDef*>> by_base;
  for (const auto& p : fhir::search_params())
    if (!p.expression.empty())
      for (std::string_view b : p.bases) by_base[std::string(b)].push_back(&p);
  std::size_t resources = 0, evaluations = 0, with_values = 0;
  std::vector<std::string> failures;
  for (const auto& entry : fs::directory_iterator(PARCOURS_R4_EXAMPLES)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    auto j = parse_json(text.str(), JsonParseOptions{.max_depth = 256});
    if (!j || !j->is_object()) continue;
    std::string type(j->get_string("resourceType"));
    if (!fhir::is_resource_type(type)) continue;
    ++resources;
    Environment env;
    env.resource = &*j;
    env.resolve_placeholders = true;
    for (const char* base : {type.c_str(), "DomainResource", "Resource"}) {
      auto it = by_base.find(base);
      if (it == by_base.end()) continue;
      for (const fhir::SearchParamDef* p : it->second) {
        auto e = compile_cached(p->expression);
        ASSERT_TRUE(e.ok());
        auto r = evaluate(**e, &*j, env);
        ++evaluations;
        if (!r)
          failures.push_back(entry.path().filename().string() + " " + std::string(p->code) + ": " +
                             r.error().message());
        else if (!r->empty())
          ++with_values;
      }
    }
  }
  EXPECT_GT(resources, 2000u);
  EXPECT_GT(evaluations, 100000u);
  EXPECT_GT(with_values, 30000u);
  for (std::size_t i = 0; i < failures.size() && i < 20; ++i) ADD_FAILURE() << failures[i];
  EXPECT_TRUE(failures.empty()) << failures.size() << " evaluation errors";
}

TEST(FhirpathSearchParameters, CompositeComponentsOnItems) {
  // Observation-code-value-quantity: the composite's expression, then each
  // component's expression on every item (with the item's exact type).
  auto composite = compile("Observation.component");
  auto code = compile("code.text", CompileOptions{.input_type = "Observation.component", .strict = true});
  auto value = compile("value.ofType(Quantity)");
  ASSERT_TRUE(composite.ok() && code.ok() && value.ok());
  auto items = evaluate(**composite, &observation());
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 2u);
  EXPECT_EQ((*items)[0].type, "BackboneElement");
  ASSERT_NE((*items)[0].definition, nullptr);
  std::vector<std::string> got;
  for (const Item& it : *items) {
    auto c = evaluate(**code, it);
    auto v = evaluate(**value, it);
    ASSERT_TRUE(c.ok() && v.ok());
    std::string row = c->empty() ? "-" : to_json(c->front(), false).dump();
    row += " " + (v->empty() ? std::string("-") : to_json(v->front(), false).dump());
    got.push_back(row);
  }
  EXPECT_EQ(got[0], R"("systolic" {"value":120,"system":"http://unitsofmeasure.org","code":"mm[Hg]"})");
  EXPECT_EQ(got[1], R"("note" -)");
  // System values as input too.
  auto twice = compile("$this * 2");
  auto n = evaluate(**compile("1.5"), nullptr);
  ASSERT_TRUE(twice.ok() && n.ok());
  auto r = evaluate(**twice, n->front());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(to_json(r->front(), false).dump(), "3.0");
}

TEST(FhirpathSearchParameters, ExtractTypicalIndexValues) {
  EXPECT_EQ(on_patient("Patient.name.family | Practitioner.name.family"), "[\"Martin\"]");
  EXPECT_EQ(on_patient("Patient.telecom.where(system='phone')"),
            R"([{"system":"phone","value":"0320000000","use":"home"}])");
  EXPECT_EQ(on_patient("Patient.deceased.exists() and Patient.deceased != false"), "[false]");
  EXPECT_EQ(on_observation("(Observation.value as Quantity) | (Observation.value as SampledData)"),
            R"([{"value":7.20,"unit":"%","system":"http://unitsofmeasure.org","code":"%"}])");
  Environment env;
  env.resolve_placeholders = true;
  EXPECT_EQ(eval("Observation.subject.where(resolve() is Patient)", &observation(), env),
            R"([{"reference":"Patient/p1"}])");
}

// --- Robustness ----------------------------------------------------------------------

TEST(FhirpathRobustness, MutatedExpressionsGiveAnErrorOrAResult) {
  std::vector<std::string> seeds = {
      "Patient.name.where(use = 'official').given.first()",
      "(1 | 2 | 3).select($this * 2).aggregate($total + $this, 0)",
      "Observation.value.as(Quantity) > 5 'mg' and @2014-01-01T10:00 < now()",
      "iif(name.exists(), name.given.join(', '), 'x'.substring(0, 1).upper())",
      "'abc'.replaceMatches('[a-c]+', '$0-').matches('^a')",
      "descendants().ofType(Extension).value.toString().length() > 2 implies true",
      "%resource.id.encode('base64') | 1.5 'mg'.toQuantity('g') | {} | -(3).power(2)",
      "telecom.repeat(value).distinct().count() div 2 mod 3 ~ 1.0"};
  for (const auto& p : fhir::search_params())
    if (!p.expression.empty() && seeds.size() < 80) seeds.emplace_back(p.expression);
  const std::string alphabet = "().,[]{}'`\"|&+-*/=<>!~$%@ 01aZ\\\n";
  std::mt19937 rng(20240601);
  std::size_t compiled = 0, evaluated = 0;
  for (int round = 0; round < 4000; ++round) {
    std::string e = seeds[rng() % seeds.size()];
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < edits && !e.empty(); ++k) {
      std::size_t at = rng() % e.size();
      switch (rng() % 4) {
        case 0:
          e.erase(at, 1 + rng() % 3);
          break;
        case 1:
          e.insert(at, 1, alphabet[rng() % alphabet.size()]);
          break;
        case 2:
          e[at] = alphabet[rng() % alphabet.size()];
          break;
        default:
          e.insert(at, e.substr(at, rng() % 8));
          break;
      }
    }
    auto c = compile(e);
    if (!c) continue;
    ++compiled;
    Environment env;
    env.trace = [](std::string_view, const Collection&) {};
    auto r = evaluate(**c, round % 2 ? &patient() : &observation(), env);
    if (r) ++evaluated;
  }
  EXPECT_GT(compiled, 200u);
  EXPECT_GT(evaluated, 100u);
}

TEST(FhirpathRobustness, DeepNestingIsAnError) {
  std::string sum = "1", path = "Patient", calls;
  for (int i = 0; i < 20000; ++i) {
    sum += "+1";
    path += ".name";
  }
  for (int i = 0; i < 2000; ++i) calls += "where(";
  calls += "true" + std::string(2000, ')');
  for (const std::string& e : {std::string(20000, '(') + "1" + std::string(20000, ')'),
                               std::string(20000, '-') + "1", sum, path, calls}) {
    auto c = compile(e);
    EXPECT_FALSE(c.ok());
  }
  // Reasonable nesting still compiles.
  EXPECT_EQ(eval(std::string(100, '(') + "1" + std::string(100, ')')), "[1]");
}

TEST(FhirpathRobustness, RunawayEvaluationsAreBounded) {
  // Each must end quickly with an error, not hang or exhaust memory.
  for (const char* e : {"(1).repeat($this + 1).count()", "'a'.repeat($this + 'a').count()",
                        "'a'.repeat($this + $this).count()",
                        "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!'.matches('(a|a)*b')",
                        "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!'.matches('(a*)*b')"}) {
    auto start = std::chrono::steady_clock::now();
    Outcome o = run(e);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_TRUE(o.compiled) << e;
    EXPECT_FALSE(o.ok) << e;
    EXPECT_LT(secs, 30.0) << e;
  }
  // A long input to matches() does not overflow the stack.
  Json p = parse(R"({"resourceType": "Patient"})");
  p.set("gender", Json(std::string(500000, 'a')));
  Outcome simple = run("Patient.gender.matches('^a+$')", &p);
  EXPECT_EQ(simple.json, R"([{"type":"boolean","value":true}])") << simple.error;
  // Boost.Regex bounds its backtracking memory: a result or an error, no crash.
  Outcome o = run("Patient.gender.matches('^(a|b)*$')", &p);
  EXPECT_TRUE(o.compiled);
}

TEST(FhirpathRobustness, ConcurrentEvaluationOfOneExpression) {
  auto e = compile_cached("Patient.name.where(use = 'official').given | Patient.telecom.value");
  ASSERT_TRUE(e.ok());
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        auto r = evaluate(**e, &patient());
        if (!r || r->size() != 4) ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

// --- The CLI ------------------------------------------------------------------------------

struct CliResult {
  int status = -1;
  std::string out;
};

CliResult cli(const std::string& args) {
  CliResult r;
  if (!fs::exists(PARCOURS_BINARY)) return r;
  std::string cmd = std::string(PARCOURS_BINARY) + " fhirpath " + args + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

TEST(FhirpathCli, ContractExitCodesAndDoubleDash) {
  if (!fs::exists(PARCOURS_BINARY)) GTEST_SKIP() << "parcours not built";
  EXPECT_EQ(cli("-- '(-1).convertsToInteger()'").out, "[true]\n");
  CliResult neg = cli("-- '-1.convertsToInteger()'");
  EXPECT_EQ(neg.status, 1);  // evaluation error: -(true)
  EXPECT_EQ(cli("--with-types -- '1.0'").out, "[{\"type\":\"decimal\",\"value\":1.0}]\n");
  EXPECT_EQ(cli("-- '2 +'").status, 2);
  std::string file = (fs::temp_directory_path() / "fhirpath_cli_patient.json").string();
  {
    std::ofstream f(file);
    f << patient().dump();
  }
  CliResult r = cli("--resource " + file + " --with-types -- 'Patient.gender'");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "[{\"type\":\"code\",\"value\":\"female\"}]\n");
  EXPECT_EQ(cli("--resource " + file + " -- 'Patient.gendre'").status, 2);  // strict: unknown element
  EXPECT_EQ(cli("--resource " + file + " --lenient -- 'Patient.gendre'").out, "[]\n");
  fs::remove(file);
}

}  // namespace
}  // namespace parcours::fhirpath
