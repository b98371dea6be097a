// posix::ComponentClient against the minimal XEP-0114 server of component_server.hpp: the
// handshake, stanzas both ways, the graceful close, a refused secret, a refused connect, and
// on_stopped once at the end of each.
#include <doctest/doctest.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "component_server.hpp"
#include "xmpp/xml/builder.hpp"

namespace xmpp::posix::test {
namespace {

template <class Done>
bool drive_component(ComponentClient& component, ComponentServer& server, Done done,
                     std::chrono::milliseconds limit = 5s) {
  const auto end = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() >= end) return false;
    const bool running = component.run_once(1ms);
    server.step(running ? 0ms : 1ms);
  }
  return true;
}

TEST_CASE("posix component: handshake, a stanza both ways, close() -> local_close") {
  ComponentServer server("s3cret-component");
  ComponentSeen seen;
  ComponentClient component(component_config("s3cret-component"), server.address(), seen.hooks());
  std::string error;
  REQUIRE_MESSAGE(component.start(&error), error);
  REQUIRE(drive_component(component, server, [&] { return seen.online; }));
  CHECK(server.handshake_ok == true);
  CHECK(server.header.find("to='component.localhost'") != std::string::npos);
  CHECK(server.header.find("xmlns='jabber:component:accept'") != std::string::npos);
  CHECK(component.component().phase() == ComponentPhase::online);
  CHECK(component.component().stream_id() == server.stream_id);

  // Server to component.
  server.send(
      "<message from='alice@localhost/x' to='component.localhost' id='in1'><body>hi</body>"
      "</message>");
  REQUIRE(drive_component(component, server, [&] { return !seen.stanza_ids.empty(); }));
  CHECK(seen.stanza_ids == std::vector<std::string>{"in1"});

  // Component to server.
  xml::Arena arena;
  xml::Builder reply(arena, "message", "jabber:component:accept");
  reply.attribute("from", "component.localhost").attribute("to", "alice@localhost/x");
  reply.attribute("id", "out1").start("body").text("hello").end();
  REQUIRE(component.component().send(reply.root()) == SendStatus::ok);
  REQUIRE(drive_component(component, server, [&] {
    return server.after_handshake.find("id='out1'") != std::string::npos;
  }));

  // The traffic log: every byte, both ways.
  CHECK(seen.sent == server.received);
  CHECK(seen.sent.find("<handshake>") != std::string::npos);
  CHECK(seen.received.find("<handshake/>") != std::string::npos);
  CHECK(seen.received.find("id='in1'") != std::string::npos);

  // Graceful close: our closing tag, the server's, then the socket closes.
  REQUIRE(component.component().close(Clock::now()) == CommandStatus::ok);
  REQUIRE(drive_component(component, server, [&] { return seen.closed && server.eof; }));
  CHECK(server.client_closed);
  CHECK(*seen.closed == CloseReason::local_close);
  CHECK(seen.stopped == CloseReason::local_close);
  CHECK(seen.stops == 1);
  // The closing tag is in the traffic log too.
  CHECK(seen.sent == server.received);
  CHECK(seen.sent.ends_with("</stream:stream>"));
  CHECK_FALSE(component.run_once(0ms));
  CHECK(component.run() == CloseReason::local_close);
}

TEST_CASE("posix component: a wrong secret: not-authorized ends the stream") {
  ComponentServer server("the-real-secret");
  ComponentSeen seen;
  ComponentClient component(component_config("a-wrong-secret"), server.address(), seen.hooks());
  REQUIRE(component.start());
  REQUIRE(drive_component(component, server, [&] { return seen.closed.has_value(); }));
  CHECK(server.handshake_ok == false);
  CHECK_FALSE(seen.online);
  CHECK(seen.errors_received ==
        std::vector<StreamErrorCondition>{StreamErrorCondition::not_authorized});
  CHECK(*seen.closed == CloseReason::stream_error_received);
  CHECK(seen.stopped == CloseReason::stream_error_received);
  CHECK(component.run() == CloseReason::stream_error_received);
  // The driver closes the socket once the stream is over.
  REQUIRE(drive_component(component, server, [&] { return server.eof; }));
}

TEST_CASE("posix component: a refused connect ends with connection_lost") {
  Listener refusing = Listener::open("127.0.0.1", false);
  ComponentSeen seen;
  ComponentClient component(component_config("secret"), refusing.address(), seen.hooks());
  // start() only begins the connect (although posix.hpp says it "resolves and connects
  // (blocking)"): the refusal comes from run(), and no hook hears of it (no engine event).
  REQUIRE(component.start());
  CHECK_FALSE(component.run_until([] { return false; }, 5s));  // returns once the stream ended
  CHECK_FALSE(component.run_once(0ms));
  CHECK(component.run() == CloseReason::connection_lost);
  CHECK(component.last_transport_error().find(std::strerror(ECONNREFUSED)) != std::string::npos);
  CHECK_FALSE(seen.online);
  // No stream was started: no Closed event, but on_stopped still ends the component's life.
  CHECK_FALSE(seen.closed);
  CHECK(seen.stopped == CloseReason::connection_lost);
  CHECK(seen.stops == 1);
}

TEST_CASE("posix component: the server drops the connection: connection_lost") {
  ComponentServer server("secret");
  ComponentSeen seen;
  ComponentClient component(component_config("secret"), server.address(), seen.hooks());
  REQUIRE(component.start());
  REQUIRE(drive_component(component, server, [&] { return seen.online; }));
  server.drop();
  CHECK_FALSE(component.run_until([] { return false; }, 5s));  // returns once the stream ended
  CHECK(seen.closed == CloseReason::connection_lost);
  CHECK(seen.stopped == CloseReason::connection_lost);
  CHECK(component.run() == CloseReason::connection_lost);
  CHECK_FALSE(component.last_transport_error().empty());
}

}  // namespace
}  // namespace xmpp::posix::test
