#include "coordination/assessment/observations.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "coordination/assessment/codes.h"

namespace parcours::coordination {
namespace {

Json coding(const Coding& c) {
  Json j = Json::object();
  j.set("system", c.system);
  j.set("code", c.code);
  if (!c.display.empty()) j.set("display", c.display);
  return j;
}

Json concept_of(const Coding& c, std::string_view text = {}) {
  Json j = Json::object();
  j.set("coding", Json(Json::Array{coding(c)}));
  j.set("text", text.empty() ? c.display : std::string(text));
  return j;
}

Json score_quantity(int value) {
  Json q = Json::object();
  q.set("value", value);
  q.set("unit", "{score}");
  q.set("system", codes::kUcum);
  q.set("code", "{score}");
  return q;
}

// Resource type a Reference points to: Reference.type, else the "Type/id"
// (possibly absolute, possibly versioned) form of Reference.reference.
std::string reference_type(const Json& ref) {
  if (auto t = ref.get_string("type"); !t.empty()) return std::string(t);
  std::string_view r = ref.get_string("reference");
  if (auto h = r.find("/_history/"); h != std::string_view::npos) r = r.substr(0, h);
  const auto last = r.rfind('/');
  if (last == std::string_view::npos || last == 0) return {};
  const auto prev = r.rfind('/', last - 1);
  return std::string(r.substr(prev == std::string_view::npos ? 0 : prev + 1,
                              last - (prev == std::string_view::npos ? 0 : prev + 1)));
}

bool one_of(std::string_view v, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), v) != set.end();
}

}  // namespace

Result<std::vector<Json>> to_observations(const Assessment& a, const Json& qr,
                                          const ObservationOptions& options) {
  if (!a.complete) {
    std::string missing;
    for (const std::string& m : a.missing) missing += (missing.empty() ? "" : ", ") + m;
    return Error(422, "incomplete",
                 "The assessment is incomplete (missing: " + missing + "): no score to record",
                 "QuestionnaireResponse.item");
  }

  std::string derived_from = options.derived_from;
  if (derived_from.empty()) {
    const std::string_view id = qr.get_string("id");
    if (id.empty())
      return Error(422, "required",
                   "The QuestionnaireResponse has no id: give the reference for Observation.derivedFrom",
                   "QuestionnaireResponse.id");
    derived_from = "QuestionnaireResponse/" + std::string(id);
  }

  const Json* qr_subject = qr.find("subject");
  Json subject;
  std::optional<Json> focus;
  if (options.subject) {
    subject = *options.subject;
    if (qr_subject && !qr_subject->equals(subject, false)) focus = *qr_subject;
  } else if (qr_subject) {
    subject = *qr_subject;
  } else {
    return Error(422, "required", "The QuestionnaireResponse has no subject and none was given",
                 "QuestionnaireResponse.subject");
  }
  const std::string subject_type = reference_type(subject);
  if (!one_of(subject_type, {"Patient", "Group", "Device", "Location"}))
    return Error(422, "business-rule",
                 "Observation.subject must be a Patient, Group, Device or Location, not '" + subject_type +
                     "': for a response about a carer, give the care recipient as subject",
                 "QuestionnaireResponse.subject");

  std::string effective =
      options.effective.empty() ? std::string(qr.get_string("authored")) : options.effective;
  if (effective.empty())
    return Error(422, "required", "The QuestionnaireResponse has no authored date and none was given",
                 "QuestionnaireResponse.authored");

  const std::string_view status = qr.get_string("status");
  const bool final = status == "completed" || status == "amended";

  std::optional<Json> performer;
  if (const Json* author = qr.find("author"))
    if (one_of(reference_type(*author),
               {"Practitioner", "PractitionerRole", "Organization", "CareTeam", "Patient", "RelatedPerson"}))
      performer = *author;

  std::vector<Json> out;
  for (const Finding& f : a.findings) {
    Json o = Json::object();
    o.set("resourceType", "Observation");
    o.set("status", final ? "final" : "preliminary");
    Json category = Json::object();
    category.set("coding",
                 Json(Json::Array{coding({std::string(codes::kObservationCategory), "survey", "Survey"})}));
    o.set("category", Json(Json::Array{std::move(category)}));
    o.set("code", concept_of(f.code, f.text));
    o.set("subject", subject);
    if (focus) o.set("focus", Json(Json::Array{*focus}));
    o.set("effectiveDateTime", effective);
    if (performer) o.set("performer", Json(Json::Array{*performer}));
    if (f.score) o.set("valueQuantity", score_quantity(*f.score));
    if (f.value) o.set("valueCodeableConcept", concept_of(*f.value));
    if (f.interpretation) o.set("interpretation", Json(Json::Array{concept_of(*f.interpretation)}));
    if (!f.note.empty()) {
      Json note = Json::object();
      note.set("text", f.note);
      o.set("note", Json(Json::Array{std::move(note)}));
    }
    Json ref = Json::object();
    ref.set("reference", derived_from);
    o.set("derivedFrom", Json(Json::Array{std::move(ref)}));
    if (!f.components.empty()) {
      Json components = Json::array();
      for (const Finding::Component& c : f.components) {
        Json j = Json::object();
        j.set("code", concept_of(c.code));
        if (c.value) j.set("valueCodeableConcept", concept_of(*c.value));
        if (c.score) j.set("valueInteger", *c.score);
        components.push_back(std::move(j));
      }
      o.set("component", std::move(components));
    }
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace parcours::coordination
