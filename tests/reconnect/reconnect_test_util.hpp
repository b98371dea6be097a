// Shared by the reconnect tests: seeded entropy, a virtual clock and SessionEnd builders.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "xmpp/reconnect.hpp"

namespace xmpp::test {

/// A deterministic byte stream (SplitMix64) for sasl::Entropy, so that every jittered delay
/// replays from the seed. Copies share the stream; `draws` counts the calls.
struct SeededEntropy {
  struct State {
    std::uint64_t x = 0;
    std::uint64_t draws = 0;
  };
  std::shared_ptr<State> state = std::make_shared<State>();

  explicit SeededEntropy(std::uint64_t seed) { state->x = seed; }

  static std::uint64_t next(std::uint64_t& x) noexcept {
    x += 0x9E3779B97F4A7C15ULL;
    std::uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

  void operator()(std::span<std::uint8_t> out) const {
    ++state->draws;
    for (std::size_t i = 0; i < out.size(); i += 8) {
      std::uint64_t v = next(state->x);
      for (std::size_t j = i; j < out.size() && j < i + 8; ++j) {
        out[j] = static_cast<std::uint8_t>(v);
        v >>= 8;
      }
    }
  }
};

/// The virtual clock: an arbitrary fixed origin, moved only by the test.
inline TimePoint t0() {
  return TimePoint(std::chrono::hours(1000));
}

inline ReconnectConfig seeded_config(std::uint64_t seed, Jitter jitter = Jitter::equal) {
  ReconnectConfig config;
  config.jitter = jitter;
  config.entropy = SeededEntropy(seed);
  return config;
}

inline SessionEnd ended(CloseReason reason, std::string_view detail = {}) {
  SessionEnd end;
  end.reason = reason;
  end.detail = detail;
  return end;
}

inline SessionEnd ended_by(const StreamError& error) {
  SessionEnd end;
  end.reason = CloseReason::stream_error_received;
  end.received_error = &error;
  return end;
}

inline StreamError stream_error(StreamErrorCondition condition, std::string host = {}) {
  StreamError error;
  error.condition = condition;
  error.see_other_host = std::move(host);
  return error;
}

}  // namespace xmpp::test

namespace xmpp::test {

/// Everything a ReconnectPolicy shows, to check that a refused call changed nothing.
struct PolicySnapshot {
  ReconnectState state;
  std::optional<TimePoint> deadline;
  bool in_flight;
  std::uint32_t attempts;
  std::uint32_t failures;
  std::optional<std::string> target;
  StopReason stop_reason;
  std::optional<StreamErrorCondition> stop_condition;

  explicit PolicySnapshot(const ReconnectPolicy& p)
      : state(p.state()),
        deadline(p.next_deadline()),
        in_flight(p.in_flight()),
        attempts(p.attempts()),
        failures(p.failures()),
        target(p.target() ? std::optional<std::string>(std::string(*p.target())) : std::nullopt),
        stop_reason(p.stop_reason()),
        stop_condition(p.stop_condition()) {}

  bool operator==(const PolicySnapshot&) const = default;
};

}  // namespace xmpp::test
