// N1 §5.7 "Math" and the 2.1 functions lowBoundary(), highBoundary(),
// precision() and comparable().
#include <cmath>

#include "fhirpath/evaluator.h"
#include "fhirpath/functions.h"
#include "fhirpath/operators.h"
#include "fhirpath/types.h"

namespace parcours::fhirpath {

namespace {

constexpr int kMaxBoundaryPrecision = 28;  // FHIRPath decimals: 28 digits
constexpr int kDefaultBoundaryPrecision = 8;

const Value* number_input(Span input, const Node& call) {
  const Value* v = single(input, call.name + "()");
  if (!v || !v->has_value) return nullptr;
  if (v->kind != VKind::kInteger && v->kind != VKind::kDecimal)
    fail(call.name + "() expects a number, not " + std::string(type_name(*v)));
  return v;
}

Coll from_double(double d) {
  auto r = Decimal::from_double(d);
  if (!r) return {};
  return {Value::decimal(*r)};
}

Coll fn_abs(Evaluator&, const Node& call, Span input, const Scope&) {
  const Value* v = single(input, "abs()");
  if (!v || !v->has_value) return {};
  if (v->kind == VKind::kInteger) {
    if (v->i == INT64_MIN) return {};
    return {Value::integer(v->i < 0 ? -v->i : v->i)};
  }
  if (v->kind == VKind::kDecimal) return {Value::decimal(abs(v->d))};
  if (auto q = quantity(*v)) return {Value::quantity(abs(q->value), q->unit)};
  fail(call.name + "() expects a number or a quantity");
}

template <Rounding R>
Coll fn_to_integer_rounding(Evaluator&, const Node& call, Span input, const Scope&) {
  const Value* v = number_input(input, call);
  if (!v) return {};
  if (v->kind == VKind::kInteger) return {*v};
  auto r = rescale(v->d, 0, R);
  auto i = r ? r->to_int64() : std::nullopt;
  if (!i) return {};
  return {Value::integer(*i)};
}

Coll fn_round(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  const Value* v = number_input(input, call);
  std::int64_t precision = 0;
  if (!call.args.empty()) {
    Coll a = ev.arg(call, 0, scope);
    auto p = integer_of(a, "round() precision");
    if (!p) return {};
    if (*p < 0) fail("round() precision must not be negative");
    precision = std::min<std::int64_t>(*p, Decimal::kMaxScale);
  }
  if (!v) return {};
  Decimal d = v->kind == VKind::kInteger ? Decimal::from_int(v->i) : v->d;
  auto r = rescale(d, static_cast<int>(precision), Rounding::kHalfUp);
  if (!r) return {};
  return {Value::decimal(*r)};
}

Coll fn_sqrt(Evaluator&, const Node& call, Span input, const Scope&) {
  const Value* v = number_input(input, call);
  if (!v) return {};
  double d = numeric(*v)->to_double();
  if (d < 0) return {};
  return from_double(std::sqrt(d));
}

Coll fn_exp(Evaluator&, const Node& call, Span input, const Scope&) {
  const Value* v = number_input(input, call);
  if (!v) return {};
  return from_double(std::exp(numeric(*v)->to_double()));
}

Coll fn_ln(Evaluator&, const Node& call, Span input, const Scope&) {
  const Value* v = number_input(input, call);
  if (!v) return {};
  double d = numeric(*v)->to_double();
  if (d <= 0) return {};
  return from_double(std::log(d));
}

Coll fn_log(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  const Value* v = number_input(input, call);
  Coll a = ev.arg(call, 0, scope);
  const Value* base = number_input(a, call);
  if (!v || !base) return {};
  double x = numeric(*v)->to_double(), b = numeric(*base)->to_double();
  if (x <= 0 || b <= 0 || b == 1) return {};
  // Rounded to 14 significant digits so that 16.log(2) is exactly 4.
  double r = std::log(x) / std::log(b);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.14g", r);
  return from_double(std::strtod(buf, nullptr));
}

Coll fn_power(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  const Value* v = number_input(input, call);
  Coll a = ev.arg(call, 0, scope);
  const Value* e = number_input(a, call);
  if (!v || !e) return {};
  if (v->kind == VKind::kInteger && e->kind == VKind::kInteger && e->i >= 0) {
    std::int64_t r = 1;
    for (std::int64_t k = 0; k < e->i; ++k) {
      if (__builtin_mul_overflow(r, v->i, &r)) return {};
      if (r == 0 || r == 1) break;
    }
    return {Value::integer(r)};
  }
  double r = std::pow(numeric(*v)->to_double(), numeric(*e)->to_double());
  if (!std::isfinite(r)) return {};
  return from_double(r);
}

// Decimal boundaries (2.1 lowBoundary/highBoundary): the value ± half a unit
// of its last digit, written with `precision` decimal places. The low
// boundary is truncated and the high one rounded half up at that precision
// (the official suite's expectations: 0.0034.highBoundary(1) is 0.0);
// negative values mirror their absolute value.
std::optional<Decimal> decimal_boundary(const Decimal& v, int precision, bool high) {
  if (v.sign() < 0) {
    auto r = decimal_boundary(negate(v), precision, !high);
    if (!r) return std::nullopt;
    return negate(*r);
  }
  Decimal half{5, v.scale + 1};
  auto b = high ? add(v, half) : subtract(v, half);
  if (!b) return std::nullopt;
  if (precision >= b->scale) return rescale(*b, precision);
  return rescale(*b, precision, high ? Rounding::kHalfUp : Rounding::kDown);
}

template <bool kHigh>
Coll fn_boundary(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  const Value* v = single(input, call.name + "()");
  std::optional<std::int64_t> precision;
  if (!call.args.empty()) {
    Coll a = ev.arg(call, 0, scope);
    precision = integer_of(a, call.name + "() precision");
    if (!precision) return {};
  }
  if (!v || !v->has_value) return {};
  if (v->kind == VKind::kInteger || v->kind == VKind::kDecimal || quantity(*v)) {
    int p = precision ? static_cast<int>(std::clamp<std::int64_t>(*precision, -1, 1000))
                      : kDefaultBoundaryPrecision;
    if (p < 0 || p > kMaxBoundaryPrecision) return {};
    auto q = quantity(*v);
    Decimal d = q ? q->value : *numeric(*v);
    auto r = decimal_boundary(d, p, kHigh);
    if (!r) return {};
    if (q) return {Value::quantity(*r, q->unit)};
    return {Value::decimal(*r)};
  }
  if (auto t = temporal(*v)) {
    std::optional<int> digits;
    if (precision) digits = static_cast<int>(std::clamp<std::int64_t>(*precision, -1, 100));
    auto r = kHigh ? high_boundary(*t, digits) : low_boundary(*t, digits);
    if (!r) return {};
    VKind k = v->kind == VKind::kDate   ? VKind::kDate
              : v->kind == VKind::kTime ? VKind::kTime
                                        : VKind::kDateTime;
    return {Value::temporal(k, ev.keep(format(*r)))};
  }
  fail(call.name + "() expects a number, a quantity or a date/time");
}

Coll fn_precision(Evaluator&, const Node& call, Span input, const Scope&) {
  const Value* v = single(input, "precision()");
  if (!v || !v->has_value) return {};
  if (v->kind == VKind::kInteger) return {Value::integer(0)};
  if (v->kind == VKind::kDecimal) return {Value::integer(v->d.scale)};
  if (auto t = temporal(*v)) return {Value::integer(precision_digits(*t))};
  if (auto q = quantity(*v)) return {Value::integer(q->value.scale)};
  fail(call.name + "() expects a number or a date/time");
}

Coll fn_comparable(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  const Value* v = single(input, "comparable()");
  Coll a = ev.arg(call, 0, scope);
  const Value* w = single(a, "comparable() argument");
  if (!v || !w) return {};
  auto x = quantity(*v), y = quantity(*w);
  if (!x || !y) fail("comparable() expects quantities");
  return {Value::boolean(comparable_units(x->unit, y->unit))};
}

constexpr Arg V = Arg::kValue;

const FunctionDef kFunctions[] = {
    {"abs", 0, 0, fn_abs, Returns::kNumber, {V, V, V}},
    {"ceiling", 0, 0, fn_to_integer_rounding<Rounding::kCeiling>, Returns::kInteger, {V, V, V}},
    {"floor", 0, 0, fn_to_integer_rounding<Rounding::kFloor>, Returns::kInteger, {V, V, V}},
    {"truncate", 0, 0, fn_to_integer_rounding<Rounding::kDown>, Returns::kInteger, {V, V, V}},
    {"round", 0, 1, fn_round, Returns::kDecimal, {V, V, V}},
    {"sqrt", 0, 0, fn_sqrt, Returns::kDecimal, {V, V, V}},
    {"exp", 0, 0, fn_exp, Returns::kDecimal, {V, V, V}},
    {"ln", 0, 0, fn_ln, Returns::kDecimal, {V, V, V}},
    {"log", 1, 1, fn_log, Returns::kDecimal, {V, V, V}},
    {"power", 1, 1, fn_power, Returns::kNumber, {V, V, V}},
    {"lowBoundary", 0, 1, fn_boundary<false>, Returns::kSame, {V, V, V}},
    {"highBoundary", 0, 1, fn_boundary<true>, Returns::kSame, {V, V, V}},
    {"precision", 0, 0, fn_precision, Returns::kInteger, {V, V, V}},
    {"comparable", 1, 1, fn_comparable, Returns::kBoolean, {V, V, V}},
};

}  // namespace

std::span<const FunctionDef> math_functions() { return kFunctions; }

}  // namespace parcours::fhirpath
