// The compiled expression behind the public `Expression` handle.
#pragma once

#include <memory>
#include <string>

#include "fhirpath/ast.h"
#include "fhirpath/fhirpath.h"

namespace parcours::fhirpath {

class Expression {
 public:
  std::string text;
  std::unique_ptr<Node> root;
  CompileOptions options;
  std::string input_type;  // options.input_type, owned
};

// Parses `text` into a tree with functions and type specifiers resolved
// (parser.cc); static errors name the position.
Result<std::unique_ptr<Node>> parse(std::string_view text);

// The static pass (analyzer.cc): infers the types along paths, fills the
// member caches and, in strict mode, reports unknown elements, choice
// elements named with their type suffix, non-Boolean iif() criteria and
// order-dependent functions on unordered collections.
Status analyze(Expression& expression);

}  // namespace parcours::fhirpath
