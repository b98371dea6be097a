// StreamManagementState: counting, acknowledging, handing back (XEP-0198 §4, §5).
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include "sm_test_util.hpp"
#include "xmpp/stream_management_state.hpp"

using namespace xmpp;
using namespace xmpp::test;
using sm::AckStatus;
using sm::StreamManagementState;

namespace {

constexpr std::uint32_t kMax = 4294967295u;

// Sends `n` stanzas "s<k>" (tag k) with k counting on from the current outbound count.
void send(StreamManagementState& s, int n, TimePoint now = at_ms(0)) {
  for (int i = 0; i < n; ++i) {
    const std::uint64_t tag = std::uint64_t{s.outbound_count()} + 1;
    s.record_sent("s" + std::to_string(tag), tag, "id" + std::to_string(tag), now);
  }
}

std::vector<std::uint32_t> sequences(const std::vector<UnackedStanza>& stanzas) {
  std::vector<std::uint32_t> out;
  for (const auto& s : stanzas)
    out.push_back(s.sequence);
  return out;
}
std::vector<std::uint32_t> sequences(const std::deque<UnackedStanza>& stanzas) {
  return sequences(std::vector<UnackedStanza>(stanzas.begin(), stanzas.end()));
}

}  // namespace

TEST_CASE("a fresh state counts nothing and is not resumable") {
  const StreamManagementState s;
  CHECK_FALSE(s.enabled());
  CHECK_FALSE(s.resumable());
  CHECK(s.id().empty());
  CHECK(s.outbound_count() == 0);
  CHECK(s.last_acked() == 0);
  CHECK(s.inbound_handled() == 0);
  CHECK(s.unacked().empty());
  CHECK(s.unacked_bytes() == 0);
  CHECK_FALSE(s.detached_at());
  CHECK_FALSE(s.can_resume(at_ms(0)));
}

TEST_CASE("record_sent numbers stanzas from 1 and keeps everything the application gave") {
  StreamManagementState s;
  CHECK(s.record_sent("<message id='a'/>", 7, "a", at_ms(10)) == 1);
  CHECK(s.record_sent("<presence/>", 8, "", at_ms(20)) == 2);
  CHECK(s.outbound_count() == 2);
  REQUIRE(s.unacked().size() == 2);
  const UnackedStanza& first = s.unacked().front();
  CHECK(first.sequence == 1);
  CHECK(first.tag == 7);
  CHECK(first.id == "a");
  CHECK(first.bytes == "<message id='a'/>");
  CHECK(first.queued_at == at_ms(10));
  CHECK(s.unacked().back().sequence == 2);
  CHECK(s.unacked_bytes() == std::string("<message id='a'/>").size() + 11);
}

TEST_CASE("has_room enforces the stanza and byte bounds without overflowing") {
  StreamManagementState s(sm::QueueLimits{3, 100});
  CHECK(s.has_room(100));
  CHECK_FALSE(s.has_room(101));
  CHECK_FALSE(s.has_room(SIZE_MAX));
  s.record_sent(std::string(60, 'x'), 1, "", at_ms(0));
  CHECK(s.has_room(40));
  CHECK_FALSE(s.has_room(41));
  s.record_sent(std::string(10, 'x'), 2, "", at_ms(0));
  s.record_sent(std::string(10, 'x'), 3, "", at_ms(0));
  CHECK_FALSE(s.has_room(0));  // three stanzas: the count bound is reached
  std::vector<UnackedStanza> acked;
  REQUIRE(s.on_ack(1, acked).status == AckStatus::ok);
  CHECK(s.has_room(80));
  CHECK_FALSE(s.has_room(81));
}

TEST_CASE("record_sent queues a stanza even beyond the bounds, and has_room then says no") {
  StreamManagementState s(sm::QueueLimits{1, 10});
  s.record_sent(std::string(25, 'x'), 1, "", at_ms(0));  // already written: never dropped
  CHECK(s.unacked().size() == 1);
  CHECK(s.unacked_bytes() == 25);
  CHECK_FALSE(s.has_room(0));
}

TEST_CASE("<a h/> acknowledges the stanzas up to h, oldest first, once") {
  StreamManagementState s;
  send(s, 5);
  std::vector<UnackedStanza> acked;
  sm::AckResult r = s.on_ack(3, acked);
  CHECK(r.status == AckStatus::ok);
  CHECK(r.newly_acked == 3);
  CHECK(r.send_count == 5);
  CHECK(sequences(acked) == std::vector<std::uint32_t>{1, 2, 3});
  CHECK(acked[0].bytes == "s1");
  CHECK(s.last_acked() == 3);
  CHECK(sequences(s.unacked()) == std::vector<std::uint32_t>{4, 5});
  CHECK(s.unacked_bytes() == 4);

  // The same h again acknowledges nothing more (an unsolicited repeat is allowed, §4).
  acked.clear();
  r = s.on_ack(3, acked);
  CHECK(r.status == AckStatus::ok);
  CHECK(r.newly_acked == 0);
  CHECK(acked.empty());

  r = s.on_ack(5, acked);
  CHECK(r.newly_acked == 2);
  CHECK(sequences(acked) == std::vector<std::uint32_t>{4, 5});
  CHECK(s.unacked().empty());
  CHECK(s.unacked_bytes() == 0);
}

