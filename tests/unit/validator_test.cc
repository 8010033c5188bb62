// Structural validation: hand-written valid resources, and invalid ones each
// checked for the issue code and FHIRPath-ish location it produces.
#include "fhir/validator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>

#include "fhir/definitions.h"
#include "fhir/json.h"

namespace parcours::fhir {
namespace {

Json parse(std::string_view text) {
  auto r = parse_json(text);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message()) << "\n" << text;
  return r.ok() ? std::move(r).value() : Json();
}

std::string describe(const std::vector<Issue>& issues) {
  std::string out;
  for (const auto& i : issues) out += "\n  [" + i.code + "] " + i.expression + ": " + i.diagnostics;
  return out.empty() ? " (no issues)" : out;
}

::testing::AssertionResult Valid(std::string_view text) {
  auto issues = validate_resource(parse(text));
  if (issues.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected valid, got:" << describe(issues);
}

// The resource has exactly one issue, with this code and expression.
::testing::AssertionResult OneIssue(std::string_view text, std::string_view code,
                                    std::string_view expression) {
  auto issues = validate_resource(parse(text));
  if (issues.size() == 1 && issues[0].code == code && issues[0].expression == expression) {
    if (issues[0].severity != "error" || issues[0].diagnostics.empty())
      return ::testing::AssertionFailure() << "bad severity/diagnostics:" << describe(issues);
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "expected one [" << code << "] at " << expression << ", got:" << describe(issues);
}

// Some issue has this code and expression (others may exist).
::testing::AssertionResult HasIssue(std::string_view text, std::string_view code,
                                    std::string_view expression) {
  auto issues = validate_resource(parse(text));
  for (const auto& i : issues)
    if (i.code == code && i.expression == expression) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "expected [" << code << "] at " << expression << ", got:" << describe(issues);
}

std::string diagnostics_of(std::string_view text) {
  auto issues = validate_resource(parse(text));
  return issues.empty() ? std::string() : issues[0].diagnostics;
}

// --- The definition tables the validator walks --------------------------------

TEST(Definitions, ResourceTypes) {
  EXPECT_TRUE(is_resource_type("Patient"));
  EXPECT_TRUE(is_resource_type("Parameters"));
  EXPECT_FALSE(is_resource_type("DomainResource"));
  EXPECT_FALSE(is_resource_type("Resource"));
  EXPECT_FALSE(is_resource_type("HumanName"));
  EXPECT_FALSE(is_resource_type("patient"));
  EXPECT_FALSE(is_resource_type("SubscriptionStatus"));  // R4B, not R4
  EXPECT_FALSE(is_resource_type("MetadataResource"));    // a logical model
  auto types = resource_types();
  EXPECT_EQ(types.size(), 146u);
  EXPECT_TRUE(std::is_sorted(types.begin(), types.end()));
  for (std::string_view t : types) EXPECT_TRUE(is_resource_type(t)) << t;
}

TEST(Definitions, TypesAndElements) {
  const TypeDef* patient = find_type("Patient");
  ASSERT_NE(patient, nullptr);
  EXPECT_EQ(patient->kind, TypeKind::kResource);
  EXPECT_EQ(patient->base, "DomainResource");
  EXPECT_EQ(&type_at(index_of(*patient)), patient);
  EXPECT_EQ(patient->elements[0].name, "id");

  ElementMatch id = find_element(*patient, "id");
  ASSERT_TRUE(id);
  EXPECT_EQ(id.type->name, "id");  // Resource.id is an id, not a string
  ElementMatch gender = find_element(*patient, "gender");
  ASSERT_TRUE(gender);
  EXPECT_EQ(gender.type->primitive, Primitive::kCode);
  EXPECT_EQ(gender.element->min, 0);
  EXPECT_EQ(gender.element->max, 1);
  EXPECT_TRUE(gender.element->summary());
  ASSERT_EQ(gender.element->required_codes.size(), 4u);
  EXPECT_EQ(gender.element->required_codes[0], "female");
  EXPECT_EQ(gender.element->value_set, "http://hl7.org/fhir/ValueSet/administrative-gender");

  ElementMatch contact = find_element(*patient, "contact");
  ASSERT_TRUE(contact);
  EXPECT_EQ(contact.type->name, "Patient.contact");
  EXPECT_EQ(contact.type->kind, TypeKind::kBackbone);
  EXPECT_EQ(contact.element->max, -1);
  EXPECT_TRUE(contact.element->repeats());

  const TypeDef* obs = find_type("Observation");
  ASSERT_NE(obs, nullptr);
  ElementMatch vq = find_element(*obs, "valueQuantity");
  ASSERT_TRUE(vq);
  EXPECT_EQ(vq.element->name, "value");
  EXPECT_TRUE(vq.element->choice());
  EXPECT_EQ(vq.type->name, "Quantity");
  EXPECT_EQ(find_element(*obs, "valueDateTime").type->name, "dateTime");
  EXPECT_FALSE(find_element(*obs, "valueFoo"));
  EXPECT_NE(find_element(*obs, "valueFoo").element, nullptr);  // the stem matched
  EXPECT_FALSE(find_element(*obs, "value"));
  EXPECT_EQ(find_element(*obs, "nope").element, nullptr);
  ElementMatch subject = find_element(*obs, "subject");
  ASSERT_TRUE(subject);
  EXPECT_NE(std::find(subject.element->targets.begin(), subject.element->targets.end(), "Patient"),
            subject.element->targets.end());

  // contentReference: Questionnaire.item.item is typed as Questionnaire.item.
  const TypeDef* item = find_type("Questionnaire.item");
  ASSERT_NE(item, nullptr);
  ElementMatch nested = find_element(*item, "item");
  ASSERT_TRUE(nested);
  EXPECT_EQ(nested.type, item);

  // Primitive types list id and extension, not their value.
  const TypeDef* date = find_type("date");
  ASSERT_NE(date, nullptr);
  EXPECT_EQ(date->primitive, Primitive::kDate);
  EXPECT_EQ(date->elements.size(), 2u);
  EXPECT_FALSE(date->regex.empty());

  EXPECT_TRUE(derives_from(*find_type("Age"), "Quantity"));
  EXPECT_TRUE(derives_from(*patient, "Resource"));
  EXPECT_FALSE(derives_from(*patient, "Element"));
  EXPECT_EQ(find_type("SimpleQuantity"), nullptr);  // a profile, not a type
  EXPECT_EQ(find_type("Nope"), nullptr);
}

TEST(Definitions, TablesAreSorted) {
  auto types = all_types();
  for (std::size_t i = 1; i < types.size(); ++i) EXPECT_LT(types[i - 1].name, types[i].name);
  for (const TypeDef& t : types) {
    for (const ElementDef& e : t.elements) {
      EXPECT_FALSE(e.types.empty()) << t.name << "." << e.name;
      EXPECT_TRUE(std::is_sorted(e.required_codes.begin(), e.required_codes.end()))
          << t.name << "." << e.name;
    }
  }
}

// --- Valid resources ---------------------------------------------------------

TEST(ValidatorValid, MinimalResources) {
  EXPECT_TRUE(Valid(R"({"resourceType":"Patient"})"));
  EXPECT_TRUE(Valid(R"({"resourceType":"Patient","id":"p-1.a"})"));
  EXPECT_TRUE(Valid(R"({"resourceType":"Observation","status":"final","code":{"text":"x"}})"));
}

TEST(ValidatorValid, FullPatient) {
  EXPECT_TRUE(Valid(R"({
    "resourceType": "Patient",
    "id": "example",
    "meta": {"versionId": "3", "lastUpdated": "2024-05-01T10:00:00.123+02:00",
             "profile": ["http://example.org/StructureDefinition/p"],
             "tag": [{"system": "http://example.org/tags", "code": "demo"}]},
    "text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">Jeanne</div>"},
    "extension": [
      {"url": "http://example.org/birthPlace", "valueAddress": {"city": "Lyon"}},
      {"url": "http://example.org/complex", "extension": [
        {"url": "a", "valueString": "x"}, {"url": "b", "valueDecimal": 1.50}]}
    ],
    "identifier": [{"system": "urn:oid:1.2.250.1.213.1.4.8", "value": "1234567890123"}],
    "active": true,
    "name": [{"use": "official", "family": "Martin", "given": ["Jeanne", "Marie"],
              "period": {"start": "2001", "end": "2030-12"}}],
    "telecom": [{"system": "phone", "value": "+33 1 23 45 67 89", "use": "mobile", "rank": 1}],
    "gender": "female",
    "birthDate": "1970-02-28",
    "_birthDate": {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/patient-birthTime",
                                  "valueDateTime": "1970-02-28T08:15:00+01:00"}]},
    "deceasedBoolean": false,
    "address": [{"line": ["1 rue de la Paix"], "city": "Paris", "postalCode": "75002", "country": "FR"}],
    "maritalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus", "code": "M"}]},
    "multipleBirthInteger": 2,
    "photo": [{"contentType": "image/png", "data": "iVBORw0KGgo="}],
    "contact": [{"relationship": [{"text": "sister"}], "name": {"family": "Martin"},
                 "gender": "female", "period": {"start": "2020-01-01T00:00:00Z"}}],
    "communication": [{"language": {"text": "French"}, "preferred": true}],
    "generalPractitioner": [{"reference": "Practitioner/123", "display": "Dr House"}],
    "managingOrganization": {"reference": "Organization/org-1"},
    "link": [{"other": {"reference": "Patient/other"}, "type": "seealso"}]
  })"));
}

