// epoll::Loop when links fail: a reset by the server and drop_transport() (resumed with
// XEP-0198), a refused connect (the next attempt succeeds once the server listens), a connect
// that never completes (the connect timeout), each while another session of the same Loop keeps
// working; and add() with `prepare`, restoring a saved XEP-0198 session before the start.
#include <doctest/doctest.h>

#include <string>

#include "harness.hpp"

namespace xmpp::epoll::test {
namespace {

bool has(const testing::SmSession* sm, std::string_view id) {
  if (sm == nullptr) return false;
  for (const std::string& stanza : sm->delivered) {
    if (attribute_of(stanza, "id") == id) return true;
  }
  return false;
}

/// Online with a resumable XEP-0198 session, as the server also sees it.
void online_resumable(Loop& loop, Member& member, LoopbackServer& server) {
  REQUIRE(drive(loop, {&server}, [&] {
    const Session* session = loop.session(member.id);
    return member.seen.online() && session->client().stream_management().resumable() &&
           server.last().server->sm_session() != nullptr;
  }));
}

TEST_CASE("epoll loop: a reset or a dropped transport: the session reconnects and resumes") {
  LoopbackServer server(plain_server_config());
  Loop loop;
  Member alice;
  add(loop, alice, plain_config(server.address()));
  online_resumable(loop, alice, server);
  const std::string sm_id = server.server().sm_session()->id;

  SUBCASE("the server resets the connection") {
    server.reset_last();
  }
  SUBCASE("drop_transport(): a TCP reset from the client") {
    loop.drop_transport(alice.id);
    ServerConnection& first = *server.connections.front();
    REQUIRE(drive(loop, {&server}, [&] { return first.closed; }));
    CHECK(first.reset);
  }
  // A stanza for alice waits in the hibernating session; she sends one while away.
  REQUIRE(server.store.send_stanza(sm_id, message_to("alice@localhost/posix", "away", "x")));
  xml::Arena arena;
  REQUIRE(loop.session(alice.id)->send(chat_message(arena, "bob@localhost", "queued", "y")) ==
          SendStatus::ok);
  REQUIRE(drive(loop, {&server}, [&] { return alice.seen.resumes == 1; }));
  REQUIRE(drive(loop, {&server}, [&] {
    return has(server.store.find(sm_id), "queued") && alice.seen.count("stanza:away") == 1;
  }));
  CHECK(alice.seen.connects == 1);
  CHECK(server.connections.size() == 2);
  REQUIRE(alice.seen.closes.size() == 1);
  CHECK(alice.seen.closes[0].reason == CloseReason::connection_lost);
}

TEST_CASE("epoll loop: a refused connect; the next attempt succeeds once the server listens") {
  LoopbackServer::Settings settings;
  settings.listening = false;
  LoopbackServer refusing(plain_server_config(), settings);
  LoopbackServer working(plain_server_config());
  Loop loop;
  Member late;
  Member steady;
  add(loop, late, config_with_resource(refusing.address(), "late"));
  add(loop, steady, config_with_resource(working.address(), "steady"));
  REQUIRE(drive(loop, {&refusing, &working}, [&] { return !late.seen.closes.empty(); }));
  REQUIRE(late.seen.transport_errors.size() == 1);
  CHECK(late.seen.transport_errors[0].find("refused") != std::string::npos);
  REQUIRE(late.seen.next_attempt_in.front().has_value());
  refusing.listen();
  REQUIRE(drive(
      loop, {&refusing, &working}, [&] { return late.seen.online() && steady.seen.online(); },
      10s));
  CHECK(late.seen.connects == 1);
  CHECK(steady.seen.closes.empty());
}

TEST_CASE("epoll loop: a connect that never completes times out; the loop stays responsive") {
  Blackhole hole;
  LoopbackServer working(plain_server_config());
  Options options;
  // Far above a login's time even in a loaded sanitizer build (one took 461 ms there), so that
  // the steady session is online while the stuck one still connects; far below the 10 s
  // default, so that the option is seen to apply.
  options.connect_timeout = 2s;
  Loop loop(options);
  Member stuck;
  Member steady;
  add(loop, stuck, config_with_resource(hole.address(), "stuck"));
  add(loop, steady, config_with_resource(working.address(), "steady"));
  const TimePoint start = Clock::now();
  REQUIRE(drive(loop, {&working}, [&] { return steady.seen.online(); }));
  CHECK(stuck.seen.closes.empty());  // still connecting
  REQUIRE(drive(
      loop, {&working}, [&] { return !stuck.seen.closes.empty(); }, 9s));
  CHECK(Clock::now() - start >= 2s);
  CHECK(Clock::now() - start < 9s);
  REQUIRE(stuck.seen.transport_errors.size() == 1);
  CHECK(stuck.seen.transport_errors[0].find("connect timed out") != std::string::npos);
  CHECK(stuck.seen.transport_errors[0].find(hole.address()) != std::string::npos);
  CHECK(steady.seen.closes.empty());
}

TEST_CASE("epoll loop: add() failures say why and add nothing") {
  Loop loop;
  std::string error;
  SessionConfig broken = plain_config("127.0.0.1:1");
  broken.client.credentials.password.clear();
  CHECK(loop.add(broken, {}, &error) == 0);
  CHECK(error.find("invalid configuration") != std::string::npos);
  CHECK(loop.size() == 0);

  Options options;
  options.tls.ca_file = "/nonexistent/ca.pem";
  Loop untrusting(options);
  CHECK(untrusting.add(plain_config("127.0.0.1:1"), {}, &error) == 0);
  CHECK(error.starts_with("TLS: "));
  CHECK(untrusting.size() == 0);
}

TEST_CASE("epoll loop: add() with prepare: a saved session restored before the start resumes") {
  LoopbackServer server(plain_server_config());
  Loop loop;
  Member first;
  add(loop, first, plain_config(server.address()));
  online_resumable(loop, first, server);
  xml::Arena arena;
  REQUIRE(loop.session(first.id)->send(chat_message(arena, "bob@localhost", "kept", "x")) ==
          SendStatus::ok);
  // What a process saves before it exits (xmpp-chat --sm-state); then its socket goes away
  // without a closing tag, so the server keeps the session for resumption.
  const std::string saved = loop.session(first.id)->client().save_stream_management(Clock::now());
  CHECK(loop.remove(first.id));
  ServerConnection& old = *server.connections.front();
  REQUIRE(drive(loop, {&server}, [&] { return old.closed; }));

  Member second;
  std::optional<SessionState> state_in_prepare;
  std::string error;
  second.id =
      loop.add(plain_config(server.address()), second.seen.hooks(), &error, [&](Session& session) {
        state_in_prepare = session.state();
        CHECK(session.restore_stream_management(saved, 0s, Clock::now()) == CommandStatus::ok);
      });
  REQUIRE_MESSAGE(second.id != 0, error);
  CHECK(state_in_prepare == SessionState::idle);
  REQUIRE(drive(loop, {&server}, [&] { return second.seen.resumes == 1; }));
  CHECK(second.seen.connects == 0);  // resumed on the first attempt, never a fresh session
  CHECK(server.connections.size() == 2);
}

}  // namespace
}  // namespace xmpp::epoll::test
