// examples/xmpp-chat/raw_stanza.hpp: what XML {"raw":...} accepts.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <utility>

#include "conditions.hpp"
#include "raw_stanza.hpp"
#include "xmpp/xml/writer.hpp"

namespace xmpp::chat {
namespace {

OwnedElement accept(std::string_view xml, Mode mode = Mode::client, std::string_view domain = {}) {
  auto r = parse_raw_stanza(xml, mode, domain);
  if (const auto* e = std::get_if<RawStanzaError>(&r)) {
    FAIL("refused " << std::string(xml) << ": " << e->condition << ": " << e->text);
  }
  return std::get<OwnedElement>(std::move(r));
}

void reject(std::string_view xml, std::string_view condition, std::string_view text_part,
            Mode mode = Mode::client, std::string_view domain = {}) {
  CAPTURE(std::string(xml));
  auto r = parse_raw_stanza(xml, mode, domain);
  const auto* e = std::get_if<RawStanzaError>(&r);
  REQUIRE(e != nullptr);
  CHECK(e->condition == condition);
  CHECK_MESSAGE(e->text.find(text_part) != std::string::npos, e->text);
}

std::string serialised(xml::Element e, std::string_view default_ns) {
  xml::WriteScope scope;
  scope.default_ns = default_ns;
  std::string out;
  REQUIRE(xml::write(e, out, scope) == xml::WriteStatus::ok);
  return out;
}

}  // namespace

TEST_CASE("raw stanza: one message, presence or iq in jabber:client is accepted") {
  OwnedElement p = accept("<presence/>");
  CHECK(p.get().is("presence", "jabber:client"));
  CHECK(serialised(p.get(), "jabber:client") == "<presence/>");

  OwnedElement m = accept("<message to='x'><body>hi</body></message>");
  CHECK(m.get().is("message", "jabber:client"));
  CHECK(m.get().attribute_or_empty("to") == "x");
  CHECK(m.get().child("body").text() == "hi");

  CHECK(accept(" \r\n\t<presence type='unavailable'/>\n ").get().name() == "presence");
  CHECK(accept("<iq type='get' id='1' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>")
            .get()
            .child_element_count() == 1);
  CHECK(accept("<iq type='result' id='1'/>").get().name() == "iq");
  CHECK(accept("<message xmlns='jabber:client'><body>&lt;&amp;&#x41;</body></message>")
            .get()
            .child("body")
            .text() == "<&A");
  // A prefix bound to the stream's namespace is the same namespace.
  CHECK(accept("<c:presence xmlns:c='jabber:client'/>").get().is("presence", "jabber:client"));
  // The stream prefix of the synthetic header is in scope, as on a real stream.
  CHECK(accept("<message><stream:x/></message>").get().first_child_element().ns() ==
        "http://etherx.jabber.org/streams");
  for (const char* type : {"chat", "normal", "groupchat", "headline"}) {
    CHECK(accept(std::string("<message type='") + type + "'/>").get().name() == "message");
  }
  for (const char* type :
       {"probe", "subscribe", "subscribed", "unavailable", "unsubscribe", "unsubscribed"}) {
    CHECK(accept(std::string("<presence type='") + type + "'/>").get().name() == "presence");
  }
  CHECK(accept("<message type='error'><error type='cancel'/></message>").get().name() == "message");
  CHECK(accept("<iq type='error' id='e'><error type='cancel'/></iq>").get().name() == "iq");
}

TEST_CASE("raw stanza: the element outlives the parser and survives moves") {
  OwnedElement a = accept("<message to='a@b'><body>kept</body></message>");
  OwnedElement b = std::move(a);
  CHECK_FALSE(a.get());  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
  CHECK(b.get().child("body").text() == "kept");
  OwnedElement c;
  CHECK_FALSE(c.get());
  c = std::move(b);
  CHECK(c.get().attribute_or_empty("to") == "a@b");
}

TEST_CASE("raw stanza: component mode wants jabber:component:accept") {
  CHECK(accept("<presence/>", Mode::component).get().is("presence", "jabber:component:accept"));
  reject("<presence xmlns='jabber:client'/>", condition::not_a_stanza, "jabber:component:accept",
         Mode::component);
  reject("<presence xmlns='jabber:component:accept'/>", condition::not_a_stanza, "jabber:client");
  // from, when present, in the component's domain.
  CHECK(accept("<message from='bot@c.localhost' to='a@b'/>", Mode::component, "c.localhost")
            .get()
            .name() == "message");
  CHECK(accept("<message to='a@b'/>", Mode::component, "c.localhost").get().name() == "message");
  reject("<message from='bot@localhost' to='a@b'/>", condition::bad_jid, "component's domain",
         Mode::component, "c.localhost");
  // In client mode from is only checked to be a JID.
  CHECK(accept("<message from='bot@localhost'/>", Mode::client, "c.localhost").get());
}

TEST_CASE("raw stanza: not exactly one element is bad-xml") {
  reject("", condition::bad_xml, "no element");
  reject("  \n", condition::bad_xml, "no element");
  reject("<presence/><presence/>", condition::bad_xml, "more than one element");
  reject("<presence/> <message/>", condition::bad_xml, "at byte 12");
  reject("<presence/><message>", condition::bad_xml, "the second is left open");
  reject("<presence>", condition::bad_xml, "ends inside an element");
  reject("<message><body>hi</body>", condition::bad_xml, "ends inside an element");
  reject("<presence", condition::bad_xml, "ends inside an element");
  reject("hello", condition::bad_xml, "character data at stream level");
  reject("hi<presence/>", condition::bad_xml, "at byte 0");
  reject("<presence/>x", condition::bad_xml,
         "character data at stream level (RFC 6120 §11.7) at byte 11");
  reject("&amp;", condition::bad_xml, "character data");
  reject("<![CDATA[x]]><presence/>", condition::bad_xml, "");
}

TEST_CASE("raw stanza: what RFC 6120 §11 forbids is bad-xml") {
  reject("<!-- c --><presence/>", condition::bad_xml, "comment");
  reject("<presence><!-- c --></presence>", condition::bad_xml, "comment (RFC 6120 §11.1)");
  reject("<?xml version='1.0'?><presence/>", condition::bad_xml, "processing instruction");
  reject("<presence><?pi x?></presence>", condition::bad_xml, "processing instruction");
  reject("<!DOCTYPE presence><presence/>", condition::bad_xml, "at byte 2");
  reject("<presence>&foo;</presence>", condition::bad_xml, "");
  reject("<presence a='1' a='2'/>", condition::bad_xml, "");
  reject("<presence></message>", condition::bad_xml, "");
  reject("<p:presence/>", condition::bad_xml, "");  // unbound prefix
  reject("<presence>\xFF</presence>", condition::bad_xml, "");
  reject(std::string("<presence>\0</presence>", 22), condition::bad_xml, "");
}

TEST_CASE("raw stanza: stream-level constructs are not stanzas") {
  // A stream header is an element left open after the synthetic header.
  reject("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>",
         condition::bad_xml, "ends inside an element");
  reject("<?xml version='1.0'?><stream:stream>", condition::bad_xml, "processing instruction");
  reject("</stream:stream>", condition::bad_xml, "closing stream tag");
  reject("<presence/></stream:stream>", condition::bad_xml,
         "closing stream tag is not a stanza at byte 11");
  reject("<stream:features/>", condition::not_a_stanza, "<features>");
  reject("<stream:error/>", condition::not_a_stanza, "http://etherx.jabber.org/streams");
  reject("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>", condition::not_a_stanza,
         "starttls");
  reject("<r xmlns='urn:xmpp:sm:3'/>", condition::not_a_stanza, "");
  reject("<foo/>", condition::not_a_stanza, "<foo> in namespace 'jabber:client' is not a stanza");
  reject("<body>hi</body>", condition::not_a_stanza, "");
  reject("<message xmlns='jabber:server'/>", condition::not_a_stanza, "jabber:server");
  reject("<message xmlns=''/>", condition::not_a_stanza, "");
}

TEST_CASE("raw stanza: RFC 6120 §8 and RFC 6121 rules give bad-stanza") {
  reject("<message type='Chat'/>", condition::bad_stanza, "type 'Chat' is not a message type");
  reject("<message type='probe'/>", condition::bad_stanza, "");
  reject("<presence type='chat'/>", condition::bad_stanza, "not a presence type");
  reject("<presence type='available'/>", condition::bad_stanza, "");
  reject("<iq type='get'/>", condition::bad_stanza, "must have an id");
  reject("<iq id='1'/>", condition::bad_stanza, "must have a type");
  reject("<iq id='1' type='query'/>", condition::bad_stanza, "not an iq type");
  reject("<iq id='1' type='get'/>", condition::bad_stanza, "exactly one child");
  reject("<iq id='1' type='set'><a xmlns='x'/><b xmlns='x'/></iq>", condition::bad_stanza,
         "exactly one child");
  reject("<iq id='1' type='result'><a xmlns='x'/><b xmlns='x'/></iq>", condition::bad_stanza,
         "at most one");
  reject("<message type='error'/>", condition::bad_stanza, "<error/> child");
  reject("<presence type='error'><x xmlns='y'/></presence>", condition::bad_stanza, "<error/>");
  reject("<iq id='1' type='error'/>", condition::bad_stanza, "<error/>");
}

TEST_CASE("raw stanza: to and from must be JIDs") {
  reject("<message to=''/>", condition::bad_jid, "'to' is not a JID");
  reject("<message to='a@b@c'/>", condition::bad_jid, "'to' is not a JID");
  reject("<presence from='a b@c'/>", condition::bad_jid, "'from' is not a JID");
  reject("<iq id='1' type='get' to='x/'><q xmlns='y'/></iq>", condition::bad_jid, "resourcepart");
}

TEST_CASE("raw stanza: the parser's limits apply") {
  xml::Limits limits;
  limits.max_element_bytes = 64;
  const std::string big = "<message><body>" + std::string(100, 'x') + "</body></message>";
  auto r = parse_raw_stanza(big, Mode::client, {}, limits);
  REQUIRE(std::holds_alternative<RawStanzaError>(r));
  CHECK(std::get<RawStanzaError>(r).condition == condition::bad_xml);
  CHECK(std::holds_alternative<OwnedElement>(parse_raw_stanza(big, Mode::client)));
}

}  // namespace xmpp::chat
