// "host:port" parsing and printing addresses.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>

#include <cstring>
#include <optional>
#include <string>

#include "xmpp/adapters/dns.hpp"

namespace xmpp::dns {
namespace {

struct Case {
  const char* input;
  std::optional<HostPort> expected;
};

TEST_CASE("parse_host_port: accepted and rejected forms") {
  const Case cases[] = {
      {"example.com", HostPort{"example.com", 5222}},
      {"example.com:5269", HostPort{"example.com", 5269}},
      {"xmpp.example.com:1", HostPort{"xmpp.example.com", 1}},
      {"h:65535", HostPort{"h", 65535}},
      {"h:05222", HostPort{"h", 5222}},
      {"127.0.0.1", HostPort{"127.0.0.1", 5222}},
      {"127.0.0.1:5223", HostPort{"127.0.0.1", 5223}},
      {"[::1]", HostPort{"::1", 5222}},
      {"[::1]:5223", HostPort{"::1", 5223}},
      {"[2001:db8::7]:443", HostPort{"2001:db8::7", 443}},
      {"::1", HostPort{"::1", 5222}},                        // bare IPv6: taken whole
      {"2001:db8::5222", HostPort{"2001:db8::5222", 5222}},  // ...even if it ends like a port
      {"[::ffff:192.0.2.1]:9", HostPort{"::ffff:192.0.2.1", 9}},
      {"", std::nullopt},
      {"host:", std::nullopt},
      {":5222", std::nullopt},
      {"host:0", std::nullopt},
      {"host:65536", std::nullopt},
      {"host:99999999999999999999", std::nullopt},
      {"host:12a", std::nullopt},
      {"host:-1", std::nullopt},
      {"host:+1", std::nullopt},
      {"host: 1", std::nullopt},
      {"[::1", std::nullopt},
      {"[::1]x", std::nullopt},
      {"[::1]:", std::nullopt},
      {"[::1]:0", std::nullopt},
      {"[]", std::nullopt},
      {"[]:5222", std::nullopt},
      {"[example.com]:5222", std::nullopt},  // brackets hold IPv6 literals only
      {"::1]", std::nullopt},
      {"a:b:c", std::nullopt},  // several colons but no IPv6 literal
      {"exa mple.com", std::nullopt},
      {"host]:5222", std::nullopt},
      {"host\n", std::nullopt},
  };
  for (const Case& c : cases) {
    CAPTURE(c.input);
    CHECK(parse_host_port(c.input, kClientPort) == c.expected);
  }
}

TEST_CASE("parse_host_port: the default port is the caller's") {
  CHECK(parse_host_port("example.com", kDirectTlsPort) == HostPort{"example.com", 5223});
  CHECK(parse_host_port("[::1]", 7) == HostPort{"::1", 7});
  CHECK(parse_host_port("example.com:5222", kDirectTlsPort) == HostPort{"example.com", 5222});
}

Address v4(const char* text, std::uint16_t port) {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(port);
  REQUIRE(inet_pton(AF_INET, text, &in.sin_addr) == 1);
  Address a;
  std::memcpy(&a.storage, &in, sizeof in);
  a.length = sizeof in;
  return a;
}

Address v6(const char* text, std::uint16_t port, std::uint32_t scope = 0) {
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(port);
  in6.sin6_scope_id = scope;
  REQUIRE(inet_pton(AF_INET6, text, &in6.sin6_addr) == 1);
  Address a;
  std::memcpy(&a.storage, &in6, sizeof in6);
  a.length = sizeof in6;
  return a;
}

TEST_CASE("Address::to_string: IPv4, bracketed IPv6, scope, unknown family") {
  CHECK(v4("127.0.0.1", 5222).to_string() == "127.0.0.1:5222");
  CHECK(v4("192.0.2.255", 1).to_string() == "192.0.2.255:1");
  CHECK(v6("::1", 5222).to_string() == "[::1]:5222");
  CHECK(v6("2001:db8::1", 65535).to_string() == "[2001:db8::1]:65535");
  CHECK(v6("fe80::1", 5222, 2).to_string() == "[fe80::1%2]:5222");
  Address none;
  CHECK(none.to_string().empty());
  Address short_length = v6("::1", 5222);
  short_length.length = sizeof(sockaddr_in);  // claims IPv6 but too short for it
  CHECK(short_length.to_string().empty());
}

}  // namespace
}  // namespace xmpp::dns
