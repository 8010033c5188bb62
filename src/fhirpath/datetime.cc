#include "fhirpath/datetime.h"

#include <algorithm>
#include <chrono>
#include <ctime>

namespace parcours::fhirpath {

namespace {

using P = Temporal::Precision;
using K = Temporal::Kind;

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && leap(y)) return 29;
  return kDays[(m - 1) % 12];
}

// Days since 1970-01-01 (proleptic Gregorian; H. Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, int m, int d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<std::int64_t>(y - era * 400);
  const std::int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void civil_from_days(std::int64_t z, int& y, int& m, int& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = static_cast<int>(yoe + era * 400 + (m <= 2));
}

// hh(:mm(:ss(.f+)?)?)? from `pos`; advances pos.
bool parse_clock(std::string_view s, std::size_t& pos, Temporal& t, bool partial) {
  if (!digits(s, pos, 2, t.hour) || t.hour > 23) return false;
  pos += 2;
  t.precision = P::kHour;
  if (pos < s.size() && s[pos] == ':') {
    if (!digits(s, pos + 1, 2, t.minute) || t.minute > 59) return false;
    pos += 3;
    t.precision = P::kMinute;
    if (pos < s.size() && s[pos] == ':') {
      if (!digits(s, pos + 1, 2, t.second) || t.second > 60) return false;
      pos += 3;
      t.precision = P::kSecond;
      if (pos < s.size() && s[pos] == '.') {
        ++pos;
        std::size_t start = pos;
        std::uint32_t nanos = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
          if (pos - start < 9) nanos = nanos * 10 + static_cast<std::uint32_t>(s[pos] - '0');
          ++pos;
        }
        std::size_t n = pos - start;
        if (n == 0) return false;
        for (std::size_t i = n; i < 9; ++i) nanos *= 10;
        t.nanos = nanos;
        t.fraction_digits = static_cast<int>(std::min<std::size_t>(n, 9));
        t.precision = P::kFraction;
      }
    }
  }
  if (!partial && t.precision < P::kSecond) return false;
  return true;
}

bool parse_zone(std::string_view s, std::size_t& pos, Temporal& t) {
  if (pos >= s.size()) return true;
  if (s[pos] == 'Z') {
    t.has_zone = t.zulu = true;
    ++pos;
    return true;
  }
  if (s[pos] != '+' && s[pos] != '-') return false;
  int h = 0, m = 0;
  if (!digits(s, pos + 1, 2, h) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(s, pos + 4, 2, m))
    return false;
  if (h > 14 || m > 59) return false;
  t.has_zone = true;
  t.zone_minutes = (h * 60 + m) * (s[pos] == '-' ? -1 : 1);
  pos += 6;
  return true;
}

bool parse_calendar_date(std::string_view s, std::size_t& pos, Temporal& t) {
  if (!digits(s, 0, 4, t.year)) return false;
  pos = 4;
  t.precision = P::kYear;
  if (pos < s.size() && s[pos] == '-') {
    if (!digits(s, pos + 1, 2, t.month) || t.month < 1 || t.month > 12) return false;
    pos += 3;
    t.precision = P::kMonth;
    if (pos < s.size() && s[pos] == '-') {
      if (!digits(s, pos + 1, 2, t.day) || t.day < 1 || t.day > days_in_month(t.year, t.month)) return false;
      pos += 3;
      t.precision = P::kDay;
    }
  }
  return true;
}

void append2(std::string& out, int v) {
  out.push_back(static_cast<char>('0' + v / 10 % 10));
  out.push_back(static_cast<char>('0' + v % 10));
}

// Milliseconds since the epoch-day origin of the fields at or above `p`.
std::int64_t epoch_nanos_of_day(const Temporal& t) {
  return ((static_cast<std::int64_t>(t.hour) * 60 + t.minute) * 60 + t.second) * 1'000'000'000LL + t.nanos;
}

// Shifts a DateTime of precision >= hour to UTC.
Temporal to_utc(const Temporal& t) {
  if (!t.has_zone || t.zone_minutes == 0) return t;
  Temporal u = t;
  std::int64_t minutes =
      days_from_civil(t.year, t.month, t.day) * 1440 + t.hour * 60 + t.minute - t.zone_minutes;
  std::int64_t days = minutes >= 0 ? minutes / 1440 : (minutes - 1439) / 1440;
  std::int64_t rest = minutes - days * 1440;
  civil_from_days(days, u.year, u.month, u.day);
  u.hour = static_cast<int>(rest / 60);
  u.minute = static_cast<int>(rest % 60);
  u.zone_minutes = 0;
  return u;
}

int cmp(std::int64_t a, std::int64_t b) { return a < b ? -1 : a > b ? 1 : 0; }