TEST_CASE("h = 0 before anything was sent is fine") {
  StreamManagementState s;
  std::vector<UnackedStanza> acked;
  CHECK(s.on_ack(0, acked).status == AckStatus::ok);
  CHECK(acked.empty());
}

TEST_CASE("an h above the send count is too_high and reports the send count (XEP-0198 §6)") {
  StreamManagementState s;
  send(s, 2);
  std::vector<UnackedStanza> acked;
  const StreamManagementState before = s;
  const sm::AckResult r = s.on_ack(3, acked);
  CHECK(r.status == AckStatus::too_high);
  CHECK(r.send_count == 2);
  CHECK(r.newly_acked == 0);
  CHECK(acked.empty());
  CHECK(s == before);
  // Half the counter space ahead is also too high (RFC 1982 leaves it undefined).
  CHECK(s.on_ack(0x80000000u, acked).status == AckStatus::too_high);
  CHECK(s == before);
}

TEST_CASE("an h before the last one is backwards, and changes nothing") {
  StreamManagementState s;
  send(s, 4);
  std::vector<UnackedStanza> acked;
  REQUIRE(s.on_ack(3, acked).status == AckStatus::ok);
  const StreamManagementState before = s;
  acked.clear();
  CHECK(s.on_ack(2, acked).status == AckStatus::backwards);
  CHECK(s.on_ack(kMax, acked).status == AckStatus::backwards);  // 0 - 1, across the wrap
  CHECK(acked.empty());
  CHECK(s == before);
}

TEST_CASE("sending and acknowledging across 2^32") {
  StreamManagementState s;
  REQUIRE(s.start_counters_at(kMax - 2, 0));
  send(s, 5);
  CHECK(sequences(s.unacked()) == std::vector<std::uint32_t>{kMax - 1, kMax, 0, 1, 2});
  CHECK(s.outbound_count() == 2);
  std::vector<UnackedStanza> acked;
  CHECK(s.on_ack(kMax, acked).status == AckStatus::ok);
  CHECK(sequences(acked) == std::vector<std::uint32_t>{kMax - 1, kMax});
  acked.clear();
  CHECK(s.on_ack(0, acked).status == AckStatus::ok);
  CHECK(sequences(acked) == std::vector<std::uint32_t>{0});
  CHECK(s.on_ack(3, acked).status == AckStatus::too_high);
  CHECK(s.on_ack(kMax - 1, acked).status == AckStatus::backwards);
  acked.clear();
  CHECK(s.on_ack(2, acked).status == AckStatus::ok);
  CHECK(sequences(acked) == std::vector<std::uint32_t>{1, 2});
  CHECK(s.unacked().empty());
  CHECK(s.last_acked() == 2);
}

TEST_CASE("one ack covering the whole wrap") {
  StreamManagementState s;
  REQUIRE(s.start_counters_at(kMax, 0));
  send(s, 3);  // 0, 1, 2
  std::vector<UnackedStanza> acked;
  CHECK(s.on_ack(kMax, acked).status == AckStatus::ok);  // nothing new: still the start value
  CHECK(acked.empty());
  CHECK(s.on_ack(2, acked).status == AckStatus::ok);
  CHECK(sequences(acked) == std::vector<std::uint32_t>{0, 1, 2});
}

TEST_CASE("the inbound count wraps from 2^32-1 to zero") {
  StreamManagementState s;
  REQUIRE(s.start_counters_at(0, kMax - 1));
  s.on_inbound_stanza();
  CHECK(s.inbound_handled() == kMax);
  s.on_inbound_stanza();
  CHECK(s.inbound_handled() == 0);
  s.on_inbound_stanza();
  CHECK(s.inbound_handled() == 1);
  CHECK(s.outbound_count() == 0);  // the two directions are counted apart
}

TEST_CASE("start_counters_at is refused while stanzas are queued") {
  StreamManagementState s;
  send(s, 1);
  const StreamManagementState before = s;
  CHECK_FALSE(s.start_counters_at(50, 60));
  CHECK(s == before);
}

