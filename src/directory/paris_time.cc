#include "directory/paris_time.h"
#include "base/text.h"

#include <chrono>
#include <cstdio>

namespace parcours::directory {
namespace {

using std::chrono::days;
using std::chrono::sys_days;

constexpr store::Micros kMinute = 60'000'000;
constexpr store::Micros kDayMicros = 1440 * kMinute;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

// 01:00 UTC on the last Sunday of `month` of `year`.
store::Micros switch_instant(int year, unsigned month) {
  const sys_days d{std::chrono::year{year} / std::chrono::month{month} /
                   std::chrono::Sunday[std::chrono::last]};
  return static_cast<store::Micros>(d.time_since_epoch().count()) * kDayMicros + 60 * kMinute;
}

int year_of(store::Micros utc) {
  const sys_days d{days{floor_div(utc, kDayMicros)}};
  return static_cast<int>(std::chrono::year_month_day{d}.year());
}

}  // namespace

int iso_weekday(std::int64_t day) {
  // 1970-01-01 was a Thursday (3).
  return static_cast<int>(((day + 3) % 7 + 7) % 7);
}

std::optional<std::int64_t> day_number(int year, int month, int day) {
  if (month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{year},
                                        std::chrono::month{static_cast<unsigned>(month)},
                                        std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return std::nullopt;
  return sys_days{ymd}.time_since_epoch().count();
}

int paris_offset_minutes(store::Micros utc) {
  const int y = year_of(utc);
  return utc >= switch_instant(y, 3) && utc < switch_instant(y, 10) ? 120 : 60;
}

LocalTime to_paris(store::Micros utc) {
  const std::int64_t local_minutes = floor_div(utc, kMinute) + paris_offset_minutes(utc);
  return {floor_div(local_minutes, 1440),
          static_cast<int>(local_minutes - floor_div(local_minutes, 1440) * 1440)};
}

store::Micros from_paris(LocalTime t) {
  const store::Micros wall = (t.day * 1440 + t.minute) * kMinute;
  const store::Micros summer = wall - 120 * kMinute;
  if (paris_offset_minutes(summer) == 120) return summer;
  return wall - 60 * kMinute;
}

std::optional<LocalTime> parse_local_time(std::string_view s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (s.size() != 16 && s.size() != 19) return std::nullopt;
  if (!ascii_digits(s, 0, 4, y) || s[4] != '-' || !ascii_digits(s, 5, 2, mo) || s[7] != '-' ||
      !ascii_digits(s, 8, 2, d) || s[10] != 'T' || !ascii_digits(s, 11, 2, h) || s[13] != ':' ||
      !ascii_digits(s, 14, 2, mi))
    return std::nullopt;
  if (s.size() == 19 && (s[16] != ':' || !ascii_digits(s, 17, 2, sec) || sec > 59)) return std::nullopt;
  if (h > 23 || mi > 59) return std::nullopt;
  auto day = day_number(y, mo, d);
  if (!day) return std::nullopt;
  return LocalTime{*day, h * 60 + mi};
}

std::string format_local_time(LocalTime t) {
  const std::chrono::year_month_day ymd{sys_days{days{t.day}}};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), t.minute / 60,
                t.minute % 60);
  return buf;
}

}  // namespace parcours::directory
