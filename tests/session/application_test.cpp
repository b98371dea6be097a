// The Session's application layer (SessionConfig::app): automatic answers, routes, roster pushes
// and their sender check, subscriptions, initial presence, the keepalive ping, CSI, across
// resumption and fresh sessions.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "world.hpp"
#include "xmpp/stanza/namespaces.hpp"
#include "xmpp/xml/builder.hpp"

namespace xmpp::test {
namespace {

using namespace std::chrono_literals;

// What the server took in on the current connection that has attribute id='`id`'.
std::vector<std::string> replies_to(World& w, std::string_view id) {
  std::vector<std::string> out;
  for (const std::string& s : w.server()->received_stanzas()) {
    if (attribute_of(s, "id") == id) out.push_back(s);
  }
  return out;
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

std::size_t count_of(std::string_view haystack, std::string_view needle) {
  std::size_t n = 0;
  for (std::size_t at = haystack.find(needle); at != std::string_view::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

// Serves the roster query with `items` and answers nothing else.
std::function<void(World&, const std::string&)> roster_server(std::string items) {
  return [items](World& w, const std::string& stanza) {
    if (stanza.rfind("<iq", 0) != 0 || !contains(stanza, "jabber:iq:roster")) return;
    if (attribute_of(stanza, "type") != "get") return;
    CHECK(w.server_send("<iq type='result' id='" + attribute_of(stanza, "id") +
                        "'><query xmlns='jabber:iq:roster' ver='v1'>" + items + "</query></iq>"));
  };
}

}  // namespace

TEST_CASE("application: an IQ request nobody handles is answered with service-unavailable") {
  std::vector<std::string> seen;
  SessionHooks hooks;
  hooks.on_stanza = [&](Session&, xml::Element e) {
    seen.emplace_back(e.attribute_or_empty("id"));
  };
  World w(session_test_config(), session_server_config(), hooks);
  w.start();
  REQUIRE(
      w.server_send("<iq type='get' id='u1' from='bob@example.com/pc'>"
                    "<query xmlns='urn:example:unknown'/></iq>"));
  REQUIRE(w.server_send("<iq type='set' id='u2'><query xmlns='urn:example:unknown'/></iq>"));
  // RFC 6120 §8.4: results and errors are never answered; nor are messages and presence.
  REQUIRE(w.server_send("<iq type='result' id='u3' from='bob@example.com/pc'/>"));
  REQUIRE(
      w.server_send("<iq type='error' id='u4' from='bob@example.com/pc'><error "
                    "type='cancel'><item-not-found "
                    "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"));
  REQUIRE(w.server_send("<message id='u5' from='bob@example.com/pc'><body>hi</body></message>"));
  REQUIRE(w.server_send("<presence id='u6' from='bob@example.com/pc'/>"));
  w.run();
  CHECK(seen == std::vector<std::string>{"u1", "u2", "u3", "u4", "u5", "u6"});

  const auto u1 = replies_to(w, "u1");
  REQUIRE(u1.size() == 1);
  CHECK(attribute_of(u1[0], "type") == "error");
  CHECK(attribute_of(u1[0], "to") == "bob@example.com/pc");
  CHECK(contains(u1[0], "<error type='cancel'><service-unavailable"));
  const auto u2 = replies_to(w, "u2");
  REQUIRE(u2.size() == 1);
  CHECK(attribute_of(u2[0], "to").empty());  // it had no from: it came from the account
  for (const char* id : {"u3", "u4", "u5", "u6"})
    CHECK(replies_to(w, id).empty());
}

TEST_CASE("application: switched off, unhandled IQ requests are left to the application") {
  SessionConfig config = session_test_config();
  config.app.answer_unhandled_iqs = false;
  int seen = 0;
  SessionHooks hooks;
  hooks.on_stanza = [&](Session&, xml::Element) { ++seen; };
  World w(std::move(config), session_server_config(), hooks);
  w.start();
  REQUIRE(
      w.server_send("<iq type='get' id='u1' from='bob@example.com/pc'>"
                    "<query xmlns='urn:example:unknown'/></iq>"));
  w.run();
  CHECK(seen == 1);
  CHECK(replies_to(w, "u1").empty());
}

TEST_CASE("application: a malformed IQ request is shown, answered with bad-request, not routed") {
  int routed = 0;
  int seen = 0;
  SessionHooks hooks;
  hooks.on_stanza = [&](Session&, xml::Element) { ++seen; };
  World w(session_test_config(), session_server_config(), hooks);
  w.session.router().add_catch_all([&](Session&, xml::Element) { ++routed; });
  w.start();
  REQUIRE(w.server_send("<iq type='get' id='b1' from='bob@example.com/pc'/>"));
  REQUIRE(
      w.server_send("<iq type='set' id='b2' from='bob@example.com/pc'><a xmlns='urn:x'/>"
                    "<b xmlns='urn:x'/></iq>"));
  w.run();
  CHECK(routed == 0);
  CHECK(seen == 2);
  for (const char* id : {"b1", "b2"}) {
    const auto r = replies_to(w, id);
    REQUIRE(r.size() == 1);
    CHECK(contains(r[0], "<bad-request"));
    CHECK(contains(r[0], "type='modify'"));
  }
}

TEST_CASE("application: pings, disco#info and the software version are answered") {
  SessionConfig config = session_test_config();
  config.app.features = {"urn:xmpp:receipts", "urn:xmpp:receipts"};
  config.app.identities = {DiscoIdentity{"client", "bot", "Test bot", "en"}};
  SUBCASE("version off by default") {}
  SUBCASE("version on") {
    config.app.software_version = SoftwareVersion{"xmpp-sansio", "1.0", ""};
  }
  const bool version_on = config.app.software_version.has_value();
  World w(std::move(config), session_server_config());
  w.start();
  REQUIRE(w.session.add_disco_feature("urn:example:late") == CommandStatus::ok);
  CHECK(w.session.add_disco_feature("") == CommandStatus::invalid_input);
  REQUIRE(
      w.server_send("<iq type='get' id='p1' from='example.com'><ping xmlns='urn:xmpp:ping'/>"
                    "</iq>"));
  REQUIRE(
      w.server_send("<iq type='get' id='d1' from='bob@example.com/pc'><query "
                    "xmlns='http://jabber.org/protocol/disco#info'/></iq>"));
  REQUIRE(
      w.server_send("<iq type='get' id='d2' from='bob@example.com/pc'><query "
                    "xmlns='http://jabber.org/protocol/disco#info' node='urn:x#1'/></iq>"));
  REQUIRE(
      w.server_send("<iq type='get' id='v1' from='bob@example.com/pc'><query "
                    "xmlns='jabber:iq:version'/></iq>"));
  w.run();

  const auto p1 = replies_to(w, "p1");
  REQUIRE(p1.size() == 1);
  CHECK(p1[0] == "<iq type='result' id='p1' to='example.com'/>");

  const auto d1 = replies_to(w, "d1");
  REQUIRE(d1.size() == 1);
  CHECK(attribute_of(d1[0], "type") == "result");
  CHECK(contains(d1[0], "<identity category='client' type='bot' name='Test bot' xml:lang='en'/>"));
  // XEP-0030 §3.1: each feature once, the library's and the application's.
  CHECK(count_of(d1[0], "var='urn:xmpp:receipts'") == 1);
  CHECK(contains(d1[0], "var='urn:example:late'"));
  CHECK(contains(d1[0], "var='http://jabber.org/protocol/disco#info'"));
  CHECK(contains(d1[0], "var='urn:xmpp:ping'"));
  CHECK(contains(d1[0], "var='jabber:iq:version'") == version_on);

  // A node is the application's business: nobody handles it here.
  const auto d2 = replies_to(w, "d2");
  REQUIRE(d2.size() == 1);
  CHECK(contains(d2[0], "<service-unavailable"));

  const auto v1 = replies_to(w, "v1");
  REQUIRE(v1.size() == 1);
  if (version_on) {
    CHECK(contains(v1[0], "<name>xmpp-sansio</name><version>1.0</version></query>"));
  } else {
    CHECK(contains(v1[0], "<service-unavailable"));  // XEP-0092 off: privacy
  }
}

TEST_CASE("application: duties switched off leave pings and disco to the routes") {
  SessionConfig config = session_test_config();
  config.app.answer_pings = false;
  config.app.answer_disco_info = false;
  std::vector<std::string> routed;
  World w(std::move(config), session_server_config());
  w.session.router().add(
      Route().kind(stanza::Kind::iq).payload("ping", "urn:xmpp:ping"),
      [&](Session&, xml::Element e) { routed.emplace_back(e.attribute_or_empty("id")); });
  w.start();
  REQUIRE(
      w.server_send("<iq type='get' id='p1' from='example.com'><ping xmlns='urn:xmpp:ping'/>"
                    "</iq>"));
  REQUIRE(
      w.server_send("<iq type='get' id='d1' from='example.com'><query "
                    "xmlns='http://jabber.org/protocol/disco#info'/></iq>"));
  w.run();
  CHECK(routed == std::vector<std::string>{"p1"});
  CHECK(replies_to(w, "p1").empty());  // the route took it: its answer is the handler's
  const auto d1 = replies_to(w, "d1");
  REQUIRE(d1.size() == 1);
  CHECK(contains(d1[0], "<service-unavailable"));
}

TEST_CASE("application: routes are tried in order; a handler awaits the result of its own IQ") {
  std::vector<std::string> log;
  World w(session_test_config(), session_server_config());
  w.on_server_stanza = [](World& world, const std::string& stanza) {
    if (attribute_of(stanza, "id") == "req" && attribute_of(stanza, "type") == "get") {
      CHECK(world.server_send("<iq type='result' id='req' from='carol@example.com/x'/>"));
    }
  };
  Router& router = w.session.router();
  router.add(Route().kind(stanza::Kind::message).type("chat").from(*Jid::parse("bob@example.com")),
             [&](Session& s, xml::Element e) {
               log.push_back("bob-chat:" + std::string(e.child("body").text()));
               xml::Arena arena;
               const auto sent = s.send_iq(
                   ping_iq(arena, "carol@example.com/x", "req"),
                   [&](Session&, const IqResponse& r) {
                     log.push_back("result:" + std::string(to_string(r.outcome)));
                   },
                   s.now());
               CHECK(sent.status == IqSendStatus::ok);
             });
  router.add(Route().kind(stanza::Kind::message),
             [&](Session&, xml::Element) { log.emplace_back("any-message"); });
  const RouteId iq_route = router.add(Route().kind(stanza::Kind::iq).type("set"),
                                      [&](Session&, xml::Element) { log.emplace_back("iq-set"); });
  w.start();
  REQUIRE(
      w.server_send("<message type='chat' from='bob@example.com/phone'><body>1</body>"
                    "</message>"));
  REQUIRE(w.server_send("<message type='chat' from='eve@example.com/x'><body>2</body></message>"));
  REQUIRE(
      w.server_send("<iq type='set' id='s1' from='bob@example.com/phone'><q "
                    "xmlns='urn:x'/></iq>"));
  w.run();
  CHECK(router.remove(iq_route));
  REQUIRE(
      w.server_send("<iq type='set' id='s2' from='bob@example.com/phone'><q "
                    "xmlns='urn:x'/></iq>"));
  w.run();
  // The result comes after the stanzas the server had already sent.
  CHECK(log == std::vector<std::string>{"bob-chat:1", "any-message", "iq-set", "result:result"});
  CHECK(replies_to(w, "s1").empty());  // the route owned the answer
  const auto s2 = replies_to(w, "s2");
  REQUIRE(s2.size() == 1);
  CHECK(contains(s2[0], "<service-unavailable"));
}

TEST_CASE("application: roster pushes are applied only when they come from the account") {
  std::vector<RosterUpdate> updates;
  SessionHooks hooks;
  hooks.on_roster = [&](Session&, const RosterUpdate& u) { updates.push_back(u); };
  World w(session_test_config(), session_server_config(), hooks);
  w.start();
  const std::string item =
      "<query xmlns='jabber:iq:roster' ver='v2'><item "
      "jid='mallory@evil.example' name='M' subscription='both'/></query>";

  SUBCASE("no from, and the account's bare JID: applied and answered") {
    REQUIRE(w.server_send("<iq type='set' id='r1'>" + item + "</iq>"));
    REQUIRE(
        w.server_send("<iq type='set' id='r2' from='ALICE@example.com'><query "
                      "xmlns='jabber:iq:roster'><item jid='bob@example.com' "
                      "subscription='to'><group>Friends</group></item></query></iq>"));
    w.run();
    for (const char* id : {"r1", "r2"}) {
      const auto r = replies_to(w, id);
      REQUIRE(r.size() == 1);
      CHECK(attribute_of(r[0], "type") == "result");
    }
    REQUIRE(updates.size() == 2);
    CHECK_FALSE(updates[0].full);
    REQUIRE(w.session.roster().items().size() == 2);
    const RosterItem* bob = w.session.roster().find(*Jid::parse("bob@example.com/any"));
    REQUIRE(bob != nullptr);
    CHECK(bob->subscription == Subscription::to);
    CHECK(bob->groups == std::vector<std::string>{"Friends"});
  }
  SUBCASE("anyone else: refused, nothing changes (CVE-2014-0364)") {
    for (const char* from : {"mallory@evil.example", "alice@example.com/phone", "example.com",
                             "bob@example.com", "evil.example"}) {
      const std::string id = std::string("x-") + from;
      REQUIRE(
          w.server_send("<iq type='set' id='" + id + "' from='" + from + "'>" + item + "</iq>"));
      w.run();
      const auto r = replies_to(w, id);
      REQUIRE(r.size() == 1);
      CHECK(attribute_of(r[0], "type") == "error");
      CHECK(contains(r[0], "<service-unavailable"));
    }
    CHECK(updates.empty());
    CHECK(w.session.roster().items().empty());
  }
  SUBCASE("a push with two items is refused with bad-request") {
    REQUIRE(
        w.server_send("<iq type='set' id='r3'><query xmlns='jabber:iq:roster'><item "
                      "jid='a@example.com'/><item jid='b@example.com'/></query></iq>"));
    w.run();
    const auto r = replies_to(w, "r3");
    REQUIRE(r.size() == 1);
    CHECK(contains(r[0], "<bad-request"));
    CHECK(w.session.roster().items().empty());
  }
}

TEST_CASE("application: the roster is fetched before initial presence on a fresh session only") {
  SessionConfig config = session_test_config();
  config.app.fetch_roster = true;
  config.app.send_initial_presence = true;
  std::vector<RosterUpdate> updates;
  std::vector<std::string> order;
  SessionHooks hooks;
  hooks.on_roster = [&](Session&, const RosterUpdate& u) { updates.push_back(u); };
  hooks.on_connect = [&](Session& s, const event::Online&) {
    order.emplace_back("on_connect");
    CHECK(s.pending_iqs() == 1);  // the roster request is out already
  };
  World w(std::move(config), session_server_config(), hooks);
  w.on_server_stanza = roster_server("<item jid='bob@example.com' subscription='both'/>");
  w.start();
  const auto& stanzas = w.server()->received_stanzas();
  REQUIRE(stanzas.size() >= 2);
  CHECK(contains(stanzas[0], "jabber:iq:roster"));
  CHECK(stanzas[1] == "<presence/>");
  REQUIRE(updates.size() == 1);
  CHECK(updates[0].full);
  CHECK(w.session.roster().received());
  CHECK(w.session.roster().version() == "v1");
  CHECK(w.session.roster().find(*Jid::parse("bob@example.com")) != nullptr);

  // Resumed: no roster request, no presence (the session still has both).
  const std::string before = w.written;
  w.cut();
  w.run();
  REQUIRE(w.session.client().phase() == ClientPhase::online);
  const std::string after = w.written.substr(before.size());
  CHECK(contains(after, "<resume"));
  CHECK_FALSE(contains(after, "<presence"));
  CHECK_FALSE(contains(after, "jabber:iq:roster"));
  CHECK(updates.size() == 1);
  CHECK(w.session.roster().received());
}

TEST_CASE("application: initial presence is sent on a fresh session unless switched off") {
  SessionConfig config = session_test_config();
  SUBCASE("default: sent") {
    config.app = ApplicationConfig{};
  }
  SUBCASE("off") {
    config.app.send_initial_presence = false;
  }
  const bool on = config.app.send_initial_presence;
  World w(std::move(config), session_server_config());
  w.start();
  CHECK(count_of(w.written, "<presence/>") == (on ? 1u : 0u));
  // RFC 6121 §4.2 / XEP-0198 §5: a resumed session still has its presence.
  w.cut();
  w.run();
  REQUIRE(w.session.client().phase() == ClientPhase::online);
  CHECK(count_of(w.written, "<presence/>") == (on ? 1u : 0u));
}

TEST_CASE("application: subscription requests surface as events and are answered") {
  std::vector<std::pair<SubscriptionAction, std::string>> events;
  SessionHooks hooks;
  hooks.on_subscription = [&](Session& s, const SubscriptionEvent& e) {
    events.emplace_back(e.action, std::string(e.from.str()) + "|" + std::string(e.status));
    if (e.action == SubscriptionAction::request) {
      CHECK(s.approve_subscription(e.from) == SendStatus::ok);
      CHECK(s.deny_subscription(*Jid::parse("spam@example.net/r")) == SendStatus::ok);
    }
  };
  int other = 0;
  hooks.on_stanza = [&](Session&, xml::Element) { ++other; };
  World w(session_test_config(), session_server_config(), hooks);
  w.start();
  REQUIRE(
      w.server_send("<presence type='subscribe' from='bob@example.com/pc'><status>it's "
                    "me</status></presence>"));
  REQUIRE(w.server_send("<presence type='subscribed' from='carol@example.com'/>"));
  REQUIRE(w.server_send("<presence type='unsubscribe' from='dave@example.com'/>"));
  REQUIRE(w.server_send("<presence type='unsubscribed' from='erin@example.com'/>"));
  REQUIRE(w.server_send("<presence from='bob@example.com/pc'/>"));
  w.run();
  CHECK(events == std::vector<std::pair<SubscriptionAction, std::string>>{
                      {SubscriptionAction::request, "bob@example.com|it's me"},
                      {SubscriptionAction::approved, "carol@example.com|"},
                      {SubscriptionAction::cancelled, "dave@example.com|"},
                      {SubscriptionAction::revoked, "erin@example.com|"},
                  });
  CHECK(other == 1);  // the available presence
  CHECK(contains(w.written, "<presence to='bob@example.com' type='subscribed'/>"));
  CHECK(contains(w.written, "<presence to='spam@example.net' type='unsubscribed'/>"));
  CHECK(w.session.subscribe(*Jid::parse("frank@example.com")) == SendStatus::ok);
  CHECK(w.session.unsubscribe(*Jid::parse("frank@example.com")) == SendStatus::ok);
  w.run();
  CHECK(contains(w.written, "<presence to='frank@example.com' type='subscribe'/>"));
  CHECK(contains(w.written, "<presence to='frank@example.com' type='unsubscribe'/>"));
}

TEST_CASE("application: CSI is sent when advertised and restored after resumption") {
  testing::ServerConfig server = session_server_config();
  SUBCASE("advertised") {
    server.extra_features = {"<csi xmlns='urn:xmpp:csi:0'/>"};
  }
  SUBCASE("not advertised") {}
  const bool advertised = !server.extra_features.empty();
  World w(session_test_config(), server);
  CHECK(w.session.set_inactive() == CsiStatus::deferred);  // not online yet: remembered
  CHECK(w.session.client_state() == ClientState::inactive);
  w.start();
  const std::string_view inactive = "<inactive xmlns='urn:xmpp:csi:0'/>";
  const std::string_view active = "<active xmlns='urn:xmpp:csi:0'/>";
  CHECK(count_of(w.written, inactive) == (advertised ? 1u : 0u));
  CHECK(w.session.set_inactive() == (advertised ? CsiStatus::unchanged : CsiStatus::unsupported));

  // XEP-0352 §5.2: a resumed stream starts active again; the choice is sent anew.
  w.cut();
  w.run();
  REQUIRE(w.session.client().phase() == ClientPhase::online);
  CHECK(count_of(w.written, inactive) == (advertised ? 2u : 0u));

  CHECK(w.session.set_active() == (advertised ? CsiStatus::sent : CsiStatus::unsupported));
  w.run();
  CHECK(count_of(w.written, active) == (advertised ? 1u : 0u));
  CHECK(w.session.client_state() == ClientState::active);
  // Nonzas are not counted by stream management (XEP-0198 §4): nothing waits for an ack.
  w.advance(10s);
  CHECK(w.session.client().stream_management().unacked().empty());
}

TEST_CASE("application: the keepalive ping replaces whitespace and finds a dead link") {
  SessionConfig config = session_test_config();
  config.client.keepalive_interval = 5s;  // replaced by the ping
  config.app.keepalive.interval = 20s;
  config.app.keepalive.timeout = 5s;
  std::vector<LinkDeadCause> dead;
  int resumed = 0;
  SessionHooks hooks;
  hooks.on_link_dead = [&](Session&, const event::LinkDead& d) { dead.push_back(d.cause); };
  hooks.on_resume = [&](Session&, const event::Online&) { ++resumed; };
  World w(std::move(config), session_server_config(), hooks);
  // The server answers pings to its domain.
  w.on_server_stanza = [](World& world, const std::string& stanza) {
    if (contains(stanza, "urn:xmpp:ping") && attribute_of(stanza, "to") == "example.com") {
      CHECK(world.server_send("<iq type='result' id='" + attribute_of(stanza, "id") +
                              "' from='example.com'/>"));
    }
  };
  w.start();
  const TimePoint online_at = w.now;
  REQUIRE(w.session.next_deadline().has_value());
  CHECK(*w.session.next_deadline() <= online_at + 20s);

  // Silence for 20 s: one ping (no whitespace), answered; the link lives.
  const std::size_t written_before = w.written.size();
  w.advance(20s);
  std::string since = w.written.substr(written_before);
  CHECK(count_of(since, "<ping xmlns='urn:xmpp:ping'/>") == 1);
  // RFC 6120 §4.6.1's whitespace keepalive would show as a space between elements.
  REQUIRE_FALSE(since.empty());
  CHECK(since.front() == '<');
  CHECK_FALSE(contains(since, "> "));
  w.advance(4s);
  CHECK(dead.empty());
  CHECK(w.session.pending_iqs() == 0);

  // Traffic pushes the next ping back.
  w.advance(10s);
  REQUIRE(w.server_send("<message from='bob@example.com/pc'><body>x</body></message>"));
  w.run();
  const std::size_t pings_before = count_of(w.written, "urn:xmpp:ping");
  w.advance(15s);  // 25 s after the last ping's answer, 15 s after the message
  CHECK(count_of(w.written, "urn:xmpp:ping") == pings_before);

  // The link goes silent: the next ping is unanswered; 5 s later the link is declared dead and
  // the session is resumed on a new connection.
  w.stalled = true;
  w.advance(5s);  // the ping is due (20 s after the message)
  w.advance(5s);  // its timeout
  CHECK(dead == std::vector<LinkDeadCause>{LinkDeadCause::ping_timeout});
  w.stalled = false;
  for (int i = 0; i < 5 && resumed == 0; ++i)
    w.advance_to_deadline();
  CHECK(resumed == 1);
  CHECK(w.session.client().phase() == ClientPhase::online);
}

TEST_CASE("application: an invalid application configuration is refused by start()") {
  SessionConfig config = session_test_config();
  SUBCASE("keepalive") {
    config.app.keepalive.timeout = Duration::zero();
  }
  SUBCASE("identity") {
    config.app.identities = {DiscoIdentity{"", "bot", "", ""}};
  }
  SUBCASE("feature") {
    config.app.features = {""};
  }
  SUBCASE("version") {
    config.app.software_version = SoftwareVersion{"x", "", ""};
  }
  CHECK(validate(config) == SessionConfigError::application);
  Session session(std::move(config));
  CHECK(session.start(TimePoint{}) == CommandStatus::invalid_config);
}

}  // namespace xmpp::test
