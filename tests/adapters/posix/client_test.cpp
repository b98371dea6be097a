// posix::Client over a real loopback socket, in the clear (TlsPolicy::disabled): login, stanzas
// both ways, the traffic log, a connection lost on either side and resumed (XEP-0198), and the
// graceful close.
#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "loopback.hpp"

namespace xmpp::posix::test {
namespace {

/// Starts `client` and drives it with `server` until it is online (REQUIREd).
void bring_online(Client& client, LoopbackServer& server, Recorder& seen) {
  std::string error;
  REQUIRE_MESSAGE(client.start(&error), error);
  const bool online = drive(client, server, [&] { return seen.online(); });
  INFO("last transport error: " << client.last_transport_error());
  REQUIRE(online);
}

/// Online with a resumable XEP-0198 session, as the server also sees it.
void bring_online_resumable(Client& client, LoopbackServer& server, Recorder& seen) {
  bring_online(client, server, seen);
  REQUIRE(drive(client, server, [&] {
    return client.session().client().stream_management().resumable() &&
           server.server().sm_session() != nullptr;
  }));
}

bool server_has(const testing::SmSession* sm, std::string_view id) {
  if (sm == nullptr) return false;
  return std::any_of(sm->delivered.begin(), sm->delivered.end(),
                     [&](const std::string& stanza) { return attribute_of(stanza, "id") == id; });
}

int server_count(const testing::SmSession* sm, std::string_view id) {
  if (sm == nullptr) return 0;
  return static_cast<int>(
      std::count_if(sm->delivered.begin(), sm->delivered.end(),
                    [&](const std::string& stanza) { return attribute_of(stanza, "id") == id; }));
}

TEST_CASE("posix client: login and a stanza both ways over a loopback socket, traffic logged") {
  LoopbackServer::Settings settings;
  SUBCASE("IPv4: 127.0.0.1:port") {
    settings.ip = "127.0.0.1";
  }
  SUBCASE("IPv6: [::1]:port") {
    settings.ip = "::1";
  }
  LoopbackServer server(plain_server_config(), settings);
  CAPTURE(server.address());
  Recorder seen;
  Client client(plain_config(server.address()), seen.hooks());
  seen.adapter = &client;
  bring_online(client, server, seen);

  CHECK(seen.connects == 1);
  CHECK(seen.resumes == 0);
  REQUIRE(seen.online_jid.has_value());
  CHECK(seen.online_jid->str() == "alice@localhost/posix");
  REQUIRE(server.connections.size() == 1);
  CHECK(server.server().authenticated_user() == "alice");
  CHECK(server.server().bound_jid() == seen.online_jid);
  CHECK_FALSE(server.server().secure());
  CHECK(client.last_transport_error().empty());

  // Client to server.
  xml::Arena arena;
  REQUIRE(client.session().send(chat_message(arena, "bob@localhost", "c1", "hello bob")) ==
          SendStatus::ok);
  REQUIRE(drive(client, server, [&] { return server_has(server.server().sm_session(), "c1"); }));
  const std::string& stanza = server.server().sm_session()->delivered.back();
  CHECK(stanza.find("<body>hello bob</body>") != std::string::npos);
  CHECK(attribute_of(stanza, "to") == "bob@localhost");

  // Server to client.
  REQUIRE(server.server().send_stanza(
      "<message from='bob@localhost' to='alice@localhost/posix' id='s1' type='chat'>"
      "<body>hello alice</body></message>"));
  REQUIRE(drive(client, server, [&] { return !seen.stanza_ids.empty(); }));
  CHECK(seen.stanza_ids == std::vector<std::string>{"s1"});
  CHECK(seen.stanza_bodies == std::vector<std::string>{"hello alice"});
  CHECK(seen.log.front() == "connect");
  CHECK(seen.log.back() == "stanza:s1");

  // The traffic log holds exactly the bytes that crossed the socket, both ways.
  const ServerConnection& c = server.last();
  REQUIRE(drive(client, server, [&] {
    return seen.traffic_sent == c.read_log && seen.traffic_received == c.write_log;
  }));
  CHECK(seen.traffic_sent.starts_with("<?xml version='1.0'?><stream:stream "));
  CHECK(seen.traffic_sent.find("id='c1'") != std::string::npos);
  CHECK(seen.traffic_received.find("id='s1'") != std::string::npos);
  CHECK(seen.traffic_received.find("<stream:features>") != std::string::npos);
}

TEST_CASE("posix client: the server resets the connection; the client reconnects and resumes") {
  LoopbackServer server(plain_server_config());
  Recorder seen;
  Client client(plain_config(server.address()), seen.hooks());
  seen.adapter = &client;
  bring_online_resumable(client, server, seen);
  const std::string sm_id = server.server().sm_session()->id;

  xml::Arena arena;
  REQUIRE(client.session().send(chat_message(arena, "bob@localhost", "before", "1")) ==
          SendStatus::ok);
  REQUIRE(drive(client, server, [&] { return server_has(server.store.find(sm_id), "before"); }));

  // The server's side breaks (a TCP reset); a stanza for alice waits in the hibernating session.
  server.reset_last();
  REQUIRE(server.store.find(sm_id)->state == testing::SmState::hibernating);
  REQUIRE(server.store.send_stanza(
      sm_id,
      "<message from='bob@localhost' to='alice@localhost/posix' id='while-away'><body>x</body>"
      "</message>"));

  REQUIRE(drive(client, server, [&] { return seen.resumes == 1; }));
  CHECK(seen.connects == 1);
  REQUIRE(seen.closes.size() == 1);
  CHECK(seen.closes[0].reason == CloseReason::connection_lost);
  CHECK_FALSE(seen.stopped.has_value());
  REQUIRE(server.connections.size() == 2);
  CHECK(server.server().sm_session() == server.store.find(sm_id));  // the same session
  CHECK(server.store.find(sm_id)->state == testing::SmState::active);
  // The order of what the Session reported: connection lost, resumed.
  const auto closed_at = std::find(seen.log.begin(), seen.log.end(), "closed:connection_lost");
  const auto resumed_at = std::find(seen.log.begin(), seen.log.end(), "resume");
  CHECK(closed_at < resumed_at);

  // Nothing lost, nothing twice, both ways.
  REQUIRE(drive(client, server, [&] { return !seen.stanza_ids.empty(); }));
  REQUIRE(client.session().send(chat_message(arena, "bob@localhost", "after", "2")) ==
          SendStatus::ok);
  REQUIRE(drive(client, server, [&] { return server_has(server.store.find(sm_id), "after"); }));
  CHECK(seen.stanza_ids == std::vector<std::string>{"while-away"});
  CHECK(server_count(server.store.find(sm_id), "before") == 1);
  CHECK(server_count(server.store.find(sm_id), "after") == 1);
}

TEST_CASE("posix client: drop_transport() resets the connection; the client resumes") {
  LoopbackServer server(plain_server_config());
  Recorder seen;
  Client client(plain_config(server.address()), seen.hooks());
  seen.adapter = &client;
  bring_online_resumable(client, server, seen);
  const std::string sm_id = server.server().sm_session()->id;

  client.drop_transport();
  REQUIRE(drive(client, server, [&] { return seen.resumes == 1; }));
  CHECK(seen.connects == 1);
  REQUIRE(seen.closes.size() == 1);
  CHECK(seen.closes[0].reason == CloseReason::connection_lost);
  REQUIRE(seen.transport_errors.size() == 1);
  CHECK(seen.transport_errors[0] == "transport dropped by the application");

  // The server saw a reset, not a FIN, and no closing tag: it kept the session for resumption.
  REQUIRE(server.connections.size() == 2);
  const ServerConnection& dropped = *server.connections[0];
  CHECK(dropped.reset);
  CHECK_FALSE(dropped.eof);
  CHECK(dropped.socket_error == std::string(std::strerror(ECONNRESET)));
  CHECK_FALSE(dropped.server->client_closed());
  CHECK(dropped.read_log.find("</stream:stream>") == std::string::npos);
  CHECK(server.server().sm_session() == server.store.find(sm_id));
}

TEST_CASE("posix client: a graceful close(): closing tag, on_closed, on_stopped, socket closed") {
  LoopbackServer server(plain_server_config());
  Recorder seen;
  Client client(plain_config(server.address()), seen.hooks());
  seen.adapter = &client;
  bring_online_resumable(client, server, seen);

  REQUIRE(client.session().close(Clock::now()) == CommandStatus::ok);
  REQUIRE(drive(client, server, [&] { return seen.stopped.has_value() && server.last().closed; }));

  // The Session's side.
  REQUIRE(seen.closes.size() == 1);
  CHECK(seen.closes[0].reason == CloseReason::local_close);
  CHECK(*seen.stopped == StopReason::application);
  REQUIRE(seen.log.size() >= 2);
  CHECK(seen.log[seen.log.size() - 2] == "closed:local_close");
  CHECK(seen.log.back() == "stopped:application");
  CHECK(client.session().state() == SessionState::stopped);
  CHECK_FALSE(client.run_once(0ms));
  CHECK(client.run() == StopReason::application);
  CHECK(seen.traffic_sent.ends_with("</stream:stream>"));

  // The server's side: the closing tag arrived, then a FIN (not a reset), on the one connection.
  const ServerConnection& c = server.last();
  CHECK(server.connections.size() == 1);
  CHECK(c.server->client_closed());
  CHECK(c.read_log.ends_with("</stream:stream>"));
  CHECK(c.eof);
  CHECK_FALSE(c.reset);
  // No reconnection: nothing new arrives on the listener.
  for (int i = 0; i < 5; ++i)
    server.step(2ms);
  CHECK(server.connections.size() == 1);
}

TEST_CASE("posix client: the server closes the stream: the client answers, closes, reconnects") {
  LoopbackServer server(plain_server_config());
  Recorder seen;
  Client client(plain_config(server.address()), seen.hooks());
  seen.adapter = &client;
  bring_online_resumable(client, server, seen);

  REQUIRE(server.server().close());  // our closing tag (RFC 6120 §4.4)
  REQUIRE(drive(client, server, [&] { return seen.connects == 2; }));
  REQUIRE(seen.closes.size() == 1);
  CHECK(seen.closes[0].reason == CloseReason::peer_closed);
  CHECK_FALSE(seen.stopped.has_value());
  // The first connection ended cleanly: the client's closing tag, then a FIN.
  REQUIRE(server.connections.size() == 2);
  const ServerConnection& first = *server.connections[0];
  CHECK(first.server->client_closed());
  CHECK(first.read_log.ends_with("</stream:stream>"));
  CHECK(first.eof);
  CHECK_FALSE(first.reset);
  // A stream closed with closing tags cannot be resumed: a new session on the new connection.
  CHECK(seen.resumes == 0);
  CHECK(server.server().bound_jid().has_value());
}

TEST_CASE("posix client: a permanent stream error stops the Session and closes the socket") {
  LoopbackServer server(plain_server_config());
  Recorder seen;
  Client client(plain_config(server.address()), seen.hooks());
  seen.adapter = &client;
  bring_online(client, server, seen);

  server.server().send_raw(
      "<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"
      "</stream:stream>");
  REQUIRE(drive(client, server, [&] { return seen.stopped.has_value() && server.last().closed; }));
  REQUIRE(seen.closes.size() == 1);
  CHECK(seen.closes[0].reason == CloseReason::stream_error_received);
  CHECK(*seen.stopped == StopReason::stream_error);
  CHECK(client.session().state() == SessionState::stopped);
  // The client's closing tag was written before the socket closed.
  CHECK(server.last().read_log.ends_with("</stream:stream>"));
  CHECK(server.connections.size() == 1);
}

TEST_CASE("posix client: close() while the server does not read: close timeout, linger, reset") {
  LoopbackServer::Settings settings;
  settings.receive_buffer = 16384;
  LoopbackServer server(plain_server_config(), settings);
  SessionConfig config = plain_config(server.address());
  config.client.timeouts.close = 200ms;
  config.client.stream_management.enable = false;
  Recorder seen;
  Client client(std::move(config), seen.hooks());
  seen.adapter = &client;
  bring_online(client, server, seen);

  // Fill every buffer on the way: the server stops reading, the client sends until refused.
  server.reading = false;
  xml::Arena arena;
  const std::string body(1000, 'z');
  int n = 0;
  int idle_rounds = 0;
  const TimePoint give_up = Clock::now() + 10s;
  while (idle_rounds < 20 && Clock::now() < give_up) {
    arena.reset();
    if (client.session().send(chat_message(arena, "bob@localhost", std::to_string(n), body)) ==
        SendStatus::ok) {
      ++n;
      idle_rounds = 0;
      if (n % 16 == 0) client.run_once(0ms);
      continue;
    }
    const std::size_t before = client.session().output().size();
    client.run_once(1ms);
    idle_rounds = client.session().output().size() == before ? idle_rounds + 1 : 0;
  }
  REQUIRE(idle_rounds == 20);

  // The closing tag cannot be written: the engine's close timeout ends the stream, then the
  // driver gives the socket 2 s to take what is left before it resets the connection.
  const TimePoint closing = Clock::now();
  REQUIRE(client.session().close(closing) == CommandStatus::ok);
  CHECK(client.run_until([&] { return seen.stopped.has_value(); }, 6s));
  const auto took = Clock::now() - closing;
  CHECK(took >= 2s);
  CHECK(took < 4s);
  REQUIRE(seen.closes.size() == 1);
  CHECK(seen.closes[0].reason == CloseReason::timeout);
  CHECK(*seen.stopped == StopReason::application);
  CHECK(client.last_transport_error() == "the closing bytes could not be written in time");
  CHECK_FALSE(client.run_once(0ms));

  // The server reads again and finds a reset, not a clean end.
  server.reading = true;
  REQUIRE(drive(client, server, [&] { return server.last().closed; }));
  CHECK(server.last().reset);
  CHECK_FALSE(server.last().eof);
}

TEST_CASE("posix client: a link gone silent: the ack timeout ends it, the client resumes") {
  LoopbackServer server(plain_server_config());
  SessionConfig config = plain_config(server.address());
  config.client.stream_management.request_every_stanzas = 1;
  config.client.stream_management.ack_timeout = 300ms;
  Recorder seen;
  Client client(std::move(config), seen.hooks());
  seen.adapter = &client;
  bring_online_resumable(client, server, seen);
  const std::string sm_id = server.server().sm_session()->id;

  // The server stops reading the first connection: the stanza and its <r/> are never answered.
  server.last().paused = true;
  xml::Arena arena;
  REQUIRE(client.session().send(chat_message(arena, "bob@localhost", "unheard", "?")) ==
          SendStatus::ok);
  REQUIRE(drive(client, server, [&] { return seen.resumes == 1; }));
  CHECK(seen.count("link_dead") == 1);
  REQUIRE(seen.closes.size() == 1);
  CHECK(seen.closes[0].reason == CloseReason::connection_lost);
  REQUIRE(server.connections.size() == 2);
  // The stanza the first connection never delivered is re-sent after <resumed/>, once.
  REQUIRE(drive(client, server, [&] { return server_has(server.store.find(sm_id), "unheard"); }));
  CHECK(server_count(server.store.find(sm_id), "unheard") == 1);
}

}  // namespace
}  // namespace xmpp::posix::test
