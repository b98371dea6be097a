// "host", "host:port", "[IPv6]", "[IPv6]:port" (the forms of RFC 3986 §3.2.2-3.2.3 that a
// configured server address takes).
#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "xmpp/adapters/dns.hpp"

namespace xmpp::dns {

namespace {

// 1-65535 in decimal digits only; port 0 is not a port one can connect to.
std::optional<std::uint16_t> parse_port(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::uint32_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint32_t>(c - '0');
    if (value > 65535) return std::nullopt;  // also stops overflow on long inputs
  }
  if (value == 0) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

bool is_ipv6_literal(std::string_view text) {
  in6_addr address{};
  const std::string copy(text);  // inet_pton needs a terminated string
  return inet_pton(AF_INET6, copy.c_str(), &address) == 1;
}

// A name or IPv4 literal: not empty, no brackets (they belong to IPv6 literals only), no
// spaces or control characters (no DNS name or address has them).
bool is_plain_host(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '[' || c == ']') return false;
  }
  return true;
}

}  // namespace

std::optional<HostPort> parse_host_port(std::string_view address, std::uint16_t default_port) {
  if (address.empty()) return std::nullopt;
  if (address.front() == '[') {
    const auto close = address.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view host = address.substr(1, close - 1);
    if (!is_ipv6_literal(host)) return std::nullopt;
    const std::string_view rest = address.substr(close + 1);
    if (rest.empty()) return HostPort{std::string(host), default_port};
    if (rest.front() != ':') return std::nullopt;
    const auto port = parse_port(rest.substr(1));
    if (!port) return std::nullopt;
    return HostPort{std::string(host), *port};
  }
  const auto colon = address.find(':');
  if (colon == std::string_view::npos) {
    if (!is_plain_host(address)) return std::nullopt;
    return HostPort{std::string(address), default_port};
  }
  if (address.find(':', colon + 1) != std::string_view::npos) {
    // More than one colon: only a bare IPv6 literal, whose last group would be ambiguous
    // with a port, so it is taken whole.
    if (!is_ipv6_literal(address)) return std::nullopt;
    return HostPort{std::string(address), default_port};
  }
  const std::string_view host = address.substr(0, colon);
  if (!is_plain_host(host)) return std::nullopt;
  const auto port = parse_port(address.substr(colon + 1));
  if (!port) return std::nullopt;
  return HostPort{std::string(host), *port};
}

}  // namespace xmpp::dns
