// FHIRPath operators on values (N1 §6 "Operations"): equality and
// equivalence, comparison, arithmetic on numbers, strings, dates/times and
// quantities; plus the value conversions they share with the functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "fhirpath/ast.h"
#include "fhirpath/datetime.h"
#include "fhirpath/decimal.h"
#include "fhirpath/value.h"

namespace parcours::fhirpath {

class Evaluator;

struct Qty {
  Decimal value;
  std::string_view unit;  // UCUM code or calendar keyword; "1" when unitless
};

// Readers: nullopt when the value is not of that kind.
std::optional<Decimal> numeric(const Value& v);    // Integer or Decimal
std::optional<Temporal> temporal(const Value& v);  // Date, DateTime, Time
std::optional<Qty> quantity(const Value& v);       // System Quantity or FHIR Quantity (and subtypes)

// N1 §6.1 "Equality": nullopt when unknown (dates of different precision,
// a primitive without value).
std::optional<bool> equal(const Value& a, const Value& b);
// N1 §6.1 "Equivalence" (~).
bool equivalent(const Value& a, const Value& b);
// Collections: = is ordered and item-wise; ~ ignores order.
std::optional<bool> equal(Span a, Span b);
bool equivalent(Span a, Span b);
// N1 §6.2 "Comparison": nullopt when unknown; EvalError for types that do
// not compare (a number and a string).
std::optional<int> compare(const Value& a, const Value& b);

// N1 §6.6 "Math" (+, -, *, /, div, mod) on two single values; empty on
// overflow or division by zero; EvalError when the types do not combine.
Coll arithmetic(Evaluator& ev, BinOp op, const Value& a, const Value& b);

// The text of a value as toString() gives it (functions_conversion.cc).
std::optional<std::string> text_of(const Value& v);
// toQuantity() of one value: numbers get unit '1', strings are parsed.
std::optional<Qty> to_quantity(const Value& v, Evaluator& ev);

// A hash consistent with equal(): values that may be equal hash alike.
std::size_t equality_hash(const Value& v);

// A set of values under FHIRPath equality, hashed so that distinct(),
// union, intersect(), exclude() and repeat() stay linear on large
// collections. With `identity`, input nodes are told apart by identity
// (repeat(): a node is new when not visited yet).
class ValueSet {
 public:
  explicit ValueSet(bool identity = false) : identity_(identity) {}
  // False when an equal value is already in the set.
  bool insert(const Value& v);
  bool contains(const Value& v) const;

 private:
  std::size_t hash(const Value& v) const;
  bool same(const Value& a, const Value& b) const;
  bool identity_;
  std::vector<Value> values_;
  std::unordered_multimap<std::size_t, std::size_t> index_;
};

// Distinct items by equality, keeping the first of each (union, distinct()).
Coll distinct(Span items);
bool contains(Span items, const Value& v);  // by equality

// Decimal equivalence: equal when rounded to the less precise scale.
bool decimal_equivalent(const Decimal& a, const Decimal& b);

// Quantity comparison after unit conversion (UCUM, calendar durations);
// nullopt when the units are not comparable.
std::optional<int> compare_quantities(const Qty& a, const Qty& b);
// Whether two units convert into each other (2.1 comparable()).
bool comparable_units(std::string_view a, std::string_view b);

}  // namespace parcours::fhirpath
