#include "directory/availability.h"
#include "base/text.h"

#include <array>

namespace parcours::directory {
namespace {

constexpr store::Micros kSecond = 1'000'000;

// R4 days-of-week (http://hl7.org/fhir/days-of-week).
int day_bit(std::string_view code) {
  static constexpr std::array<std::string_view, 7> kDays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  for (std::size_t i = 0; i < kDays.size(); ++i)
    if (kDays[i] == code) return static_cast<int>(i);
  return -1;
}

bool two_digits(std::string_view s, std::size_t at, int& out) { return ascii_digits(s, at, 2, out); }

// The weekly entries of `list`, with the names of the time fields
// (availableStartTime/availableEndTime, or openingTime/closingTime).
void read_weekly(const Json* list, std::string_view start_key, std::string_view end_key,
                 std::vector<WeeklyHours>& out) {
  if (!list || !list->is_array()) return;
  for (const Json& entry : list->as_array()) {
    WeeklyHours w;
    bool ok = true;
    if (const Json* ds = entry.find("daysOfWeek"); ds && ds->is_array()) {
      for (const Json& d : ds->as_array()) {
        const int bit = d.is_string() ? day_bit(d.as_string()) : -1;
        if (bit < 0) {
          ok = false;
          break;
        }
        w.days = static_cast<std::uint8_t>(w.days | (1u << bit));
      }
    } else {
      w.days = 0x7F;  // no day given: every day
    }
    if (const Json* a = entry.find("allDay"); a && a->is_bool()) w.all_day = a->as_bool();
    if (!w.all_day) {
      if (std::string_view s = entry.get_string(start_key); !s.empty()) w.start = parse_time_of_day(s);
      if (std::string_view e = entry.get_string(end_key); !e.empty()) w.end = parse_time_of_day(e);
      if (w.start < 0 || w.end < 0) ok = false;
      // Midnight as an end is the end of the day, not an empty range.
      if (w.end == 0) w.end = 1440;
    }
    if (ok && w.days != 0) out.push_back(w);
  }
}

bool covers(const WeeklyHours& w, int weekday, int minute) {
  if (!(w.days & (1u << weekday))) return false;
  if (w.all_day) return true;
  if (w.end > w.start) return minute >= w.start && minute < w.end;
  return minute >= w.start;  // until midnight, the rest is the next day's
}

// The part after midnight of a night entry that began the day before.
bool covers_from_eve(const WeeklyHours& w, int weekday, int minute) {
  const int eve = (weekday + 6) % 7;
  return !w.all_day && w.end <= w.start && (w.days & (1u << eve)) && minute < w.end;
}

}  // namespace

int parse_time_of_day(std::string_view s) {
  int h = 0, m = 0, sec = 0;
  if (s.size() < 5 || !two_digits(s, 0, h) || s[2] != ':' || !two_digits(s, 3, m)) return -1;
  if (s.size() > 5 && (s.size() < 8 || s[5] != ':' || !two_digits(s, 6, sec))) return -1;
  if (s.size() > 8 && s[8] != '.') return -1;
  if (h > 23 || m > 59 || sec > 59) return -1;
  return h * 60 + m;
}

std::optional<InstantRange> date_time_range(std::string_view s) {
  if (s.find('T') != std::string_view::npos) {
    auto t = store::parse_instant(s);
    if (!t) return std::nullopt;
    return InstantRange{*t, *t + kSecond};
  }
  int y = 0, m = 1, d = 1;
  if (!ascii_digits(s, 0, 4, y)) return std::nullopt;
  std::int64_t first = 0, last = 0;
  if (s.size() == 4) {
    auto a = day_number(y, 1, 1), b = day_number(y + 1, 1, 1);
    if (!a || !b) return std::nullopt;
    first = *a;
    last = *b;
  } else if (s.size() == 7 && s[4] == '-' && two_digits(s, 5, m)) {
    auto a = day_number(y, m, 1), b = m == 12 ? day_number(y + 1, 1, 1) : day_number(y, m + 1, 1);
    if (!a || !b) return std::nullopt;
    first = *a;
    last = *b;
  } else if (s.size() == 10 && s[4] == '-' && two_digits(s, 5, m) && s[7] == '-' && two_digits(s, 8, d)) {
    auto a = day_number(y, m, d);
    if (!a) return std::nullopt;
    first = *a;
    last = *a + 1;
  } else {
    return std::nullopt;
  }
  return InstantRange{from_paris({first, 0}), from_paris({last, 0})};
}

Availability availability_of(const Json& resource) {
  Availability a;
  if (resource.get_string("resourceType") == "Location") {
    read_weekly(resource.find("hoursOfOperation"), "openingTime", "closingTime", a.weekly);
    return a;
  }
  read_weekly(resource.find("availableTime"), "availableStartTime", "availableEndTime", a.weekly);
  if (const Json* na = resource.find("notAvailable"); na && na->is_array()) {
    for (const Json& n : na->as_array()) {
      const Json* during = n.find("during");
      if (!during || !during->is_object()) continue;  // a note without a period closes nothing
      Closure c;
      c.description = std::string(n.get_string("description"));
      bool ok = true;
      if (std::string_view s = during->get_string("start"); !s.empty()) {
        auto r = date_time_range(s);
        ok = ok && r;
        if (r) c.from = r->first;
      }
      // A Period's end is included at its precision (R4 datatypes, Period).
      if (std::string_view e = during->get_string("end"); !e.empty()) {
        auto r = date_time_range(e);
        ok = ok && r;
        if (r) c.to = r->last;
      }
      if (ok && c.from < c.to) a.closures.push_back(std::move(c));
    }
  }
  return a;
}

bool is_open(const Availability& a, LocalTime t) {
  const int weekday = iso_weekday(t.day);
  bool open = false;
  for (const WeeklyHours& w : a.weekly)
    if (covers(w, weekday, t.minute) || covers_from_eve(w, weekday, t.minute)) {
      open = true;
      break;
    }
  if (!open) return false;
  const store::Micros at = from_paris(t);
  for (const Closure& c : a.closures)
    if (at >= c.from && at < c.to) return false;
  return true;
}

}  // namespace parcours::directory
