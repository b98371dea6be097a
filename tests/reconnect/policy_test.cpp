// ReconnectPolicy under a virtual clock: scheduling, backoff, stops, misuse, success, limits.
#include <doctest/doctest.h>

#include <chrono>
#include <limits>
#include <optional>
#include <utility>

#include "reconnect_test_util.hpp"
#include "xmpp/reconnect.hpp"

using namespace xmpp;
using namespace std::chrono_literals;
using xmpp::test::ended;
using xmpp::test::ended_by;
using xmpp::test::PolicySnapshot;
using xmpp::test::seeded_config;
using xmpp::test::stream_error;
using xmpp::test::t0;

namespace {

/// Starts the attempt that is due and ends it with `end` at `now`.
void attempt_fails(ReconnectPolicy& policy, TimePoint now,
                   const SessionEnd& end = ended(CloseReason::connection_lost)) {
  REQUIRE(policy.handle_timeout(now));
  REQUIRE(policy.on_connect_started(now) == CommandStatus::ok);
  REQUIRE(policy.on_session_ended(end, now) == CommandStatus::ok);
}

/// The delay the policy chose: next_deadline() - now.
Duration delay(const ReconnectPolicy& policy, TimePoint now) {
  REQUIRE(policy.next_deadline().has_value());
  return std::chrono::duration_cast<Duration>(*policy.next_deadline() - now);
}

ReconnectPolicy started(ReconnectConfig config, TimePoint now = t0()) {
  ReconnectPolicy policy(std::move(config));
  REQUIRE(policy.start_now(now) == CommandStatus::ok);
  return policy;
}

}  // namespace

TEST_CASE("a new policy is idle until start_now(), which makes an attempt due at once") {
  ReconnectPolicy policy(seeded_config(1));
  CHECK(policy.state() == ReconnectState::idle);
  CHECK_FALSE(policy.next_deadline());
  CHECK_FALSE(policy.handle_timeout(t0() + 1h));
  CHECK(policy.on_connect_started(t0()) == CommandStatus::invalid_state);

  REQUIRE(policy.start_now(t0()) == CommandStatus::ok);
  CHECK(policy.state() == ReconnectState::waiting);
  CHECK(policy.next_deadline() == t0());
  CHECK(policy.handle_timeout(t0()));
  CHECK(policy.on_connect_started(t0()) == CommandStatus::ok);
  CHECK(policy.state() == ReconnectState::connecting);
  CHECK(policy.in_flight());
  CHECK(policy.attempts() == 1);
  CHECK_FALSE(policy.next_deadline());
}

TEST_CASE("the first retry is immediate, then the delays grow exponentially up to the cap") {
  ReconnectPolicy policy = started(seeded_config(1, Jitter::none));
  TimePoint now = t0();
  const Duration expected[] = {0s, 1s, 2s, 4s, 8s, 16s, 32s, 64s, 128s, 256s, 300s, 300s};
  std::uint32_t n = 0;
  for (const Duration d : expected) {
    attempt_fails(policy, now);
    ++n;
    CAPTURE(n);
    CHECK(policy.state() == ReconnectState::waiting);
    CHECK(policy.failures() == n);
    CHECK(policy.attempts() == n);
    CHECK(delay(policy, now) == d);
    now = *policy.next_deadline();
  }
}

TEST_CASE("without immediate_first_retry the first retry waits base") {
  ReconnectConfig config = seeded_config(1, Jitter::none);
  config.immediate_first_retry = false;
  ReconnectPolicy policy = started(config);
  attempt_fails(policy, t0());
  CHECK(delay(policy, t0()) == 1s);
}

