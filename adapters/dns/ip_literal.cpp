#include "ip_literal.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace xmpp::dns::detail {

std::optional<Address> ip_literal_address(const std::string& host, std::uint16_t port) {
  Address address;
  sockaddr_in in{};
  if (inet_pton(AF_INET, host.c_str(), &in.sin_addr) == 1) {
    in.sin_family = AF_INET;
    in.sin_port = htons(port);
    std::memcpy(&address.storage, &in, sizeof in);
    address.length = sizeof in;
    return address;
  }
  sockaddr_in6 in6{};
  if (inet_pton(AF_INET6, host.c_str(), &in6.sin6_addr) == 1) {
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(port);
    std::memcpy(&address.storage, &in6, sizeof in6);
    address.length = sizeof in6;
    return address;
  }
  return std::nullopt;
}

}  // namespace xmpp::dns::detail
