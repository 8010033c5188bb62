// The compiled form of an expression: a tree built once by the parser, with
// functions resolved to their implementation, type specifiers resolved
// against the R4 model, literal regexes compiled, and element lookups
// cached per FHIR type by the static pass. Immutable after compile(), so
// any number of threads may evaluate it at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fhir/definitions.h"
#include "fhirpath/value.h"

namespace parcours::fhirpath {

class Regex;
struct FunctionDef;

enum class NodeKind : std::uint8_t {
  kLiteral,   // true, 1, 'a', @2015, 4 'mg', {} (empty: literal_empty)
  kThis,      // $this
  kIndex,     // $index
  kTotal,     // $total
  kVariable,  // %name
  kMember,    // name, or target.name
  kFunction,  // f(args), or target.f(args)
  kIndexer,   // target[right]
  kUnary,     // -target, +target
  kBinary,    // target op right
  kTypeOp,    // target is T, target as T
};

// Binary operators by precedence group (N1 §"Operator precedence").
enum class BinOp : std::uint8_t {
  kMul,
  kDiv,
  kIntDiv,
  kMod,
  kAdd,
  kSub,
  kConcat,
  kUnion,
  kLt,
  kGt,
  kLe,
  kGe,
  kEq,
  kNe,
  kEquiv,
  kNotEquiv,
  kIn,
  kContains,
  kAnd,
  kOr,
  kXor,
  kImplies,
  kIs,  // kTypeOp only
  kAs,  // kTypeOp only
};

enum class VarKind : std::uint8_t {
  kContext,       // %context
  kResource,      // %resource
  kRootResource,  // %rootResource
  kConstant,      // %ucum, %sct, %loinc, %`vs-x`, %`ext-x`: a fixed string
  kUser,          // defined by defineVariable()
};

// A type specifier (N1 §"Types and Reflection"): "Quantity", "FHIR.Patient",
// "System.Integer". Unqualified names match the FHIR model first, then
// System (FHIR R4 §2.3).
struct TypeSpec {
  enum class Space : std::uint8_t { kAny, kSystem, kFhir };
  std::string text;  // as written
  std::string name;  // without namespace
  Space space = Space::kAny;
  const fhir::TypeDef* fhir = nullptr;  // the FHIR type, when the name is one
  int system = -1;                      // the System type (a VKind), -1 when none
};

// find_element() results for the FHIR types the static pass expects at a
// member node; evaluation falls back to find_element() on a miss.
struct MemberCache {
  const fhir::TypeDef* type;
  fhir::ElementMatch match;
};

struct Node {
  NodeKind kind = NodeKind::kLiteral;
  std::uint32_t pos = 0;     // byte offset in the source, for messages
  std::uint32_t height = 1;  // 1 + the tallest child (bounded by the parser)
  // Member/function/indexer: the expression the invocation applies to
  // (nullptr: the current focus, $this). Unary/binary/type operators: the
  // (left) operand.
  std::unique_ptr<Node> target;
  std::unique_ptr<Node> right;  // binary: right operand; indexer: the index
  std::vector<std::unique_ptr<Node>> args;
  std::string name;  // member, function or variable name; literal text storage
  BinOp op = BinOp::kAdd;
  bool negate = false;         // unary minus
  bool literal_empty = false;  // {}
  Value literal;
  const FunctionDef* fn = nullptr;
  TypeSpec type;  // is / as / ofType
  VarKind var = VarKind::kContext;
  // Term-level member naming a FHIR type ("Patient" in Patient.name): selects
  // focus items of that type (N1 §"Path selection" / FHIR R4 §2.3).
  const fhir::TypeDef* type_name = nullptr;
  std::vector<MemberCache> cache;
  std::shared_ptr<const Regex> regex;  // constant pattern of matches()/replaceMatches()
};

}  // namespace parcours::fhirpath
