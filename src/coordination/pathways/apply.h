// PlanDefinition $apply for the pathway templates (content/pathways/): turns a
// template into a draft PPS (plan personnalisé de santé) for one person, as
// FHIR R4 CarePlans and Goals (R4 §12.19.3 "Applying a PlanDefinition").
//
// The two sections of a template (top-level groups coded with
// CodeSystem/pps-section) become two CarePlans: the access policy tells the
// clinical PPS from the medico-social one by CarePlan.category, and social
// professionals may see the latter only (CSP R.1110-2). The medico-social
// plan is partOf the clinical one.
//
// What $apply does here, and what it leaves to people:
// - every action is kept, nested groups flattened in order; applicability
//   conditions are plain text (no expression language is evaluated), so they
//   are copied into the activity description as "Si : <text>" and the
//   coordinator removes what does not apply before proposing the plan;
// - timings relative to the start of the plan (discharge or inclusion) become
//   calendar dates; an action that follows a bounded series ("after-end" of
//   "weekly for 2 months") starts when that series ends;
// - roles, not people: the template names professions, carried by the
//   extension kIntervenantExtension on each activity; performers are chosen
//   when the plan is personalised;
// - activities are CarePlan.activity.detail with instantiatesCanonical; no
//   request resources (ServiceRequest, Task...) are created yet.
//
// Pure computation: no I/O, no store. Output resources have no id; they carry
// urn:uuid full URLs that reference each other, to be written in one
// transaction (to_transaction) where the server rewrites them.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "coordination/workflow/codes.h"
#include "fhir/json.h"

namespace parcours::coordination {

// Goal.identifier.system; value "<PlanDefinition id>#<goal id>", so that a
// Goal can be traced back to the template goal it comes from.
inline constexpr std::string_view kPpsGoalSystem = "https://parcours.example.fr/fhir/CodeSystem/pps-goal";
// On CarePlan.activity.detail, one per participant of the action:
// valueCodeableConcept = PlanDefinition.action.participant.role (or its type).
inline constexpr std::string_view kIntervenantExtension =
    "https://parcours.example.fr/fhir/StructureDefinition/pps-intervenant";

struct ApplyInput {
  const Json* plan_definition = nullptr;
  // Resolves a definitionCanonical as written (with or without "|version");
  // nullptr when unknown.
  std::function<const Json*(std::string_view canonical)> activity;
  std::string subject;  // "Patient/<id>" (or urn:uuid:), required
  // FHIR date YYYY-MM-DD: day 0 of the plan (discharge or inclusion), from
  // which relative timings count. Required.
  std::string start;
  std::string author;                  // optional → CarePlan.author
  std::string encounter;               // optional "Encounter/<id>"
  std::vector<std::string> care_team;  // optional "CareTeam/<id>" → CarePlan.careTeam
  std::vector<std::string> addresses;  // optional "Condition/<id>" → CarePlan.addresses
  std::string title;                   // default "PPS — " + PlanDefinition.title
};

struct Applied {
  std::string full_url;  // "urn:uuid:<RFC 4122 v4>"
  Json resource;
};

struct ApplyOutput {
  // Clinical plan first, then the medico-social one (partOf the first).
  std::vector<Applied> care_plans;
  std::vector<Applied> goals;
  // Accepted oddities (severity "warning"): unknown definitionCanonical,
  // timing units that have no calendar meaning, actions outside a section...
  std::vector<Issue> warnings;
};

// Errors: 400 with the parameter as expression ("subject", "start",
// "planDefinition", "careTeam[1]"...) for bad input; 422 located in the
// PlanDefinition for a template that cannot be applied (no PPS section).
Result<ApplyOutput> apply_plan_definition(const ApplyInput& in);

// A transaction Bundle creating every output resource: one POST entry each,
// fullUrl = the urn:uuid the other resources refer to (R4 §3.1.0.11.2).
Json to_transaction(const ApplyOutput& out);

// Calendar arithmetic on a FHIR date YYYY-MM-DD: adds `value` units of UCUM
// `unit` ("d", "wk", "mo", "a"). Months and years keep the day of the month,
// clamped to the last day (2027-01-31 + 1 mo = 2027-02-28). nullopt for
// another unit, a malformed date or a result outside years 1–9999.
std::optional<std::string> add_to_date(std::string_view date, std::int64_t value, std::string_view unit);

}  // namespace parcours::coordination
