// Stream-management sessions across connections (XEP-0198 §5): a SessionStore shared by the
// Server of each connection, hibernation and expiry under a virtual clock, <resume/> with the
// re-sending of unacknowledged stanzas, and the ways a resumption fails.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include "server/link.hpp"
#include "server/server.hpp"
#include "server_test_util.hpp"

using namespace xmpp::test;
using namespace std::chrono_literals;
using xmpp::StreamErrorCondition;
using xmpp::testing::AckedStanza;
using xmpp::testing::SessionStore;
using xmpp::testing::SmSession;
using xmpp::testing::SmState;

namespace {

const xmpp::TimePoint kStart{std::chrono::seconds(1000)};

constexpr std::string_view kItemNotFound =
    "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>";

// Alice online on `server` with the resumable session "sm-1".
void enable_first(Server& server) {
  negotiate_online(server);
  REQUIRE(feed(server, kEnable).find("id='sm-1'") != std::string::npos);
}

}  // namespace

TEST_CASE("resumption: <resumed h/>, our unacknowledged stanzas again, one session throughout") {
  SessionStore store;
  store.handle_timeout(kStart);
  Server first(sm_config(), &store);
  enable_first(first);
  feed(first, "<message id='c1'/><message id='c2'/>");
  for (const char* id : {"s1", "s2", "s3"})
    first.send_stanza(std::string("<message id='") + id + "'/>");
  first.take_writes();
  feed(first, sm_ack("1"));
  // The connection dies in the middle of the client's fourth stanza.
  first.receive("<message id='c3'/><message id='c4'");
  first.send_stanza("<message id='s4'/>");  // lost with the connection
  first.connection_lost();
  CHECK(first.take_writes().empty());

  const SmSession* session = store.find("sm-1");
  REQUIRE(session != nullptr);
  CHECK(session->state == SmState::hibernating);
  CHECK(session->expires == kStart + 300s);
  CHECK(store.next_deadline() == kStart + 300s);
  CHECK(session->handled == 3);
  // What the server application gives the hibernating session waits for the resumed stream.
  CHECK(store.send_stanza("sm-1", "<message id='s5'/>"));
  CHECK(session->pending.size() == 1);

  store.handle_timeout(kStart + 10s);
  Server second(sm_config(), &store);
  authenticate(second);
  // The client saw s1 and s2: h='2'.
  CHECK(second.receive(sm_resume("sm-1", "2")) == sm_resume("sm-1", "2").size());
  CHECK(second.take_writes() ==
        std::vector<std::string>{"<resumed xmlns='urn:xmpp:sm:3' previd='sm-1' h='3'/>",
                                 "<message id='s3'/>", "<message id='s4'/>", "<message id='s5'/>"});
  CHECK(second.phase() == ServerPhase::online);
  CHECK(second.sm_enabled());
  CHECK(second.bound_jid()->str() == "alice@example.com/phone");
  CHECK(session->state == SmState::active);
  CHECK(session->sent() == 5);
  CHECK(session->pending.empty());
  CHECK(session->acked_log ==
        std::vector<AckedStanza>{{1, "<message id='s1'/>"}, {2, "<message id='s2'/>"}});

  // The client learnt h='3' and sends its fourth stanza again, whole.
  feed(second, "<message id='c4'/>");
  CHECK(feed(second, kRequest) == "<a xmlns='urn:xmpp:sm:3' h='4'/>");
  CHECK(session->delivered == std::vector<std::string>{"<message id='c1'/>", "<message id='c2'/>",
                                                       "<message id='c3'/>", "<message id='c4'/>"});
  feed(second, sm_ack("5"));
  CHECK(session->unacked.empty());
  REQUIRE(session->acked_log.size() == 5);
  CHECK(session->acked_log[4] == AckedStanza{5, "<message id='s5'/>"});
  CHECK(first.sm_session() == session);  // still readable from the old connection
  CHECK_FALSE(first.sm_enabled());
}

TEST_CASE("our <r/> follows the stanzas re-sent on resumption when acks are requested") {
  SessionStore store;
  auto config = sm_config();
  config.sm_request_every = 5;
  Server first(config, &store);
  enable_first(first);
  first.send_stanza("<message/>");
  first.receive_eof();
  Server second(config, &store);
  authenticate(second);
  CHECK(second.receive(sm_resume("sm-1", "0")) > 0);
  CHECK(second.take_writes() ==
        std::vector<std::string>{"<resumed xmlns='urn:xmpp:sm:3' previd='sm-1' h='0'/>",
                                 "<message/>", "<r xmlns='urn:xmpp:sm:3'/>"});
}

