// The test server's XEP-0198 stream management on one connection, driven with the client's
// bytes written by hand: the feature, <enable/> and <enabled/>, counting, acks both ways, the
// errors of §3, §4 and §6.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "server/server.hpp"
#include "server_test_util.hpp"

using namespace xmpp::test;
using xmpp::StreamErrorCondition;
using xmpp::testing::SmState;

namespace {

constexpr std::string_view kMessage = "<message to='bob@example.com'><body>1</body></message>";

// Online with stream management enabled (resumable unless `enable` says otherwise).
void enable(Server& server, std::string_view enable = kEnable) {
  negotiate_online(server);
  REQUIRE(feed(server, enable).starts_with("<enabled "));
  REQUIRE(server.sm_enabled());
}

// The server's last write.
std::string last_write(Server& server) {
  const auto writes = server.take_writes();
  REQUIRE_FALSE(writes.empty());
  return writes.back();
}

}  // namespace

TEST_CASE("the feature is offered after authentication only, and only when configured") {
  Server server(sm_config());
  CHECK(to_secure_features(server).find("urn:xmpp:sm:3") == std::string::npos);
  Server authenticated(sm_config());
  CHECK(authenticate(authenticated)
            .ends_with("<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
                       "<sm xmlns='urn:xmpp:sm:3'/></stream:features>"));
  Server without({});
  CHECK(authenticate(without).find("urn:xmpp:sm:3") == std::string::npos);
}

TEST_CASE("<enable/> after binding: <enabled/> with id, resume, max and location") {
  auto config = sm_config();
  config.sm_location = "[2001:db8::1]:5222";
  Server server(config);
  negotiate_online(server);
  CHECK_FALSE(server.sm_enabled());
  CHECK(server.sm_session() == nullptr);
  CHECK(feed(server, kEnable) ==
        "<enabled xmlns='urn:xmpp:sm:3' id='sm-1' resume='true' max='300' "
        "location='[2001:db8::1]:5222'/>");
  REQUIRE(server.sm_enabled());
  const auto* session = server.sm_session();
  REQUIRE(session != nullptr);
  CHECK(session->id == "sm-1");
  CHECK(session->user == "alice");
  CHECK(session->jid->str() == "alice@example.com/phone");
  CHECK(session->resumable);
  CHECK(session->state == SmState::active);
  CHECK(server.sessions().find("sm-1") == session);

  // resume='1' counts too; the client's smaller max wins, a larger one does not.
  for (const auto& [attributes, max] :
       {std::pair{" resume='1' max='60'", "60"}, std::pair{" resume='true' max='9999'", "300"},
        std::pair{" resume='true' max='0'", "300"}, std::pair{" resume='true' max='x'", "300"}}) {
    Server other(sm_config());
    negotiate_online(other);
    CHECK(feed(other, "<enable xmlns='urn:xmpp:sm:3'" + std::string(attributes) + "/>") ==
          "<enabled xmlns='urn:xmpp:sm:3' id='sm-1' resume='true' max='" + std::string(max) +
              "'/>");
  }
}

TEST_CASE("<enable/> without resumption: no id; resumption switched off in the server") {
  Server server(sm_config());
  negotiate_online(server);
  CHECK(feed(server, "<enable xmlns='urn:xmpp:sm:3' resume='false'/>") ==
        "<enabled xmlns='urn:xmpp:sm:3'/>");
  CHECK_FALSE(server.sm_session()->resumable);

  auto config = sm_config();
  config.sm_resume = false;
  Server refusing(config);
  negotiate_online(refusing);
  CHECK(feed(refusing, kEnable) == "<enabled xmlns='urn:xmpp:sm:3'/>");
  CHECK(refusing.sm_enabled());
}

TEST_CASE("<enable/> before binding is refused with unexpected-request; binding still works") {
  Server server(sm_config());
  authenticate(server);
  CHECK(feed(server, kEnable) ==
        "<failed xmlns='urn:xmpp:sm:3'>"
        "<unexpected-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>");
  CHECK(server.phase() == ServerPhase::awaiting_bind);
  CHECK_FALSE(server.sm_enabled());
  feed(server, bind_request("b1", "phone"));
  CHECK(server.phase() == ServerPhase::online);
  CHECK(feed(server, kEnable).starts_with("<enabled "));
}

