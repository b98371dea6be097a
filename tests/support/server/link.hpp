// A simulated transport between a client and a server endpoint under a virtual clock: ordered
// bytes in each direction with delays, stalls and cuts, every random choice drawn from one
// seeded Prng, so a simulation replays exactly from its seed.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "server/prng.hpp"
#include "xmpp/engine.hpp"

namespace xmpp::testing {

/// Which way bytes travel.
enum class Direction : std::uint8_t { to_server, to_client };

/// How one direction carries bytes.
struct LinkShape {
  /// Each segment arrives after a delay drawn uniformly in [min_delay, max_delay], but never
  /// before the segment sent ahead of it (the bytes stay in order, as on a TCP connection).
  Duration min_delay{0};
  Duration max_delay{0};
  /// Each send is split into segments of 1 to max_segment bytes (sizes drawn at random), each
  /// with its own delay; 0 keeps every send whole.
  std::size_t max_segment = 0;
};

/// The link: a pure data structure (no I/O, no clock). The caller's loop: send() what each
/// endpoint writes, give each endpoint what deliverable() returns at the current time, and
/// when eof() says so, tell it the transport ended; the clock jumps to next_event_time().
///
/// A cut models a connection that dies in the middle of a byte stream: once the cut offset of
/// a direction is reached, the link is dead. Bytes sent before the death still arrive (they
/// were on the wire); everything sent after it, in either direction, is lost; once a
/// direction has delivered what it still carries, its receiver sees EOF.
class Link {
 public:
  explicit Link(std::uint64_t seed) noexcept : prng_(seed) {}

  // --- configuration and faults (any time) ---

  void shape(Direction direction, LinkShape shape) noexcept { at(direction).shape = shape; }
  /// Holds every byte of `direction` (already sent or sent later) until `until`.
  void stall(Direction direction, TimePoint until) noexcept { at(direction).stalled_until = until; }
  /// The connection dies once `byte_offset` bytes of `direction` have been sent: the bytes
  /// from that offset on are lost. An offset already passed kills the link at once and drops
  /// the bytes beyond it that were not delivered yet (those delivered stay delivered).
  void cut_at(Direction direction, std::uint64_t byte_offset);
  /// The connection dies now: nothing sent from now on arrives; bytes in flight still do.
  void kill() noexcept { dead_ = true; }

  // --- the endpoints ---

  /// An endpoint writes `bytes` at `now`. Lost (but counted in lost()) once the link is dead.
  void send(Direction direction, std::string_view bytes, TimePoint now);
  /// The bytes of `direction` that have arrived by `now`, in order; they are removed.
  std::string deliverable(Direction direction, TimePoint now);
  /// Whether the receiver of `direction` sees the end of the transport: the link is dead and
  /// nothing more of that direction will arrive.
  bool eof(Direction direction) const noexcept { return dead_ && at(direction).queue.empty(); }

  // --- getters ---

  bool dead() const noexcept { return dead_; }
  /// When the next bytes arrive (a stall included); nullopt when nothing is in flight.
  std::optional<TimePoint> next_event_time() const;
  /// Bytes of `direction` that got onto the wire (to be delivered or delivered), delivered so
  /// far, and lost to a cut or a dead link.
  std::uint64_t sent(Direction direction) const noexcept { return at(direction).sent; }
  std::uint64_t delivered(Direction direction) const noexcept { return at(direction).delivered; }
  std::uint64_t lost(Direction direction) const noexcept { return at(direction).lost; }
  /// The generator every random choice comes from (a simulation may draw its own from it).
  Prng& prng() noexcept { return prng_; }

 private:
  struct Segment {
    TimePoint arrival;
    std::string bytes;
  };
  struct Lane {
    LinkShape shape;
    std::deque<Segment> queue;  // in flight, in order; arrival times never decrease
    TimePoint last_arrival{};
    TimePoint stalled_until{};
    std::optional<std::uint64_t> cut;
    std::uint64_t sent = 0;
    std::uint64_t delivered = 0;
    std::uint64_t lost = 0;
  };

  Lane& at(Direction direction) noexcept { return lanes_[static_cast<std::size_t>(direction)]; }
  const Lane& at(Direction direction) const noexcept {
    return lanes_[static_cast<std::size_t>(direction)];
  }
  void enqueue(Lane& lane, std::string_view bytes, TimePoint now);

  Prng prng_;
  std::array<Lane, 2> lanes_{};
  bool dead_ = false;
};

std::string_view to_string(Direction direction) noexcept;

}  // namespace xmpp::testing
