// FHIR instants <-> store time (microseconds since the epoch, UTC).
//
// The grammar is FHIR R4 dateTime (§2.24.0.1): YYYY, YYYY-MM, YYYY-MM-DD or
// YYYY-MM-DDThh:mm:ss(.f+)?(Z|±hh:mm); a time requires a zone. instant is the
// full form, so one parser serves both. Calendar arithmetic uses C++20
// <chrono>, which also rejects impossible dates such as Feb 30.
#include <chrono>
#include <cstdio>

#include "store/store.h"

namespace parcours::store {

namespace {

using std::chrono::days;
using std::chrono::microseconds;
using std::chrono::sys_days;

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool done() const { return i_ == s_.size(); }
  bool eat(char c) {
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  std::optional<char> peek() const {
    if (i_ < s_.size()) return s_[i_];
    return std::nullopt;
  }
  // Exactly n ASCII digits.
  std::optional<int> digits(int n) {
    if (s_.size() - i_ < static_cast<std::size_t>(n)) return std::nullopt;
    int v = 0;
    for (int k = 0; k < n; ++k) {
      char c = s_[i_ + static_cast<std::size_t>(k)];
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + (c - '0');
    }
    i_ += static_cast<std::size_t>(n);
    return v;
  }
  // One or more digits as microseconds (fraction truncated: lower bound).
  std::optional<std::int64_t> fraction_micros() {
    std::int64_t v = 0;
    int n = 0;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') {
      if (n < 6) v = v * 10 + (s_[i_] - '0');
      ++n;
      ++i_;
    }
    if (n == 0) return std::nullopt;
    for (int k = n; k < 6; ++k) v *= 10;
    return v;
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

std::optional<Micros> day_start(int y, int m, int d) {
  std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(m)},
                                  std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::duration_cast<microseconds>(sys_days{ymd}.time_since_epoch()).count();
}

}  // namespace

std::string format_instant(Micros t) {
  // floor (not truncation) so instants before 1970 format correctly.
  std::chrono::sys_time<microseconds> tp{microseconds{t}};
  auto day = std::chrono::floor<days>(tp);
  std::chrono::year_month_day ymd{day};
  std::int64_t in_day = (tp - day).count();  // [0, 86400e6)
  auto ms = static_cast<int>(in_day / 1000 % 1000);
  auto sec = static_cast<int>(in_day / 1000000);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), sec / 3600,
                sec / 60 % 60, sec % 60, ms);
  return buf;
}

std::optional<Micros> parse_instant(std::string_view text) {
  Cursor c(text);
  auto year = c.digits(4);
  if (!year || *year == 0) return std::nullopt;  // FHIR has no year 0000
  if (c.done()) return day_start(*year, 1, 1);
  if (!c.eat('-')) return std::nullopt;
  auto month = c.digits(2);
  if (!month || *month < 1 || *month > 12) return std::nullopt;
  if (c.done()) return day_start(*year, *month, 1);
  if (!c.eat('-')) return std::nullopt;
  auto day = c.digits(2);
  if (!day) return std::nullopt;
  auto date = day_start(*year, *month, *day);
  if (!date || c.done()) return date;

  if (!c.eat('T')) return std::nullopt;
  auto hh = c.digits(2);
  if (!hh || *hh > 23 || !c.eat(':')) return std::nullopt;
  auto mm = c.digits(2);
  if (!mm || *mm > 59 || !c.eat(':')) return std::nullopt;
  auto ss = c.digits(2);
  if (!ss || *ss > 60) return std::nullopt;  // 60: leap second, allowed by the FHIR regex
  std::int64_t frac = 0;
  if (c.eat('.')) {
    auto f = c.fraction_micros();
    if (!f) return std::nullopt;
    frac = *f;
  }
  // FHIR requires a zone whenever a time is given.
  std::int64_t offset_min = 0;
  if (!c.eat('Z')) {
    auto sign = c.peek();
    if (sign != '+' && sign != '-') return std::nullopt;
    c.eat(*sign);
    auto oh = c.digits(2);
    if (!oh || !c.eat(':')) return std::nullopt;
    auto om = c.digits(2);
    if (!om || *om > 59 || *oh > 14 || (*oh == 14 && *om != 0)) return std::nullopt;
    offset_min = (*oh * 60 + *om) * (*sign == '-' ? -1 : 1);
  }
  if (!c.done()) return std::nullopt;
  std::int64_t local = *date + ((*hh * 60 + *mm) * 60LL + *ss) * 1000000LL + frac;
  return local - offset_min * 60 * 1000000LL;
}

}  // namespace parcours::store
