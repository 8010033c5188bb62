// iif() (N1 §5.5), types (N1 §"Types and Reflection": is, as, ofType,
// type()), tree navigation (N1 §5.8: children, descendants), utility
// functions (N1 §5.9: trace, defineVariable) and the 2.1 sort().
#include <algorithm>

#include "fhirpath/evaluator.h"
#include "fhirpath/functions.h"
#include "fhirpath/model.h"
#include "fhirpath/operators.h"
#include "fhirpath/types.h"

namespace parcours::fhirpath {

namespace {

// iif(criterion, true-result [, otherwise-result]): only the chosen branch is
// evaluated, with the function's input as focus.
Coll fn_iif(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  if (call.target && input.size() > 1) fail("iif() expects a single input item");
  Coll c = ev.lambda_on(*call.args[0], input, scope);
  if (c.size() > 1) fail("iif() criterion must be a single Boolean");
  auto b = as_boolean(c, "iif() criterion");
  if (b && *b) return ev.lambda_on(*call.args[1], input, scope);
  if (call.args.size() > 2) return ev.lambda_on(*call.args[2], input, scope);
  return {};
}

Coll fn_of_type(Evaluator&, const Node& call, Span input, const Scope&) {
  Coll out;
  for (const Value& v : input)
    if (is_of_type(v, call.type, true)) out.push_back(v);
  return out;
}

Coll fn_is(Evaluator&, const Node& call, Span input, const Scope&) {
  const Value* v = single(input, "is()");
  if (!v) return {};
  return {Value::boolean(is_of_type(*v, call.type, false))};
}

Coll fn_as(Evaluator&, const Node& call, Span input, const Scope&) {
  const Value* v = single(input, "as()");
  if (!v || !is_of_type(*v, call.type, true)) return {};
  return {*v};
}

// type(): a TypeInfo (N1 §"Reflection": namespace and name).
Coll fn_type(Evaluator& ev, const Node&, Span input, const Scope&) {
  Coll out;
  for (const Value& v : input) {
    TypeInfo t = type_info(v);
    Json info = Json::object();
    info.set("namespace", Json(t.ns));
    info.set("name", Json(t.name));
    Value x;
    x.kind = VKind::kObject;
    x.node = ev.keep_json(std::move(info));
    out.push_back(x);
  }
  return out;
}

Coll fn_children(Evaluator& ev, const Node&, Span input, const Scope&) {
  Coll out;
  for (const Value& v : input) children(v, out);
  ev.check_size(out.size());
  return out;
}

// descendants() is repeat(children()) (N1 §5.8); a tree has no repeats.
Coll fn_descendants(Evaluator& ev, const Node&, Span input, const Scope&) {
  Coll out;
  Coll frontier;
  for (const Value& v : input) children(v, frontier);
  while (!frontier.empty()) {
    out.append(frontier);
    ev.check_size(out.size());
    Coll next;
    for (const Value& v : frontier) children(v, next);
    frontier = std::move(next);
  }
  return out;
}

Coll fn_trace(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  Coll name = ev.arg(call, 0, scope);
  auto n = string_of(name, "trace() name");
  std::string_view label = n ? *n : std::string_view("trace");
  Coll out;
  out.append(input);
  if (call.args.size() > 1) {
    Coll projected = ev.lambda_on(*call.args[1], input, scope);
    ev.trace(label, projected);
  } else {
    ev.trace(label, input);
  }
  return out;
}

Coll fn_define_variable(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  Coll value;
  if (call.args.size() > 1) {
    value = ev.lambda_on(*call.args[1], input, scope);
  } else {
    value.append(input);
  }
  ev.define(call.args[0]->name, std::move(value));
  Coll out;
  out.append(input);
  return out;
}

// sort(key, ...): ascending by each key in turn; a key written -expr sorts
// descending (FHIRPath 2.1 / R5 sort()). Items with an empty key come first
// in either direction (the official suite: name.sort(-family) starts with
// the name that has no family).
Coll fn_sort(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  struct Keyed {
    std::size_t index;
    std::vector<Coll> keys;
  };
  std::vector<Keyed> rows;
  rows.reserve(input.size());
  for (std::size_t i = 0; i < input.size(); ++i) {
    Keyed k{i, {}};
    if (call.args.empty()) {
      k.keys.push_back(Coll{input[i]});
    } else {
      for (const auto& a : call.args) {
        const Node& key = a->kind == NodeKind::kUnary && a->negate ? *a->target : *a;
        Coll r = ev.lambda(key, input[i], static_cast<std::int64_t>(i), scope);
        if (r.size() > 1) fail("sort() key must give at most one item");
        k.keys.push_back(std::move(r));
      }
    }
    rows.push_back(std::move(k));
  }
  auto less = [&](const Keyed& x, const Keyed& y) {
    for (std::size_t k = 0; k < x.keys.size(); ++k) {
      bool desc = !call.args.empty() && call.args[k]->kind == NodeKind::kUnary && call.args[k]->negate;
      const Coll& a = x.keys[k];
      const Coll& b = y.keys[k];
      if (a.empty() || b.empty()) {
        if (a.empty() == b.empty()) continue;
        return a.empty();
      }
      auto c = compare(a[0], b[0]).value_or(0);
      if (c != 0) return desc ? c > 0 : c < 0;
    }
    return false;
  };
  std::stable_sort(rows.begin(), rows.end(), less);
  Coll out;
  for (const Keyed& k : rows) out.push_back(input[k.index]);
  return out;
}

constexpr Arg V = Arg::kValue;
constexpr Arg L = Arg::kLambda;
constexpr Arg T = Arg::kType;

const FunctionDef kFunctions[] = {
    {"iif", 2, 3, fn_iif, Returns::kIif, {L, L, L}},
    {"ofType", 1, 1, fn_of_type, Returns::kTypeArg, {T, V, V}},
    {"is", 1, 1, fn_is, Returns::kBoolean, {T, V, V}},
    {"as", 1, 1, fn_as, Returns::kTypeArg, {T, V, V}},
    {"type", 0, 0, fn_type, Returns::kAny, {V, V, V}},
    {"children", 0, 0, fn_children, Returns::kChildren, {V, V, V}},
    {"descendants", 0, 0, fn_descendants, Returns::kChildren, {V, V, V}},
    {"trace", 1, 2, fn_trace, Returns::kSame, {V, L, V}},
    {"defineVariable", 1, 2, fn_define_variable, Returns::kSame, {Arg::kName, L, V}},
    {"sort", 0, 3, fn_sort, Returns::kSame, {L, L, L}},
};

}  // namespace

std::span<const FunctionDef> utility_functions() { return kFunctions; }

}  // namespace parcours::fhirpath
