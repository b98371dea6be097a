// see-other-host (RFC 6120 §4.9.3.19): followed once, at once, resetting nothing else; a second
// redirect in a row is a failure with backoff at the configured server.
#include <doctest/doctest.h>

#include <chrono>

#include "reconnect_test_util.hpp"
#include "xmpp/reconnect.hpp"

using namespace xmpp;
using namespace std::chrono_literals;
using xmpp::test::ended;
using xmpp::test::ended_by;
using xmpp::test::seeded_config;
using xmpp::test::stream_error;
using xmpp::test::t0;

namespace {

const StreamError kRedirect = stream_error(StreamErrorCondition::see_other_host, "b.example:5223");
const StreamError kRedirectAgain =
    stream_error(StreamErrorCondition::see_other_host, "[2001:db8::1]:5222");

ReconnectConfig no_immediate_config() {
  ReconnectConfig config = seeded_config(21, Jitter::none);
  config.immediate_first_retry = false;
  return config;
}

void start_attempt(ReconnectPolicy& policy, TimePoint now) {
  REQUIRE(policy.handle_timeout(now));
  REQUIRE(policy.on_connect_started(now) == CommandStatus::ok);
}

}  // namespace

TEST_CASE("see-other-host is followed at once; a second redirect in a row is not") {
  ReconnectPolicy policy(no_immediate_config());
  REQUIRE(policy.start_now(t0()) == CommandStatus::ok);
  start_attempt(policy, t0());
  REQUIRE(policy.on_session_ended(ended_by(kRedirect), t0()) == CommandStatus::ok);
  CHECK(policy.state() == ReconnectState::waiting);
  CHECK(policy.next_deadline() == t0());
  REQUIRE(policy.target().has_value());
  CHECK(*policy.target() == "b.example:5223");
  CHECK(policy.failures() == 0);  // a redirect is not a failure

  start_attempt(policy, t0());
  CHECK(policy.target() == "b.example:5223");  // the attempt in flight goes there
  CHECK(policy.attempts() == 2);
  REQUIRE(policy.on_session_ended(ended_by(kRedirectAgain), t0()) == CommandStatus::ok);
  // Not followed: a failure with backoff, back at the configured server.
  CHECK_FALSE(policy.target().has_value());
  CHECK(policy.failures() == 1);
  CHECK(policy.next_deadline() == t0() + 1s);

  SUBCASE("the streak is over after that failure: the next redirect is followed again") {
    start_attempt(policy, t0() + 1s);
    REQUIRE(policy.on_session_ended(ended_by(kRedirectAgain), t0() + 1s) == CommandStatus::ok);
    CHECK(policy.target() == "[2001:db8::1]:5222");
    CHECK(policy.next_deadline() == t0() + 1s);
  }
}

TEST_CASE("a redirect resets nothing else") {
  ReconnectConfig config = no_immediate_config();
  config.max_attempts = 5;
  ReconnectPolicy policy(config);
  REQUIRE(policy.start_now(t0()) == CommandStatus::ok);
  TimePoint now = t0();
  for (int i = 0; i < 2; ++i) {
    start_attempt(policy, now);
    REQUIRE(policy.on_session_ended(ended(CloseReason::timeout), now) == CommandStatus::ok);
    now = *policy.next_deadline();
  }
  REQUIRE(policy.failures() == 2);
  start_attempt(policy, now);
  REQUIRE(policy.on_session_ended(ended_by(kRedirect), now) == CommandStatus::ok);
  CHECK(policy.failures() == 2);
  CHECK(policy.attempts() == 3);
  CHECK(policy.next_deadline() == now);
  // The redirected attempt fails: the backoff continues from where it was (third delay: 4 s),
  // and the redirected attempt counted towards max_attempts.
  start_attempt(policy, now);
  REQUIRE(policy.on_session_ended(ended(CloseReason::connection_lost), now) == CommandStatus::ok);
  CHECK_FALSE(policy.target().has_value());
  CHECK(policy.failures() == 3);
  CHECK(policy.next_deadline() == now + 4s);
  CHECK(policy.attempts() == 4);
  CHECK(policy.state() == ReconnectState::waiting);
  // Four failures but five attempts, the redirected one included: max_attempts is reached.
  now = *policy.next_deadline();
  start_attempt(policy, now);
  REQUIRE(policy.on_session_ended(ended(CloseReason::connection_lost), now) == CommandStatus::ok);
  CHECK(policy.failures() == 3);
  CHECK(policy.state() == ReconnectState::stopped);
  CHECK(policy.stop_reason() == StopReason::max_attempts);
}