TEST(ValidatorValid, PrimitiveArraysWithAlignedExtensions) {
  // R4 §2.6.2.3: nulls keep the value and "_" arrays aligned.
  EXPECT_TRUE(Valid(R"({"resourceType":"Patient","name":[{
    "given":["Jeanne", null, "Anne"],
    "_given":[null, {"extension":[{"url":"http://example.org/e","valueCode":"x"}]}, {"id":"g3"}]}]})"));
  // Extension-only primitive array.
  EXPECT_TRUE(Valid(R"({"resourceType":"Patient","name":[{
    "_given":[{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/data-absent-reason","valueCode":"unknown"}]}]}]})"));
  // Extension-only single primitive, and an extension on a choice primitive.
  EXPECT_TRUE(Valid(
      R"({"resourceType":"Patient","_gender":{"extension":[{"url":"http://example.org/e","valueString":"?"}]}})"));
  EXPECT_TRUE(Valid(R"({"resourceType":"Observation","status":"final","code":{"text":"x"},
    "valueString":"high","_valueString":{"id":"v"}})"));
}

TEST(ValidatorValid, ChoiceTypes) {
  EXPECT_TRUE(Valid(R"({"resourceType":"Observation","status":"final","code":{"text":"weight"},
    "effectiveDateTime":"2024-01-01T10:00:00Z",
    "valueQuantity":{"value":72.50,"unit":"kg","system":"http://unitsofmeasure.org","code":"kg"},
    "component":[{"code":{"text":"a"},"valueCodeableConcept":{"text":"b"}},
                 {"code":{"text":"c"},"valueInteger":-3},
                 {"code":{"text":"d"},"valuePeriod":{"start":"2024"}},
                 {"code":{"text":"e"},"valueSampledData":{"origin":{"value":0},"period":10.5,"dimensions":1,"data":"1 2 E"}}],
    "referenceRange":[{"low":{"value":1e2},"text":"normal"}]})"));
}

TEST(ValidatorValid, ContentReferenceRecursion) {
  // Questionnaire.item.item is a contentReference to #Questionnaire.item.
  EXPECT_TRUE(Valid(R"({"resourceType":"Questionnaire","status":"draft","item":[
    {"linkId":"1","type":"group","item":[
      {"linkId":"1.1","type":"string","text":"Name","item":[{"linkId":"1.1.1","type":"display"}]},
      {"linkId":"1.2","type":"choice","answerOption":[{"valueCoding":{"code":"y"}}],
       "enableWhen":[{"question":"1.1","operator":"exists","answerBoolean":true}]}]}]})"));
}

TEST(ValidatorValid, ReferenceForms) {
  for (std::string_view ref : {"Patient/1", "Patient/1/_history/2", "http://example.org/fhir/Patient/1",
                               "https://x.example/any/path", "urn:uuid:8d3b1fbc-7c6e-4b2e-9d36-2a3f4b5c6d7e",
                               "urn:oid:1.2.250.1", "Patient?identifier=urn:oid:1|42", "#p1"}) {
    std::string text = R"({"resourceType":"Observation","status":"final","code":{"text":"x"},
      "contained":[{"resourceType":"Patient","id":"p1"}],
      "subject":{"reference":")" +
                       std::string(ref) + R"("}})";
    EXPECT_TRUE(Valid(text)) << ref;
  }
  // "#" alone refers to the container (from inside a contained resource).
  EXPECT_TRUE(Valid(R"({"resourceType":"Patient","id":"a","contained":[
    {"resourceType":"Observation","id":"o","status":"final","code":{"text":"x"},"subject":{"reference":"#"}}]})"));
  // Logical references have no reference string at all.
  EXPECT_TRUE(Valid(R"({"resourceType":"Observation","status":"final","code":{"text":"x"},
    "subject":{"identifier":{"system":"urn:oid:1.2.250.1.213.1.4.8","value":"1"}}})"));
}

