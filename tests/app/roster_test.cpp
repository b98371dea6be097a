// Reading roster queries (RFC 6121 §2.1), every RosterProblem, the names, and the Roster's
// state transitions.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app_test_util.hpp"
#include "xmpp/roster.hpp"
#include "xmpp/stanza/namespaces.hpp"

using namespace xmpp;
using namespace xmpp::test;

namespace {

Jid jid(std::string_view text) {
  std::optional<Jid> j = Jid::parse(text);
  REQUIRE(j);
  return *j;
}

RosterItem item(std::string_view j, Subscription s = Subscription::none,
                std::vector<std::string> groups = {}, std::string name = {}) {
  return RosterItem{.jid = jid(j),
                    .name = std::move(name),
                    .subscription = s,
                    .ask_subscribe = false,
                    .approved = false,
                    .groups = std::move(groups)};
}

// parse_roster_query() of the <query/> in `iq` (or of `iq` itself when it has none).
RosterQuery parse(std::string_view iq, bool push = false) {
  const Parsed s(iq);
  const xml::Element query = s.element.child("query", stanza::ns::kRoster);
  return parse_roster_query(query ? query : s.element, push);
}

RosterProblem problem(std::string_view iq, bool push = false) {
  return parse(iq, push).problem;
}

std::string result_with(std::string_view items) {
  return "<iq type='result' id='r1'><query xmlns='jabber:iq:roster'>" + std::string(items) +
         "</query></iq>";
}

std::string push_with(std::string_view items) {
  return "<iq type='set' id='p1'><query xmlns='jabber:iq:roster'>" + std::string(items) +
         "</query></iq>";
}

}  // namespace

TEST_CASE("subscription names (RFC 6121 §2.1.2.5)") {
  const std::vector<std::pair<Subscription, std::string_view>> names = {
      {Subscription::none, "none"}, {Subscription::to, "to"},         {Subscription::from, "from"},
      {Subscription::both, "both"}, {Subscription::remove, "remove"},
  };
  for (const auto& [value, name] : names) {
    CHECK(to_string(value) == name);
    CHECK(subscription_from_string(name) == value);
  }
  CHECK_FALSE(subscription_from_string("None"));
  CHECK_FALSE(subscription_from_string(""));
  CHECK_FALSE(subscription_from_string("pending"));
  CHECK(to_string(static_cast<Subscription>(99)) == "unknown");
}

TEST_CASE("subscription action names") {
  CHECK(to_string(SubscriptionAction::request) == "request");
  CHECK(to_string(SubscriptionAction::approved) == "approved");
  CHECK(to_string(SubscriptionAction::cancelled) == "cancelled");
  CHECK(to_string(SubscriptionAction::revoked) == "revoked");
  CHECK(to_string(static_cast<SubscriptionAction>(99)) == "unknown");
}

TEST_CASE("every RosterProblem has its own message; the refusals cite RFC 6121") {
  std::vector<std::string_view> seen;
  for (int i = 0; i <= static_cast<int>(RosterProblem::push_item_count); ++i) {
    const std::string_view message = to_string(static_cast<RosterProblem>(i));
    CAPTURE(i);
    CHECK_FALSE(message.empty());
    CHECK(std::find(seen.begin(), seen.end(), message) == seen.end());
    if (i != 0) CHECK(message.find("RFC 6121 §2.1") != std::string_view::npos);
    seen.push_back(message);
  }
  CHECK(to_string(RosterProblem::ok) == "ok");
  CHECK(to_string(static_cast<RosterProblem>(99)) == "unknown roster problem");
}

TEST_CASE("RFC 6121 §2.1.4: a roster result with groups and a version") {
  const RosterQuery q = parse(
      "<iq id='bv1bs71f' to='juliet@example.com/chamber' type='result'>"
      "<query xmlns='jabber:iq:roster' ver='ver11'>"
      "<item jid='romeo@example.net' name='Romeo' subscription='both'><group>Friends</group></item>"
      "<item jid='mercutio@example.com' name='Mercutio' subscription='from'/>"
      "<item jid='benvolio@example.net' name='Benvolio' subscription='both'/>"
      "</query></iq>");
  REQUIRE(q.problem == RosterProblem::ok);
  CHECK(q.version == "ver11");
  REQUIRE(q.items.size() == 3);
  CHECK(q.items[0] == item("romeo@example.net", Subscription::both, {"Friends"}, "Romeo"));
  CHECK(q.items[1] == item("mercutio@example.com", Subscription::from, {}, "Mercutio"));
  CHECK(q.items[2].jid == jid("benvolio@example.net"));
  CHECK(q.items[2].groups.empty());
}