TEST_CASE("a redirected session that went online may be redirected again later") {
  ReconnectPolicy policy(seeded_config(22));
  REQUIRE(policy.start_now(t0()) == CommandStatus::ok);
  start_attempt(policy, t0());
  REQUIRE(policy.on_session_ended(ended_by(kRedirect), t0()) == CommandStatus::ok);
  start_attempt(policy, t0());
  REQUIRE(policy.on_online(false) == CommandStatus::ok);
  CHECK(policy.target() == "b.example:5223");  // the online session is there
  REQUIRE(policy.on_session_ended(ended_by(kRedirectAgain), t0() + 1h) == CommandStatus::ok);
  CHECK(policy.target() == "[2001:db8::1]:5222");
  CHECK(policy.next_deadline() == t0() + 1h);
}

TEST_CASE("any other end of a redirected attempt goes back to the configured server") {
  ReconnectPolicy policy(seeded_config(23));
  REQUIRE(policy.start_now(t0()) == CommandStatus::ok);
  start_attempt(policy, t0());
  REQUIRE(policy.on_session_ended(ended_by(kRedirect), t0()) == CommandStatus::ok);
  start_attempt(policy, t0());
  REQUIRE(policy.on_online(true) == CommandStatus::ok);
  REQUIRE(policy.on_session_ended(ended(CloseReason::connection_lost), t0() + 1h) ==
          CommandStatus::ok);
  CHECK_FALSE(policy.target().has_value());
  CHECK(policy.state() == ReconnectState::waiting);
}

TEST_CASE("a permanent error from the redirect target stops") {
  ReconnectPolicy policy(seeded_config(24));
  REQUIRE(policy.start_now(t0()) == CommandStatus::ok);
  start_attempt(policy, t0());
  REQUIRE(policy.on_session_ended(ended_by(kRedirect), t0()) == CommandStatus::ok);
  start_attempt(policy, t0());
  const StreamError unknown = stream_error(StreamErrorCondition::host_unknown);
  REQUIRE(policy.on_session_ended(ended_by(unknown), t0()) == CommandStatus::ok);
  CHECK(policy.state() == ReconnectState::stopped);
  CHECK(policy.stop_condition() == StreamErrorCondition::host_unknown);
  CHECK_FALSE(policy.target().has_value());
}

TEST_CASE("follow_see_other_host = false: a redirect is a plain failure") {
  ReconnectConfig config = no_immediate_config();
  config.follow_see_other_host = false;
  ReconnectPolicy policy(config);
  REQUIRE(policy.start_now(t0()) == CommandStatus::ok);
  start_attempt(policy, t0());
  REQUIRE(policy.on_session_ended(ended_by(kRedirect), t0()) == CommandStatus::ok);
  CHECK_FALSE(policy.target().has_value());
  CHECK(policy.failures() == 1);
  CHECK(policy.next_deadline() == t0() + 1s);
}

TEST_CASE("start_now() after a stop forgets a redirect; stop() drops it") {
  ReconnectPolicy policy(seeded_config(25));
  REQUIRE(policy.start_now(t0()) == CommandStatus::ok);
  start_attempt(policy, t0());
  REQUIRE(policy.on_session_ended(ended_by(kRedirect), t0()) == CommandStatus::ok);
  REQUIRE(policy.target().has_value());
  policy.stop();
  CHECK_FALSE(policy.target().has_value());
  REQUIRE(policy.start_now(t0()) == CommandStatus::ok);
  CHECK_FALSE(policy.target().has_value());
}