TEST_CASE("jittered delays stay within [ceiling/2, ceiling] and replay from the seed") {
  ReconnectPolicy a = started(seeded_config(77));
  ReconnectPolicy b = started(seeded_config(77));
  TimePoint now = t0();
  attempt_fails(a, now);
  attempt_fails(b, now);
  CHECK(delay(a, now) == 0s);  // the immediate retry is not jittered
  Duration ceiling = 1s;
  bool any_below_ceiling = false;
  for (int i = 0; i < 12; ++i) {
    attempt_fails(a, now);
    attempt_fails(b, now);
    const Duration d = delay(a, now);
    CAPTURE(i);
    CHECK(d == delay(b, now));
    CHECK(d >= ceiling - ceiling / 2);
    CHECK(d <= ceiling);
    if (d < ceiling) any_below_ceiling = true;
    ceiling = std::min<Duration>(ceiling * 2, 5min);
    now = *a.next_deadline();
    REQUIRE(b.next_deadline() == now);
  }
  CHECK(any_below_ceiling);
}

TEST_CASE("an attempt is not due before its deadline; handle_timeout is harmless") {
  ReconnectConfig config = seeded_config(1, Jitter::none);
  config.immediate_first_retry = false;
  ReconnectPolicy policy = started(config);
  attempt_fails(policy, t0());
  const PolicySnapshot before(policy);
  for (int i = 0; i < 5; ++i) {
    CHECK_FALSE(policy.handle_timeout(t0()));
    CHECK_FALSE(policy.handle_timeout(t0() + 999ms));
  }
  CHECK(policy.on_connect_started(t0() + 999ms) == CommandStatus::invalid_state);
  CHECK(PolicySnapshot(policy) == before);
  // Due from the deadline on, for as long as the adapter has not started the attempt.
  CHECK(policy.handle_timeout(t0() + 1s));
  CHECK(policy.handle_timeout(t0() + 1h));
  CHECK(PolicySnapshot(policy) == before);
  REQUIRE(policy.on_connect_started(t0() + 1h) == CommandStatus::ok);
  // Nothing is due while connecting, online or stopped.
  CHECK_FALSE(policy.handle_timeout(t0() + 2h));
  REQUIRE(policy.on_online(false) == CommandStatus::ok);
  CHECK_FALSE(policy.handle_timeout(t0() + 3h));
  policy.stop();
  CHECK_FALSE(policy.handle_timeout(t0() + 4h));
}

TEST_CASE("never two attempts at once: misuse is refused and changes nothing") {
  ReconnectPolicy policy = started(seeded_config(3));
  REQUIRE(policy.on_connect_started(t0()) == CommandStatus::ok);

  SUBCASE("while connecting") {
    const PolicySnapshot before(policy);
    CHECK(policy.on_connect_started(t0()) == CommandStatus::invalid_state);
    CHECK(policy.on_connect_started(t0() + 1h) == CommandStatus::invalid_state);
    CHECK(policy.start_now(t0() + 1s) == CommandStatus::invalid_state);
    CHECK(PolicySnapshot(policy) == before);
  }
  SUBCASE("while online") {
    REQUIRE(policy.on_online(true) == CommandStatus::ok);
    const PolicySnapshot before(policy);
    CHECK(policy.on_online(false) == CommandStatus::invalid_state);
    CHECK(policy.on_connect_started(t0() + 1h) == CommandStatus::invalid_state);
    CHECK(policy.start_now(t0() + 1h) == CommandStatus::invalid_state);
    CHECK(PolicySnapshot(policy) == before);
  }
  SUBCASE("while waiting: no session to end or to put online") {
    REQUIRE(policy.on_session_ended(ended(CloseReason::timeout), t0()) == CommandStatus::ok);
    const PolicySnapshot before(policy);
    CHECK(policy.on_session_ended(ended(CloseReason::timeout), t0()) ==
          CommandStatus::invalid_state);
    CHECK(policy.on_online(false) == CommandStatus::invalid_state);
    CHECK(PolicySnapshot(policy) == before);
  }
  SUBCASE("in a new policy") {
    ReconnectPolicy fresh(seeded_config(3));
    const PolicySnapshot before(fresh);
    CHECK(fresh.on_online(false) == CommandStatus::invalid_state);
    CHECK(fresh.on_session_ended(ended(CloseReason::timeout), t0()) ==
          CommandStatus::invalid_state);
    CHECK(PolicySnapshot(fresh) == before);
  }
}

