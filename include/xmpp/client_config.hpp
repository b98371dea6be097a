// Everything an application decides about a client session, in one struct.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "xmpp/engine.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/sasl.hpp"
#include "xmpp/stream_management.hpp"

namespace xmpp {

/// How the client protects the stream with TLS.
enum class TlsPolicy : std::uint8_t {
  /// STARTTLS (RFC 6120 §5) is mandatory: if the server does not offer it the engine closes the
  /// stream before authenticating, so nothing secret ever goes out in the clear. The default.
  required,
  /// Direct TLS (XEP-0368): the transport starts with a TLS handshake; the engine sends nothing
  /// until tls_established(). STARTTLS offered on such a stream is a protocol error.
  direct,
  /// STARTTLS when offered, otherwise carry on in the clear (PLAIN then still needs
  /// allow_plain_without_tls). Only for servers the application trusts the path to.
  optional,
  /// Never TLS. For tests against in-memory servers and loopback only.
  disabled,
};

std::string_view to_string(TlsPolicy policy) noexcept;

/// How one transport starts, for Client::connect(now, security): what XEP-0368 SRV records say
/// per target (`_xmpps-client`: TLS from the first byte; `_xmpp-client`: STARTTLS).
enum class TransportSecurity : std::uint8_t {
  /// The stream starts in the clear; STARTTLS as the TlsPolicy says.
  plain,
  /// The transport starts with a TLS handshake (XEP-0368); the engine waits for
  /// tls_established() before sending anything.
  direct_tls,
};

std::string_view to_string(TransportSecurity security) noexcept;

/// What the TLS layer reports when its handshake is done (see Client::tls_established()).
struct TlsInfo {
  /// Whether the adapter verified the server's certificate chain and that it names the JID's
  /// domain (RFC 6125). With ClientConfig::require_verified_certificate an unverified one ends
  /// the session.
  bool peer_verified = false;
  /// The TLS version and the channel-binding data the adapter could extract (for SCRAM -PLUS).
  sasl::TlsChannel channel;
};

/// A time limit for each negotiation step. A step that takes longer ends the session with
/// Closed{timeout}; every limit must be positive.
struct NegotiationTimeouts {
  /// From sending a stream header to receiving the server's header and features.
  Duration stream_open = std::chrono::seconds(30);
  /// From `<proceed/>` (STARTTLS) or connect() (direct TLS) to tls_established().
  Duration tls_handshake = std::chrono::seconds(30);
  /// From `<auth/>` to `<success/>` or `<failure/>` (the whole exchange).
  Duration authentication = std::chrono::seconds(30);
  /// From the bind (or legacy session) request, or from `<resume/>` (XEP-0198 §5), to its
  /// result.
  Duration bind = std::chrono::seconds(30);
  /// From close() to the peer's closing tag.
  Duration close = std::chrono::seconds(10);
};

/// Why a configuration is unusable (Client::connect() returns invalid_config).
enum class ConfigError : std::uint8_t {
  ok,
  no_mechanisms,         ///< `mechanisms` is empty
  missing_entropy,       ///< no entropy function (needed for SCRAM nonces and request ids)
  invalid_resource,      ///< `resource` is not a valid resourcepart (RFC 7622 §3.4)
  invalid_timeout,       ///< a negotiation timeout is zero or negative
  invalid_keepalive,     ///< keepalive_interval is negative
  invalid_limits,        ///< a limit is zero, or max_send_bytes exceeds max_output_bytes
  invalid_scram_policy,  ///< ScramPolicy out of range (iterations, nonce size)
  missing_credentials,   ///< a mechanism needing a password has neither password nor SCRAM keys
  /// `stream_management` fails its own validate(), or (when enabled) its queue does not fit
  /// `limits` (StreamManagementConfig::max_unacked_bytes).
  invalid_stream_management,
};

std::string_view to_string(ConfigError error) noexcept;

/// A client session's configuration. The engine copies it at construction.
struct ClientConfig {
  explicit ClientConfig(Jid account) : jid(std::move(account)) {}

  /// The account. Its domain is the server the stream goes `to`; its localpart is the SASL
  /// username unless credentials.username is set. A resourcepart, if any, is ignored (see
  /// `resource`).
  Jid jid;
  /// The resource to ask for when binding (RFC 6120 §7.5); empty lets the server choose
  /// (§7.6). The server may assign another one; the Online event carries the JID it bound.
  std::string resource;
  /// Password or cached SCRAM keys. An empty username means the localpart of `jid`.
  sasl::Credentials credentials;
  TlsPolicy tls = TlsPolicy::required;
  /// End the session when the TLS layer reports an unverified certificate. Turn off only with a
  /// pinned certificate checked by the adapter, or in tests.
  bool require_verified_certificate = true;
  /// The SASL mechanisms allowed, most preferred first. The client's order decides, never the
  /// server's, and a failed mechanism never falls back to the next one.
  std::vector<sasl::Mechanism> mechanisms{sasl::kDefaultPreference.begin(),
                                          sasl::kDefaultPreference.end()};
  /// Allow PLAIN on a stream without TLS (RFC 4616 §4). Off by default.
  bool allow_plain_without_tls = false;
  sasl::ScramPolicy scram;
  /// xml:lang of our stream header (RFC 6120 §4.7.4); empty sends none.
  std::string lang = "en";
  NegotiationTimeouts timeouts;
  /// Whitespace keepalive (RFC 6120 §4.6.1): once online, a single space goes out when nothing
  /// else was sent for this long (at most twice this long, see Client). Zero disables it.
  Duration keepalive_interval = std::chrono::seconds(60);
  EngineLimits limits;
  /// Stream management (XEP-0198): acknowledgements, the bounded unacknowledged queue,
  /// resumption.
  StreamManagementConfig stream_management;
  /// The application's CSPRNG (SCRAM nonces, request ids). Tests pass a seeded one.
  sasl::Entropy entropy;
};

/// Checks everything connect() checks about `config`.
ConfigError validate(const ClientConfig& config);

}  // namespace xmpp
