// The state machines of the coordination resources, as pure tables: which
// status may follow which. The write rules (rules.h) refuse the others with
// a 422 naming both statuses and what is allowed instead.
#pragma once

#include <string_view>
#include <vector>

namespace parcours::coordination {

// FHIR R4 Task state machine (task.html §12.1.2.2 "Task state machine"):
// draft → requested → received → accepted → ready → in-progress → completed,
// with rejected, cancelled, on-hold and failed; completed, cancelled,
// rejected and failed are terminal. entered-in-error is reachable from any
// status.
bool task_transition_allowed(std::string_view from, std::string_view to);
bool task_terminal(std::string_view status);

// EpisodeOfCare (the coordination dossier, R4 episodeofcare.html §12.10):
// planned/waitlist (referral received) → active (accepted) ⇄ onhold →
// finished or cancelled (closure). A closed dossier may be reopened
// (finished/cancelled → active), as the brief asks.
bool episode_transition_allowed(std::string_view from, std::string_view to);
bool episode_closed(std::string_view status);

// A PPS (CarePlan, R4 request-status): draft → active only through the GP's
// validation (rules.h), active ⇄ on-hold, active/on-hold → draft (a
// revision, proposed again), → completed or revoked. completed and revoked
// are terminal.
bool pps_transition_allowed(std::string_view from, std::string_view to);

// The statuses reachable from `from`, for error messages.
std::vector<std::string_view> task_next(std::string_view from);
std::vector<std::string_view> episode_next(std::string_view from);
std::vector<std::string_view> pps_next(std::string_view from);

}  // namespace parcours::coordination
