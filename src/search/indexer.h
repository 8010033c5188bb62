// Extraction of the facts stored with each resource version, in the same
// transaction (store::IndexRows): patient compartments and identifiers today;
// the typed search-index rows of every SearchParameter join them with the
// search engine.
#pragma once

#include <string_view>

#include "fhir/json.h"
#include "store/store.h"

namespace parcours::search {

store::IndexRows index_resource(std::string_view type, const Json& resource);

}  // namespace parcours::search
