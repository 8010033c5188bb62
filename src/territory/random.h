// Portable seeded randomness for the territory generator.
//
// Why not <random>: std::uniform_int_distribution and friends are
// implementation-defined, so libstdc++ and libc++ give different streams.
// Here every step is integer arithmetic with a fixed algorithm, so a seed
// yields the same territory on every machine.
#pragma once

#include <cstdint>
#include <span>

namespace parcours::territory {

// splitmix64 step (Steele, Lea & Flood, "Fast splittable pseudorandom number
// generators", OOPSLA 2014): used to expand seeds.
inline std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Stateless 64-bit mix, for hashing (seed, stream) pairs.
inline std::uint64_t mix64(std::uint64_t x) {
  std::uint64_t s = x;
  return splitmix64(s);
}

// xoshiro256** 1.0 (Blackman & Vigna, 2018).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    std::uint64_t sm = seed;
    for (auto& w : s_) w = splitmix64(sm);
  }
  // An independent stream per (seed, stream id): one per patient, so a
  // patient's data does not depend on how many draws earlier patients made.
  Rng(std::uint64_t seed, std::uint64_t stream) : Rng(mix64(seed) ^ mix64(stream + 0x5851F42D4C957F2DULL)) {}

  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n), exact (rejection of the biased low range). n > 0.
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t threshold = (0 - n) % n;
    for (;;) {
      const std::uint64_t r = next();
      if (r >= threshold) return r % n;
    }
  }
  // Uniform integer in [lo, hi].
  int range(int lo, int hi) {
    return lo + static_cast<int>(below(static_cast<std::uint64_t>(static_cast<std::int64_t>(hi) - lo + 1)));
  }
  // True with probability per_million / 1,000,000.
  bool chance(std::int64_t per_million) { return static_cast<std::int64_t>(below(1'000'000)) < per_million; }
  // Approximately normal (Irwin-Hall sum of 12 uniforms), in integer units,
  // clamped to [lo, hi].
  std::int64_t normal(std::int64_t mean, std::int64_t sd, std::int64_t lo, std::int64_t hi) {
    std::int64_t sum = 0;
    for (int i = 0; i < 12; ++i) sum += static_cast<std::int64_t>(below(4096));
    std::int64_t v = mean + (sum - 24570) * sd / 4096;
    return v < lo ? lo : (v > hi ? hi : v);
  }
  template <typename T>
  const T& pick(std::span<const T> items) {
    return items[below(items.size())];
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

// Index drawn from cumulative integer weights (cumulative.back() = total).
inline std::size_t pick_weighted(Rng& rng, std::span<const std::uint32_t> cumulative) {
  const std::uint64_t r = rng.below(cumulative.back());
  std::size_t lo = 0, hi = cumulative.size() - 1;
  while (lo < hi) {
    const std::size_t mid = (lo + hi) / 2;
    if (cumulative[mid] > r)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

}  // namespace parcours::territory
