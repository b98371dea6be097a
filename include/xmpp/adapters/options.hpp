// What every I/O adapter of this library decides by itself (trust, DNS, timeouts, buffer
// bounds), shared by the POSIX driver (posix::Options) and the epoll loop (epoll::Options).
#pragma once

#include <chrono>
#include <cstddef>

#include "xmpp/adapters/dns.hpp"
#include "xmpp/adapters/tls.hpp"

namespace xmpp::adapters {

/// The adapter's own settings; the protocol's are the SessionConfig's.
struct TransportOptions {
  /// Certificate authorities, insecure mode, highest TLS version. With `insecure` the adapter
  /// also turns off ClientConfig::require_verified_certificate (when the Session is started),
  /// since a connection it does not verify can never report a verified peer.
  tls::ClientOptions tls;
  dns::ResolverOptions dns;
  /// How long one TCP connect may take before the next address is tried.
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(10);
  /// Bytes read from the socket at a time.
  std::size_t read_chunk = 16384;
  /// Ciphertext waiting for the socket, at most, before the adapter stops taking the engine's
  /// output (backpressure reaches the engine's bounded queues instead of growing here).
  std::size_t max_pending_ciphertext = 256 * 1024;
};

}  // namespace xmpp::adapters
