// Stream management (XEP-0198) in the client engine, one behaviour per case, against scripted
// server bytes: enabling, counting both ways, acknowledgements, the request policy, the ack
// timeout and the bounded queue. The end of a session and resumption are in
// sm_resumption_test.cpp.
#include <doctest/doctest.h>

#include "sm_test_support.hpp"

namespace xmpp::test {
namespace {

using namespace std::chrono_literals;
using namespace smt;

SendStatus send_element(Harness& h, std::string_view name, std::string_view ns, std::string_view id,
                        std::uint64_t tag) {
  xml::Arena arena;
  xml::Builder b(arena, name, ns);
  if (!id.empty()) b.attribute("id", id);
  const SendStatus status = h.client.send(b.root(), tag);
  h.drain();
  return status;
}

std::vector<std::uint32_t> sequences(const std::deque<UnackedStanza>& queue) {
  std::vector<std::uint32_t> out;
  for (const UnackedStanza& s : queue)
    out.push_back(s.sequence);
  return out;
}

}  // namespace

TEST_CASE("sm behaviour: <enable/> only after binding, once, with resume and max from config") {
  SUBCASE("defaults: resume='true', no max") {
    Harness h(quiet_config());
    // XEP-0198 §3: not before resource binding: after SASL only the bind request goes out.
    CHECK(authenticate(h, kSmBindFeatures) == bind_request("000102030405"));
    h.feed(bind_result("000102030405", kJid));
    CHECK(h.take_written() == kEnable);
    CHECK(count_online(h.events, false) == 1);
    h.feed(enabled("id='sm-1' resume='true'"));
    for (int i = 1; i <= 3; ++i)
      REQUIRE(send_message(h, i) == SendStatus::ok);
    h.feed(kRequest);
    h.feed(ack(3));
    // XEP-0198 §3: at most once per stream.
    CHECK(occurrences(h.written, "<enable") == 1);
  }
  SUBCASE("max_resume_seconds becomes max") {
    ClientConfig config = quiet_config();
    config.stream_management.max_resume_seconds = 120;
    Harness h(config);
    CHECK(bind(h) == "<enable xmlns='urn:xmpp:sm:3' resume='true' max='120'/>");
  }
  SUBCASE("resume=false asks for no resumption") {
    ClientConfig config = quiet_config();
    config.stream_management.resume = false;
    Harness h(config);
    CHECK(bind(h) == "<enable xmlns='urn:xmpp:sm:3'/>");
  }
  SUBCASE("enable=false: nothing, and stanzas are not tracked") {
    ClientConfig config = quiet_config();
    config.stream_management.enable = false;
    Harness h(config);
    CHECK(bind(h).empty());
    REQUIRE(send_message(h, 1) == SendStatus::ok);
    CHECK(h.take_written() == message_xml(1));
    CHECK(h.client.stream_management().unacked().empty());
  }
  SUBCASE("a server without <sm/> gets no <enable/>") {
    Harness h(quiet_config());
    CHECK(bind(h, kBindFeatures).empty());
    REQUIRE(send_message(h, 1) == SendStatus::ok);
    CHECK(h.client.stream_management().outbound_count() == 0);
  }
}

TEST_CASE("sm behaviour: <sm/> offered before authentication is ignored (XEP-0198 §2, §3)") {
  Harness h(quiet_config());
  h.connect();
  h.feed(std::string(kServerHeader) + std::string(kStartTlsFeatures));
  h.feed(kProceed);
  h.tls();
  h.take_written();
  h.feed(std::string(kServerHeader) +
         "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
         "<mechanism>PLAIN</mechanism></mechanisms><sm xmlns='urn:xmpp:sm:3'/></stream:features>");
  CHECK(h.take_written() == kPlainAuth);
  CHECK(h.client.phase() == ClientPhase::authenticating);
}

TEST_CASE("sm behaviour: <enabled/> attributes are exposed") {
  Harness h(quiet_config());
  SUBCASE("id, resume='1', max, location host:port") {
    online_enabled(h, "id='abc' resume='1' max='45' location='xmpp2.example.com:5223'");
    const auto& sm = h.client.stream_management();
    CHECK(sm.id() == "abc");
    CHECK(sm.resumable());
    CHECK(sm.server_max() == std::optional<std::uint32_t>(45));
    CHECK(sm.location() == "xmpp2.example.com:5223");
  }
  SUBCASE("resume='true', a bracketed IPv6 location, no max") {
    online_enabled(h, "id='abc' resume='true' location='[2001:db8::1]:5222'");
    const auto& sm = h.client.stream_management();
    CHECK(sm.resumable());
    CHECK_FALSE(sm.server_max().has_value());
    CHECK(sm.location() == "[2001:db8::1]:5222");
  }
  SUBCASE("resume='false': enabled, not resumable; a lost link hands the queue back") {
    online_enabled(h, "id='abc' resume='false'");
    CHECK(h.client.stream_management().id() == "abc");
    CHECK_FALSE(h.client.stream_management().resumable());
    REQUIRE(send_message(h, 1) == SendStatus::ok);
    REQUIRE(h.client.receive_eof(h.now) == CommandStatus::ok);
    h.drain();
    CHECK(h.closed_reason() == CloseReason::connection_lost);
    CHECK_FALSE(h.client.resumption_pending());
    CHECK(unconfirmed_once(h.events) == std::vector<std::uint64_t>{1});
  }
  SUBCASE("no id: enabled, not resumable") {
    online_enabled(h, "");
    CHECK(h.client.stream_management().id().empty());
    CHECK_FALSE(h.client.stream_management().resumable());
  }
}

TEST_CASE(
    "sm behaviour: a session we did not ask to be resumable is not, whatever the server says") {
  ClientConfig config = quiet_config();
  config.stream_management.resume = false;
  Harness h(config);
  REQUIRE(bind(h) == "<enable xmlns='urn:xmpp:sm:3'/>");
  h.feed(enabled("id='abc' resume='true'"));
  CHECK(h.client.stream_management().enabled());
  CHECK_FALSE(h.client.stream_management().resumable());
}

TEST_CASE("sm behaviour: <failed/> to <enable/> hands back the stanzas sent meanwhile") {
  Harness h(quiet_config());
  REQUIRE(bind(h) == kEnable);
  REQUIRE(send_message(h, 1) == SendStatus::ok);
  REQUIRE(send_message(h, 2) == SendStatus::ok);
  CHECK(h.take_written() == message_xml(1) + message_xml(2));
  CHECK(h.client.stream_management().unacked().size() == 2);
  h.feed(failed("feature-not-implemented"));
  CHECK(unconfirmed_once(h.events) == std::vector<std::uint64_t>{1, 2});
  const auto* unconfirmed = h.find<event::Unconfirmed>();
  REQUIRE(unconfirmed != nullptr);
  CHECK(unconfirmed->reason.find("feature-not-implemented") != std::string::npos);
  CHECK(unconfirmed->stanzas[0].bytes == message_xml(1));
  // The session goes on without stream management: nothing tracked, nothing counted.
  CHECK(h.client.phase() == ClientPhase::online);
  CHECK(h.count<event::Closed>() == 0);
  CHECK_FALSE(h.client.stream_management().enabled());
  REQUIRE(send_message(h, 3) == SendStatus::ok);
  CHECK(h.take_written() == message_xml(3));
  CHECK(h.client.stream_management().unacked().empty());
  CHECK(h.client.stream_management().outbound_count() == 0);
  h.feed(inbound_xml(1));
  CHECK(h.client.stream_management().inbound_handled() == 0);
  CHECK(occurrences(h.written, "<enable") == 1);
  CHECK(fates(h.events).acked.empty());
}

TEST_CASE("sm behaviour: stanzas sent between <enable/> and <enabled/> are tracked (XEP-0198 §4)") {
  Harness h(quiet_config());
  REQUIRE(bind(h) == kEnable);
  REQUIRE(send_message(h, 1) == SendStatus::ok);
  REQUIRE(send_message(h, 2) == SendStatus::ok);
  CHECK(sequences(h.client.stream_management().unacked()) == std::vector<std::uint32_t>{1, 2});
  h.feed(enabled("id='sm-1' resume='true'"));
  REQUIRE(send_message(h, 3) == SendStatus::ok);
  h.feed(ack(2));
  const auto* acked = h.find<event::Acked>();
  REQUIRE(acked != nullptr);
  REQUIRE(acked->stanzas.size() == 2);
  CHECK(acked->stanzas[0].sequence == 1);
  CHECK(acked->stanzas[0].tag == 1);
  CHECK(acked->stanzas[0].bytes == message_xml(1));
  CHECK(acked->stanzas[1].sequence == 2);
  h.feed(ack(3));
  CHECK(fates(h.events).acked == std::vector<std::uint64_t>{1, 2, 3});
  CHECK(h.client.stream_management().unacked().empty());
}

TEST_CASE("sm behaviour: only complete top-level stanzas after <enabled/> are counted") {
  Harness h(quiet_config());
  REQUIRE(bind(h) == kEnable);
  // XEP-0198 §4: the count starts with <enabled/>; before it nothing is counted.
  h.feed(inbound_xml(1));
  CHECK(h.count<event::Stanza>() == 1);
  CHECK(h.client.stream_management().inbound_handled() == 0);
  h.feed(enabled("id='sm-1' resume='true'"));
  CHECK(h.client.stream_management().inbound_handled() == 0);
  h.feed(inbound_xml(2) + "<presence from='bob@example.com/x'/>" +
         "<iq type='get' id='p1' from='example.com'><ping xmlns='urn:xmpp:ping'/></iq>");
  CHECK(h.client.stream_management().inbound_handled() == 3);
  // Nonzas are not stanzas: the server's <a/> and <r/> change nothing.
  h.feed(ack(0));
  h.feed(kRequest);
  CHECK(h.take_written() == ack(3));
  CHECK(h.client.stream_management().inbound_handled() == 3);
  // A stanza nested in another (a forwarded message) is part of the top-level one: one count.
  h.feed(
      "<message from='bob@example.com/x'><forwarded xmlns='urn:xmpp:forward:0'>"
      "<message xmlns='jabber:client' from='carol@example.com/y'><body>fw</body></message>"
      "</forwarded></message>");
  CHECK(h.client.stream_management().inbound_handled() == 4);
  // Counted only once it is fully received.
  const std::string stanza = inbound_xml(3);
  h.feed(std::string_view(stanza).substr(0, 20));
  CHECK(h.client.stream_management().inbound_handled() == 4);
  h.feed(std::string_view(stanza).substr(20));
  CHECK(h.client.stream_management().inbound_handled() == 5);
  h.feed(kRequest);
  CHECK(h.take_written() == ack(5));
  CHECK(h.count<event::Stanza>() == 6);
}

TEST_CASE("sm behaviour: <r/> is answered at once with <a h/>, never counted nor queued") {
  Harness h(quiet_config());
  online_enabled(h);
  REQUIRE(send_message(h, 1) == SendStatus::ok);
  h.take_written();
  h.feed(kRequest);
  CHECK(h.take_written() == "<a xmlns='urn:xmpp:sm:3' h='0'/>");
  h.feed(inbound_xml(1) + std::string(kRequest) + inbound_xml(2) + std::string(kRequest));
  CHECK(h.take_written() == ack(1) + ack(2));
  const auto& sm = h.client.stream_management();
  CHECK(sm.outbound_count() == 1);
  CHECK(sequences(sm.unacked()) == std::vector<std::uint32_t>{1});
  CHECK(sm.inbound_handled() == 2);
}

TEST_CASE("sm behaviour: sequences line up with h; Acked names the stanzas by tag and id") {
  Harness h(quiet_config());
  online_enabled(h);
  REQUIRE(send_element(h, "message", "jabber:client", "m1", 101) == SendStatus::ok);
  REQUIRE(send_element(h, "presence", "jabber:client", "", 102) == SendStatus::ok);
  REQUIRE(send_element(h, "iq", "jabber:client", "q1", 103) == SendStatus::ok);
  CHECK(h.take_written() == "<message id='m1'/><presence/><iq id='q1'/>");
  CHECK(sequences(h.client.stream_management().unacked()) == std::vector<std::uint32_t>{1, 2, 3});
  h.feed(ack(2));
  REQUIRE(h.count<event::Acked>() == 1);
  const auto& first = h.find<event::Acked>()->stanzas;
  REQUIRE(first.size() == 2);
  CHECK(first[0] == UnackedStanza{1, 101, "m1", "<message id='m1'/>", h.now});
  CHECK(first[1] == UnackedStanza{2, 102, "", "<presence/>", h.now});
  CHECK(h.client.stream_management().last_acked() == 2);
  h.feed(ack(3));
  h.feed(ack(3));  // acknowledges nothing new: no empty Acked event
  CHECK(h.count<event::Acked>() == 2);
  CHECK(fates(h.events).acked == std::vector<std::uint64_t>{101, 102, 103});
}

TEST_CASE("sm behaviour: nonzas the application sends are not tracked (XEP-0198 §4)") {
  Harness h(quiet_config());
  online_enabled(h);
  REQUIRE(send_element(h, "active", "urn:xmpp:csi:0", "", 7) == SendStatus::ok);
  CHECK(h.take_written() == "<active xmlns='urn:xmpp:csi:0'/>");
  REQUIRE(send_message(h, 1) == SendStatus::ok);
  REQUIRE(send_element(h, "inactive", "urn:xmpp:csi:0", "", 8) == SendStatus::ok);
  CHECK(h.take_written() == message_xml(1) + "<inactive xmlns='urn:xmpp:csi:0'/>");
  CHECK(h.client.stream_management().outbound_count() == 1);
  CHECK(sequences(h.client.stream_management().unacked()) == std::vector<std::uint32_t>{1});
  h.feed(ack(1));
  CHECK(fates(h.events).acked == std::vector<std::uint64_t>{1});
  CHECK(h.client.stream_management().unacked().empty());
}

TEST_CASE("sm behaviour: request policy: after N stanzas, one <r/> outstanding at most") {
  ClientConfig config = quiet_config();
  config.stream_management.request_every_stanzas = 3;
  Harness h(config);
  online_enabled(h);
  REQUIRE(send_message(h, 1) == SendStatus::ok);
  REQUIRE(send_message(h, 2) == SendStatus::ok);
  CHECK(h.take_written() == message_xml(1) + message_xml(2));
  REQUIRE(send_message(h, 3) == SendStatus::ok);
  CHECK(h.take_written() == message_xml(3) + std::string(kRequest));
  for (int i = 4; i <= 6; ++i)
    REQUIRE(send_message(h, i) == SendStatus::ok);
  CHECK(h.take_written() == message_xml(4) + message_xml(5) + message_xml(6));
  h.feed(ack(3));
  CHECK(fates(h.events).acked == std::vector<std::uint64_t>{1, 2, 3});
  // 4..6 are unacknowledged and none was asked about: N reached, so the answer is followed by
  // a new request at once.
  CHECK(h.take_written() == std::string(kRequest));
  // That request is outstanding: 7 goes out without another.
  REQUIRE(send_message(h, 7) == SendStatus::ok);
  CHECK(h.take_written() == message_xml(7));
  CHECK(occurrences(h.written, kRequest) == 2);
}

TEST_CASE("sm behaviour: request policy: N counts unacknowledged stanzas, as documented") {
  // StreamManagementConfig::request_every_stanzas: "Request once this many stanzas are
  // unacknowledged"; issue 4: "request after N unacked stanzas".
  ClientConfig config = quiet_config();
  config.stream_management.request_every_stanzas = 3;
  Harness h(config);
  online_enabled(h);
  for (int i = 1; i <= 3; ++i)
    REQUIRE(send_message(h, i) == SendStatus::ok);
  CHECK(h.take_written().ends_with(kRequest));
  h.feed(ack(1));  // the answer: 2 and 3 are still unacknowledged
  REQUIRE(send_message(h, 4) == SendStatus::ok);
  CHECK(h.client.stream_management().unacked().size() == 3);
  CHECK(h.take_written().ends_with(message_xml(4) + std::string(kRequest)));
}

TEST_CASE("sm behaviour: no <r/> before <enabled/>; the policy applies once it arrives") {
  ClientConfig config = quiet_config();
  config.stream_management.request_every_stanzas = 2;
  config.stream_management.request_after = 5s;
  Harness h(config);
  REQUIRE(bind(h) == kEnable);
  const TimePoint t0 = h.now;
  for (int i = 1; i <= 3; ++i)
    REQUIRE(send_message(h, i) == SendStatus::ok);
  h.advance(10s);
  // XEP-0198 §4: <r/> belongs to an enabled stream.
  CHECK(h.take_written() == message_xml(1) + message_xml(2) + message_xml(3));
  h.feed(enabled("id='sm-1' resume='true'"));
  CHECK(h.take_written() == kRequest);
  h.feed(ack(3));
  CHECK(fates(h.events).acked == std::vector<std::uint64_t>{1, 2, 3});
  REQUIRE(send_message(h, 4) == SendStatus::ok);
  CHECK(h.client.next_deadline() == t0 + 15s);
}

TEST_CASE("sm behaviour: request policy: after T of unacknowledged data, from the oldest") {
  ClientConfig config = quiet_config();
  config.stream_management.request_after = 5s;
  Harness h(config);
  online_enabled(h);
  const TimePoint t0 = h.now;
  CHECK_FALSE(h.client.next_deadline().has_value());
  REQUIRE(send_message(h, 1) == SendStatus::ok);
  CHECK(h.client.next_deadline() == t0 + 5s);
  h.advance(3s);
  REQUIRE(send_message(h, 2) == SendStatus::ok);
  CHECK(h.client.next_deadline() == t0 + 5s);
  h.take_written();
  h.advance(1999ms);
  CHECK(h.take_written().empty());
  h.advance(1ms);
  CHECK(h.take_written() == kRequest);
  // Outstanding: no second <r/> however old the data gets (until ack_timeout, 30 s).
  h.advance(5s);
  CHECK(h.take_written().empty());
  h.feed(ack(1));
  // The oldest left (m2, sent at t0 + 3 s) is already older than T: asked at the next tick.
  CHECK(h.client.next_deadline() == t0 + 8s);
  h.advance(0ms);
  CHECK(h.take_written() == kRequest);
}

TEST_CASE("sm behaviour: request policy: an idle stream is probed, one <r/> at a time") {
  ClientConfig config = quiet_config();
  config.stream_management.idle_request_interval = 60s;
  Harness h(config);
  online_enabled(h);
  const TimePoint t0 = h.now;
  CHECK(h.client.next_deadline() == t0 + 60s);
  h.take_written();
  h.advance(59999ms);
  CHECK(h.take_written().empty());
  h.advance(1ms);
  CHECK(h.take_written() == kRequest);
  h.advance(20s);
  CHECK(h.take_written().empty());
  h.feed(ack(0));
  CHECK(h.client.next_deadline() == t0 + 140s);
  h.advance(60s);
  CHECK(h.take_written() == kRequest);
}

TEST_CASE("sm behaviour: every trigger at once still gives a single outstanding <r/>") {
  ClientConfig config = quiet_config();
  config.stream_management.request_every_stanzas = 1;
  config.stream_management.request_after = 1s;
  config.stream_management.idle_request_interval = 1s;
  Harness h(config);
  online_enabled(h);
  for (int i = 1; i <= 5; ++i)
    REQUIRE(send_message(h, i) == SendStatus::ok);
  h.advance(10s);
  CHECK(occurrences(h.written, kRequest) == 1);
  h.feed(ack(5));
  REQUIRE(send_message(h, 6) == SendStatus::ok);
  CHECK(occurrences(h.written, kRequest) == 2);
}

TEST_CASE("sm behaviour: an unanswered <r/> means a dead link: LinkDead, then a resumable loss") {
  ClientConfig config = quiet_config();
  config.stream_management.request_every_stanzas = 1;
  config.stream_management.ack_timeout = 30s;
  Harness h(config);
  online_enabled(h);
  const TimePoint t0 = h.now;
  REQUIRE(send_message(h, 1) == SendStatus::ok);
  CHECK(h.take_written() == message_xml(1) + std::string(kRequest));
  CHECK(h.client.next_deadline() == t0 + 30s);
  h.advance(10s);
  h.feed(inbound_xml(1));  // data, but no <a/>
  h.advance(19999ms);
  CHECK(h.count<event::LinkDead>() == 0);
  h.advance(1ms);
  const auto* dead = h.find<event::LinkDead>();
  REQUIRE(dead != nullptr);
  CHECK(dead->silent_for == 20s);
  CHECK(index_of<event::LinkDead>(h.events) < index_of<event::Closed>(h.events));
  CHECK(h.closed_reason() == CloseReason::connection_lost);
  // XEP-0198 §5: no closing tag, which would end the session for the server.
  CHECK(h.take_written().empty());
  CHECK(h.client.resumption_pending());
  CHECK(h.client.stream_management().unacked().size() == 1);
  CHECK(fates(h.events).unconfirmed.empty());
  // The next connection resumes with the h we had.
  CHECK(authenticate(h, kSmBindFeatures) == resume("sm-1", 1));
}

TEST_CASE("sm behaviour: a full queue (stanzas) refuses with would_block, drops nothing") {
  ClientConfig config = quiet_config();
  config.stream_management.max_unacked_stanzas = 3;
  Harness h(config);
  online_enabled(h);
  for (int i = 1; i <= 3; ++i)
    REQUIRE(send_message(h, i) == SendStatus::ok);
  h.take_written();
  CHECK(send_message(h, 4) == SendStatus::would_block);
  CHECK(h.take_written().empty());
  CHECK(h.client.stream_management().unacked().size() == 3);
  CHECK(h.client.stream_management().outbound_count() == 3);
  h.feed(ack(1));
  REQUIRE(send_message(h, 4) == SendStatus::ok);
  CHECK(send_message(h, 5) == SendStatus::would_block);
  h.feed(ack(4));
  REQUIRE(send_message(h, 5) == SendStatus::ok);
  h.feed(ack(5));
  CHECK(occurrences(h.written, message_xml(4)) == 1);
  CHECK(occurrences(h.written, message_xml(5)) == 1);
  CHECK(fates(h.events).acked == std::vector<std::uint64_t>{1, 2, 3, 4, 5});
}

TEST_CASE("sm behaviour: a full queue (bytes) refuses with would_block, drops nothing") {
  ClientConfig config = quiet_config();
  config.limits.max_send_bytes = 1024;
  config.stream_management.max_unacked_bytes = 1024;
  Harness h(config);
  online_enabled(h);
  const auto big = [&](std::uint64_t tag) {
    xml::Arena arena;
    xml::Builder msg(arena, "message", "jabber:client");
    msg.start("body").text(std::string(400, 'x')).end();
    const SendStatus status = h.client.send(msg.root(), tag);
    h.drain();
    return status;
  };
  REQUIRE(big(1) == SendStatus::ok);
  REQUIRE(big(2) == SendStatus::ok);
  const std::size_t queued = h.client.stream_management().unacked_bytes();
  CHECK(queued == 2 * (400 + std::string("<message><body></body></message>").size()));
  h.take_written();
  CHECK(big(3) == SendStatus::would_block);
  CHECK(h.take_written().empty());
  CHECK(h.client.stream_management().unacked_bytes() == queued);
  h.feed(ack(1));
  REQUIRE(big(3) == SendStatus::ok);
  h.feed(ack(3));
  CHECK(fates(h.events).acked == std::vector<std::uint64_t>{1, 2, 3});
  CHECK(h.client.stream_management().unacked_bytes() == 0);
}

}  // namespace xmpp::test
