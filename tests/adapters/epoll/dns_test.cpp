// Name resolution inside the epoll loop: SRV and A/AAAA lookups run through the shared resolver
// whose sockets sit in the Loop's epoll set (tests/adapters/dns/fake_dns_server.hpp answers),
// without blocking the other sessions, and a server that never answers ends in the resolver's
// timeout.
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <string>

#include "fake_dns_server.hpp"
#include "harness.hpp"

namespace xmpp::epoll::test {
namespace {

/// An account on `domain` found by SRV (no SessionConfig::server), in the clear.
SessionConfig srv_config(const std::string& domain) {
  SessionConfig config = plain_config("");
  ClientConfig client(*Jid::parse("alice@" + domain));
  client.credentials.password = "s3cret";
  client.tls = TlsPolicy::disabled;
  client.keepalive_interval = Duration::zero();
  config.client = std::move(client);
  config.server.clear();
  return config;
}

bool asked(const dns::test::FakeDnsServer& dns, const std::string& question) {
  const auto questions = dns.questions();
  return std::find(questions.begin(), questions.end(), question) != questions.end();
}

/// A session looking up `domain` through the fake DNS server, and a steady one on a loopback
/// server, in one Loop.
struct DnsWorld {
  DnsWorld(const std::string& domain, Options options) : loop(with_dns(std::move(options))) {
    add(loop, lookup, srv_config(domain));
    add(loop, steady, config_with_resource(server.address(), "steady"));
  }
  Options with_dns(Options options) const {
    options.dns.servers = {dns.address()};
    return options;
  }
  dns::test::FakeDnsServer dns;
  LoopbackServer server{plain_server_config()};
  Loop loop;
  Member lookup;
  Member steady;
};

TEST_CASE("epoll loop: SRV, then A/AAAA through the loop's epoll set; the others go on") {
  Options options;
  options.dns.timeout = 2s;
  options.connect_timeout = 200ms;  // 192.0.2.0/24 (TEST-NET-1) never answers
  DnsWorld w("example.test", options);
  REQUIRE(drive(
      w.loop, {&w.server}, [&] { return !w.lookup.seen.closes.empty(); }, 5s));
  CHECK(w.steady.seen.online());
  CHECK(asked(w.dns, "_xmpp-client._tcp.example.test SRV"));
  CHECK(asked(w.dns, "xmpp1.example.test A"));
  CHECK(asked(w.dns, "xmpp2.example.test A"));
  const std::string& error = w.lookup.seen.transport_errors.front();
  CAPTURE(error);
  // Every address of both SRV targets was tried, each after the previous one timed out.
  CHECK(error.find("192.0.2.1:5222") != std::string::npos);
  CHECK(error.find("192.0.2.2:5269") != std::string::npos);
}

TEST_CASE("epoll loop: a DNS server that never answers: the lookup times out, nothing blocks") {
  // The DNS timeout is far above a login's time even in a loaded sanitizer build: the other
  // session must come online while the lookup still waits. A lookup that blocked the loop
  // would have failed (and been reported) before the other session's first step.
  Options options;
  options.dns.timeout = 2s;
  const TimePoint start = Clock::now();
  DnsWorld w("silent.test", options);
  REQUIRE(drive(w.loop, {&w.server}, [&] { return w.steady.seen.online(); }));
  CHECK(w.lookup.seen.closes.empty());
  REQUIRE(drive(
      w.loop, {&w.server}, [&] { return !w.lookup.seen.closes.empty(); }, 10s));
  CHECK(Clock::now() - start >= 2s);
  CHECK(w.lookup.seen.transport_errors.front().find("silent.test") != std::string::npos);
}

TEST_CASE(
    "epoll loop: remove() or destruction while a lookup is in flight: its answer is ignored") {
  Options options;
  options.dns.timeout = 300ms;
  const TimePoint start = Clock::now();
  auto w = std::make_unique<DnsWorld>("silent.test", options);
  REQUIRE(drive(w->loop, {&w->server}, [&] { return w->steady.seen.online(); }));
  SUBCASE("remove(): the lookup's timeout passes without effect") {
    CHECK(w->loop.remove(w->lookup.id));
    REQUIRE_FALSE(drive(
        w->loop, {&w->server}, [] { return false; }, 500ms));
    CHECK(Clock::now() - start >= 300ms);
    CHECK(w->lookup.seen.log.empty());
    CHECK(w->loop.size() == 1);
    CHECK(w->steady.seen.closes.empty());
  }
  SUBCASE("the Loop is destroyed with the lookup in flight and a session online") {
    w.reset();  // no hook called, nothing leaked (the sanitizer build checks)
  }
}

}  // namespace
}  // namespace xmpp::epoll::test
