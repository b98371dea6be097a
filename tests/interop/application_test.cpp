// The application layer against real servers: a peer's pings, disco#info, software version and
// unknown requests answered by the Session; IQ results correlated by sender; roster fetch,
// roster pushes from the account's own server and presence subscriptions; the keepalive ping
// answered by the server; Client State Indication when advertised.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "interop_account.hpp"
#include "xmpp/stanza/iq.hpp"
#include "xmpp/xml/builder.hpp"

using namespace std::chrono_literals;
using interop::Account;
using interop::AccountOptions;

namespace {

struct Answer {
  xmpp::IqOutcome outcome = xmpp::IqOutcome::timeout;
  std::string xml;  // the response's payload as text, for assertions on what it holds
};

std::string text_of(xmpp::xml::Element e) {
  std::string out;
  if (!e) return out;
  out += "<" + std::string(e.name()) + " " + std::string(e.ns());
  for (const auto a : e.attributes())
    out += " " + std::string(a.name()) + "=" + std::string(a.value());
  out += ">";
  for (auto c = e.first_child_element(); c; c = c.next_sibling_element())
    out += text_of(c);
  e.append_text(out);
  return out;
}

// Sends `<iq type='get' to='to'><payload xmlns='ns'/></iq>` from `from` and records the answer.
void ask(Account& from, const std::string& to, const char* payload, const char* ns,
         std::vector<Answer>& answers, std::size_t slot) {
  xmpp::xml::Arena arena;
  xmpp::xml::Builder query(arena, payload, ns);
  const auto iq = xmpp::stanza::build_request(arena, xmpp::stanza::IqType::get, query.root(), to);
  const auto sent =
      from.session().send_iq(iq,
                             [&answers, slot](xmpp::Session&, const xmpp::IqResponse& r) {
                               answers[slot].outcome = r.outcome;
                               answers[slot].xml = text_of(r.stanza);
                             },
                             from.session().now(), {.timeout = 5s});
  REQUIRE(sent.status == xmpp::IqSendStatus::ok);
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("a peer's pings, disco#info and version are answered; unknown requests refused") {
  AccountOptions alice_options;
  alice_options.app.software_version = xmpp::SoftwareVersion{"interop-bot", "7.1", ""};
  alice_options.app.features = {"urn:example:interop"};
  alice_options.app.keepalive.interval = 1s;
  alice_options.app.keepalive.timeout = 5s;
  Account alice(alice_options);
  AccountOptions bob_options;
  bob_options.user = "bob";
  Account bob(bob_options);
  alice.start();
  bob.start();
  REQUIRE(interop::run_all(
      {&alice, &bob}, [&] { return alice.online() && bob.online(); }, 10s));

  std::vector<Answer> answers(5);
  ask(bob, alice.full_jid(), "ping", "urn:xmpp:ping", answers, 0);
  ask(bob, alice.full_jid(), "query", "http://jabber.org/protocol/disco#info", answers, 1);
  ask(bob, alice.full_jid(), "query", "jabber:iq:version", answers, 2);
  ask(bob, alice.full_jid(), "query", "urn:example:nobody-handles-this", answers, 3);
  ask(bob, "localhost", "ping", "urn:xmpp:ping", answers, 4);  // the server answers itself
  CHECK(interop::run_all(
      {&alice, &bob}, [&] { return bob.session().pending_iqs() == 0; }, 10s));

  CHECK(answers[0].outcome == xmpp::IqOutcome::result);
  CHECK(answers[1].outcome == xmpp::IqOutcome::result);
  CHECK(contains(answers[1].xml, "var=urn:example:interop"));
  CHECK(contains(answers[1].xml, "var=urn:xmpp:ping"));
  CHECK(contains(answers[1].xml, "var=jabber:iq:version"));
  CHECK(contains(answers[1].xml, "category=client"));
  CHECK(answers[2].outcome == xmpp::IqOutcome::result);
  CHECK(contains(answers[2].xml, "interop-bot"));
  CHECK(contains(answers[2].xml, "7.1"));
  CHECK(answers[3].outcome == xmpp::IqOutcome::error);
  CHECK(contains(answers[3].xml, "<service-unavailable urn:ietf:params:xml:ns:xmpp-stanzas"));
  CHECK(answers[4].outcome == xmpp::IqOutcome::result);

  // Idle for over two keepalive intervals: the server answers alice's pings, the link lives.
  interop::run_all(
      {&alice, &bob}, [] { return false; }, 2500ms);
  CHECK(alice.link_dead.empty());
  CHECK(alice.online());
  CHECK(alice.closes.empty());
  CHECK(alice.fresh_sessions == 1);
  CHECK(alice.session().pending_iqs() <= 1);  // at most the ping in flight
}

TEST_CASE("roster fetch, roster pushes and presence subscriptions with the real server") {
  // carol asks dave for his presence; dave approves from his on_subscription hook. The roster
  // pushes carol's server sends on the way come from her own account and are answered.
  std::vector<xmpp::SubscriptionAction> carol_saw;
  std::vector<xmpp::SubscriptionAction> dave_saw;
  AccountOptions carol_options;
  carol_options.user = "carol";
  carol_options.app.fetch_roster = true;
  carol_options.on_subscription = [&](xmpp::Session&, const xmpp::SubscriptionEvent& e) {
    carol_saw.push_back(e.action);
  };
  AccountOptions dave_options;
  dave_options.user = "dave";
  dave_options.on_subscription = [&](xmpp::Session& s, const xmpp::SubscriptionEvent& e) {
    dave_saw.push_back(e.action);
    if (e.action == xmpp::SubscriptionAction::request) {
      CHECK(e.from.bare_str() == "carol@localhost");
      CHECK(s.approve_subscription(e.from) == xmpp::SendStatus::ok);
    }
  };
  Account carol(carol_options);
  Account dave(dave_options);
  carol.start();
  dave.start();
  REQUIRE(interop::run_all(
      {&carol, &dave}, [&] { return carol.online() && dave.online(); }, 10s));
  // The roster result of fetch_roster (RFC 6121 §2.2) arrives before anything else.
  REQUIRE(interop::run_all(
      {&carol}, [&] { return carol.session().roster().received(); }, 5s));
  REQUIRE_FALSE(carol.roster_updates.empty());
  CHECK(carol.roster_updates.front().full);

  const auto dave_jid = *xmpp::Jid::parse("dave@localhost");
  REQUIRE(carol.session().subscribe(dave_jid) == xmpp::SendStatus::ok);
  const auto subscribed = [&] {
    const xmpp::RosterItem* item = carol.session().roster().find(dave_jid);
    return item && (item->subscription == xmpp::Subscription::to ||
                    item->subscription == xmpp::Subscription::both);
  };
  // The roster push and dave's <presence type='subscribed'/> may arrive in either order.
  const auto approved = [&] {
    return std::find(carol_saw.begin(), carol_saw.end(), xmpp::SubscriptionAction::approved) !=
           carol_saw.end();
  };
  CHECK(interop::run_all(
      {&carol, &dave}, [&] { return subscribed() && approved(); }, 10s));
  REQUIRE_FALSE(dave_saw.empty());
  CHECK(dave_saw.front() == xmpp::SubscriptionAction::request);
  // Every push came from carol's own account (else it would not have been applied).
  std::size_t pushes = 0;
  for (const auto& update : carol.roster_updates)
    pushes += update.full ? 0 : 1;
  CHECK(pushes >= 1);

  // A fresh roster request sees the same item.
  bool fetched = false;
  REQUIRE(carol.session()
              .request_roster([&](xmpp::Session&, const xmpp::IqResponse& r) {
                CHECK(r.outcome == xmpp::IqOutcome::result);
                fetched = true;
              })
              .status == xmpp::IqSendStatus::ok);
  CHECK(interop::run_all(
      {&carol}, [&] { return fetched; }, 5s));
  CHECK(subscribed());

  // Client State Indication: sent when the server advertises it, remembered otherwise.
  const bool csi = carol.session().client().features().csi;
  CHECK(carol.session().set_inactive() ==
        (csi ? xmpp::CsiStatus::sent : xmpp::CsiStatus::unsupported));
  interop::run_all(
      {&carol}, [] { return false; }, 300ms);
  CHECK(carol.online());
  CHECK(carol.closes.empty());

  // Leave the rosters as they were for the next run against the same data.
  CHECK(carol.session().unsubscribe(dave_jid) == xmpp::SendStatus::ok);
  interop::run_all(
      {&carol, &dave}, [] { return false; }, 300ms);
}
