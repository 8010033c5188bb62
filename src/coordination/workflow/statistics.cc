#include "coordination/workflow/statistics.h"

#include <algorithm>
#include <numeric>

namespace parcours::coordination::stats {

namespace {

std::int64_t pow10(int n) {
  std::int64_t p = 1;
  while (n-- > 0) p *= 10;
  return p;
}

}  // namespace

Fixed ratio(std::int64_t numerator, std::int64_t denominator, int decimals) {
  // Half away from zero: (2·n·10^d ± den) / (2·den), truncated toward zero.
  const std::int64_t scaled = 2 * numerator * pow10(decimals);
  const std::int64_t adjusted = numerator < 0 ? scaled - denominator : scaled + denominator;
  return Fixed{adjusted / (2 * denominator), decimals};
}

std::optional<Fixed> percent(std::int64_t part, std::int64_t whole) {
  if (whole <= 0) return std::nullopt;
  return ratio(100 * std::min(part, whole), whole, 1);
}

std::optional<Fixed> median(std::vector<std::int64_t> values, std::int64_t unit, int decimals) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  if (n % 2 == 1) return ratio(values[n / 2], unit, decimals);
  return ratio(values[n / 2 - 1] + values[n / 2], 2 * unit, decimals);
}

std::optional<Fixed> mean(const std::vector<std::int64_t>& values, std::int64_t unit, int decimals) {
  if (values.empty()) return std::nullopt;
  const std::int64_t sum = std::accumulate(values.begin(), values.end(), std::int64_t{0});
  return ratio(sum, unit * static_cast<std::int64_t>(values.size()), decimals);
}

std::string format(const Fixed& f, char decimal_point) {
  const std::int64_t p = pow10(f.decimals);
  const std::int64_t whole = f.units / p, frac = f.units % p;
  std::string out = f.units < 0 ? "-" : "";
  out += std::to_string(whole < 0 ? -whole : whole);
  if (f.decimals > 0) {
    std::string digits = std::to_string(frac < 0 ? -frac : frac);
    out += decimal_point;
    out += std::string(static_cast<std::size_t>(f.decimals) - digits.size(), '0') + digits;
  }
  return out;
}

}  // namespace parcours::coordination::stats
