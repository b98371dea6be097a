// Properties of the stream management state: the accounting of every stanza sent over random
// schedules of sends, acknowledgements and hand-backs (across 2^32 too), and save/restore over
// random states, every truncation and random corruption.
#include <doctest/doctest.h>
#include <rapidcheck.h>

#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "rc_doctest.hpp"
#include "sm/sequence.hpp"
#include "sm_test_util.hpp"
#include "xmpp/stream_management_state.hpp"

using namespace xmpp;
using namespace xmpp::test;
using sm::AckStatus;
using sm::StreamManagementState;

namespace {

constexpr std::uint32_t kMax = 4294967295u;
const TimePoint kStart = at_ms(10'000'000'000);  // about 115 days after the epoch

// A counter start value: just below the wrap, just above zero, or anywhere.
std::uint32_t gen_start() {
  return *rc::gen::oneOf(rc::gen::map(rc::gen::inRange<std::uint32_t>(0, 64),
                                      [](std::uint32_t d) { return kMax - d; }),
                         rc::gen::inRange<std::uint32_t>(0, 64),
                         rc::gen::arbitrary<std::uint32_t>());
}

sm::QueueLimits gen_limits() {
  return {*rc::gen::inRange<std::size_t>(1, 40), *rc::gen::inRange<std::size_t>(1, 600)};
}

sm::Enabled gen_enabled() {
  sm::Enabled e;
  e.resume = *rc::gen::arbitrary<bool>();
  const auto id_size = *rc::gen::inRange<std::size_t>(e.resume ? 1 : 0, 80);
  e.id = *rc::gen::container<std::string>(id_size, rc::gen::arbitrary<char>());
  if (*rc::gen::arbitrary<bool>()) e.max = *rc::gen::inRange<std::uint32_t>(1, kMax);
  e.location = *rc::gen::element<std::string>("", "example.net", "c2s.example.net:5222",
                                              "192.0.2.7:443", "[2001:db8::1]:5223");
  return e;
}

// The model: every stanza sent has a distinct, increasing tag; each must end in exactly one of
// `acked` (in sending order, once) or `handed_back`, or still be queued.
struct Model {
  StreamManagementState state;
  TimePoint now = kStart;
  std::uint64_t sent = 0;  // tags 0 .. sent-1 were sent
  std::vector<std::uint64_t> acked;
  std::set<std::uint64_t> handed_back;

  void check() const {
    const auto& queue = state.unacked();
    // The queue ends at the outbound count with consecutive sequences.
    for (std::size_t i = 0; i < queue.size(); ++i) {
      RC_ASSERT(queue[i].sequence ==
                static_cast<std::uint32_t>(state.outbound_count() - (queue.size() - 1 - i)));
    }
    RC_ASSERT(queue.size() <= sm::distance(state.last_acked(), state.outbound_count()));
    std::size_t bytes = 0;
    for (const auto& s : queue)
      bytes += s.bytes.size();
    RC_ASSERT(bytes == state.unacked_bytes());
    // Every stanza is accounted for exactly once.
    RC_ASSERT(acked.size() + handed_back.size() + queue.size() == sent);
    std::set<std::uint64_t> seen(acked.begin(), acked.end());
    RC_ASSERT(seen.size() == acked.size());  // never acknowledged twice
    for (const std::uint64_t tag : handed_back)
      RC_ASSERT(seen.insert(tag).second);
    for (const auto& s : queue)
      RC_ASSERT(seen.insert(s.tag).second);
    RC_ASSERT(seen.size() == sent);
    // Parenthesised: RC_ASSERT's expression capture would not short-circuit a bare ||.
    RC_ASSERT((sent == 0 || *seen.rbegin() == sent - 1));
    // Acknowledged in sending order.
    for (std::size_t i = 1; i < acked.size(); ++i)
      RC_ASSERT(acked[i - 1] < acked[i]);
  }

  void send() {
    const auto size = *rc::gen::inRange<std::size_t>(0, 64);
    if (!state.has_room(size)) {
      // Backpressure only when a bound is really reached.
      RC_ASSERT((state.unacked().size() >= state.limits().max_stanzas ||
                 state.unacked_bytes() + size > state.limits().max_bytes));
      return;
    }
    const std::uint32_t expected = sm::next(state.outbound_count());
    const std::string bytes(size, static_cast<char>('a' + sent % 26));
    const std::string id = size > 0 ? bytes.substr(0, size / 2) : "";
    RC_ASSERT(state.record_sent(bytes, sent, id, now) == expected);
    ++sent;
  }

  // An h within what was sent: acknowledges exactly the queued stanzas up to it.
  void ack_valid(bool resumption) {
    const std::uint32_t window = sm::distance(state.last_acked(), state.outbound_count());
    const auto d = *rc::gen::inRange<std::uint64_t>(0, std::uint64_t{window} + 1);
    const std::uint32_t h = sm::advance(state.last_acked(), static_cast<std::uint32_t>(d));
    std::size_t expected = 0;
    for (const auto& s : state.unacked()) {
      if (sm::distance(state.last_acked(), s.sequence) <= d) ++expected;
    }
    std::vector<UnackedStanza> out;
    const sm::AckResult r = resumption ? state.trim_to(h, out) : state.on_ack(h, out);
    RC_ASSERT(r.status == AckStatus::ok);
    RC_ASSERT(r.newly_acked == expected);
    RC_ASSERT(out.size() == expected);
    RC_ASSERT(state.last_acked() == h);
    for (const auto& s : out) {
      RC_ASSERT(sm::distance(s.sequence, h) < sm::kHalfRange);  // at or before h
      acked.push_back(s.tag);
    }
    if (resumption) RC_ASSERT(!state.detached_at());
  }

  // Any other h: too_high or backwards, and nothing changes.
  void ack_invalid() {
    const std::uint32_t window = sm::distance(state.last_acked(), state.outbound_count());
    if (window == kMax) return;  // every value is valid
    const auto d =
        *rc::gen::inRange<std::uint64_t>(std::uint64_t{window} + 1, std::uint64_t{1} << 32);
    const std::uint32_t h = sm::advance(state.last_acked(), static_cast<std::uint32_t>(d));
    const StreamManagementState before = state;
    std::vector<UnackedStanza> out;
    const sm::AckResult r = state.on_ack(h, out);
    RC_ASSERT(r.status ==
              (sm::is_before(h, before.last_acked()) ? AckStatus::backwards : AckStatus::too_high));
    RC_ASSERT(r.send_count == before.outbound_count());
    RC_ASSERT(out.empty());
    RC_ASSERT(state == before);
  }

  void take() {
    const std::size_t queued = state.unacked().size();
    const std::vector<UnackedStanza> taken = state.take_unacked();
    RC_ASSERT(taken.size() == queued);
    for (const auto& s : taken)
      handed_back.insert(s.tag);
    RC_ASSERT(state.unacked().empty());
  }

  void save_restore() {
    const std::string saved = state.save(now);
    sm::RestoreError error = sm::RestoreError::ok;
    auto back = StreamManagementState::restore(saved, {now, {}, state.limits()}, &error);
    RC_LOG() << "restore error: " << sm::to_string(error) << "\n";
    RC_ASSERT(back.has_value());
    RC_ASSERT(*back == state);  // every timestamp is a whole millisecond here
    state = std::move(*back);
  }

  // One random step; time moves on by whole milliseconds.
  void step() {
    now += std::chrono::milliseconds(*rc::gen::inRange(0, 5000));
    switch (*rc::gen::weightedElement<int>(
        {{8, 0}, {3, 1}, {1, 2}, {2, 3}, {1, 4}, {1, 5}, {2, 6}, {1, 7}})) {
      case 0:
        send();
        break;
      case 1:
        ack_valid(false);
        break;
      case 2:
        ack_valid(true);
        break;
      case 3:
        ack_invalid();
        break;
      case 4:
        take();
        break;
      case 5:
        state.on_link_lost(now);
        break;
      case 6:
        state.on_inbound_stanza();
        break;
      default:
        save_restore();
        break;
    }
    check();
  }
};

// A random state reached through the operations above, with its `now`.
Model gen_model() {
  Model m;
  m.state = StreamManagementState(gen_limits());
  RC_ASSERT(m.state.start_counters_at(gen_start(), gen_start()));
  if (*rc::gen::arbitrary<bool>()) m.state.on_enabled(gen_enabled());
  const auto steps = *rc::gen::inRange(0, 60);
  for (int i = 0; i < steps; ++i)
    m.step();
  return m;
}

}  // namespace

TEST_CASE("property: every stanza sent is acked once, handed back once, or still queued") {
  check_property("stanza accounting over random schedules", [] {
    Model m = gen_model();
    const auto steps = *rc::gen::inRange(0, 200);
    for (int i = 0; i < steps; ++i)
      m.step();
    // Finally the server acknowledges everything: nothing is left and nothing was lost.
    std::vector<UnackedStanza> out;
    RC_ASSERT(m.state.on_ack(m.state.outbound_count(), out).status == AckStatus::ok);
    for (const auto& s : out)
      m.acked.push_back(s.tag);
    RC_ASSERT(m.state.unacked().empty());
    m.check();
  });
}

TEST_CASE("property: both counters cross 2^32, also through save and restore") {
  check_property("counters across the wrap", [] {
    const std::uint32_t out_start = kMax - *rc::gen::inRange<std::uint32_t>(0, 100);
    const std::uint32_t in_start = kMax - *rc::gen::inRange<std::uint32_t>(0, 100);
    const auto sends = *rc::gen::inRange<std::uint32_t>(0, 250);
    const auto receives = *rc::gen::inRange<std::uint32_t>(0, 250);
    StreamManagementState s(sm::QueueLimits{1000, 1 << 20});
    RC_ASSERT(s.start_counters_at(out_start, in_start));
    TimePoint now = kStart;
    std::uint32_t received = 0;
    std::uint64_t next_acked_tag = 0;
    for (std::uint32_t sent = 0; sent < sends || received < receives;) {
      now += std::chrono::milliseconds(1);
      if (sent < sends && *rc::gen::arbitrary<bool>()) {
        s.record_sent("<message/>", sent++, "", now);
      } else if (received < receives) {
        s.on_inbound_stanza();
        ++received;
      }
      if (*rc::gen::inRange(0, 8) == 0) {
        // The server acknowledges part of what was sent.
        const std::uint32_t window = sm::distance(s.last_acked(), s.outbound_count());
        const auto d = *rc::gen::inRange<std::uint32_t>(0, window + 1);
        std::vector<UnackedStanza> out;
        RC_ASSERT(s.on_ack(sm::advance(s.last_acked(), d), out).status == AckStatus::ok);
        RC_ASSERT(out.size() == d);
        for (const auto& a : out)
          RC_ASSERT(a.tag == next_acked_tag++);
      }
      if (*rc::gen::inRange(0, 16) == 0) {
        auto back = StreamManagementState::restore(s.save(now), {now, {}, s.limits()});
        RC_ASSERT(back.has_value());
        RC_ASSERT(*back == s);
        s = std::move(*back);
      }
    }
    RC_ASSERT(s.outbound_count() == sm::advance(out_start, sends));
    RC_ASSERT(s.inbound_handled() == sm::advance(in_start, receives));
    std::vector<UnackedStanza> out;
    RC_ASSERT(s.on_ack(s.outbound_count(), out).status == AckStatus::ok);
    for (const auto& a : out)
      RC_ASSERT(a.tag == next_acked_tag++);
    RC_ASSERT(next_acked_tag == sends);
    // One past the send count is too high, one before the last h is backwards, wrap or not.
    RC_ASSERT(s.on_ack(sm::next(s.outbound_count()), out).status == AckStatus::too_high);
    RC_ASSERT(s.on_ack(s.last_acked() - 1u, out).status == AckStatus::backwards);
  });
}

TEST_CASE("property: random states round-trip through save and restore") {
  check_property("save/restore round trip", [] {
    Model m = gen_model();
    StreamManagementState& s = m.state;
    // Sub-millisecond timestamps too: restore() gives them back truncated to whole ms.
    if (s.has_room(5) && *rc::gen::arbitrary<bool>()) {
      s.record_sent("<iq/>", 99, "",
                    m.now - std::chrono::microseconds(*rc::gen::inRange(0, 1 << 30)));
    }
    const std::string saved = s.save(m.now);
    sm::RestoreError error = sm::RestoreError::ok;
    const auto back = StreamManagementState::restore(saved, {m.now, {}, s.limits()}, &error);
    RC_LOG() << "restore error: " << sm::to_string(error) << "\n";
    RC_ASSERT(back.has_value());
    RC_ASSERT(back->save(m.now) == saved);
    RC_ASSERT(back->enabled() == s.enabled());
    RC_ASSERT(back->resumable() == s.resumable());
    RC_ASSERT(back->id() == s.id());
    RC_ASSERT(back->location() == s.location());
    RC_ASSERT(back->server_max() == s.server_max());
    RC_ASSERT(back->outbound_count() == s.outbound_count());
    RC_ASSERT(back->last_acked() == s.last_acked());
    RC_ASSERT(back->inbound_handled() == s.inbound_handled());
    RC_ASSERT(back->unacked_bytes() == s.unacked_bytes());
    RC_ASSERT(back->detached_at() == s.detached_at());
    RC_ASSERT(back->unacked().size() == s.unacked().size());
    for (std::size_t i = 0; i < s.unacked().size(); ++i) {
      const UnackedStanza& a = s.unacked()[i];
      const UnackedStanza& b = back->unacked()[i];
      RC_ASSERT(b.sequence == a.sequence);
      RC_ASSERT(b.tag == a.tag);
      RC_ASSERT(b.id == a.id);
      RC_ASSERT(b.bytes == a.bytes);
      const auto age = std::chrono::duration_cast<Duration>(m.now - a.queued_at);
      RC_ASSERT(b.queued_at == m.now - age);
    }
    // Downtime ages every timestamp by exactly that much.
    const Duration downtime(*rc::gen::inRange<std::int64_t>(0, 1'000'000'000));
    const auto aged = StreamManagementState::restore(saved, {m.now, downtime, s.limits()});
    RC_ASSERT(aged.has_value());
    RC_ASSERT(aged->detached_at().has_value() == s.detached_at().has_value());
    if (s.detached_at()) RC_ASSERT(*aged->detached_at() == *back->detached_at() - downtime);
    for (std::size_t i = 0; i < s.unacked().size(); ++i) {
      RC_ASSERT(aged->unacked()[i].queued_at == back->unacked()[i].queued_at - downtime);
    }
  });
}

TEST_CASE("property: every truncation of a saved state is refused") {
  check_property("truncations are refused", [] {
    const Model m = gen_model();
    const std::string saved = m.state.save(m.now);
    for (std::size_t n = 0; n < saved.size(); ++n) {
      sm::RestoreError error = sm::RestoreError::ok;
      const auto back = StreamManagementState::restore(std::string_view(saved).substr(0, n),
                                                       {m.now, {}, m.state.limits()}, &error);
      RC_ASSERT(!back.has_value());
      RC_ASSERT(error == sm::RestoreError::truncated);
    }
  });
}

TEST_CASE("property: corrupted saved states are refused or restore to exactly what they say") {
  check_property("corruption never crashes and never restores ambiguously", [] {
    const Model m = gen_model();
    std::string bytes = m.state.save(m.now);
    const auto changes = *rc::gen::inRange(1, 9);
    for (int i = 0; i < changes; ++i) {
      const auto at = *rc::gen::inRange<std::size_t>(0, bytes.size());
      switch (*rc::gen::inRange(0, 3)) {
        case 0:
          bytes[at] = *rc::gen::arbitrary<char>();
          break;
        case 1:
          bytes.erase(at, *rc::gen::inRange<std::size_t>(1, 5));
          break;
        default:
          bytes.insert(at, *rc::gen::container<std::string>(*rc::gen::inRange<std::size_t>(1, 5),
                                                            rc::gen::arbitrary<char>()));
          break;
      }
      if (bytes.size() < 8) break;
    }
    // Half the time the checksum is made to match, so that the structural checks are reached.
    const bool fixed = bytes.size() >= 4 && *rc::gen::arbitrary<bool>();
    if (fixed) bytes = with_fixed_checksum(bytes);
    RC_TAG(fixed);
    sm::RestoreError error = sm::RestoreError::ok;
    const auto back = StreamManagementState::restore(bytes, {m.now, {}, m.state.limits()}, &error);
    RC_TAG(sm::to_string(error));
    if (back) {
      RC_ASSERT(error == sm::RestoreError::ok);
      RC_ASSERT(back->save(m.now) == bytes);
    } else {
      RC_ASSERT(error != sm::RestoreError::ok);
    }
  });
}

TEST_CASE("property: arbitrary bytes behind a valid header never crash restore()") {
  check_property("arbitrary input", [] {
    std::string bytes = std::string("XSM\x01", 4) + *rc::gen::arbitrary<std::string>();
    if (bytes.size() >= 4 && *rc::gen::arbitrary<bool>()) bytes = with_fixed_checksum(bytes);
    const sm::QueueLimits limits = gen_limits();
    sm::RestoreError error = sm::RestoreError::ok;
    const auto back = StreamManagementState::restore(bytes, {kStart, {}, limits}, &error);
    RC_TAG(sm::to_string(error));
    if (back) RC_ASSERT(back->save(kStart) == bytes);
  });
}