TEST_CASE("permanent failures stop the policy for good") {
  const StreamErrorCondition permanent_conditions[] = {
      StreamErrorCondition::conflict,
      StreamErrorCondition::host_gone,
      StreamErrorCondition::host_unknown,
      StreamErrorCondition::invalid_namespace,
      StreamErrorCondition::not_authorized,
      StreamErrorCondition::policy_violation,
      StreamErrorCondition::unsupported_encoding,
      StreamErrorCondition::unsupported_feature,
      StreamErrorCondition::unsupported_version,
  };
  const auto check_stopped_for_good = [](ReconnectPolicy& policy, StopReason reason) {
    CHECK(policy.state() == ReconnectState::stopped);
    CHECK(policy.stop_reason() == reason);
    CHECK_FALSE(policy.next_deadline());
    CHECK_FALSE(policy.in_flight());
    CHECK_FALSE(policy.handle_timeout(t0() + 24h));
    CHECK(policy.on_connect_started(t0() + 24h) == CommandStatus::invalid_state);
    CHECK(policy.on_online(false) == CommandStatus::invalid_state);
    CHECK(policy.on_session_ended(ended(CloseReason::connection_lost), t0() + 24h) ==
          CommandStatus::invalid_state);
    CHECK(policy.state() == ReconnectState::stopped);
  };

  for (const StreamErrorCondition condition : permanent_conditions) {
    CAPTURE(to_string(condition));
    ReconnectPolicy policy = started(seeded_config(4));
    const StreamError error = stream_error(condition);
    attempt_fails(policy, t0(), ended_by(error));
    check_stopped_for_good(policy, StopReason::stream_error);
    CHECK(policy.stop_condition() == condition);
  }

  SUBCASE("also after the session was online for long") {
    ReconnectPolicy policy = started(seeded_config(4));
    REQUIRE(policy.on_connect_started(t0()) == CommandStatus::ok);
    REQUIRE(policy.on_online(false) == CommandStatus::ok);
    const StreamError error = stream_error(StreamErrorCondition::conflict);
    REQUIRE(policy.on_session_ended(ended_by(error), t0() + 5h) == CommandStatus::ok);
    check_stopped_for_good(policy, StopReason::stream_error);
  }

  SUBCASE("authentication failures other than temporary-auth-failure") {
    for (const auto condition :
         {sasl::FailureCondition::not_authorized, sasl::FailureCondition::account_disabled,
          sasl::FailureCondition::credentials_expired, sasl::FailureCondition::aborted,
          sasl::FailureCondition::mechanism_too_weak, sasl::FailureCondition::unknown}) {
      CAPTURE(sasl::to_string(condition));
      ReconnectPolicy policy = started(seeded_config(4));
      event::AuthenticationFailed failure;
      failure.server_condition = condition;
      SessionEnd end = ended(CloseReason::authentication_failed);
      end.authentication = &failure;
      attempt_fails(policy, t0(), end);
      check_stopped_for_good(policy, StopReason::authentication_failed);
      CHECK_FALSE(policy.stop_condition());
    }
  }

  SUBCASE("local policy failures and refusals") {
    const std::pair<SessionEnd, StopReason> cases[] = {
        {ended(CloseReason::tls_unavailable), StopReason::tls_unavailable},
        {ended(CloseReason::tls_required_by_server), StopReason::tls_required_by_server},
        {ended(CloseReason::tls_unverified), StopReason::tls_unverified},
        {ended(CloseReason::no_acceptable_mechanism), StopReason::no_acceptable_mechanism},
        {ended(CloseReason::bind_failed, "not-allowed"), StopReason::bind_refused},
        {ended(CloseReason::session_failed, "forbidden"), StopReason::session_refused},
        {ended(CloseReason::handshake_failed), StopReason::handshake_refused},
        {ended(CloseReason::output_overflow), StopReason::output_overflow},
        {ended(CloseReason::local_close), StopReason::local_close},
    };
    for (const auto& [end, reason] : cases) {
      CAPTURE(to_string(reason));
      ReconnectPolicy policy = started(seeded_config(4));
      attempt_fails(policy, t0(), end);
      check_stopped_for_good(policy, reason);
    }
  }
}