TEST_CASE("hibernation ends: the session expires, <failed h/> tells what the server handled") {
  SessionStore store;
  store.handle_timeout(kStart);
  auto config = sm_config();
  config.sm_max_resume_seconds = 60;
  Server first(config, &store);
  enable_first(first);
  feed(first, "<message id='c1'/><presence/>");
  first.receive_eof();
  store.handle_timeout(kStart + 59s);
  CHECK(store.find("sm-1")->state == SmState::hibernating);
  CHECK(store.next_deadline() == kStart + 60s);
  store.handle_timeout(kStart + 30s);  // the clock never goes back
  CHECK(store.now() == kStart + 59s);
  store.handle_timeout(kStart + 60s);
  CHECK(store.find("sm-1")->state == SmState::expired);
  CHECK_FALSE(store.next_deadline().has_value());
  CHECK_FALSE(store.send_stanza("sm-1", "<message/>"));

  Server second(config, &store);
  authenticate(second);
  CHECK(feed(second, sm_resume("sm-1", "0")) ==
        "<failed xmlns='urn:xmpp:sm:3' h='2'>" + std::string(kItemNotFound));
  // XEP-0198 §5: the client may bind at once, and enable a new session.
  CHECK(second.phase() == ServerPhase::awaiting_bind);
  feed(second, bind_request("b2", "phone"));
  CHECK(feed(second, kEnable).find("id='sm-2'") != std::string::npos);

  // A zero window: lost means expired.
  config.sm_max_resume_seconds = 0;
  Server brief(config, &store);
  negotiate_online(brief);
  feed(brief, kEnable);
  brief.receive_eof();
  CHECK(brief.sm_session()->state == SmState::expired);
}

TEST_CASE("unknown ids and other users' sessions: item-not-found, revealing nothing") {
  SessionStore store;
  Server first(sm_config(), &store);
  enable_first(first);
  feed(first, "<message/>");
  first.connection_lost();

  Server bob(sm_config(), &store);
  authenticate(bob, "bob", "b0b");
  const std::string refused = "<failed xmlns='urn:xmpp:sm:3'>" + std::string(kItemNotFound);
  CHECK(feed(bob, sm_resume("sm-1", "0")) == refused);
  CHECK(feed(bob, sm_resume("sm-99", "0")) == refused);
  CHECK(bob.phase() == ServerPhase::awaiting_bind);
  CHECK(store.find("sm-1")->state == SmState::hibernating);

  // Alice still can.
  Server alice(sm_config(), &store);
  authenticate(alice);
  CHECK(feed(alice, sm_resume("sm-1", "0")).starts_with("<resumed "));
}

TEST_CASE("a session still served elsewhere is taken over: that stream ends with conflict") {
  SessionStore store;
  Server first(sm_config(), &store);
  enable_first(first);
  first.send_stanza("<message id='s1'/>");
  first.take_writes();

  Server second(sm_config(), &store);
  authenticate(second);
  CHECK(second.receive(sm_resume("sm-1", "0")) > 0);
  CHECK(second.take_writes() ==
        std::vector<std::string>{"<resumed xmlns='urn:xmpp:sm:3' previd='sm-1' h='0'/>",
                                 "<message id='s1'/>"});
  CHECK(first.error_sent() == StreamErrorCondition::conflict);
  CHECK(first.phase() == ServerPhase::closed);
  CHECK(joined(first.take_writes()).starts_with("<stream:error><conflict "));
  CHECK_FALSE(first.sm_enabled());
  // The old connection's end no longer touches the session.
  first.connection_lost();
  const SmSession* session = store.find("sm-1");
  CHECK(session->state == SmState::active);
  CHECK(store.send_stanza("sm-1", "<message id='s2'/>"));
  CHECK(second.take_writes() == std::vector<std::string>{"<message id='s2'/>"});
}

TEST_CASE("sessions that cannot be resumed: closed cleanly, not resumable, resumption off") {
  SessionStore store;
  Server closed(sm_config(), &store);
  enable_first(closed);
  feed(closed, "<message/>");
  feed(closed, kClose);
  CHECK(store.find("sm-1")->state == SmState::ended);

  Server plain(sm_config(), &store);
  negotiate_online(plain);
  feed(plain, "<enable xmlns='urn:xmpp:sm:3'/>");
  REQUIRE(plain.sm_session()->id == "sm-2");
  plain.connection_lost();
  CHECK(plain.sm_session()->state == SmState::ended);

  Server later(sm_config(), &store);
  authenticate(later);
  CHECK(feed(later, sm_resume("sm-1", "0")) ==
        "<failed xmlns='urn:xmpp:sm:3' h='1'>" + std::string(kItemNotFound));
  CHECK(feed(later, sm_resume("sm-2", "0")) ==
        "<failed xmlns='urn:xmpp:sm:3' h='0'>" + std::string(kItemNotFound));

  auto config = sm_config();
  config.sm_resume = false;
  Server off(config, &store);
  authenticate(off);
  CHECK(feed(off, sm_resume("sm-1", "0")) ==
        "<failed xmlns='urn:xmpp:sm:3'>"
        "<feature-not-implemented xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>");
}

