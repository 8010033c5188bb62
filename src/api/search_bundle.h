// A search result as a searchset Bundle (FHIR R4 §3.1.1.1, §2.36 Bundle):
// fullUrl and search.mode (match / include / outcome) on each entry, total
// per _total, self / next / previous links. The self link shows only the
// parameters that were applied (R4 §3.1.1.1).
#pragma once

#include <string>

#include "search/engine.h"

namespace parcours::api {

struct SearchBundleOptions {
  std::string base_url;  // "http://host/fhir": fullUrls
  std::string path_url;  // the searched URL without query: "http://host/fhir/Observation"
  bool pretty = false;
};

// The Bundle as JSON text. Stored resources are copied into it as they are
// (no re-parsing) unless _summary or _elements ask for a view.
std::string searchset_bundle(const search::SearchResult& result, const SearchBundleOptions& options);

}  // namespace parcours::api