TEST_CASE("RFC 6121 §2.1.4: an empty roster, without and with ver") {
  const RosterQuery empty =
      parse("<iq type='result' id='r'><query xmlns='jabber:iq:roster'/></iq>");
  CHECK(empty.problem == RosterProblem::ok);
  CHECK(empty.items.empty());
  CHECK_FALSE(empty.version);
  const RosterQuery versioned =
      parse("<iq type='result' id='r'><query xmlns='jabber:iq:roster' ver=''/></iq>");
  CHECK(versioned.problem == RosterProblem::ok);
  CHECK(versioned.version == "");
}

TEST_CASE("RFC 6121 §2.1.6 / §2.5.2: pushes, an update and a removal") {
  const RosterQuery update = parse(
      "<iq id='a78b4q6ha463' to='juliet@example.com/chamber' type='set'>"
      "<query xmlns='jabber:iq:roster' ver='ver13'>"
      "<item jid='nurse@example.com' name='Nurse' "
      "subscription='none'><group>Servants</group></item>"
      "</query></iq>",
      true);
  REQUIRE(update.problem == RosterProblem::ok);
  CHECK(update.version == "ver13");
  REQUIRE(update.items.size() == 1);
  CHECK(update.items[0] == item("nurse@example.com", Subscription::none, {"Servants"}, "Nurse"));

  const RosterQuery removal = parse(
      "<iq id='hm4hs97y' to='juliet@example.com/balcony' type='set'>"
      "<query xmlns='jabber:iq:roster' ver='ver15'>"
      "<item jid='nurse@example.com' subscription='remove'/></query></iq>",
      true);
  REQUIRE(removal.problem == RosterProblem::ok);
  CHECK(removal.version == "ver15");
  REQUIRE(removal.items.size() == 1);
  CHECK(removal.items[0].subscription == Subscription::remove);
}

TEST_CASE("item attributes: subscription default, ask, approved, name") {
  SUBCASE("subscription absent is none") {
    const RosterQuery q = parse(result_with("<item jid='a@example.com'/>"));
    REQUIRE(q.items.size() == 1);
    CHECK(q.items[0] == item("a@example.com"));
  }
  SUBCASE("ask='subscribe' is a pending request; other values are ignored") {
    const RosterQuery q =
        parse(result_with("<item jid='a@example.com' ask='subscribe'/>"
                          "<item jid='b@example.com' ask='unsubscribe'/>"
                          "<item jid='c@example.com' ask='Subscribe'/>"));
    REQUIRE(q.problem == RosterProblem::ok);
    CHECK(q.items[0].ask_subscribe);
    CHECK_FALSE(q.items[1].ask_subscribe);
    CHECK_FALSE(q.items[2].ask_subscribe);
  }
  SUBCASE("approved is 'true' or '1' (xs:boolean)") {
    const RosterQuery q =
        parse(result_with("<item jid='a@example.com' approved='true'/>"
                          "<item jid='b@example.com' approved='1'/>"
                          "<item jid='c@example.com' approved='false'/>"
                          "<item jid='d@example.com' approved='0'/>"
                          "<item jid='e@example.com' approved='yes'/>"));
    REQUIRE(q.problem == RosterProblem::ok);
    CHECK(q.items[0].approved);
    CHECK(q.items[1].approved);
    CHECK_FALSE(q.items[2].approved);
    CHECK_FALSE(q.items[3].approved);
    CHECK_FALSE(q.items[4].approved);
  }
  SUBCASE("the name keeps escaped characters") {
    const RosterQuery q = parse(result_with("<item jid='a@example.com' name='R &amp; J &lt;3'/>"));
    REQUIRE(q.items.size() == 1);
    CHECK(q.items[0].name == "R & J <3");
  }
}

