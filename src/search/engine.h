// Running a search end to end: parameters -> query (query.h) -> plan
// (planner.h) -> store -> a page with its paging cursors. The API renders
// the result as a searchset Bundle (api/search.cc); conditional interactions
// and transactions use find() for "which resources match this query".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "search/planner.h"
#include "search/query.h"
#include "store/store.h"

namespace parcours::search {

struct SearchRequest {
  std::vector<std::string> types;  // [type] of /[type]?...; empty for a system search
  std::string compartment;         // patient id for /Patient/[id]/[type]
  std::vector<Param> params;
  bool strict = false;  // Prefer: handling=strict
  std::string base_url;
  store::RowFilter policy;  // the caller's access policy (security layer); empty: full access
  std::int64_t now = 0;     // microseconds UTC
  int default_count = 50;
};

struct SearchResult {
  Query query;
  store::SearchPage page;
  std::string next_cursor;           // '' when there is no next page
  std::string prev_cursor;           // '' when there is no previous page
  bool target_order = false;         // unsorted, in a chain's target order (store::SearchPlan)
  bool latest_walk = false;          // a code's rows walked by their latest date (store::SearchPlan)
  std::vector<std::string> explain;  // planner notes and backend SQL (when _explain=true)
};

Result<SearchResult> execute(store::Reader& reader, const SearchRequest& request);

// The ids of the resources of `type` matching the query string `query`
// ("identifier=x|y&active=true"), at most `limit` (conditional create,
// update, delete and conditional references, R4 §3.1.0.8 / §3.1.0.11.2).
// Unknown parameters are errors (a condition must not silently widen).
Result<std::vector<std::string>> find(store::Reader& reader, const std::string& type, std::string_view query,
                                      int limit, const store::RowFilter& policy = {},
                                      const std::string& base_url = {});

// Decodes an application/x-www-form-urlencoded query ("a=1&b=%2C").
Result<std::vector<Param>> parse_form(std::string_view text);

}  // namespace parcours::search
