// What an application decides about an xmpp::Session: the client engine's configuration, the
// reconnect policy's, where to connect, and the bounds of the IQ tracking.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "xmpp/application_config.hpp"
#include "xmpp/client_config.hpp"
#include "xmpp/reconnect.hpp"

namespace xmpp {

/// Why a connection attempt goes where it goes. Session picks the first that applies, in this
/// order (see ConnectTarget).
enum class TargetSource : std::uint8_t {
  /// The server's `<see-other-host/>` (RFC 6120 §4.9.3.19), followed once: ReconnectPolicy::
  /// target().
  redirect,
  /// The `location` of `<enabled/>` (XEP-0198 §3), only to resume that session, and only until an
  /// attempt there fails before going online (then the configured server again).
  sm_location,
  /// SessionConfig::server, or the JID's domain resolved by the adapter.
  configured,
};

std::string_view to_string(TargetSource source) noexcept;

/// Where the adapter opens the next transport. Whatever the source, the stream still goes `to`
/// the configured domain and the certificate is still verified against that domain (never
/// against `address`): that is what makes following an unauthenticated redirect or location
/// safe (RFC 6120 §4.9.3.19, XEP-0198 §3).
struct ConnectTarget {
  TargetSource source = TargetSource::configured;
  /// "host", "host:port" or "[IPv6]:port", exactly as configured or received. Empty only for
  /// `configured` with an empty SessionConfig::server: the adapter then resolves the JID's domain
  /// (DNS SRV, RFC 6120 §3.2; XEP-0368).
  std::string address;

  bool operator==(const ConnectTarget&) const = default;
};

/// The largest SessionConfig::max_pending_iqs accepted (requests are looked up linearly).
inline constexpr std::size_t kMaxPendingIqsLimit = 65536;

/// Everything an application decides about a Session. The Session copies it at construction.
struct SessionConfig {
  explicit SessionConfig(ClientConfig client_config) : client(std::move(client_config)) {}

  /// The engine's configuration (account, credentials, TLS, stream management, entropy).
  ClientConfig client;
  /// When to reconnect. An empty `reconnect.entropy` takes `client.entropy`.
  ReconnectConfig reconnect;
  /// Where to connect when neither a redirect nor an SM location applies ("host", "host:port",
  /// "[IPv6]:port"). Empty: the adapter resolves the JID's domain.
  std::string server;
  /// Resume at the `location` of `<enabled/>` when the server gave one (XEP-0198 §3).
  bool follow_sm_location = true;
  /// How long send_iq() waits for a response unless its IqOptions say otherwise. Positive.
  Duration iq_timeout = std::chrono::seconds(30);
  /// Requests awaiting their response (or their callback), at most. send_iq() refuses more with
  /// IqSendStatus::too_many_pending. 1 to kMaxPendingIqsLimit.
  std::size_t max_pending_iqs = 256;
  /// What the application layer does on its own: automatic answers, the keepalive ping,
  /// initial presence, the roster (Session's class comment, "The application layer").
  ApplicationConfig app;
};

/// Why a SessionConfig is unusable (Session::start() returns invalid_config).
enum class SessionConfigError : std::uint8_t {
  ok,
  client,                   ///< validate(config.client) fails
  reconnect,                ///< validate(config.reconnect) fails (after taking the entropy)
  invalid_iq_timeout,       ///< iq_timeout is zero or negative
  invalid_max_pending_iqs,  ///< max_pending_iqs is 0 or above kMaxPendingIqsLimit
  application,              ///< validate(config.app) fails
};

std::string_view to_string(SessionConfigError error) noexcept;

/// Checks everything Session::start() checks about `config`.
SessionConfigError validate(const SessionConfig& config);

}  // namespace xmpp
