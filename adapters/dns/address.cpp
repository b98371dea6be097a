// Printing a resolved address the way it is written in a URI (RFC 3986 §3.2.2: an IPv6
// literal in brackets) with its port.
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <cstring>
#include <string>

#include "xmpp/adapters/dns.hpp"

namespace xmpp::dns {

std::string Address::to_string() const {
  char text[INET6_ADDRSTRLEN] = {};
  if (storage.ss_family == AF_INET && length >= sizeof(sockaddr_in)) {
    sockaddr_in in{};
    std::memcpy(&in, &storage, sizeof in);
    if (inet_ntop(AF_INET, &in.sin_addr, text, sizeof text) == nullptr) return {};
    return std::string(text) + ':' + std::to_string(ntohs(in.sin_port));
  }
  if (storage.ss_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, &storage, sizeof in6);
    if (inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof text) == nullptr) return {};
    std::string out = "[";
    out += text;
    // RFC 6874 writes the zone of a link-local address after "%" (unescaped here: this is for
    // logs, not for a URI).
    if (in6.sin6_scope_id != 0) out += '%' + std::to_string(in6.sin6_scope_id);
    return out + "]:" + std::to_string(ntohs(in6.sin6_port));
  }
  return {};
}

}  // namespace xmpp::dns
