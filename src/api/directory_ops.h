// The directory operation of the FHIR API (directory/find.h):
//   GET /fhir/HealthcareService/$find   services near the patient, open at a
//                                       given time, accepting new patients...
#pragma once

#include <string>
#include <vector>

#include "api/query_string.h"
#include "base/result.h"
#include "fhir/json.h"
#include "security/caller.h"
#include "store/store.h"

namespace parcours::api {

// A searchset Bundle of HealthcareServices ordered by distance, each with
// its distance (extension location-distance on entry.search), then their
// Locations and Organizations (mode include). Directory resources are the
// `directory` category (readable by every authenticated user,
// config/policy.conf); the caller's policy goes inside every search all the
// same, and the answer is audited as a search. 400 naming a wrong parameter;
// 403 when the token's scopes do not allow searching HealthcareService.
Result<Json> find_healthcare_services(const security::RequestContext& ctx, store::Store& store,
                                      const std::vector<QueryParam>& query, const std::string& base_url);

}  // namespace parcours::api
