// Feedback to the médecin traitant at each milestone of a coordination
// (seed 003 [226], [332]: only 56% of schemes sent formal feedback). Each one
// is a Communication: category "retour-medecin-traitant", topic = the
// milestone, about = the dossier or plan, sent now. The GP's software marks
// it read by setting Communication.received; the activity report counts both.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "fhir/json.h"
#include "security/caller.h"
#include "store/store.h"

namespace parcours::coordination {

struct Milestone {
  std::string_view code;     // codes::kMilestone…
  std::string_view display;  // French label
};

// "Practitioner/x" when the patient has a médecin traitant
// (Patient.generalPractitioner, a Practitioner or PractitionerRole), else
// nullopt. `patient` is "Patient/<id>".
Result<std::optional<std::string>> general_practitioner(store::Reader& reader, std::string_view patient);

// The caller as a sender: their first Practitioner or PractitionerRole
// principal; '' for system callers.
std::string sender_of(const security::RequestContext& ctx);

// The Communication (without id) telling `recipients` about `milestone` (no
// topic when its code is empty).
Json feedback_message(const Milestone& milestone, std::string_view patient,
                      const std::vector<std::string>& recipients, std::string_view sender,
                      std::string_view about, std::string_view text, store::Micros now);

}  // namespace parcours::coordination
