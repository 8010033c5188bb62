#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>

#include "store/store.h"

namespace parcours::store {

std::string time_ordered_id() {
  thread_local std::mt19937_64 rng = [] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }();
  auto ms = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count());
  std::uint64_t r1 = rng(), r2 = rng();
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-7%03llx-%04llx-%012llx",
                static_cast<unsigned long long>((ms >> 16) & 0xFFFFFFFFull),
                static_cast<unsigned long long>(ms & 0xFFFF), static_cast<unsigned long long>(r1 & 0xFFF),
                static_cast<unsigned long long>(0x8000 | ((r1 >> 12) & 0x3FFF)),
                static_cast<unsigned long long>(r2 & 0xFFFFFFFFFFFFull));
  return buf;
}

}  // namespace parcours::store
