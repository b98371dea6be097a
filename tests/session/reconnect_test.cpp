// Session: attempts, targets and the reconnect policy, against the test server.
#include <doctest/doctest.h>

#include "world.hpp"

namespace xmpp::test {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kSeeOtherHost =
    "<stream:error><see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'>"
    "other.example.net:5222</see-other-host></stream:error></stream:stream>";

struct Tally {
  int connect = 0;
  int resume = 0;
  int link_dead = 0;
  std::vector<CloseReason> closed;
  std::vector<StopReason> stopped;
};

SessionHooks tally_hooks(Tally& t) {
  SessionHooks hooks;
  hooks.on_connect = [&t](Session&, const event::Online&) { ++t.connect; };
  hooks.on_resume = [&t](Session&, const event::Online&) { ++t.resume; };
  hooks.on_link_dead = [&t](Session&, const event::LinkDead&) { ++t.link_dead; };
  hooks.on_closed = [&t](Session&, const event::Closed& c) { t.closed.push_back(c.reason); };
  hooks.on_stopped = [&t](Session&, StopReason r) { t.stopped.push_back(r); };
  return hooks;
}

testing::ServerConfig redirecting(testing::ServerConfig config) {
  config.rewrite = [](testing::ServerStep step, std::string& bytes) {
    if (step == testing::ServerStep::features) bytes = kSeeOtherHost;
  };
  return config;
}

// Fires every deadline there is for `d` of virtual time (a retry storm would show up here).
void let_time_pass(World& w, Duration d) {
  const TimePoint end = w.now + d;
  for (int i = 0; i < 1000 && w.session.next_deadline() && *w.session.next_deadline() <= end; ++i)
    w.advance_to_deadline();
  w.now = std::max(w.now, end);
}

}  // namespace

TEST_CASE("session: a cut link is resumed at once; on_resume runs, on_connect does not again") {
  Tally t;
  World w(session_test_config(), session_server_config(), tally_hooks(t));
  w.start();
  REQUIRE(w.session.state() == SessionState::connected);
  REQUIRE(t.connect == 1);
  CHECK(w.attempts == std::vector<ConnectTarget>{{TargetSource::configured, ""}});
  xml::Arena arena;
  REQUIRE(w.session.send(chat_message(arena, 1), 1) == SendStatus::ok);
  w.run();
  w.cut();
  CHECK(t.closed == std::vector<CloseReason>{CloseReason::connection_lost});
  CHECK(w.session.state() == SessionState::waiting);
  CHECK(w.session.next_deadline() == w.now);  // immediate first retry
  // Sent while disconnected: kept for the resumed stream.
  REQUIRE(w.session.send(chat_message(arena, 2), 2) == SendStatus::ok);
  w.run();
  CHECK(t.resume == 1);
  CHECK(t.connect == 1);
  CHECK(w.attempts.size() == 2);
  CHECK(w.session.state() == SessionState::connected);
  CHECK(w.session.client().phase() == ClientPhase::online);
  w.advance(5s);  // the age-based ack request
  const testing::SmSession* sm = w.server()->sm_session();
  REQUIRE(sm != nullptr);
  REQUIRE(sm->delivered.size() == 2);
  CHECK(sm->delivered[1].find("<body>2</body>") != std::string::npos);
}

TEST_CASE("session: a wrong password stops after one attempt, with no retry storm") {
  Tally t;
  SessionConfig config = session_test_config();
  config.client.credentials.password = "wrong";
  World w(config, session_server_config(), tally_hooks(t));
  w.start();
  CHECK(w.session.state() == SessionState::stopped);
  CHECK(w.session.reconnect_policy().stop_reason() == StopReason::authentication_failed);
  CHECK(t.stopped == std::vector<StopReason>{StopReason::authentication_failed});
  CHECK(t.closed == std::vector<CloseReason>{CloseReason::authentication_failed});
  REQUIRE(w.session.last_authentication_failure() != nullptr);
  CHECK(w.session.last_authentication_failure()->permanent);
  let_time_pass(w, 24h);
  CHECK(w.attempts.size() == 1);
  CHECK(w.server()->sasl_failures() == 1);
  CHECK_FALSE(w.session.next_deadline());
  CHECK(w.session.close(w.now) == CommandStatus::invalid_state);
  // start() begins again (e.g. after the user typed the password again).
  CHECK(w.session.start(w.now) == CommandStatus::ok);
  CHECK(w.session.state() == SessionState::waiting);
}

