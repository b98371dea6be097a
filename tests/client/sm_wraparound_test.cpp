// XEP-0198 counters across 2^32 (XEP-0198 §4: h wraps to zero after 2^32 - 1), both directions:
// a state starting near the wrap is saved, restored into a Client and resumed, then stanzas
// flow both ways until both counters have crossed zero.
#include <doctest/doctest.h>

#include <memory>

#include "pair.hpp"
#include "sm_test_support.hpp"

namespace xmpp::test {
namespace {

using namespace std::chrono_literals;
using namespace smt;

constexpr std::uint32_t kOutboundStart = 4294967290u;
constexpr std::uint32_t kInboundStart = 4294967293u;

// A resumable session "wrap-1" lost at `now`: our outbound count at kOutboundStart plus
// message_xml(1) and message_xml(2) unacknowledged (sequences 4294967291, 4294967292), our
// inbound count at kInboundStart.
std::string saved_near_wrap(const ClientConfig& config, TimePoint now) {
  sm::StreamManagementState state(sm::QueueLimits::of(config.stream_management));
  REQUIRE(state.start_counters_at(kOutboundStart, kInboundStart));
  state.on_enabled(sm::Enabled{"wrap-1", true, 300, ""});
  state.set_bound_jid(std::string(kJid));
  CHECK(state.record_sent(message_xml(1), 1, "m1", now) == 4294967291u);
  CHECK(state.record_sent(message_xml(2), 2, "m2", now) == 4294967292u);
  state.on_link_lost(now);
  return state.save(now);
}

std::vector<std::uint32_t> acked_sequences(const std::vector<Event>& events) {
  std::vector<std::uint32_t> out;
  for (const Event& e : events) {
    if (const auto* a = std::get_if<event::Acked>(&e)) {
      for (const UnackedStanza& s : a->stanzas)
        out.push_back(s.sequence);
    }
  }
  return out;
}

// Every `<a .../>` in `bytes`, in order.
std::vector<std::string> acks_in(std::string_view bytes) {
  std::vector<std::string> out;
  for (std::size_t at = bytes.find("<a xmlns="); at != std::string_view::npos;
       at = bytes.find("<a xmlns=", at + 1)) {
    out.emplace_back(bytes.substr(at, bytes.find("/>", at) + 2 - at));
  }
  return out;
}

}  // namespace

TEST_CASE("sm wraparound: a restored session crosses 2^32 both ways, exact h on the wire") {
  Harness h(quiet_config());
  REQUIRE(h.client.restore_stream_management(saved_near_wrap(h.client.config(), h.now), 0s,
                                             h.now) == CommandStatus::ok);
  REQUIRE(h.client.resumption_pending());
  CHECK(authenticate(h, kSmBindFeatures) == resume("wrap-1", kInboundStart));
  h.feed(resumed("wrap-1", 4294967291u));
  CHECK(h.take_written() == message_xml(2) + std::string(kRequest));
  CHECK(fates(h.events).acked == std::vector<std::uint64_t>{1});

  // Outbound: sequences run 4294967293 .. 4294967295, 0 .. 6.
  for (int i = 3; i <= 12; ++i)
    REQUIRE(send_message(h, i) == SendStatus::ok);
  std::vector<std::uint32_t> expected = {4294967292u, 4294967293u, 4294967294u, 4294967295u};
  for (std::uint32_t s = 0; s <= 6; ++s)
    expected.push_back(s);
  std::vector<std::uint32_t> queued;
  for (const UnackedStanza& s : h.client.stream_management().unacked())
    queued.push_back(s.sequence);
  CHECK(queued == expected);
  CHECK(h.client.stream_management().outbound_count() == 6);
  h.feed(ack(4294967295u));
  h.feed(ack(3));  // numerically smaller, but after 4294967295 modulo 2^32
  h.feed(ack(6));
  CHECK(fates(h.events).acked == std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  expected.insert(expected.begin(), 4294967291u);
  CHECK(acked_sequences(h.events) == expected);
  CHECK(h.client.stream_management().unacked().empty());
  CHECK(h.client.stream_management().last_acked() == 6);

  // Inbound: our h goes 4294967294, 4294967295, 0, 1, 2.
  h.take_written();
  for (int i = 1; i <= 5; ++i)
    h.feed(inbound_xml(i) + std::string(kRequest));
  CHECK(h.take_written() == ack(4294967294u) + ack(4294967295u) + ack(0) + ack(1) + ack(2));
  CHECK(h.client.stream_management().inbound_handled() == 2);
  CHECK_FALSE(h.error_sent().has_value());
}

TEST_CASE("sm wraparound: too high and backwards are judged modulo 2^32") {
  Harness h(quiet_config());
  REQUIRE(h.client.restore_stream_management(saved_near_wrap(h.client.config(), h.now), 0s,
                                             h.now) == CommandStatus::ok);
  REQUIRE(authenticate(h, kSmBindFeatures) == resume("wrap-1", kInboundStart));
  h.feed(resumed("wrap-1", 4294967292u));
  for (int i = 3; i <= 6; ++i)  // sequences 4294967293 .. 4294967295, 0
    REQUIRE(send_message(h, i) == SendStatus::ok);
  h.take_written();
  SUBCASE("an h past the wrapped send count is too high") {
    h.feed(ack(2));
    CHECK(h.error_sent() == StreamErrorCondition::undefined_condition);
    const std::string out = h.take_written();
    CHECK(out.starts_with(stream_error_start("undefined-condition")));
    CHECK(out.find("<handled-count-too-high xmlns='urn:xmpp:sm:3' h='2' send-count='0'/>") !=
          std::string::npos);
    CHECK(out.ends_with("</stream:error></stream:stream>"));
    CHECK(fates(h.events).acked == std::vector<std::uint64_t>{1, 2});
    CHECK(unconfirmed_once(h.events) == std::vector<std::uint64_t>{3, 4, 5, 6});
  }
  SUBCASE("an h before the last one, across the wrap, goes backwards") {
    h.feed(ack(0));
    CHECK(fates(h.events).acked == std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6});
    h.take_written();
    h.feed(ack(4294967295u));
    CHECK(h.error_sent() == StreamErrorCondition::undefined_condition);
    const std::string out = h.take_written();
    CHECK(out.starts_with(stream_error_start("undefined-condition")));
    CHECK(out.find("handled-count-too-high") == std::string::npos);
    CHECK(fates(h.events).unconfirmed.empty());
  }
  check_reported_once(h.events, {1, 2, 3, 4, 5, 6});
}

TEST_CASE("sm wraparound: against the test server's own counters, through resumption") {
  auto server_config = test_server_config();
  server_config.sm = true;
  server_config.sm_request_every = 1;
  // The server's <a/> to each of our <r/>, as written.
  auto server_acks = std::make_shared<std::vector<std::string>>();
  server_config.rewrite = [server_acks](testing::ServerStep step, std::string& bytes) {
    if (step == testing::ServerStep::sm_ack) server_acks->push_back(bytes);
  };
  ClientConfig client_config = quiet_config();
  client_config.stream_management.request_every_stanzas = 1;
  Pair p(client_config, server_config);

  // The server's record of the same session: it handled our stanza 1 (h 4294967291, so 2 is
  // re-sent); it sent up to 4294967294, and we handled up to 4294967293 (so 4294967294 is
  // re-sent after <resumed/>).
  testing::SmSession session;
  session.id = "wrap-1";
  session.user = "alice";
  session.jid = *Jid::parse(kJid);
  session.resumable = true;
  session.max_seconds = 300;
  session.handled = 4294967291u;
  session.acked = 4294967292u;
  session.unacked = {inbound_xml(100), inbound_xml(101)};
  session.delivered = {message_xml(1)};
  p.sessions.handle_timeout(p.now);
  REQUIRE(p.sessions.insert(session));
  REQUIRE(p.client.restore_stream_management(saved_near_wrap(client_config, p.now), 0s, p.now) ==
          CommandStatus::ok);
  p.start();
  p.run();
  CHECK(p.client_written.find(resume("wrap-1", kInboundStart)) != std::string::npos);
  REQUIRE(count_online(p.events, true) == 1);

  for (int i = 3; i <= 14; ++i) {
    REQUIRE(send_message(p.client, i) == SendStatus::ok);
    REQUIRE(p.server().send_stanza(inbound_xml(i)));
    p.run();
  }
  const testing::SmSession* s = p.sessions.find("wrap-1");
  REQUIRE(s != nullptr);
  CHECK(s->state == testing::SmState::active);

  // Outbound: 14 stanzas after 4294967290 is 8; the server delivered each once, in order.
  CHECK(p.client.stream_management().outbound_count() == 8);
  CHECK(s->handled == 8);
  REQUIRE(s->delivered.size() == 14);
  for (int i = 1; i <= 14; ++i)
    CHECK(s->delivered[i - 1] == message_xml(i));
  std::vector<std::uint32_t> sequences;
  for (std::uint32_t q = 4294967291u; q != 9; ++q)
    sequences.push_back(q);
  CHECK(acked_sequences(p.events) == sequences);
  check_reported_once(p.events, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14});
  // The server's h on the wire: 4294967292 (after the re-sent 2) up to 8, through 0.
  std::vector<std::string> expected_server_acks;
  for (std::uint32_t q = 4294967292u; q != 9; ++q)
    expected_server_acks.push_back(ack(q));
  CHECK(*server_acks == expected_server_acks);

  // Inbound: the re-sent 101, then 3..14, each once and in order; our h went 4294967294 .. 10.
  REQUIRE(p.stanzas.size() == 13);
  CHECK(p.stanzas[0].find("id='in101'") != std::string::npos);
  for (int i = 3; i <= 14; ++i)
    CHECK(p.stanzas[static_cast<std::size_t>(i - 2)].find("id='in" + std::to_string(i) + "'") !=
          std::string::npos);
  CHECK(p.client.stream_management().inbound_handled() == 10);
  CHECK(s->acked == 10);
  CHECK(s->unacked.empty());
  REQUIRE(s->acked_log.size() == 14);
  CHECK(s->acked_log.front() == testing::AckedStanza{4294967293u, inbound_xml(100)});
  CHECK(s->acked_log[2].seq == 4294967295u);
  CHECK(s->acked_log[3].seq == 0);
  CHECK(s->acked_log.back().seq == 10);
  std::vector<std::string> expected_client_acks;
  for (std::uint32_t q = 4294967294u; q != 11; ++q)
    expected_client_acks.push_back(ack(q));
  CHECK(acks_in(p.client_written) == expected_client_acks);
}

}  // namespace xmpp::test
