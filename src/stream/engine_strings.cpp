// Names of the engine result and reason codes (include/xmpp/engine.hpp).
#include <array>

#include "xmpp/engine.hpp"

namespace xmpp {
namespace {

template <class Enum, std::size_t N>
std::string_view name_of(Enum value, const std::array<std::string_view, N>& names) noexcept {
  const auto i = static_cast<std::size_t>(value);
  return i < N ? names[i] : "unknown";
}

constexpr std::array<std::string_view, 6> kReceiveStatusNames = {
    "all_consumed", "tls_handoff", "closed", "stream_error", "drain_needed", "invalid_state",
};
constexpr std::array<std::string_view, 4> kCommandStatusNames = {
    "ok",
    "invalid_state",
    "invalid_config",
    "invalid_input",
};
constexpr std::array<std::string_view, 6> kSendStatusNames = {
    "ok", "not_online", "would_block", "reserved_element", "unserializable", "too_large",
};
constexpr std::array<std::string_view, 16> kCloseReasonNames = {
    "local_close",
    "peer_closed",
    "connection_lost",
    "stream_error_sent",
    "stream_error_received",
    "timeout",
    "tls_unavailable",
    "tls_required_by_server",
    "tls_failed",
    "tls_unverified",
    "no_acceptable_mechanism",
    "authentication_failed",
    "bind_failed",
    "session_failed",
    "handshake_failed",
    "output_overflow",
};

}  // namespace

std::string_view to_string(ReceiveStatus status) noexcept {
  return name_of(status, kReceiveStatusNames);
}
std::string_view to_string(CommandStatus status) noexcept {
  return name_of(status, kCommandStatusNames);
}
std::string_view to_string(SendStatus status) noexcept {
  return name_of(status, kSendStatusNames);
}
std::string_view to_string(CloseReason reason) noexcept {
  return name_of(reason, kCloseReasonNames);
}

}  // namespace xmpp