// Precision with seconds and fractions merged.
int level(P p) { return p == P::kFraction ? static_cast<int>(P::kSecond) : static_cast<int>(p); }

bool in_range(const Temporal& t) { return t.year >= 1 && t.year <= 9999; }

}  // namespace

std::optional<Temporal> parse_date(std::string_view s) {
  Temporal t;
  t.kind = K::kDate;
  std::size_t pos = 0;
  if (!parse_calendar_date(s, pos, t) || pos != s.size()) return std::nullopt;
  return t;
}

std::optional<Temporal> parse_date_time(std::string_view s) {
  Temporal t;
  t.kind = K::kDateTime;
  std::size_t pos = 0;
  if (!parse_calendar_date(s, pos, t)) return std::nullopt;
  if (pos < s.size() && s[pos] == 'T') {
    ++pos;
    if (pos < s.size()) {
      // A time needs a full date (N1 grammar: DATEFORMAT 'T' TIMEFORMAT).
      if (t.precision != P::kDay) return std::nullopt;
      if (!parse_clock(s, pos, t, true) || !parse_zone(s, pos, t)) return std::nullopt;
    }
  }
  if (pos != s.size()) return std::nullopt;
  return t;
}

std::optional<Temporal> parse_time(std::string_view s) {
  Temporal t;
  t.kind = K::kTime;
  std::size_t pos = 0;
  if (!parse_clock(s, pos, t, true) || pos != s.size()) return std::nullopt;
  return t;
}

std::string format(const Temporal& t) {
  std::string out;
  if (t.kind != K::kTime) {
    int y = t.year;
    out.push_back(static_cast<char>('0' + y / 1000 % 10));
    out.push_back(static_cast<char>('0' + y / 100 % 10));
    append2(out, y % 100);
    if (t.precision >= P::kMonth) {
      out.push_back('-');
      append2(out, t.month);
    }
    if (t.precision >= P::kDay) {
      out.push_back('-');
      append2(out, t.day);
    }
    if (t.kind == K::kDate || t.precision <= P::kDay) return out;
    out.push_back('T');
  }
  append2(out, t.hour);
  if (t.precision >= P::kMinute) {
    out.push_back(':');
    append2(out, t.minute);
  }
  if (t.precision >= P::kSecond) {
    out.push_back(':');
    append2(out, t.second);
  }
  if (t.precision == P::kFraction && t.fraction_digits > 0) {
    out.push_back('.');
    std::uint32_t n = t.nanos;
    char buf[9];
    for (int i = 8; i >= 0; --i) {
      buf[i] = static_cast<char>('0' + n % 10);
      n /= 10;
    }
    out.append(buf, static_cast<std::size_t>(std::min(t.fraction_digits, 9)));
  }
  if (t.kind == K::kDateTime && t.has_zone) {
    if (t.zulu) {
      out.push_back('Z');
    } else {
      int z = t.zone_minutes;
      out.push_back(z < 0 ? '-' : '+');
      if (z < 0) z = -z;
      append2(out, z / 60);
      out.push_back(':');
      append2(out, z % 60);
    }
  }
  return out;
}

std::optional<int> compare(const Temporal& a0, const Temporal& b0) {
  Temporal a = a0, b = b0;
  bool times = a.kind == K::kTime;
  if (times != (b.kind == K::kTime)) return std::nullopt;
  // Timezones matter only when both values carry a time of day.
  bool clock = a.precision >= P::kHour && b.precision >= P::kHour && !times;
  if (clock) {
    if (a.has_zone != b.has_zone) return std::nullopt;
    if (a.has_zone) {
      a = to_utc(a);
      b = to_utc(b);
    }
  }
  int la = level(a.precision), lb = level(b.precision);
  int common = std::min(la, lb);
  std::int64_t fa[] = {a.year, a.month, a.day, a.hour, a.minute};
  std::int64_t fb[] = {b.year, b.month, b.day, b.hour, b.minute};
  int first = times ? static_cast<int>(P::kHour) : 0;
  for (int i = first; i <= common && i < 5; ++i)
    if (int c = cmp(fa[i], fb[i])) return c;
  if (common >= static_cast<int>(P::kSecond)) {
    std::int64_t sa = a.second * 1'000'000'000LL + a.nanos;
    std::int64_t sb = b.second * 1'000'000'000LL + b.nanos;
    if (int c = cmp(sa, sb)) return c;
  }
  if (la != lb) return std::nullopt;
  return 0;
}

bool equivalent(const Temporal& a, const Temporal& b) {
  if (level(a.precision) != level(b.precision)) return false;
  auto c = compare(a, b);
  return c && *c == 0;
}

