// The arithmetic of the activity report (report.h), in integers so that a
// figure checked by hand is the figure printed: a value is a count of
// hundredths or tenths (Fixed), rounded half away from zero once, at the end.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace parcours::coordination::stats {

// units / 10^decimals, e.g. {667, 1} is 66.7.
struct Fixed {
  std::int64_t units = 0;
  int decimals = 0;
  bool operator==(const Fixed&) const = default;
};

// numerator / denominator with `decimals` decimals, rounded half away from
// zero. REQUIRES: denominator > 0, decimals in [0, 6], |numerator| · 10^decimals
// below 4·10^18 (seconds of follow-up summed over a structure are far below).
Fixed ratio(std::int64_t numerator, std::int64_t denominator, int decimals);

// 100 × part / whole with one decimal; nullopt when whole is 0 (nothing to
// measure is not 0 %). Capped at 100 %.
std::optional<Fixed> percent(std::int64_t part, std::int64_t whole);

// The median and the mean of `values` (in some base unit, e.g. seconds)
// expressed in `unit`s (e.g. 86400 for days) with `decimals` decimals;
// nullopt for an empty set. An even count takes the mean of the two middle
// values.
std::optional<Fixed> median(std::vector<std::int64_t> values, std::int64_t unit, int decimals);
std::optional<Fixed> mean(const std::vector<std::int64_t>& values, std::int64_t unit, int decimals);

// "66.7" (FHIR decimal) or "66,7" with decimal_point ','.
std::string format(const Fixed& f, char decimal_point = '.');

}  // namespace parcours::coordination::stats
