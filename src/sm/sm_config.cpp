// validate() of StreamManagementConfig and the names of its errors.
#include "sm/sequence.hpp"
#include "xmpp/stream_management.hpp"

namespace xmpp {

std::string_view to_string(StreamManagementConfigError error) noexcept {
  switch (error) {
    case StreamManagementConfigError::ok:
      return "ok";
    case StreamManagementConfigError::invalid_max_resume:
      return "invalid_max_resume";
    case StreamManagementConfigError::invalid_queue_limits:
      return "invalid_queue_limits";
    case StreamManagementConfigError::invalid_request_policy:
      return "invalid_request_policy";
    case StreamManagementConfigError::missing_wall_clock:
      return "missing_wall_clock";
  }
  return "unknown";
}

std::string_view to_string(LinkDeadCause cause) noexcept {
  switch (cause) {
    case LinkDeadCause::ack_timeout:
      return "ack_timeout";
    case LinkDeadCause::ping_timeout:
      return "ping_timeout";
  }
  return "unknown";
}

StreamManagementConfigError validate(const StreamManagementConfig& config) noexcept {
  // XEP-0198 §12: max is an xs:positiveInteger.
  if (config.max_resume_seconds && *config.max_resume_seconds == 0) {
    return StreamManagementConfigError::invalid_max_resume;
  }
  // Fewer than 2^31 unacknowledged stanzas keep every valid h within half the counter space of
  // the last one, where RFC 1982 comparison is defined (sm/sequence.hpp).
  if (config.max_unacked_stanzas == 0 || config.max_unacked_stanzas >= sm::kHalfRange ||
      config.max_unacked_bytes == 0) {
    return StreamManagementConfigError::invalid_queue_limits;
  }
  if (config.request_after < Duration::zero() || config.idle_request_interval < Duration::zero() ||
      config.ack_timeout <= Duration::zero()) {
    return StreamManagementConfigError::invalid_request_policy;
  }
  if (config.resend_unconfirmed_with_delay && !config.wall_clock) {
    return StreamManagementConfigError::missing_wall_clock;
  }
  return StreamManagementConfigError::ok;
}

}  // namespace xmpp
