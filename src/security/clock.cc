#include "security/clock.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <mutex>

namespace parcours::security {
namespace {

std::mutex g_mu;
std::string g_offset_file;  // set once by configure()
std::atomic<bool> g_shifted{false};

Micros wall() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Micros Clock::now() {
  if (!g_shifted.load(std::memory_order_relaxed)) return wall();
  std::string path;
  {
    std::lock_guard lock(g_mu);
    path = g_offset_file;
  }
  double seconds = 0;
  std::ifstream in(path);
  if (in) in >> seconds;
  return wall() + static_cast<Micros>(seconds * 1e6);
}

Status Clock::configure(bool production) {
  const char* file = std::getenv("PARCOURS_TEST_CLOCK_FILE");
  if (!file || !*file) return Status::Ok();
#ifndef PARCOURS_TEST_HOOKS
  (void)production;
  return internal_error(
      "PARCOURS_TEST_CLOCK_FILE is set but this build has no test hooks (PARCOURS_TEST_HOOKS=OFF)");
#else
  if (production)
    return internal_error("PARCOURS_TEST_CLOCK_FILE is a test hook: refused in production mode");
  std::lock_guard lock(g_mu);
  g_offset_file = file;
  g_shifted = true;
  return Status::Ok();
#endif
}

bool Clock::shifted() { return g_shifted.load(); }

}  // namespace parcours::security
