// examples/xmpp-chat/output.hpp, inbound.hpp, outbound.hpp: the exact lines printed and the
// stanzas built.
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "inbound.hpp"
#include "outbound.hpp"
#include "output.hpp"
#include "owned_element.hpp"
#include "xmpp/xml/stream_parser.hpp"
#include "xmpp/xml/writer.hpp"

namespace xmpp::chat {
namespace {

using namespace std::string_literals;

// Parses one stanza as a server would send it on a stream of `mode` (unlike parse_raw_stanza,
// no check of what is in it).
OwnedElement received(std::string_view stanza, Mode mode = Mode::client) {
  xml::StreamParser parser;
  const std::string header = "<stream:stream xmlns='" + std::string(stanza_namespace(mode)) +
                             "' xmlns:stream='http://etherx.jabber.org/streams'>";
  REQUIRE(parser.parse(header).event == xml::ParseEvent::stream_open);
  const xml::ParseResult r = parser.parse(stanza);
  REQUIRE(r.event == xml::ParseEvent::element);
  return OwnedElement(parser.element());
}

std::string written(xml::Element e) {
  std::string out;
  REQUIRE(xml::write(e, out) == xml::WriteStatus::ok);
  return out;
}

}  // namespace

TEST_CASE("output: the exact line of every event") {
  CHECK(output::online("alice@localhost/r", false) ==
        R"({"event":"online","jid":"alice@localhost/r","resumed":false})");
  CHECK(output::online("c.localhost", true) ==
        R"({"event":"online","jid":"c.localhost","resumed":true})");
  CHECK(output::message("bob@localhost/x", "m1", "chat", "hi") ==
        R"({"event":"message","from":"bob@localhost/x","id":"m1","type":"chat","body":"hi"})");
  CHECK(output::message("", "", "normal", "") ==
        R"({"event":"message","from":"","id":"","type":"normal","body":""})");
  CHECK(output::stanza("<presence from='a@b'/>") ==
        R"({"event":"stanza","xml":"<presence from='a@b'/>"})");
  CHECK(output::acked("m1") == R"({"event":"acked","id":"m1"})");
  CHECK(output::unconfirmed("m2") == R"({"event":"unconfirmed","id":"m2"})");
  CHECK(output::disconnected("connection lost") ==
        R"({"event":"disconnected","reason":"connection lost"})");
  CHECK(output::reconnecting(0) == R"({"event":"reconnecting","in_ms":0})");
  CHECK(output::reconnecting(2500) == R"({"event":"reconnecting","in_ms":2500})");
  CHECK(output::error("bad-jid", "\"to\" is not a JID") ==
        R"({"event":"error","condition":"bad-jid","text":"\"to\" is not a JID"})");
}

TEST_CASE("output: lines are single lines of valid JSON whatever the strings hold") {
  const std::string line = output::message("a\nb", "\"", "chat", "x\xFF\r\n\xC3\xA9\\");
  CHECK(
      line ==
      R"({"event":"message","from":"a\u000ab","id":"\"","type":"chat","body":"x\ufffd\u000d\u000a)"
      "\xC3\xA9"
      R"(\\"})");
  CHECK(line.find('\n') == std::string::npos);
  CHECK(output::stanza("<message><body>\n</body></message>").find('\n') == std::string::npos);
}

