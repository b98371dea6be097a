// The end of a stream management session and its resumption (XEP-0198 §5, §7) in the client
// engine: what goes out between SASL and the server's answer, `<resumed h/>`, `<failed/>` with
// and without h, the re-send with a XEP-0203 delay stamp, abandon_session(), save/restore into a
// new Client, and the graceful close after which nothing is resumable.
#include <doctest/doctest.h>

#include "pair.hpp"
#include "sm_test_support.hpp"

namespace xmpp::test {
namespace {

using namespace std::chrono_literals;
using namespace smt;

// Online with SM-ID sm-1; stanzas 1..3 sent, the first acknowledged; two server stanzas
// handled (our h is 2); then the link is lost.
void lose_link_with_state(Harness& h) {
  online_enabled(h);
  for (int i = 1; i <= 3; ++i)
    REQUIRE(send_message(h, i) == SendStatus::ok);
  h.feed(ack(1) + inbound_xml(1) + inbound_xml(2));
  REQUIRE(h.client.receive_eof(h.now) == CommandStatus::ok);
  h.drain();
  REQUIRE(h.closed_reason() == CloseReason::connection_lost);
  REQUIRE(h.client.resumption_pending());
  h.take_written();
}

std::string delay(std::string_view stamp) {
  return "<delay xmlns='urn:xmpp:delay' stamp='" + std::string(stamp) + "'/>";
}

}  // namespace

TEST_CASE("sm resumption: only <resume/> until <resumed/>; the rest re-sent in order, uncounted") {
  Harness h(quiet_config());
  lose_link_with_state(h);
  // Accepted while disconnected, written only after <resumed/>.
  REQUIRE(send_message(h, 4) == SendStatus::ok);
  CHECK(h.take_written().empty());
  h.advance(5s);
  // XEP-0198 §5: <resume/> instead of binding, with the h of what we handled.
  CHECK(authenticate(h, kSmBindFeatures) == resume("sm-1", 2));
  CHECK(h.client.phase() == ClientPhase::resuming);
  REQUIRE(send_message(h, 5) == SendStatus::ok);
  CHECK(send_message(h, 6) == SendStatus::ok);
  xml::Arena arena;
  CHECK(h.client.send(xml::Builder(arena, "active", "urn:xmpp:csi:0").root()) ==
        SendStatus::not_online);
  CHECK(h.take_written().empty());
  CHECK(h.client.stream_management().outbound_count() == 6);

  h.feed(resumed("sm-1", 2));
  // Trimmed by h: 2 acknowledged; 3..6 re-sent once, in order, then a request for them.
  CHECK(fates(h.events).acked == std::vector<std::uint64_t>{1, 2});
  CHECK(h.take_written() ==
        message_xml(3) + message_xml(4) + message_xml(5) + message_xml(6) + std::string(kRequest));
  CHECK(h.client.stream_management().outbound_count() == 6);
  CHECK(h.client.stream_management().unacked().front().sequence == 3);
  CHECK(h.client.phase() == ClientPhase::online);
  REQUIRE(count_online(h.events, true) == 1);
  CHECK(h.client.bound_jid()->str() == kJid);
  CHECK(occurrences(h.written, "<enable") == 1);
  CHECK(occurrences(h.written, "xmpp-bind") == 1);
  // The inbound count goes on from the h we sent.
  h.feed(inbound_xml(3) + std::string(kRequest));
  CHECK(h.take_written() == ack(3));
  h.feed(ack(6));
  check_reported_once(h.events, {1, 2, 3, 4, 5, 6});
  CHECK(fates(h.events).unconfirmed.empty());
}

TEST_CASE("sm resumption: Online{resumed=true} names the bound JID") {
  Harness h(quiet_config());
  lose_link_with_state(h);
  h.events.clear();
  REQUIRE(authenticate(h, kSmBindFeatures) == resume("sm-1", 2));
  h.feed(resumed("sm-1", 3));  // everything handled: nothing to re-send, nothing to ask
  CHECK(h.take_written().empty());
  const auto* online = h.find<event::Online>();
  REQUIRE(online != nullptr);
  CHECK(online->resumed);
  CHECK(online->jid.str() == kJid);
  CHECK(fates(h.events).acked == std::vector<std::uint64_t>{2, 3});
}

TEST_CASE("sm resumption: a server that no longer offers <sm/> gets a bind; the queue goes back") {
  Harness h(quiet_config());
  lose_link_with_state(h);
  const std::string request = authenticate(h, kBindFeatures);
  CHECK(request == bind_request(request_id(request)));
  CHECK(unconfirmed_once(h.events) == std::vector<std::uint64_t>{2, 3});
  CHECK(h.find<event::Unconfirmed>()->reason ==
        "resumption impossible: the server no longer offers stream management");
  h.feed(bind_result(request_id(request), kJid));
  CHECK(h.take_written().empty());
  CHECK(count_online(h.events, false) == 2);
  check_reported_once(h.events, {1, 2, 3});
}

TEST_CASE("sm resumption: <failed/> without h hands back every unacknowledged stanza once") {
  Harness h(quiet_config());
  lose_link_with_state(h);
  REQUIRE(send_message(h, 4) == SendStatus::ok);
  REQUIRE(authenticate(h, kSmBindFeatures) == resume("sm-1", 2));
  REQUIRE(send_message(h, 5) == SendStatus::ok);
  h.feed(failed("item-not-found"));
  CHECK(unconfirmed_once(h.events) == std::vector<std::uint64_t>{2, 3, 4, 5});
  CHECK(h.find<event::Unconfirmed>()->reason == "resumption failed: item-not-found");
  // Bind afresh, enable again (XEP-0198 §5), and only then Online{resumed=false}.
  const std::string request = h.take_written();
  REQUIRE(request == bind_request(request_id(request)));
  h.feed(bind_result(request_id(request), kJid));
  CHECK(h.take_written() == kEnable);
  CHECK(count_online(h.events, false) == 2);
  CHECK(count_online(h.events, true) == 0);
  std::size_t last_online = 0;
  for (std::size_t i = 0; i < h.events.size(); ++i)
    if (std::holds_alternative<event::Online>(h.events[i])) last_online = i;
  CHECK(index_of<event::Unconfirmed>(h.events) < last_online);
  CHECK(h.client.stream_management().outbound_count() == 0);
  CHECK(h.client.stream_management().inbound_handled() == 0);
  h.feed(enabled("id='sm-2' resume='true'"));
  CHECK(h.client.stream_management().id() == "sm-2");
  REQUIRE(send_message(h, 6) == SendStatus::ok);
  CHECK(h.client.stream_management().unacked().front().sequence == 1);
  h.feed(ack(1));
  check_reported_once(h.events, {1, 2, 3, 4, 5, 6});
}

TEST_CASE("sm resumption: <failed h/> acknowledges what the server handled, hands back the rest") {
  Harness h(quiet_config());
  lose_link_with_state(h);
  REQUIRE(send_message(h, 4) == SendStatus::ok);
  REQUIRE(authenticate(h, kSmBindFeatures) == resume("sm-1", 2));
  h.feed(failed("item-not-found", "2"));
  const Fates f = fates(h.events);
  CHECK(f.acked == std::vector<std::uint64_t>{1, 2});
  CHECK(f.unconfirmed == std::vector<std::uint64_t>{3, 4});
  CHECK(f.unconfirmed_events == 1);
  CHECK(index_of<event::Acked>(h.events) < index_of<event::Unconfirmed>(h.events));
  check_reported_once(h.events, {1, 2, 3, 4});
}

TEST_CASE("sm resumption: a failed resume re-sends with a XEP-0203 stamp when configured") {
  ClientConfig config = quiet_config();
  config.stream_management.resend_unconfirmed_with_delay = true;
  const auto wall =
      std::chrono::sys_days{std::chrono::year{2024} / 3 / 1} + 12h + 34min + 56s + 789ms;
  config.stream_management.wall_clock = [wall] {
    return std::chrono::system_clock::time_point(wall);
  };
  Harness h(config);
  online_enabled(h);
  REQUIRE(send_message(h, 1) == SendStatus::ok);  // at t0
  h.advance(1s);
  xml::Arena arena;
  REQUIRE(h.client.send(xml::Builder(arena, "presence", "jabber:client").root(), 2) ==
          SendStatus::ok);  // at t0 + 1 s: an empty root
  xml::Builder iq(arena, "iq", "jabber:client");
  iq.attribute("type", "get").attribute("id", "q3");
  REQUIRE(h.client.send(iq.root(), 3) == SendStatus::ok);
  h.advance(1s);
  REQUIRE(h.client.receive_eof(h.now) == CommandStatus::ok);
  h.advance(10s);  // the failed resumption happens at t0 + 12 s
  REQUIRE(authenticate(h, kSmBindFeatures) == resume("sm-1", 0));
  h.feed(failed("item-not-found"));
  CHECK(fates(h.events).unconfirmed.empty());
  const std::string request = h.take_written();
  REQUIRE(request == bind_request(request_id(request)));
  h.feed(bind_result(request_id(request), kJid));
  // Stamped with the original send time on the injected UTC clock (XEP-0082 format); an IQ
  // has no delay (XEP-0203 covers message and presence).
  CHECK(h.take_written() ==
        std::string(kEnable) + "<message to='bob@example.com' id='m1'><body>1</body>" +
            delay("2024-03-01T12:34:44.789Z") + "</message><presence>" +
            delay("2024-03-01T12:34:45.789Z") + "</presence><iq type='get' id='q3'/>");
  CHECK(h.client.stream_management().outbound_count() == 3);
  h.feed(enabled("id='sm-2' resume='true'"));
  h.feed(ack(3));
  const Fates f = fates(h.events);
  CHECK(f.acked == std::vector<std::uint64_t>{1, 2, 3});
  CHECK(f.unconfirmed.empty());
  check_reported_once(h.events, {1, 2, 3});
}

TEST_CASE("sm resumption: abandon_session() hands the queue back once") {
  Harness h(quiet_config());
  online_enabled(h);
  CHECK(h.client.abandon_session() == CommandStatus::invalid_state);  // connected
  REQUIRE(send_message(h, 1) == SendStatus::ok);
  REQUIRE(send_message(h, 2) == SendStatus::ok);
  REQUIRE(h.client.receive_eof(h.now) == CommandStatus::ok);
  h.drain();
  REQUIRE(send_message(h, 3) == SendStatus::ok);
  REQUIRE(h.client.abandon_session() == CommandStatus::ok);
  h.drain();
  CHECK(unconfirmed_once(h.events) == std::vector<std::uint64_t>{1, 2, 3});
  CHECK(h.find<event::Unconfirmed>()->reason == "the application abandoned the session");
  CHECK(h.client.abandon_session() == CommandStatus::invalid_state);
  h.drain();
  CHECK(fates(h.events).unconfirmed_events == 1);
  CHECK_FALSE(h.client.resumption_pending());
  CHECK(send_message(h, 4) == SendStatus::not_online);
  const std::string next = authenticate(h, kSmBindFeatures);
  CHECK(next == bind_request(request_id(next)));
  check_reported_once(h.events, {1, 2, 3});
}

TEST_CASE("sm resumption: a state saved by one Client resumes in a new Client") {
  auto server_config = test_server_config();
  server_config.sm = true;
  server_config.sm_max_resume_seconds = 60;
  const ClientConfig client_config = quiet_config();
  Pair p(client_config, server_config);
  p.start();
  p.run();
  REQUIRE(p.client.stream_management().resumable());
  for (int i = 1; i <= 3; ++i)
    REQUIRE(send_message(p.client, i) == SendStatus::ok);
  REQUIRE(p.server().send_stanza(inbound_xml(1)));
  REQUIRE(p.server().send_stanza(inbound_xml(2)));
  p.run();
  REQUIRE(send_message(p.client, 4) == SendStatus::ok);
  p.cut();  // m4 was in flight: the server never got it
  const std::string saved = p.client.save_stream_management(p.now);
  const std::string id = p.client.stream_management().id();

  // The application restarts 3 s later: a new Client, same server world.
  p.advance(3s);
  p.client = Client(client_config);
  p.events.clear();
  p.stanzas.clear();
  p.client_written.clear();
  sm::RestoreError error = sm::RestoreError::truncated;
  REQUIRE(p.client.restore_stream_management(saved, 3s, p.now, &error) == CommandStatus::ok);
  CHECK(error == sm::RestoreError::ok);
  CHECK(p.client.resumption_pending());
  REQUIRE(p.client.stream_management().unacked().size() == 4);
  p.reconnect();
  p.run();
  CHECK(p.client_written.find(resume(id, 2)) != std::string::npos);
  const auto* online = p.find<event::Online>();
  REQUIRE(online != nullptr);
  CHECK(online->resumed);
  CHECK(online->jid.str() == kJid);
  REQUIRE(p.server().send_stanza(inbound_xml(3)));
  p.run();
  CHECK(p.stanzas.size() == 1);
  CHECK(p.client.stream_management().inbound_handled() == 3);
  const auto* session = p.server().sm_session();
  REQUIRE(session != nullptr);
  CHECK(session->id == id);
  REQUIRE(session->delivered.size() == 4);
  for (int i = 1; i <= 4; ++i)
    CHECK(session->delivered[i - 1] == message_xml(i));
  // 1..3 by <resumed h='3'/>, 4 by the answer to the <r/> after the re-send.
  CHECK(fates(p.events).acked == std::vector<std::uint64_t>{1, 2, 3, 4});
  check_reported_once(p.events, {1, 2, 3, 4});
}

TEST_CASE("sm resumption: a damaged saved state is refused with the reason, nothing changes") {
  Harness first(quiet_config());
  online_enabled(first);
  REQUIRE(send_message(first, 1) == SendStatus::ok);
  const std::string saved = first.client.save_stream_management(first.now);
  std::string damaged = saved;
  sm::RestoreError expected = sm::RestoreError::ok;
  SUBCASE("a flipped bit") {
    damaged[damaged.size() / 2] = static_cast<char>(damaged[damaged.size() / 2] ^ 0x10);
    expected = sm::RestoreError::checksum_mismatch;
  }
  SUBCASE("cut short") {
    damaged.resize(20);
    expected = sm::RestoreError::truncated;
  }
  SUBCASE("not a saved state") {
    damaged[0] = 'Y';
    expected = sm::RestoreError::bad_magic;
  }
  Harness h(quiet_config());
  sm::RestoreError error = sm::RestoreError::ok;
  CHECK(h.client.restore_stream_management(damaged, 0s, h.now, &error) ==
        CommandStatus::invalid_input);
  CHECK(error == expected);
  h.drain();
  CHECK(h.events.empty());
  CHECK_FALSE(h.client.resumption_pending());
  CHECK_FALSE(h.client.stream_management().enabled());
  CHECK(h.client.stream_management().unacked().empty());
  CHECK(bind(h) == kEnable);  // a new session
}

TEST_CASE("sm resumption: a restored session past its resumption time hands back at once") {
  Harness first(quiet_config());
  online_enabled(first);  // max='60'
  REQUIRE(send_message(first, 1) == SendStatus::ok);
  const std::string saved = first.client.save_stream_management(first.now);
  Harness h(quiet_config());
  REQUIRE(h.client.restore_stream_management(saved, 61s, h.now) == CommandStatus::ok);
  h.drain();
  CHECK(unconfirmed_once(h.events) == std::vector<std::uint64_t>{1});
  CHECK_FALSE(h.client.resumption_pending());
  CHECK(bind(h) == kEnable);
}

TEST_CASE("sm resumption: close() sends <a h/> before the closing tag; the session then ends") {
  Harness h(quiet_config());
  online_enabled(h);
  h.feed(inbound_xml(1));
  REQUIRE(send_message(h, 1) == SendStatus::ok);
  h.take_written();
  REQUIRE(h.client.close(h.now) == CommandStatus::ok);
  h.drain();
  // XEP-0198 §4, §7: our last h first, and a last request for what is unacknowledged.
  CHECK(h.take_written() == ack(1) + std::string(kRequest) + "</stream:stream>");
  SUBCASE("the server acknowledges before its closing tag") {
    h.feed(ack(1) + "</stream:stream>");
    CHECK(fates(h.events).acked == std::vector<std::uint64_t>{1});
    CHECK(fates(h.events).unconfirmed.empty());
  }
  SUBCASE("the server closes without acknowledging: handed back") {
    h.feed(std::string(kRequest) + "</stream:stream>");
    CHECK(h.take_written().empty());  // RFC 6120 §4.4: nothing after our closing tag
    CHECK(unconfirmed_once(h.events) == std::vector<std::uint64_t>{1});
  }
  CHECK(h.closed_reason() == CloseReason::local_close);
  CHECK_FALSE(h.client.resumption_pending());
  CHECK_FALSE(h.client.stream_management().resumable());
  check_reported_once(h.events, {1});
  // XEP-0198 §7: a cleanly closed stream is not resumable: the next connection binds afresh.
  const std::string next = authenticate(h, kSmBindFeatures);
  CHECK(next == bind_request(request_id(next)));
}

TEST_CASE("sm resumption: close() with nothing unacknowledged sends <a h/> and no <r/>") {
  Harness h(quiet_config());
  online_enabled(h);
  h.feed(inbound_xml(1) + inbound_xml(2));
  h.take_written();
  REQUIRE(h.client.close(h.now) == CommandStatus::ok);
  h.drain();
  CHECK(h.take_written() == ack(2) + "</stream:stream>");
}

}  // namespace xmpp::test
