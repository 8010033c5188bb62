#include "fhirpath/decimal.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace parcours::fhirpath {

namespace {

__extension__ typedef unsigned __int128 UInt128;

constexpr int kMaxPow = 38;

struct Pow10Table {
  Int128 v[kMaxPow + 1];
  constexpr Pow10Table() : v() {
    Int128 p = 1;
    for (int i = 0; i <= kMaxPow; ++i) {
      v[i] = p;
      if (i < kMaxPow) p *= 10;
    }
  }
};
constexpr Pow10Table kPow10;

bool mul_ok(Int128 a, Int128 b, Int128& out) { return !__builtin_mul_overflow(a, b, &out); }
bool add_ok(Int128 a, Int128 b, Int128& out) { return !__builtin_add_overflow(a, b, &out); }

// a × 10^n, false on overflow.
bool shift_up(Int128 a, int n, Int128& out) {
  if (n < 0) return false;
  if (n > kMaxPow) {
    if (a == 0) {
      out = 0;
      return true;
    }
    return false;
  }
  return mul_ok(a, kPow10.v[n], out);
}

// Divides by 10^n with the given rounding (n >= 0).
Int128 shift_down(Int128 a, int n, Rounding mode) {
  if (n <= 0) return a;
  if (n > kMaxPow) {
    // |a| < 10^38 < 10^n: the quotient is 0, rounding decides +-1.
    if (a == 0) return 0;
    if (mode == Rounding::kFloor && a < 0) return -1;
    if (mode == Rounding::kCeiling && a > 0) return 1;
    return 0;
  }
  Int128 d = kPow10.v[n];
  Int128 q = a / d;
  Int128 r = a % d;  // same sign as a
  if (r == 0) return q;
  switch (mode) {
    case Rounding::kDown:
      return q;
    case Rounding::kFloor:
      return a < 0 ? q - 1 : q;
    case Rounding::kCeiling:
      return a > 0 ? q + 1 : q;
    case Rounding::kHalfUp: {
      Int128 ar = r < 0 ? -r : r;
      if (ar * 2 >= d) return a < 0 ? q - 1 : q + 1;
      return q;
    }
  }
  return q;
}

void append_uint(std::string& out, UInt128 v) {
  char buf[48];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + static_cast<int>(v % 10));
    v /= 10;
  } while (v != 0);
  while (n > 0) out.push_back(buf[--n]);
}

UInt128 magnitude(Int128 v) { return v < 0 ? static_cast<UInt128>(0) - static_cast<UInt128>(v) : v; }

}  // namespace

Int128 pow10(int n) { return kPow10.v[std::clamp(n, 0, kMaxPow)]; }

std::optional<Decimal> Decimal::parse(std::string_view text) {
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  Int128 m = 0;
  int scale = 0;
  int digits = 0;
  bool truncated = false;  // fractional digits beyond what the mantissa holds
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    Int128 next;
    if (!mul_ok(m, 10, next) || !add_ok(next, text[i] - '0', next)) return std::nullopt;
    m = next;
    ++i;
    ++digits;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    int frac = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      Int128 next;
      if (!truncated && scale < kMaxScale && mul_ok(m, 10, next) && add_ok(next, text[i] - '0', next)) {
        m = next;
        ++scale;
      } else {
        truncated = true;
      }
      ++i;
      ++frac;
    }
    if (frac == 0) return std::nullopt;
    digits += frac;
  }
  if (digits == 0) return std::nullopt;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool eneg = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) eneg = text[i++] == '-';
    int e = 0;
    int edigits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (e < 100000) e = e * 10 + (text[i] - '0');
      ++i;
      ++edigits;
    }
    if (edigits == 0) return std::nullopt;
    scale += eneg ? e : -e;
  }
  if (i != text.size()) return std::nullopt;
  if (scale < 0) {
    if (!shift_up(m, -scale, m)) return std::nullopt;
    scale = 0;
  } else if (scale > kMaxScale) {
    m = shift_down(m, scale - kMaxScale, Rounding::kHalfUp);
    scale = kMaxScale;
  }
  return Decimal{negative ? -m : m, scale};
}

std::optional<Decimal> Decimal::from_double(double v) {
  if (!std::isfinite(v)) return std::nullopt;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  auto d = parse(buf);
  if (!d) return std::nullopt;
  return strip_zeros(*d, 0);
}

void Decimal::append_to(std::string& out) const {
  if (mantissa < 0) out.push_back('-');
  UInt128 mag = magnitude(mantissa);
  if (scale == 0) {
    append_uint(out, mag);
    return;
  }
  std::string digits;
  append_uint(digits, mag);
  if (static_cast<int>(digits.size()) <= scale)
    digits.insert(0, static_cast<std::size_t>(scale) + 1 - digits.size(), '0');
  out.append(digits, 0, digits.size() - static_cast<std::size_t>(scale));
  out.push_back('.');
  out.append(digits, digits.size() - static_cast<std::size_t>(scale));
}

std::string Decimal::to_string() const {
  std::string s;
  append_to(s);
  return s;
}

double Decimal::to_double() const { return std::strtod(to_string().c_str(), nullptr); }