TEST(ValidatorValid, BundleAndParameters) {
  EXPECT_TRUE(Valid(R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"fullUrl":"urn:uuid:8d3b1fbc-7c6e-4b2e-9d36-2a3f4b5c6d7e",
     "resource":{"resourceType":"Patient","name":[{"family":"Durand"}],
                 "contained":[{"resourceType":"Organization","id":"o1","name":"x"}],
                 "managingOrganization":{"reference":"#o1"}},
     "request":{"method":"POST","url":"Patient","ifNoneExist":"identifier=1"}},
    {"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},
                 "subject":{"reference":"urn:uuid:8d3b1fbc-7c6e-4b2e-9d36-2a3f4b5c6d7e"}},
     "request":{"method":"PUT","url":"Observation?identifier=2"}}]})"));
  EXPECT_TRUE(Valid(R"({"resourceType":"Parameters","parameter":[
    {"name":"a","valueBoolean":true},
    {"name":"b","resource":{"resourceType":"Patient","id":"x"}},
    {"name":"c","part":[{"name":"d","valueUri":"http://x"}]}]})"));
}

TEST(ValidatorValid, Decimals) {
  EXPECT_TRUE(Valid(
      R"({"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":0.000000000000000000000001}})"));
  EXPECT_TRUE(Valid(
      R"({"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":-1.5E+3}})"));
}

