// Extraction of the facts stored with each resource version, in the same
// transaction (store::IndexRows): patient compartments, identifiers, and the
// typed search-index rows of every SearchParameter that applies
// (search/extract.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "fhir/json.h"
#include "store/store.h"

namespace parcours::search {

store::IndexRows index_resource(std::string_view type, const Json& resource);

// The full text index_resource gives a resource (store::TextIndexer).
store::FullText index_text(std::string_view type, const Json& resource);

// Makes `store` ready for index_resource and search: loads the custom
// SearchParameter resources it holds into the registry, and registers every
// row name with it. Returns true when the stored index was built from other
// definitions: run store.reindex() (`parcours reindex`). Custom parameters
// that cannot be used are described in `problems`.
Result<bool> prepare_store(store::Store& store, std::vector<std::string>* problems = nullptr);

}  // namespace parcours::search
