// Query AST -> backend-neutral plan (store/search_index.h).
//
// The planner turns each clause into a predicate with the spec's semantics
// (prefix ranges, modifiers, chains, _has), asks the store for a bounded
// count of each predicate's rows, orders them most selective first (the
// first one enumerates, the others test), decides whether walking the sort
// index beats sorting the matches, and writes down why (explain).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/result.h"
#include "search/query.h"
#include "store/store.h"

namespace parcours::search {

struct PlanOptions {
  store::RowFilter policy;  // access policy inside the query; empty: none
  std::int64_t now = 0;     // microseconds UTC: `ap` on dates is relative to it
  std::string base_url;     // "http://host/fhir": absolute references to it are local
  // Predicates estimated at or above this many rows count as unselective.
  std::int64_t estimate_cap = 500;
  // Second, wider count of a capped driver, to choose between enumerating
  // it and walking an ordered index.
  std::int64_t estimate_cap2 = 50000;
  // Strict handling (Prefer: handling=strict): a clause the planner cannot
  // apply is a 400; otherwise it is dropped and reported in Planned::issues.
  bool strict = true;
  // The ids of the resources of `type` matching the query string `query`,
  // at most `limit`, searched for the same caller (same policy): for the
  // modifiers that need a search first (reference :above/:below walk a
  // hierarchy). Empty: such modifiers are refused.
  std::function<Result<std::vector<std::string>>(const std::string& type, const std::string& query,
                                                 int limit)>
      find;
};

struct Planned {
  store::SearchPlan plan;
  std::vector<std::string> notes;  // the planner's reasoning, for explain
  std::int64_t driver_estimate = -1;
  std::vector<Issue> issues;   // warnings and information for the OperationOutcome
  std::vector<Param> dropped;  // lenient mode: parameters not applied
};

Result<Planned> make_plan(const Query& query, store::Reader& reader, const PlanOptions& options);

// One clause as a predicate (used by make_plan; exposed for tests).
Result<store::Predicate> clause_predicate(const Clause& clause, store::Reader& reader,
                                          const PlanOptions& options, std::vector<Issue>* notes = nullptr);

// Paging cursors: opaque URL-safe tokens holding the sort-key values and
// the rid of the row a page starts after (or ends before).
std::string encode_cursor(const store::SearchCursor& cursor);
Result<store::SearchCursor> decode_cursor(std::string_view token, std::size_t keys);
// Gives `plan` the cursor of a later page. A page continues in the order of
// the first (the strategy chosen then, not the one today's statistics would
// choose): a target-order cursor makes its chain the driver again. A 400
// when the cursor cannot belong to this query.
// The tag a target-order cursor carries to name its chain.
std::string chain_tag(const store::Predicate& chain);
Status follow_cursor(store::SearchPlan& plan, store::SearchCursor cursor, std::vector<std::string>& notes);

}  // namespace parcours::search
