// ReconnectPolicy: the state machine around classify_session_end() and the backoff.
#include <limits>
#include <utility>

#include "reconnect/backoff.hpp"
#include "xmpp/reconnect.hpp"

namespace xmpp {

ReconnectPolicy::ReconnectPolicy(ReconnectConfig config) : config_(std::move(config)) {}

CommandStatus ReconnectPolicy::on_connect_started(TimePoint now) {
  if (!handle_timeout(now)) return CommandStatus::invalid_state;
  state_ = ReconnectState::connecting;
  deadline_.reset();
  in_flight_ = true;
  attempt_online_ = false;
  attempt_started_ = now;
  if (attempts_ < std::numeric_limits<std::uint32_t>::max()) ++attempts_;
  redirected_attempt_ = target_.has_value();
  return CommandStatus::ok;
}

CommandStatus ReconnectPolicy::on_online(bool /*resumed*/) {
  // stop() during the attempt: the application gave up on reconnecting, the session that went
  // online anyway is of no consequence to the policy.
  if (state_ == ReconnectState::stopped && in_flight_ && !attempt_online_) {
    attempt_online_ = true;
    return CommandStatus::ok;
  }
  if (state_ != ReconnectState::connecting) return CommandStatus::invalid_state;
  state_ = ReconnectState::online;
  attempt_online_ = true;
  // Kept so that a session that ends before stable_session can give the streak back.
  failures_before_online_ = failures_;
  failures_ = 0;
  attempts_ = 0;
  // A session that reached online breaks a run of redirects (RFC 6120 §4.9.3.19 counts
  // successive ones).
  redirected_attempt_ = false;
  return CommandStatus::ok;
}

CommandStatus ReconnectPolicy::on_session_ended(const SessionEnd& end, TimePoint now) {
  if (!in_flight_) return CommandStatus::invalid_state;
  in_flight_ = false;
  if (state_ == ReconnectState::stopped) return CommandStatus::ok;

  const bool was_online = state_ == ReconnectState::online;
  if (was_online && now - attempt_started_ < config_.stable_session) {
    failures_ = failures_before_online_;
  }
  const EndVerdict verdict = classify_session_end(end);
  if (verdict.action == EndAction::stop) {
    enter_stopped(verdict.stop);
    if (verdict.stop == StopReason::stream_error && end.received_error != nullptr) {
      stop_condition_ = end.received_error->condition;
    }
    return CommandStatus::ok;
  }
  if (verdict.action == EndAction::redirect && config_.follow_see_other_host &&
      !redirected_attempt_) {
    // Not a failure: the server named where to go. At once, and nothing else changes (the
    // attempt still counts towards max_attempts when it is made).
    target_ = end.received_error->see_other_host;
    redirected_attempt_ = false;
    schedule(now);
    return CommandStatus::ok;
  }
  // Any failure, including a second redirect in a row, goes back to the configured server: the
  // redirect target did not work out.
  target_.reset();
  redirected_attempt_ = false;
  if (!was_online && config_.max_attempts && attempts_ >= *config_.max_attempts) {
    enter_stopped(StopReason::max_attempts);
    return CommandStatus::ok;
  }
  fail(now);
  return CommandStatus::ok;
}

CommandStatus ReconnectPolicy::on_session_ended(
    const event::Closed& closed, const StreamError* received_error,
    const std::optional<event::AuthenticationFailed>& authentication, TimePoint now) {
  SessionEnd end;
  end.reason = closed.reason;
  end.detail = closed.detail;
  end.received_error = received_error;
  end.authentication = authentication ? &*authentication : nullptr;
  return on_session_ended(end, now);
}

bool ReconnectPolicy::handle_timeout(TimePoint now) const noexcept {
  return state_ == ReconnectState::waiting && deadline_ && *deadline_ <= now;
}

CommandStatus ReconnectPolicy::start_now(TimePoint now) {
  if (validate(config_) != ReconnectConfigError::ok) return CommandStatus::invalid_config;
  if (in_flight_) return CommandStatus::invalid_state;
  if (state_ == ReconnectState::idle || state_ == ReconnectState::stopped) {
    attempts_ = 0;
    failures_ = 0;
    failures_before_online_ = 0;
    redirected_attempt_ = false;
    target_.reset();
    stop_reason_ = StopReason::none;
    stop_condition_.reset();
  }
  schedule(now);
  return CommandStatus::ok;
}

void ReconnectPolicy::stop() noexcept {
  if (state_ != ReconnectState::stopped) enter_stopped(StopReason::application);
}

std::optional<TimePoint> ReconnectPolicy::next_deadline() const noexcept {
  return deadline_;
}
ReconnectState ReconnectPolicy::state() const noexcept {
  return state_;
}
bool ReconnectPolicy::in_flight() const noexcept {
  return in_flight_;
}
std::uint32_t ReconnectPolicy::attempts() const noexcept {
  return attempts_;
}
std::uint32_t ReconnectPolicy::failures() const noexcept {
  return failures_;
}
StopReason ReconnectPolicy::stop_reason() const noexcept {
  return stop_reason_;
}

std::optional<std::string_view> ReconnectPolicy::target() const noexcept {
  if (!target_) return std::nullopt;
  return std::string_view(*target_);
}

std::optional<StreamErrorCondition> ReconnectPolicy::stop_condition() const noexcept {
  return stop_condition_;
}

void ReconnectPolicy::schedule(TimePoint deadline) noexcept {
  state_ = ReconnectState::waiting;
  deadline_ = deadline;
}

void ReconnectPolicy::enter_stopped(StopReason reason) noexcept {
  state_ = ReconnectState::stopped;
  deadline_.reset();
  target_.reset();
  stop_reason_ = reason;
  stop_condition_.reset();
}

void ReconnectPolicy::fail(TimePoint now) {
  if (failures_ < std::numeric_limits<std::uint32_t>::max()) ++failures_;
  const Duration ceiling = reconnect::backoff_ceiling(config_, failures_);
  schedule(now + reconnect::jittered(ceiling, config_.jitter, config_.entropy));
}

}  // namespace xmpp