// --- Invalid resources -------------------------------------------------------

TEST(ValidatorInvalid, NotAResource) {
  EXPECT_TRUE(OneIssue(R"([1,2])", "structure", ""));
  EXPECT_TRUE(OneIssue(R"({"id":"x"})", "required", ""));
  EXPECT_TRUE(OneIssue(R"({"resourceType":42})", "structure", ""));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patinet"})", "invalid", ""));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"HumanName"})", "invalid", ""));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"DomainResource"})", "invalid", ""));
  EXPECT_NE(diagnostics_of(R"({"resourceType":"Patinet"})").find("Patinet"), std::string::npos);
}

TEST(ValidatorInvalid, UnknownElements) {
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","foo":1})", "structure", "Patient.foo"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","name":[{"family":"x","foo":"y"}]})", "structure",
                       "Patient.name[0].foo"));
  EXPECT_EQ(diagnostics_of(R"({"resourceType":"Patient","name":[{"family":"x","foo":"y"}]})"),
            "Unknown element 'foo' in Patient.name[0]");
  // Case matters; and resourceType only belongs at a resource's root.
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","Gender":"male"})", "structure", "Patient.Gender"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","name":[{"resourceType":"HumanName","family":"x"}]})",
                       "structure", "Patient.name[0].resourceType"));
  // A backbone element's children are checked against the backbone.
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","contact":[{"family":"x"}]})", "structure",
                       "Patient.contact[0].family"));
  EXPECT_TRUE(
      OneIssue(R"({"resourceType":"Questionnaire","status":"draft","item":[{"linkId":"1","type":"group",
    "item":[{"linkId":"2","type":"string","bogus":true}]}]})",
               "structure", "Questionnaire.item[0].item[0].bogus"));
}

