// The transport's life cycle: when an attempt starts and where it goes, the adapter's transport
// facts, start() and close(). One transport at a time: an attempt starts only from waiting,
// which is reached only once the previous transport was reported closed.
#include "session/session_impl.hpp"

namespace xmpp {

// ---------------------------------------------------------------------------------------------
// Impl

ConnectTarget Session::Impl::choose_target() const {
  // Precedence (Session's class comment): redirect > SM location when resuming > configured.
  if (const auto redirect = policy.target()) {
    return {TargetSource::redirect, std::string(*redirect)};
  }
  const std::string& location = client.stream_management().location();
  if (follow_sm_location && !location_failed && client.resumption_pending() && !location.empty()) {
    return {TargetSource::sm_location, location};
  }
  return {TargetSource::configured, server};
}

ConnectTarget Session::Impl::start_attempt(TimePoint at) {
  policy.on_connect_started(at);
  stream_error.reset();
  auth_failure.reset();
  attempt_online = false;
  target = choose_target();
  state = SessionState::opening;
  return *target;
}

void Session::Impl::after_transport_gone() {
  target.reset();
  transport_lost = false;
  if (policy.state() == ReconnectState::stopped) {
    enter_stopped();
  } else {
    state = SessionState::waiting;
  }
}

void Session::Impl::enter_stopped() {
  state = SessionState::stopped;
  // No attempt will resume a kept session: its stanzas are handed back now (Unconfirmed), so
  // that each one is reported before on_stopped.
  if (client.resumption_pending()) client.abandon_session();
  fail_all_iqs(IqOutcome::stopped);
  stop_pending = true;
}

// ---------------------------------------------------------------------------------------------
// Inputs

std::optional<ConnectTarget> Session::handle_timeout(TimePoint now) {
  Impl& s = *impl_;
  if (s.busy()) return std::nullopt;
  s.now = now;
  if (s.transport_open()) s.client.handle_timeout(now);
  s.keepalive(now);
  for (session::PendingIq& request : s.iqs.take_expired(now))
    s.queue_iq(std::move(request), IqOutcome::timeout, std::nullopt);
  s.pump();
  // After the hooks: one of them may have closed the Session.
  if (s.state == SessionState::waiting && s.policy.handle_timeout(now)) {
    return s.start_attempt(now);
  }
  return std::nullopt;
}

CommandStatus Session::transport_connected(TimePoint now) {
  return transport_connected(now, impl_->client.config().tls == TlsPolicy::direct
                                      ? TransportSecurity::direct_tls
                                      : TransportSecurity::plain);
}

CommandStatus Session::transport_connected(TimePoint now, TransportSecurity security) {
  Impl& s = *impl_;
  if (s.busy() || s.state != SessionState::opening) return CommandStatus::invalid_state;
  s.now = now;
  if (s.close_requested) {
    s.state = SessionState::disconnecting;  // nothing to say on it: the adapter closes it
    return CommandStatus::ok;
  }
  const CommandStatus status = s.client.connect(now, security);
  if (status != CommandStatus::ok) return status;
  s.state = SessionState::connected;
  s.pump();
  return CommandStatus::ok;
}

CommandStatus Session::transport_closed(TimePoint now) {
  Impl& s = *impl_;
  if (s.busy()) return CommandStatus::invalid_state;
  s.now = now;
  switch (s.state) {
    case SessionState::opening: {
      // The transport never carried a stream: an attempt that failed, for the policy as for
      // the application.
      if (s.target && s.target->source == TargetSource::sm_location) s.location_failed = true;
      event::Closed closed{CloseReason::connection_lost, "the transport could not be opened"};
      SessionEnd end;
      end.reason = closed.reason;
      end.detail = closed.detail;
      s.policy.on_session_ended(end, now);
      if (!s.close_requested) {  // after close(), the adapter only gave the attempt up
        Note note;
        note.event = std::move(closed);
        note.engine = false;
        s.notes.push_back(std::move(note));
      }
      s.after_transport_gone();
      break;
    }
    case SessionState::connected:
      // The engine reports the end (Closed); on_closed() sees that the transport is gone.
      s.transport_lost = true;
      if (s.client.receive_eof(now) != CommandStatus::ok) s.after_transport_gone();
      break;
    case SessionState::disconnecting:
      if (s.policy.in_flight()) {
        // close() while opening: the attempt ends without having carried a stream.
        SessionEnd end;
        end.reason = CloseReason::local_close;
        s.policy.on_session_ended(end, now);
      }
      s.after_transport_gone();
      break;
    default:
      return CommandStatus::invalid_state;
  }
  s.pump();
  return CommandStatus::ok;
}

// ---------------------------------------------------------------------------------------------
// Commands

CommandStatus Session::start(TimePoint now) {
  Impl& s = *impl_;
  if (s.logging) return CommandStatus::invalid_state;
  if (s.state != SessionState::idle && s.state != SessionState::waiting &&
      s.state != SessionState::stopped) {
    return CommandStatus::invalid_state;
  }
  if (s.config_error != SessionConfigError::ok) return CommandStatus::invalid_config;
  const CommandStatus status = s.policy.start_now(now);
  if (status != CommandStatus::ok) return status;
  s.now = now;
  s.close_requested = false;
  s.location_failed = false;
  s.state = SessionState::waiting;
  return CommandStatus::ok;
}

CommandStatus Session::close(TimePoint now) {
  Impl& s = *impl_;
  if (s.logging || s.close_requested || s.state == SessionState::idle ||
      s.state == SessionState::stopped) {
    return CommandStatus::invalid_state;
  }
  s.now = now;
  s.close_requested = true;
  s.policy.stop();
  switch (s.state) {
    case SessionState::waiting:
      s.enter_stopped();
      break;
    case SessionState::connected:
      // invalid_state only when the engine's Closed is already queued: it ends the same way.
      s.client.close(now);
      break;
    default:  // opening, disconnecting: stopped once the adapter reports the transport closed
      break;
  }
  s.pump();
  return CommandStatus::ok;
}

}  // namespace xmpp
