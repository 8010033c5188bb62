// The PPS as a readable document for the patient and the team (an HTML page
// in French that prints well): who it is for, whether the GP validated it,
// the goals, and each section's interventions with their dates, rhythm and
// the professions involved. Pure: the caller reads the resources (with the
// access policy: a section the reader may not see is left out and said so).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fhir/json.h"

namespace parcours::coordination {

struct PpsDocumentInput {
  const Json* patient = nullptr;   // may be null (not readable)
  const Json* plan = nullptr;      // the clinical CarePlan (required)
  std::vector<const Json*> parts;  // the medico-social CarePlan(s) the reader may see
  bool parts_hidden = false;       // a part exists that the reader may not see
  std::vector<const Json*> goals;  // the Goals the plans refer to, readable ones
  std::string generated_at;        // FHIR instant, for the footer
};

std::string render_pps_html(const PpsDocumentInput& in);

}  // namespace parcours::coordination
