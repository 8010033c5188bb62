#include "search/values.h"

#include <charconv>
#include <cmath>

#include "fhirpath/ucum.h"

namespace parcours::search {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil, re-derived: eras of 400 years).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int month_days(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

constexpr std::int64_t kMicrosPerSecond = 1'000'000;
constexpr std::int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

struct Reader {
  std::string_view s;
  std::size_t i = 0;
  bool done() const { return i == s.size(); }
  bool eat(char c) {
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  std::optional<int> digits(int n) {
    if (i + static_cast<std::size_t>(n) > s.size()) return std::nullopt;
    int v = 0;
    for (int k = 0; k < n; ++k) {
      char c = s[i + static_cast<std::size_t>(k)];
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + (c - '0');
    }
    i += static_cast<std::size_t>(n);
    return v;
  }
};

// Decrements a string of decimal digits by one (the caller ensures > 0).
std::string decrement(std::string digits) {
  for (std::size_t k = digits.size(); k-- > 0;) {
    if (digits[k] > '0') {
      --digits[k];
      break;
    }
    digits[k] = '9';
  }
  std::size_t nz = digits.find_first_not_of('0');
  return nz == std::string::npos ? "0" : digits.substr(nz);
}

std::optional<double> to_double(const std::string& text) {
  double v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<DateRange> date_range(std::string_view text) {
  Reader r{text};
  auto year = r.digits(4);
  if (!year) return std::nullopt;
  int month = 1, day = 1;
  std::int64_t low_day = 0, high_day = 0;  // [low_day, high_day) in days
  if (r.done()) {
    low_day = days_from_civil(*year, 1, 1);
    high_day = days_from_civil(*year + 1, 1, 1);
    return DateRange{low_day * kMicrosPerDay, high_day * kMicrosPerDay - 1};
  }
  if (!r.eat('-')) return std::nullopt;
  auto m = r.digits(2);
  if (!m || *m < 1 || *m > 12) return std::nullopt;
  month = *m;
  if (r.done()) {
    low_day = days_from_civil(*year, static_cast<unsigned>(month), 1);
    high_day = low_day + month_days(*year, month);
    return DateRange{low_day * kMicrosPerDay, high_day * kMicrosPerDay - 1};
  }
  if (!r.eat('-')) return std::nullopt;
  auto d = r.digits(2);
  if (!d || *d < 1 || *d > month_days(*year, month)) return std::nullopt;
  day = *d;
  low_day = days_from_civil(*year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  if (r.done()) return DateRange{low_day * kMicrosPerDay, (low_day + 1) * kMicrosPerDay - 1};
  if (!r.eat('T')) return std::nullopt;
  auto hh = r.digits(2);
  if (!hh || *hh > 23 || !r.eat(':')) return std::nullopt;
  auto mm = r.digits(2);
  if (!mm || *mm > 59) return std::nullopt;
  std::int64_t start = low_day * kMicrosPerDay + (*hh * 3600LL + *mm * 60LL) * kMicrosPerSecond;
  std::int64_t width = 60 * kMicrosPerSecond;
  if (r.eat(':')) {
    auto ss = r.digits(2);
    if (!ss || *ss > 60) return std::nullopt;  // 60: a leap second, folded into the next minute
    start += *ss * kMicrosPerSecond;
    width = kMicrosPerSecond;
    if (r.eat('.')) {
      std::int64_t frac = 0;
      int n = 0;
      while (!r.done() && r.s[r.i] >= '0' && r.s[r.i] <= '9') {
        if (n < 6) {
          frac = frac * 10 + (r.s[r.i] - '0');
          width /= 10;
        }
        ++n;
        ++r.i;
      }
      if (n == 0) return std::nullopt;
      for (int k = n; k < 6; ++k) frac *= 10;
      start += frac;
    }
  }
  // Offset: "Z", "+hh:mm" or "-hh:mm"; none means UTC.
  if (r.eat('Z')) {
  } else if (!r.done() && (r.s[r.i] == '+' || r.s[r.i] == '-')) {
    int sign = r.s[r.i] == '-' ? -1 : 1;
    ++r.i;
    auto oh = r.digits(2);
    if (!oh || *oh > 14 || !r.eat(':')) return std::nullopt;
    auto om = r.digits(2);
    if (!om || *om > 59) return std::nullopt;
    start -= sign * (*oh * 3600LL + *om * 60LL) * kMicrosPerSecond;
  }
  if (!r.done()) return std::nullopt;
  return DateRange{start, start + width - 1};
}

std::optional<double> parse_decimal(std::string_view text) {
  if (text.empty() || text.front() == '+') return std::nullopt;
  double v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<DecimalRange> decimal_range(std::string_view text) {
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  std::string mantissa;
  int scale = 0;
  bool any = false, point = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c >= '0' && c <= '9') {
      mantissa.push_back(c);
      any = true;
      if (point) ++scale;
    } else if (c == '.' && !point) {
      point = true;
    } else {
      break;
    }
  }
  if (!any) return std::nullopt;
  int exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    auto r = std::from_chars(text.data() + i + (i < text.size() && text[i] == '+'), text.data() + text.size(),
                             exponent);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return std::nullopt;
    i = text.size();
  }
  if (i != text.size() || std::abs(exponent) > 300) return std::nullopt;
  std::size_t nz = mantissa.find_first_not_of('0');
  mantissa = nz == std::string::npos ? "0" : mantissa.substr(nz);
  // |v| = M × 10^(e - s); half a unit of the last digit is 5 × 10^(e - s - 1).
  int unit = exponent - scale - 1;
  std::string e = "e" + std::to_string(unit);
  auto value = to_double(mantissa + "e" + std::to_string(exponent - scale));
  auto up = to_double(mantissa + "5" + e);
  auto down = mantissa == "0" ? to_double("-5" + e) : to_double(decrement(mantissa) + "5" + e);
  if (!value || !up || !down || !std::isfinite(*up)) return std::nullopt;
  if (negative) return DecimalRange{-*value, -*up, -*down};
  return DecimalRange{*value, *down, *up};
}

CanonicalUnit canonical_unit(std::string_view system, std::string_view code) {
  CanonicalUnit out;
  if (system.empty() || system == kUcum) {
    if (auto u = fhirpath::canonical_unit(code); u && u->special.empty()) {
      static constexpr const char* kBase[] = {"m", "s", "g", "rad", "K", "C", "cd"};
      std::string c;
      for (int d = 0; d < fhirpath::CanonicalUnit::kDims; ++d) {
        int n = u->dims[static_cast<std::size_t>(d)];
        if (n == 0) continue;
        if (!c.empty()) c.push_back('.');
        c += kBase[d];
        if (n != 1) c += std::to_string(n);
      }
      out.code = c.empty() ? "1" : c;
      out.factor = static_cast<double>(u->factor.mantissa) * std::pow(10.0, u->factor.exponent);
      out.ucum = true;
      return out;
    }
  }
  out.code = std::string(system) + "|" + std::string(code);
  return out;
}

}  // namespace parcours::search