TEST(ValidatorInvalid, ArrayShape) {
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","name":[{"given":"Jeanne"}]})", "structure",
                       "Patient.name[0].given"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","gender":["male"]})", "structure", "Patient.gender"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","name":{"family":"x"}})", "structure", "Patient.name"));
  EXPECT_TRUE(
      OneIssue(R"({"resourceType":"Patient","managingOrganization":[{"reference":"Organization/1"}]})",
               "structure", "Patient.managingOrganization"));
  EXPECT_NE(diagnostics_of(R"({"resourceType":"Patient","name":[{"given":"Jeanne"}]})").find("array"),
            std::string::npos);
}

TEST(ValidatorInvalid, Required) {
  auto issues = validate_resource(parse(R"({"resourceType":"Observation"})"));
  ASSERT_EQ(issues.size(), 2u) << describe(issues);
  EXPECT_EQ(issues[0].code, "required");
  EXPECT_EQ(issues[0].expression, "Observation.status");
  EXPECT_EQ(issues[1].code, "required");
  EXPECT_EQ(issues[1].expression, "Observation.code");
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","text":{"div":"<div>x</div>"}})", "required",
                       "Patient.text.status"));
  EXPECT_TRUE(
      OneIssue(R"({"resourceType":"Questionnaire","status":"draft","item":[{"linkId":"1","type":"group",
    "item":[{"type":"string"}]}]})",
               "required", "Questionnaire.item[0].item[0].linkId"));
  // A required choice: Observation.component.code is required, value[x] is not.
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Observation","status":"final","code":{"text":"x"},
    "component":[{"valueString":"x"}]})",
                       "required", "Observation.component[0].code"));
  // An extension-only primitive satisfies a required element.
  EXPECT_TRUE(
      Valid(R"({"resourceType":"Observation","_status":{"extension":[{"url":"http://e","valueString":"?"}]},
    "code":{"text":"x"}})"));
}

TEST(ValidatorInvalid, ChoiceTypes) {
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Observation","status":"final","code":{"text":"x"},
    "valueString":"a","valueQuantity":{"value":1}})",
                       "structure", "Observation.valueQuantity"));
  EXPECT_TRUE(
      OneIssue(R"({"resourceType":"Observation","status":"final","code":{"text":"x"},"valueFoo":"a"})",
               "structure", "Observation.valueFoo"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Observation","status":"final","code":{"text":"x"},"value":"a"})",
                       "structure", "Observation.value"));
  // Lower-case primitive name in the suffix is wrong: it is valueString.
  EXPECT_TRUE(
      OneIssue(R"({"resourceType":"Observation","status":"final","code":{"text":"x"},"valuestring":"a"})",
               "structure", "Observation.valuestring"));
  // Patient.deceased[x] allows boolean and dateTime only.
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","deceasedString":"yes"})", "structure",
                       "Patient.deceasedString"));
  EXPECT_NE(diagnostics_of(R"({"resourceType":"Patient","deceasedString":"yes"})").find("deceasedBoolean"),
            std::string::npos);
  // A value and an extension of two different types.
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Observation","status":"final","code":{"text":"x"},
    "valueString":"a","_valueBoolean":{"id":"b"}})",
                       "structure", "Observation._valueBoolean"));
}