TEST_CASE("temporary-auth-failure and transient stream errors are retried") {
  ReconnectPolicy policy = started(seeded_config(5));
  event::AuthenticationFailed failure;
  failure.server_condition = sasl::FailureCondition::temporary_auth_failure;
  failure.permanent = false;
  SessionEnd end = ended(CloseReason::authentication_failed);
  end.authentication = &failure;
  attempt_fails(policy, t0(), end);
  CHECK(policy.state() == ReconnectState::waiting);
  const StreamError shutdown = stream_error(StreamErrorCondition::system_shutdown);
  attempt_fails(policy, t0(), ended_by(shutdown));
  CHECK(policy.state() == ReconnectState::waiting);
  CHECK(policy.failures() == 2);
}

TEST_CASE("the engine-event overload of on_session_ended") {
  ReconnectPolicy policy = started(seeded_config(6));
  REQUIRE(policy.on_connect_started(t0()) == CommandStatus::ok);
  event::Closed closed;
  closed.reason = CloseReason::stream_error_received;
  StreamError error = stream_error(StreamErrorCondition::policy_violation);
  REQUIRE(policy.on_session_ended(closed, &error, std::nullopt, t0()) == CommandStatus::ok);
  CHECK(policy.stop_reason() == StopReason::stream_error);
  CHECK(policy.stop_condition() == StreamErrorCondition::policy_violation);

  ReconnectPolicy other = started(seeded_config(6));
  REQUIRE(other.on_connect_started(t0()) == CommandStatus::ok);
  closed.reason = CloseReason::authentication_failed;
  event::AuthenticationFailed failure;
  failure.server_condition = sasl::FailureCondition::temporary_auth_failure;
  REQUIRE(other.on_session_ended(closed, nullptr, failure, t0()) == CommandStatus::ok);
  CHECK(other.state() == ReconnectState::waiting);
  closed.reason = CloseReason::bind_failed;
  closed.detail = "not-allowed";
  REQUIRE(other.on_connect_started(t0()) == CommandStatus::ok);
  REQUIRE(other.on_session_ended(closed, nullptr, std::nullopt, t0()) == CommandStatus::ok);
  CHECK(other.stop_reason() == StopReason::bind_refused);
}

TEST_CASE("success resets the backoff and the attempt count") {
  ReconnectPolicy policy = started(seeded_config(8, Jitter::none));
  TimePoint now = t0();
  for (int i = 0; i < 5; ++i) {
    attempt_fails(policy, now);
    now = *policy.next_deadline();
  }
  REQUIRE(policy.failures() == 5);
  REQUIRE(policy.attempts() == 5);
  REQUIRE(policy.on_connect_started(now) == CommandStatus::ok);
  REQUIRE(policy.on_online(true) == CommandStatus::ok);
  CHECK(policy.state() == ReconnectState::online);
  CHECK(policy.failures() == 0);
  CHECK(policy.attempts() == 0);
  // A session that lasted: the next drop is retried at once, as the first one was.
  now += 1h;
  REQUIRE(policy.on_session_ended(ended(CloseReason::connection_lost), now) == CommandStatus::ok);
  CHECK(delay(policy, now) == 0s);
  CHECK(policy.failures() == 1);
  attempt_fails(policy, now);
  CHECK(delay(policy, now) == 1s);
}

