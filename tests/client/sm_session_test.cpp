// Stream management (XEP-0198) end to end: the client engine against the test server's own
// XEP-0198 implementation, across lost connections, resumption and failed resumption.
#include <doctest/doctest.h>

#include "pair.hpp"
#include "sm_test_support.hpp"
#include "xmpp/xml/arena.hpp"
#include "xmpp/xml/builder.hpp"

namespace xmpp::test {
namespace {

using namespace std::chrono_literals;
using namespace smt;

ClientConfig sm_client_config() {
  auto config = test_config();
  config.mechanisms.assign(sasl::kDefaultPreference.begin(), sasl::kDefaultPreference.end());
  config.keepalive_interval = Duration::zero();
  return config;
}

testing::ServerConfig sm_server_config() {
  auto config = test_server_config();
  config.sm = true;
  config.sm_max_resume_seconds = 60;
  return config;
}

void online(Pair& p) {
  p.start();
  p.run();
  REQUIRE(count_online(p.events, false) == 1);
}

}  // namespace

TEST_CASE("sm: enabled after binding, stanzas acknowledged by the server's real h") {
  Pair p(sm_client_config(), sm_server_config());
  online(p);
  CHECK(p.client_written.find("<enable xmlns='urn:xmpp:sm:3' resume='true'/>") !=
        std::string::npos);
  CHECK(p.client.stream_management().enabled());
  CHECK(p.client.stream_management().resumable());
  for (int i = 1; i <= 7; ++i)
    REQUIRE(send_message(p.client, i) == SendStatus::ok);
  p.run();
  // The policy asks after 5 stanzas; the 6th and 7th wait for the age-based request.
  CHECK(fates(p.events).acked == std::vector<std::uint64_t>{1, 2, 3, 4, 5});
  CHECK(p.client.stream_management().unacked().size() == 2);
  p.advance(5s);
  p.run();
  CHECK(fates(p.events).acked == std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7});
  CHECK(p.client.stream_management().unacked().empty());
  CHECK(p.server().sm_session()->delivered.size() == 7);
}

TEST_CASE("sm: the server's stanzas are counted and its <r/> answered with our h") {
  auto server = sm_server_config();
  server.sm_request_every = 2;
  Pair p(sm_client_config(), server);
  online(p);
  for (int i = 0; i < 4; ++i)
    REQUIRE(p.server().send_stanza("<message from='bob@example.com/x'><body>" + std::to_string(i) +
                                   "</body></message>"));
  p.run();
  CHECK(p.stanzas.size() == 4);
  CHECK(p.client.stream_management().inbound_handled() == 4);
  CHECK(p.server().sm_session()->acked == 4);
  CHECK(p.client_written.find("<a xmlns='urn:xmpp:sm:3' h='4'/>") != std::string::npos);
}

TEST_CASE("sm: a lost link is resumed; unacked stanzas are re-sent once, nothing duplicated") {
  Pair p(sm_client_config(), sm_server_config());
  online(p);
  for (int i = 1; i <= 3; ++i)
    REQUIRE(send_message(p.client, i) == SendStatus::ok);
  p.run();
  p.cut();  // nothing acknowledged yet: 1..3 were delivered but the <a/> never came
  REQUIRE(p.closed_reason() == CloseReason::connection_lost);
  CHECK(p.client.resumption_pending());
  CHECK(fates(p.events).unconfirmed.empty());
  // Sent while disconnected: queued for the resumption.
  REQUIRE(send_message(p.client, 4) == SendStatus::ok);
  p.advance(1s);
  p.reconnect();
  p.run();
  CHECK(count_online(p.events, true) == 1);
  CHECK(p.client.phase() == ClientPhase::online);
  CHECK(p.client.bound_jid()->str() == "alice@example.com/sansio");
  p.advance(5s);
  p.run();
  const Fates f = fates(p.events);
  CHECK(f.acked == std::vector<std::uint64_t>{1, 2, 3, 4});
  CHECK(f.unconfirmed.empty());
  const auto* session = p.server().sm_session();
  REQUIRE(session != nullptr);
  REQUIRE(session->delivered.size() == 4);
  CHECK(session->delivered[3].find("<body>4</body>") != std::string::npos);
}

TEST_CASE("sm: a failed resumption hands every unacknowledged stanza back exactly once") {
  Pair p(sm_client_config(), sm_server_config());
  online(p);
  for (int i = 1; i <= 2; ++i)
    REQUIRE(send_message(p.client, i) == SendStatus::ok);
  p.run();
  p.cut();
  REQUIRE(send_message(p.client, 3) == SendStatus::ok);
  p.advance(61s);  // beyond the server's 60 s: the client no longer even tries
  p.reconnect();
  p.run();
  const Fates f = fates(p.events);
  CHECK(f.acked.empty());
  CHECK(f.unconfirmed == std::vector<std::uint64_t>{1, 2, 3});
  CHECK(count_online(p.events, false) == 2);
  CHECK(p.client.stream_management().enabled());
  CHECK(p.client.stream_management().unacked().empty());
}

TEST_CASE("sm: <failed h/> from the server acknowledges what it handled, hands back the rest") {
  auto client = sm_client_config();
  Pair p(client, sm_server_config());
  online(p);
  for (int i = 1; i <= 3; ++i)
    REQUIRE(send_message(p.client, i) == SendStatus::ok);
  p.run();
  p.cut();
  // The client's own idea of the deadline is 60 s; the server forgets earlier.
  p.sessions.handle_timeout(p.now + 61s);
  p.now += 1s;
  p.reconnect();
  p.run();
  CHECK(p.client_written.find("<resume xmlns='urn:xmpp:sm:3'") != std::string::npos);
  const Fates f = fates(p.events);
  CHECK(f.acked.size() + f.unconfirmed.size() == 3);
  CHECK(count_online(p.events, false) == 2);
}

TEST_CASE("sm: close() sends a final <a/> and hands back what stays unacknowledged") {
  Pair p(sm_client_config(), sm_server_config());
  online(p);
  REQUIRE(p.server().send_stanza("<message from='bob@example.com/x'><body>x</body></message>"));
  REQUIRE(send_message(p.client, 1) == SendStatus::ok);
  p.run();
  REQUIRE(p.client.close(p.now) == CommandStatus::ok);
  p.run();
  const auto at = p.client_written.find("<a xmlns='urn:xmpp:sm:3' h='1'/>");
  CHECK(at != std::string::npos);
  CHECK(at < p.client_written.find("</stream:stream>"));
  const Fates f = fates(p.events);
  CHECK(f.acked.size() + f.unconfirmed.size() == 1);
  CHECK_FALSE(p.client.resumption_pending());
}

}  // namespace xmpp::test
