// format_instant / parse_instant: FHIR dateTime and instant text <-> Micros.
#include <gtest/gtest.h>

#include "store/store.h"

namespace parcours::store {
namespace {

constexpr Micros kSecond = 1'000'000;
constexpr Micros kDay = 86'400 * kSecond;

TEST(FormatInstant, Epoch) { EXPECT_EQ(format_instant(0), "1970-01-01T00:00:00.000Z"); }

TEST(FormatInstant, MillisecondsTruncated) {
  // 2026-11-26T10:15:30.123456Z
  Micros t = *parse_instant("2026-11-26T10:15:30.123456Z");
  EXPECT_EQ(t % 1000, 456);
  EXPECT_EQ(format_instant(t), "2026-11-26T10:15:30.123Z");
}

TEST(FormatInstant, BeforeEpoch) {
  EXPECT_EQ(format_instant(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_instant(-kDay), "1969-12-31T00:00:00.000Z");
}

TEST(FormatInstant, LeapDay) {
  EXPECT_EQ(format_instant(*parse_instant("2024-02-29T23:59:59.999Z")), "2024-02-29T23:59:59.999Z");
}

TEST(FormatInstant, RoundTripsEveryFewHoursOverYears) {
  for (Micros t = -5 * 365 * kDay; t < 60LL * 365 * kDay; t += 7 * 3600 * kSecond + 123'000) {
    auto text = format_instant(t);
    auto back = parse_instant(text);
    ASSERT_TRUE(back) << text;
    EXPECT_EQ(*back, t) << text;
  }
}

TEST(ParseInstant, KnownValue) {
  // date -u -d 2026-11-26T10:15:30Z +%s == 1795688130
  EXPECT_EQ(parse_instant("2026-11-26T10:15:30Z"), 1795688130LL * kSecond);
  EXPECT_EQ(parse_instant("1970-01-01T00:00:00Z"), 0);
}

TEST(ParseInstant, PartialPrecisionIsLowerBound) {
  EXPECT_EQ(parse_instant("2026"), parse_instant("2026-01-01T00:00:00Z"));
  EXPECT_EQ(parse_instant("2026-11"), parse_instant("2026-11-01T00:00:00Z"));
  EXPECT_EQ(parse_instant("2026-11-26"), parse_instant("2026-11-26T00:00:00Z"));
}

TEST(ParseInstant, FractionOfAnyLength) {
  Micros base = *parse_instant("2026-11-26T10:15:30Z");
  EXPECT_EQ(parse_instant("2026-11-26T10:15:30.1Z"), base + 100'000);
  EXPECT_EQ(parse_instant("2026-11-26T10:15:30.123Z"), base + 123'000);
  EXPECT_EQ(parse_instant("2026-11-26T10:15:30.123456Z"), base + 123'456);
  EXPECT_EQ(parse_instant("2026-11-26T10:15:30.1234567891Z"), base + 123'456);  // truncated
}

TEST(ParseInstant, Offsets) {
  Micros utc = *parse_instant("2026-01-01T00:00:00Z");
  EXPECT_EQ(parse_instant("2026-01-01T01:00:00+01:00"), utc);
  EXPECT_EQ(parse_instant("2025-12-31T19:30:00-04:30"), utc);
  EXPECT_EQ(parse_instant("2026-01-01T00:00:00+00:00"), utc);
  EXPECT_EQ(parse_instant("2026-01-01T00:00:00-00:00"), utc);
  EXPECT_EQ(parse_instant("2026-01-01T14:00:00+14:00"), utc);
}

TEST(ParseInstant, LeapYears) {
  EXPECT_TRUE(parse_instant("2024-02-29"));
  EXPECT_TRUE(parse_instant("2000-02-29"));
  EXPECT_FALSE(parse_instant("2023-02-29"));
  EXPECT_FALSE(parse_instant("1900-02-29"));
}

TEST(ParseInstant, RejectsMalformed) {
  for (const char* bad : {
           "",
           "0000",                       // no year zero in FHIR
           "202",                        // short year
           "20266",                      // long year
           "2026-13",                    // month 13
           "2026-00",                    // month 0
           "2026-02-30",                 // Feb 30
           "2026-04-31",                 // Apr 31
           "2026-1-01",                  // one-digit month
           "2026-11-26T10:15:30",        // time without zone
           "2026-11-26T10:15Z",          // seconds are required
           "2026-11-26T24:00:00Z",       // hour 24
           "2026-11-26T10:60:00Z",       // minute 60
           "2026-11-26T10:15:61Z",       // second 61
           "2026-11-26T10:15:30.Z",      // empty fraction
           "2026-11-26T10:15:30+1:00",   // short offset
           "2026-11-26T10:15:30+0100",   // offset without colon
           "2026-11-26T10:15:30+14:30",  // beyond +14:00
           "2026-11-26T10:15:30+15:00",  // beyond +14:00
           "2026-11-26T10:15:30Zjunk",   // trailing text
           "2026-11-26 10:15:30Z",       // space separator
           "2026-11-26t10:15:30z",       // lower case
           "2026-11-26T",                // dangling T
           "2026-11-",                   // dangling dash
           "abcd",
       }) {
    EXPECT_FALSE(parse_instant(bad)) << bad;
  }
}

TEST(ParseInstant, LeapSecondAccepted) {
  // The FHIR regex allows :60; its lower bound is the next minute's start.
  EXPECT_EQ(parse_instant("2016-12-31T23:59:60Z"), parse_instant("2017-01-01T00:00:00Z"));
}

}  // namespace
}  // namespace parcours::store
