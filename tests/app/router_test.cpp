// xmpp::Route's conditions alone and combined, and xmpp::Router's first-match-wins lookup.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <string_view>

#include "app_test_util.hpp"
#include "xmpp/router.hpp"
#include "xmpp/stanza/namespaces.hpp"

using namespace xmpp;
using namespace xmpp::test;
using stanza::Kind;

namespace {

Jid jid(std::string_view text) {
  std::optional<Jid> j = Jid::parse(text);
  REQUIRE(j);
  return *j;
}

const Jid& account() {
  static const Jid kJid = jid(kAccount);
  return kJid;
}

bool matches(const Route& route, std::string_view text) {
  const Parsed s(text);
  return route.matches(s.element, account());
}

// A handler that only says which route it belongs to.
struct Tag {
  int n = 0;
  void operator()(Session&, xml::Element) const {}
};

// The tag of the handler Router::match() picks; 0 when none.
int routed(const Router& router, std::string_view text) {
  const Parsed s(text);
  const std::shared_ptr<const RouteHandler> handler = router.match(s.element, account());
  if (!handler) return 0;
  const Tag* tag = handler->target<Tag>();
  REQUIRE(tag);
  return tag->n;
}

constexpr std::string_view kVersionGet =
    "<iq type='get' id='v1' from='romeo@example.net/orchard'>"
    "<query xmlns='jabber:iq:version'/></iq>";
constexpr std::string_view kChat =
    "<message type='chat' from='romeo@example.net/orchard'><body>hi</body></message>";

}  // namespace

TEST_CASE("an empty Route matches every stanza") {
  const Route any;
  CHECK(matches(any, kVersionGet));
  CHECK(matches(any, kChat));
  CHECK(matches(any, "<presence/>"));
  CHECK(matches(any, "<presence from='not a jid@'/>"));
  CHECK_FALSE(any.matches(xml::Element(), account()));
}

TEST_CASE("kind: message, presence and iq in jabber:client") {
  const Route message = Route().kind(Kind::message);
  const Route presence = Route().kind(Kind::presence);
  const Route iq = Route().kind(Kind::iq);
  CHECK(matches(message, kChat));
  CHECK_FALSE(matches(presence, kChat));
  CHECK_FALSE(matches(iq, kChat));
  CHECK(matches(presence, "<presence/>"));
  CHECK_FALSE(matches(message, "<presence/>"));
  CHECK(matches(iq, kVersionGet));
  CHECK_FALSE(matches(message, kVersionGet));
  SUBCASE("an element of another namespace is no stanza") {
    CHECK_FALSE(matches(message, "<message xmlns='urn:example'/>"));
    CHECK(matches(Route(), "<message xmlns='urn:example'/>"));
  }
  SUBCASE("a nonza is no stanza") {
    CHECK_FALSE(matches(message, "<r xmlns='urn:xmpp:sm:3'/>"));
  }
}

TEST_CASE("type: exactly, and \"\" for a stanza without type") {
  CHECK(matches(Route().type("chat"), kChat));
  CHECK_FALSE(matches(Route().type("Chat"), kChat));
  CHECK_FALSE(matches(Route().type("normal"), kChat));
  CHECK_FALSE(matches(Route().type(""), kChat));
  CHECK(matches(Route().type(""), "<message><body>x</body></message>"));
  CHECK(matches(Route().type(""), "<presence/>"));
  CHECK_FALSE(matches(Route().type("chat"), "<message><body>x</body></message>"));
  SUBCASE("a present but empty type is not an absent one") {
    CHECK_FALSE(matches(Route().type(""), "<message type=''/>"));
  }
  SUBCASE("an attribute in another namespace is not the type") {
    CHECK(matches(Route().type(""), "<message xmlns:x='urn:x' x:type='chat'/>"));
  }
}

TEST_CASE("payload: the first child element, by name and namespace") {
  const Route version = Route().payload("query", stanza::ns::kVersion);
  CHECK(matches(version, kVersionGet));
  CHECK_FALSE(matches(Route().payload("query", stanza::ns::kRoster), kVersionGet));
  CHECK_FALSE(matches(Route().payload("ping", stanza::ns::kVersion), kVersionGet));
  CHECK_FALSE(matches(version, "<iq type='get' id='p'/>"));
  SUBCASE("an empty name matches any name in the namespace") {
    const Route any_version = Route().payload("", stanza::ns::kVersion);
    CHECK(matches(any_version, kVersionGet));
    CHECK(matches(any_version, "<iq type='get' id='x'><other xmlns='jabber:iq:version'/></iq>"));
    CHECK_FALSE(
        matches(any_version, "<iq type='get' id='x'><query xmlns='jabber:iq:roster'/></iq>"));
  }
  SUBCASE("only the first child element counts; text before it does not") {
    const Route receipt = Route().payload("request", stanza::ns::kReceipts);
    CHECK(
        matches(receipt, "<message> <request xmlns='urn:xmpp:receipts'/><body>x</body></message>"));
    CHECK_FALSE(
        matches(receipt, "<message><body>x</body><request xmlns='urn:xmpp:receipts'/></message>"));
  }
  SUBCASE("a message's body is a payload in jabber:client") {
    CHECK(matches(Route().payload("body", stanza::ns::kClient), kChat));
  }
}

