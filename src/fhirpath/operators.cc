#include "fhirpath/operators.h"

#include <algorithm>

#include "fhirpath/evaluator.h"
#include "fhirpath/text.h"
#include "fhirpath/types.h"
#include "fhirpath/ucum.h"

namespace parcours::fhirpath {

namespace {

constexpr int kDivisionScale = 8;  // N1 §"Decimal": a step of 10^-8

bool is_temporal(VKind k) { return k == VKind::kDate || k == VKind::kDateTime || k == VKind::kTime; }
bool is_number(VKind k) { return k == VKind::kInteger || k == VKind::kDecimal; }

bool is_quantity_type(const fhir::TypeDef* t) {
  return t && (t->name == "Quantity" || t->base == "Quantity");
}

// A FHIR primitive without a value (extensions only) has no value to
// compare.
bool valueless(const Value& v) { return !v.has_value; }

// UCUM spelling of a calendar duration (N1 §5.6.4: week, day, hour, minute,
// second and millisecond are the UCUM wk, d, h, min, s, ms; year and month
// have no UCUM equivalent).
std::string_view ucum_form(std::string_view unit) {
  switch (calendar_keyword(unit)) {
    case TimeUnit::kYear:
      return "a";
    case TimeUnit::kMonth:
      return "mo";
    case TimeUnit::kWeek:
      return "wk";
    case TimeUnit::kDay:
      return "d";
    case TimeUnit::kHour:
      return "h";
    case TimeUnit::kMinute:
      return "min";
    case TimeUnit::kSecond:
      return "s";
    case TimeUnit::kMillisecond:
      return "ms";
    case TimeUnit::kNone:
      break;
  }
  return unit;
}

bool calendar_year_or_month(std::string_view unit) {
  TimeUnit u = calendar_keyword(unit);
  return u == TimeUnit::kYear || u == TimeUnit::kMonth;
}

enum class QOrder { kOk, kUnknown, kIncomparable };

// Orders two quantities. kUnknown: a calendar year/month against a UCUM
// duration (N1 §5.6.4: not comparable, the result is empty);
// kIncomparable: different dimensions or unknown units.
QOrder order_quantities(const Qty& a, const Qty& b, int& result) {
  bool ca = calendar_year_or_month(a.unit), cb = calendar_year_or_month(b.unit);
  if (ca || cb) {
    if (!(ca && cb)) {
      auto other = canonical_unit(ucum_form(ca ? b.unit : a.unit));
      auto s = canonical_unit("s");
      if (other && s && other->same_dimension(*s)) return QOrder::kUnknown;
      return QOrder::kIncomparable;
    }
    Decimal ma = a.value, mb = b.value;
    if (calendar_keyword(a.unit) == TimeUnit::kYear) ma = *multiply(ma, Decimal::from_int(12));
    if (calendar_keyword(b.unit) == TimeUnit::kYear) mb = *multiply(mb, Decimal::from_int(12));
    result = compare(ma, mb);
    return QOrder::kOk;
  }
  std::string_view ua = ucum_form(a.unit), ub = ucum_form(b.unit);
  if (ua == ub) {
    result = compare(a.value, b.value);
    return QOrder::kOk;
  }
  auto A = canonical_unit(ua);
  auto B = canonical_unit(ub);
  if (!A || !B || !A->same_dimension(*B)) return QOrder::kIncomparable;
  auto sa = to_base(a.value, *A);
  auto sb = to_base(b.value, *B);
  if (!sa || !sb) return QOrder::kIncomparable;
  result = compare(*sa, *sb);
  return QOrder::kOk;
}

// b expressed in a's unit (for +, - and ~).
std::optional<Decimal> convert_to(const Qty& b, std::string_view unit, int min_scale) {
  std::string_view ua = ucum_form(unit), ub = ucum_form(b.unit);
  if (ua == ub) return b.value;
  if (calendar_year_or_month(unit) && calendar_year_or_month(b.unit)) {
    // year ↔ month
    if (calendar_keyword(unit) == TimeUnit::kMonth) return multiply(b.value, Decimal::from_int(12));
    return divide(b.value, Decimal::from_int(12), std::max(min_scale, kDivisionScale));
  }
  if (calendar_year_or_month(unit) || calendar_year_or_month(b.unit)) return std::nullopt;
  auto A = canonical_unit(ua);
  auto B = canonical_unit(ub);
  if (!A || !B || !A->same_dimension(*B)) return std::nullopt;
  auto base = to_base(b.value, *B);
  if (!base) return std::nullopt;
  return from_base(*base, *A, std::max(min_scale + 10, 16), min_scale);
}

std::string unit_product(std::string_view a, std::string_view b, bool divide) {
  auto wrap = [](std::string_view u) {
    if (u.find_first_of("./") != std::string_view::npos) return "(" + std::string(u) + ")";
    return std::string(u);
  };
  a = ucum_form(a);
  b = ucum_form(b);
  if (divide) {
    if (a == b) return "1";
    if (b == "1") return std::string(a);
    if (a == "1") return "/" + wrap(b);
    return std::string(a) + "/" + wrap(b);
  }
  if (a == "1") return std::string(b);
  if (b == "1") return std::string(a);
  return std::string(a) + "." + std::string(b);
}

Decimal division_result(const Decimal& q) { return strip_zeros(q, 1); }

bool temporal_kinds_compatible(VKind a, VKind b) {
  if (a == VKind::kTime || b == VKind::kTime) return a == b;
  return true;
}

}  // namespace

std::optional<Decimal> numeric(const Value& v) {
  if (valueless(v)) return std::nullopt;
  if (v.kind == VKind::kInteger) return Decimal::from_int(v.i);
  if (v.kind == VKind::kDecimal) return v.d;
  return std::nullopt;
}

std::optional<Temporal> temporal(const Value& v) {
  if (valueless(v)) return std::nullopt;
  switch (v.kind) {
    case VKind::kDate:
      return parse_date(v.s);
    case VKind::kDateTime:
      return parse_date_time(v.s);
    case VKind::kTime:
      return parse_time(v.s);
    default:
      return std::nullopt;
  }
}

std::optional<Qty> quantity(const Value& v) {
  if (v.kind == VKind::kQuantity && !v.is_fhir()) return Qty{v.d, v.s.empty() ? std::string_view("1") : v.s};
  if (v.kind == VKind::kNode && is_quantity_type(v.type) && v.node) {
    const Json* value = v.node->find("value");
    if (!value || !value->is_number()) return std::nullopt;
    auto d = Decimal::parse(value->number());
    if (!d) return std::nullopt;
    std::string_view system = v.node->get_string("system");
    std::string_view code = v.node->get_string("code");
    std::string_view unit = v.node->get_string("unit");
    std::string_view u;
    if (!code.empty() && (system == "http://unitsofmeasure.org" || system.empty()))
      u = code;
    else if (!unit.empty())
      u = unit;
    else
      u = code;
    if (u.empty()) u = "1";
    return Qty{*d, u};
  }
  return std::nullopt;
}

bool decimal_equivalent(const Decimal& a, const Decimal& b) {
  int s = std::min(a.scale, b.scale);
  auto x = rescale(a, s);
  auto y = rescale(b, s);
  return x && y && compare(*x, *y) == 0;
}

std::optional<int> compare_quantities(const Qty& a, const Qty& b) {
  int r = 0;
  if (order_quantities(a, b, r) != QOrder::kOk) return std::nullopt;
  return r;
}

bool comparable_units(std::string_view a, std::string_view b) {
  Qty x{Decimal::from_int(1), a}, y{Decimal::from_int(1), b};
  int r = 0;
  return order_quantities(x, y, r) == QOrder::kOk;
}

std::optional<bool> equal(const Value& a, const Value& b) {
  bool a_obj = a.kind == VKind::kNode || a.kind == VKind::kObject;
  bool b_obj = b.kind == VKind::kNode || b.kind == VKind::kObject;
  if (a_obj || b_obj) {
    if (a_obj && b_obj) {
      if (a.node == b.node) return true;
      if (!a.node || !b.node) return false;
      return a.node->equals(*b.node, false);
    }
    // A FHIR Quantity against a System Quantity.
    auto qa = quantity(a), qb = quantity(b);
    if (qa && qb) {
      int r = 0;
      QOrder o = order_quantities(*qa, *qb, r);
      if (o == QOrder::kUnknown) return std::nullopt;
      return o == QOrder::kOk && r == 0;
    }
    return false;
  }
  if (valueless(a) || valueless(b)) return std::nullopt;
  switch (a.kind) {
    case VKind::kBoolean:
      return b.kind == VKind::kBoolean && a.b == b.b;
    case VKind::kInteger:
      if (b.kind == VKind::kInteger) return a.i == b.i;
      [[fallthrough]];
    case VKind::kDecimal: {
      auto x = numeric(a), y = numeric(b);
      if (!x || !y) return false;
      return compare(*x, *y) == 0;
    }
    case VKind::kString:
      return b.kind == VKind::kString && a.s == b.s;
    case VKind::kDate:
    case VKind::kDateTime:
    case VKind::kTime: {
      if (!is_temporal(b.kind) || !temporal_kinds_compatible(a.kind, b.kind)) return false;
      if (a.s == b.s) return true;
      auto x = temporal(a), y = temporal(b);
      if (!x || !y) return false;
      auto c = compare(*x, *y);
      if (!c) return std::nullopt;
      return *c == 0;
    }
    case VKind::kQuantity: {
      auto qa = quantity(a), qb = quantity(b);
      if (!qa || !qb) return false;
      int r = 0;
      QOrder o = order_quantities(*qa, *qb, r);
      if (o == QOrder::kUnknown) return std::nullopt;
      return o == QOrder::kOk && r == 0;
    }
    default:
      return false;
  }
}

bool equivalent(const Value& a, const Value& b) {
  bool a_obj = a.kind == VKind::kNode || a.kind == VKind::kObject;
  bool b_obj = b.kind == VKind::kNode || b.kind == VKind::kObject;
  if (a_obj || b_obj) {
    if (a_obj && b_obj) {
      if (a.node == b.node) return true;
      return a.node && b.node && a.node->equals(*b.node, false);
    }
    auto qa = quantity(a), qb = quantity(b);
    if (qa && qb) {
      auto conv = convert_to(*qb, qa->unit, qb->value.scale);
      return conv && decimal_equivalent(qa->value, *conv);
    }
    return false;
  }
  if (valueless(a) || valueless(b)) return valueless(a) && valueless(b);
  switch (a.kind) {
    case VKind::kBoolean:
      return b.kind == VKind::kBoolean && a.b == b.b;
    case VKind::kInteger:
    case VKind::kDecimal: {
      auto x = numeric(a), y = numeric(b);
      return x && y && decimal_equivalent(*x, *y);
    }
    case VKind::kString:
      return b.kind == VKind::kString &&
             (a.s == b.s || text::normalize_for_equivalence(a.s) == text::normalize_for_equivalence(b.s));
    case VKind::kDate:
    case VKind::kDateTime:
    case VKind::kTime: {
      if (!is_temporal(b.kind) || !temporal_kinds_compatible(a.kind, b.kind)) return false;
      auto x = temporal(a), y = temporal(b);
      return x && y && equivalent(*x, *y);
    }
    case VKind::kQuantity: {
      auto qa = quantity(a), qb = quantity(b);
      if (!qa || !qb) return false;
      auto conv = convert_to(*qb, qa->unit, qb->value.scale);
      if (!conv) return false;
      // The precision of the less precise operand (N1 §6.1 "~").
      int s = std::min(qa->value.scale, qb->value.scale);
      auto x = rescale(qa->value, s), y = rescale(*conv, s);
      return x && y && compare(*x, *y) == 0;
    }
    default:
      return false;
  }
}

std::optional<bool> equal(Span a, Span b) {
  if (a.size() != b.size()) return false;
  bool unknown = false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto e = equal(a[i], b[i]);
    if (!e) {
      unknown = true;
    } else if (!*e) {
      return false;
    }
  }
  if (unknown) return std::nullopt;
  return true;
}

