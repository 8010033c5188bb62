// The coordination operations that are more than a write: they read the
// dossier and produce the resources to write (as effects, rules.h), which the
// API writes in one unit with the caller's access checks and audit.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "coordination/workflow/rules.h"
#include "fhir/json.h"
#include "security/caller.h"
#include "store/store.h"

namespace parcours::coordination {

// CarePlan/[id]/$propose: a draft PPS is proposed to the patient's médecin
// traitant. Produces the approval Task (code "approve", focus = the plan's
// current version, owner = the GP, status "requested"), cancels the earlier
// approval Tasks of the plan still open, and the feedback message to the GP.
// The Task is effects.front(). `comment` (optional) goes into the Task's note
// and the message.
Result<std::vector<Effect>> propose_pps(const security::RequestContext& ctx, store::Reader& reader,
                                        std::string_view plan_id, std::string_view comment,
                                        store::Micros now);

// The items of the discharge checklist (CodeSystem checklist-sortie), in
// the order they are shown.
struct ChecklistItem {
  std::string_view code;
  std::string_view display;
};
std::span<const ChecklistItem> discharge_checklist_items();

// Encounter/[id]/$discharge-checklist (POST): one Task per checklist item
// not yet planned for this stay (requested, focus = the Encounter, owner =
// the caller, due at the discharge date, Encounter.period.end, else now).
// Items already planned are kept: calling it twice creates nothing.
Result<std::vector<Effect>> plan_discharge_checklist(const security::RequestContext& ctx,
                                                     store::Reader& reader, std::string_view encounter_id,
                                                     store::Micros now);

// Encounter/[id]/$discharge-checklist (GET): each item's Task status and the
// time from discharge to its completion (hours; negative when done before
// the discharge), as a Parameters resource. `tasks` are the checklist Tasks
// of the stay the caller may read.
Json checklist_status(const Json& encounter, const std::vector<Json>& tasks);

}  // namespace parcours::coordination
