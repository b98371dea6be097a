// An address written as an IP literal, resolved without DNS.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "xmpp/adapters/dns.hpp"

namespace xmpp::dns::detail {

/// The address of `host` when it is an IPv4 (dotted quad) or IPv6 literal, with `port`.
///
/// The resolver answers literals itself: c-ares 1.18's ares_getaddrinfo() with AF_UNSPEC
/// recognises an IPv4 literal only for AF_INET and otherwise sends A and AAAA queries for
/// "127.0.0.1", so a literal waited for the DNS servers (a whole timeout when they do not
/// answer).
std::optional<Address> ip_literal_address(const std::string& host, std::uint16_t port);

}  // namespace xmpp::dns::detail
