// Patient compartment membership, and the search parameter tables it is
// built from.
#include "fhir/compartment.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fhir/definitions.h"
#include "fhir/json.h"

namespace parcours::fhir {
namespace {

using Ids = std::vector<std::string>;

Json parse(std::string_view text) {
  auto r = parse_json(text);
  EXPECT_TRUE(r.ok()) << text;
  return r.ok() ? std::move(r).value() : Json();
}

Ids of(std::string_view text) {
  Json j = parse(text);
  return patient_compartments(j.get_string("resourceType"), j);
}

std::string obs_subject(std::string_view ref) {
  return R"({"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":")" +
         std::string(ref) + R"("}})";
}

TEST(PatientCompartment, PatientIsInItsOwnCompartmentAndLinked) {
  EXPECT_EQ(of(R"({"resourceType":"Patient","id":"p1"})"), Ids{"p1"});
  EXPECT_EQ(of(R"({"resourceType":"Patient","id":"p1","link":[
      {"other":{"reference":"Patient/p2"},"type":"seealso"},
      {"other":{"reference":"RelatedPerson/r"},"type":"seealso"},
      {"other":{"reference":"Patient/p1"},"type":"seealso"}]})"),
            (Ids{"p1", "p2"}));
  EXPECT_EQ(of(R"({"resourceType":"Patient"})"), Ids{});
}

TEST(PatientCompartment, ReferenceForms) {
  EXPECT_EQ(of(obs_subject("Patient/123")), Ids{"123"});
  EXPECT_EQ(of(obs_subject("Patient/123/_history/4")), Ids{"123"});
  EXPECT_EQ(of(obs_subject("http://example.org/fhir/Patient/9")), Ids{"9"});
  EXPECT_EQ(of(obs_subject("https://example.org/fhir/Patient/9/_history/1")), Ids{"9"});
  // Not a stored Patient: other types, contained, placeholders, conditional, malformed.
  for (std::string_view ref :
       {"Group/1", "#p", "urn:uuid:8d3b1fbc-7c6e-4b2e-9d36-2a3f4b5c6d7e", "Patient?identifier=x", "Patient/",
        "Patient/a_b", "Patient/1/extra", "http://example.org/fhir/Patient/", "xPatient/1", "patient/1"})
    EXPECT_EQ(of(obs_subject(ref)), Ids{}) << ref;
  // A logical reference has no literal reference.
  EXPECT_EQ(of(R"({"resourceType":"Observation","subject":{"identifier":{"value":"1"}}})"), Ids{});
}

TEST(PatientCompartment, SeveralParamsInDocumentOrderWithoutDuplicates) {
  // Observation: subject, performer (CompartmentDefinition patient).
  EXPECT_EQ(
      of(R"({"resourceType":"Observation","performer":[{"reference":"Patient/b"},{"reference":"Practitioner/x"},
                   {"reference":"Patient/a"}],"subject":{"reference":"Patient/a"}})"),
      (Ids{"b", "a"}));
  // AllergyIntolerance: patient, recorder, asserter.
  EXPECT_EQ(of(R"({"resourceType":"AllergyIntolerance","patient":{"reference":"Patient/p"},
                   "recorder":{"reference":"Patient/q"},"asserter":{"reference":"Patient/p"}})"),
            (Ids{"p", "q"}));
}

TEST(PatientCompartment, NestedPaths) {
  // Appointment.participant.actor: through a backbone array.
  EXPECT_EQ(of(R"({"resourceType":"Appointment","status":"booked","participant":[
      {"actor":{"reference":"Practitioner/d"},"status":"accepted"},
      {"actor":{"reference":"Patient/x"},"status":"accepted"},
      {"actor":{"reference":"Patient/y"},"status":"accepted"}]})"),
            (Ids{"x", "y"}));
  // Provenance.target.where(resolve() is Patient).
  EXPECT_EQ(
      of(R"({"resourceType":"Provenance","target":[{"reference":"Observation/o"},{"reference":"Patient/t"}]})"),
      Ids{"t"});
  // Encounter: patient (subject) and participant.individual is not a Patient param.
  EXPECT_EQ(of(R"({"resourceType":"Encounter","subject":{"reference":"Patient/e"}})"), Ids{"e"});
}

TEST(PatientCompartment, TypesOutsideTheCompartment) {
  // Organization is not in the patient compartment whatever it references.
  EXPECT_EQ(patient_compartments("Organization", parse(R"({"resourceType":"Organization",
      "partOf":{"reference":"Patient/1"}})")),
            Ids{});
  EXPECT_EQ(patient_compartments("NotAType", parse(R"({"subject":{"reference":"Patient/1"}})")), Ids{});
  EXPECT_EQ(patient_compartments("Observation", parse("[]")), Ids{});
  // Wrong shapes are ignored, not fatal.
  EXPECT_EQ(of(R"({"resourceType":"Observation","subject":"Patient/1"})"), Ids{});
  EXPECT_EQ(of(R"({"resourceType":"Observation","subject":{"reference":42}})"), Ids{});
}