TEST_CASE("a session that drops right after going online does not reset the backoff") {
  ReconnectPolicy policy = started(seeded_config(9, Jitter::none));
  TimePoint now = t0();
  for (int i = 0; i < 3; ++i) {
    attempt_fails(policy, now);
    now = *policy.next_deadline();
  }
  REQUIRE(policy.failures() == 3);  // the next delay would be 4 s
  REQUIRE(policy.on_connect_started(now) == CommandStatus::ok);
  REQUIRE(policy.on_online(false) == CommandStatus::ok);
  now += 9s;  // under stable_session (10 s)
  REQUIRE(policy.on_session_ended(ended(CloseReason::peer_closed), now) == CommandStatus::ok);
  CHECK(policy.failures() == 4);
  CHECK(delay(policy, now) == 4s);

  SUBCASE("stable_session zero: every online session resets") {
    ReconnectConfig config = seeded_config(9, Jitter::none);
    config.stable_session = 0s;
    ReconnectPolicy eager = started(config);
    attempt_fails(eager, t0());
    attempt_fails(eager, t0());
    REQUIRE(eager.on_connect_started(t0() + 1s) == CommandStatus::ok);
    REQUIRE(eager.on_online(false) == CommandStatus::ok);
    REQUIRE(eager.on_session_ended(ended(CloseReason::peer_closed), t0() + 1s) ==
            CommandStatus::ok);
    CHECK(eager.failures() == 1);
    CHECK(delay(eager, t0() + 1s) == 0s);
  }
}

TEST_CASE("max_attempts: stop after that many attempts in a row fail") {
  ReconnectConfig config = seeded_config(10);
  config.max_attempts = 3;
  ReconnectPolicy policy = started(config);
  TimePoint now = t0();
  attempt_fails(policy, now);
  now = *policy.next_deadline();
  attempt_fails(policy, now);
  CHECK(policy.state() == ReconnectState::waiting);
  now = *policy.next_deadline();
  attempt_fails(policy, now);
  CHECK(policy.state() == ReconnectState::stopped);
  CHECK(policy.stop_reason() == StopReason::max_attempts);
  CHECK(policy.attempts() == 3);
  CHECK_FALSE(policy.next_deadline());

  SUBCASE("an online session in between starts the count again") {
    ReconnectPolicy p = started(config);
    attempt_fails(p, t0());
    attempt_fails(p, *p.next_deadline());
    TimePoint at = *p.next_deadline();
    REQUIRE(p.on_connect_started(at) == CommandStatus::ok);
    REQUIRE(p.on_online(false) == CommandStatus::ok);
    at += 1h;
    REQUIRE(p.on_session_ended(ended(CloseReason::connection_lost), at) == CommandStatus::ok);
    CHECK(p.state() == ReconnectState::waiting);
    attempt_fails(p, at);
    at = *p.next_deadline();
    attempt_fails(p, at);
    CHECK(p.state() == ReconnectState::waiting);
    attempt_fails(p, *p.next_deadline());
    CHECK(p.stop_reason() == StopReason::max_attempts);
  }
  SUBCASE("max_attempts 1: no retry at all") {
    config.max_attempts = 1;
    ReconnectPolicy p = started(config);
    attempt_fails(p, t0());
    CHECK(p.stop_reason() == StopReason::max_attempts);
  }
}

TEST_CASE("stop(): the application gives up") {
  SUBCASE("while waiting") {
    ReconnectPolicy policy = started(seeded_config(11));
    attempt_fails(policy, t0());
    policy.stop();
    CHECK(policy.state() == ReconnectState::stopped);
    CHECK(policy.stop_reason() == StopReason::application);
    CHECK_FALSE(policy.next_deadline());
    CHECK(policy.on_connect_started(t0()) == CommandStatus::invalid_state);
  }
  SUBCASE("while an attempt runs: its end is still accepted, and nothing is scheduled") {
    ReconnectPolicy policy = started(seeded_config(11));
    REQUIRE(policy.on_connect_started(t0()) == CommandStatus::ok);
    policy.stop();
    CHECK(policy.state() == ReconnectState::stopped);
    CHECK(policy.in_flight());
    // Still one attempt in flight: no new one may start.
    CHECK(policy.start_now(t0()) == CommandStatus::invalid_state);
    CHECK(policy.on_online(false) == CommandStatus::ok);
    CHECK(policy.state() == ReconnectState::stopped);
    CHECK(policy.on_online(false) == CommandStatus::invalid_state);
    CHECK(policy.on_session_ended(ended(CloseReason::connection_lost), t0()) == CommandStatus::ok);
    CHECK_FALSE(policy.in_flight());
    CHECK(policy.state() == ReconnectState::stopped);
    CHECK(policy.stop_reason() == StopReason::application);
    CHECK_FALSE(policy.next_deadline());
    // Now the application may start afresh.
    CHECK(policy.start_now(t0() + 1s) == CommandStatus::ok);
    CHECK(policy.next_deadline() == t0() + 1s);
    CHECK(policy.stop_reason() == StopReason::none);
  }
  SUBCASE("a second stop() keeps the first reason") {
    ReconnectPolicy policy = started(seeded_config(11));
    const StreamError error = stream_error(StreamErrorCondition::conflict);
    attempt_fails(policy, t0(), ended_by(error));
    policy.stop();
    CHECK(policy.stop_reason() == StopReason::stream_error);
    CHECK(policy.stop_condition() == StreamErrorCondition::conflict);
  }
}

