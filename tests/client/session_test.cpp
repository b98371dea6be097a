// The client once online and around the negotiation: stanzas both ways, backpressure, timers,
// the closing handshake, API misuse and configuration checks.
#include <doctest/doctest.h>

#include "client_harness.hpp"
#include "xmpp/xml/arena.hpp"
#include "xmpp/xml/builder.hpp"

namespace xmpp::test {
namespace {

std::string message(int i) {
  return "<message to='alice@example.com/sansio' id='m" + std::to_string(i) +
         "'><body>hello</body></message>";
}

}  // namespace

TEST_CASE("client: inbound stanzas become Stanza events; nonzas do not") {
  Harness h(test_config());
  h.negotiate_to_online();
  h.events.clear();
  h.feed(message(1) + "<presence/>" + "<iq type='get' id='p'><ping xmlns='urn:xmpp:ping'/></iq>");
  REQUIRE(h.events.size() == 3);
  const auto& first = std::get<event::Stanza>(h.events[0]).element;
  CHECK(first.name() == "message");
  CHECK(first.ns() == "jabber:client");
  CHECK(first.attribute_or_empty("id") == "m1");
  CHECK(first.child("body").text() == "hello");
  CHECK(std::get<event::Stanza>(h.events[2]).element.name() == "iq");
}

TEST_CASE("client: send serialises in the stream's scope; reserved elements are refused") {
  Harness h(test_config());
  xml::Arena arena;
  xml::Builder msg(arena, "message", "jabber:client");
  msg.attribute("to", "bob@example.com").start("body").text("hi & bye").end();
  CHECK(h.client.send(msg.root()) == SendStatus::not_online);
  h.negotiate_to_online();
  h.take_written();
  REQUIRE(h.client.send(msg.root()) == SendStatus::ok);
  h.drain();
  CHECK(h.take_written() == "<message to='bob@example.com'><body>hi &amp; bye</body></message>");

  xml::Builder csi(arena, "active", "urn:xmpp:csi:0");
  CHECK(h.client.send(csi.root()) == SendStatus::ok);
  h.drain();
  CHECK(h.take_written() == "<active xmlns='urn:xmpp:csi:0'/>");

  for (const auto& [name, ns] :
       {std::pair{"auth", "urn:ietf:params:xml:ns:xmpp-sasl"},
        std::pair{"starttls", "urn:ietf:params:xml:ns:xmpp-tls"}, std::pair{"r", "urn:xmpp:sm:3"},
        std::pair{"error", "http://etherx.jabber.org/streams"}}) {
    xml::Builder reserved(arena, name, ns);
    CHECK(h.client.send(reserved.root()) == SendStatus::reserved_element);
  }
  CHECK(h.client.send(xml::Element{}) == SendStatus::reserved_element);
  xml::Builder bad(arena, "message", "jabber:client");
  bad.text(std::string_view("\x01", 1));
  CHECK(h.client.send(bad.root()) == SendStatus::unserializable);
  h.drain();
  CHECK(h.take_written().empty());
}

TEST_CASE("client: output backpressure: would_block, and views stay valid while queued") {
  auto config = test_config();
  config.limits.max_output_bytes = 8192;
  config.limits.max_send_bytes = 4096;
  config.limits.output_block_bytes = 1024;
  // Limits this small leave no room for a stream management queue (ClientConfig validation);
  // this test is about the output buffer alone.
  config.stream_management.enable = false;
  Harness h(std::move(config));
  h.negotiate_to_online();
  xml::Arena arena;
  xml::Builder big(arena, "message", "jabber:client");
  big.start("body").text(std::string(1000, 'x')).end();
  const std::string_view held = h.client.output();  // empty: everything was drained
  CHECK(held.empty());
  int accepted = 0;
  while (h.client.send(big.root()) == SendStatus::ok)
    ++accepted;
  CHECK(accepted >= 4);
  CHECK(h.client.send(big.root()) == SendStatus::would_block);
  const std::string_view first = h.client.output();
  const std::string copy(first);
  // More input and commands do not move queued bytes.
  h.client.receive(message(1), h.now);
  CHECK(h.client.output().data() == first.data());
  CHECK(std::string(first) == copy);
  REQUIRE(h.client.consume_output(first.size() + 1) == CommandStatus::invalid_state);
  h.drain();
  CHECK(h.client.send(big.root()) == SendStatus::ok);
  xml::Builder huge(arena, "message", "jabber:client");
  huge.start("body").text(std::string(5000, 'y')).end();
  CHECK(h.client.send(huge.root()) == SendStatus::too_large);
}

TEST_CASE("client: event backpressure: drain_needed, nothing lost") {
  auto config = test_config();
  config.limits.max_events = 4;
  Harness h(std::move(config));
  h.negotiate_to_online();
  h.events.clear();
  std::string input;
  for (int i = 0; i < 20; ++i)
    input += message(i);
  // Elements of Stanza events live until the next input, so the ids are read at once.
  std::vector<std::string> ids;
  const auto poll_all = [&] {
    std::size_t n = 0;
    while (auto e = h.client.poll_event()) {
      ids.emplace_back(std::get<event::Stanza>(*e).element.attribute_or_empty("id"));
      ++n;
    }
    return n;
  };
  std::string_view rest = input;
  int rounds = 0;
  while (!rest.empty()) {
    const ReceiveResult r = h.client.receive(rest, h.now);
    rest.remove_prefix(r.consumed);
    if (!rest.empty()) CHECK(r.status == ReceiveStatus::drain_needed);
    CHECK(poll_all() == 4);  // exactly max_events, never more
    ++rounds;
  }
  CHECK(rounds == 5);
  REQUIRE(ids.size() == 20);
  for (std::size_t i = 0; i < 20; ++i)
    CHECK(ids[i] == "m" + std::to_string(i));
}

TEST_CASE("client: event elements live until the next input after polling") {
  Harness h(test_config());
  h.negotiate_to_online();
  REQUIRE(h.client.receive(message(7), h.now).status == ReceiveStatus::all_consumed);
  auto event = h.client.poll_event();
  REQUIRE(event.has_value());
  const xml::Element element = std::get<event::Stanza>(*event).element;
  // Commands and getters do not invalidate it.
  xml::Arena arena;
  xml::Builder msg(arena, "presence", "jabber:client");
  REQUIRE(h.client.send(msg.root()) == SendStatus::ok);
  CHECK(element.attribute_or_empty("id") == "m7");
  CHECK(element.child("body").text() == "hello");
}

TEST_CASE("client: negotiation timeouts for each step; spurious timeouts do nothing") {
  auto config = test_config();
  config.timeouts.stream_open = std::chrono::seconds(5);
  config.timeouts.authentication = std::chrono::seconds(7);
  SUBCASE("no server header") {
    Harness h(config);
    h.connect();
    REQUIRE(h.client.next_deadline() == h.now + std::chrono::seconds(5));
    h.advance(std::chrono::seconds(4));
    CHECK(h.closed_reason() == std::nullopt);
    h.client.handle_timeout(h.now);  // spurious
    h.drain();
    CHECK(h.closed_reason() == std::nullopt);
    h.advance(std::chrono::seconds(1));
    CHECK(h.closed_reason() == CloseReason::timeout);
    CHECK(h.find<event::Closed>()->detail.find("awaiting_stream") != std::string::npos);
    CHECK(h.written == std::string(kClientHeaderClear) + "</stream:stream>");
    CHECK_FALSE(h.client.next_deadline().has_value());
  }
  SUBCASE("no SASL answer") {
    Harness h(config);
    h.connect();
    h.feed(std::string(kServerHeader) + std::string(kStartTlsFeatures));
    h.feed(kProceed);
    h.tls();
    h.feed(std::string(kServerHeader) + std::string(kPlainFeatures));
    CHECK(h.client.next_deadline() == h.now + std::chrono::seconds(7));
    h.advance(std::chrono::seconds(7));
    CHECK(h.closed_reason() == CloseReason::timeout);
  }
  SUBCASE("the TLS hand-off") {
    Harness h(config);
    h.connect();
    h.feed(std::string(kServerHeader) + std::string(kStartTlsFeatures));
    h.feed(kProceed);
    h.take_written();
    h.advance(config.timeouts.tls_handshake);
    CHECK(h.closed_reason() == CloseReason::timeout);
    CHECK(h.take_written().empty());  // no stream is open in the clear any more
  }
}

TEST_CASE("client: whitespace keepalive only on an idle stream") {
  auto config = test_config();
  config.keepalive_interval = std::chrono::seconds(30);
  Harness h(std::move(config));
  h.negotiate_to_online();
  h.take_written();
  REQUIRE(h.client.next_deadline() == h.now + std::chrono::seconds(30));
  h.advance(std::chrono::seconds(30));
  CHECK(h.take_written() == " ");
  // Output during the next interval makes the keepalive unnecessary.
  xml::Arena arena;
  xml::Builder presence(arena, "presence", "jabber:client");
  h.advance(std::chrono::seconds(10));
  REQUIRE(h.client.send(presence.root()) == SendStatus::ok);
  h.drain();
  h.take_written();
  h.advance(std::chrono::seconds(20));
  CHECK(h.take_written().empty());
  h.advance(std::chrono::seconds(30));
  CHECK(h.take_written() == " ");
}

TEST_CASE("client: graceful close waits for the peer's closing tag") {
  SUBCASE("answered") {
    Harness h(test_config());
    h.negotiate_to_online();
    h.take_written();
    REQUIRE(h.client.close(h.now) == CommandStatus::ok);
    h.drain();
    CHECK(h.take_written() == "</stream:stream>");
    CHECK(h.client.phase() == ClientPhase::closing);
    CHECK(h.client.close(h.now) == CommandStatus::invalid_state);
    xml::Arena arena;
    xml::Builder presence(arena, "presence", "jabber:client");
    CHECK(h.client.send(presence.root()) == SendStatus::not_online);
    // Stanzas still arriving are delivered; the peer's closing tag ends the session.
    h.feed(message(1) + "</stream:stream>");
    CHECK(h.count<event::Stanza>() == 1);
    CHECK(h.closed_reason() == CloseReason::local_close);
    CHECK(h.take_written().empty());
  }
  SUBCASE("not answered") {
    Harness h(test_config());
    h.negotiate_to_online();
    REQUIRE(h.client.close(h.now) == CommandStatus::ok);
    h.drain();
    h.advance(h.client.config().timeouts.close);
    CHECK(h.closed_reason() == CloseReason::timeout);
  }
  SUBCASE("transport closed") {
    Harness h(test_config());
    h.negotiate_to_online();
    REQUIRE(h.client.close(h.now) == CommandStatus::ok);
    REQUIRE(h.client.receive_eof(h.now) == CommandStatus::ok);
    h.drain();
    CHECK(h.closed_reason() == CloseReason::local_close);
  }
}

TEST_CASE("client: the peer closing, or the link dropping") {
  SUBCASE("peer closes: we answer") {
    Harness h(test_config());
    h.negotiate_to_online();
    h.take_written();
    h.feed("</stream:stream>");
    CHECK(h.closed_reason() == CloseReason::peer_closed);
    CHECK(h.take_written() == "</stream:stream>");
  }
  SUBCASE("EOF") {
    Harness h(test_config());
    h.negotiate_to_online();
    h.take_written();
    REQUIRE(h.client.receive_eof(h.now) == CommandStatus::ok);
    h.drain();
    CHECK(h.closed_reason() == CloseReason::connection_lost);
    CHECK(h.take_written().empty());
    CHECK(h.client.receive_eof(h.now) == CommandStatus::invalid_state);
  }
  SUBCASE("bytes after the closing tag are not consumed") {
    Harness h(test_config());
    h.negotiate_to_online();
    const std::string input = "</stream:stream>garbage";
    const ReceiveResult r = h.feed(input);
    CHECK(r.status == ReceiveStatus::closed);
    CHECK(r.consumed == 16);
  }
}

TEST_CASE("client: API misuse changes nothing") {
  Harness h(test_config());
  CHECK(h.client.receive("<x/>", h.now).status == ReceiveStatus::invalid_state);
  CHECK(h.client.receive_eof(h.now) == CommandStatus::invalid_state);
  CHECK(h.client.close(h.now) == CommandStatus::invalid_state);
  CHECK(h.client.tls_established(test_tls_info(), h.now) == CommandStatus::invalid_state);
  CHECK(h.client.consume_output(1) == CommandStatus::invalid_state);
  h.client.handle_timeout(h.now);
  CHECK(h.client.phase() == ClientPhase::idle);
  CHECK(h.client.output().empty());
  CHECK_FALSE(h.client.poll_event().has_value());
  h.connect();
  CHECK(h.client.connect(h.now) == CommandStatus::invalid_state);
  CHECK(h.client.tls_established(test_tls_info(), h.now) == CommandStatus::invalid_state);
  CHECK(h.client.phase() == ClientPhase::awaiting_stream);
  CHECK(h.take_written() == kClientHeaderClear);
}

TEST_CASE("client: configuration checks") {
  const auto check = [](auto mutate, ConfigError expected) {
    auto config = test_config();
    mutate(config);
    CHECK(validate(config) == expected);
    Client client(config);
    if (expected != ConfigError::ok) {
      CHECK(client.connect(TimePoint{}) == CommandStatus::invalid_config);
      CHECK(client.phase() == ClientPhase::idle);
      CHECK(client.output().empty());
    }
  };
  check([](ClientConfig&) {}, ConfigError::ok);
  check([](ClientConfig& c) { c.mechanisms.clear(); }, ConfigError::no_mechanisms);
  check([](ClientConfig& c) { c.entropy = nullptr; }, ConfigError::missing_entropy);
  check([](ClientConfig& c) { c.resource = std::string("a\x01", 2); },
        ConfigError::invalid_resource);
  check([](ClientConfig& c) { c.timeouts.bind = Duration::zero(); }, ConfigError::invalid_timeout);
  check([](ClientConfig& c) { c.keepalive_interval = Duration(-1); },
        ConfigError::invalid_keepalive);
  check([](ClientConfig& c) { c.limits.max_events = 0; }, ConfigError::invalid_limits);
  check([](ClientConfig& c) { c.limits.max_send_bytes = c.limits.max_output_bytes; },
        ConfigError::invalid_limits);
  check([](ClientConfig& c) { c.scram.min_iterations = 0; }, ConfigError::invalid_scram_policy);
  check([](ClientConfig& c) { c.credentials.password.clear(); }, ConfigError::missing_credentials);
  check(
      [](ClientConfig& c) {
        c.credentials.password.clear();
        c.mechanisms = {sasl::Mechanism::anonymous};
      },
      ConfigError::ok);
  for (auto e = ConfigError::ok; e <= ConfigError::missing_credentials;
       e = static_cast<ConfigError>(static_cast<int>(e) + 1)) {
    CHECK(to_string(e) != "unknown");
  }
}

TEST_CASE("client: names of phases and codes") {
  CHECK(to_string(ClientPhase::establishing_session) == "establishing_session");
  CHECK(to_string(ClientPhase::closed) == "closed");
  CHECK(to_string(CloseReason::output_overflow) == "output_overflow");
  CHECK(to_string(ReceiveStatus::drain_needed) == "drain_needed");
  CHECK(to_string(SendStatus::too_large) == "too_large");
  CHECK(to_string(CommandStatus::invalid_config) == "invalid_config");
  CHECK(to_string(TlsPolicy::direct) == "direct");
}

TEST_CASE("client: an idle online engine holds little memory") {
  Harness h(test_config());
  h.negotiate_to_online();
  h.client.release_memory();
  MESSAGE("idle client heap_bytes after release_memory: " << h.client.heap_bytes());
  CHECK(h.client.heap_bytes() < 4096);
}

}  // namespace xmpp::test
