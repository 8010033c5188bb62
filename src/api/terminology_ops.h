// The terminology operation of the FHIR API (search/terminology.h):
//   GET|POST /fhir/ValueSet/$expand?url=...    (or a Parameters body: url, valueSet)
//   GET|POST /fhir/ValueSet/[id]/$expand
// what a coordinator UI calls to fill a pick list. The expansion is the one
// token :in uses: expansion.contains, compose.include concepts, filters
// (R4 FilterOperator) over CodeSystems stored here, nested value sets,
// minus compose.exclude. Optional `filter` (text in the code or display,
// case- and accent-insensitive), `offset` and `count` page the result.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "api/query_string.h"
#include "base/result.h"
#include "fhir/json.h"
#include "security/caller.h"
#include "store/store.h"

namespace parcours::api {

// The ValueSet with `expansion` (timestamp, total, offset, contains). 400
// for a missing or wrong parameter or a value set that cannot be expanded
// here (a filter or a whole system over a CodeSystem not stored), 404 for
// an unknown value set, 403 when the token's scopes do not allow reading
// ValueSet. `id` is empty at type level.
Result<Json> expand_value_set(const security::RequestContext& ctx, store::Store& store, const std::string& id,
                              const std::vector<QueryParam>& query, std::string_view body,
                              std::size_t max_json_depth);

}  // namespace parcours::api
