// FHIRPath Decimal (FHIRPath N1 §"Decimal"): exact base-10 numbers.
//
// A value is mantissa × 10^-scale with a 128-bit mantissa (38 digits), so
// "1.50" keeps its two decimal places and 0.1 + 0.2 is exactly 0.3. Every
// operation reports overflow as nullopt, which FHIRPath turns into an empty
// result (N1 §6.6 "Math": overflow gives empty).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parcours::fhirpath {

__extension__ typedef __int128 Int128;

struct Decimal {
  Int128 mantissa = 0;
  std::int32_t scale = 0;  // digits after the point, >= 0

  static constexpr int kMaxScale = 36;

  // [+-]digits[.digits][(e|E)[+-]digits]; nullopt when malformed or too large.
  static std::optional<Decimal> parse(std::string_view text);
  static Decimal from_int(std::int64_t v) { return Decimal{v, 0}; }
  // At most 15 significant digits (what a double carries), trailing zeros
  // dropped; nullopt for NaN and infinities.
  static std::optional<Decimal> from_double(double v);

  std::string to_string() const;
  void append_to(std::string& out) const;
  double to_double() const;
  int sign() const { return mantissa < 0 ? -1 : mantissa > 0 ? 1 : 0; }
  bool is_integral() const;
  // The value when integral and within int64.
  std::optional<std::int64_t> to_int64() const;
};

enum class Rounding : std::uint8_t {
  kHalfUp,   // half away from zero (FHIRPath round())
  kDown,     // towards zero (truncate)
  kFloor,    // towards -infinity
  kCeiling,  // towards +infinity
};

// Value comparison (1.0 == 1): -1, 0 or 1.
int compare(const Decimal& a, const Decimal& b);
std::optional<Decimal> add(const Decimal& a, const Decimal& b);
std::optional<Decimal> subtract(const Decimal& a, const Decimal& b);
std::optional<Decimal> multiply(const Decimal& a, const Decimal& b);
// a / b rounded half-up at `scale` digits; nullopt when b is zero.
std::optional<Decimal> divide(const Decimal& a, const Decimal& b, int scale);
Decimal negate(const Decimal& a);
Decimal abs(const Decimal& a);
// Exact widening to a larger scale (nullopt on overflow), or rounding to a
// smaller one.
std::optional<Decimal> rescale(const Decimal& a, int scale, Rounding mode = Rounding::kHalfUp);
// Drops trailing fractional zeros down to `min_scale`.
Decimal strip_zeros(const Decimal& a, int min_scale = 0);
// 10^n for 0 <= n <= 38.
Int128 pow10(int n);

}  // namespace parcours::fhirpath