TEST(ValidatorInvalid, PrimitiveValues) {
  EXPECT_TRUE(
      OneIssue(R"({"resourceType":"Patient","birthDate":"2020-13-01"})", "value", "Patient.birthDate"));
  EXPECT_EQ(diagnostics_of(R"({"resourceType":"Patient","birthDate":"2020-13-01"})"),
            "Invalid date '2020-13-01' at Patient.birthDate: expected YYYY, YYYY-MM or YYYY-MM-DD (a real "
            "calendar date)");
  EXPECT_TRUE(
      OneIssue(R"({"resourceType":"Patient","birthDate":"2019-02-29"})", "value", "Patient.birthDate"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","birthDate":"1970-01-01T00:00:00Z"})", "value",
                       "Patient.birthDate"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","deceasedDateTime":"2020-01-01T10:00:00"})", "value",
                       "Patient.deceasedDateTime"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","meta":{"lastUpdated":"2020-01-01"}})", "value",
                       "Patient.meta.lastUpdated"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","active":"true"})", "value", "Patient.active"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","active":1})", "value", "Patient.active"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","multipleBirthInteger":1.5})", "value",
                       "Patient.multipleBirthInteger"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","multipleBirthInteger":2147483648})", "value",
                       "Patient.multipleBirthInteger"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","multipleBirthInteger":"2"})", "value",
                       "Patient.multipleBirthInteger"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","telecom":[{"value":"x","rank":0}]})", "value",
                       "Patient.telecom[0].rank"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Observation","status":"final","code":{"text":"x"},
    "valueQuantity":{"value":"1.5"}})",
                       "value", "Observation.valueQuantity.value"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","id":"a_b"})", "value", "Patient.id"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","id":")" + std::string(65, 'a') + R"("})", "value",
                       "Patient.id"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","implicitRules":"http://a b"})", "value",
                       "Patient.implicitRules"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","identifier":[{"type":{"coding":[{"code":"a  b"}]}}]})",
                       "value", "Patient.identifier[0].type.coding[0].code"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","name":[{"family":"a\u0001b"}]})", "value",
                       "Patient.name[0].family"));
  EXPECT_TRUE(
      OneIssue(R"({"resourceType":"Patient","photo":[{"data":"abc"}]})", "value", "Patient.photo[0].data"));
  EXPECT_TRUE(
      OneIssue(R"({"resourceType":"Patient","name":[{"family":""}]})", "value", "Patient.name[0].family"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","name":[{"given":["a",""]}]})", "value",
                       "Patient.name[0].given[1]"));
  // Primitive given as an object: extensions go in "_name".
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","birthDate":{"value":"2000"}})", "structure",
                       "Patient.birthDate"));
}

TEST(ValidatorInvalid, RequiredBindings) {
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","gender":"mal"})", "code-invalid", "Patient.gender"));
  EXPECT_NE(diagnostics_of(R"({"resourceType":"Patient","gender":"mal"})").find("female"), std::string::npos);
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Observation","status":"done","code":{"text":"x"}})",
                       "code-invalid", "Observation.status"));
  EXPECT_TRUE(Valid(R"({"resourceType":"Observation","status":"entered-in-error","code":{"text":"x"}})"));
}