bool Decimal::is_integral() const { return scale == 0 || mantissa % pow10(scale) == 0; }

std::optional<std::int64_t> Decimal::to_int64() const {
  if (!is_integral()) return std::nullopt;
  Int128 v = scale == 0 ? mantissa : mantissa / pow10(scale);
  if (v > INT64_MAX || v < INT64_MIN) return std::nullopt;
  return static_cast<std::int64_t>(v);
}

int compare(const Decimal& a, const Decimal& b) {
  if (a.scale == b.scale) return a.mantissa < b.mantissa ? -1 : a.mantissa > b.mantissa ? 1 : 0;
  // Integer parts first (always representable), then the fractions aligned
  // at the larger scale (each below 10^36, so no overflow).
  Int128 ai = shift_down(a.mantissa, a.scale, Rounding::kFloor);
  Int128 bi = shift_down(b.mantissa, b.scale, Rounding::kFloor);
  if (ai != bi) return ai < bi ? -1 : 1;
  int s = std::max(a.scale, b.scale);
  Int128 af = (a.mantissa - ai * pow10(a.scale)) * pow10(s - a.scale);
  Int128 bf = (b.mantissa - bi * pow10(b.scale)) * pow10(s - b.scale);
  return af < bf ? -1 : af > bf ? 1 : 0;
}

std::optional<Decimal> rescale(const Decimal& a, int scale, Rounding mode) {
  if (scale < 0) scale = 0;
  if (scale == a.scale) return a;
  if (scale > a.scale) {
    Int128 m;
    if (!shift_up(a.mantissa, scale - a.scale, m)) return std::nullopt;
    return Decimal{m, scale};
  }
  return Decimal{shift_down(a.mantissa, a.scale - scale, mode), scale};
}

Decimal strip_zeros(const Decimal& a, int min_scale) {
  Decimal d = a;
  while (d.scale > min_scale && d.mantissa % 10 == 0) {
    d.mantissa /= 10;
    --d.scale;
  }
  return d;
}

std::optional<Decimal> add(const Decimal& a, const Decimal& b) {
  int s = std::max(a.scale, b.scale);
  auto x = rescale(a, s);
  auto y = rescale(b, s);
  if (!x || !y) return std::nullopt;
  Int128 m;
  if (!add_ok(x->mantissa, y->mantissa, m)) return std::nullopt;
  return Decimal{m, s};
}

Decimal negate(const Decimal& a) { return Decimal{-a.mantissa, a.scale}; }
Decimal abs(const Decimal& a) { return a.mantissa < 0 ? negate(a) : a; }

std::optional<Decimal> subtract(const Decimal& a, const Decimal& b) { return add(a, negate(b)); }

std::optional<Decimal> multiply(const Decimal& a, const Decimal& b) {
  Int128 m;
  Decimal x = a, y = b;
  if (!mul_ok(x.mantissa, y.mantissa, m)) {
    // Retry without the operands' trailing zeros.
    x = strip_zeros(x);
    y = strip_zeros(y);
    if (!mul_ok(x.mantissa, y.mantissa, m)) return std::nullopt;
  }
  Decimal r{m, x.scale + y.scale};
  if (r.scale > Decimal::kMaxScale) return rescale(r, Decimal::kMaxScale);
  return r;
}

std::optional<Decimal> divide(const Decimal& a, const Decimal& b, int scale) {
  if (b.mantissa == 0) return std::nullopt;
  scale = std::clamp(scale, 0, Decimal::kMaxScale);
  // q = a.m / b.m × 10^(b.scale - a.scale + scale), by long division so that
  // no intermediate product overflows.
  bool negative = (a.mantissa < 0) != (b.mantissa < 0);
  UInt128 n = magnitude(a.mantissa);
  UInt128 d = magnitude(b.mantissa);
  int shift = b.scale - a.scale + scale;
  // Digits to produce past n / d; a negative shift divides further.
  if (shift < 0) {
    if (-shift > kMaxPow) return Decimal{0, scale};
    UInt128 p = static_cast<UInt128>(kPow10.v[-shift]);
    UInt128 dd;
    if (__builtin_mul_overflow(d, p, &dd)) return Decimal{0, scale};
    d = dd;
    shift = 0;
  }
  UInt128 q = n / d;
  UInt128 r = n % d;
  const UInt128 limit = static_cast<UInt128>(kPow10.v[kMaxPow]);
  for (int i = 0; i < shift; ++i) {
    UInt128 r10, q10;
    if (__builtin_mul_overflow(r, static_cast<UInt128>(10), &r10)) return std::nullopt;
    if (__builtin_mul_overflow(q, static_cast<UInt128>(10), &q10)) return std::nullopt;
    q = q10 + r10 / d;
    r = r10 % d;
    if (q >= limit) return std::nullopt;
  }
  // Half-up on the remainder.
  UInt128 r2;
  if (__builtin_mul_overflow(r, static_cast<UInt128>(2), &r2) || r2 >= d) ++q;
  if (q >= limit) return std::nullopt;
  Int128 m = static_cast<Int128>(q);
  return Decimal{negative ? -m : m, scale};
}

}  // namespace parcours::fhirpath
