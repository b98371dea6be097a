#include "target_resolution.hpp"

#include <utility>

namespace xmpp::posix::detail {

namespace {

void append_addresses(dns::Resolver& resolver, const dns::HostPort& host,
                      std::chrono::milliseconds limit, ResolvedTarget& result) {
  dns::AddressResult found;
  bool done = false;
  resolver.lookup_addresses(host.host, host.port, [&](dns::AddressResult r) {
    found = std::move(r);
    done = true;
  });
  resolver.run_for(limit);
  if (!done || !found.error.empty() || found.addresses.empty()) {
    const std::string why = !done                 ? std::string("no answer")
                            : found.error.empty() ? std::string("no address")
                                                  : found.error;
    result.error += (result.error.empty() ? "" : "; ") + host.host + ": " + why;
    return;
  }
  for (auto& address : found.addresses)
    result.addresses.push_back(std::move(address));
}

}  // namespace

ResolvedTarget resolve_target(dns::Resolver& resolver, const ConnectTarget& target,
                              std::string_view domain, bool direct_tls,
                              const dns::RandomUpTo& random, std::chrono::milliseconds limit) {
  const std::uint16_t default_port = direct_tls ? dns::kDirectTlsPort : dns::kClientPort;
  if (!target.address.empty())
    return resolve_address(resolver, target.address, default_port, limit);

  ResolvedTarget result;
  dns::SrvResult srv;
  bool done = false;
  resolver.lookup_srv(dns::srv_name(domain, direct_tls), random, [&](dns::SrvResult r) {
    srv = std::move(r);
    done = true;
  });
  resolver.run_for(limit);
  if (!done) srv.outcome = dns::SrvOutcome::failed;
  const std::vector<dns::HostPort> plan = dns::connect_plan(srv, domain, default_port);
  if (plan.empty()) {
    // RFC 6120 §3.2.1: a "." target says the service is decidedly not available.
    result.error = dns::srv_name(domain, direct_tls) + ": the service is not offered (SRV \".\")";
    return result;
  }
  std::size_t hosts = 0;
  for (const dns::HostPort& host : plan) {
    if (++hosts > kMaxSrvHosts) break;
    append_addresses(resolver, host, limit, result);
  }
  return result;
}

ResolvedTarget resolve_address(dns::Resolver& resolver, std::string_view address,
                               std::uint16_t default_port, std::chrono::milliseconds limit) {
  ResolvedTarget result;
  const auto host = dns::parse_host_port(address, default_port);
  if (!host) {
    result.error = "not a host:port: '" + std::string(address) + "'";
    return result;
  }
  append_addresses(resolver, *host, limit, result);
  return result;
}

}  // namespace xmpp::posix::detail