TEST_CASE("a second <enable/> ends the stream; <resume/> after binding is refused") {
  Server server(sm_config());
  enable(server);
  CHECK(feed(server, "<resume xmlns='urn:xmpp:sm:3' previd='sm-1' h='0'/>") ==
        "<failed xmlns='urn:xmpp:sm:3'>"
        "<unexpected-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>");
  CHECK(server.phase() == ServerPhase::online);
  server.receive(kEnable);
  CHECK(server.error_sent() == StreamErrorCondition::policy_violation);
  CHECK(server.phase() == ServerPhase::closed);
  // A stream error ends the session: it cannot be resumed.
  CHECK(server.sm_session()->state == SmState::ended);
  CHECK_FALSE(server.sm_enabled());
}

TEST_CASE("counting: stanzas only, from <enable/> on; <r/> is answered with <a h/>") {
  Server server(sm_config());
  negotiate_online(server);
  feed(server, kMessage);  // before <enable/>: delivered on this stream, never counted
  feed(server, kEnable);
  CHECK(feed(server, kRequest) == "<a xmlns='urn:xmpp:sm:3' h='0'/>");
  feed(server, std::string(kMessage) +
                   "<presence/><iq type='get' id='q'><ping xmlns='urn:xmpp:ping'/></iq>");
  CHECK(feed(server, kRequest) == "<a xmlns='urn:xmpp:sm:3' h='3'/>");
  // <r/> and <a/> are nonzas: never counted.
  CHECK(feed(server, kRequest) == "<a xmlns='urn:xmpp:sm:3' h='3'/>");
  feed(server, "<iq type='set' id='s'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>");
  CHECK(feed(server, kRequest) == "<a xmlns='urn:xmpp:sm:3' h='4'/>");

  const auto* session = server.sm_session();
  CHECK(session->handled == 4);
  // The application saw the three counted stanzas (the session request is the server's own).
  CHECK(session->delivered ==
        std::vector<std::string>{std::string(kMessage), "<presence/>",
                                 "<iq type='get' id='q'><ping xmlns='urn:xmpp:ping'/></iq>"});
  CHECK(server.received_stanzas().size() == 4);  // the connection's record has all
}

TEST_CASE("<r/> or <a/> before <enable/> ends the stream; so does an unknown SM element") {
  for (const std::string& bytes :
       {std::string(kRequest), sm_ack("0"), std::string("<enabled xmlns='urn:xmpp:sm:3'/>")}) {
    INFO(bytes);
    Server server(sm_config());
    negotiate_online(server);
    server.receive(bytes);
    CHECK(server.error_sent() == StreamErrorCondition::unsupported_stanza_type);
  }
  Server before_bind(sm_config());
  authenticate(before_bind);
  before_bind.receive(kRequest);
  CHECK(before_bind.error_sent() == StreamErrorCondition::unsupported_stanza_type);
}

TEST_CASE("without the feature, SM elements are stanzas like any other (the old behaviour)") {
  Server server({});
  negotiate_online(server);
  CHECK(feed(server, kEnable).empty());
  CHECK(server.received_stanzas() == std::vector<std::string>{std::string(kEnable)});
  CHECK_FALSE(server.sm_enabled());
}

TEST_CASE("our stanzas: counted, kept until acked, trimmed by the client's <a h/>") {
  Server server(sm_config());
  CHECK_FALSE(server.send_stanza("<message/>"));  // not online
  enable(server);
  CHECK_FALSE(server.send_stanza(""));
  for (const char* body : {"one", "two", "three"})
    REQUIRE(server.send_stanza(std::string("<message><body>") + body + "</body></message>"));
  CHECK(server.take_writes() == std::vector<std::string>{"<message><body>one</body></message>",
                                                         "<message><body>two</body></message>",
                                                         "<message><body>three</body></message>"});
  const auto* session = server.sm_session();
  CHECK(session->sent() == 3);
  CHECK(session->unacked.size() == 3);

  CHECK(feed(server, sm_ack("2")).empty());
  CHECK(session->acked == 2);
  CHECK(session->unacked == std::deque<std::string>{"<message><body>three</body></message>"});
  REQUIRE(session->acked_log.size() == 2);
  CHECK(session->acked_log[0] ==
        xmpp::testing::AckedStanza{1, "<message><body>one</body></message>"});
  CHECK(session->acked_log[1].seq == 2);
  // The same h again acknowledges nothing new; then the rest.
  feed(server, sm_ack("2"));
  CHECK(session->acked_log.size() == 2);
  feed(server, sm_ack("3"));
  CHECK(session->unacked.empty());
  CHECK(session->acked_log.size() == 3);
  CHECK(server.phase() == ServerPhase::online);
}

