#include "target_resolution.hpp"

#include <optional>
#include <utility>

namespace xmpp::posix::detail {

namespace {

/// One resolution: the SRV phase (none for an explicit address), then the addresses of every
/// candidate host at once. Callbacks hold it weakly: once its owner drops it, they do nothing.
struct Lookup : std::enable_shared_from_this<Lookup> {
  Lookup(dns::Resolver& r, ResolvedCallback callback) : resolver(r), done(std::move(callback)) {}

  dns::Resolver& resolver;
  ResolvedCallback done;
  std::string domain;
  TlsPolicy policy = TlsPolicy::required;
  dns::RandomUpTo random;

  // SRV phase.
  std::string names;
  int srv_pending = 0;
  std::optional<dns::SrvResult> starttls_srv;
  std::optional<dns::SrvResult> direct_srv;

  // Address phase: one slot per candidate, filled in any order, read in plan order.
  std::vector<dns::Candidate> plan;
  std::vector<std::optional<dns::AddressResult>> found;
  std::size_t addresses_pending = 0;

  void finish(ResolvedTarget result) {
    ResolvedCallback callback = std::exchange(done, {});
    if (callback) callback(std::move(result));
  }

  void lookup_srv(const std::string& name, std::optional<dns::SrvResult>& slot) {
    ++srv_pending;
    resolver.lookup_srv(name, random, [weak = weak_from_this(), slot = &slot](dns::SrvResult srv) {
      const std::shared_ptr<Lookup> self = weak.lock();
      if (!self) return;
      *slot = std::move(srv);
      if (--self->srv_pending == 0) self->srv_done();
    });
  }

  void start_srv() {
    if (policy == TlsPolicy::required || policy == TlsPolicy::optional) {
      // XEP-0368 §2: both services, their records mixed into one RFC 2782 order.
      const std::string starttls_name = dns::srv_name(domain, false);
      const std::string direct_name = dns::srv_name(domain, true);
      names = starttls_name + " and " + direct_name;
      lookup_srv(starttls_name, starttls_srv);
      lookup_srv(direct_name, direct_srv);
    } else {
      names = dns::srv_name(domain, policy == TlsPolicy::direct);
      lookup_srv(names, policy == TlsPolicy::direct ? direct_srv : starttls_srv);
    }
  }

  void srv_done() {
    std::vector<dns::Candidate> candidates;
    if (starttls_srv && direct_srv) {
      candidates = dns::mixed_connect_plan(*starttls_srv, *direct_srv, domain, random);
    } else {
      const bool direct = direct_srv.has_value();
      const dns::SrvResult& srv = direct ? *direct_srv : *starttls_srv;
      for (dns::HostPort& host :
           dns::connect_plan(srv, domain, direct ? dns::kDirectTlsPort : dns::kClientPort)) {
        candidates.push_back(dns::Candidate{std::move(host), direct});
      }
    }
    if (candidates.empty()) {
      // RFC 2782 / XEP-0368 §5: a "." target says the service is decidedly not available.
      ResolvedTarget result;
      result.error = names + ": the service is not offered (SRV \".\")";
      return finish(std::move(result));
    }
    if (candidates.size() > kMaxSrvHosts) candidates.resize(kMaxSrvHosts);
    start_addresses(std::move(candidates));
  }

  void start_addresses(std::vector<dns::Candidate> candidates) {
    plan = std::move(candidates);
    found.assign(plan.size(), std::nullopt);
    addresses_pending = plan.size();
    for (std::size_t i = 0; i < plan.size(); ++i) {
      resolver.lookup_addresses(plan[i].host.host, plan[i].host.port,
                                [weak = weak_from_this(), i](dns::AddressResult r) {
                                  const std::shared_ptr<Lookup> self = weak.lock();
                                  if (!self) return;
                                  self->found[i] = std::move(r);
                                  if (--self->addresses_pending == 0) self->addresses_done();
                                });
    }
  }

  void addresses_done() {
    ResolvedTarget result;
    for (std::size_t i = 0; i < plan.size(); ++i) {
      dns::AddressResult& r = *found[i];
      if (!r.error.empty() || r.addresses.empty()) {
        const std::string why = r.error.empty() ? std::string("no address") : r.error;
        result.error += (result.error.empty() ? "" : "; ") + plan[i].host.host + ": " + why;
        continue;
      }
      for (auto& address : r.addresses) {
        result.addresses.push_back(std::move(address));
        result.direct_tls.push_back(plan[i].direct_tls);
      }
    }
    finish(std::move(result));
  }
};

ResolvedTarget run_blocking(dns::Resolver& resolver, std::chrono::milliseconds limit,
                            const std::function<Resolution(ResolvedCallback)>& start) {
  std::optional<ResolvedTarget> out;
  const Resolution running = start([&out](ResolvedTarget r) { out = std::move(r); });
  if (!out) resolver.run_for(limit);
  if (out) return std::move(*out);
  ResolvedTarget none;
  none.error = "no answer";
  return none;
}

}  // namespace

Resolution start_address_resolution(dns::Resolver& resolver, std::string_view address,
                                    std::uint16_t default_port, bool direct_tls,
                                    ResolvedCallback done) {
  auto lookup = std::make_shared<Lookup>(resolver, std::move(done));
  auto host = dns::parse_host_port(address, default_port);
  if (!host) {
    ResolvedTarget result;
    result.error = "not a host:port: '" + std::string(address) + "'";
    lookup->finish(std::move(result));
    return lookup;
  }
  lookup->start_addresses({dns::Candidate{std::move(*host), direct_tls}});
  return lookup;
}

Resolution start_target_resolution(dns::Resolver& resolver, const ConnectTarget& target,
                                   std::string_view domain, TlsPolicy policy,
                                   dns::RandomUpTo random, ResolvedCallback done) {
  const bool direct_only = policy == TlsPolicy::direct;
  if (!target.address.empty()) {
    return start_address_resolution(resolver, target.address,
                                    direct_only ? dns::kDirectTlsPort : dns::kClientPort,
                                    direct_only, std::move(done));
  }
  auto lookup = std::make_shared<Lookup>(resolver, std::move(done));
  lookup->domain = std::string(domain);
  lookup->policy = policy;
  lookup->random = std::move(random);
  lookup->start_srv();
  return lookup;
}

ResolvedTarget resolve_target(dns::Resolver& resolver, const ConnectTarget& target,
                              std::string_view domain, TlsPolicy policy,
                              const dns::RandomUpTo& random, std::chrono::milliseconds limit) {
  return run_blocking(resolver, 2 * limit, [&](ResolvedCallback done) {
    return start_target_resolution(resolver, target, domain, policy, random, std::move(done));
  });
}

ResolvedTarget resolve_address(dns::Resolver& resolver, std::string_view address,
                               std::uint16_t default_port, bool direct_tls,
                               std::chrono::milliseconds limit) {
  return run_blocking(resolver, limit, [&](ResolvedCallback done) {
    return start_address_resolution(resolver, address, default_port, direct_tls, std::move(done));
  });
}

}  // namespace xmpp::posix::detail
