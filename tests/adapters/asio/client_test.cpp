// asio_adapter::Client over a real loopback socket, in the clear: login, stanzas both ways
// through post(), the traffic log, drop_transport() and resumption, the graceful close through
// async_close(), start()'s refusals, and several Clients on one io_context.
#include <doctest/doctest.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>

#include "harness.hpp"

namespace xmpp::asio_adapter::test {
namespace {

void bring_online_resumable(::asio::io_context& io, Member& m, LoopbackServer& server) {
  m.start();
  const bool online = drive(io, {&server}, [&] {
    return m.seen.online() && m.client->session().client().stream_management().resumable() &&
           server.server().sm_session() != nullptr;
  });
  INFO("last transport error: " << m.client->last_transport_error());
  REQUIRE(online);
}

TEST_CASE("asio client: login and a stanza both ways over a loopback socket, traffic logged") {
  LoopbackServer server(plain_server_config());
  ::asio::io_context io;
  Member m(io, plain_config(server.address()));
  bring_online_resumable(io, m, server);
  CHECK(m.seen.connects == 1);
  CHECK(m.seen.online_jid->str() == "alice@localhost/posix");

  m.client->post([](Session& session) {
    xml::Arena arena;
    REQUIRE(session.send(chat_message(arena, "bob@localhost", "out1", "hello")) == SendStatus::ok);
  });
  REQUIRE(server.server().send_stanza(
      "<message from='bob@localhost' to='alice@localhost/posix' id='in1'><body>hi</body>"
      "</message>"));
  REQUIRE(drive(io, {&server},
                [&] { return m.seen.stanza_ids.size() == 1 && server_received(server, "out1"); }));
  CHECK(m.seen.stanza_bodies == std::vector<std::string>{"hi"});
  CHECK(m.seen.traffic_sent.find("id='out1'") != std::string::npos);
  CHECK(m.seen.traffic_received.find("id='in1'") != std::string::npos);
}

TEST_CASE("asio client: drop_transport() resets the connection; the client resumes") {
  LoopbackServer server(plain_server_config());
  ::asio::io_context io;
  Member m(io, plain_config(server.address()));
  bring_online_resumable(io, m, server);
  const std::string sm_id = server.server().sm_session()->id;

  m.client->drop_transport();
  // Initiated after the drop (the strand keeps the order): completes at on_resume, after it.
  std::optional<int> resumes_then;
  m.client->async_wait_online([&](std::error_code ec) {
    CHECK_FALSE(ec);
    resumes_then = m.seen.resumes;
  });
  REQUIRE(drive(io, {&server}, [&] { return m.seen.resumes == 1 && resumes_then; }));
  CHECK(*resumes_then == 1);
  CHECK(m.seen.connects == 1);
  REQUIRE(m.seen.closes.size() == 1);
  CHECK(m.seen.closes[0].reason == CloseReason::connection_lost);
  REQUIRE(m.seen.transport_errors.size() == 1);
  CHECK(m.seen.transport_errors[0] == "transport dropped by the application");

  // A reset, not a FIN, and no closing tag: the server kept the session for resumption.
  REQUIRE(server.connections.size() == 2);
  const ServerConnection& dropped = *server.connections[0];
  CHECK(dropped.reset);
  CHECK_FALSE(dropped.eof);
  CHECK(dropped.read_log.find("</stream:stream>") == std::string::npos);
  CHECK(server.server().sm_session() == server.store.find(sm_id));
}

TEST_CASE("asio client: the server resets the connection; the client reconnects and resumes") {
  LoopbackServer server(plain_server_config());
  ::asio::io_context io;
  Member m(io, plain_config(server.address()));
  bring_online_resumable(io, m, server);
  // Sent while the link is gone: retransmitted after the resumption, exactly once.
  server.reset_last();
  m.client->post([](Session& session) {
    xml::Arena arena;
    CHECK(session.send(chat_message(arena, "bob@localhost", "late", "x")) == SendStatus::ok);
  });
  REQUIRE(
      drive(io, {&server}, [&] { return m.seen.resumes == 1 && server_received(server, "late"); }));
  CHECK(m.seen.closes.back().reason == CloseReason::connection_lost);
}

TEST_CASE("asio client: async_close(): closing tag, on_closed, on_stopped, then async_run") {
  LoopbackServer server(plain_server_config());
  ::asio::io_context io;
  Member m(io, plain_config(server.address()));
  std::optional<std::pair<std::error_code, StopReason>> ran;
  std::optional<std::pair<std::error_code, StopReason>> closed;
  bring_online_resumable(io, m, server);
  m.client->async_run([&](std::error_code ec, StopReason reason) { ran.emplace(ec, reason); });
  CHECK_FALSE(ran);

  m.client->async_close([&](std::error_code ec, StopReason reason) {
    CHECK(m.seen.stopped.has_value());  // after the hooks
    closed.emplace(ec, reason);
  });
  REQUIRE(drive(io, {&server}, [&] { return closed && ran && server.last().closed; }));
  CHECK_FALSE(closed->first);
  CHECK(closed->second == StopReason::application);
  CHECK_FALSE(ran->first);
  CHECK(ran->second == StopReason::application);
  REQUIRE(m.seen.closes.size() == 1);
  CHECK(m.seen.closes[0].reason == CloseReason::local_close);
  CHECK(server.server().client_closed());
  CHECK(server.last().eof);  // a FIN, not a reset
  CHECK_FALSE(server.last().reset);

  // Once stopped, a new async_run or async_close completes at once (posted) with the reason.
  bool again = false;
  m.client->async_run([&](std::error_code ec, StopReason reason) {
    again = !ec && reason == StopReason::application;
  });
  CHECK_FALSE(again);  // never inside the initiating call
  REQUIRE(drive(io, {&server}, [&] { return again; }));
}

TEST_CASE("asio client: operations before start() fail with not_started, after it wait") {
  ::asio::io_context io;
  Member m(io, plain_config("127.0.0.1:1"));
  std::error_code online_ec;
  std::error_code run_ec;
  m.client->async_wait_online([&](std::error_code ec) { online_ec = ec; });
  m.client->async_run([&](std::error_code ec, StopReason) { run_ec = ec; });
  io.run();
  CHECK(online_ec == error::not_started);
  CHECK(run_ec == error::not_started);
  CHECK(std::string(online_ec.category().name()) == "xmpp.asio_adapter");
  CHECK(online_ec.message() == "the client was not started");
}

TEST_CASE("asio client start(): an unreadable CA file or an invalid configuration: false") {
  ::asio::io_context io;
  Options bad_ca;
  bad_ca.tls.ca_file = "/nonexistent/ca.pem";
  Member a(io, plain_config("127.0.0.1:1"), bad_ca);
  std::string error;
  CHECK_FALSE(a.client->start(&error));
  CHECK(error.find("TLS: cannot load the CA file") == 0);

  SessionConfig invalid = plain_config("127.0.0.1:1");
  invalid.iq_timeout = Duration::zero();
  Member b(io, std::move(invalid));
  CHECK_FALSE(b.client->start(&error));
  CHECK(error ==
        "invalid configuration: " + std::string(to_string(SessionConfigError::invalid_iq_timeout)));
  io.run();
  CHECK(b.client->session().state() == SessionState::idle);
}

TEST_CASE("asio client: every attempt refused: the reconnect policy stops, waiters learn it") {
  Listener closed = Listener::open("127.0.0.1", false);  // bound, not listening: refused
  ::asio::io_context io;
  SessionConfig config = plain_config(closed.address());
  config.reconnect.max_attempts = 2;
  config.reconnect.base = std::chrono::milliseconds(10);
  Member m(io, std::move(config));
  m.start();
  std::error_code online_ec;
  std::optional<StopReason> ran;
  m.client->async_wait_online([&](std::error_code ec) { online_ec = ec; });
  m.client->async_run([&](std::error_code, StopReason reason) { ran = reason; });
  LoopbackServer unused(plain_server_config());
  REQUIRE(drive(io, {&unused}, [&] { return ran.has_value(); }));
  CHECK(*ran == StopReason::max_attempts);
  CHECK(online_ec == error::stopped);
  REQUIRE_FALSE(m.seen.transport_errors.empty());
  CHECK(m.seen.transport_errors[0].find("could not connect") == 0);
  CHECK(m.seen.transport_errors[0].find(std::strerror(ECONNREFUSED)) != std::string::npos);
}

TEST_CASE("asio client: three Clients on one io_context, each with its own server") {
  std::vector<std::unique_ptr<LoopbackServer>> servers;
  std::vector<LoopbackServer*> all;
  ::asio::io_context io;
  std::vector<std::unique_ptr<Member>> members;
  for (int i = 0; i < 3; ++i) {
    servers.push_back(std::make_unique<LoopbackServer>(plain_server_config()));
    all.push_back(servers.back().get());
    members.push_back(std::make_unique<Member>(
        io, config_with_resource(servers.back()->address(), "r" + std::to_string(i))));
    members.back()->start();
  }
  REQUIRE(drive(io, all, [&] {
    for (auto& m : members) {
      if (!m->seen.online() || !m->client->session().client().stream_management().resumable()) {
        return false;
      }
    }
    return true;
  }));
  for (int i = 0; i < 3; ++i) {
    REQUIRE(servers[i]->server().send_stanza("<message from='bob@localhost' id='m" +
                                             std::to_string(i) + "'><body>b" + std::to_string(i) +
                                             "</body></message>"));
  }
  members[1]->client->drop_transport();
  REQUIRE(drive(io, all, [&] {
    for (auto& m : members) {
      if (m->seen.stanza_ids.size() != 1) return false;
    }
    return members[1]->seen.resumes == 1;
  }));
  for (int i = 0; i < 3; ++i)
    CHECK(members[i]->seen.stanza_ids[0] == "m" + std::to_string(i));
  CHECK(members[0]->seen.resumes == 0);
  CHECK(members[2]->seen.closes.empty());
}

}  // namespace
}  // namespace xmpp::asio_adapter::test
