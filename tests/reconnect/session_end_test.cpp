// classify_session_end() and is_permanent(): which endings stop the policy, condition by
// condition (RFC 6120 §4.9.3, §6.5, §7.6.2; RFC 3921 §3).
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "reconnect_test_util.hpp"
#include "xmpp/reconnect.hpp"

using namespace xmpp;
using xmpp::test::ended;
using xmpp::test::ended_by;
using xmpp::test::stream_error;

namespace {

// The last StreamErrorCondition enumerator: the loops below cover every condition up to it.
constexpr auto kLastCondition = StreamErrorCondition::unsupported_version;

}  // namespace

TEST_CASE("is_permanent: exactly the conditions where retrying cannot help") {
  const std::set<std::string> expected = {
      "conflict",
      "host-gone",
      "host-unknown",
      "invalid-namespace",
      "not-authorized",
      "policy-violation",
      "unsupported-encoding",
      "unsupported-feature",
      "unsupported-version",
  };
  std::set<std::string> permanent;
  for (int i = 0; i <= static_cast<int>(kLastCondition); ++i) {
    const auto condition = static_cast<StreamErrorCondition>(i);
    if (is_permanent(condition)) permanent.emplace(to_string(condition));
  }
  CHECK(permanent == expected);
  // The ones the issue names explicitly, and some that must stay transient.
  CHECK(is_permanent(StreamErrorCondition::conflict));
  CHECK(is_permanent(StreamErrorCondition::not_authorized));
  CHECK(is_permanent(StreamErrorCondition::policy_violation));
  CHECK_FALSE(is_permanent(StreamErrorCondition::see_other_host));
  CHECK_FALSE(is_permanent(StreamErrorCondition::system_shutdown));
  CHECK_FALSE(is_permanent(StreamErrorCondition::improper_addressing));
  CHECK_FALSE(is_permanent(StreamErrorCondition::undefined_condition));
}

TEST_CASE("classify: a received stream error stops, redirects or retries") {
  for (int i = 0; i <= static_cast<int>(kLastCondition); ++i) {
    const auto condition = static_cast<StreamErrorCondition>(i);
    CAPTURE(to_string(condition));
    const StreamError error = stream_error(condition, "other.example:5222");
    const EndVerdict verdict = classify_session_end(ended_by(error));
    if (is_permanent(condition)) {
      CHECK(verdict.action == EndAction::stop);
      CHECK(verdict.stop == StopReason::stream_error);
    } else if (condition == StreamErrorCondition::see_other_host) {
      CHECK(verdict.action == EndAction::redirect);
      CHECK(verdict.stop == StopReason::none);
    } else {
      CHECK(verdict.action == EndAction::retry);
      CHECK(verdict.stop == StopReason::none);
    }
  }
  SUBCASE("see-other-host without a host has nowhere to go: retry") {
    const StreamError error = stream_error(StreamErrorCondition::see_other_host);
    CHECK(classify_session_end(ended_by(error)).action == EndAction::retry);
  }
  SUBCASE("no error at hand counts as undefined-condition: retry") {
    CHECK(classify_session_end(ended(CloseReason::stream_error_received)).action ==
          EndAction::retry);
  }
  SUBCASE("the error is ignored unless the reason says one was received") {
    const StreamError error = stream_error(StreamErrorCondition::conflict);
    SessionEnd end = ended_by(error);
    end.reason = CloseReason::connection_lost;
    CHECK(classify_session_end(end).action == EndAction::retry);
  }
}

