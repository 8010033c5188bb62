// The coordination rules on writes: what the workflow forbids, and what it
// writes along with a resource, in the same atomic unit.
//
// The API calls apply_write_rules() for every create and update (direct or
// inside a Bundle), after the access policy allowed the write and before the
// version is stored. A rule either refuses the write (an Error, 422 with the
// reason and the way forward), completes the incoming resource (server-kept
// fields such as EpisodeOfCare.statusHistory or Task.lastModified), or asks
// for effects: other resources written in the same unit (the score
// Observations of an assessment, the feedback message to the GP, the
// CarePlan activated by the GP's validation). Effects go through the same
// access policy and audit as the caller's own writes, so a rule never grants
// more than the caller has; they are not themselves subject to the rules.
//
// What the rules enforce (docs/coordination.md):
// - Task: the R4 state machine; a refusal, cancellation or failure needs
//   statusReason; an approval Task is decided by its owner only.
// - PPS (CarePlan with a pps-section category): never active without the
//   GP's validation; a validated plan is changed through a revision (draft).
// - EpisodeOfCare: its lifecycle, a closure reason, the status history; the
//   GP is told when a dossier is accepted, closed or reopened.
// - QuestionnaireResponse of a shipped instrument: answers checked, scores
//   written as Observations derived from it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "fhir/json.h"
#include "security/caller.h"
#include "store/store.h"

namespace parcours::coordination {

struct WriteEvent {
  const security::RequestContext& ctx;
  store::Reader& reader;  // the writer's unit: sees what it wrote so far
  std::string_view type;
  std::string_view id;
  const Json* previous = nullptr;  // the live stored version; null on create or after a delete
  Json& incoming;                  // what will be stored; rules may complete it
  store::Micros now = 0;
};

// A resource to write in the same unit (an id is always set: a fresh one for
// a new resource).
struct Effect {
  std::string type;
  std::string id;
  Json resource;
};

Result<std::vector<Effect>> apply_write_rules(WriteEvent& event);

// Whether any rule looks at writes of `type` (the caller skips reading the
// previous version for the others).
bool has_write_rules(std::string_view type);

}  // namespace parcours::coordination
