// batch and transaction Bundles (FHIR R4 §3.1.0.11 and §2.36 Bundle).
#pragma once

#include <functional>
#include <string>

#include "base/result.h"
#include "fhir/json.h"
#include "security/caller.h"
#include "store/store.h"

namespace parcours::api {

struct BundleOptions {
  std::string base_url;          // "http://host/fhir", for fullUrl
  bool return_resources = true;  // Prefer: return=representation (default)
  bool return_outcome = false;   // Prefer: return=OperationOutcome
};

// Processes a Bundle of type batch or transaction and returns the
// batch-response / transaction-response. A transaction is atomic: on the
// first failing entry nothing is stored and the error names the entry
// (expression "Bundle.entry[i]..."). A batch runs each entry on its own and
// reports per-entry statuses.
Result<Json> process_bundle(const security::RequestContext& ctx, store::Store& store, const Json& bundle,
                            const BundleOptions& options);

}  // namespace parcours::api
