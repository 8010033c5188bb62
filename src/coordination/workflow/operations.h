// The coordination operations that are more than a write: they read the
// dossier and produce the resources to write (as effects, rules.h), which the
// API writes in one unit with the caller's access checks and audit.
#pragma once

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

}  // namespace parcours::coordination