TEST_CASE("groups: text in order, empty ones ignored, repeats collapsed") {
  const RosterQuery q =
      parse(result_with("<item jid='a@example.com'>"
                        "<group>Friends</group><group/><group>Family</group><group>Friends</group>"
                        "<group>friends</group><group>A &amp; B</group>"
                        "<other xmlns='urn:example'>Ignored</other></item>"));
  REQUIRE(q.problem == RosterProblem::ok);
  REQUIRE(q.items.size() == 1);
  CHECK(q.items[0].groups == std::vector<std::string>{"Friends", "Family", "friends", "A & B"});
}

TEST_CASE("children that are not items are ignored") {
  const RosterQuery q =
      parse(result_with("<x xmlns='urn:example'/><item jid='a@example.com'/>"
                        "<item xmlns='urn:example' jid='bad'/>"));
  REQUIRE(q.problem == RosterProblem::ok);
  CHECK(q.items.size() == 1);
}

TEST_CASE("RosterProblem::not_a_roster_query") {
  CHECK(problem("<iq type='result' id='r'><query xmlns='jabber:iq:version'/></iq>") ==
        RosterProblem::not_a_roster_query);
  CHECK(problem("<iq type='result' id='r'><list xmlns='jabber:iq:roster'/></iq>") ==
        RosterProblem::not_a_roster_query);
  CHECK(parse_roster_query(xml::Element(), false).problem == RosterProblem::not_a_roster_query);
}

TEST_CASE("RosterProblem::item_without_jid (§2.1.2.3)") {
  const RosterQuery q = parse(result_with("<item jid='a@example.com'/><item name='Nobody'/>"));
  CHECK(q.problem == RosterProblem::item_without_jid);
  CHECK(q.items.empty());
  CHECK_FALSE(q.version);
}

TEST_CASE("RosterProblem::item_jid_invalid: not a JID, or not a bare one") {
  for (const std::string_view bad :
       {"<item jid=''/>", "<item jid='@example.com'/>", "<item jid='romeo@example.net/orchard'/>",
        "<item jid='a b@example.com'/>"}) {
    CAPTURE(bad);
    CHECK(problem(result_with(bad)) == RosterProblem::item_jid_invalid);
    CHECK(problem(push_with(bad), true) == RosterProblem::item_jid_invalid);
  }
  CHECK(problem(result_with("<item jid='example.com'/>")) == RosterProblem::ok);
}

TEST_CASE("RosterProblem::unknown_subscription (§2.1.2.5)") {
  for (const std::string_view bad : {"<item jid='a@example.com' subscription='pending'/>",
                                     "<item jid='a@example.com' subscription='Both'/>",
                                     "<item jid='a@example.com' subscription=''/>"}) {
    CAPTURE(bad);
    CHECK(problem(result_with(bad)) == RosterProblem::unknown_subscription);
    CHECK(problem(push_with(bad), true) == RosterProblem::unknown_subscription);
  }
}

TEST_CASE("RosterProblem::remove_in_result") {
  CHECK(problem(result_with("<item jid='a@example.com' subscription='remove'/>")) ==
        RosterProblem::remove_in_result);
  CHECK(problem(push_with("<item jid='a@example.com' subscription='remove'/>"), true) ==
        RosterProblem::ok);
}

TEST_CASE("RosterProblem::duplicate_item: the same JID twice, case folded") {
  CHECK(problem(result_with("<item jid='a@example.com'/><item jid='a@example.com' name='x'/>")) ==
        RosterProblem::duplicate_item);
  CHECK(problem(result_with("<item jid='a@example.com'/><item jid='A@Example.COM'/>")) ==
        RosterProblem::duplicate_item);
  CHECK(problem(result_with("<item jid='a@example.com'/><item jid='a@example.com.'/>")) ==
        RosterProblem::duplicate_item);
  CHECK(problem(push_with("<item jid='a@example.com'/><item jid='a@example.com'/>"), true) ==
        RosterProblem::duplicate_item);
}

TEST_CASE("RosterProblem::push_item_count (§2.1.6): exactly one item") {
  CHECK(problem(push_with(""), true) == RosterProblem::push_item_count);
  CHECK(problem(push_with("<item jid='a@example.com'/><item jid='b@example.com'/>"), true) ==
        RosterProblem::push_item_count);
  CHECK(problem(push_with("<item jid='a@example.com'/>"), true) == RosterProblem::ok);
  CHECK(problem(result_with(""), false) == RosterProblem::ok);
}

