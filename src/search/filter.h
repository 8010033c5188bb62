// The _filter parameter (FHIR R4 http://hl7.org/fhir/R4/search_filter.html):
// an expression over the resource type's search parameters,
//
//   filter := or ; or := and ("or" and)* ; and := unary ("and" unary)*
//   unary  := "not" "(" filter ")" | "(" filter ")" | param op value
//
// "not" binds tighter than "and", "and" tighter than "or" (the spec gives
// no precedence; parentheses make any other grouping explicit). Values are
// JSON-style strings in double quotes ("a \"b\"") or any run of characters
// without whitespace or parentheses (tokens system|code, dates, numbers,
// quantities 5.4|http://unitsofmeasure.org|mg).
//
// The planner compiles the tree (planner.cc) with the same value -> row
// condition builders as ordinary parameters, so `birthdate eq 2024` and
// `birthdate=2024` match the same resources.
//
// Parameter paths chain through references (`subject.name co "pet"`, up to
// 3 levels; each reference's target types that have the next parameter,
// ORed), as ordinary chained parameters do.
//
// Not supported (a 400 naming the construct): paths with a [filter]
// (`related[type eq x].target`), modifiers on the parameter, composite and
// special parameters, _filter without a resource type. The operators per
// parameter type are in docs/decisions/search.md.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "search/registry.h"

namespace parcours::search {

struct FilterExpr {
  enum class Kind { And, Or, Not, Chain, Test };
  Kind kind = Kind::Test;
  // And, Or (two or more), Not (one); Chain (one): resources whose
  // reference parameter `param` targets a resource of type `code` that
  // satisfies kids[0] (`subject.name co "x"`, one Chain per target type).
  std::vector<FilterExpr> kids;
  // Test: `code` (a search parameter of the type, or _id / _lastUpdated)
  // `op` `value` (unescaped); `position` is the 1-based offset of the test
  // in the expression.
  std::string code;
  const ParamDef* param = nullptr;  // null for _id and _lastUpdated
  std::string op;
  std::string value;
  std::size_t position = 0;
};

// Parses and checks `text` for resource type `type` (each operator against
// the parameter's type, each value against the operator). Errors are 400s
// naming the problem and its position.
Result<FilterExpr> parse_filter(std::string_view text, const std::string& type, const Registry& registry);

// The operators allowed on a parameter type ("eq ne co ..."), for messages
// and the CapabilityStatement.
std::string_view filter_operators(fhir::SearchParamType kind);

}  // namespace parcours::search