TEST_CASE("inbound: messages with a body are message events") {
  OwnedElement m = received(
      "<message from='bob@localhost/x' id='m1' type='chat'><body>hi &amp; bye</body></message>");
  CHECK(
      inbound_event(m.get(), Mode::client) ==
      R"({"event":"message","from":"bob@localhost/x","id":"m1","type":"chat","body":"hi & bye"})");
  // No type means normal (RFC 6121 §5.2.2); no id and no from are empty strings.
  m = received("<message><body>x</body></message>");
  CHECK(inbound_event(m.get(), Mode::client) ==
        R"({"event":"message","from":"","id":"","type":"normal","body":"x"})");
  // The first body; other payloads are not shown; the body's text runs are joined.
  m = received(
      "<message type='groupchat' from='r@muc/n'><active xmlns='http://jabber.org/protocol/"
      "chatstates'/><body>one<![CDATA[<two>]]></body><body xml:lang='fr'>un</body></message>");
  CHECK(inbound_event(m.get(), Mode::client) ==
        R"({"event":"message","from":"r@muc/n","id":"","type":"groupchat","body":"one<two>"})");
  m = received("<message type='headline'><body/></message>");
  CHECK(inbound_event(m.get(), Mode::client) ==
        R"({"event":"message","from":"","id":"","type":"headline","body":""})");
  // Component streams.
  m = received("<message from='a@b' to='bot@c' id='1'><body>yo</body></message>", Mode::component);
  CHECK(inbound_event(m.get(), Mode::component) ==
        R"({"event":"message","from":"a@b","id":"1","type":"normal","body":"yo"})");
}

TEST_CASE("inbound: everything else is a stanza event, written without the stream's xmlns") {
  OwnedElement s = received("<presence from='bob@localhost/x'><show>away</show></presence>");
  CHECK(
      inbound_event(s.get(), Mode::client) ==
      R"({"event":"stanza","xml":"<presence from='bob@localhost/x'><show>away</show></presence>"})");
  s = received(
      "<message from='a@b'><composing xmlns='http://jabber.org/protocol/chatstates'/>"
      "</message>");
  CHECK(
      inbound_event(s.get(), Mode::client) ==
      R"({"event":"stanza","xml":"<message from='a@b'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>"})");
  s = received("<message type='error' from='a@b'><body>x</body><error type='cancel'/></message>");
  CHECK(inbound_event(s.get(), Mode::client).starts_with(R"({"event":"stanza","xml":"<message)"));
  // A <body> in another namespace is not the message body.
  s = received("<message><body xmlns='urn:x'>x</body></message>");
  CHECK(inbound_event(s.get(), Mode::client).starts_with(R"({"event":"stanza",)"));
  s = received("<iq type='get' id='p' from='localhost'><ping xmlns='urn:xmpp:ping'/></iq>");
  CHECK(
      inbound_event(s.get(), Mode::client) ==
      R"({"event":"stanza","xml":"<iq type='get' id='p' from='localhost'><ping xmlns='urn:xmpp:ping'/></iq>"})");
  s = received("<presence/>", Mode::component);
  CHECK(inbound_event(s.get(), Mode::component) == R"({"event":"stanza","xml":"<presence/>"})");
  // Read on a client stream but reported for a component one: the namespace shows.
  s = received("<presence/>", Mode::client);
  CHECK(inbound_event(s.get(), Mode::component) ==
        R"({"event":"stanza","xml":"<presence xmlns='jabber:client'/>"})");
}

TEST_CASE("outbound: the message built for a SendMessage") {
  xml::Arena arena;
  SendMessage m{*Jid::parse("bob@localhost"), "hi <&>", std::nullopt, "chat", std::nullopt};
  xml::Element e = build_message(m, Mode::client, arena);
  CHECK(e.is("message", "jabber:client"));
  CHECK(written(e) ==
        "<message xmlns='jabber:client' to='bob@localhost' type='chat'><body>hi &lt;&amp;&gt;"
        "</body></message>");
  m.id = "m1";
  m.type = "headline";
  m.from = *Jid::parse("bot@c.localhost");
  e = build_message(m, Mode::component, arena);
  CHECK(e.is("message", "jabber:component:accept"));
  CHECK(e.child("body").ns() == "jabber:component:accept");
  CHECK(written(e) ==
        "<message xmlns='jabber:component:accept' to='bob@localhost' from='bot@c.localhost' "
        "type='headline' id='m1'><body>hi &lt;&amp;&gt;</body></message>");
}

}  // namespace xmpp::chat
