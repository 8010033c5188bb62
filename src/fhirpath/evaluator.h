// The tree-walking evaluator. Collections are small vectors of trivially
// copyable Values; FHIR nodes are pointers into the input and computed
// strings live in an arena owned by the evaluation.
//
// Run-time errors unwind as EvalError (thrown only for errors, which end
// the evaluation) and become an Error at the API edge (api.cc).
#pragma once

#include <cstdint>
#include <forward_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fhirpath/ast.h"
#include "fhirpath/datetime.h"
#include "fhirpath/expression.h"
#include "fhirpath/fhirpath.h"
#include "fhirpath/value.h"

namespace parcours::fhirpath {

struct EvalError {
  std::string message;
};

[[noreturn]] void fail(std::string message);

// `type` is `ancestor` or one of its subtypes (fast for concrete resources).
bool derives(const fhir::TypeDef* type, const fhir::TypeDef* ancestor);

// What term-level invocations and $this refer to (N1 §"Functions": inside
// where/select/... the focus is each item in turn).
struct Scope {
  Span focus;
  std::int64_t index = -1;      // $index; -1 outside an iteration
  const Coll* total = nullptr;  // $total inside aggregate()
};

class Evaluator {
 public:
  static constexpr std::size_t kMaxItems = 2'000'000;             // per collection
  static constexpr std::size_t kMaxString = 16u * 1024u * 1024u;  // computed strings
  static constexpr std::size_t kMaxArena = 128u * 1024u * 1024u;  // all computed strings of one evaluation

  Evaluator(const Expression& expression, const Environment& env, const Json* input);
  // The input collection is {input}, any value (an item of an earlier result).
  Evaluator(const Expression& expression, const Environment& env, const Value& input);
  Evaluator(const Evaluator&) = delete;  // resource() points into the evaluator itself
  Evaluator& operator=(const Evaluator&) = delete;

  Coll eval(const Node& n, const Scope& scope);

  // Function arguments: once in the caller's scope, or per item.
  Coll arg(const Node& call, std::size_t i, const Scope& scope);
  Coll lambda(const Node& expr, const Value& item, std::int64_t index, const Scope& outer,
              const Coll* total = nullptr);
  Coll lambda_on(const Node& expr, Span focus, const Scope& outer);

  // Arena: values computed during the evaluation.
  std::string_view keep(std::string s);
  const Json* keep_json(Json j);

  const Environment& env() const { return env_; }
  Span input() const { return context_; }
  bool owns(const Json* node) const;  // a Json kept in the arena
  const Expression& expression() const { return expr_; }
  const Value* context() const { return context_.empty() ? nullptr : &context_.front(); }
  const Value* resource() const { return resource_ptr_; }
  const Temporal& now();

  // defineVariable(): visible to the rest of the evaluation.
  void define(std::string_view name, Coll value);
  const Coll* variable(std::string_view name) const;
  std::size_t variables_mark() const { return vars_.size(); }
  void variables_reset(std::size_t mark) { vars_.resize(mark); }

  void check_size(std::size_t n) const;
  void trace(std::string_view name, Span items);

 private:
  Coll eval_member(const Node& n, const Scope& scope);
  Coll eval_function(const Node& n, const Scope& scope);
  Coll eval_binary(const Node& n, const Scope& scope);
  Coll eval_variable(const Node& n, const Scope& scope);

  const Expression& expr_;
  const Environment& env_;
  Coll context_;
  Coll resource_;                        // %resource when it is not the input itself
  const Value* resource_ptr_ = nullptr;  // into context_ or resource_, which never change
  std::optional<Temporal> now_;
  // Lists, not deques: an evaluation that computes nothing allocates nothing.
  std::forward_list<std::string> strings_;
  std::size_t arena_bytes_ = 0;
  std::forward_list<Json> jsons_;
  std::vector<std::pair<std::string_view, Coll>> vars_;
  int depth_ = 0;
};

// --- Helpers shared by the function files ------------------------------------

// The single item of `c`, nullptr when empty; an error naming `what` when
// there are several (N1 §"Singleton evaluation of collections").
const Value* single(Span c, std::string_view what);
// Singleton evaluation as a Boolean: empty → nullopt; one Boolean → it;
// one other item → true (N1 §4.5); several → error.
std::optional<bool> as_boolean(Span c, std::string_view what);
// A single String / Integer argument (empty → nullopt; wrong type → error).
std::optional<std::string_view> string_of(Span c, std::string_view what);
std::optional<std::int64_t> integer_of(Span c, std::string_view what);
// The public Item for a Value (api.cc).
Item to_item(const Value& v);
Collection to_items(Span c);

}  // namespace parcours::fhirpath
