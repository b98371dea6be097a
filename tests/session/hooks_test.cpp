// Session hooks: when each runs, and what a hook may do (send, close) without ever running
// inside the engine or inside another hook.
#include <doctest/doctest.h>

#include <stdexcept>

#include "world.hpp"

namespace xmpp::test {
namespace {

using namespace std::chrono_literals;

// Counts hooks that are running, to prove they never nest.
struct Depth {
  int now = 0;
  int max = 0;
  struct Guard {
    explicit Guard(Depth& d) : d_(d) { d_.max = std::max(d_.max, ++d_.now); }
    ~Guard() { --d_.now; }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    Depth& d_;
  };
};

std::vector<std::uint64_t> tags_of(const std::vector<UnackedStanza>& stanzas) {
  std::vector<std::uint64_t> out;
  for (const auto& s : stanzas)
    out.push_back(s.tag);
  return out;
}

}  // namespace

TEST_CASE("session: on_connect and on_resume run once per Online of their kind") {
  int connect = 0;
  int resume = 0;
  SessionHooks hooks;
  hooks.on_connect = [&](Session&, const event::Online& o) {
    CHECK_FALSE(o.resumed);
    ++connect;
  };
  hooks.on_resume = [&](Session&, const event::Online& o) {
    CHECK(o.resumed);
    ++resume;
  };
  World w(session_test_config(), session_server_config(), hooks);
  w.start();
  CHECK(connect == 1);
  CHECK(resume == 0);
  w.cut();
  w.run();
  CHECK(connect == 1);
  CHECK(resume == 1);
  // The server forgets the session while the link is down: the resumption fails, a fresh
  // session replaces it. (The resumed session lasted less than ReconnectConfig::stable_session,
  // so this retry backs off for a second.)
  w.cut();
  w.sessions.handle_timeout(w.now + 61s);
  w.run();
  CHECK(w.attempts.size() == 2);
  REQUIRE(w.advance_to_deadline());
  CHECK(connect == 2);
  CHECK(resume == 1);
  CHECK(w.attempts.size() == 3);
}

TEST_CASE("session: the traffic log sees every byte exchanged, in order, in both directions") {
  std::string sent;
  std::string received;
  SessionHooks hooks;
  hooks.on_traffic = [&](TrafficDirection d, std::string_view bytes) {
    (d == TrafficDirection::sent ? sent : received).append(bytes);
  };
  Session* during_log = nullptr;
  hooks.on_connect = [&](Session& s, const event::Online&) {
    xml::Arena arena;
    CHECK(s.send(chat_message(arena, 1), 1) == SendStatus::ok);
    during_log = &s;
  };
  World w(session_test_config(), session_server_config(), hooks);
  w.start();
  w.run();
  CHECK(sent == w.written);
  CHECK(received == w.read);
  CHECK(sent.find("<starttls") != std::string::npos);
  CHECK(sent.find("<body>1</body>") != std::string::npos);
  CHECK(received.find("<success") != std::string::npos);
  CHECK(received.find("<enabled") != std::string::npos);

  // An observer only: calls from it are refused.
  REQUIRE(during_log != nullptr);
  hooks.on_traffic = [&](TrafficDirection, std::string_view) {
    xml::Arena arena;
    CHECK(during_log->send(chat_message(arena, 9), 9) == SendStatus::would_block);
    CHECK(during_log->consume_output(0) == CommandStatus::invalid_state);
    CHECK(during_log->close(during_log->now()) == CommandStatus::invalid_state);
    CHECK(during_log
              ->send_iq(
                  ping_iq(arena), [](Session&, const IqResponse&) {}, w.now)
              .status == IqSendStatus::invalid_state);
  };
  REQUIRE(w.session.set_hooks(hooks) == CommandStatus::ok);
  REQUIRE(w.server_send("<message from='bob@example.com/x'><body>hi</body></message>"));
  w.run();
  CHECK(w.session.state() == SessionState::connected);
}

TEST_CASE("session: sends from hooks are delivered in order and hooks never nest") {
  Depth depth;
  std::vector<std::uint64_t> acked;
  constexpr std::uint64_t kMessages = 20;
  SessionConfig config = session_test_config();
  config.client.stream_management.request_every_stanzas = 1;
  SessionHooks hooks;
  hooks.on_event = [&](Session&, const Event&) { Depth::Guard g(depth); };
  hooks.on_connect = [&](Session& s, const event::Online&) {
    Depth::Guard g(depth);
    xml::Arena arena;
    CHECK(s.send(chat_message(arena, 1), 1) == SendStatus::ok);
  };
  hooks.on_acked = [&](Session& s, const event::Acked& a) {
    Depth::Guard g(depth);
    for (std::uint64_t tag : tags_of(a.stanzas)) {
      acked.push_back(tag);
      if (tag < kMessages) {
        xml::Arena arena;
        CHECK(s.send(chat_message(arena, static_cast<int>(tag + 1)), tag + 1) == SendStatus::ok);
      }
    }
  };
  World w(config, session_server_config(), hooks);
  w.start();
  w.run();
  REQUIRE(acked.size() == kMessages);
  for (std::uint64_t i = 0; i < kMessages; ++i)
    CHECK(acked[i] == i + 1);
  CHECK(depth.max == 1);
  CHECK(w.server()->sm_session()->delivered.size() == kMessages);
}

TEST_CASE("session: close() from on_connect closes gracefully and stops, once") {
  std::vector<std::string> log;
  SessionHooks hooks;
  hooks.on_connect = [&](Session& s, const event::Online&) {
    log.push_back("connect");
    // Inputs and set_hooks() are the adapter's: refused from a hook, nothing changes.
    CHECK(s.receive("<x/>", s.now()).status == ReceiveStatus::invalid_state);
    CHECK_FALSE(s.handle_timeout(s.now()));
    CHECK(s.transport_closed(s.now()) == CommandStatus::invalid_state);
    CHECK(s.tls_established(test_tls_info(), s.now()) == CommandStatus::invalid_state);
    CHECK(s.set_hooks({}) == CommandStatus::invalid_state);
    CHECK(s.dispatching());
    CHECK(s.close(s.now()) == CommandStatus::ok);
    CHECK(s.close(s.now()) == CommandStatus::invalid_state);
    log.push_back("closed from hook");
  };
  hooks.on_closed = [&](Session&, const event::Closed& c) {
    log.push_back(std::string("closed:") + std::string(to_string(c.reason)));
  };
  hooks.on_stopped = [&](Session& s, StopReason r) {
    CHECK(s.state() == SessionState::stopped);
    log.push_back(std::string("stopped:") + std::string(to_string(r)));
  };
  World w(session_test_config(), session_server_config(), hooks);
  w.start();
  CHECK(log == std::vector<std::string>{"connect", "closed from hook", "closed:local_close",
                                        "stopped:application"});
  CHECK(w.session.state() == SessionState::stopped);
  CHECK(w.server()->client_closed());
  CHECK(w.attempts.size() == 1);
  CHECK_FALSE(w.session.dispatching());
  CHECK_FALSE(w.session.next_deadline());
}

TEST_CASE("session: close() from on_stanza still delivers the stanzas that came with it") {
  std::vector<std::string> bodies;
  SessionHooks hooks;
  hooks.on_stanza = [&](Session& s, xml::Element e) {
    bodies.emplace_back(e.child("body").text());
    if (bodies.size() == 1) CHECK(s.close(s.now()) == CommandStatus::ok);
  };
  auto server = session_server_config();
  server.sm = false;  // raw writes below are not counted by the server
  World w(session_test_config(), server, hooks);
  w.start();
  REQUIRE(w.session.client().phase() == ClientPhase::online);
  w.server()->send_raw(
      "<message from='bob@example.com/x'><body>1</body></message>"
      "<message from='bob@example.com/x'><body>2</body></message>"
      "<message from='bob@example.com/x'><body>3</body></message>");
  w.run();
  CHECK(bodies == std::vector<std::string>{"1", "2", "3"});
  CHECK(w.session.state() == SessionState::stopped);
  CHECK(w.server()->client_closed());
}

TEST_CASE("session: close() from on_closed hands everything back before on_stopped") {
  std::vector<std::string> log;
  Depth depth;
  SessionHooks hooks;
  hooks.on_closed = [&](Session& s, const event::Closed&) {
    Depth::Guard g(depth);
    log.push_back("closed");
    CHECK(s.state() == SessionState::waiting);
    CHECK(s.client().resumption_pending());
    CHECK(s.close(s.now()) == CommandStatus::ok);
  };
  hooks.on_unconfirmed = [&](Session&, const event::Unconfirmed& u) {
    Depth::Guard g(depth);
    log.push_back("unconfirmed:" + std::to_string(u.stanzas.size()));
  };
  hooks.on_stopped = [&](Session& s, StopReason) {
    Depth::Guard g(depth);
    CHECK(s.pending_iqs() == 0);
    log.push_back("stopped");
  };
  World w(session_test_config(), session_server_config(), hooks);
  w.start();
  xml::Arena arena;
  REQUIRE(w.session.send(chat_message(arena, 1), 1) == SendStatus::ok);
  const auto sent = w.session.send_iq(
      ping_iq(arena, "example.com"),
      [&](Session&, const IqResponse& r) {
        Depth::Guard g(depth);
        log.push_back(std::string("iq:") + std::string(to_string(r.outcome)));
      },
      w.now);
  REQUIRE(sent.status == IqSendStatus::ok);
  w.cut();
  CHECK(log == std::vector<std::string>{"closed", "iq:stopped", "unconfirmed:2", "stopped"});
  CHECK(depth.max == 1);
  CHECK(w.session.state() == SessionState::stopped);
  w.run();
  CHECK(w.attempts.size() == 1);
}

TEST_CASE("session: the engine's event queue is drained by the Session, not the adapter") {
  int stanzas = 0;
  SessionHooks hooks;
  hooks.on_stanza = [&](Session&, xml::Element) { ++stanzas; };
  SessionConfig config = session_test_config();
  config.client.limits.max_events = 2;
  auto server = session_server_config();
  server.sm = false;
  World w(config, server, hooks);
  w.start();
  REQUIRE(w.session.client().phase() == ClientPhase::online);
  std::string burst;
  for (int i = 0; i < 10; ++i)
    burst += "<message from='bob@example.com/x'><body>" + std::to_string(i) + "</body></message>";
  w.server()->send_raw(burst);
  w.run();
  CHECK(stanzas == 10);
  CHECK(w.drain_needed == 0);
}

TEST_CASE("session: a hook that throws leaves the Session usable") {
  TimePoint now{1000s};
  int closed = 0;
  SessionHooks hooks;
  hooks.on_closed = [&](Session&, const event::Closed& c) {
    ++closed;
    CHECK(c.reason == CloseReason::stream_error_sent);
    throw std::runtime_error("hook failed");
  };
  Session s(session_test_config(), hooks);
  REQUIRE(s.start(now) == CommandStatus::ok);
  REQUIRE(s.handle_timeout(now));
  REQUIRE(s.transport_connected(now) == CommandStatus::ok);
  CHECK_THROWS_AS(s.receive("this is not XML", now), std::runtime_error);
  CHECK(closed == 1);
  CHECK_FALSE(s.dispatching());
  // The bookkeeping came before the hook: the stream is over, the retry is scheduled.
  CHECK(s.state() == SessionState::disconnecting);
  CHECK(s.output().find("<not-well-formed") != std::string_view::npos);
  CHECK(s.consume_output(s.output().size()) == CommandStatus::ok);
  CHECK(s.transport_closed(now) == CommandStatus::ok);
  CHECK(s.state() == SessionState::waiting);
  CHECK(s.handle_timeout(now + 1s));
}

TEST_CASE(
    "session: release_memory() gives back the engine's buffers, not from a hook, and loses "
    "nothing") {
  std::vector<std::string> bodies;
  std::size_t heap_in_hook_before = 0;
  std::size_t heap_in_hook_after = 0;
  SessionHooks hooks;
  hooks.on_stanza = [&](Session& s, xml::Element e) {
    bodies.emplace_back(e.child("body").text());
    // From a hook the element `e` lives in the engine's arena: nothing may be given back.
    heap_in_hook_before = s.client().heap_bytes();
    s.release_memory();
    heap_in_hook_after = s.client().heap_bytes();
    CHECK(e.child("body").text() == bodies.back());
  };
  World w(session_test_config(), session_server_config(), hooks);
  w.start();
  REQUIRE(w.session.client().phase() == ClientPhase::online);
  REQUIRE(w.server_send("<message from='bob@example.com/x'><body>one</body></message>"));
  w.run();
  REQUIRE(bodies.size() == 1);
  CHECK(heap_in_hook_after == heap_in_hook_before);

  const std::size_t before = w.session.client().heap_bytes();
  w.session.release_memory();
  const std::size_t after = w.session.client().heap_bytes();
  CHECK(after < before);
  // No state changed: the stream goes on both ways.
  REQUIRE(w.server_send("<message from='bob@example.com/x'><body>two</body></message>"));
  w.run();
  CHECK(bodies == std::vector<std::string>{"one", "two"});
  xml::Arena arena;
  const std::size_t written = w.written.size();
  CHECK(w.session.send(chat_message(arena, 7), 7) == SendStatus::ok);
  w.run();
  CHECK(w.written.find("id='m7'", written) != std::string::npos);
}

}  // namespace xmpp::test
