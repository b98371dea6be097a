// The presence view on RFC 6121 §4 examples (types, show, status, priority edge cases) and
// PresenceBuilder.
#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "stanza_test_util.hpp"
#include "xmpp/stanza/namespaces.hpp"
#include "xmpp/stanza/presence.hpp"
#include "xmpp/xml/arena.hpp"

using namespace xmpp;
using namespace xmpp::test;
using namespace xmpp::stanza;

namespace {

Presence view(const Parsed& p) {
  const auto presence = Presence::view(p.element);
  REQUIRE(presence);
  return *presence;
}

// The presence with `<priority>text</priority>`.
Parsed with_priority(std::string_view text) {
  return Parsed("<presence><priority>" + std::string(text) + "</priority></presence>");
}

constexpr std::array<std::pair<PresenceType, std::string_view>, 7> kWireTypes{{
    {PresenceType::unavailable, "unavailable"},
    {PresenceType::subscribe, "subscribe"},
    {PresenceType::subscribed, "subscribed"},
    {PresenceType::unsubscribe, "unsubscribe"},
    {PresenceType::unsubscribed, "unsubscribed"},
    {PresenceType::probe, "probe"},
    {PresenceType::error, "error"},
}};

}  // namespace

TEST_CASE("PresenceType: the seven wire names of RFC 6121 §4.7.1 both ways; available has none") {
  for (const auto& [type, name] : kWireTypes) {
    CAPTURE(name);
    CHECK(to_string(type) == name);
    CHECK(presence_type_from_string(name) == type);
  }
  CHECK(to_string(PresenceType::available) == "available");
  CHECK(presence_type_from_string("available") == std::nullopt);
  CHECK(presence_type_from_string("") == std::nullopt);
  CHECK(presence_type_from_string("Unavailable") == std::nullopt);
  CHECK(to_string(static_cast<PresenceType>(8)) == "unknown");
}

TEST_CASE("is_subscription: the four subscription types only") {
  CHECK(is_subscription(PresenceType::subscribe));
  CHECK(is_subscription(PresenceType::subscribed));
  CHECK(is_subscription(PresenceType::unsubscribe));
  CHECK(is_subscription(PresenceType::unsubscribed));
  CHECK_FALSE(is_subscription(PresenceType::available));
  CHECK_FALSE(is_subscription(PresenceType::unavailable));
  CHECK_FALSE(is_subscription(PresenceType::probe));
  CHECK_FALSE(is_subscription(PresenceType::error));
}

TEST_CASE("Show: the four names of RFC 6121 §4.7.2.1 both ways") {
  constexpr std::array<std::pair<Show, std::string_view>, 4> kShows{
      {{Show::away, "away"}, {Show::chat, "chat"}, {Show::dnd, "dnd"}, {Show::xa, "xa"}}};
  for (const auto& [show, name] : kShows) {
    CHECK(to_string(show) == name);
    CHECK(show_from_string(name) == show);
    Parsed p("<presence><show>" + std::string(name) + "</show></presence>");
    CHECK(view(p).show() == show);
  }
  CHECK(show_from_string("online") == std::nullopt);
  CHECK(to_string(static_cast<Show>(4)) == "unknown");
}

TEST_CASE("Presence::view: only <presence/> in a stanza namespace") {
  CHECK(Presence::view(Parsed("<presence/>").element));
  CHECK(Presence::view(Parsed("<presence/>", kComponentHeader).element));
  CHECK_FALSE(Presence::view(Parsed("<message/>").element));
  CHECK_FALSE(Presence::view(Parsed("<presence xmlns='urn:example'/>").element));
  CHECK_FALSE(Presence::view(xml::Element()));
}

TEST_CASE("Presence: RFC 6121 §4.7.2 available with show, statuses in two languages, priority") {
  Parsed p(
      "<presence from='romeo@example.net/orchard' xml:lang='en'><show>dnd</show>"
      "<status>Wooing Juliet</status>"
      "<status xml:lang='cs'>Dvo&#x0159;&#x00ED;m se Julii</status>"
      "<priority>1</priority></presence>");
  const Presence presence = view(p);
  CHECK(presence.type() == PresenceType::available);
  CHECK(presence.type_attribute() == std::nullopt);
  CHECK(presence.from() == "romeo@example.net/orchard");
  CHECK_FALSE(presence.has_to());
  CHECK(presence.show() == Show::dnd);
  CHECK(presence.status() == "Wooing Juliet");
  CHECK(presence.status("en") == "Wooing Juliet");
  CHECK(presence.status("cs") == "Dvo\xC5\x99\xC3\xADm se Julii");
  CHECK(presence.status("de") == std::nullopt);
  CHECK(presence.priority() == 1);
  CHECK(presence.priority_valid());
  CHECK(presence.error().problem == ErrorParseProblem::not_an_error);
}

TEST_CASE("Presence: RFC 6121 §3.1.1 subscription request and the other types") {
  Parsed p("<presence id='xk3h1v69' to='juliet@example.com' type='subscribe'/>");
  const Presence presence = view(p);
  CHECK(presence.type() == PresenceType::subscribe);
  CHECK(is_subscription(*presence.type()));
  CHECK(presence.id() == "xk3h1v69");
  CHECK(presence.to() == "juliet@example.com");
  for (const auto& [type, name] : kWireTypes) {
    Parsed q("<presence type='" + std::string(name) + "'/>");
    CHECK(view(q).type() == type);
  }
}