TEST_CASE("Roster: a fresh roster") {
  const Roster roster;
  CHECK_FALSE(roster.received());
  CHECK(roster.items().empty());
  CHECK(roster.version().empty());
  CHECK(roster.find(jid("a@example.com")) == nullptr);
}

TEST_CASE("Roster: replace, find, pushes, clear") {
  Roster roster;
  roster.replace({item("romeo@example.net", Subscription::both, {"Friends"}),
                  item("mercutio@example.com", Subscription::from)},
                 "ver11");
  CHECK(roster.received());
  CHECK(roster.version() == "ver11");
  REQUIRE(roster.items().size() == 2);

  SUBCASE("find compares bare JIDs, ASCII case folded") {
    const RosterItem* romeo = roster.find(jid("romeo@example.net"));
    REQUIRE(romeo);
    CHECK(romeo->groups == std::vector<std::string>{"Friends"});
    CHECK(roster.find(jid("Romeo@EXAMPLE.net/orchard")) == romeo);
    CHECK(roster.find(jid("example.net")) == nullptr);
    CHECK(roster.find(jid("tybalt@example.net")) == nullptr);
  }
  SUBCASE("a push adds an item, with its version") {
    roster.apply_push(item("nurse@example.com", Subscription::none, {"Servants"}), "ver13");
    CHECK(roster.version() == "ver13");
    REQUIRE(roster.items().size() == 3);
    REQUIRE(roster.find(jid("nurse@example.com")));
    CHECK(roster.find(jid("nurse@example.com"))->groups == std::vector<std::string>{"Servants"});
  }
  SUBCASE("a push replaces the item with the same bare JID; no version keeps the old one") {
    roster.apply_push(item("ROMEO@example.net", Subscription::to), std::nullopt);
    CHECK(roster.version() == "ver11");
    REQUIRE(roster.items().size() == 2);
    const RosterItem* romeo = roster.find(jid("romeo@example.net"));
    REQUIRE(romeo);
    CHECK(romeo->subscription == Subscription::to);
    CHECK(romeo->groups.empty());
  }
  SUBCASE("a push with subscription remove deletes the item") {
    roster.apply_push(item("romeo@example.net", Subscription::remove), "ver15");
    CHECK(roster.version() == "ver15");
    REQUIRE(roster.items().size() == 1);
    CHECK(roster.find(jid("romeo@example.net")) == nullptr);
    CHECK(roster.items()[0].jid == jid("mercutio@example.com"));
    SUBCASE("removing an absent item changes only the version") {
      roster.apply_push(item("nobody@example.net", Subscription::remove), "ver16");
      CHECK(roster.items().size() == 1);
      CHECK(roster.version() == "ver16");
    }
  }
  SUBCASE("a new result replaces everything; without ver the version is empty") {
    roster.replace({item("benvolio@example.net")}, std::nullopt);
    CHECK(roster.received());
    CHECK(roster.version().empty());
    REQUIRE(roster.items().size() == 1);
    CHECK(roster.find(jid("romeo@example.net")) == nullptr);
  }
  SUBCASE("clear forgets everything") {
    roster.clear();
    CHECK_FALSE(roster.received());
    CHECK(roster.items().empty());
    CHECK(roster.version().empty());
  }
}

TEST_CASE("Roster: pushes before any result do not make it received") {
  Roster roster;
  roster.apply_push(item("a@example.com"), "v1");
  CHECK_FALSE(roster.received());
  CHECK(roster.items().size() == 1);
  CHECK(roster.version() == "v1");
  roster.replace({}, "v2");
  CHECK(roster.received());
  CHECK(roster.items().empty());
}

TEST_CASE("the roster writer of the tests round-trips an RFC example") {
  const std::vector<RosterItem> items = {
      RosterItem{.jid = jid("romeo@example.net"),
                 .name = "Romeo",
                 .subscription = Subscription::both,
                 .ask_subscribe = true,
                 .approved = true,
                 .groups = {"Friends", "Lovers"}},
  };
  const RosterQuery q = parse(roster_iq(items, "ver11", "result", true, "1"));
  CHECK(q.problem == RosterProblem::ok);
  CHECK(q.items == items);
  CHECK(q.version == "ver11");
}
