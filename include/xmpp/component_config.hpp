// Everything an application decides about a component session (XEP-0114), in one struct.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "xmpp/engine.hpp"
#include "xmpp/jid.hpp"

namespace xmpp {

/// A time limit for each step of a component session. A step that takes longer ends the session
/// with Closed{timeout}; every limit must be positive.
struct ComponentTimeouts {
  /// From connect() to the server's stream header.
  Duration stream_open = std::chrono::seconds(30);
  /// From our `<handshake>` to the server's empty `<handshake/>` (or its stream error).
  Duration handshake = std::chrono::seconds(30);
  /// From close() to the peer's closing tag.
  Duration close = std::chrono::seconds(10);
};

/// Why a configuration is unusable (Component::connect() returns invalid_config).
enum class ComponentConfigError : std::uint8_t {
  ok,
  invalid_domain,     ///< `domain` has a localpart or a resourcepart: a component is a domain
  missing_secret,     ///< `secret` is empty
  invalid_lang,       ///< `lang` cannot be carried in an XML attribute (bad UTF-8, control chars)
  invalid_timeout,    ///< a timeout is zero or negative
  invalid_keepalive,  ///< keepalive_interval is negative
  invalid_limits,     ///< a limit is zero, or max_send_bytes leaves no room in max_output_bytes
};

std::string_view to_string(ComponentConfigError error) noexcept;

/// A component session's configuration. The engine copies it at construction.
struct ComponentConfig {
  explicit ComponentConfig(Jid component_domain) : domain(std::move(component_domain)) {}

  /// The component's domain (e.g. "muc.example.com"): the `to` of our stream header, the `from`
  /// the server's header may carry, and the JID of the Online event. A bare domain JID.
  Jid domain;
  /// The secret shared with the server. Only SHA-1(stream id + secret) goes out (XEP-0114 §3);
  /// the stream is usually not encrypted, so the link should be local or otherwise protected.
  std::string secret;
  /// xml:lang of our stream header (RFC 6120 §4.7.4); empty sends none.
  std::string lang = "en";
  ComponentTimeouts timeouts;
  /// Whitespace keepalive (RFC 6120 §4.6.1): once online, a single space goes out when nothing
  /// else was sent for this long (at most twice this long, see Client). Zero disables it.
  Duration keepalive_interval = std::chrono::seconds(60);
  EngineLimits limits;
};

/// Checks everything connect() checks about `config`.
ComponentConfigError validate(const ComponentConfig& config);

}  // namespace xmpp