bool equivalent(Span a, Span b) {
  if (a.size() != b.size()) return false;
  std::vector<bool> used(b.size(), false);
  for (const Value& x : a) {
    bool found = false;
    for (std::size_t j = 0; j < b.size(); ++j) {
      if (!used[j] && equivalent(x, b[j])) {
        used[j] = found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

std::optional<int> compare(const Value& a, const Value& b) {
  if (valueless(a) || valueless(b)) return std::nullopt;
  if (is_number(a.kind) && is_number(b.kind)) {
    if (a.kind == VKind::kInteger && b.kind == VKind::kInteger) return a.i < b.i ? -1 : a.i > b.i ? 1 : 0;
    return compare(*numeric(a), *numeric(b));
  }
  if (a.kind == VKind::kString && b.kind == VKind::kString) {
    int c = a.s.compare(b.s);
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  if (is_temporal(a.kind) && is_temporal(b.kind) && temporal_kinds_compatible(a.kind, b.kind)) {
    auto x = temporal(a), y = temporal(b);
    if (!x || !y) fail("invalid date/time value");
    return compare(*x, *y);
  }
  auto qa = quantity(a), qb = quantity(b);
  if (qa && qb) return compare_quantities(*qa, *qb);
  fail("cannot compare " + std::string(type_name(a)) + " with " + std::string(type_name(b)));
}

namespace {

Coll quantity_arithmetic(Evaluator& ev, BinOp op, const Value& a, const Value& b) {
  auto qa = quantity(a), qb = quantity(b);
  auto na = numeric(a), nb = numeric(b);
  switch (op) {
    case BinOp::kAdd:
    case BinOp::kSub: {
      if (!qa || !qb) break;
      int scale = std::max(qa->value.scale, qb->value.scale);
      auto conv = convert_to(*qb, qa->unit, scale);
      if (!conv)
        fail("cannot add quantities in '" + std::string(qa->unit) + "' and '" + std::string(qb->unit) + "'");
      auto r = op == BinOp::kAdd ? add(qa->value, *conv) : subtract(qa->value, *conv);
      if (!r) return {};
      return {Value::quantity(*r, qa->unit)};
    }
    case BinOp::kMul: {
      if (qa && qb) {
        auto r = multiply(qa->value, qb->value);
        if (!r) return {};
        return {Value::quantity(*r, ev.keep(unit_product(qa->unit, qb->unit, false)))};
      }
      if (qa && nb) {
        auto r = multiply(qa->value, *nb);
        if (!r) return {};
        return {Value::quantity(*r, qa->unit)};
      }
      if (na && qb) {
        auto r = multiply(*na, qb->value);
        if (!r) return {};
        return {Value::quantity(*r, qb->unit)};
      }
      break;
    }
    case BinOp::kDiv: {
      if (qa && (qb || nb)) {
        Decimal divisor = qb ? qb->value : *nb;
        auto r = divide(qa->value, divisor, kDivisionScale);
        if (!r) return {};
        std::string_view unit = qb ? ev.keep(unit_product(qa->unit, qb->unit, true)) : qa->unit;
        return {Value::quantity(division_result(*r), unit)};
      }
      if (na && qb) {
        auto r = divide(*na, qb->value, kDivisionScale);
        if (!r) return {};
        return {Value::quantity(division_result(*r), ev.keep(unit_product("1", qb->unit, true)))};
      }
      break;
    }
    default:
      break;
  }
  fail("operator not defined on " + std::string(type_name(a)) + " and " + std::string(type_name(b)));
}

Coll temporal_arithmetic(Evaluator& ev, BinOp op, const Value& a, const Value& b) {
  auto t = temporal(a);
  auto q = quantity(b);
  if (!t || !q || (op != BinOp::kAdd && op != BinOp::kSub))
    fail("operator not defined on " + std::string(type_name(a)) + " and " + std::string(type_name(b)));
  TimeUnit unit = calendar_keyword(q->unit);
  if (unit == TimeUnit::kNone) unit = ucum_time_unit(q->unit);
  if (unit == TimeUnit::kNone)
    fail("cannot add a quantity in '" + std::string(q->unit) +
         "' to a date/time (N1 §6.6: only calendar durations)");
  if (t->kind == Temporal::Kind::kTime && unit <= TimeUnit::kDay && unit != TimeUnit::kNone)
    fail("cannot add years, months, weeks or days to a time");
  Decimal amount = op == BinOp::kSub ? negate(q->value) : q->value;
  auto r = add(*t, amount, unit);
  if (!r) return {};
  VKind k = t->kind == Temporal::Kind::kDate   ? VKind::kDate
            : t->kind == Temporal::Kind::kTime ? VKind::kTime
                                               : VKind::kDateTime;
  return {Value::temporal(k, ev.keep(format(*r)))};
}

}  // namespace

Coll arithmetic(Evaluator& ev, BinOp op, const Value& a, const Value& b) {
  if (valueless(a) || valueless(b)) return {};
  if (is_temporal(a.kind)) return temporal_arithmetic(ev, op, a, b);
  bool qa = a.kind == VKind::kQuantity || (a.kind == VKind::kNode && is_quantity_type(a.type));
  bool qb = b.kind == VKind::kQuantity || (b.kind == VKind::kNode && is_quantity_type(b.type));
  if (qa || qb) return quantity_arithmetic(ev, op, a, b);
  if (a.kind == VKind::kString && b.kind == VKind::kString && op == BinOp::kAdd) {
    if (a.s.size() + b.s.size() > Evaluator::kMaxString) fail("string too long");
    std::string s;
    s.reserve(a.s.size() + b.s.size());
    s.append(a.s);
    s.append(b.s);
    return {Value::string(ev.keep(std::move(s)))};
  }
  if (!is_number(a.kind) || !is_number(b.kind))
    fail("operator not defined on " + std::string(type_name(a)) + " and " + std::string(type_name(b)));
  bool ints = a.kind == VKind::kInteger && b.kind == VKind::kInteger;
  switch (op) {
    case BinOp::kAdd:
    case BinOp::kSub:
    case BinOp::kMul: {
      if (ints) {
        std::int64_t r;
        bool overflow = op == BinOp::kAdd   ? __builtin_add_overflow(a.i, b.i, &r)
                        : op == BinOp::kSub ? __builtin_sub_overflow(a.i, b.i, &r)
                                            : __builtin_mul_overflow(a.i, b.i, &r);
        if (overflow) return {};
        return {Value::integer(r)};
      }
      Decimal x = *numeric(a), y = *numeric(b);
      auto r = op == BinOp::kAdd ? add(x, y) : op == BinOp::kSub ? subtract(x, y) : multiply(x, y);
      if (!r) return {};
      return {Value::decimal(*r)};
    }
    case BinOp::kDiv: {
      auto r = divide(*numeric(a), *numeric(b), kDivisionScale);
      if (!r) return {};
      return {Value::decimal(division_result(*r))};
    }
    case BinOp::kIntDiv: {
      if (ints) {
        if (b.i == 0 || (a.i == INT64_MIN && b.i == -1)) return {};
        return {Value::integer(a.i / b.i)};
      }
      // Decimal div: the quotient truncated to an Integer (N1 §6.6).
      Decimal y = *numeric(b);
      if (y.sign() == 0) return {};
      auto exact = divide(*numeric(a), y, Decimal::kMaxScale / 2);
      if (!exact) return {};
      auto t = rescale(*exact, 0, Rounding::kDown);
      auto i = t ? t->to_int64() : std::nullopt;
      if (!i) return {};
      return {Value::integer(*i)};
    }
    case BinOp::kMod: {
      if (ints) {
        if (b.i == 0 || (a.i == INT64_MIN && b.i == -1)) return {};
        return {Value::integer(a.i % b.i)};
      }
      Decimal x = *numeric(a), y = *numeric(b);
      if (y.sign() == 0) return {};
      auto exact = divide(x, y, Decimal::kMaxScale / 2);
      if (!exact) return {};
      auto t = rescale(*exact, 0, Rounding::kDown);
      if (!t) return {};
      auto p = multiply(*t, y);
      if (!p) return {};
      auto r = subtract(x, *p);
      if (!r) return {};
      return {Value::decimal(*r)};
    }
    default:
      break;
  }
  fail("unsupported arithmetic operator");
}

namespace {

std::size_t mix(std::size_t h, std::size_t v) {
  return h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
}

// Content hash of JSON matching Json::equals(other, /*ordered=*/false):
// members combine commutatively.
std::size_t json_hash(const Json& j, int depth) {
  if (depth > 32) return 17;
  switch (j.kind()) {
    case Json::Kind::Null:
      return 1;
    case Json::Kind::Bool:
      return j.as_bool() ? 3 : 5;
    case Json::Kind::Number:
      return std::hash<std::string_view>{}(j.number());
    case Json::Kind::String:
      return std::hash<std::string_view>{}(j.as_string());
    case Json::Kind::Array: {
      std::size_t h = 7;
      for (const Json& e : j.as_array()) h = mix(h, json_hash(e, depth + 1));
      return h;
    }
    case Json::Kind::Object: {
      std::size_t h = 11;
      for (const auto& [k, v] : j.as_object())
        h += mix(std::hash<std::string_view>{}(k), json_hash(v, depth + 1));
      return h;
    }
  }
  return 0;
}

}  // namespace

std::size_t equality_hash(const Value& v) {
  if (!v.has_value) return 13;
  switch (v.kind) {
    case VKind::kBoolean:
      return v.b ? 21 : 23;
    case VKind::kInteger:
    case VKind::kDecimal: {
      Decimal d = strip_zeros(*numeric(v));
      return mix(static_cast<std::size_t>(d.mantissa) ^ static_cast<std::size_t>(d.mantissa >> 64),
                 static_cast<std::size_t>(d.scale));
    }
    case VKind::kString:
      return std::hash<std::string_view>{}(v.s);
    case VKind::kDate:
    case VKind::kDateTime:
    case VKind::kTime:
      return 29;  // equal across precisions and timezones: one bucket
    case VKind::kQuantity:
      return 31;  // equal across units: one bucket
    case VKind::kNode:
    case VKind::kObject:
      if (is_quantity_type(v.type)) return 31;
      return v.node ? json_hash(*v.node, 0) : 37;
  }
  return 0;
}

std::size_t ValueSet::hash(const Value& v) const {
  if (identity_ && (v.node || v.ext))
    return mix(std::hash<const void*>{}(v.node), std::hash<const void*>{}(v.ext));
  return equality_hash(v);
}

bool ValueSet::same(const Value& a, const Value& b) const {
  if (identity_ && (a.node || a.ext || b.node || b.ext)) return a.node == b.node && a.ext == b.ext;
  if (a.node && a.node == b.node && a.ext == b.ext) return true;
  return equal(a, b).value_or(false);
}

bool ValueSet::contains(const Value& v) const {
  auto [lo, hi] = index_.equal_range(hash(v));
  for (auto it = lo; it != hi; ++it)
    if (same(values_[it->second], v)) return true;
  return false;
}

bool ValueSet::insert(const Value& v) {
  std::size_t h = hash(v);
  auto [lo, hi] = index_.equal_range(h);
  for (auto it = lo; it != hi; ++it)
    if (same(values_[it->second], v)) return false;
  index_.emplace(h, values_.size());
  values_.push_back(v);
  return true;
}

Coll distinct(Span items) {
  Coll out;
  if (items.size() <= 8) {
    for (const Value& v : items) {
      bool seen = false;
      for (const Value& o : out) {
        if ((v.node && v.node == o.node && v.ext == o.ext) || equal(v, o).value_or(false)) {
          seen = true;
          break;
        }
      }
      if (!seen) out.push_back(v);
    }
    return out;
  }
  ValueSet set;
  for (const Value& v : items)
    if (set.insert(v)) out.push_back(v);
  return out;
}

bool contains(Span items, const Value& v) {
  for (const Value& o : items)
    if (equal(v, o).value_or(false)) return true;
  return false;
}

}  // namespace parcours::fhirpath
