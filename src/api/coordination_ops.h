// The coordination operations of the FHIR API (coordination/workflow/):
//   POST /fhir/CarePlan/{id}/$propose       a draft PPS proposed to the médecin traitant
//   GET|POST /fhir/PlanDefinition/{id}/$apply  a pathway template applied to a patient
//   POST /fhir/$follow-up                   one follow-up pass now (administrators)
//   GET  /fhir/CarePlan/{id}/$render        the PPS as a readable page (HTML, or PDF)
//   GET|POST /fhir/Encounter/{id}/$discharge-checklist  the discharge checklist of a stay
//   GET /fhir/Organization/{id}/$activity-report  a structure's activity over a period
#pragma once

#include <string>
#include <string_view>

#include "api/query_string.h"
#include "base/result.h"
#include "fhir/json.h"
#include "security/caller.h"
#include "store/store.h"

namespace parcours::api {

// Proposes the draft PPS to the patient's médecin traitant: writes the
// approval Task addressed to them, cancels earlier open proposals, and sends
// the feedback message, in one unit. The body is empty or a Parameters with
// an optional "comment" (valueString). Returns the Task.
Result<Json> propose_care_plan(const security::RequestContext& ctx, store::Store& store,
                               const std::string& id, std::string_view body, std::size_t max_depth);

// Applies a pathway template to a patient (R4 PlanDefinition/$apply, with
// coordination/pathways/apply.h). Parameters, from the query string or a
// Parameters body: subject (required, "Patient/<id>"), start (the plan's day
// 0, YYYY-MM-DD; default today), practitioner (the author; default the
// caller), encounter, careTeam (repeatable), title.
//
// As R4 says, the result is not persisted. R4's signature returns one
// CarePlan; a PPS is two (clinical and medico-social, different access
// categories) plus its Goals, so the result is the transaction Bundle that
// creates them all — what R5 made $apply return (a Bundle). The coordinator
// edits it and POSTs it to /fhir.
Result<Json> apply_plan_definition(const security::RequestContext& ctx, store::Store& store,
                                   const std::string& id, const std::vector<QueryParam>& query,
                                   std::string_view body, std::size_t max_depth);

// Runs one follow-up pass (coordination/workflow/scheduler.h) at once, with
// the server's clock; for administrators and automation (full access).
// Returns a Parameters with the counts.
Result<Json> follow_up_now(const security::RequestContext& ctx, store::Store& store);

// The discharge checklist of a stay (coordination/workflow/operations.h):
// POST plans the items not yet planned (Tasks written with the caller's
// access checks and audit), GET reports them; both answer the Parameters
// with each item's status and the time from discharge to its completion.
Result<Json> discharge_checklist(const security::RequestContext& ctx, store::Store& store,
                                 const std::string& id, bool plan);

// The PPS as an HTML page in French (coordination/workflow/pps_document.h),
// built from what the caller may read: the plan (else 404/403 as a read),
// the patient, the medico-social part and the goals; each read is audited.
// `pdf`: a PDF instead of the HTML page. Returns (media type, body).
Result<std::pair<std::string, std::string>> render_care_plan(const security::RequestContext& ctx,
                                                             store::Store& store, const std::string& id,
                                                             bool pdf);

// The activity report of a coordination structure (coordination/workflow/
// report.h). Parameters: start and end (YYYY-MM-DD, both days included,
// UTC), tariff-<level code> (euros per included dossier, at most two
// decimals; default the level's observed cost), _format, _pretty. 400 naming
// a wrong parameter, 404 for an unknown Organization, 422 for one that is
// not a coordination structure. Aggregates only, but small counts can point
// at people: for the structure's own staff (Organization/<id> among the
// caller's identities), analysts, platform administrators and full-access
// system callers (403 otherwise); every decision is audited
// ("activity-report", the Organization as entity).
struct ActivityReportOutput {
  Json measure_report;   // when not `csv`
  std::string csv;       // when `csv`
  std::string filename;  // for Content-Disposition
};
Result<ActivityReportOutput> activity_report(const security::RequestContext& ctx, store::Store& store,
                                             const std::string& id, const std::vector<QueryParam>& query,
                                             bool csv);

}  // namespace parcours::api
