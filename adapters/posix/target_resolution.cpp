#include "target_resolution.hpp"

#include <utility>

namespace xmpp::posix::detail {

namespace {

void append_addresses(dns::Resolver& resolver, const dns::HostPort& host, bool direct_tls,
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
  for (auto& address : found.addresses) {
    result.addresses.push_back(std::move(address));
    result.direct_tls.push_back(direct_tls);
  }
}

dns::SrvResult lookup_srv(dns::Resolver& resolver, const std::string& name,
                          const dns::RandomUpTo& random, std::chrono::milliseconds limit) {
  dns::SrvResult srv;
  srv.outcome = dns::SrvOutcome::failed;  // unless an answer comes within the limit
  resolver.lookup_srv(name, random, [&](dns::SrvResult r) { srv = std::move(r); });
  resolver.run_for(limit);
  return srv;
}

}  // namespace

ResolvedTarget resolve_target(dns::Resolver& resolver, const ConnectTarget& target,
                              std::string_view domain, TlsPolicy policy,
                              const dns::RandomUpTo& random, std::chrono::milliseconds limit) {
  const bool direct_only = policy == TlsPolicy::direct;
  if (!target.address.empty()) {
    return resolve_address(resolver, target.address,
                           direct_only ? dns::kDirectTlsPort : dns::kClientPort, direct_only,
                           limit);
  }

  std::vector<dns::Candidate> plan;
  std::string names;
  if (policy == TlsPolicy::required || policy == TlsPolicy::optional) {
    // XEP-0368 §2: both services, their records mixed into one RFC 2782 order.
    const std::string starttls_name = dns::srv_name(domain, false);
    const std::string direct_name = dns::srv_name(domain, true);
    const dns::SrvResult starttls = lookup_srv(resolver, starttls_name, random, limit);
    const dns::SrvResult direct = lookup_srv(resolver, direct_name, random, limit);
    plan = dns::mixed_connect_plan(starttls, direct, domain, random);
    names = starttls_name + " and " + direct_name;
  } else {
    const std::string name = dns::srv_name(domain, direct_only);
    const dns::SrvResult srv = lookup_srv(resolver, name, random, limit);
    for (dns::HostPort& host :
         dns::connect_plan(srv, domain, direct_only ? dns::kDirectTlsPort : dns::kClientPort)) {
      plan.push_back(dns::Candidate{std::move(host), direct_only});
    }
    names = name;
  }
  ResolvedTarget result;
  if (plan.empty()) {
    // RFC 2782 / XEP-0368 §5: a "." target says the service is decidedly not available.
    result.error = names + ": the service is not offered (SRV \".\")";
    return result;
  }
  std::size_t hosts = 0;
  for (const dns::Candidate& candidate : plan) {
    if (++hosts > kMaxSrvHosts) break;
    append_addresses(resolver, candidate.host, candidate.direct_tls, limit, result);
  }
  return result;
}

ResolvedTarget resolve_address(dns::Resolver& resolver, std::string_view address,
                               std::uint16_t default_port, bool direct_tls,
                               std::chrono::milliseconds limit) {
  ResolvedTarget result;
  const auto host = dns::parse_host_port(address, default_port);
  if (!host) {
    result.error = "not a host:port: '" + std::string(address) + "'";
    return result;
  }
  append_addresses(resolver, *host, direct_tls, limit, result);
  return result;
}

}  // namespace xmpp::posix::detail
