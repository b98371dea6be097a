// Where the POSIX adapter connects for a ConnectTarget: DNS SRV for the JID's domain when no
// address is configured (RFC 6120 §3.2.1, XEP-0368), else the configured "host:port"; then the
// A/AAAA addresses of each host, in order. Blocking: drives the resolver with poll().
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "xmpp/adapters/dns.hpp"
#include "xmpp/client_config.hpp"
#include "xmpp/session_config.hpp"

namespace xmpp::posix::detail {

struct ResolvedTarget {
  std::vector<dns::Address> addresses;
  /// Per address: the connection starts with TLS (an `_xmpps-client` record, XEP-0368, or the
  /// direct TLS policy) rather than in the clear.
  std::vector<bool> direct_tls;
  /// What was tried and why it gave nothing (for last_transport_error()).
  std::string error;
};

/// At most this many hosts of an SRV answer are resolved (RFC 2782 allows many; a client tries
/// the first few and then reports failure rather than spending minutes in DNS).
inline constexpr std::size_t kMaxSrvHosts = 8;

/// Resolves `target` for an account on `domain` under `policy`: an explicit address as it is
/// (TLS-first only with TlsPolicy::direct); else SRV: `_xmpps-client._tcp` alone for direct,
/// `_xmpp-client._tcp` alone for disabled, both mixed (XEP-0368) for required and optional.
/// `random` orders SRV records (RFC 2782).
ResolvedTarget resolve_target(dns::Resolver& resolver, const ConnectTarget& target,
                              std::string_view domain, TlsPolicy policy,
                              const dns::RandomUpTo& random, std::chrono::milliseconds limit);

/// Resolves a "host:port" (components, explicit servers); every address gets `direct_tls`.
ResolvedTarget resolve_address(dns::Resolver& resolver, std::string_view address,
                               std::uint16_t default_port, bool direct_tls,
                               std::chrono::milliseconds limit);

}  // namespace xmpp::posix::detail