TEST_CASE("from: a bare JID matches all its resources, a full JID only itself") {
  const Route bare = Route().from(jid("romeo@example.net"));
  const Route full = Route().from(jid("romeo@example.net/orchard"));
  CHECK(matches(bare, kChat));
  CHECK(matches(full, kChat));
  CHECK(matches(bare, "<message from='romeo@example.net'/>"));
  CHECK_FALSE(matches(full, "<message from='romeo@example.net'/>"));
  CHECK(matches(bare, "<message from='romeo@example.net/balcony'/>"));
  CHECK_FALSE(matches(full, "<message from='romeo@example.net/balcony'/>"));
  CHECK_FALSE(matches(full, "<message from='romeo@example.net/Orchard'/>"));
  CHECK_FALSE(matches(bare, "<message from='benvolio@example.net/orchard'/>"));
  CHECK_FALSE(matches(bare, "<message from='example.net'/>"));
  SUBCASE("localpart and domainpart compare without ASCII case") {
    CHECK(matches(bare, "<message from='Romeo@EXAMPLE.net/orchard'/>"));
    CHECK(matches(full, "<message from='ROMEO@Example.Net/orchard'/>"));
    CHECK(matches(Route().from(jid("ROMEO@Example.NET")), kChat));
  }
  SUBCASE("a domain JID matches the domain and its resources, not users at it") {
    const Route domain = Route().from(jid("example.net"));
    CHECK(matches(domain, "<iq type='get' id='p' from='example.net'/>"));
    CHECK(matches(domain, "<iq type='get' id='p' from='example.net/admin'/>"));
    CHECK_FALSE(matches(domain, kChat));
  }
}

TEST_CASE("from: a stanza without from comes from the account (RFC 6120 §8.1.2.1)") {
  const std::string_view push = "<iq type='set' id='push1'><query xmlns='jabber:iq:roster'/></iq>";
  CHECK(matches(Route().from(jid("juliet@example.com")), push));
  CHECK(matches(Route().from(jid("JULIET@example.COM")), push));
  CHECK_FALSE(matches(Route().from(jid("juliet@example.com/balcony")), push));
  CHECK_FALSE(matches(Route().from(jid("example.com")), push));
  CHECK_FALSE(matches(Route().from(jid("romeo@example.net")), push));
  SUBCASE("the account is matched as its bare JID even when given with a resource") {
    const Parsed s(push);
    CHECK(Route().from(jid("juliet@example.com")).matches(s.element, jid("juliet@example.com/x")));
  }
}

TEST_CASE("from: a from that is not a JID matches no sender condition") {
  for (const std::string_view bad :
       {"<message from='@example.net'/>", "<message from=''/>",
        "<message from='romeo@example.net/'/>", "<message from='romeo@exa mple.net'/>"}) {
    CAPTURE(bad);
    CHECK_FALSE(matches(Route().from(jid("romeo@example.net")), bad));
    CHECK_FALSE(matches(Route().from(jid("example.net")), bad));
    CHECK_FALSE(matches(Route().from(jid("juliet@example.com")), bad));
    CHECK(matches(Route().kind(Kind::message), bad));
  }
}

TEST_CASE("when: every predicate must hold") {
  const auto has_id = [](xml::Element e) { return e.attribute("id").has_value(); };
  const auto has_body = [](xml::Element e) { return bool(e.child("body")); };
  CHECK(matches(Route().when(has_body), kChat));
  CHECK_FALSE(matches(Route().when(has_id), kChat));
  CHECK_FALSE(matches(Route().when(has_body).when(has_id), kChat));
  CHECK(matches(Route().when(has_body).when(has_body), kChat));
  CHECK(matches(Route().when(has_id), kVersionGet));
  SUBCASE("the predicate sees the stanza itself") {
    std::string seen;
    CHECK(matches(Route().when([&](xml::Element e) {
      seen = e.name();
      return true;
    }),
                  kChat));
    CHECK(seen == "message");
  }
}

