// XEP-0114 components in epoll::Loop (add_component()), against the XEP-0114 server of the POSIX
// component tests (tests/adapters/posix/component_server.hpp): the handshake with the address
// resolved through the loop, stanzas both ways, the graceful close and on_stopped; a wrong
// secret, a refused connect, an address that is not host:port; and components and client
// sessions side by side in one Loop, one of them failing while the others go on.
#include <doctest/doctest.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "component_server.hpp"
#include "harness.hpp"
#include "xmpp/xml/builder.hpp"

namespace xmpp::epoll::test {
namespace {

/// drive() with the component servers stepped too.
bool drive_all(Loop& loop, const std::vector<ComponentServer*>& components,
               const std::vector<LoopbackServer*>& servers, const std::function<bool()>& done,
               std::chrono::milliseconds limit = 5s) {
  return drive_with(
      loop,
      [&] {
        for (ComponentServer* server : components)
          server->step();
        for (LoopbackServer* server : servers)
          server->step();
      },
      done, limit);
}

SessionId add_component(Loop& loop, ComponentSeen& seen, const std::string& address,
                        const std::string& secret) {
  std::string error;
  const SessionId id = loop.add_component(component_config(secret), address, seen.hooks(), &error);
  REQUIRE_MESSAGE(id != 0, error);
  return id;
}

xml::Element component_message(xml::Arena& arena, const std::string& id) {
  xml::Builder message(arena, "message", "jabber:component:accept");
  message.attribute("from", "component.localhost").attribute("to", "alice@localhost/x");
  message.attribute("id", id).start("body").text("hello").end();
  return message.root();
}

/// "localhost:PORT" for a listener on 127.0.0.1: a name the resolver must look up (the hosts
/// file), not a literal.
std::string by_name(const std::string& address) {
  return "localhost" + address.substr(address.rfind(':'));
}

TEST_CASE("epoll component: resolved by the loop, handshake, stanzas both ways, graceful close") {
  ComponentServer server("s3cret-component");
  Loop loop;
  ComponentSeen seen;
  const SessionId id = add_component(loop, seen, by_name(server.address()), "s3cret-component");
  CHECK(loop.size() == 1);
  CHECK(loop.running() == 1);
  CHECK(loop.session(id) == nullptr);  // a component is not a client session
  REQUIRE(drive_all(loop, {&server}, {}, [&] { return seen.online; }));
  CHECK(server.handshake_ok == true);
  CHECK(server.header.find("to='component.localhost'") != std::string::npos);
  REQUIRE(loop.component(id) != nullptr);
  CHECK(loop.component(id)->phase() == ComponentPhase::online);
  CHECK(loop.component(id)->stream_id() == server.stream_id);

  server.send(
      "<message from='alice@localhost/x' to='component.localhost' id='in1'><body>hi</body>"
      "</message>");
  REQUIRE(drive_all(loop, {&server}, {}, [&] { return !seen.stanza_ids.empty(); }));
  CHECK(seen.stanza_ids == std::vector<std::string>{"in1"});

  // Sent from outside any hook through component(id): written without another wake-up.
  xml::Arena arena;
  REQUIRE(loop.component(id)->send(component_message(arena, "out1")) == SendStatus::ok);
  REQUIRE(drive_all(loop, {&server}, {},
                    [&] { return server.after_handshake.find("id='out1'") != std::string::npos; }));
  CHECK(seen.sent == server.received);
  CHECK(seen.received.find("id='in1'") != std::string::npos);

  loop.drop_transport(id);  // nothing for a component: it cannot be resumed
  REQUIRE(loop.component(id)->close(Clock::now()) == CommandStatus::ok);
  REQUIRE(drive_all(loop, {&server}, {}, [&] { return seen.stopped && server.eof; }));
  CHECK(server.client_closed);
  CHECK(seen.closed == CloseReason::local_close);
  CHECK(seen.stopped == CloseReason::local_close);
  CHECK(seen.stops == 1);
  CHECK(loop.running() == 0);
  CHECK(loop.size() == 1);  // stopped components stay until removed
  CHECK(loop.last_transport_error(id).empty());
  CHECK_FALSE(loop.run_once(0ms));
  CHECK(loop.remove(id));
  CHECK(loop.component(id) == nullptr);
}

TEST_CASE("epoll component: failures end the component with on_stopped, or fail add_component") {
  Loop loop;
  ComponentSeen seen;
  SUBCASE("a wrong secret: not-authorized") {
    ComponentServer server("the-real-secret");
    add_component(loop, seen, server.address(), "a-wrong-secret");
    REQUIRE(drive_all(loop, {&server}, {}, [&] { return seen.stopped.has_value(); }));
    CHECK(server.handshake_ok == false);
    CHECK_FALSE(seen.online);
    CHECK(seen.closed == CloseReason::stream_error_received);
    CHECK(seen.stopped == CloseReason::stream_error_received);
    REQUIRE(drive_all(loop, {&server}, {}, [&] { return server.eof; }));
  }
  SUBCASE("a refused connect: connection_lost, no stream, the reason kept") {
    Listener refusing = Listener::open("127.0.0.1", false);
    const SessionId id = add_component(loop, seen, refusing.address(), "secret");
    REQUIRE(drive_all(loop, {}, {}, [&] { return seen.stopped.has_value(); }));
    CHECK(seen.stopped == CloseReason::connection_lost);
    CHECK_FALSE(seen.closed);
    CHECK(seen.stops == 1);
    CHECK(loop.last_transport_error(id).find(std::strerror(ECONNREFUSED)) != std::string::npos);
    CHECK(loop.running() == 0);
  }
  SUBCASE("not a host:port, or an invalid configuration: add_component() fails") {
    std::string error;
    CHECK(loop.add_component(component_config("s"), "localhost:port", seen.hooks(), &error) == 0);
    CHECK(error.find("not a host:port") != std::string::npos);
    CHECK(loop.add_component(component_config(""), "localhost:5347", seen.hooks(), &error) == 0);
    CHECK(error.find("invalid configuration") != std::string::npos);
    CHECK(loop.size() == 0);
    CHECK_FALSE(seen.stopped);
  }
}

TEST_CASE("epoll component: three components and three client sessions in one Loop") {
  constexpr int kComponents = 3;
  std::vector<std::unique_ptr<ComponentServer>> owned;
  std::vector<ComponentServer*> component_servers;
  std::vector<std::unique_ptr<ComponentSeen>> seen;
  std::vector<SessionId> ids;
  LoopbackServer server(plain_server_config());
  Loop loop;
  for (int i = 0; i < kComponents; ++i) {
    owned.push_back(std::make_unique<ComponentServer>("secret"));
    component_servers.push_back(owned.back().get());
    seen.push_back(std::make_unique<ComponentSeen>());
    ids.push_back(add_component(loop, *seen.back(), owned.back()->address(), "secret"));
  }
  auto members = add_many(loop, 3, [&](int i) {
    return config_with_resource(server.address(), "r" + std::to_string(i));
  });
  CHECK(loop.size() == 6);
  const auto everyone_online = [&] {
    for (const auto& s : seen)
      if (!s->online) return false;
    for (const auto& m : members)
      if (!m->seen.online()) return false;
    return true;
  };
  REQUIRE(drive_all(loop, component_servers, {&server}, everyone_online));
  CHECK(loop.running() == 6);

  // Every component gets a stanza and sends one; every client session gets one.
  xml::Arena arena;
  for (int i = 0; i < kComponents; ++i) {
    const auto n = static_cast<std::size_t>(i);
    owned[n]->send("<message to='component.localhost' id='c" + std::to_string(i) + "'/>");
    REQUIRE(loop.component(ids[n])->send(component_message(arena, "o" + std::to_string(i))) ==
            SendStatus::ok);
  }
  for (const auto& c : server.connections) {
    const std::string to(c->server->bound_jid()->str());
    REQUIRE(c->server->send_stanza(message_to(to, "to-" + to, "x")));
  }
  REQUIRE(drive_all(loop, component_servers, {&server}, [&] {
    for (int i = 0; i < kComponents; ++i) {
      const auto n = static_cast<std::size_t>(i);
      if (seen[n]->stanza_ids.size() != 1) return false;
      if (owned[n]->after_handshake.find("id='o" + std::to_string(i) + "'") == std::string::npos)
        return false;
    }
    for (const auto& m : members)
      if (m->seen.stanza_ids.size() != 1) return false;
    return true;
  }));
  for (int i = 0; i < kComponents; ++i) {
    CHECK(seen[static_cast<std::size_t>(i)]->stanza_ids.front() == "c" + std::to_string(i));
  }

  // One component's server goes away: that component stops, the others and the sessions go on.
  owned[1]->drop();
  REQUIRE(
      drive_all(loop, component_servers, {&server}, [&] { return seen[1]->stopped.has_value(); }));
  CHECK(seen[1]->stopped == CloseReason::connection_lost);
  CHECK(loop.running() == 5);
  CHECK_FALSE(seen[0]->stopped);
  CHECK_FALSE(seen[2]->stopped);
  owned[2]->send("<message to='component.localhost' id='again'/>");
  REQUIRE(drive_all(loop, component_servers, {&server},
                    [&] { return seen[2]->stanza_ids.size() == 2; }));
  CHECK(seen[2]->stanza_ids.back() == "again");
  REQUIRE(loop.session(members[0]->id)->send(chat_message(arena, "bob@localhost", "m0", "x")) ==
          SendStatus::ok);
  REQUIRE(drive_all(loop, component_servers, {&server}, [&] {
    const testing::SmSession* sm = server.connections[0]->server->sm_session();
    return sm != nullptr && !sm->delivered.empty() &&
           attribute_of(sm->delivered.back(), "id") == "m0";
  }));

  // Removing a running component closes its socket; no hook is called.
  CHECK(loop.remove(ids[0]));
  REQUIRE(drive_all(loop, component_servers, {&server}, [&] { return owned[0]->eof; }));
  CHECK_FALSE(seen[0]->stopped);
  CHECK(loop.running() == 4);
}

}  // namespace
}  // namespace xmpp::epoll::test
