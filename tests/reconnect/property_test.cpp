// Properties of ReconnectPolicy over random sequences of attempts, endings, successes, time
// steps and application commands, each with a random configuration and entropy seed:
// - a deadline is never before the `now` that scheduled it, nor after that `now` plus the cap;
// - never two attempts in flight, and every refused call changes nothing;
// - a stop is terminal: only start_now() leaves it, and a permanent ending always stops.
#include <doctest/doctest.h>
#include <rapidcheck.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "rc_doctest.hpp"
#include "reconnect_test_util.hpp"
#include "xmpp/reconnect.hpp"

using namespace xmpp;
using namespace std::chrono_literals;
using xmpp::test::PolicySnapshot;

namespace {

enum class OpKind : std::uint8_t {
  advance,
  advance_to_deadline,
  handle_timeout,
  connect_started,
  online,
  ended,
  start_now,
  stop,
};

// An ending the adapter may report, and whether retrying cannot help (the test's own list,
// from RFC 6120 §4.9.3 and §6.5, kept apart from the implementation's).
struct Ending {
  CloseReason reason;
  std::optional<StreamErrorCondition> condition;
  std::optional<sasl::FailureCondition> auth;
  bool permanent;
};

const std::vector<Ending>& endings() {
  static const std::vector<Ending> all = {
      {CloseReason::connection_lost, {}, {}, false},
      {CloseReason::peer_closed, {}, {}, false},
      {CloseReason::timeout, {}, {}, false},
      {CloseReason::stream_error_sent, {}, {}, false},
      {CloseReason::tls_failed, {}, {}, false},
      {CloseReason::stream_error_received, StreamErrorCondition::system_shutdown, {}, false},
      {CloseReason::stream_error_received, StreamErrorCondition::internal_server_error, {}, false},
      {CloseReason::stream_error_received, StreamErrorCondition::see_other_host, {}, false},
      {CloseReason::stream_error_received, StreamErrorCondition::reset, {}, false},
      {CloseReason::authentication_failed,
       {},
       sasl::FailureCondition::temporary_auth_failure,
       false},
      {CloseReason::stream_error_received, StreamErrorCondition::conflict, {}, true},
      {CloseReason::stream_error_received, StreamErrorCondition::not_authorized, {}, true},
      {CloseReason::stream_error_received, StreamErrorCondition::policy_violation, {}, true},
      {CloseReason::stream_error_received, StreamErrorCondition::host_unknown, {}, true},
      {CloseReason::authentication_failed, {}, sasl::FailureCondition::not_authorized, true},
      {CloseReason::authentication_failed, {}, sasl::FailureCondition::account_disabled, true},
      {CloseReason::tls_unavailable, {}, {}, true},
      {CloseReason::tls_unverified, {}, {}, true},
      {CloseReason::no_acceptable_mechanism, {}, {}, true},
      {CloseReason::local_close, {}, {}, true},
  };
  return all;
}

// endings() lists the transient ones first.
constexpr std::uint32_t kTransientEndings = 10;

struct Op {
  OpKind kind = OpKind::advance;
  std::uint32_t arg = 0;  // advance: milliseconds; ended: index into endings(); online: resumed
};

// One step of a schedule: a single call (in any order, so misuse is exercised too), or, more
// often, a whole attempt as an adapter makes it: wait for the deadline, start, maybe go online,
// let time pass, end.
rc::Gen<std::vector<Op>> gen_step() {
  const auto single = [](OpKind kind, rc::Gen<std::uint32_t> arg) {
    return rc::gen::map(arg, [kind](std::uint32_t a) { return std::vector<Op>{Op{kind, a}}; });
  };
  const auto none = rc::gen::just<std::uint32_t>(0);
  // Mostly transient endings (the first kTransientEndings), so that failure streaks get long
  // enough to reach the cap; permanent ones still end many schedules.
  const auto ending = rc::gen::weightedOneOf<std::uint32_t>({
      {8, rc::gen::inRange<std::uint32_t>(0, kTransientEndings)},
      {1, rc::gen::inRange<std::uint32_t>(0, static_cast<std::uint32_t>(endings().size()))},
  });
  const auto attempt = rc::gen::apply(
      [](int online, std::uint32_t lasted, std::uint32_t end) {
        std::vector<Op> ops{{OpKind::advance_to_deadline, 0}, {OpKind::connect_started, 0}};
        if (online != 0) ops.push_back({OpKind::online, static_cast<std::uint32_t>(online - 1)});
        ops.push_back({OpKind::advance, lasted});
        ops.push_back({OpKind::ended, end});
        return ops;
      },
      rc::gen::inRange(0, 3), rc::gen::inRange<std::uint32_t>(0, 120'000), ending);
  return rc::gen::weightedOneOf<std::vector<Op>>({
      {12, attempt},
      {3, single(OpKind::advance, rc::gen::inRange<std::uint32_t>(0, 600'000))},
      {1, single(OpKind::advance_to_deadline, none)},
      {2, single(OpKind::handle_timeout, none)},
      {2, single(OpKind::connect_started, none)},
      {2, single(OpKind::online, rc::gen::inRange<std::uint32_t>(0, 2))},
      {2, rc::gen::map(ending,
                       [](std::uint32_t e) {
                         return std::vector<Op>{{OpKind::ended, e}};
                       })},
      {1, single(OpKind::start_now, none)},
      {1, single(OpKind::stop, none)},
  });
}

ReconnectConfig gen_config() {
  ReconnectConfig config;
  config.immediate_first_retry = *rc::gen::arbitrary<bool>();
  config.base = Duration(*rc::gen::inRange<std::int64_t>(1, 10'000));
  config.factor = *rc::gen::element(1.0, 1.5, 2.0, 3.0, 10.0);
  // Small multiples too, so that the cap is reached within a short streak.
  config.cap = config.base * *rc::gen::element<std::int64_t>(1, 2, 3, 5, 16, 1000);
  config.jitter = *rc::gen::element(Jitter::none, Jitter::full, Jitter::equal);
  if (*rc::gen::arbitrary<bool>()) {
    config.max_attempts = *rc::gen::inRange<std::uint32_t>(1, 8);
  }
  config.follow_see_other_host = *rc::gen::arbitrary<bool>();
  config.stable_session = Duration(*rc::gen::inRange<std::int64_t>(0, 60'000));
  config.entropy = xmpp::test::SeededEntropy(*rc::gen::arbitrary<std::uint64_t>());
  return config;
}

}  // namespace

TEST_CASE("reconnect property: deadlines bounded, one attempt at a time, stops are terminal") {
  for (std::uint32_t i = 0; i < endings().size(); ++i)
    REQUIRE(endings()[i].permanent == (i >= kTransientEndings));
  xmpp::test::check_property("reconnect policy invariants", [] {
    const ReconnectConfig config = gen_config();
    const auto steps = *rc::gen::container<std::vector<std::vector<Op>>>(gen_step());
    std::vector<Op> ops;
    for (const auto& step : steps)
      ops.insert(ops.end(), step.begin(), step.end());
    ReconnectPolicy policy(config);
    TimePoint now = xmpp::test::t0();
    RC_ASSERT(policy.start_now(now) == CommandStatus::ok);

    int attempts_in_flight = 0;  // counted by the test from the accepted calls
    bool went_online = false;    // the attempt in flight was reported online
    for (const Op& op : ops) {
      const PolicySnapshot before(policy);
      CommandStatus status = CommandStatus::ok;
      bool expect_ok = true;
      bool permanent_end = false;
      switch (op.kind) {
        case OpKind::advance:
          now += Duration(op.arg);
          break;
        case OpKind::advance_to_deadline:
          if (before.deadline && *before.deadline > now) now = *before.deadline;
          break;
        case OpKind::handle_timeout: {
          const bool due = policy.handle_timeout(now);
          RC_ASSERT(due == (before.state == ReconnectState::waiting && before.deadline &&
                            *before.deadline <= now));
          break;
        }
        case OpKind::connect_started:
          expect_ok = before.state == ReconnectState::waiting && *before.deadline <= now;
          status = policy.on_connect_started(now);
          if (status == CommandStatus::ok) {
            RC_ASSERT(attempts_in_flight == 0);
            ++attempts_in_flight;
            went_online = false;
          }
          break;
        case OpKind::online:
          expect_ok = before.state == ReconnectState::connecting ||
                      (before.state == ReconnectState::stopped && before.in_flight && !went_online);
          status = policy.on_online(op.arg != 0);
          if (status == CommandStatus::ok) went_online = true;
          break;
        case OpKind::ended: {
          const Ending& e = endings()[op.arg];
          StreamError error;
          event::AuthenticationFailed failure;
          SessionEnd end;
          end.reason = e.reason;
          if (e.condition) {
            error.condition = *e.condition;
            if (*e.condition == StreamErrorCondition::see_other_host) {
              error.see_other_host = "other.example";
            }
            end.received_error = &error;
          }
          if (e.auth) {
            failure.server_condition = *e.auth;
            failure.permanent = sasl::is_permanent(*e.auth);
            end.authentication = &failure;
          }
          expect_ok = before.in_flight;
          permanent_end = e.permanent;
          status = policy.on_session_ended(end, now);
          if (status == CommandStatus::ok) --attempts_in_flight;
          break;
        }
        case OpKind::start_now:
          expect_ok = !before.in_flight;
          status = policy.start_now(now);
          break;
        case OpKind::stop:
          policy.stop();
          RC_ASSERT(policy.state() == ReconnectState::stopped);
          break;
      }
      const PolicySnapshot after(policy);

      RC_ASSERT((status == CommandStatus::ok) == expect_ok);
      if (status != CommandStatus::ok) RC_ASSERT(after == before);
      RC_ASSERT(attempts_in_flight >= 0);
      RC_ASSERT(attempts_in_flight <= 1);
      RC_ASSERT(after.in_flight == (attempts_in_flight == 1));
      RC_ASSERT(after.deadline.has_value() == (after.state == ReconnectState::waiting));
      if (after.state == ReconnectState::connecting || after.state == ReconnectState::online) {
        RC_ASSERT(after.in_flight);
      }
      // A deadline set by this call lies in [now, now + cap].
      if (after.deadline && after.deadline != before.deadline) {
        RC_ASSERT(*after.deadline >= now);
        RC_ASSERT(*after.deadline <= now + config.cap);
      }
      // Stops are terminal: only start_now() leaves them.
      if (before.state == ReconnectState::stopped && op.kind != OpKind::start_now) {
        RC_ASSERT(after.state == ReconnectState::stopped);
        RC_ASSERT(after.stop_reason == before.stop_reason);
      }
      if (permanent_end && status == CommandStatus::ok) {
        RC_ASSERT(after.state == ReconnectState::stopped);
      }
      // A transient ending always schedules the next attempt, unless max_attempts ran out.
      if (op.kind == OpKind::ended && !permanent_end && status == CommandStatus::ok &&
          before.state != ReconnectState::stopped) {
        RC_ASSERT(after.state == ReconnectState::waiting ||
                  after.stop_reason == StopReason::max_attempts);
      }
      if (after.state == ReconnectState::stopped) {
        RC_ASSERT(after.stop_reason != StopReason::none);
        RC_ASSERT(!after.deadline);
        RC_ASSERT(!policy.handle_timeout(now + 24h));
      } else {
        RC_ASSERT(after.stop_reason == StopReason::none);
      }
    }
  });
}

TEST_CASE("reconnect property: the backoff never shrinks within a failure streak") {
  // Between two successes, each retry's ceiling is at least the previous one's, so with
  // Jitter::none the delays never decrease (and with equal jitter the floors do not).
  xmpp::test::check_property("delays grow monotonically without jitter", [] {
    ReconnectConfig config = gen_config();
    config.jitter = Jitter::none;
    config.max_attempts.reset();
    const auto failures = *rc::gen::inRange<int>(1, 60);
    ReconnectPolicy policy(config);
    TimePoint now = xmpp::test::t0();
    RC_ASSERT(policy.start_now(now) == CommandStatus::ok);
    Duration previous = Duration::zero();
    for (int i = 0; i < failures; ++i) {
      now = *policy.next_deadline();
      RC_ASSERT(policy.on_connect_started(now) == CommandStatus::ok);
      RC_ASSERT(policy.on_session_ended(xmpp::test::ended(CloseReason::connection_lost), now) ==
                CommandStatus::ok);
      const auto d = std::chrono::duration_cast<Duration>(*policy.next_deadline() - now);
      RC_ASSERT(d >= previous);
      RC_ASSERT(d <= config.cap);
      if (i == 0 && config.immediate_first_retry) RC_ASSERT(d == Duration::zero());
      if (i == 0 && !config.immediate_first_retry) RC_ASSERT(d == config.base);
      previous = d;
    }
  });
}
