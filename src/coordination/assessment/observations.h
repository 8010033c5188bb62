// Scores as Observations, so that they can be searched, trended and reported
// like any other measurement (Observation?code=…&subject=…&date=…).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "coordination/assessment/assessment.h"
#include "fhir/json.h"

namespace parcours::coordination {

struct ObservationOptions {
  // Reference to the QuestionnaireResponse for Observation.derivedFrom, e.g.
  // "urn:uuid:…" inside a transaction. Default: "QuestionnaireResponse/<id>".
  std::string derived_from;
  // Observation.subject. Default: QuestionnaireResponse.subject, which must
  // then be a Patient, Group, Device or Location. A response about a carer
  // (subject RelatedPerson, e.g. the Zarit interview) needs the care
  // recipient here; the carer becomes Observation.focus.
  std::optional<Json> subject;
  // Observation.effectiveDateTime. Default: QuestionnaireResponse.authored.
  std::string effective;
};

// One Observation per finding of a complete assessment (no id: the store
// assigns it). Status "final" for a completed or amended response,
// "preliminary" for a response saved in progress. Category "survey"; code,
// value (valueQuantity in {score}, or valueCodeableConcept), interpretation,
// note and components from the finding; performer from
// QuestionnaireResponse.author when it is a person or an organisation.
Result<std::vector<Json>> to_observations(const Assessment& assessment, const Json& questionnaire_response,
                                          const ObservationOptions& options = {});

}  // namespace parcours::coordination
