// A small deterministic pseudo-random generator for simulations: SplitMix64 (Steele, Lea and
// Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014). One seed gives one
// sequence on every platform, so a failing simulation replays from its seed.
#pragma once

#include <cstdint>

namespace xmpp::testing {

class Prng {
 public:
  explicit Prng(std::uint64_t seed) noexcept : state_(seed) {}

  /// The next 64 random bits.
  std::uint64_t next() noexcept {
    state_ += 0x9e3779b97f4a7c15u;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, bound); 0 when bound is 0. Rejection sampling keeps it unbiased.
  std::uint64_t below(std::uint64_t bound) noexcept {
    if (bound == 0) return 0;
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
    std::uint64_t x = next();
    while (x >= limit)
      x = next();
    return x % bound;
  }
  /// Uniform in [low, high] (low when high < low).
  std::uint64_t between(std::uint64_t low, std::uint64_t high) noexcept {
    if (high <= low) return low;
    const std::uint64_t span = high - low;
    return span == UINT64_MAX ? next() : low + below(span + 1);
  }
  /// True with probability numerator / denominator.
  bool chance(std::uint64_t numerator, std::uint64_t denominator) noexcept {
    return below(denominator) < numerator;
  }

 private:
  std::uint64_t state_;
};

}  // namespace xmpp::testing
