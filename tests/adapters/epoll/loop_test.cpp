// epoll::Loop with many sessions over real loopback sockets, in the clear: one session's whole
// life, hundreds of sessions online and exchanging at once, remove() while the others run (also
// from the session's own hook), and adding a session from another's hook.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "harness.hpp"

namespace xmpp::epoll::test {
namespace {

/// How many stanzas with this id the server's sessions received.
int delivered(const LoopbackServer& server, std::string_view id) {
  int n = 0;
  for (const auto& c : server.connections) {
    const testing::SmSession* sm = c->server->sm_session();
    if (sm == nullptr) continue;
    for (const std::string& stanza : sm->delivered)
      n += attribute_of(stanza, "id") == id ? 1 : 0;
  }
  return n;
}

TEST_CASE("epoll loop: one session online, a stanza both ways, traffic logged, graceful close") {
  LoopbackServer server(plain_server_config());
  Loop loop;
  Member alice;
  add(loop, alice, plain_config(server.address()));
  CHECK(loop.size() == 1);
  CHECK(loop.running() == 1);
  REQUIRE(drive(loop, {&server}, [&] { return alice.seen.online(); }));
  CHECK(alice.seen.online_jid->str() == "alice@localhost/posix");
  CHECK(loop.last_transport_error(alice.id).empty());

  xml::Arena arena;
  REQUIRE(loop.session(alice.id)->send(chat_message(arena, "bob@localhost", "c1", "hi")) ==
          SendStatus::ok);
  REQUIRE(drive(loop, {&server}, [&] { return delivered(server, "c1") == 1; }));
  REQUIRE(server.server().send_stanza(message_to("alice@localhost/posix", "s1", "hello")));
  REQUIRE(drive(loop, {&server}, [&] { return !alice.seen.stanza_ids.empty(); }));
  CHECK(alice.seen.stanza_bodies == std::vector<std::string>{"hello"});
  const auto& c = server.last();
  REQUIRE(drive(loop, {&server}, [&] {
    return alice.seen.traffic_sent == c.read_log && alice.seen.traffic_received == c.write_log;
  }));

  REQUIRE(loop.session(alice.id)->close(Clock::now()) == CommandStatus::ok);
  REQUIRE(drive(loop, {&server}, [&] { return alice.seen.stopped.has_value(); }));
  CHECK(*alice.seen.stopped == StopReason::application);
  CHECK(loop.running() == 0);
  CHECK(loop.size() == 1);  // stopped sessions stay until removed
  REQUIRE(drive(loop, {&server}, [&] { return server.last().eof; }));
  CHECK(server.last().read_log.ends_with("</stream:stream>"));
  CHECK_FALSE(loop.run_once(0ms));  // nothing left to do
  CHECK(loop.remove(alice.id));
  CHECK_FALSE(loop.remove(alice.id));
  CHECK(loop.session(alice.id) == nullptr);
  CHECK(loop.size() == 0);
}

TEST_CASE("epoll loop: 200 sessions online at once in one Loop, each exchanging messages") {
  constexpr int kServers = 4;
  constexpr int kSessions = 200;
  std::vector<std::unique_ptr<LoopbackServer>> owned;
  std::vector<LoopbackServer*> servers;
  LoopbackServer::Settings settings;
  settings.backlog = kSessions;
  for (int s = 0; s < kServers; ++s) {
    owned.push_back(std::make_unique<LoopbackServer>(plain_server_config(), settings));
    servers.push_back(owned.back().get());
  }
  Loop loop;
  auto members = add_many(loop, kSessions, [&](int i) {
    return config_with_resource(servers[static_cast<std::size_t>(i % kServers)]->address(),
                                "r" + std::to_string(i));
  });
  CHECK(loop.size() == kSessions);
  const auto all = [&](const std::function<bool(const Member&)>& test) {
    return std::all_of(members.begin(), members.end(), [&](const auto& m) { return test(*m); });
  };
  const bool online = drive(
      loop, servers, [&] { return all([](const Member& m) { return m.seen.online(); }); }, 30s);
  REQUIRE(online);
  CHECK(loop.running() == kSessions);
  for (const LoopbackServer* server : servers)
    CHECK(server->connections.size() == kSessions / kServers);

  // Every session sends two messages; the server answers each session once.
  xml::Arena arena;
  for (int i = 0; i < kSessions; ++i) {
    Session* session = loop.session(members[static_cast<std::size_t>(i)]->id);
    REQUIRE(session != nullptr);
    for (const char* n : {"a", "b"}) {
      const std::string id = "m" + std::to_string(i) + n;
      REQUIRE(session->send(chat_message(arena, "bob@localhost", id, id)) == SendStatus::ok);
    }
  }
  for (LoopbackServer* server : servers) {
    for (const auto& c : server->connections) {
      const std::string to(c->server->bound_jid()->str());
      REQUIRE(c->server->send_stanza(message_to(to, "to-" + to, "for " + to)));
    }
  }
  const bool exchanged = drive(
      loop, servers,
      [&] { return all([](const Member& m) { return m.seen.stanza_ids.size() == 1; }); }, 30s);
  REQUIRE(exchanged);
  for (int i = 0; i < kSessions; ++i) {
    const Member& m = *members[static_cast<std::size_t>(i)];
    CHECK(m.seen.stanza_ids.front() == "to-alice@localhost/r" + std::to_string(i));
    const LoopbackServer& server = *servers[static_cast<std::size_t>(i % kServers)];
    REQUIRE(drive(loop, servers, [&] {
      return delivered(server, "m" + std::to_string(i) + "a") == 1 &&
             delivered(server, "m" + std::to_string(i) + "b") == 1;
    }));
  }
  // Nothing was resent or reconnected on the way.
  CHECK(all([](const Member& m) { return m.seen.connects == 1 && m.seen.closes.empty(); }));
}

TEST_CASE("epoll loop: remove() while the others run, also from the session's own hook") {
  LoopbackServer server(plain_server_config());
  Loop loop;
  auto members = add_many(loop, 3, [&](int i) {
    return config_with_resource(server.address(), "r" + std::to_string(i));
  });
  REQUIRE(drive(loop, {&server}, [&] {
    return std::all_of(members.begin(), members.end(),
                       [](const auto& m) { return m->seen.online(); });
  }));
  REQUIRE(server.connections.size() == 3);

  // Session 0 is removed from outside: its socket closes, no hook is called.
  const std::size_t log_size = members[0]->seen.log.size();
  CHECK(loop.remove(members[0]->id));
  CHECK(loop.size() == 2);
  CHECK(loop.running() == 2);
  REQUIRE(drive(loop, {&server}, [&] { return server.connections[0]->closed; }));
  CHECK(members[0]->seen.log.size() == log_size);

  // Session 1 removes itself from its on_stanza hook; session 2 keeps exchanging.
  Session* one = loop.session(members[1]->id);
  SessionHooks hooks = members[1]->seen.hooks();
  hooks.on_stanza = [&](Session&, xml::Element) { CHECK(loop.remove(members[1]->id)); };
  REQUIRE(one->set_hooks(std::move(hooks)) == CommandStatus::ok);
  REQUIRE(server.connections[1]->server->send_stanza(
      message_to("alice@localhost/r1", "bye", "remove yourself")));
  REQUIRE(drive(loop, {&server}, [&] { return loop.size() == 1; }));
  REQUIRE(drive(loop, {&server}, [&] { return server.connections[1]->closed; }));

  REQUIRE(server.connections[2]->server->send_stanza(
      message_to("alice@localhost/r2", "still", "here")));
  REQUIRE(drive(loop, {&server}, [&] { return !members[2]->seen.stanza_ids.empty(); }));
  CHECK(members[2]->seen.stanza_ids == std::vector<std::string>{"still"});
  xml::Arena arena;
  REQUIRE(loop.session(members[2]->id)->send(chat_message(arena, "bob@localhost", "r2", "x")) ==
          SendStatus::ok);
  REQUIRE(drive(loop, {&server}, [&] { return delivered(server, "r2") == 1; }));
}

TEST_CASE("epoll loop: a hook adds a session and commands another through session(id)") {
  LoopbackServer server(plain_server_config());
  Loop loop;
  Member first;
  Member second;
  Member third;
  SessionHooks hooks = first.seen.hooks();
  hooks.on_connect = [&](Session&, const event::Online&) {
    ++first.seen.connects;
    add(loop, second, config_with_resource(server.address(), "second"));
  };
  std::string error;
  first.id = loop.add(config_with_resource(server.address(), "first"), hooks, &error);
  REQUIRE(first.id != 0);
  REQUIRE(drive(loop, {&server}, [&] { return second.seen.online(); }));
  // From second's stanza hook, first sends: written before the loop waits again.
  SessionHooks second_hooks = second.seen.hooks();
  second_hooks.on_stanza = [&](Session&, xml::Element) {
    xml::Arena arena;
    CHECK(loop.session(first.id)->send(chat_message(arena, "bob@localhost", "relay", "x")) ==
          SendStatus::ok);
  };
  REQUIRE(loop.session(second.id)->set_hooks(std::move(second_hooks)) == CommandStatus::ok);
  REQUIRE(server.last().server->send_stanza(message_to("alice@localhost/second", "go", "go")));
  REQUIRE(drive(loop, {&server}, [&] { return delivered(server, "relay") == 1; }));
  (void)third;
}

}  // namespace
}  // namespace xmpp::epoll::test