TEST_CASE("Presence: an unknown type reads as nothing, with the attribute kept") {
  Parsed p("<presence type='invisible'/>");
  CHECK(view(p).type() == std::nullopt);
  CHECK(view(p).type_attribute() == "invisible");
  Parsed available("<presence type='available'/>");
  CHECK(view(available).type() == std::nullopt);
}

TEST_CASE("Presence: show absent or unknown; status absent or empty") {
  Parsed plain("<presence/>");
  CHECK(view(plain).show() == std::nullopt);
  CHECK(view(plain).status() == std::nullopt);
  Parsed odd("<presence><show>online</show><status/></presence>");
  CHECK(view(odd).show() == std::nullopt);
  CHECK(view(odd).status() == std::string_view());
}

TEST_CASE("Presence: priority is an xs:byte (RFC 6121 §4.7.2.3)") {
  struct Row {
    std::string_view text;
    int value;
    bool valid;
  };
  constexpr std::array<Row, 20> kRows{{
      {"0", 0, true},       {"1", 1, true},
      {"-1", -1, true},     {"127", 127, true},
      {"-128", -128, true}, {"+5", 5, true},
      {"007", 7, true},     {"-0", 0, true},
      {" 12\n", 12, true},  {"0000000000127", 127, true},
      {"128", 0, false},    {"-129", 0, false},
      {"+128", 0, false},   {"99999999999999999999", 0, false},
      {"abc", 0, false},    {"", 0, false},
      {"1.5", 0, false},    {"+", 0, false},
      {"1 2", 0, false},    {"--1", 0, false},
  }};
  for (const auto& row : kRows) {
    CAPTURE(row.text);
    const Parsed p = with_priority(row.text);
    CHECK(int{view(p).priority()} == row.value);
    CHECK(view(p).priority_valid() == row.valid);
  }
  Parsed absent("<presence/>");
  CHECK(view(absent).priority() == 0);
  CHECK(view(absent).priority_valid());
}

TEST_CASE("Presence: error and payload") {
  Parsed p(
      "<presence from='characters@muc.example.com/JulieC' id='y2bs71v4' "
      "to='juliet@im.example.com/balcony' type='error'><error type='auth'>"
      "<forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>"
      "<x xmlns='http://jabber.org/protocol/muc'/></presence>");
  const Presence presence = view(p);
  CHECK(presence.type() == PresenceType::error);
  const ErrorParseResult r = presence.error();
  REQUIRE(r.problem == ErrorParseProblem::ok);
  CHECK(r.error.condition == ErrorCondition::forbidden);
  CHECK(presence.payload("x", "http://jabber.org/protocol/muc"));
  CHECK_FALSE(presence.payload("x", "http://jabber.org/protocol/muc#user"));
}

TEST_CASE("PresenceBuilder: everything, in the order of the calls") {
  xml::Arena arena;
  Parsed caps("<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='n' ver='v'/>");
  const xml::Element built = PresenceBuilder(arena)
                                 .id("p1")
                                 .to("room@muc.example.com/nick")
                                 .from("romeo@example.net/orchard")
                                 .show(Show::xa)
                                 .status("Sleeping")
                                 .status("Sp\xC3\xADm", "cs")
                                 .priority(-128)
                                 .payload(caps.element)
                                 .element();
  CHECK(serialised(built) ==
        "<presence id='p1' to='room@muc.example.com/nick' from='romeo@example.net/orchard'>"
        "<show>xa</show><status>Sleeping</status><status xml:lang='cs'>Sp\xC3\xADm</status>"
        "<priority>-128</priority>"
        "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='n' ver='v'/></presence>");
  const auto presence = Presence::view(built);
  REQUIRE(presence);
  CHECK(presence->priority() == -128);
  CHECK(presence->status("cs") == "Sp\xC3\xADm");
  CHECK(presence->show() == Show::xa);
}

TEST_CASE("PresenceBuilder: available writes no type; the others write theirs") {
  xml::Arena arena;
  CHECK(serialised(PresenceBuilder(arena).type(PresenceType::available).element()) ==
        "<presence/>");
  CHECK(serialised(PresenceBuilder(arena).type(PresenceType::unsubscribed).element()) ==
        "<presence type='unsubscribed'/>");
  CHECK(serialised(PresenceBuilder(arena).priority(127).element()) ==
        "<presence><priority>127</priority></presence>");
  // Documented limit: available does not remove a type written before.
  CHECK(serialised(PresenceBuilder(arena)
                       .type(PresenceType::probe)
                       .type(PresenceType::available)
                       .element()) == "<presence type='probe'/>");
  const xml::Element component =
      PresenceBuilder(arena, ns::kComponent).type(PresenceType::subscribed).element();
  CHECK(component.ns() == ns::kComponent);
  CHECK(Presence::view(component)->type() == PresenceType::subscribed);
}
