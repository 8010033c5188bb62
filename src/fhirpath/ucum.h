// UCUM units (https://ucum.org/ucum, "The Unified Code for Units of
// Measure") for FHIRPath quantity comparison and arithmetic (N1 §5.6.4,
// §6.1 "Quantity equality"). Written from the UCUM specification: the unit
// grammar (§2.1-2.3: '.', '/', exponents, parentheses, annotations, prefixes)
// and a table of the atoms clinical data uses (SI, time, volume, customary
// length and mass, pressure, %, arbitrary units).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fhirpath/decimal.h"

namespace parcours::fhirpath {

// An exact scaled number: mantissa × 10^exponent.
struct Scaled {
  Int128 mantissa = 1;
  int exponent = 0;
};

// A unit reduced to the UCUM base units m, s, g, rad, K, C, cd: value in
// base units = value × factor.
struct CanonicalUnit {
  static constexpr int kDims = 7;
  Scaled factor;
  std::array<std::int8_t, kDims> dims{};
  // Units without a ratio-scale conversion (Cel, [degF], [pH]...) and
  // arbitrary units ([iU], [arb'U]...): comparable only with themselves.
  std::string special;

  bool same_dimension(const CanonicalUnit& o) const { return dims == o.dims && special == o.special; }
};

// Parses a UCUM unit expression ("mg/dL", "10*3/uL", "[in_i]", "kg.m/s2",
// "{beats}/min", "1"); nullopt when it is not valid UCUM or uses an atom we
// do not know. Results are cached (thread-safe).
std::optional<CanonicalUnit> canonical_unit(std::string_view ucum);

// value × factor as an exact Scaled.
std::optional<Scaled> to_base(const Decimal& value, const CanonicalUnit& unit);
// Orders two scaled numbers.
int compare(const Scaled& a, const Scaled& b);
// A base-unit amount expressed in `unit` (value / factor), rounded at
// `scale` decimal places at most, trailing zeros dropped down to min_scale.
std::optional<Decimal> from_base(const Scaled& base, const CanonicalUnit& unit, int scale, int min_scale);

}  // namespace parcours::fhirpath
