// SessionConfig checks and the names of the Session's enumerations.
#include <array>

#include "core/name_table.hpp"
#include "xmpp/session.hpp"

namespace xmpp {
namespace {

constexpr std::array<std::string_view, 3> kTargetSourceNames = {"redirect", "sm_location",
                                                                "configured"};
constexpr std::array<std::string_view, 6> kConfigErrorNames = {
    "ok", "client", "reconnect", "invalid_iq_timeout", "invalid_max_pending_iqs", "application",
};
constexpr std::array<std::string_view, 6> kStateNames = {
    "idle", "waiting", "opening", "connected", "disconnecting", "stopped",
};
constexpr std::array<std::string_view, 2> kDirectionNames = {"received", "sent"};
constexpr std::array<std::string_view, 5> kOutcomeNames = {
    "result", "error", "timeout", "session_replaced", "stopped",
};
constexpr std::array<std::string_view, 9> kIqSendStatusNames = {
    "ok",          "invalid_request", "duplicate_id", "too_many_pending", "not_online",
    "would_block", "unserializable",  "too_large",    "invalid_state",
};

template <std::size_t N, class E>
std::string_view name_of(const std::array<std::string_view, N>& names, E value) noexcept {
  return core::name_of(names, value, "unknown");
}

}  // namespace

std::string_view to_string(TargetSource source) noexcept {
  return name_of(kTargetSourceNames, source);
}
std::string_view to_string(SessionConfigError error) noexcept {
  return name_of(kConfigErrorNames, error);
}
std::string_view to_string(SessionState state) noexcept {
  return name_of(kStateNames, state);
}
std::string_view to_string(TrafficDirection direction) noexcept {
  return name_of(kDirectionNames, direction);
}
std::string_view to_string(IqOutcome outcome) noexcept {
  return name_of(kOutcomeNames, outcome);
}
std::string_view to_string(IqSendStatus status) noexcept {
  return name_of(kIqSendStatusNames, status);
}

SessionConfigError validate(const SessionConfig& config) {
  if (validate(config.client) != ConfigError::ok) return SessionConfigError::client;
  ReconnectConfig reconnect = config.reconnect;
  if (!reconnect.entropy) reconnect.entropy = config.client.entropy;
  if (validate(reconnect) != ReconnectConfigError::ok) return SessionConfigError::reconnect;
  if (config.iq_timeout <= Duration::zero()) return SessionConfigError::invalid_iq_timeout;
  if (config.max_pending_iqs == 0 || config.max_pending_iqs > kMaxPendingIqsLimit) {
    return SessionConfigError::invalid_max_pending_iqs;
  }
  if (validate(config.app) != ApplicationConfigError::ok) return SessionConfigError::application;
  return SessionConfigError::ok;
}

}  // namespace xmpp