TEST_CASE("classify: every CloseReason") {
  struct Row {
    CloseReason reason;
    EndAction action;
    StopReason stop;
  };
  const Row rows[] = {
      {CloseReason::local_close, EndAction::stop, StopReason::local_close},
      {CloseReason::peer_closed, EndAction::retry, StopReason::none},
      {CloseReason::connection_lost, EndAction::retry, StopReason::none},
      {CloseReason::stream_error_sent, EndAction::retry, StopReason::none},
      {CloseReason::timeout, EndAction::retry, StopReason::none},
      {CloseReason::tls_unavailable, EndAction::stop, StopReason::tls_unavailable},
      {CloseReason::tls_required_by_server, EndAction::stop, StopReason::tls_required_by_server},
      {CloseReason::tls_failed, EndAction::retry, StopReason::none},
      {CloseReason::tls_unverified, EndAction::stop, StopReason::tls_unverified},
      {CloseReason::no_acceptable_mechanism, EndAction::stop, StopReason::no_acceptable_mechanism},
      {CloseReason::handshake_failed, EndAction::stop, StopReason::handshake_refused},
      {CloseReason::output_overflow, EndAction::stop, StopReason::output_overflow},
  };
  for (const Row& row : rows) {
    CAPTURE(to_string(row.reason));
    const EndVerdict verdict = classify_session_end(ended(row.reason));
    CHECK(verdict.action == row.action);
    CHECK(verdict.stop == row.stop);
  }
}

TEST_CASE("classify: authentication failures stop unless temporary") {
  event::AuthenticationFailed failure;
  SessionEnd end = ended(CloseReason::authentication_failed);
  end.authentication = &failure;

  for (int i = 0; i <= static_cast<int>(sasl::FailureCondition::unknown); ++i) {
    const auto condition = static_cast<sasl::FailureCondition>(i);
    CAPTURE(sasl::to_string(condition));
    failure.server_condition = condition;
    // The event's flag is deliberately wrong here: the server's condition decides.
    failure.permanent = !sasl::is_permanent(condition);
    const EndVerdict verdict = classify_session_end(end);
    if (condition == sasl::FailureCondition::temporary_auth_failure) {
      CHECK(verdict.action == EndAction::retry);
    } else {
      CHECK(verdict.action == EndAction::stop);
      CHECK(verdict.stop == StopReason::authentication_failed);
    }
  }
  SUBCASE("a failure the engine found (no server condition) follows the event's flag") {
    failure.server_condition.reset();
    failure.error = sasl::Error::scram_server_signature_mismatch;
    failure.permanent = true;
    CHECK(classify_session_end(end).action == EndAction::stop);
    failure.permanent = false;
    CHECK(classify_session_end(end).action == EndAction::retry);
  }
  SUBCASE("without the event it is permanent") {
    end.authentication = nullptr;
    CHECK(classify_session_end(end).stop == StopReason::authentication_failed);
  }
}

TEST_CASE("classify: bind and session refusals by stanza error condition") {
  CHECK(classify_session_end(ended(CloseReason::bind_failed, "not-allowed")).stop ==
        StopReason::bind_refused);
  CHECK(classify_session_end(ended(CloseReason::bind_failed, "bad-request")).stop ==
        StopReason::bind_refused);
  for (const char* transient : {"conflict", "resource-constraint", "undefined-condition", ""}) {
    CAPTURE(transient);
    CHECK(classify_session_end(ended(CloseReason::bind_failed, transient)).action ==
          EndAction::retry);
  }
  CHECK(classify_session_end(ended(CloseReason::session_failed, "forbidden")).stop ==
        StopReason::session_refused);
  CHECK(classify_session_end(ended(CloseReason::session_failed, "internal-server-error")).action ==
        EndAction::retry);
  CHECK(classify_session_end(ended(CloseReason::session_failed, "conflict")).action ==
        EndAction::retry);
}

TEST_CASE("names of the reconnect enums") {
  CHECK(to_string(StopReason::max_attempts) == "max_attempts");
  CHECK(to_string(StopReason::none) == "none");
  CHECK(to_string(static_cast<StopReason>(200)) == "unknown");
  CHECK(to_string(ReconnectState::stopped) == "stopped");
  CHECK(to_string(ReconnectState::idle) == "idle");
  CHECK(to_string(Jitter::equal) == "equal");
  CHECK(to_string(ReconnectConfigError::missing_entropy) == "jitter needs an entropy function");
}
