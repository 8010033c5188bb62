// Observation/$lastn (R4 OperationDefinition Observation-lastn, "Last N
// Observations Query"): the most recent `max` observations (default 1) of
// each group of equivalent codes, per subject, among the observations that
// match the other search parameters. The coordination screens' "last HbA1c
// of each of my diabetic patients" in one request, where a plain search
// would page through every value.
#pragma once

#include "base/result.h"
#include "search/engine.h"
#include "store/store.h"

namespace parcours::search {

// Groups (R4 $lastn): codes are equivalent when system and code are equal,
// text-only codes group by their text, and the codings of one
// observation are equivalent to each other (translations), transitively.
// Groups come by subject, then by code; each group's observations from the
// most recent `effective[x]` (those without one last).
//
// `request.types` must be {"Observation"}. The request needs a subject
// (`patient` or `subject`, chains and modifiers included, or a patient
// compartment: request.compartment) and a `category`
// or a parameter on a code element (`code`, `code-value-concept`...), else
// 400. `max` is a positive integer (at most 1000); `_sort`, `_count`,
// `_cursor`, `_total`, `_include`, `_revinclude` and `_contained` do not
// apply: 400 in strict mode, ignored and reported otherwise. The result is
// one page (no paging links); reading more than kLastnScanned matching
// observations to build it is a 400 (too-costly).
inline constexpr int kLastnScanned = 20000;
Result<SearchResult> lastn(store::Reader& reader, const SearchRequest& request);

}  // namespace parcours::search
