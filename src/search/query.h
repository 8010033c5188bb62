// Search parameters -> query AST (FHIR R4 §3.1.1 "Search"). Parsing checks
// every parameter against the registry and every value against its type:
// with `strict` (Prefer: handling=strict, R4 §3.1.1.4) the first problem is
// a 400 naming the parameter; otherwise the parameter is ignored and listed
// in Query::ignored, and the self link shows only what was applied.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "search/registry.h"
#include "store/search_index.h"

namespace parcours::search {

struct FilterExpr;  // search/filter.h

struct Param {
  std::string name;
  std::string value;
};

// One parameter occurrence (clauses are ANDed; values within one are ORed).
struct Clause {
  enum class Kind {
    Param,        // `param` on `type` with `modifier` and `values`
    Chain,        // `param` (reference on `type`) -> `next` on `target_types`
    Has,          // resources of `has_type` whose `param` refers to `type` satisfy `next`
    Id,           // _id
    LastUpdated,  // _lastUpdated
    Text,         // _text (narrative)
    Content,      // _content
    List,         // _list
    Filter,       // _filter: the expression `filter` on `type`
  };
  Kind kind = Kind::Param;
  std::string type;
  const ParamDef* param = nullptr;
  std::string modifier;             // without ':' ("exact", "missing", "Patient"...)
  std::vector<std::string> values;  // split at unescaped commas, still escaped
  std::vector<std::string> target_types;
  std::string has_type;
  std::shared_ptr<Clause> next;
  // A chain through a reference that may target several types: one Chain
  // clause per target type, ORed (this clause's own `next` is then null).
  std::vector<std::shared_ptr<Clause>> alternatives;
  std::shared_ptr<const FilterExpr> filter;
  Param source;  // the request parameter it came from (top-level clauses)
};

struct SortSpec {
  std::string code;                 // "_id", "_lastUpdated" or a parameter code
  const ParamDef* param = nullptr;  // null for _id and _lastUpdated
  bool descending = false;
};

enum class TotalMode { Default, None, Estimate, Accurate };
// _contained (R4 §3.1.1.5.9): search the resources themselves (No, the
// default), the resources they contain (Only), or both.
enum class ContainedMode { No, Only, Both };
enum class SummaryMode { None, True, Text, Data, Count, False };

struct Query {
  std::vector<std::string> types;  // searched types; empty: every type
  std::string compartment;         // patient id of /Patient/[id]/[type] ('' none)
  std::vector<Clause> clauses;
  std::vector<SortSpec> sort;
  int count = 50;
  bool count_given = false;
  TotalMode total = TotalMode::Default;
  SummaryMode summary = SummaryMode::None;
  std::vector<std::string> elements;
  std::vector<store::IncludeSpec> includes;
  ContainedMode contained = ContainedMode::No;
  bool return_contained = false;  // _containedType=contained: the contained resource, not its container
  std::string cursor;             // _cursor (paging position)
  bool explain = false;
  std::vector<Issue> ignored;  // lenient mode: what was not applied, and why
  std::vector<Param> applied;  // for the self link, in request order
};

// Bounds on one request, so that its SQL stays within SQLite's limits and a
// request cannot make the server build an unbounded plan: 400 beyond them.
inline constexpr std::size_t kMaxParams = 200;   // parameters in one search
inline constexpr std::size_t kMaxValues = 1000;  // comma-separated values of one parameter

struct ParseOptions {
  bool strict = false;
  std::string base_url;  // absolute references to this server become relative
  int default_count = 50;
  int max_count = 1000;
};

// `types`: the type of /[type]?..., empty for /?... (then _type may name
// them). Parameters the API itself handles (_format, _pretty) are skipped.
Result<Query> parse_query(std::vector<std::string> types, const std::vector<Param>& params,
                          const ParseOptions& options);

// Splits `value` at separators not escaped by '\' (R4 §3.1.1.4.6 escaping);
// the parts keep their escapes.
std::vector<std::string> split_unescaped(std::string_view value, char sep);
// Removes the escapes "\," "\$" "\|" "\\".
std::string unescape(std::string_view value);

// Prefixes of number, date and quantity values (R4 §3.1.1.4.1).
enum class Prefix { Eq, Ne, Gt, Lt, Ge, Le, Sa, Eb, Ap };
// Splits "ge2024" into (Ge, "2024"); no prefix means eq.
std::pair<Prefix, std::string_view> split_prefix(std::string_view value);

// Checks one value (escaped, one of the OR list) for parameter kind `kind`
// with `modifier`; an error message when malformed.
std::optional<std::string> check_value(fhir::SearchParamType kind, std::string_view modifier,
                                       std::string_view value);

}  // namespace parcours::search
