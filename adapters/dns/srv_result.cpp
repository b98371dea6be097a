// What an SRV answer means for connecting (RFC 2782, RFC 6120 §3.2.1).
#include <algorithm>
#include <string_view>
#include <utility>
#include <vector>

#include "xmpp/adapters/dns.hpp"

namespace xmpp::dns {

namespace {

// The root name: c-ares expands it to "" (the DNS wire format has no dot for it); a resolver
// that prints names absolutely gives ".".
bool is_root(std::string_view target) {
  return target.empty() || target == ".";
}

}  // namespace

std::string_view to_string(SrvOutcome outcome) noexcept {
  switch (outcome) {
    case SrvOutcome::found:
      return "found";
    case SrvOutcome::no_records:
      return "no_records";
    case SrvOutcome::not_offered:
      return "not_offered";
    case SrvOutcome::failed:
      return "failed";
  }
  return "unknown";
}

SrvResult srv_result(std::vector<SrvRecord> records, const RandomUpTo& random) {
  SrvResult result;
  if (records.empty()) return result;  // RFC 6120 §3.2.2: fall back to the domain itself
  // RFC 2782 "Usage rules": "If there is precisely one SRV RR, and its Target is "." (the root
  // domain), abort." A "." among real targets cannot be connected to either, so it is dropped;
  // when nothing else is left the service is not offered.
  std::erase_if(records, [](const SrvRecord& r) { return is_root(r.target); });
  if (records.empty()) {
    result.outcome = SrvOutcome::not_offered;
    return result;
  }
  // Names are compared and connected to without the trailing dot of an absolute name.
  for (SrvRecord& r : records) {
    if (r.target.back() == '.') r.target.pop_back();
  }
  result.outcome = SrvOutcome::found;
  result.records = order_srv_records(std::move(records), random);
  return result;
}

}  // namespace xmpp::dns
