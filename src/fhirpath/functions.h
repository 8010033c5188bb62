// The function table: every FHIRPath function with its arity, how its
// arguments are evaluated, its result type for the static pass, and its
// implementation. The parser resolves each call to its FunctionDef once.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "fhirpath/value.h"

namespace parcours::fhirpath {

class Evaluator;
struct Node;
struct Scope;

// `input` is the collection the function is invoked on; `scope` is the
// scope of the call (arguments that are not per-item expressions evaluate
// there: N1 §"Functions").
using FunctionImpl = Coll (*)(Evaluator& ev, const Node& call, Span input, const Scope& scope);

// How an argument is evaluated.
enum class Arg : std::uint8_t {
  kValue,   // once, in the caller's scope
  kLambda,  // per input item, with $this/$index (where, select, all...)
  kType,    // a type specifier (is, as, ofType)
  kName,    // a name given as a string literal (defineVariable)
};

// Result type for the static pass.
enum class Returns : std::uint8_t {
  kSame,  // the input's type (where, first, skip...)
  kBoolean,
  kInteger,
  kDecimal,
  kString,
  kDate,
  kDateTime,
  kTime,
  kQuantity,
  kAny,        // unknown
  kLambda,     // the first argument's type (select, repeat)
  kTypeArg,    // the type argument (as, ofType)
  kUnion,      // input and first argument (union, combine)
  kIif,        // second and third arguments
  kChildren,   // unknown and unordered (children, descendants)
  kExtension,  // Extension
  kNumber,     // the input's numeric type (abs, round...)
};

struct FunctionDef {
  std::string_view name;
  std::int8_t min_args;
  std::int8_t max_args;
  FunctionImpl impl;
  Returns returns;
  Arg args[3];               // evaluation mode of each argument
  bool needs_order = false;  // meaningless on an unordered collection (strict mode)
};

// nullptr for an unknown name.
const FunctionDef* find_function(std::string_view name);

// Per-concern tables (functions_*.cc).
std::span<const FunctionDef> existence_functions();
std::span<const FunctionDef> utility_functions();
std::span<const FunctionDef> conversion_functions();
std::span<const FunctionDef> string_functions();
std::span<const FunctionDef> math_functions();
std::span<const FunctionDef> temporal_functions();
std::span<const FunctionDef> fhir_functions();

}  // namespace parcours::fhirpath