TEST(ValidatorInvalid, EmptyAndNull) {
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","name":[{}]})", "structure", "Patient.name[0]"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","name":[]})", "structure", "Patient.name"));
  EXPECT_TRUE(
      OneIssue(R"({"resourceType":"Patient","maritalStatus":{}})", "structure", "Patient.maritalStatus"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","birthDate":null})", "structure", "Patient.birthDate"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","name":[null]})", "structure", "Patient.name[0]"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","name":[{"given":["a",null]}]})", "structure",
                       "Patient.name[0].given[1]"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","name":[{"given":["a",null],"_given":[null,null]}]})",
                       "structure", "Patient.name[0].given[1]"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","_birthDate":{}})", "structure", "Patient._birthDate"));
}

TEST(ValidatorInvalid, PrimitiveExtensions) {
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","name":[{"given":["a","b"],"_given":[{"id":"x"}]}]})",
                       "structure", "Patient.name[0]._given"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","name":[{"given":["a"],"_given":{"id":"x"}}]})",
                       "structure", "Patient.name[0]._given"));
  EXPECT_TRUE(
      OneIssue(R"({"resourceType":"Patient","_birthDate":[{"id":"x"}]})", "structure", "Patient._birthDate"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","_birthDate":{"value":"2000"}})", "structure",
                       "Patient._birthDate.value"));
  EXPECT_TRUE(
      OneIssue(R"({"resourceType":"Patient","_birthDate":"2000"})", "structure", "Patient._birthDate"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","_name":[{"id":"x"}]})", "structure", "Patient._name"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","_birthDate":{"extension":[{"url":"http://e"}]}})",
                       "invalid", "Patient._birthDate.extension[0]"));
}

TEST(ValidatorInvalid, Extensions) {
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","extension":[{"valueString":"x"}]})", "required",
                       "Patient.extension[0].url"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","extension":[{"url":"http://e","valueString":"x",
    "extension":[{"url":"a","valueString":"y"}]}]})",
                       "invalid", "Patient.extension[0]"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","extension":[{"url":"http://e"}]})", "invalid",
                       "Patient.extension[0]"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","modifierExtension":[{"url":"http://e","valueFoo":1}]})",
                       "structure", "Patient.modifierExtension[0].valueFoo"));
  EXPECT_TRUE(OneIssue(
      R"({"resourceType":"Patient","name":[{"extension":[{"url":"http://e","valueBoolean":"yes"}]}]})",
      "value", "Patient.name[0].extension[0].valueBoolean"));
}

TEST(ValidatorInvalid, Narrative) {
  // xhtml takes no extensions (xhtml.extension is 0..0).
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","text":{"status":"generated","div":"<div>x</div>",
    "_div":{"extension":[{"url":"http://e","valueString":"x"}]}}})",
                       "structure", "Patient.text._div.extension"));
  EXPECT_TRUE(Valid(R"({"resourceType":"Patient","text":{"status":"generated","div":"<div>x</div>",
    "_div":{"id":"d"}}})"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","text":{"status":"generated","div":"<p>x</p>"}})",
                       "value", "Patient.text.div"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","text":{"status":"generated","div":{"p":"x"}}})",
                       "structure", "Patient.text.div"));
}

TEST(ValidatorInvalid, Contained) {
  EXPECT_TRUE(
      OneIssue(R"({"resourceType":"Patient","contained":[{"resourceType":"Organization","name":"x"}]})",
               "required", "Patient.contained[0]"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","contained":[{"id":"o","name":"x"}]})", "required",
                       "Patient.contained[0]"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","contained":[{"resourceType":"Organization","id":"o",
    "contained":[{"resourceType":"Organization","id":"p"}]}]})",
                       "invalid", "Patient.contained[0].contained"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","contained":[{"resourceType":"Organization","id":"o",
    "meta":{"versionId":"1"}}]})",
                       "invalid", "Patient.contained[0].meta.versionId"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","contained":[{"resourceType":"Organization","id":"o",
    "meta":{"lastUpdated":"2020-01-01T00:00:00Z"}}]})",
                       "invalid", "Patient.contained[0].meta.lastUpdated"));
  // Errors inside a contained resource carry the full path.
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","contained":[{"resourceType":"Patient","id":"p",
    "name":[{"given":"x"}]}]})",
                       "structure", "Patient.contained[0].name[0].given"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","contained":[{"resourceType":"Resource","id":"p"}]})",
                       "invalid", "Patient.contained[0]"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","contained":{"resourceType":"Patient","id":"p"}})",
                       "structure", "Patient.contained"));
}

