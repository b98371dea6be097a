// How a session ended decides whether to connect again: the table of classify_session_end().
#include <array>

#include "xmpp/reconnect.hpp"

namespace xmpp {
namespace {

constexpr std::array<std::string_view, 14> kStopReasonNames = {
    "none",
    "application",
    "local_close",
    "authentication_failed",
    "stream_error",
    "tls_unavailable",
    "tls_required_by_server",
    "tls_unverified",
    "no_acceptable_mechanism",
    "bind_refused",
    "session_refused",
    "handshake_refused",
    "output_overflow",
    "max_attempts",
};
constexpr std::array<std::string_view, 5> kStateNames = {"idle", "waiting", "connecting", "online",
                                                         "stopped"};

constexpr EndVerdict stop_with(StopReason reason) noexcept {
  return {EndAction::stop, reason};
}
constexpr EndVerdict kRetry{EndAction::retry, StopReason::none};

EndVerdict classify_stream_error(const StreamError* error) noexcept {
  // No error at hand: RFC 6120 §4.9.3.21's catch-all, which is transient.
  if (error == nullptr) return kRetry;
  if (is_permanent(error->condition)) return stop_with(StopReason::stream_error);
  // parse_stream_error() never gives see-other-host without a host; a hand-made error might,
  // and then there is nowhere to go but back to the configured server.
  if (error->condition == StreamErrorCondition::see_other_host && !error->see_other_host.empty()) {
    return {EndAction::redirect, StopReason::none};
  }
  return kRetry;
}

EndVerdict classify_authentication(const event::AuthenticationFailed* failure) noexcept {
  // Without the event the cause is unknown; assuming permanence never hammers an account with
  // wrong credentials (servers lock accounts after repeated failures).
  if (failure == nullptr) return stop_with(StopReason::authentication_failed);
  const bool permanent = failure->server_condition ? sasl::is_permanent(*failure->server_condition)
                                                   : failure->permanent;
  return permanent ? stop_with(StopReason::authentication_failed) : kRetry;
}

}  // namespace

std::string_view to_string(StopReason reason) noexcept {
  const auto i = static_cast<std::size_t>(reason);
  return i < kStopReasonNames.size() ? kStopReasonNames[i] : "unknown";
}

std::string_view to_string(ReconnectState state) noexcept {
  const auto i = static_cast<std::size_t>(state);
  return i < kStateNames.size() ? kStateNames[i] : "unknown";
}

bool is_permanent(StreamErrorCondition condition) noexcept {
  // The reasons, condition by condition, are in the declaration's comment (RFC 6120 §4.9.3).
  switch (condition) {
    case StreamErrorCondition::conflict:
    case StreamErrorCondition::host_gone:
    case StreamErrorCondition::host_unknown:
    case StreamErrorCondition::invalid_namespace:
    case StreamErrorCondition::not_authorized:
    case StreamErrorCondition::policy_violation:
    case StreamErrorCondition::unsupported_encoding:
    case StreamErrorCondition::unsupported_feature:
    case StreamErrorCondition::unsupported_version:
      return true;
    default:
      return false;
  }
}

EndVerdict classify_session_end(const SessionEnd& end) noexcept {
  switch (end.reason) {
    case CloseReason::local_close:
      return stop_with(StopReason::local_close);
    case CloseReason::peer_closed:
    case CloseReason::connection_lost:
    case CloseReason::timeout:
    case CloseReason::stream_error_sent:
    case CloseReason::tls_failed:
      return kRetry;
    case CloseReason::stream_error_received:
      return classify_stream_error(end.received_error);
    case CloseReason::authentication_failed:
      return classify_authentication(end.authentication);
    case CloseReason::tls_unavailable:
      return stop_with(StopReason::tls_unavailable);
    case CloseReason::tls_required_by_server:
      return stop_with(StopReason::tls_required_by_server);
    case CloseReason::tls_unverified:
      return stop_with(StopReason::tls_unverified);
    case CloseReason::no_acceptable_mechanism:
      return stop_with(StopReason::no_acceptable_mechanism);
    case CloseReason::bind_failed:
      // RFC 6120 §7.6.2.2 not-allowed: this client may not bind at all; §7.7.2.1 bad-request:
      // the resource we ask for is refused as malformed, and we ask for the same one again.
      if (end.detail == "not-allowed" || end.detail == "bad-request") {
        return stop_with(StopReason::bind_refused);
      }
      return kRetry;
    case CloseReason::session_failed:
      // RFC 3921 §3: forbidden means this entity may not have a session.
      if (end.detail == "forbidden") return stop_with(StopReason::session_refused);
      return kRetry;
    case CloseReason::handshake_failed:
      return stop_with(StopReason::handshake_refused);
    case CloseReason::output_overflow:
      return stop_with(StopReason::output_overflow);
  }
  // A CloseReason added later and not classified yet: retrying with backoff is the safe
  // default (bounded by the cap and max_attempts).
  return kRetry;
}

}  // namespace xmpp