TEST_CASE("trim_to applies <resumed h/> like <a h/> and ends the detachment") {
  StreamManagementState s;
  s.on_enabled(sm::Enabled{"id", true, 60, ""});
  send(s, 4);
  s.on_link_lost(at_ms(1000));
  std::vector<UnackedStanza> acked;
  CHECK(s.trim_to(5, acked).status == AckStatus::too_high);
  CHECK(s.detached_at());  // refused: still detached
  CHECK(s.trim_to(2, acked).status == AckStatus::ok);
  CHECK(sequences(acked) == std::vector<std::uint32_t>{1, 2});
  CHECK_FALSE(s.detached_at());
  // What remains is re-sent in order, with the sequences it already had.
  CHECK(sequences(s.unacked()) == std::vector<std::uint32_t>{3, 4});
  CHECK(s.outbound_count() == 4);
  CHECK(s.trim_to(1, acked).status == AckStatus::backwards);
}

TEST_CASE("take_unacked hands the queue back exactly once") {
  StreamManagementState s;
  send(s, 3);
  std::vector<UnackedStanza> acked;
  REQUIRE(s.on_ack(1, acked).status == AckStatus::ok);
  const std::vector<UnackedStanza> taken = s.take_unacked();
  CHECK(sequences(taken) == std::vector<std::uint32_t>{2, 3});
  CHECK(taken[0].bytes == "s2");
  CHECK(s.unacked().empty());
  CHECK(s.unacked_bytes() == 0);
  CHECK(s.take_unacked().empty());
  // A late ack covering them is valid but acknowledges nothing: they were handed back.
  acked.clear();
  const sm::AckResult r = s.on_ack(3, acked);
  CHECK(r.status == AckStatus::ok);
  CHECK(r.newly_acked == 0);
  CHECK(acked.empty());
  // Stanzas sent afterwards are acknowledged normally.
  send(s, 1);
  CHECK(s.on_ack(4, acked).newly_acked == 1);
  CHECK(sequences(acked) == std::vector<std::uint32_t>{4});
}

TEST_CASE("an ack arriving after take_unacked covers later stanzas only") {
  StreamManagementState s;
  send(s, 2);
  CHECK(s.take_unacked().size() == 2);
  send(s, 2);  // 3, 4
  std::vector<UnackedStanza> acked;
  CHECK(s.on_ack(3, acked).newly_acked == 1);
  CHECK(sequences(acked) == std::vector<std::uint32_t>{3});
}

TEST_CASE("reset_for_new_session hands back what is left and starts from zero") {
  StreamManagementState s(sm::QueueLimits{10, 500});
  s.on_enabled(sm::Enabled{"id", true, 60, "example.net"});
  send(s, 2);
  s.on_inbound_stanza();
  s.on_link_lost(at_ms(5));
  const std::vector<UnackedStanza> left = s.reset_for_new_session();
  CHECK(sequences(left) == std::vector<std::uint32_t>{1, 2});
  CHECK(s == StreamManagementState(sm::QueueLimits{10, 500}));
  CHECK(s.limits().max_stanzas == 10);
}

TEST_CASE("on_enabled: resumable needs resume='true' and an id") {
  StreamManagementState s;
  s.on_enabled(sm::Enabled{"abc", true, 120, "xmpp.example.net:5223"});
  CHECK(s.enabled());
  CHECK(s.resumable());
  CHECK(s.id() == "abc");
  CHECK(s.server_max() == 120u);
  CHECK(s.location() == "xmpp.example.net:5223");

  StreamManagementState plain;
  plain.on_enabled(sm::Enabled{"abc", false, std::nullopt, ""});
  CHECK(plain.enabled());
  CHECK_FALSE(plain.resumable());
  CHECK(plain.id() == "abc");
  CHECK_FALSE(plain.server_max());

  StreamManagementState no_id;
  no_id.on_enabled(sm::Enabled{"", true, std::nullopt, ""});
  CHECK_FALSE(no_id.resumable());
  CHECK_FALSE(no_id.can_resume(at_ms(0)));
}

TEST_CASE("the resumption deadline is the detachment plus the server's max") {
  StreamManagementState s;
  s.on_enabled(sm::Enabled{"abc", true, 300, ""});
  CHECK_FALSE(s.resume_deadline());  // connected
  CHECK(s.can_resume(at_ms(0)));
  s.on_link_lost(at_ms(10'000));
  s.on_link_lost(at_ms(20'000));  // only the first loss counts
  CHECK(s.detached_at() == at_ms(10'000));
  CHECK(s.resume_deadline() == at_ms(310'000));
  CHECK(s.can_resume(at_ms(309'999)));
  CHECK_FALSE(s.can_resume(at_ms(310'000)));

  StreamManagementState unknown;
  unknown.on_enabled(sm::Enabled{"abc", true, std::nullopt, ""});
  unknown.on_link_lost(at_ms(0));
  CHECK_FALSE(unknown.resume_deadline());  // no max: only trying tells
  CHECK(unknown.can_resume(at_ms(1'000'000'000)));
}

TEST_CASE("AckStatus names") {
  CHECK(sm::to_string(AckStatus::ok) == "ok");
  CHECK(sm::to_string(AckStatus::too_high) == "too_high");
  CHECK(sm::to_string(AckStatus::backwards) == "backwards");
}
