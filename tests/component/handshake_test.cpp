// Transcript tests of the component handshake (XEP-0114 §3): scripted server bytes against the
// exact bytes the component writes and the events it reports, for every step and its failures.
#include <doctest/doctest.h>

#include <array>
#include <cstdint>

#include "component/handshake_digest.hpp"
#include "component_harness.hpp"
#include "core/hex.hpp"

namespace xmpp::test {
namespace {

constexpr std::string_view kErrorNs = "xmlns='urn:ietf:params:xml:ns:xmpp-streams'";

// The stream error the component writes for `condition` with `text`, and its closing tag.
std::string stream_error(std::string_view condition, std::string_view text) {
  return cat({"<stream:error><", condition, " ", kErrorNs, "/><text ", kErrorNs, ">", text,
              "</text></stream:error>", kCloseTag});
}

}  // namespace

TEST_CASE("component: handshake digest and hex match independently computed values") {
  // Expected values from coreutils: printf '%s' 'ID''SECRET' | sha1sum.
  CHECK(component_handshake_digest("3BF96D32", "test") ==
        "aaee83c26aeeafcbabeabfcbcd50df997e0a2a1e");
  CHECK(component_handshake_digest("abc:", "secret") == "2caf0b982aabed7e83a8995de852f48d7311bc8b");
  // The secret's UTF-8 bytes, as they are (no normalisation).
  CHECK(component_handshake_digest("x1",
                                   "s3cr\xE2\x82\xAC"
                                   "t") == "912ab62fad0f112808c0ece29f002134d2a815af");
  const std::array<std::uint8_t, 5> bytes = {0x00, 0x0f, 0xa0, 0xff, 0x5c};
  CHECK(hex_lower(bytes) == "000fa0ff5c");
  CHECK(hex_lower({}).empty());
}

TEST_CASE("component: header, handshake, Online (XEP-0114 §3 example)") {
  ComponentHarness h;
  h.connect();
  CHECK(h.component.phase() == ComponentPhase::awaiting_stream);
  CHECK(h.take_written() == kComponentStreamHeader);
  CHECK(h.component.stream_id().empty());
  CHECK(h.events.empty());

  CHECK(h.feed(kServerComponentHeader).status == ReceiveStatus::all_consumed);
  CHECK(h.take_written() == kHandshake);
  CHECK(h.component.phase() == ComponentPhase::handshaking);
  CHECK(h.component.stream_id() == "3BF96D32");
  CHECK(h.events.empty());

  CHECK(h.feed(kHandshakeOk).status == ReceiveStatus::all_consumed);
  CHECK(h.component.phase() == ComponentPhase::online);
  CHECK(h.take_written().empty());
  REQUIRE(h.events.size() == 1);
  const auto* online = h.find<event::Online>();
  REQUIRE(online != nullptr);
  CHECK(online->jid.str() == "plays.shakespeare.lit");
  CHECK_FALSE(online->resumed);
  // No negotiation timer once online (keepalive is off in component_config).
  CHECK_FALSE(h.component.next_deadline().has_value());
}

TEST_CASE("component: the handshake uses this stream's id and the configured secret") {
  auto config = component_config();
  config.secret = "hunter2";
  ComponentHarness h(std::move(config));
  h.connect();
  h.feed(
      "<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' "
      "xmlns='jabber:component:accept' id='c0mp0nent-id'>");
  CHECK(h.take_written() ==
        cat({kComponentStreamHeader,
             "<handshake>2fcc0cfe5be60f3b3a6014244f561c4137ab4291</handshake>"}));
}

TEST_CASE("component: header, success and stanzas in one read") {
  ComponentHarness h;
  h.connect();
  const std::string input =
      cat({kServerComponentHeader, kHandshakeOk,
           "<message from='juliet@example.com' to='romeo@plays.shakespeare.lit'><body>Art thou "
           "not Romeo?</body></message>"});
  CHECK(h.feed(input).status == ReceiveStatus::all_consumed);
  CHECK(h.take_written() == cat({kComponentStreamHeader, kHandshake}));
  REQUIRE(h.events.size() == 2);
  CHECK(std::holds_alternative<event::Online>(h.events[0]));
  const auto& stanza = std::get<event::Stanza>(h.events[1]).element;
  CHECK(stanza.name() == "message");
  CHECK(stanza.ns() == "jabber:component:accept");
  CHECK(stanza.child("body").text() == "Art thou not Romeo?");
}

TEST_CASE("component: every byte split: same output and events as whole writes") {
  const std::string server = cat(
      {"<?xml version='1.0'?>", kServerComponentHeader, kHandshakeOk,
       "<presence from='a@b' to='x@plays.shakespeare.lit'/><iq type='get' id='1'/>", kCloseTag});
  ComponentHarness whole;
  whole.connect();
  whole.feed(server);
  ComponentHarness bytewise;
  bytewise.connect();
  for (std::size_t i = 0; i < server.size(); ++i) {
    const ReceiveResult r = bytewise.feed(std::string_view(server).substr(i, 1));
    REQUIRE(r.consumed == 1);
  }
  CHECK(bytewise.written == whole.written);
  CHECK(whole.written == cat({kComponentStreamHeader, kHandshake, kCloseTag}));
  REQUIRE(bytewise.events.size() == whole.events.size());
  CHECK(whole.events.size() == 4);  // Online, two stanzas, Closed
  for (std::size_t i = 0; i < whole.events.size(); ++i)
    CHECK(bytewise.events[i].index() == whole.events[i].index());
  CHECK(bytewise.closed_reason() == CloseReason::peer_closed);
}

TEST_CASE("component: the server refuses the secret with <not-authorized/>") {
  ComponentHarness h;
  h.connect();
  h.feed(kServerComponentHeader);
  h.take_written();
  h.feed(
      "<stream:error><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
      "</stream:error></stream:stream>");
  const auto* received = h.find<event::StreamErrorReceived>();
  REQUIRE(received != nullptr);
  CHECK(received->error.condition == StreamErrorCondition::not_authorized);
  CHECK(h.closed_reason() == CloseReason::stream_error_received);
  CHECK(h.find<event::Online>() == nullptr);
  CHECK(h.take_written() == kCloseTag);
  CHECK(h.component.phase() == ComponentPhase::closed);
  CHECK_FALSE(h.component.next_deadline().has_value());
}

TEST_CASE("component: a server header without id fails closed: bad-format, no handshake") {
  ComponentHarness h;
  h.connect();
  h.take_written();
  h.feed(
      "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' "
      "xmlns='jabber:component:accept' from='plays.shakespeare.lit'>");
  CHECK(h.error_sent() == StreamErrorCondition::bad_format);
  CHECK(h.closed_reason() == CloseReason::stream_error_sent);
  CHECK(h.take_written() ==
        stream_error("bad-format", "stream header without id (RFC 6120 §4.7.3)"));
  CHECK(h.written.find("<handshake") == std::string::npos);
  CHECK(h.component.stream_id().empty());
}

TEST_CASE("component: other bad server headers") {
  SUBCASE("client namespace") {
    ComponentHarness h;
    h.connect();
    h.feed(
        "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client' "
        "id='1'>");
    CHECK(h.error_sent() == StreamErrorCondition::invalid_namespace);
    CHECK(h.written.find("<handshake") == std::string::npos);
  }
  SUBCASE("another domain") {
    ComponentHarness h;
    h.connect();
    h.feed(
        "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' "
        "xmlns='jabber:component:accept' from='evil.example' id='1'>");
    CHECK(h.error_sent() == StreamErrorCondition::invalid_from);
    CHECK(h.written.find("<handshake") == std::string::npos);
  }
  SUBCASE("version 1.0 and features are tolerated") {
    ComponentHarness h;
    h.connect();
    h.feed(
        "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' "
        "xmlns='jabber:component:accept' from='PLAYS.shakespeare.lit' id='3BF96D32' "
        "version='1.0'><stream:features/>");
    CHECK(h.take_written() == cat({kComponentStreamHeader, kHandshake}));
    CHECK(h.component.phase() == ComponentPhase::handshaking);
    h.feed(cat({kHandshakeOk, "<stream:features/>"}));
    CHECK(h.find<event::Online>() != nullptr);
    CHECK(h.closed_reason() == std::nullopt);
  }
}

TEST_CASE("component: a stanza before the handshake succeeded is a stream error") {
  ComponentHarness h;
  h.connect();
  h.feed(kServerComponentHeader);
  h.take_written();
  h.feed("<message to='x@plays.shakespeare.lit'><body>early</body></message>");
  CHECK(h.error_sent() == StreamErrorCondition::unsupported_stanza_type);
  CHECK(h.count<event::Stanza>() == 0);
  CHECK(h.find<event::Online>() == nullptr);
  CHECK(h.take_written() ==
        stream_error("unsupported-stanza-type",
                     "&lt;message xmlns='jabber:component:accept'/&gt; is not allowed while "
                     "handshaking"));
}

TEST_CASE("component: a <handshake> with content is refused") {
  for (const std::string_view answer :
       {"<handshake>aaee83c26aeeafcbabeabfcbcd50df997e0a2a1e</handshake>",
        "<handshake><x xmlns='urn:example'/></handshake>", "<handshake> </handshake>"}) {
    CAPTURE(answer);
    ComponentHarness h;
    h.connect();
    h.feed(kServerComponentHeader);
    h.feed(answer);
    CHECK(h.error_sent() == StreamErrorCondition::bad_format);
    CHECK(h.find<event::Online>() == nullptr);
  }
}

TEST_CASE("component: elements outside the table are stream errors") {
  SUBCASE("a second <handshake/> once online") {
    ComponentHarness h;
    h.handshake_to_online();
    h.feed(kHandshakeOk);
    CHECK(h.error_sent() == StreamErrorCondition::unsupported_stanza_type);
    CHECK(h.find<event::StreamErrorSent>()->error.text->find("is not allowed while online") !=
          std::string::npos);
  }
  SUBCASE("an unknown element once online") {
    ComponentHarness h;
    h.handshake_to_online();
    h.feed("<r xmlns='urn:xmpp:sm:3'/>");
    CHECK(h.error_sent() == StreamErrorCondition::unsupported_stanza_type);
    CHECK(h.find<event::StreamErrorSent>()->error.text->find("is not understood") !=
          std::string::npos);
  }
  SUBCASE("a jabber:client stanza on a component stream") {
    ComponentHarness h;
    h.handshake_to_online();
    h.feed("<message xmlns='jabber:client'/>");
    CHECK(h.error_sent() == StreamErrorCondition::unsupported_stanza_type);
    CHECK(h.count<event::Stanza>() == 0);
  }
  SUBCASE("SASL while handshaking") {
    ComponentHarness h;
    h.connect();
    h.feed(kServerComponentHeader);
    h.feed("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
    CHECK(h.error_sent() == StreamErrorCondition::unsupported_stanza_type);
    CHECK(h.find<event::Online>() == nullptr);
  }
}

TEST_CASE("component: close() before the server's header: no handshake after our closing tag") {
  ComponentHarness h;
  h.connect();
  REQUIRE(h.component.close(h.now) == CommandStatus::ok);
  h.drain();
  CHECK(h.component.phase() == ComponentPhase::closing);
  h.feed(cat({kServerComponentHeader, kHandshakeOk}));
  CHECK(h.written == cat({kComponentStreamHeader, kCloseTag}));
  CHECK(h.component.phase() == ComponentPhase::closing);
  CHECK(h.find<event::Online>() == nullptr);
  h.feed(kCloseTag);
  CHECK(h.closed_reason() == CloseReason::local_close);
}

}  // namespace xmpp::test
