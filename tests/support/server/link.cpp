// The simulated link: ordered lanes of segments with arrival times, stalls and cuts.
#include "server/link.hpp"

#include <algorithm>

namespace xmpp::testing {

std::string_view to_string(Direction direction) noexcept {
  return direction == Direction::to_server ? "to_server" : "to_client";
}

void Link::cut_at(Direction direction, std::uint64_t byte_offset) {
  Lane& lane = at(direction);
  if (dead_) return;
  if (byte_offset > lane.sent) {
    lane.cut = byte_offset;
    return;
  }
  // The offset is behind us: the bytes beyond it still in flight never arrive.
  dead_ = true;
  const std::uint64_t keep_until = std::max(byte_offset, lane.delivered);
  std::uint64_t excess = lane.sent - keep_until;
  lane.lost += excess;
  lane.sent = keep_until;
  while (excess > 0 && !lane.queue.empty()) {
    std::string& last = lane.queue.back().bytes;
    const std::uint64_t drop = std::min<std::uint64_t>(excess, last.size());
    last.resize(last.size() - static_cast<std::size_t>(drop));
    excess -= drop;
    if (last.empty()) lane.queue.pop_back();
  }
}

void Link::send(Direction direction, std::string_view bytes, TimePoint now) {
  Lane& lane = at(direction);
  if (bytes.empty()) return;
  if (dead_) {
    lane.lost += bytes.size();
    return;
  }
  std::string_view passing = bytes;
  if (lane.cut && lane.sent + bytes.size() >= *lane.cut) {
    // The cut is reached inside these bytes: the ones before it get out, then the link dies.
    passing = bytes.substr(0, static_cast<std::size_t>(*lane.cut - lane.sent));
    dead_ = true;
  }
  lane.lost += bytes.size() - passing.size();
  lane.sent += passing.size();
  enqueue(lane, passing, now);
}

void Link::enqueue(Lane& lane, std::string_view bytes, TimePoint now) {
  const auto low =
      static_cast<std::uint64_t>(std::max<Duration::rep>(0, lane.shape.min_delay.count()));
  const auto high =
      static_cast<std::uint64_t>(std::max<Duration::rep>(0, lane.shape.max_delay.count()));
  while (!bytes.empty()) {
    std::size_t size = bytes.size();
    if (lane.shape.max_segment > 0) {
      size = std::min<std::size_t>(size, prng_.between(1, lane.shape.max_segment));
    }
    const Duration delay(static_cast<Duration::rep>(prng_.between(low, high)));
    // In order, as on one TCP connection: never ahead of the segment before.
    const TimePoint arrival = std::max(now + delay, lane.last_arrival);
    lane.last_arrival = arrival;
    lane.queue.push_back({arrival, std::string(bytes.substr(0, size))});
    bytes.remove_prefix(size);
  }
}

std::string Link::deliverable(Direction direction, TimePoint now) {
  Lane& lane = at(direction);
  std::string out;
  if (now < lane.stalled_until) return out;
  while (!lane.queue.empty() && lane.queue.front().arrival <= now) {
    out += lane.queue.front().bytes;
    lane.queue.pop_front();
  }
  lane.delivered += out.size();
  return out;
}

std::optional<TimePoint> Link::next_event_time() const {
  std::optional<TimePoint> next;
  for (const Lane& lane : lanes_) {
    if (lane.queue.empty()) continue;
    const TimePoint t = std::max(lane.queue.front().arrival, lane.stalled_until);
    if (!next || t < *next) next = t;
  }
  return next;
}

}  // namespace xmpp::testing