TEST_CASE("session: see-other-host is followed once, then the configured server again") {
  Tally t;
  World w(session_test_config(), session_server_config(), tally_hooks(t));
  w.server_for = [&w](const ConnectTarget&) {
    return w.attempts.size() <= 2 ? redirecting(w.server_config) : w.server_config;
  };
  w.start();
  let_time_pass(w, 10s);
  REQUIRE(w.attempts.size() == 3);
  CHECK(w.attempts[0] == ConnectTarget{TargetSource::configured, ""});
  CHECK(w.attempts[1] == ConnectTarget{TargetSource::redirect, "other.example.net:5222"});
  CHECK(w.attempts[2] == ConnectTarget{TargetSource::configured, ""});
  CHECK(t.connect == 1);
  CHECK(t.closed == std::vector<CloseReason>{CloseReason::stream_error_received,
                                             CloseReason::stream_error_received});
  CHECK(w.session.client().phase() == ClientPhase::online);
  // The redirected stream still went to the configured domain.
  CHECK(w.written.find("to='example.com'") != std::string::npos);
  CHECK(w.written.find("other.example.net") == std::string::npos);
}

TEST_CASE("session: resumes at the SM location, and at the configured server once it fails") {
  Tally t;
  auto server = session_server_config();
  server.sm_location = "sm.example.net:5223";
  World w(session_test_config(), server, tally_hooks(t));
  w.refuse = [](const ConnectTarget& target) { return target.source == TargetSource::sm_location; };
  w.start();
  REQUIRE(t.connect == 1);
  CHECK(w.session.client().stream_management().location() == "sm.example.net:5223");
  w.cut();
  let_time_pass(w, 5s);
  REQUIRE(w.attempts.size() == 3);
  CHECK(w.attempts[1] == ConnectTarget{TargetSource::sm_location, "sm.example.net:5223"});
  CHECK(w.attempts[2] == ConnectTarget{TargetSource::configured, ""});
  CHECK(t.resume == 1);
  // The failed transport was reported like any other end of an attempt.
  CHECK(t.closed ==
        std::vector<CloseReason>{CloseReason::connection_lost, CloseReason::connection_lost});
}

TEST_CASE("session: a redirect takes precedence over the SM location") {
  Tally t;
  auto server = session_server_config();
  server.sm_location = "sm.example.net:5223";
  World w(session_test_config(), server, tally_hooks(t));
  w.server_for = [&w](const ConnectTarget& target) {
    return target.source == TargetSource::sm_location ? redirecting(w.server_config)
                                                      : w.server_config;
  };
  w.start();
  w.cut();
  let_time_pass(w, 5s);
  REQUIRE(w.attempts.size() == 3);
  CHECK(w.attempts[1].source == TargetSource::sm_location);
  CHECK(w.attempts[2] == ConnectTarget{TargetSource::redirect, "other.example.net:5222"});
  CHECK(t.resume == 1);
  CHECK(t.connect == 1);
}

TEST_CASE("session: a silent dead link is detected (LinkDead), closed, and resumed") {
  Tally t;
  World w(session_test_config(), session_server_config(), tally_hooks(t));
  w.start();
  REQUIRE(t.connect == 1);
  w.stalled = true;
  // The idle probe (60 s), then its ack timeout (30 s).
  let_time_pass(w, 91s);
  CHECK(t.link_dead == 1);
  CHECK(t.closed == std::vector<CloseReason>{CloseReason::connection_lost});
  w.stalled = false;
  w.run();
  CHECK(t.resume == 1);
  CHECK(w.attempts.size() == 2);
}

