// N1 §5.5 "Conversion": toX() and convertsToX() for Boolean, Integer,
// Decimal, String, Date, DateTime, Time and Quantity.
#include <cctype>

#include "fhirpath/evaluator.h"
#include "fhirpath/functions.h"
#include "fhirpath/operators.h"

namespace parcours::fhirpath {

namespace {

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// (\+|-)?\d+
bool integer_form(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (i == s.size()) return false;
  for (; i < s.size(); ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

// (\+|-)?\d+(\.\d+)?
bool decimal_form(std::string_view s) {
  std::size_t dot = s.find('.');
  if (dot == std::string_view::npos) return integer_form(s);
  if (!integer_form(s.substr(0, dot))) return false;
  std::string_view frac = s.substr(dot + 1);
  if (frac.empty()) return false;
  for (char c : frac)
    if (c < '0' || c > '9') return false;
  return true;
}

std::optional<bool> to_boolean(const Value& v) {
  if (!v.has_value) return std::nullopt;
  switch (v.kind) {
    case VKind::kBoolean:
      return v.b;
    case VKind::kInteger:
      if (v.i == 1) return true;
      if (v.i == 0) return false;
      return std::nullopt;
    case VKind::kDecimal:
      if (compare(v.d, Decimal::from_int(1)) == 0) return true;
      if (compare(v.d, Decimal::from_int(0)) == 0) return false;
      return std::nullopt;
    case VKind::kString: {
      std::string s = lower_ascii(v.s);
      if (s == "true" || s == "t" || s == "yes" || s == "y" || s == "1" || s == "1.0") return true;
      if (s == "false" || s == "f" || s == "no" || s == "n" || s == "0" || s == "0.0") return false;
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

std::optional<std::int64_t> to_integer(const Value& v) {
  if (!v.has_value) return std::nullopt;
  switch (v.kind) {
    case VKind::kInteger:
      return v.i;
    case VKind::kBoolean:
      return v.b ? 1 : 0;
    case VKind::kString: {
      if (!integer_form(v.s) || v.s.size() > 12) return std::nullopt;
      auto d = Decimal::parse(v.s);
      auto i = d ? d->to_int64() : std::nullopt;
      // FHIRPath Integer is 32-bit (N1 §"Integer").
      if (!i || *i > 2147483647LL || *i < -2147483648LL) return std::nullopt;
      return i;
    }
    default:
      return std::nullopt;
  }
}

std::optional<Decimal> to_decimal(const Value& v) {
  if (!v.has_value) return std::nullopt;
  switch (v.kind) {
    case VKind::kInteger:
      return Decimal::from_int(v.i);
    case VKind::kDecimal:
      return v.d;
    case VKind::kBoolean:
      return Decimal{v.b ? 10 : 0, 1};
    case VKind::kString:
      if (!decimal_form(v.s)) return std::nullopt;
      return Decimal::parse(v.s);
    default:
      return std::nullopt;
  }
}

}  // namespace

// The text of a value (toString(), join()...); nullopt when it has none.
std::optional<std::string> text_of(const Value& v) {
  if (!v.has_value) return std::nullopt;
  switch (v.kind) {
    case VKind::kBoolean:
      return std::string(v.b ? "true" : "false");
    case VKind::kInteger:
      return std::to_string(v.i);
    case VKind::kDecimal:
      if (v.node && v.node->is_number()) return v.node->number();
      return v.d.to_string();
    case VKind::kString:
    case VKind::kDate:
    case VKind::kDateTime:
    case VKind::kTime:
      return std::string(v.s);
    case VKind::kQuantity:
    case VKind::kNode: {
      auto q = quantity(v);
      if (!q) return std::nullopt;
      std::string s = q->value.to_string() + " ";
      if (calendar_keyword(q->unit) != TimeUnit::kNone) {
        s.append(q->unit);
      } else {
        s += "'";
        s.append(q->unit);
        s += "'";
      }
      return s;
    }
    default:
      return std::nullopt;
  }
}

// A quantity from a value (N1 §5.5.8 toQuantity()).
std::optional<Qty> to_quantity(const Value& v, Evaluator& ev) {
  if (!v.has_value) return std::nullopt;
  switch (v.kind) {
    case VKind::kInteger:
    case VKind::kDecimal:
      return Qty{*numeric(v), "1"};
    case VKind::kBoolean:
      return Qty{Decimal{v.b ? 10 : 0, 1}, "1"};
    case VKind::kQuantity:
    case VKind::kNode:
      return quantity(v);
    case VKind::kString: {
      // number ( 'unit' | calendar keyword )?
      std::string_view s = v.s;
      std::size_t i = 0;
      while (i < s.size() && (s[i] == '+' || s[i] == '-' || s[i] == '.' || (s[i] >= '0' && s[i] <= '9'))) ++i;
      std::string_view num = s.substr(0, i);
      if (!decimal_form(num)) return std::nullopt;
      auto d = Decimal::parse(num);
      if (!d) return std::nullopt;
      std::string_view rest = s.substr(i);
      std::size_t k = 0;
      while (k < rest.size() && rest[k] == ' ') ++k;
      rest = rest.substr(k);
      while (!rest.empty() && rest.back() == ' ') rest.remove_suffix(1);
      if (rest.empty()) return Qty{*d, "1"};
      if (rest.size() >= 2 && rest.front() == '\'' && rest.back() == '\'') {
        std::string_view unit = rest.substr(1, rest.size() - 2);
        if (unit.find('\'') != std::string_view::npos) return std::nullopt;
        return Qty{*d, ev.keep(std::string(unit))};
      }
      if (calendar_keyword(rest) != TimeUnit::kNone) return Qty{*d, ev.keep(std::string(rest))};
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

namespace {

std::optional<Temporal> to_temporal(const Value& v, Temporal::Kind kind) {
  if (!v.has_value) return std::nullopt;
  auto t = temporal(v);
  if (t) {
    if (kind == Temporal::Kind::kTime) {
      if (t->kind != Temporal::Kind::kTime) return std::nullopt;
      return t;
    }
    if (t->kind == Temporal::Kind::kTime) return std::nullopt;
    Temporal r = *t;
    r.kind = kind;
    if (kind == Temporal::Kind::kDate && r.precision > Temporal::Precision::kDay) {
      r.precision = Temporal::Precision::kDay;
      r.has_zone = false;
    }
    return r;
  }
  if (v.kind != VKind::kString) return std::nullopt;
  switch (kind) {
    case Temporal::Kind::kDate:
      return parse_date(v.s);
    case Temporal::Kind::kDateTime:
      return parse_date_time(v.s);
    case Temporal::Kind::kTime:
      return parse_time(v.s);
  }
  return std::nullopt;
}

const Value* convertible_input(Span input, const Node& call) { return single(input, call.name + "()"); }

Coll fn_to_boolean(Evaluator&, const Node& call, Span input, const Scope&) {
  const Value* v = convertible_input(input, call);
  if (!v) return {};
  auto b = to_boolean(*v);
  if (!b) return {};
  return {Value::boolean(*b)};
}

Coll fn_to_integer(Evaluator&, const Node& call, Span input, const Scope&) {
  const Value* v = convertible_input(input, call);
  if (!v) return {};
  auto i = to_integer(*v);
  if (!i) return {};
  return {Value::integer(*i)};
}

Coll fn_to_decimal(Evaluator&, const Node& call, Span input, const Scope&) {
  const Value* v = convertible_input(input, call);
  if (!v) return {};
  auto d = to_decimal(*v);
  if (!d) return {};
  return {Value::decimal(*d)};
}

Coll fn_to_string(Evaluator& ev, const Node& call, Span input, const Scope&) {
  const Value* v = convertible_input(input, call);
  if (!v) return {};
  if (v->kind == VKind::kString) return {Value::string(v->s)};
  auto s = text_of(*v);
  if (!s) return {};
  return {Value::string(ev.keep(std::move(*s)))};
}

template <Temporal::Kind K>
Coll fn_to_temporal(Evaluator& ev, const Node& call, Span input, const Scope&) {
  const Value* v = convertible_input(input, call);
  if (!v) return {};
  auto t = to_temporal(*v, K);
  if (!t) return {};
  VKind k = K == Temporal::Kind::kDate   ? VKind::kDate
            : K == Temporal::Kind::kTime ? VKind::kTime
                                         : VKind::kDateTime;
  return {Value::temporal(k, ev.keep(format(*t)))};
}

std::optional<Qty> quantity_in(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  const Value* v = convertible_input(input, call);
  if (!v) return std::nullopt;
  auto q = to_quantity(*v, ev);
  if (!q || call.args.empty()) return q;
  Coll u = ev.arg(call, 0, scope);
  auto unit = string_of(u, call.name + "() unit");
  if (!unit) return std::nullopt;
  if (*unit == q->unit) return q;
  // Converted to the requested unit when the units are comparable: the sum
  // 0 'unit' + q is q expressed in 'unit'.
  if (!comparable_units(q->unit, *unit)) return std::nullopt;
  Coll sum = arithmetic(ev, BinOp::kAdd, Value::quantity(Decimal::from_int(0), *unit),
                        Value::quantity(q->value, q->unit));
  if (sum.empty()) return std::nullopt;
  return Qty{sum[0].d, *unit};
}

Coll fn_to_quantity(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  auto q = quantity_in(ev, call, input, scope);
  if (!q) return {};
  return {Value::quantity(q->value, q->unit)};
}

// convertsToX(): whether toX() gives a value (N1 §5.5).
template <FunctionImpl F>
Coll fn_converts(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  if (input.empty()) return {};
  Coll r = F(ev, call, input, scope);
  return {Value::boolean(!r.empty())};
}

constexpr Arg V = Arg::kValue;

const FunctionDef kFunctions[] = {
    {"toBoolean", 0, 0, fn_to_boolean, Returns::kBoolean, {V, V, V}},
    {"convertsToBoolean", 0, 0, fn_converts<fn_to_boolean>, Returns::kBoolean, {V, V, V}},
    {"toInteger", 0, 0, fn_to_integer, Returns::kInteger, {V, V, V}},
    {"convertsToInteger", 0, 0, fn_converts<fn_to_integer>, Returns::kBoolean, {V, V, V}},
    {"toDecimal", 0, 0, fn_to_decimal, Returns::kDecimal, {V, V, V}},
    {"convertsToDecimal", 0, 0, fn_converts<fn_to_decimal>, Returns::kBoolean, {V, V, V}},
    {"toString", 0, 0, fn_to_string, Returns::kString, {V, V, V}},
    {"convertsToString", 0, 0, fn_converts<fn_to_string>, Returns::kBoolean, {V, V, V}},
    {"toDate", 0, 0, fn_to_temporal<Temporal::Kind::kDate>, Returns::kDate, {V, V, V}},
    {"convertsToDate",
     0,
     0,
     fn_converts<fn_to_temporal<Temporal::Kind::kDate>>,
     Returns::kBoolean,
     {V, V, V}},
    {"toDateTime", 0, 0, fn_to_temporal<Temporal::Kind::kDateTime>, Returns::kDateTime, {V, V, V}},
    {"convertsToDateTime",
     0,
     0,
     fn_converts<fn_to_temporal<Temporal::Kind::kDateTime>>,
     Returns::kBoolean,
     {V, V, V}},
    {"toTime", 0, 0, fn_to_temporal<Temporal::Kind::kTime>, Returns::kTime, {V, V, V}},
    {"convertsToTime",
     0,
     0,
     fn_converts<fn_to_temporal<Temporal::Kind::kTime>>,
     Returns::kBoolean,
     {V, V, V}},
    {"toQuantity", 0, 1, fn_to_quantity, Returns::kQuantity, {V, V, V}},
    {"convertsToQuantity", 0, 1, fn_converts<fn_to_quantity>, Returns::kBoolean, {V, V, V}},
};

}  // namespace

std::span<const FunctionDef> conversion_functions() { return kFunctions; }

}  // namespace parcours::fhirpath
