// kind_of(): the three stanza kinds in both stanza namespaces, and nothing else.
#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "stanza_test_util.hpp"
#include "xmpp/stanza.hpp"  // the umbrella header compiles alone

using namespace xmpp;
using namespace xmpp::test;
using stanza::Kind;
using stanza::kind_of;

TEST_CASE("kind_of: message, presence and iq in jabber:client") {
  CHECK(kind_of(Parsed("<message/>").element) == Kind::message);
  CHECK(kind_of(Parsed("<presence/>").element) == Kind::presence);
  CHECK(kind_of(Parsed("<iq type='get' id='1'><ping xmlns='urn:xmpp:ping'/></iq>").element) ==
        Kind::iq);
}

TEST_CASE("kind_of: the same in jabber:component:accept (XEP-0114)") {
  CHECK(kind_of(Parsed("<message/>", kComponentHeader).element) == Kind::message);
  CHECK(kind_of(Parsed("<presence/>", kComponentHeader).element) == Kind::presence);
  CHECK(kind_of(Parsed("<iq/>", kComponentHeader).element) == Kind::iq);
}

TEST_CASE("kind_of: nothing for other names, other namespaces and the empty element") {
  CHECK(kind_of(xml::Element()) == std::nullopt);
  CHECK(kind_of(Parsed("<error/>").element) == std::nullopt);
  CHECK(kind_of(Parsed("<Message/>").element) == std::nullopt);
  CHECK(kind_of(Parsed("<r xmlns='urn:xmpp:sm:3'/>").element) == std::nullopt);
  CHECK(kind_of(Parsed("<message xmlns='jabber:server'/>").element) == std::nullopt);
  CHECK(kind_of(Parsed("<iq xmlns='urn:example'/>").element) == std::nullopt);
  CHECK(kind_of(Parsed("<stream:features/>").element) == std::nullopt);
}

TEST_CASE("to_string(Kind)") {
  CHECK(stanza::to_string(Kind::message) == "message");
  CHECK(stanza::to_string(Kind::presence) == "presence");
  CHECK(stanza::to_string(Kind::iq) == "iq");
  CHECK(stanza::to_string(static_cast<Kind>(7)) == "unknown");
}
