// Errors and notes rendered as FHIR OperationOutcome (R4 §2.36).
#pragma once

#include <string_view>
#include <vector>

#include "base/result.h"
#include "fhir/json.h"

namespace parcours::fhir {

Json operation_outcome(const std::vector<Issue>& issues);
Json operation_outcome(const Error& error);
// A single informational issue (e.g. "Deleted Patient/123").
Json information_outcome(std::string_view diagnostics);

}  // namespace parcours::fhir
