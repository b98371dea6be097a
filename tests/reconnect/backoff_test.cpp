// The backoff arithmetic: exponential ceilings, the cap, and jitter bounds checked over many
// seeded draws (deterministic: the same seeds every run).
#include "reconnect/backoff.hpp"

#include <doctest/doctest.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <vector>

#include "reconnect_test_util.hpp"

using namespace xmpp;
using namespace std::chrono_literals;
using xmpp::reconnect::backoff_ceiling;
using xmpp::reconnect::jittered;
using xmpp::test::SeededEntropy;

TEST_CASE("backoff ceiling: immediate first retry, then doubling from base up to the cap") {
  ReconnectConfig config;  // defaults: immediate, 1 s, x2, 5 min
  const std::vector<Duration> expected = {0s,  1s,   2s,   4s,   8s,   16s, 32s,
                                          64s, 128s, 256s, 300s, 300s, 300s};
  for (std::uint32_t n = 1; n <= expected.size(); ++n) {
    CAPTURE(n);
    CHECK(backoff_ceiling(config, n) == expected[n - 1]);
  }
  CHECK(backoff_ceiling(config, 0) == 0s);
  // A very long streak saturates instead of overflowing.
  CHECK(backoff_ceiling(config, 5000) == 300s);
  CHECK(backoff_ceiling(config, UINT32_MAX) == 300s);
}

TEST_CASE("backoff ceiling: without the immediate retry the first delay is base") {
  ReconnectConfig config;
  config.immediate_first_retry = false;
  CHECK(backoff_ceiling(config, 1) == 1s);
  CHECK(backoff_ceiling(config, 2) == 2s);
  CHECK(backoff_ceiling(config, 3) == 4s);
}

TEST_CASE("backoff ceiling: other factors, bases and caps") {
  ReconnectConfig config;
  config.base = 500ms;
  config.factor = 1.5;
  config.cap = 2s;
  CHECK(backoff_ceiling(config, 2) == 500ms);
  CHECK(backoff_ceiling(config, 3) == 750ms);
  CHECK(backoff_ceiling(config, 4) == 1125ms);
  CHECK(backoff_ceiling(config, 5) == 1687ms);  // 1687.5 truncated
  CHECK(backoff_ceiling(config, 6) == 2s);
  config.factor = 1.0;  // constant delay
  CHECK(backoff_ceiling(config, 2) == 500ms);
  CHECK(backoff_ceiling(config, 40) == 500ms);
  config.base = 2s;  // base == cap
  CHECK(backoff_ceiling(config, 2) == 2s);
}

TEST_CASE("jitter none returns the ceiling and draws nothing") {
  const SeededEntropy entropy(1);
  CHECK(jittered(1234ms, Jitter::none, entropy) == 1234ms);
  CHECK(entropy.state->draws == 0);
}

TEST_CASE("jitter of a zero ceiling is zero and draws nothing") {
  const SeededEntropy entropy(1);
  CHECK(jittered(0ms, Jitter::equal, entropy) == 0ms);
  CHECK(jittered(0ms, Jitter::full, entropy) == 0ms);
  CHECK(jittered(-5ms, Jitter::full, entropy) == 0ms);
  CHECK(entropy.state->draws == 0);
}

namespace {

struct Stats {
  Duration min = Duration::max();
  Duration max = Duration::min();
  double mean = 0;
  std::array<int, 10> buckets{};  // over [lo, hi]
};

Stats sample(Duration ceiling, Jitter jitter, Duration lo, Duration hi, int n, std::uint64_t seed) {
  const SeededEntropy entropy(seed);
  Stats s;
  double sum = 0;
  const auto width = static_cast<double>((hi - lo).count()) + 1.0;
  for (int i = 0; i < n; ++i) {
    const Duration d = jittered(ceiling, jitter, entropy);
    s.min = std::min(s.min, d);
    s.max = std::max(s.max, d);
    sum += static_cast<double>(d.count());
    const auto b = static_cast<std::size_t>(static_cast<double>((d - lo).count()) / width * 10);
    if (d >= lo && d <= hi) ++s.buckets.at(b);
  }
  s.mean = sum / n;
  CHECK(entropy.state->draws == static_cast<std::uint64_t>(n));
  return s;
}

}  // namespace

TEST_CASE("equal jitter: within [ceiling/2, ceiling], spread evenly over it") {
  constexpr int kDraws = 20000;
  for (const std::uint64_t seed : {1u, 42u, 2026u}) {
    CAPTURE(seed);
    const Stats s = sample(1000ms, Jitter::equal, 500ms, 1000ms, kDraws, seed);
    CHECK(s.min >= 500ms);
    CHECK(s.max <= 1000ms);
    // The whole range is used: a jitter stuck at one end fails these.
    CHECK(s.min < 505ms);
    CHECK(s.max > 995ms);
    CHECK(s.mean == doctest::Approx(750.0).epsilon(0.01));
    // Uniform: each tenth of the range holds 10% of the draws (±15% of that).
    for (const int count : s.buckets)
      CHECK(count == doctest::Approx(kDraws / 10.0).epsilon(0.15));
  }
  SUBCASE("odd ceilings never exceed the ceiling") {
    const Stats s = sample(3ms, Jitter::equal, 2ms, 3ms, 1000, 7);
    CHECK(s.min == 2ms);
    CHECK(s.max == 3ms);
  }
}

TEST_CASE("full jitter: within [0, ceiling], spread evenly over it") {
  constexpr int kDraws = 20000;
  const Stats s = sample(8000ms, Jitter::full, 0ms, 8000ms, kDraws, 99);
  CHECK(s.min >= 0ms);
  CHECK(s.max <= 8000ms);
  CHECK(s.min < 50ms);
  CHECK(s.max > 7950ms);
  CHECK(s.mean == doctest::Approx(4000.0).epsilon(0.02));
  for (const int count : s.buckets)
    CHECK(count == doctest::Approx(kDraws / 10.0).epsilon(0.15));
}

TEST_CASE("jitter is a function of the entropy stream: the same seed replays") {
  const SeededEntropy a(5);
  const SeededEntropy b(5);
  const SeededEntropy c(6);
  int differ = 0;
  for (int i = 0; i < 100; ++i) {
    const Duration da = jittered(60s, Jitter::equal, a);
    CHECK(da == jittered(60s, Jitter::equal, b));
    if (da != jittered(60s, Jitter::equal, c)) ++differ;
  }
  CHECK(differ > 90);
}