TEST_CASE("start_now(): an immediate attempt on the application's request") {
  ReconnectConfig config = seeded_config(12, Jitter::none);
  ReconnectPolicy policy = started(config);
  TimePoint now = t0();
  for (int i = 0; i < 4; ++i) {
    attempt_fails(policy, now);
    now = *policy.next_deadline();
  }
  REQUIRE(delay(policy, now - 4s) == 4s);
  SUBCASE("while waiting: the deadline moves, the backoff stays") {
    const TimePoint early = now - 3s;
    REQUIRE(policy.start_now(early) == CommandStatus::ok);
    CHECK(policy.next_deadline() == early);
    CHECK(policy.failures() == 4);
    attempt_fails(policy, early);
    CHECK(delay(policy, early) == 8s);
  }
  SUBCASE("after a stop: everything starts afresh") {
    const StreamError error = stream_error(StreamErrorCondition::not_authorized);
    attempt_fails(policy, now, ended_by(error));
    REQUIRE(policy.state() == ReconnectState::stopped);
    REQUIRE(policy.start_now(now) == CommandStatus::ok);
    CHECK(policy.failures() == 0);
    CHECK(policy.attempts() == 0);
    CHECK_FALSE(policy.stop_condition());
    attempt_fails(policy, now);
    CHECK(delay(policy, now) == 0s);
  }
}

TEST_CASE("an unusable configuration never schedules anything") {
  const auto refused = [](ReconnectConfig config, ReconnectConfigError error) {
    CAPTURE(to_string(error));
    CHECK(validate(config) == error);
    ReconnectPolicy policy(std::move(config));
    CHECK(policy.start_now(t0()) == CommandStatus::invalid_config);
    CHECK(policy.state() == ReconnectState::idle);
    CHECK_FALSE(policy.next_deadline());
  };
  CHECK(validate(seeded_config(1)) == ReconnectConfigError::ok);
  ReconnectConfig c = seeded_config(1);
  c.base = 0s;
  refused(c, ReconnectConfigError::invalid_base);
  c = seeded_config(1);
  c.factor = 0.5;
  refused(c, ReconnectConfigError::invalid_factor);
  c.factor = std::numeric_limits<double>::infinity();
  refused(c, ReconnectConfigError::invalid_factor);
  c.factor = std::numeric_limits<double>::quiet_NaN();
  refused(c, ReconnectConfigError::invalid_factor);
  c = seeded_config(1);
  c.cap = 500ms;
  refused(c, ReconnectConfigError::invalid_cap);
  c = seeded_config(1);
  c.jitter = static_cast<Jitter>(9);
  refused(c, ReconnectConfigError::invalid_jitter);
  c = seeded_config(1);
  c.max_attempts = 0;
  refused(c, ReconnectConfigError::invalid_max_attempts);
  c = seeded_config(1);
  c.stable_session = -1s;
  refused(c, ReconnectConfigError::invalid_stable_session);
  c = seeded_config(1);
  c.entropy = nullptr;
  refused(c, ReconnectConfigError::missing_entropy);
  c.jitter = Jitter::none;  // no draws: no entropy needed
  CHECK(validate(c) == ReconnectConfigError::ok);
}