// The compartment evaluator understands dotted paths with an optional
// ".where(resolve() is X)": every compartment parameter must have at least
// one such branch for its resource type, or membership would silently be
// missed.
TEST(PatientCompartment, EveryCompartmentParamHasAPlainPathBranch) {
  int params = 0;
  for (std::string_view type : resource_types()) {
    for (std::string_view code : patient_compartment_params(type)) {
      ++params;
      const SearchParamDef* sp = find_search_param(type, code);
      ASSERT_NE(sp, nullptr) << type << "." << code;
      EXPECT_EQ(sp->type, SearchParamType::kReference) << type << "." << code;
      bool found = false;
      std::string_view expr = sp->expression;
      while (!expr.empty()) {
        std::size_t bar = expr.find('|');
        std::string_view branch = expr.substr(0, bar);
        while (!branch.empty() && branch.front() == ' ') branch.remove_prefix(1);
        while (!branch.empty() && branch.back() == ' ') branch.remove_suffix(1);
        if (branch.substr(0, type.size() + 1) == std::string(type) + ".") {
          std::string_view rest = branch.substr(type.size() + 1);
          if (auto w = rest.find(".where(resolve() is "); w != std::string_view::npos)
            rest = rest.substr(0, w);
          bool plain = !rest.empty();
          for (char c : rest)
            if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.')) plain = false;
          found = found || plain;
        }
        if (bar == std::string_view::npos) break;
        expr.remove_prefix(bar + 1);
      }
      EXPECT_TRUE(found) << type << "." << code << ": " << sp->expression;
    }
  }
  EXPECT_GT(params, 100);
}

// --- Search parameter tables -------------------------------------------------

TEST(SearchParams, LookupByTypeAndCode) {
  const SearchParamDef* p = find_search_param("Patient", "birthdate");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->type, SearchParamType::kDate);
  EXPECT_EQ(p->code, "birthdate");
  EXPECT_NE(p->expression.find("Patient.birthDate"), std::string_view::npos);
  EXPECT_EQ(p->url, "http://hl7.org/fhir/SearchParameter/individual-birthdate");

  const SearchParamDef* subject = find_search_param("Observation", "subject");
  ASSERT_NE(subject, nullptr);
  EXPECT_EQ(subject->type, SearchParamType::kReference);
  EXPECT_NE(std::find(subject->targets.begin(), subject->targets.end(), "Patient"), subject->targets.end());

  // Multi-base parameter: one definition, several resource types.
  const SearchParamDef* obs_patient = find_search_param("Observation", "patient");
  ASSERT_NE(obs_patient, nullptr);
  EXPECT_EQ(obs_patient, find_search_param("Condition", "patient"));
  EXPECT_GT(obs_patient->bases.size(), 10u);

  EXPECT_EQ(find_search_param("Patient", "nope"), nullptr);
  EXPECT_EQ(find_search_param("NotAType", "_id"), nullptr);
  // Not R4 (a 5.0.0 addition in the package).
  EXPECT_EQ(find_search_param("DeviceDefinition", "classification"), nullptr);
}

TEST(SearchParams, CommonParametersApplyByInheritance) {
  const SearchParamDef* id = find_search_param("Observation", "_id");
  ASSERT_NE(id, nullptr);
  EXPECT_EQ(id->expression, "Resource.id");
  EXPECT_NE(find_search_param("Bundle", "_lastUpdated"), nullptr);
  EXPECT_NE(find_search_param("Patient", "_text"), nullptr);  // DomainResource
  EXPECT_EQ(find_search_param("Bundle", "_text"), nullptr);   // Bundle is not a DomainResource
}

TEST(SearchParams, ParamsForAType) {
  auto all = search_params_for("Patient");
  std::set<std::string_view> codes;
  for (const SearchParamDef* p : all) EXPECT_TRUE(codes.insert(p->code).second) << "duplicate " << p->code;
  for (std::string_view c :
       {"name", "family", "birthdate", "gender", "identifier", "_id", "_lastUpdated", "_text"})
    EXPECT_TRUE(codes.count(c)) << c;
  EXPECT_TRUE(search_params_for("NotAType").empty());
}

TEST(SearchParams, Composite) {
  const SearchParamDef* p = find_search_param("Observation", "code-value-quantity");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->type, SearchParamType::kComposite);
  ASSERT_EQ(p->components.size(), 2u);
  EXPECT_EQ(p->components[0].definition, "http://hl7.org/fhir/SearchParameter/clinical-code");
}

TEST(SearchParams, TablesAreSortedAndConsistent) {
  auto all = search_params();
  EXPECT_GT(all.size(), 1300u);
  for (std::size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].url, all[i].url);
  for (const SearchParamDef& p : all) {
    EXPECT_FALSE(p.code.empty());
    EXPECT_FALSE(p.bases.empty()) << p.url;
    for (std::string_view b : p.bases) EXPECT_EQ(find_search_param(b, p.code), &p) << p.url << " on " << b;
  }
  EXPECT_EQ(patient_compartment_params("Parameters").size(), 0u);
  auto obs = patient_compartment_params("Observation");
  EXPECT_NE(std::find(obs.begin(), obs.end(), "subject"), obs.end());
  EXPECT_NE(std::find(obs.begin(), obs.end(), "performer"), obs.end());
}

}  // namespace
}  // namespace parcours::fhir
