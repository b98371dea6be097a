// Checks of a ClientConfig, done by connect() before anything is sent.
#include <array>
#include <climits>
#include <string>

#include "stream/engine_limits.hpp"
#include "xmpp/client_config.hpp"

namespace xmpp {
namespace {

constexpr std::array<std::string_view, 4> kTlsPolicyNames = {"required", "direct", "optional",
                                                             "disabled"};
constexpr std::array<std::string_view, 10> kConfigErrorNames = {
    "ok",
    "no SASL mechanism allowed",
    "no entropy function",
    "the resource is not a valid resourcepart (RFC 7622 §3.4)",
    "a negotiation timeout is not positive",
    "the keepalive interval is negative",
    "a limit is zero, or max_send_bytes leaves no room in max_output_bytes",
    "the SCRAM policy is out of range",
    "a mechanism needs a password or SCRAM keys and there are none",
    "the stream management configuration is invalid or its queue does not fit the limits",
};

bool needs_secret(sasl::Mechanism m) noexcept {
  return m != sasl::Mechanism::anonymous && m != sasl::Mechanism::external;
}

}  // namespace

std::string_view to_string(TlsPolicy policy) noexcept {
  const auto i = static_cast<std::size_t>(policy);
  return i < kTlsPolicyNames.size() ? kTlsPolicyNames[i] : "unknown";
}

std::string_view to_string(TransportSecurity security) noexcept {
  return security == TransportSecurity::direct_tls ? "direct_tls" : "plain";
}

std::string_view to_string(ConfigError error) noexcept {
  const auto i = static_cast<std::size_t>(error);
  return i < kConfigErrorNames.size() ? kConfigErrorNames[i] : "unknown";
}

ConfigError validate(const ClientConfig& config) {
  if (config.mechanisms.empty()) return ConfigError::no_mechanisms;
  if (!config.entropy) return ConfigError::missing_entropy;
  if (!config.resource.empty() &&
      Jid::check(std::string("resource.check/") + config.resource) != JidError::ok) {
    return ConfigError::invalid_resource;
  }
  const NegotiationTimeouts& t = config.timeouts;
  for (const Duration d : {t.stream_open, t.tls_handshake, t.authentication, t.bind, t.close}) {
    if (d.count() <= 0) return ConfigError::invalid_timeout;
  }
  if (config.keepalive_interval.count() < 0) return ConfigError::invalid_keepalive;
  if (!stream::limits_valid(config.limits)) return ConfigError::invalid_limits;
  const sasl::ScramPolicy& scram = config.scram;
  if (scram.min_iterations == 0 || scram.min_iterations > scram.max_iterations ||
      scram.max_iterations > static_cast<std::uint32_t>(INT_MAX) ||
      scram.nonce_entropy_bytes < 12 || scram.nonce_entropy_bytes > 96) {
    return ConfigError::invalid_scram_policy;
  }
  bool only_secret_mechanisms = true;
  for (const sasl::Mechanism m : config.mechanisms)
    only_secret_mechanisms = only_secret_mechanisms && needs_secret(m);
  if (only_secret_mechanisms && config.credentials.password.empty() &&
      !config.credentials.scram_keys) {
    return ConfigError::missing_credentials;
  }
  const StreamManagementConfig& sm = config.stream_management;
  if (validate(sm) != StreamManagementConfigError::ok) {
    return ConfigError::invalid_stream_management;
  }
  // After <resumed/> the whole queue is written at once, into an output buffer that receive()
  // keeps below half full; and the largest stanza send() accepts must fit the queue.
  if (sm.enable &&
      (sm.max_unacked_bytes < config.limits.max_send_bytes ||
       sm.max_unacked_bytes + kEngineOutputReserve > config.limits.max_output_bytes / 2)) {
    return ConfigError::invalid_stream_management;
  }
  return ConfigError::ok;
}

}  // namespace xmpp
