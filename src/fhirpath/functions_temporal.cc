// N1 §5.9 "Utility functions": now(), today(), timeOfDay() (fixed for the
// whole evaluation), and the 2.1 component functions (yearOf()...).
#include "fhirpath/evaluator.h"
#include "fhirpath/functions.h"
#include "fhirpath/operators.h"

namespace parcours::fhirpath {

namespace {

using P = Temporal::Precision;

Coll fn_now(Evaluator& ev, const Node&, Span, const Scope&) {
  return {Value::temporal(VKind::kDateTime, ev.keep(format(ev.now())))};
}

Coll fn_today(Evaluator& ev, const Node&, Span, const Scope&) {
  Temporal t = ev.now();
  t.kind = Temporal::Kind::kDate;
  t.precision = P::kDay;
  return {Value::temporal(VKind::kDate, ev.keep(format(t)))};
}

Coll fn_time_of_day(Evaluator& ev, const Node&, Span, const Scope&) {
  Temporal t = ev.now();
  t.kind = Temporal::Kind::kTime;
  return {Value::temporal(VKind::kTime, ev.keep(format(t)))};
}

enum class Part { kYear, kMonth, kDay, kHour, kMinute, kSecond, kMillisecond, kZone, kDate, kTime };

template <Part K>
Coll fn_part(Evaluator& ev, const Node& call, Span input, const Scope&) {
  const Value* v = single(input, call.name + "()");
  if (!v) return {};
  auto t = temporal(*v);
  if (!t) {
    if (v->has_value && v->kind != VKind::kDate && v->kind != VKind::kDateTime && v->kind != VKind::kTime)
      fail(call.name + "() expects a date or time");
    return {};
  }
  bool is_time = t->kind == Temporal::Kind::kTime;
  auto part = [&](P needed, int value) -> Coll {
    if (t->precision < needed) return {};
    return {Value::integer(value)};
  };
  switch (K) {
    case Part::kYear:
      return is_time ? Coll{} : part(P::kYear, t->year);
    case Part::kMonth:
      return is_time ? Coll{} : part(P::kMonth, t->month);
    case Part::kDay:
      return is_time ? Coll{} : part(P::kDay, t->day);
    case Part::kHour:
      return part(P::kHour, t->hour);
    case Part::kMinute:
      return part(P::kMinute, t->minute);
    case Part::kSecond:
      return part(P::kSecond, t->second);
    case Part::kMillisecond:
      return part(P::kFraction, static_cast<int>(t->nanos / 1'000'000));
    case Part::kZone:
      if (!t->has_zone) return {};
      return {Value::decimal(*divide(Decimal::from_int(t->zone_minutes), Decimal::from_int(60), 2))};
    case Part::kDate: {
      if (is_time) return {};
      Temporal d = *t;
      d.kind = Temporal::Kind::kDate;
      if (d.precision > P::kDay) d.precision = P::kDay;
      return {Value::temporal(VKind::kDate, ev.keep(format(d)))};
    }
    case Part::kTime: {
      if (is_time) return {*v};
      if (t->precision < P::kHour) return {};
      Temporal d = *t;
      d.kind = Temporal::Kind::kTime;
      return {Value::temporal(VKind::kTime, ev.keep(format(d)))};
    }
  }
  return {};
}

constexpr Arg V = Arg::kValue;

const FunctionDef kFunctions[] = {
    {"now", 0, 0, fn_now, Returns::kDateTime, {V, V, V}},
    {"today", 0, 0, fn_today, Returns::kDate, {V, V, V}},
    {"timeOfDay", 0, 0, fn_time_of_day, Returns::kTime, {V, V, V}},
    {"yearOf", 0, 0, fn_part<Part::kYear>, Returns::kInteger, {V, V, V}},
    {"monthOf", 0, 0, fn_part<Part::kMonth>, Returns::kInteger, {V, V, V}},
    {"dayOf", 0, 0, fn_part<Part::kDay>, Returns::kInteger, {V, V, V}},
    {"hourOf", 0, 0, fn_part<Part::kHour>, Returns::kInteger, {V, V, V}},
    {"minuteOf", 0, 0, fn_part<Part::kMinute>, Returns::kInteger, {V, V, V}},
    {"secondOf", 0, 0, fn_part<Part::kSecond>, Returns::kInteger, {V, V, V}},
    {"millisecondOf", 0, 0, fn_part<Part::kMillisecond>, Returns::kInteger, {V, V, V}},
    {"timezoneOffsetOf", 0, 0, fn_part<Part::kZone>, Returns::kDecimal, {V, V, V}},
    {"dateOf", 0, 0, fn_part<Part::kDate>, Returns::kDate, {V, V, V}},
    {"timeOf", 0, 0, fn_part<Part::kTime>, Returns::kTime, {V, V, V}},
};

}  // namespace

std::span<const FunctionDef> temporal_functions() { return kFunctions; }

}  // namespace parcours::fhirpath
