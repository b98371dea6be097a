#include "ares_answers.hpp"

#include <algorithm>
#include <cstring>
#include <memory>

namespace xmpp::dns::detail {

SrvAnswer srv_answer(int status, const unsigned char* reply, int length) {
  SrvAnswer answer;
  // ares_query() reports NXDOMAIN as ARES_ENOTFOUND and NOERROR without answers as
  // ARES_ENODATA: both mean there is no SRV record, and RFC 6120 §3.2.2 falls back to the
  // domain. Everything else (SERVFAIL, REFUSED, timeouts, a malformed reply) is a failure,
  // which falls back too but is reported as such.
  if (status == ARES_ENOTFOUND || status == ARES_ENODATA) return answer;
  if (status != ARES_SUCCESS) {
    answer.outcome = SrvOutcome::failed;
    answer.error = ares_strerror(status);
    return answer;
  }
  ares_srv_reply* head = nullptr;
  const int parsed = ares_parse_srv_reply(reply, length, &head);
  const std::unique_ptr<ares_srv_reply, void (*)(void*)> owner(head, ares_free_data);
  if (parsed == ARES_ENODATA) return answer;  // answers, but none of type SRV
  if (parsed != ARES_SUCCESS) {
    answer.outcome = SrvOutcome::failed;
    answer.error = ares_strerror(parsed);
    return answer;
  }
  for (const ares_srv_reply* r = head; r != nullptr; r = r->next) {
    answer.records.push_back(SrvRecord{r->priority, r->weight, r->port,
                                       r->host != nullptr ? std::string(r->host) : std::string()});
  }
  if (!answer.records.empty()) answer.outcome = SrvOutcome::found;
  return answer;
}

AddressResult address_answer(int status, const ares_addrinfo* result) {
  AddressResult out;
  if (status != ARES_SUCCESS) {
    out.error = ares_strerror(status);
    return out;
  }
  for (const ares_addrinfo_node* n = result != nullptr ? result->nodes : nullptr; n != nullptr;
       n = n->ai_next) {
    if (n->ai_addr == nullptr) continue;
    if (n->ai_family != AF_INET && n->ai_family != AF_INET6) continue;
    Address address;
    address.length = std::min<socklen_t>(n->ai_addrlen, sizeof address.storage);
    std::memcpy(&address.storage, n->ai_addr, address.length);
    out.addresses.push_back(address);
  }
  if (out.addresses.empty()) out.error = "no addresses";
  return out;
}

}  // namespace xmpp::dns::detail
