// Where to connect for a domain, from its SRV result (RFC 6120 §3.2.1, XEP-0368).
#include <string>
#include <string_view>
#include <vector>

#include "xmpp/adapters/dns.hpp"

namespace xmpp::dns {

std::vector<HostPort> connect_plan(const SrvResult& srv, std::string_view domain,
                                   std::uint16_t fallback_port) {
  std::vector<HostPort> plan;
  if (srv.outcome == SrvOutcome::not_offered) return plan;  // RFC 2782: target "."
  if (srv.outcome == SrvOutcome::found && !srv.records.empty()) {
    plan.reserve(srv.records.size());
    for (const SrvRecord& r : srv.records)
      plan.push_back(HostPort{r.target, r.port});
    return plan;
  }
  // RFC 6120 §3.2.2: without usable SRV records, whether none exist or the lookup failed, the
  // initiating entity falls back to the A/AAAA records of the domain itself.
  plan.push_back(HostPort{std::string(domain), fallback_port});
  return plan;
}

std::string srv_name(std::string_view domain, bool direct_tls) {
  // RFC 6120 §3.2.1 ("_xmpp-client._tcp") and XEP-0368 §3 ("_xmpps-client._tcp").
  std::string name = direct_tls ? "_xmpps-client._tcp." : "_xmpp-client._tcp.";
  name += domain;
  return name;
}

std::vector<Candidate> mixed_connect_plan(const SrvResult& starttls, const SrvResult& direct,
                                          std::string_view domain, const RandomUpTo& random) {
  std::vector<SrvRecord> mixed;
  const auto take = [&mixed](const SrvResult& srv, bool direct_tls) {
    if (srv.outcome != SrvOutcome::found) return;
    for (SrvRecord record : srv.records) {
      record.direct_tls = direct_tls;
      mixed.push_back(std::move(record));
    }
  };
  take(starttls, false);
  take(direct, true);

  std::vector<Candidate> plan;
  if (!mixed.empty()) {
    // XEP-0368 §2: both services' records are one RFC 2782 set.
    for (SrvRecord& record : order_srv_records(std::move(mixed), random)) {
      plan.push_back(Candidate{HostPort{std::move(record.target), record.port}, record.direct_tls});
    }
    return plan;
  }
  // No usable record. A "." from either service says the domain publishes SRV records, so the
  // A/AAAA fallback is not allowed (RFC 2782; XEP-0368 §5 for "_xmpps-client").
  if (starttls.outcome == SrvOutcome::not_offered || direct.outcome == SrvOutcome::not_offered) {
    return plan;
  }
  // RFC 6120 §3.2.2: neither service has records (or the lookups failed): the domain itself.
  plan.push_back(Candidate{HostPort{std::string(domain), kClientPort}, false});
  return plan;
}

}  // namespace xmpp::dns