TEST_CASE("a resumption acknowledging too much ends the stream and leaves the session alone") {
  SessionStore store;
  Server first(sm_config(), &store);
  enable_first(first);
  first.send_stanza("<message/>");
  first.connection_lost();

  Server second(sm_config(), &store);
  authenticate(second);
  second.receive(sm_resume("sm-1", "2"));
  CHECK(second.error_sent() == StreamErrorCondition::undefined_condition);
  CHECK(joined(second.take_writes())
            .find("<handled-count-too-high xmlns='urn:xmpp:sm:3' h='2' send-count='1'/>") !=
        std::string::npos);
  CHECK(store.find("sm-1")->state == SmState::hibernating);

  for (const std::string& bad :
       {std::string("<resume xmlns='urn:xmpp:sm:3' h='0'/>"),
        std::string("<resume xmlns='urn:xmpp:sm:3' previd='sm-1'/>"), sm_resume("sm-1", "-1")}) {
    INFO(bad);
    Server malformed(sm_config(), &store);
    authenticate(malformed);
    malformed.receive(bad);
    CHECK(malformed.error_sent() == StreamErrorCondition::bad_format);
  }
  // Before authentication there is nothing to resume.
  Server early(sm_config(), &store);
  to_secure_features(early);
  early.receive(sm_resume("sm-1", "0"));
  CHECK(early.error_sent() == StreamErrorCondition::unsupported_stanza_type);
  CHECK(store.find("sm-1")->state == SmState::hibernating);
}

TEST_CASE("a Server destroyed while serving a session counts as a lost connection") {
  SessionStore store;
  {
    Server gone(sm_config(), &store);
    enable_first(gone);
  }
  CHECK(store.find("sm-1")->state == SmState::hibernating);
  CHECK(store.sessions().size() == 1);
}

TEST_CASE("wraparound: a planted session near 2^32 resumes and both counts cross zero") {
  SessionStore store;
  SmSession saved;
  saved.id = "saved-1";
  saved.user = "alice";
  saved.jid = xmpp::Jid::parse("alice@example.com/phone");
  saved.resumable = true;
  saved.max_seconds = 600;
  saved.handled = 4294967294u;
  saved.acked = 4294967295u;
  saved.unacked = {"<message id='x'/>", "<message id='y'/>"};
  REQUIRE(store.insert(saved));
  CHECK_FALSE(store.insert(saved));  // the id is taken
  SmSession nameless = saved;
  nameless.id.clear();
  CHECK_FALSE(store.insert(nameless));
  SmSession jidless = saved;
  jidless.id = "saved-2";
  jidless.jid.reset();
  CHECK_FALSE(store.insert(jidless));

  Server server(sm_config(), &store);
  authenticate(server);
  // h='0' acknowledges x, number 2^32 wrapped to 0.
  CHECK(server.receive(sm_resume("saved-1", "0")) > 0);
  CHECK(server.take_writes() ==
        std::vector<std::string>{"<resumed xmlns='urn:xmpp:sm:3' previd='saved-1' h='4294967294'/>",
                                 "<message id='y'/>"});
  const SmSession* session = store.find("saved-1");
  CHECK(session->acked_log == std::vector<AckedStanza>{{0, "<message id='x'/>"}});
  feed(server, "<message/><message/><message/>");
  CHECK(feed(server, kRequest) == "<a xmlns='urn:xmpp:sm:3' h='1'/>");
  server.send_stanza("<message id='z'/>");
  CHECK(session->sent() == 2);
  feed(server, sm_ack("2"));
  CHECK(session->acked_log == std::vector<AckedStanza>{{0, "<message id='x'/>"},
                                                       {1, "<message id='y'/>"},
                                                       {2, "<message id='z'/>"}});
  // Our ids skip the ones a test planted.
  SmSession planted = saved;
  planted.id = "sm-1";
  REQUIRE(store.insert(planted));
  Server other(sm_config(), &store);
  negotiate_online(other);
  CHECK(feed(other, kEnable).find("id='sm-2'") != std::string::npos);
}

TEST_CASE("over a link cut in the middle of a stanza: the server handled what arrived whole") {
  using xmpp::testing::Direction;
  using xmpp::testing::Link;
  SessionStore store;
  xmpp::TimePoint now = kStart;
  store.handle_timeout(now);
  Server first(sm_config(), &store);
  enable_first(first);

  Link link(42);
  link.shape(Direction::to_server, {5ms, 20ms, 4});
  const std::string bytes = "<message id='c1'/><message id='c2'/><message id='c3'/>";
  link.cut_at(Direction::to_server, 25);  // inside c2
  link.send(Direction::to_server, bytes, now);
  CHECK(link.dead());
  while (const auto next = link.next_event_time()) {
    now = *next;
    store.handle_timeout(now);
    const std::string arrived = link.deliverable(Direction::to_server, now);
    CHECK(first.receive(arrived) == arrived.size());
  }
  REQUIRE(link.eof(Direction::to_server));
  first.connection_lost();
  CHECK(first.received_stanzas() == std::vector<std::string>{"<message id='c1'/>"});
  CHECK(store.find("sm-1")->expires == now + 300s);

  Server second(sm_config(), &store);
  authenticate(second);
  CHECK(feed(second, sm_resume("sm-1", "0")) ==
        "<resumed xmlns='urn:xmpp:sm:3' previd='sm-1' h='1'/>");
  feed(second, "<message id='c2'/><message id='c3'/>");
  CHECK(store.find("sm-1")->delivered ==
        std::vector<std::string>{"<message id='c1'/>", "<message id='c2'/>", "<message id='c3'/>"});
}
