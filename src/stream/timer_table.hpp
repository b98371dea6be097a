// Deadlines of the engine's timers, one optional slot per kind (quinn-proto's TimerTable).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <optional>
#include <type_traits>

namespace xmpp::stream {

/// A fixed array of optional deadlines indexed by the enum `Kind`, whose values are expected to be
/// 0 .. N-1 (e.g. `enum class Timer { negotiation, keepalive, close, count }` with
/// `TimerTable<Timer, static_cast<std::size_t>(Timer::count)>`).
///
/// Time is always passed in; the table never reads a clock. A kind outside 0 .. N-1 is never
/// stored: set() ignores it and returns false, get() returns nothing, clear() does nothing.
template <class Kind, std::size_t N>
requires std::is_enum_v<Kind>
class TimerTable {
 public:
  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;

  static constexpr std::size_t size() noexcept { return N; }

  /// Arms (or re-arms) `kind` to fire at `deadline`. Returns false only for an out-of-range kind.
  constexpr bool set(Kind kind, time_point deadline) noexcept {
    const std::size_t i = index(kind);
    if (i >= N) return false;
    deadlines_[i] = deadline;
    return true;
  }

  /// Disarms `kind`; nothing happens if it was not armed.
  constexpr void clear(Kind kind) noexcept {
    const std::size_t i = index(kind);
    if (i < N) deadlines_[i].reset();
  }

  /// Disarms every kind.
  constexpr void clear_all() noexcept {
    for (auto& deadline : deadlines_)
      deadline.reset();
  }

  constexpr std::optional<time_point> get(Kind kind) const noexcept {
    const std::size_t i = index(kind);
    if (i >= N) return std::nullopt;
    return deadlines_[i];
  }

  constexpr bool is_set(Kind kind) const noexcept { return get(kind).has_value(); }

  /// True when `kind` is armed with a deadline at or before `now`.
  constexpr bool is_expired(Kind kind, time_point now) const noexcept {
    const auto deadline = get(kind);
    return deadline && *deadline <= now;
  }

  /// The earliest armed deadline, or nothing when no kind is armed. This is what the engine's
  /// next_deadline() reports; it may already be in the past.
  constexpr std::optional<time_point> next_deadline() const noexcept {
    std::optional<time_point> earliest;
    for (const auto& deadline : deadlines_) {
      if (deadline && (!earliest || *deadline < *earliest)) earliest = deadline;
    }
    return earliest;
  }

  /// Fires every kind whose deadline is at or before `now`: one pass in enum order (0 .. N-1);
  /// each expired kind is cleared *before* `on_expired(kind)` is called, so the callback may re-arm
  /// it. A kind the callback arms is seen by the rest of this pass only if it comes later in enum
  /// order (and then fires only if its new deadline is also at or before `now`). Returns how many
  /// kinds fired; a spurious call (nothing expired) changes nothing and returns 0.
  template <class F>
  constexpr std::size_t expire(time_point now, F&& on_expired) {
    std::size_t fired = 0;
    for (std::size_t i = 0; i < N; ++i) {
      if (deadlines_[i] && *deadlines_[i] <= now) {
        deadlines_[i].reset();
        ++fired;
        on_expired(static_cast<Kind>(i));
      }
    }
    return fired;
  }

 private:
  static constexpr std::size_t index(Kind kind) noexcept {
    using U = std::underlying_type_t<Kind>;
    const U raw = static_cast<U>(kind);
    if constexpr (std::is_signed_v<U>) {
      if (raw < 0) return N;  // out of range
    }
    return static_cast<std::size_t>(raw);
  }

  std::array<std::optional<time_point>, N> deadlines_{};
};

}  // namespace xmpp::stream