TEST_CASE("our own <r/>: on request, and every N stanzas sent") {
  Server idle(sm_config());
  CHECK_FALSE(idle.request_ack());
  negotiate_online(idle);
  CHECK_FALSE(idle.request_ack());  // not enabled
  feed(idle, kEnable);
  REQUIRE(idle.request_ack());
  CHECK(idle.take_writes() == std::vector<std::string>{"<r xmlns='urn:xmpp:sm:3'/>"});

  auto config = sm_config();
  config.sm_request_every = 2;
  Server server(config);
  enable(server);
  for (int i = 0; i < 5; ++i)
    server.send_stanza("<message/>");
  CHECK(server.take_writes() == std::vector<std::string>{"<message/>", "<message/>",
                                                         "<r xmlns='urn:xmpp:sm:3'/>", "<message/>",
                                                         "<message/>", "<r xmlns='urn:xmpp:sm:3'/>",
                                                         "<message/>"});
}

TEST_CASE("an ack for more than was sent, or going backwards, is handled-count-too-high") {
  Server server(sm_config());
  enable(server);
  server.send_stanza("<message/>");
  server.take_writes();
  server.receive(sm_ack("2"));
  CHECK(server.error_sent() == StreamErrorCondition::undefined_condition);
  CHECK(server.error_text() == "h='2' acknowledges more than the 1 stanzas sent (XEP-0198 §6)");
  CHECK(last_write(server) ==
        "<stream:error><undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
        "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>h='2' acknowledges more than the 1 "
        "stanzas sent (XEP-0198 §6)</text>"
        "<handled-count-too-high xmlns='urn:xmpp:sm:3' h='2' send-count='1'/>"
        "</stream:error></stream:stream>");
  CHECK(server.sm_session()->state == SmState::ended);

  Server backwards(sm_config());
  enable(backwards);
  backwards.send_stanza("<message/>");
  backwards.send_stanza("<message/>");
  feed(backwards, sm_ack("2"));
  backwards.receive(sm_ack("1"));
  CHECK(backwards.error_sent() == StreamErrorCondition::undefined_condition);
  CHECK(last_write(backwards).find("h='1' send-count='2'") != std::string::npos);
}

TEST_CASE("an h that is not an unsigned 32-bit count is bad-format") {
  for (const char* h : {"", "-1", "4294967296", "1.0", " 1", "+1", "99999999999999999999"}) {
    INFO(h);
    Server server(sm_config());
    enable(server);
    server.receive(sm_ack(h));
    CHECK(server.error_sent() == StreamErrorCondition::bad_format);
  }
  Server missing(sm_config());
  enable(missing);
  missing.receive("<a xmlns='urn:xmpp:sm:3'/>");
  CHECK(missing.error_sent() == StreamErrorCondition::bad_format);
  // The largest count is fine (and here too high, since nothing was sent).
  Server largest(sm_config());
  enable(largest);
  largest.receive(sm_ack("4294967295"));
  CHECK(largest.error_sent() == StreamErrorCondition::undefined_condition);
}

TEST_CASE("after our closing tag: the client's stanzas and acks still count, <r/> is silent") {
  Server server(sm_config());
  enable(server);
  server.send_stanza("<message/>");
  server.take_writes();
  REQUIRE(server.close());
  server.take_writes();
  CHECK(feed(server, std::string(kMessage) + std::string(kRequest) + sm_ack("1")).empty());
  const auto* session = server.sm_session();
  CHECK(session->handled == 1);
  CHECK(session->unacked.empty());
  CHECK_FALSE(server.send_stanza("<message/>"));
  CHECK(feed(server, kClose).empty());
  CHECK(session->state == SmState::ended);  // closed cleanly: not resumable
}

TEST_CASE("the rewrite hook sees the SM writes") {
  std::vector<ServerStep> steps;
  auto config = sm_config();
  config.rewrite = [&](ServerStep step, std::string& bytes) {
    steps.push_back(step);
    if (step == ServerStep::sm_ack) bytes = "<a xmlns='urn:xmpp:sm:3' h='77'/>";
  };
  Server server(config);
  negotiate_online(server);
  steps.clear();
  feed(server, kEnable);
  CHECK(feed(server, kRequest) == "<a xmlns='urn:xmpp:sm:3' h='77'/>");
  server.request_ack();
  CHECK(steps == std::vector<ServerStep>{ServerStep::sm_enabled, ServerStep::sm_ack,
                                         ServerStep::sm_request});
  CHECK(to_string(ServerStep::sm_resumed) == "sm_resumed");
  CHECK(to_string(SmState::hibernating) == "hibernating");
}