TEST(ValidatorInvalid, NestedResources) {
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Bundle","type":"collection","entry":[
    {"resource":{"resourceType":"Patient","gender":"x"}}]})",
                       "code-invalid", "Bundle.entry[0].resource.gender"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Bundle","type":"collection","entry":[{"resource":{"name":"x"}}]})",
                       "required", "Bundle.entry[0].resource"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Bundle","type":"collection","entry":[{"resource":"Patient/1"}]})",
                       "structure", "Bundle.entry[0].resource"));
  EXPECT_TRUE(
      OneIssue(R"({"resourceType":"Parameters","parameter":[{"name":"p","resource":{"resourceType":"Patient",
    "birthDate":"1999-1-1"}}]})",
               "value", "Parameters.parameter[0].resource.birthDate"));
}

TEST(ValidatorInvalid, References) {
  auto obs = [](std::string_view ref) {
    return R"({"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":")" +
           std::string(ref) + R"("}})";
  };
  for (std::string_view bad : {"Patient/", "Foo/1", "patient/1", "Patient/a_b", "Patient/1/_history",
                               "Patient/1/_history/", "Patient/1/x/2", "Patient/1/2/3/4", "Patient",
                               "Patient?", "Patient/a b", "#a_b", "urn:uuid:not-a-uuid", "urn:oid:abc"}) {
    EXPECT_TRUE(OneIssue(obs(bad), "value", "Observation.subject.reference")) << bad;
  }
  // Relative references must name a type the element allows.
  EXPECT_TRUE(OneIssue(obs("Medication/1"), "invalid", "Observation.subject.reference"));
  EXPECT_TRUE(OneIssue(R"({"resourceType":"Patient","managingOrganization":{"reference":"Practitioner/1"}})",
                       "invalid", "Patient.managingOrganization.reference"));
}

TEST(ValidatorInvalid, ReportsAllIssuesUpToACap) {
  auto issues =
      validate_resource(parse(R"({"resourceType":"Patient","a":1,"b":2,"gender":"x","birthDate":"y"})"));
  EXPECT_EQ(issues.size(), 4u) << describe(issues);
  const char* four = R"({"resourceType":"Patient","a":1,"b":2,"gender":"x","birthDate":"y"})";
  EXPECT_TRUE(HasIssue(four, "structure", "Patient.a"));
  EXPECT_TRUE(HasIssue(four, "structure", "Patient.b"));
  EXPECT_TRUE(HasIssue(four, "code-invalid", "Patient.gender"));
  EXPECT_TRUE(HasIssue(four, "value", "Patient.birthDate"));
  std::string many = R"({"resourceType":"Patient","name":[)";
  for (int i = 0; i < 300; ++i) many += std::string(i ? "," : "") + R"({"given":"x"})";
  many += "]}";
  EXPECT_EQ(validate_resource(parse(many)).size(), 100u);
}

TEST(ValidatorInvalid, ProgrammaticJson) {
  // Documents built in code (not parsed) are checked the same way.
  Json p = Json::object();
  p.set("resourceType", "Patient");
  p.set("birthDate", Json(1970));
  auto issues = validate_resource(p);
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].expression, "Patient.birthDate");
  EXPECT_EQ(issues[0].code, "value");
}

}  // namespace
}  // namespace parcours::fhir