TEST_CASE("session: one attempt at a time, each only when due") {
  TimePoint now{1000s};
  Session s(session_test_config());
  CHECK_FALSE(s.handle_timeout(now));
  CHECK_FALSE(s.next_deadline());
  CHECK(s.transport_connected(now) == CommandStatus::invalid_state);
  CHECK(s.transport_closed(now) == CommandStatus::invalid_state);
  CHECK(s.receive("<x/>", now).status == ReceiveStatus::invalid_state);
  REQUIRE(s.start(now) == CommandStatus::ok);
  CHECK(s.next_deadline() == now);
  const auto target = s.handle_timeout(now);
  REQUIRE(target);
  CHECK(s.state() == SessionState::opening);
  REQUIRE(s.target() != nullptr);
  CHECK(*s.target() == *target);
  // In flight: no second attempt, no restart, no deadline of the policy's.
  CHECK_FALSE(s.handle_timeout(now));
  CHECK_FALSE(s.handle_timeout(now + 1h));
  CHECK(s.start(now) == CommandStatus::invalid_state);
  CHECK_FALSE(s.next_deadline());
  CHECK(s.output().empty());
  // The transport could not be opened: the first retry is immediate, the next backs off.
  REQUIRE(s.transport_closed(now) == CommandStatus::ok);
  CHECK(s.state() == SessionState::waiting);
  CHECK(s.target() == nullptr);
  REQUIRE(s.handle_timeout(now));
  REQUIRE(s.transport_closed(now) == CommandStatus::ok);
  CHECK(s.next_deadline() == now + 1s);
  CHECK_FALSE(s.handle_timeout(now + 999ms));
  // start() while waiting moves the attempt to now ("the network is back").
  REQUIRE(s.start(now + 10ms) == CommandStatus::ok);
  CHECK(s.next_deadline() == now + 10ms);
}

TEST_CASE("session: an unusable configuration is refused by start() and changes nothing") {
  SessionConfig config = session_test_config();
  config.client.entropy = nullptr;
  CHECK(validate(config) == SessionConfigError::client);
  Session s(config);
  CHECK(s.start(TimePoint{}) == CommandStatus::invalid_config);
  CHECK(s.state() == SessionState::idle);

  SessionConfig zero = session_test_config();
  zero.max_pending_iqs = 0;
  CHECK(validate(zero) == SessionConfigError::invalid_max_pending_iqs);
  zero = session_test_config();
  zero.iq_timeout = Duration::zero();
  CHECK(validate(zero) == SessionConfigError::invalid_iq_timeout);
  zero = session_test_config();
  zero.reconnect.jitter = Jitter::equal;  // takes the client's entropy: fine
  CHECK(validate(zero) == SessionConfigError::ok);
  zero.reconnect.base = Duration::zero();
  CHECK(validate(zero) == SessionConfigError::reconnect);
}

TEST_CASE("session: close() while the transport is being opened, and while waiting") {
  TimePoint now{1000s};
  std::vector<StopReason> stopped;
  int closed = 0;
  SessionHooks hooks;
  hooks.on_stopped = [&](Session&, StopReason r) { stopped.push_back(r); };
  hooks.on_closed = [&](Session&, const event::Closed&) { ++closed; };
  Session s(session_test_config(), hooks);
  CHECK(s.close(now) == CommandStatus::invalid_state);  // idle
  REQUIRE(s.start(now) == CommandStatus::ok);
  REQUIRE(s.handle_timeout(now));
  REQUIRE(s.close(now) == CommandStatus::ok);
  CHECK(s.state() == SessionState::opening);
  CHECK(stopped.empty());
  // The adapter's connect completes anyway: nothing is said on it, it is to be closed.
  REQUIRE(s.transport_connected(now) == CommandStatus::ok);
  CHECK(s.state() == SessionState::disconnecting);
  CHECK(s.output().empty());
  CHECK(s.client().phase() == ClientPhase::idle);
  REQUIRE(s.transport_closed(now) == CommandStatus::ok);
  CHECK(s.state() == SessionState::stopped);
  CHECK(stopped == std::vector<StopReason>{StopReason::application});
  CHECK(closed == 0);
  CHECK_FALSE(s.reconnect_policy().in_flight());

  // Again from stopped; this time close() while waiting for the attempt.
  REQUIRE(s.start(now) == CommandStatus::ok);
  REQUIRE(s.close(now) == CommandStatus::ok);
  CHECK(s.state() == SessionState::stopped);
  CHECK(stopped.size() == 2);
  CHECK_FALSE(s.handle_timeout(now + 1h));
}

TEST_CASE("session: direct TLS (XEP-0368): the handshake comes before the stream") {
  Tally t;
  SessionConfig config = session_test_config();
  config.client.tls = TlsPolicy::direct;
  auto server = session_server_config();
  server.direct_tls = true;
  server.starttls = testing::StartTlsOffer::none;
  World w(config, server, tally_hooks(t));
  w.start();
  CHECK(t.connect == 1);
  CHECK(w.session.client().secure());
  CHECK(w.written.find("<starttls") == std::string::npos);
}

}  // namespace xmpp::test
