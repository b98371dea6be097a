// Where an adapter connects for a ConnectTarget: DNS SRV for the JID's domain when no address is
// configured (RFC 6120 §3.2.1, XEP-0368), else the configured "host:port"; then the A/AAAA
// addresses of each host, in order. Asynchronous over the shared dns::Resolver (the epoll loop
// drives it with the rest of its descriptors), with blocking wrappers for the POSIX driver.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
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

/// A resolution in flight. Dropping the last reference abandons it: its callback is never
/// called (the Resolver's own lookups still end within their timeout and are ignored).
using Resolution = std::shared_ptr<void>;
using ResolvedCallback = std::function<void(ResolvedTarget)>;

/// Resolves `target` for an account on `domain` under `policy`: an explicit address as it is
/// (TLS-first only with TlsPolicy::direct); else SRV: `_xmpps-client._tcp` alone for direct,
/// `_xmpp-client._tcp` alone for disabled, both mixed (XEP-0368) for required and optional, the
/// SRV lookups in parallel, then the A/AAAA lookups of the first kMaxSrvHosts hosts in parallel
/// (their addresses kept in plan order). `random` orders SRV records (RFC 2782). `done` is
/// called once, from the Resolver's process*() / run_for(), or at once (inside this call) only
/// when `target.address` is not a host:port. Each phase ends within the Resolver's timeout.
Resolution start_target_resolution(dns::Resolver& resolver, const ConnectTarget& target,
                                   std::string_view domain, TlsPolicy policy,
                                   dns::RandomUpTo random, ResolvedCallback done);

/// Resolves a "host:port" (components, explicit servers); every address gets `direct_tls`.
/// `done` as for start_target_resolution().
Resolution start_address_resolution(dns::Resolver& resolver, std::string_view address,
                                    std::uint16_t default_port, bool direct_tls,
                                    ResolvedCallback done);

/// start_target_resolution(), driving `resolver` with run_for() until it is done: blocks for at
/// most twice `limit` (SRV, then addresses).
ResolvedTarget resolve_target(dns::Resolver& resolver, const ConnectTarget& target,
                              std::string_view domain, TlsPolicy policy,
                              const dns::RandomUpTo& random, std::chrono::milliseconds limit);

/// start_address_resolution(), blocking for at most `limit`.
ResolvedTarget resolve_address(dns::Resolver& resolver, std::string_view address,
                               std::uint16_t default_port, bool direct_tls,
                               std::chrono::milliseconds limit);

}  // namespace xmpp::posix::detail