TEST_CASE("conditions combined: all must hold") {
  const Route route = Route()
                          .kind(Kind::iq)
                          .type("get")
                          .payload("query", stanza::ns::kVersion)
                          .from(jid("romeo@example.net"));
  CHECK(matches(route, kVersionGet));
  CHECK_FALSE(matches(route,
                      "<iq type='set' id='v1' from='romeo@example.net/orchard'>"
                      "<query xmlns='jabber:iq:version'/></iq>"));
  CHECK_FALSE(matches(route,
                      "<iq type='get' id='v1' from='tybalt@example.net/orchard'>"
                      "<query xmlns='jabber:iq:version'/></iq>"));
  CHECK_FALSE(matches(route,
                      "<iq type='get' id='v1' from='romeo@example.net/orchard'>"
                      "<query xmlns='jabber:iq:roster'/></iq>"));
  CHECK_FALSE(matches(route,
                      "<message type='get' from='romeo@example.net/orchard'>"
                      "<query xmlns='jabber:iq:version'/></message>"));
  CHECK_FALSE(matches(Route(route).when([](xml::Element) { return false; }), kVersionGet));
  SUBCASE("setting a condition again replaces it") {
    CHECK(matches(Route().type("set").type("chat"), kChat));
    CHECK(matches(Route().kind(Kind::iq).kind(Kind::message), kChat));
    CHECK(matches(Route().from(jid("tybalt@example.net")).from(jid("romeo@example.net")), kChat));
  }
}

TEST_CASE("Router: ids from 1, first match wins, catch-all last") {
  Router router;
  CHECK(router.size() == 0);
  CHECK(routed(router, kChat) == 0);
  const RouteId chat = router.add(Route().kind(Kind::message).type("chat"), Tag{1});
  const RouteId romeo = router.add(Route().from(jid("romeo@example.net")), Tag{2});
  const RouteId any = router.add_catch_all(Tag{3});
  CHECK(chat == 1);
  CHECK(romeo == 2);
  CHECK(any == 3);
  CHECK(router.size() == 3);
  CHECK(routed(router, kChat) == 1);
  CHECK(routed(router, kVersionGet) == 2);
  CHECK(routed(router, "<presence/>") == 3);
  SUBCASE("a catch-all added first takes everything") {
    Router greedy;
    greedy.add_catch_all(Tag{7});
    greedy.add(Route().kind(Kind::message), Tag{8});
    CHECK(routed(greedy, kChat) == 7);
    CHECK(routed(greedy, kVersionGet) == 7);
  }
  SUBCASE("removal lets the next match through; ids are not reused") {
    CHECK(router.remove(chat));
    CHECK_FALSE(router.remove(chat));
    CHECK_FALSE(router.remove(0));
    CHECK_FALSE(router.remove(99));
    CHECK(router.size() == 2);
    CHECK(routed(router, kChat) == 2);
    CHECK(router.remove(romeo));
    CHECK(routed(router, kChat) == 3);
    CHECK(router.add(Route(), Tag{4}) == 4);
    CHECK(routed(router, kChat) == 3);
  }
  SUBCASE("clear") {
    router.clear();
    CHECK(router.size() == 0);
    CHECK(routed(router, kChat) == 0);
    CHECK_FALSE(router.remove(any));
    CHECK(router.add_catch_all(Tag{5}) == 4);
    CHECK(routed(router, kChat) == 5);
  }
}

TEST_CASE("Router: a handler stays alive while held, after its route is removed") {
  Router router;
  int calls = 0;
  const RouteId id = router.add(Route(), [&calls](Session&, xml::Element) { ++calls; });
  const Parsed s(kChat);
  std::shared_ptr<const RouteHandler> held = router.match(s.element, account());
  REQUIRE(held);
  CHECK(router.remove(id));
  CHECK(router.size() == 0);
  CHECK_FALSE(router.match(s.element, account()));
  CHECK(held.use_count() == 1);
  CHECK(static_cast<bool>(*held));
  SUBCASE("and clear() as well") {
    const RouteId again = router.add(Route(), Tag{1});
    std::shared_ptr<const RouteHandler> other = router.match(s.element, account());
    router.clear();
    CHECK(router.remove(again) == false);
    REQUIRE(other);
    CHECK(other->target<Tag>()->n == 1);
  }
}

TEST_CASE("Router: match() on the same route returns the same handler") {
  Router router;
  router.add(Route().kind(Kind::message), Tag{1});
  const Parsed a(kChat);
  const auto first = router.match(a.element, account());
  const auto second = router.match(a.element, account());
  CHECK(first == second);
}
