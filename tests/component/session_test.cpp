// The component once online and around the handshake: stanzas both ways, backpressure, timers,
// the closing handshake, API misuse and configuration checks.
#include <doctest/doctest.h>

#include <cstdint>

#include "component_harness.hpp"
#include "xmpp/xml/arena.hpp"
#include "xmpp/xml/builder.hpp"

namespace xmpp::test {
namespace {

std::string message(int i) {
  return "<message from='romeo@example.net' to='bot@plays.shakespeare.lit' id='m" +
         std::to_string(i) + "'><body>hello</body></message>";
}

}  // namespace

TEST_CASE("component: inbound stanzas become Stanza events in jabber:component:accept") {
  ComponentHarness h;
  h.handshake_to_online();
  h.events.clear();
  h.feed(message(1) + "<presence from='a@b/c' to='room@plays.shakespeare.lit/n'/>" +
         "<iq type='get' id='p' from='a@b/c'><ping xmlns='urn:xmpp:ping'/></iq>");
  REQUIRE(h.events.size() == 3);
  const auto& first = std::get<event::Stanza>(h.events[0]).element;
  CHECK(first.name() == "message");
  CHECK(first.ns() == "jabber:component:accept");
  CHECK(first.attribute_or_empty("id") == "m1");
  CHECK(std::get<event::Stanza>(h.events[1]).element.name() == "presence");
  const auto& iq = std::get<event::Stanza>(h.events[2]).element;
  CHECK(iq.name() == "iq");
  CHECK(iq.child("ping", "urn:xmpp:ping"));
}

TEST_CASE("component: send serialises in the stream's scope; the handshake is reserved") {
  ComponentHarness h;
  xml::Arena arena;
  xml::Builder msg(arena, "message", "jabber:component:accept");
  msg.attribute("from", "bot@plays.shakespeare.lit")
      .attribute("to", "romeo@example.net")
      .start("body")
      .text("a < b")
      .end();
  CHECK(h.component.send(msg.root()) == SendStatus::not_online);
  h.handshake_to_online();
  REQUIRE(h.component.send(msg.root()) == SendStatus::ok);
  h.drain();
  CHECK(h.take_written() ==
        "<message from='bot@plays.shakespeare.lit' to='romeo@example.net'><body>a &lt; "
        "b</body></message>");

  // Built in jabber:client: correct XML on this stream, so the namespace is spelt out.
  xml::Builder client_msg(arena, "message", "jabber:client");
  REQUIRE(h.component.send(client_msg.root()) == SendStatus::ok);
  h.drain();
  CHECK(h.take_written() == "<message xmlns='jabber:client'/>");

  xml::Builder handshake(arena, "handshake", "jabber:component:accept");
  CHECK(h.component.send(handshake.root()) == SendStatus::reserved_element);
  xml::Builder error(arena, "error", "http://etherx.jabber.org/streams");
  CHECK(h.component.send(error.root()) == SendStatus::reserved_element);
  CHECK(h.component.send(xml::Element{}) == SendStatus::reserved_element);
  xml::Builder bad(arena, "message", "jabber:component:accept");
  bad.text(std::string_view("\x01", 1));
  CHECK(h.component.send(bad.root()) == SendStatus::unserializable);
  h.drain();
  CHECK(h.take_written().empty());
}

TEST_CASE("component: output and event backpressure") {
  auto config = component_config();
  config.limits.max_output_bytes = 8192;
  config.limits.max_send_bytes = 4096;
  config.limits.output_block_bytes = 1024;
  config.limits.max_events = 3;
  ComponentHarness h(std::move(config));
  h.handshake_to_online();
  h.events.clear();

  xml::Arena arena;
  xml::Builder big(arena, "message", "jabber:component:accept");
  big.start("body").text(std::string(1000, 'x')).end();
  int accepted = 0;
  while (h.component.send(big.root()) == SendStatus::ok)
    ++accepted;
  CHECK(accepted >= 4);
  CHECK(h.component.send(big.root()) == SendStatus::would_block);
  h.drain();
  CHECK(h.component.send(big.root()) == SendStatus::ok);
  xml::Builder huge(arena, "message", "jabber:component:accept");
  huge.start("body").text(std::string(5000, 'y')).end();
  CHECK(h.component.send(huge.root()) == SendStatus::too_large);
  h.drain();

  std::string input;
  for (int i = 0; i < 7; ++i)
    input += message(i);
  const ReceiveResult r = h.component.receive(input, h.now);
  CHECK(r.status == ReceiveStatus::drain_needed);
  CHECK(r.consumed == 3 * message(0).size());
}

TEST_CASE("component: timeouts for each step; spurious timeouts do nothing") {
  auto config = component_config();
  config.timeouts.stream_open = std::chrono::seconds(5);
  config.timeouts.handshake = std::chrono::seconds(7);
  SUBCASE("no server header") {
    ComponentHarness h(config);
    h.connect();
    REQUIRE(h.component.next_deadline() == h.now + std::chrono::seconds(5));
    h.advance(std::chrono::seconds(4));
    CHECK(h.closed_reason() == std::nullopt);
    h.component.handle_timeout(h.now);  // spurious
    h.drain();
    CHECK(h.closed_reason() == std::nullopt);
    h.advance(std::chrono::seconds(1));
    CHECK(h.closed_reason() == CloseReason::timeout);
    CHECK(h.find<event::Closed>()->detail.find("awaiting_stream") != std::string::npos);
    CHECK(h.written == cat({kComponentStreamHeader, kCloseTag}));
    CHECK_FALSE(h.component.next_deadline().has_value());
    CHECK(h.component.phase() == ComponentPhase::closed);
  }
  SUBCASE("no answer to the handshake") {
    ComponentHarness h(config);
    h.connect();
    h.advance(std::chrono::seconds(3));
    h.feed(kServerComponentHeader);
    // The handshake step has its own limit, counted from the handshake.
    REQUIRE(h.component.next_deadline() == h.now + std::chrono::seconds(7));
    h.advance(std::chrono::seconds(6));
    CHECK(h.closed_reason() == std::nullopt);
    h.advance(std::chrono::seconds(1));
    CHECK(h.closed_reason() == CloseReason::timeout);
    CHECK(h.find<event::Closed>()->detail.find("handshaking") != std::string::npos);
    CHECK(h.written == cat({kComponentStreamHeader, kHandshake, kCloseTag}));
  }
}

TEST_CASE("component: whitespace keepalive only on an idle stream") {
  auto config = component_config();
  config.keepalive_interval = std::chrono::seconds(30);
  ComponentHarness h(std::move(config));
  h.handshake_to_online();
  REQUIRE(h.component.next_deadline() == h.now + std::chrono::seconds(30));
  h.advance(std::chrono::seconds(30));
  CHECK(h.take_written() == " ");
  xml::Arena arena;
  xml::Builder presence(arena, "presence", "jabber:component:accept");
  h.advance(std::chrono::seconds(10));
  REQUIRE(h.component.send(presence.root()) == SendStatus::ok);
  h.drain();
  CHECK(h.take_written() == "<presence/>");
  h.advance(std::chrono::seconds(20));
  CHECK(h.take_written().empty());
  h.advance(std::chrono::seconds(30));
  CHECK(h.take_written() == " ");
  CHECK(h.closed_reason() == std::nullopt);
}

TEST_CASE("component: no keepalive before the handshake succeeded") {
  auto config = component_config();
  config.keepalive_interval = std::chrono::seconds(1);
  ComponentHarness h(std::move(config));
  h.connect();
  h.feed(kServerComponentHeader);
  CHECK(h.component.next_deadline() == h.now + h.component.config().timeouts.handshake);
}

TEST_CASE("component: graceful close waits for the peer's closing tag") {
  SUBCASE("answered") {
    ComponentHarness h;
    h.handshake_to_online();
    REQUIRE(h.component.close(h.now) == CommandStatus::ok);
    h.drain();
    CHECK(h.take_written() == kCloseTag);
    CHECK(h.component.phase() == ComponentPhase::closing);
    CHECK(h.component.next_deadline() == h.now + h.component.config().timeouts.close);
    CHECK(h.component.close(h.now) == CommandStatus::invalid_state);
    xml::Arena arena;
    xml::Builder presence(arena, "presence", "jabber:component:accept");
    CHECK(h.component.send(presence.root()) == SendStatus::not_online);
    // Stanzas still arriving are delivered, other elements dropped; the peer's closing tag ends
    // the session.
    h.feed(message(1) + "<unknown xmlns='urn:example'/>" + std::string(kCloseTag));
    CHECK(h.count<event::Stanza>() == 1);
    CHECK(h.count<event::StreamErrorSent>() == 0);
    CHECK(h.closed_reason() == CloseReason::local_close);
    CHECK(h.take_written().empty());
  }
  SUBCASE("not answered") {
    ComponentHarness h;
    h.handshake_to_online();
    REQUIRE(h.component.close(h.now) == CommandStatus::ok);
    h.drain();
    h.advance(h.component.config().timeouts.close);
    CHECK(h.closed_reason() == CloseReason::timeout);
  }
  SUBCASE("transport closed") {
    ComponentHarness h;
    h.handshake_to_online();
    REQUIRE(h.component.close(h.now) == CommandStatus::ok);
    REQUIRE(h.component.receive_eof(h.now) == CommandStatus::ok);
    h.drain();
    CHECK(h.closed_reason() == CloseReason::local_close);
  }
}

TEST_CASE("component: the peer closing, or the link dropping") {
  SUBCASE("peer closes: we answer") {
    ComponentHarness h;
    h.handshake_to_online();
    h.feed(kCloseTag);
    CHECK(h.closed_reason() == CloseReason::peer_closed);
    CHECK(h.take_written() == kCloseTag);
  }
  SUBCASE("EOF") {
    ComponentHarness h;
    h.handshake_to_online();
    REQUIRE(h.component.receive_eof(h.now) == CommandStatus::ok);
    h.drain();
    CHECK(h.closed_reason() == CloseReason::connection_lost);
    CHECK(h.take_written().empty());
    CHECK(h.component.receive_eof(h.now) == CommandStatus::invalid_state);
  }
  SUBCASE("bytes after the closing tag are not consumed") {
    ComponentHarness h;
    h.handshake_to_online();
    const ReceiveResult r = h.feed(cat({kCloseTag, "garbage"}));
    CHECK(r.status == ReceiveStatus::closed);
    CHECK(r.consumed == kCloseTag.size());
  }
}

TEST_CASE("component: API misuse changes nothing") {
  ComponentHarness h;
  CHECK(h.component.receive(kServerComponentHeader, h.now).status == ReceiveStatus::invalid_state);
  CHECK(h.component.receive_eof(h.now) == CommandStatus::invalid_state);
  CHECK(h.component.close(h.now) == CommandStatus::invalid_state);
  CHECK(h.component.consume_output(1) == CommandStatus::invalid_state);
  h.component.handle_timeout(h.now);
  CHECK(h.component.phase() == ComponentPhase::idle);
  CHECK(h.component.output().empty());
  CHECK_FALSE(h.component.poll_event().has_value());
  CHECK_FALSE(h.component.next_deadline().has_value());

  h.connect();
  const auto deadline = h.component.next_deadline();
  CHECK(h.component.connect(h.now + std::chrono::seconds(1)) == CommandStatus::invalid_state);
  CHECK(h.component.phase() == ComponentPhase::awaiting_stream);
  CHECK(h.component.next_deadline() == deadline);
  CHECK(h.component.consume_output(1) == CommandStatus::invalid_state);
  CHECK(h.take_written() == kComponentStreamHeader);

  h.feed(kCloseTag);
  REQUIRE(h.component.phase() == ComponentPhase::closed);
  const std::string written = h.written;
  CHECK(h.component.receive("<x/>", h.now).status == ReceiveStatus::invalid_state);
  CHECK(h.component.close(h.now) == CommandStatus::invalid_state);
  CHECK(h.component.receive_eof(h.now) == CommandStatus::invalid_state);
  CHECK(h.component.connect(h.now) == CommandStatus::invalid_state);
  h.drain();
  CHECK(h.written == written);
  CHECK(h.count<event::Closed>() == 1);
}

TEST_CASE("component: configuration checks") {
  const auto check = [](auto mutate, ComponentConfigError expected) {
    auto config = component_config();
    mutate(config);
    CHECK(validate(config) == expected);
    Component component(config);
    if (expected != ComponentConfigError::ok) {
      CHECK(component.connect(TimePoint{}) == CommandStatus::invalid_config);
      CHECK(component.phase() == ComponentPhase::idle);
      CHECK(component.output().empty());
      CHECK_FALSE(component.next_deadline().has_value());
    } else {
      CHECK(component.connect(TimePoint{}) == CommandStatus::ok);
    }
  };
  using E = ComponentConfigError;
  check([](ComponentConfig&) {}, E::ok);
  check([](ComponentConfig& c) { c.domain = *Jid::parse("bot@plays.shakespeare.lit"); },
        E::invalid_domain);
  check([](ComponentConfig& c) { c.domain = *Jid::parse("plays.shakespeare.lit/r"); },
        E::invalid_domain);
  check([](ComponentConfig& c) { c.secret.clear(); }, E::missing_secret);
  check([](ComponentConfig& c) { c.lang = "\xff"; }, E::invalid_lang);
  check([](ComponentConfig& c) { c.lang.clear(); }, E::ok);
  check([](ComponentConfig& c) { c.timeouts.stream_open = Duration::zero(); }, E::invalid_timeout);
  check([](ComponentConfig& c) { c.timeouts.handshake = Duration(-1); }, E::invalid_timeout);
  check([](ComponentConfig& c) { c.timeouts.close = Duration::zero(); }, E::invalid_timeout);
  check([](ComponentConfig& c) { c.keepalive_interval = Duration(-1); }, E::invalid_keepalive);
  check([](ComponentConfig& c) { c.limits.max_events = 0; }, E::invalid_limits);
  check([](ComponentConfig& c) { c.limits.parser.max_depth = 0; }, E::invalid_limits);
  check([](ComponentConfig& c) { c.limits.max_send_bytes = c.limits.max_output_bytes; },
        E::invalid_limits);
  // A send limit so large that adding the reserve would wrap around.
  check([](ComponentConfig& c) { c.limits.max_send_bytes = SIZE_MAX - 100; }, E::invalid_limits);
  for (auto e = E::ok; e <= E::invalid_limits; e = static_cast<E>(static_cast<int>(e) + 1)) {
    CHECK(to_string(e) != "unknown");
  }
  CHECK(to_string(static_cast<E>(200)) == "unknown");
}

TEST_CASE("component: an empty xml:lang is left out of the header") {
  auto config = component_config();
  config.lang.clear();
  ComponentHarness h(std::move(config));
  h.connect();
  CHECK(h.take_written() ==
        "<?xml version='1.0'?><stream:stream to='plays.shakespeare.lit' "
        "xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams'>");
}

TEST_CASE("component: names of phases") {
  CHECK(to_string(ComponentPhase::idle) == "idle");
  CHECK(to_string(ComponentPhase::awaiting_stream) == "awaiting_stream");
  CHECK(to_string(ComponentPhase::handshaking) == "handshaking");
  CHECK(to_string(ComponentPhase::online) == "online");
  CHECK(to_string(ComponentPhase::closing) == "closing");
  CHECK(to_string(ComponentPhase::closed) == "closed");
  CHECK(to_string(static_cast<ComponentPhase>(99)) == "unknown");
}

TEST_CASE("component: moving the engine keeps the session") {
  ComponentHarness h;
  h.handshake_to_online();
  Component moved(std::move(h.component));
  CHECK(moved.phase() == ComponentPhase::online);
  CHECK(moved.stream_id() == "3BF96D32");
  CHECK(moved.receive(message(2), h.now).status == ReceiveStatus::all_consumed);
  CHECK(moved.poll_event().has_value());
}

TEST_CASE("component: an idle online engine holds little memory") {
  ComponentHarness h;
  h.handshake_to_online();
  h.feed(message(1));
  h.component.release_memory();
  MESSAGE("idle component heap_bytes after release_memory: " << h.component.heap_bytes());
  CHECK(h.component.heap_bytes() > 0);
  CHECK(h.component.heap_bytes() < 4096);
}

}  // namespace xmpp::test
