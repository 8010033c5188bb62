// The security layer's clock: token lifetimes, break-glass windows, care-team
// periods, delegations. Tests can shift it forward through a file named by
// PARCOURS_TEST_CLOCK_FILE (seconds to add, re-read at each call) — only in
// builds configured with PARCOURS_TEST_HOOKS=ON, and never in production mode
// (serve --production refuses to start when the variable is set).
#pragma once

#include <string>

#include "base/result.h"
#include "store/security_store.h"

namespace parcours::security {

using store::Micros;

class Clock {
 public:
  static Micros now();
  // Reads PARCOURS_TEST_CLOCK_FILE. Errors when it is set and either the
  // build has no test hooks or `production` is true.
  static Status configure(bool production);
  static bool shifted();  // a test offset is active
};

inline constexpr Micros kSecond = 1'000'000;
inline constexpr Micros kMinute = 60 * kSecond;
inline constexpr Micros kHour = 60 * kMinute;
inline constexpr Micros kDay = 24 * kHour;

}  // namespace parcours::security