TimeUnit calendar_keyword(std::string_view u) {
  if (!u.empty() && u.back() == 's' && u != "s" && u != "ms") u.remove_suffix(1);
  if (u == "year") return TimeUnit::kYear;
  if (u == "month") return TimeUnit::kMonth;
  if (u == "week") return TimeUnit::kWeek;
  if (u == "day") return TimeUnit::kDay;
  if (u == "hour") return TimeUnit::kHour;
  if (u == "minute") return TimeUnit::kMinute;
  if (u == "second") return TimeUnit::kSecond;
  if (u == "millisecond") return TimeUnit::kMillisecond;
  return TimeUnit::kNone;
}

TimeUnit ucum_time_unit(std::string_view u) {
  if (u == "wk") return TimeUnit::kWeek;
  if (u == "d") return TimeUnit::kDay;
  if (u == "h") return TimeUnit::kHour;
  if (u == "min") return TimeUnit::kMinute;
  if (u == "s") return TimeUnit::kSecond;
  if (u == "ms") return TimeUnit::kMillisecond;
  return TimeUnit::kNone;
}

std::optional<Temporal> add(const Temporal& t, const Decimal& amount, TimeUnit unit) {
  auto whole = rescale(amount, 0, Rounding::kDown);
  if (!whole) return std::nullopt;
  auto n64 = whole->to_int64();
  if (!n64 || *n64 > 100'000'000'000LL || *n64 < -100'000'000'000LL) return std::nullopt;
  std::int64_t n = *n64;
  Temporal r = t;
  bool time_only = t.kind == K::kTime;
  auto clamp_day = [&r] {
    if (r.precision >= P::kDay) r.day = std::min(r.day, days_in_month(r.year, r.month));
  };
  std::int64_t nanos_delta = 0;
  switch (unit) {
    case TimeUnit::kNone:
      return std::nullopt;
    case TimeUnit::kYear:
      if (time_only) return std::nullopt;
      r.year = static_cast<int>(r.year + n);
      if (!in_range(r)) return std::nullopt;
      clamp_day();
      return r;
    case TimeUnit::kMonth: {
      if (time_only) return std::nullopt;
      if (r.precision == P::kYear) {
        r.year = static_cast<int>(r.year + n / 12);
      } else {
        std::int64_t months = static_cast<std::int64_t>(r.year) * 12 + (r.month - 1) + n;
        r.year = static_cast<int>(months >= 0 ? months / 12 : (months - 11) / 12);
        r.month = static_cast<int>(months - static_cast<std::int64_t>(r.year) * 12) + 1;
      }
      if (!in_range(r)) return std::nullopt;
      clamp_day();
      return r;
    }
    case TimeUnit::kWeek:
    case TimeUnit::kDay: {
      if (time_only) return std::nullopt;
      std::int64_t days = unit == TimeUnit::kWeek ? n * 7 : n;
      if (r.precision == P::kYear) {
        r.year = static_cast<int>(r.year + days / 365);
      } else if (r.precision == P::kMonth) {
        Decimal months = Decimal::from_int(days / 30);
        return add(r, months, TimeUnit::kMonth);
      } else {
        nanos_delta = days * 86'400'000'000'000LL;
        break;
      }
      if (!in_range(r)) return std::nullopt;
      return r;
    }
    case TimeUnit::kHour:
      nanos_delta = n * 3'600'000'000'000LL;
      break;
    case TimeUnit::kMinute:
      nanos_delta = n * 60'000'000'000LL;
      break;
    case TimeUnit::kSecond:
      nanos_delta = n * 1'000'000'000LL;
      break;
    case TimeUnit::kMillisecond:
      nanos_delta = n * 1'000'000LL;
      break;
  }
  // Truncate the duration to the value's precision.
  std::int64_t step = 0;
  switch (level(r.precision)) {
    case static_cast<int>(P::kYear):
    case static_cast<int>(P::kMonth): {
      // A partial date: whole days only, then to the precision.
      Decimal days = Decimal::from_int(nanos_delta / 86'400'000'000'000LL);
      return add(r, days, TimeUnit::kDay);
    }
    case static_cast<int>(P::kDay):
      step = 86'400'000'000'000LL;
      break;
    case static_cast<int>(P::kHour):
      step = 3'600'000'000'000LL;
      break;
    case static_cast<int>(P::kMinute):
      step = 60'000'000'000LL;
      break;
    default:
      step = r.precision == P::kFraction ? 1 : 1'000'000'000LL;
      break;
  }
  if (r.precision == P::kFraction) {
    // Keep what the written digits can show.
    std::int64_t unit_nanos = 1;
    for (int i = r.fraction_digits; i < 9; ++i) unit_nanos *= 10;
    step = unit_nanos;
  }
  nanos_delta = nanos_delta / step * step;
  constexpr std::int64_t kDayNanos = 86'400'000'000'000LL;
  std::int64_t day_part = nanos_delta / kDayNanos;
  std::int64_t rest = nanos_delta % kDayNanos;
  std::int64_t tod = epoch_nanos_of_day(r) + rest;
  if (tod < 0) {
    tod += kDayNanos;
    --day_part;
  } else if (tod >= kDayNanos) {
    tod -= kDayNanos;
    ++day_part;
  }
  if (!time_only) {
    std::int64_t days = days_from_civil(r.year, r.month, r.day) + day_part;
    civil_from_days(days, r.year, r.month, r.day);
    if (!in_range(r)) return std::nullopt;
  }
  r.hour = static_cast<int>(tod / 3'600'000'000'000LL);
  r.minute = static_cast<int>(tod / 60'000'000'000LL % 60);
  r.second = static_cast<int>(tod / 1'000'000'000LL % 60);
  r.nanos = static_cast<std::uint32_t>(tod % 1'000'000'000LL);
  return r;
}

namespace {

// Precision digits (2.1 boundaries) to a precision for the value's kind.
std::optional<P> precision_of_digits(K kind, int d) {
  if (kind == K::kTime) {
    switch (d) {
      case 2:
        return P::kHour;
      case 4:
        return P::kMinute;
      case 6:
        return P::kSecond;
      case 9:
        return P::kFraction;
      default:
        return std::nullopt;
    }
  }
  switch (d) {
    case 4:
      return P::kYear;
    case 6:
      return P::kMonth;
    case 8:
      return P::kDay;
    default:
      break;
  }
  if (kind == K::kDate) return std::nullopt;
  switch (d) {
    case 10:
      return P::kHour;
    case 12:
      return P::kMinute;
    case 14:
      return P::kSecond;
    case 17:
      return P::kFraction;
    default:
      return std::nullopt;
  }
}

std::optional<Temporal> boundary(const Temporal& t, std::optional<int> digits, bool high) {
  P target;
  if (digits) {
    auto p = precision_of_digits(t.kind, *digits);
    if (!p) return std::nullopt;
    target = *p;
  } else {
    target = t.kind == K::kDate ? P::kDay : P::kFraction;
  }
  Temporal r = t;
  // Fill what the value leaves unspecified with its smallest or largest
  // possible value (2.1 lowBoundary/highBoundary).
  if (t.precision < P::kMonth) r.month = high ? 12 : 1;
  if (t.precision < P::kDay) r.day = high ? days_in_month(r.year, r.month) : 1;
  if (t.precision < P::kHour) r.hour = high ? 23 : 0;
  if (t.precision < P::kMinute) r.minute = high ? 59 : 0;
  if (t.precision < P::kSecond) r.second = high ? 59 : 0;
  if (t.precision < P::kFraction) r.nanos = high ? 999'999'999 : 0;
  r.precision = target;
  if (target == P::kFraction) {
    r.fraction_digits = 3;
    r.nanos = r.nanos / 1'000'000 * 1'000'000;
  }
  if (t.kind == K::kDateTime && target >= P::kHour && !t.has_zone) {
    // Unknown timezone: the earliest (+14:00) or latest (-12:00) possible.
    r.has_zone = true;
    r.zulu = false;
    r.zone_minutes = high ? -12 * 60 : 14 * 60;
  }
  return r;
}

}  // namespace

std::optional<Temporal> low_boundary(const Temporal& t, std::optional<int> digits) {
  return boundary(t, digits, false);
}

std::optional<Temporal> high_boundary(const Temporal& t, std::optional<int> digits) {
  return boundary(t, digits, true);
}

int precision_digits(const Temporal& t) {
  if (t.kind == K::kTime) {
    switch (t.precision) {
      case P::kHour:
        return 2;
      case P::kMinute:
        return 4;
      case P::kSecond:
        return 6;
      default:
        return 9;
    }
  }
  switch (t.precision) {
    case P::kYear:
      return 4;
    case P::kMonth:
      return 6;
    case P::kDay:
      return 8;
    case P::kHour:
      return 10;
    case P::kMinute:
      return 12;
    case P::kSecond:
      return 14;
    case P::kFraction:
      return 17;
  }
  return 0;
}

Temporal now_local() {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm local{};
  localtime_r(&secs, &local);
  Temporal t;
  t.kind = K::kDateTime;
  t.precision = P::kFraction;
  t.year = local.tm_year + 1900;
  t.month = local.tm_mon + 1;
  t.day = local.tm_mday;
  t.hour = local.tm_hour;
  t.minute = local.tm_min;
  t.second = std::min(local.tm_sec, 59);
  t.nanos = static_cast<std::uint32_t>(ms % 1000) * 1'000'000U;
  t.fraction_digits = 3;
  t.has_zone = true;
  t.zone_minutes = static_cast<int>(local.tm_gmtoff / 60);
  t.zulu = false;
  return t;
}

}  // namespace parcours::fhirpath
