// N1 §5.1 "Existence", §5.2 "Filtering and projection", §5.3 "Subsetting",
// §5.4 "Combining", aggregate() (N1 §7) and the 2.1 aggregates sum, min,
// max, avg.
#include "fhirpath/evaluator.h"
#include "fhirpath/functions.h"
#include "fhirpath/operators.h"

namespace parcours::fhirpath {

namespace {

Coll boolean(bool b) { return {Value::boolean(b)}; }

Coll fn_empty(Evaluator&, const Node&, Span input, const Scope&) { return boolean(input.empty()); }

Coll fn_exists(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  if (call.args.empty()) return boolean(!input.empty());
  for (std::size_t i = 0; i < input.size(); ++i) {
    Coll r = ev.lambda(*call.args[0], input[i], static_cast<std::int64_t>(i), scope);
    auto b = as_boolean(r, "exists() criteria");
    if (b && *b) return boolean(true);
  }
  return boolean(false);
}

Coll fn_all(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  for (std::size_t i = 0; i < input.size(); ++i) {
    Coll r = ev.lambda(*call.args[0], input[i], static_cast<std::int64_t>(i), scope);
    auto b = as_boolean(r, "all() criteria");
    if (!b || !*b) return boolean(false);
  }
  return boolean(true);
}

// allTrue() and friends need Booleans (N1 §5.1).
template <bool kAll, bool kWant>
Coll fn_bools(Evaluator&, const Node& call, Span input, const Scope&) {
  for (const Value& v : input) {
    if (v.kind != VKind::kBoolean) fail(call.name + "() expects Booleans");
    if (!v.has_value) continue;
    if (kAll && v.b != kWant) return boolean(false);
    if (!kAll && v.b == kWant) return boolean(true);
  }
  return boolean(kAll);
}

ValueSet set_of(Span items) {
  ValueSet s;
  for (const Value& v : items) s.insert(v);
  return s;
}

Coll fn_subset_of(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  Coll other = ev.arg(call, 0, scope);
  ValueSet set = set_of(other);
  for (const Value& v : input)
    if (!set.contains(v)) return boolean(false);
  return boolean(true);
}

Coll fn_superset_of(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  Coll other = ev.arg(call, 0, scope);
  ValueSet set = set_of(input);
  for (const Value& v : other)
    if (!set.contains(v)) return boolean(false);
  return boolean(true);
}

Coll fn_count(Evaluator&, const Node&, Span input, const Scope&) {
  return {Value::integer(static_cast<std::int64_t>(input.size()))};
}

Coll fn_distinct(Evaluator&, const Node&, Span input, const Scope&) { return distinct(input); }

Coll fn_is_distinct(Evaluator&, const Node&, Span input, const Scope&) {
  return boolean(distinct(input).size() == input.size());
}

Coll fn_not(Evaluator&, const Node&, Span input, const Scope&) {
  auto b = as_boolean(input, "not()");
  if (!b) return {};
  return boolean(!*b);
}

// --- Filtering and projection ---------------------------------------------

Coll fn_where(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  Coll out;
  for (std::size_t i = 0; i < input.size(); ++i) {
    Coll r = ev.lambda(*call.args[0], input[i], static_cast<std::int64_t>(i), scope);
    auto b = as_boolean(r, "where() criteria");
    if (b && *b) out.push_back(input[i]);
  }
  return out;
}

Coll fn_select(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  Coll out;
  for (std::size_t i = 0; i < input.size(); ++i) {
    Coll r = ev.lambda(*call.args[0], input[i], static_cast<std::int64_t>(i), scope);
    out.append(r);
    ev.check_size(out.size());
  }
  return out;
}

// repeat(): the projection applied until no new items appear (N1 §5.2).
// Input nodes are new when not seen (by identity); computed values when not
// equal to one already found.
Coll fn_repeat(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  Coll out;
  ValueSet seen(/*identity=*/true);
  Coll frontier;
  frontier.append(input);
  while (!frontier.empty()) {
    Coll next;
    for (std::size_t i = 0; i < frontier.size(); ++i) {
      Coll r = ev.lambda(*call.args[0], frontier[i], static_cast<std::int64_t>(i), scope);
      for (const Value& v : r) {
        if (seen.insert(v)) {
          out.push_back(v);
          next.push_back(v);
        }
      }
      ev.check_size(out.size());
    }
    frontier = std::move(next);
  }
  return out;
}

// --- Subsetting ---------------------------------------------------------------

Coll fn_single(Evaluator&, const Node&, Span input, const Scope&) {
  const Value* v = single(input, "single()");
  if (!v) return {};
  return {*v};
}

Coll fn_first(Evaluator&, const Node&, Span input, const Scope&) {
  if (input.empty()) return {};
  return {input.front()};
}

Coll fn_last(Evaluator&, const Node&, Span input, const Scope&) {
  if (input.empty()) return {};
  return {input.back()};
}

Coll fn_tail(Evaluator&, const Node&, Span input, const Scope&) {
  Coll out;
  if (input.size() > 1) out.append(input.subspan(1));
  return out;
}

Coll fn_skip(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  Coll a = ev.arg(call, 0, scope);
  auto n = integer_of(a, "skip()");
  if (!n) return {};
  Coll out;
  if (*n <= 0) {
    out.append(input);
  } else if (static_cast<std::size_t>(*n) < input.size()) {
    out.append(input.subspan(static_cast<std::size_t>(*n)));
  }
  return out;
}

Coll fn_take(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  Coll a = ev.arg(call, 0, scope);
  auto n = integer_of(a, "take()");
  if (!n || *n <= 0) return {};
  Coll out;
  out.append(input.subspan(0, std::min(input.size(), static_cast<std::size_t>(*n))));
  return out;
}

Coll fn_intersect(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  Coll other = ev.arg(call, 0, scope);
  ValueSet set = set_of(other);
  Coll out;
  for (const Value& v : distinct(input))
    if (set.contains(v)) out.push_back(v);
  return out;
}

Coll fn_exclude(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  Coll other = ev.arg(call, 0, scope);
  ValueSet set = set_of(other);
  Coll out;
  for (const Value& v : input)
    if (!set.contains(v)) out.push_back(v);
  return out;
}

// --- Combining ----------------------------------------------------------------

Coll fn_union(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  Coll all;
  all.append(input);
  all.append(ev.arg(call, 0, scope));
  ev.check_size(all.size());
  return distinct(all);
}

Coll fn_combine(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  Coll all;
  all.append(input);
  all.append(ev.arg(call, 0, scope));
  ev.check_size(all.size());
  return all;
}

// --- Aggregates -------------------------------------------------------------------

Coll fn_aggregate(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  Coll total;
  if (call.args.size() > 1) total = ev.arg(call, 1, scope);
  for (std::size_t i = 0; i < input.size(); ++i) {
    Coll next = ev.lambda(*call.args[0], input[i], static_cast<std::int64_t>(i), scope, &total);
    total = std::move(next);
  }
  return total;
}

Coll fn_sum(Evaluator& ev, const Node&, Span input, const Scope&) {
  if (input.empty()) return {};
  Coll acc{input[0]};
  for (std::size_t i = 1; i < input.size(); ++i) {
    acc = arithmetic(ev, BinOp::kAdd, acc[0], input[i]);
    if (acc.empty()) return {};
  }
  if (acc[0].kind != VKind::kInteger && acc[0].kind != VKind::kDecimal && acc[0].kind != VKind::kQuantity)
    fail("sum() expects numbers or quantities");
  return acc;
}

template <bool kMin>
Coll fn_extreme(Evaluator&, const Node& call, Span input, const Scope&) {
  if (input.empty()) return {};
  Value best = input[0];
  for (std::size_t i = 1; i < input.size(); ++i) {
    auto c = compare(input[i], best);
    if (!c) fail(call.name + "(): values of different precisions");
    if (kMin ? *c < 0 : *c > 0) best = input[i];
  }
  return {best};
}

Coll fn_avg(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  Coll s = fn_sum(ev, call, input, scope);
  if (s.empty()) return {};
  return arithmetic(ev, BinOp::kDiv, s[0], Value::integer(static_cast<std::int64_t>(input.size())));
}

constexpr Arg V = Arg::kValue;
constexpr Arg L = Arg::kLambda;

const FunctionDef kFunctions[] = {
    {"empty", 0, 0, fn_empty, Returns::kBoolean, {V, V, V}},
    {"exists", 0, 1, fn_exists, Returns::kBoolean, {L, V, V}},
    {"all", 1, 1, fn_all, Returns::kBoolean, {L, V, V}},
    {"allTrue", 0, 0, fn_bools<true, true>, Returns::kBoolean, {V, V, V}},
    {"anyTrue", 0, 0, fn_bools<false, true>, Returns::kBoolean, {V, V, V}},
    {"allFalse", 0, 0, fn_bools<true, false>, Returns::kBoolean, {V, V, V}},
    {"anyFalse", 0, 0, fn_bools<false, false>, Returns::kBoolean, {V, V, V}},
    {"subsetOf", 1, 1, fn_subset_of, Returns::kBoolean, {V, V, V}},
    {"supersetOf", 1, 1, fn_superset_of, Returns::kBoolean, {V, V, V}},
    {"count", 0, 0, fn_count, Returns::kInteger, {V, V, V}},
    {"distinct", 0, 0, fn_distinct, Returns::kSame, {V, V, V}},
    {"isDistinct", 0, 0, fn_is_distinct, Returns::kBoolean, {V, V, V}},
    {"not", 0, 0, fn_not, Returns::kBoolean, {V, V, V}},
    {"where", 1, 1, fn_where, Returns::kSame, {L, V, V}},
    {"select", 1, 1, fn_select, Returns::kLambda, {L, V, V}},
    {"repeat", 1, 1, fn_repeat, Returns::kLambda, {L, V, V}},
    {"single", 0, 0, fn_single, Returns::kSame, {V, V, V}, true},
    {"first", 0, 0, fn_first, Returns::kSame, {V, V, V}, true},
    {"last", 0, 0, fn_last, Returns::kSame, {V, V, V}, true},
    {"tail", 0, 0, fn_tail, Returns::kSame, {V, V, V}, true},
    {"skip", 1, 1, fn_skip, Returns::kSame, {V, V, V}, true},
    {"take", 1, 1, fn_take, Returns::kSame, {V, V, V}, true},
    {"intersect", 1, 1, fn_intersect, Returns::kSame, {V, V, V}},
    {"exclude", 1, 1, fn_exclude, Returns::kSame, {V, V, V}},
    {"union", 1, 1, fn_union, Returns::kUnion, {V, V, V}},
    {"combine", 1, 1, fn_combine, Returns::kUnion, {V, V, V}},
    {"aggregate", 1, 2, fn_aggregate, Returns::kAny, {L, V, V}},
    {"sum", 0, 0, fn_sum, Returns::kSame, {V, V, V}},
    {"min", 0, 0, fn_extreme<true>, Returns::kSame, {V, V, V}},
    {"max", 0, 0, fn_extreme<false>, Returns::kSame, {V, V, V}},
    {"avg", 0, 0, fn_avg, Returns::kAny, {V, V, V}},
};

}  // namespace

std::span<const FunctionDef> existence_functions() { return kFunctions; }

}  // namespace parcours::fhirpath
