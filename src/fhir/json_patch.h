// JSON Patch (RFC 6902) over our Json model, for the FHIR `patch`
// interaction with Content-Type application/json-patch+json (FHIR R4 §3.1.0.8).
#pragma once

#include "base/result.h"
#include "fhir/json.h"

namespace parcours::fhir {

// Applies `patch` (an array of operations) to a copy of `document`. Errors
// name the operation index, e.g. "/2: path '/name/5' does not exist". A failed
// `test` operation yields 422; malformed patches yield 400.
Result<Json> apply_json_patch(const Json& document, const Json& patch);

}  // namespace parcours::fhir
