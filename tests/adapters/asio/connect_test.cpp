// Opening a transport with the Asio adapter: DNS SRV and A/AAAA lookups through the c-ares
// resolver whose sockets the adapter watches with stream_descriptors on its strand (answered by
// tests/adapters/dns/fake_dns_server.hpp), each address with connect_timeout and then the next,
// a DNS server that never answers, a connect that never completes, and a Client destroyed while
// its lookup is in flight.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "fake_dns_server.hpp"
#include "harness.hpp"

namespace xmpp::asio_adapter::test {
namespace {

/// plain_config() for an account on `domain`, found by SRV (no SessionConfig::server), one
/// attempt only.
SessionConfig srv_config(const std::string& domain) {
  SessionConfig config = plain_config("");
  config.client.jid = *Jid::parse("alice@" + domain);
  config.reconnect.max_attempts = 1;
  return config;
}

Options with_dns(const dns::test::FakeDnsServer& dns, std::chrono::milliseconds timeout) {
  Options options;
  options.dns.servers = {dns.address()};
  options.dns.timeout = timeout;
  options.connect_timeout = 200ms;  // 192.0.2.0/24 (TEST-NET-1) never answers
  return options;
}

bool asked(const dns::test::FakeDnsServer& dns, const std::string& question) {
  const auto questions = dns.questions();
  return std::find(questions.begin(), questions.end(), question) != questions.end();
}

TEST_CASE("asio client: SRV, then A/AAAA on the strand; every address gets connect_timeout") {
  dns::test::FakeDnsServer dns;
  LoopbackServer server(plain_server_config());
  ::asio::io_context io;
  Member lookup(io, srv_config("example.test"), with_dns(dns, 2s));
  Member steady(io, config_with_resource(server.address(), "steady"));
  lookup.start();
  steady.start();
  REQUIRE(drive(
      io, {&server}, [&] { return lookup.seen.stopped.has_value(); }, 5s));
  CHECK(steady.seen.online());  // the lookups and connects never blocked the io_context
  CHECK(asked(dns, "_xmpp-client._tcp.example.test SRV"));
  CHECK(asked(dns, "xmpp1.example.test A"));
  CHECK(asked(dns, "xmpp2.example.test A"));
  REQUIRE(lookup.seen.transport_errors.size() == 1);
  const std::string& error = lookup.seen.transport_errors.front();
  CAPTURE(error);
  // Every address of both SRV targets (their order is RFC 2782's weighted random choice), one
  // after the other; at least the first timed out (how the others fail depends on the
  // machine's routes).
  CHECK(error.find("192.0.2.1:5222: ") != std::string::npos);
  CHECK(error.find("[2001:db8::1]:5222: ") != std::string::npos);
  CHECK(error.find("192.0.2.2:5269: ") != std::string::npos);
  CHECK(error.find(": connect timed out") != std::string::npos);
  CHECK(*lookup.seen.stopped == StopReason::max_attempts);
}

TEST_CASE("asio client: a DNS server that never answers: the lookup times out, nothing blocks") {
  dns::test::FakeDnsServer dns;
  LoopbackServer server(plain_server_config());
  ::asio::io_context io;
  const TimePoint start = Clock::now();
  // The DNS timeout is far above a login's time even in a loaded sanitizer build: the other
  // session must come online while the lookup still waits. A lookup that blocked the
  // io_context would have failed (and been reported) before the other session's first step.
  Member lookup(io, srv_config("silent.test"), with_dns(dns, 2s));
  Member steady(io, config_with_resource(server.address(), "steady"));
  lookup.start();
  steady.start();
  REQUIRE(drive(io, {&server}, [&] { return steady.seen.online(); }));
  CHECK(lookup.seen.closes.empty());
  REQUIRE(drive(
      io, {&server}, [&] { return !lookup.seen.closes.empty(); }, 10s));
  CHECK(Clock::now() - start >= 2s);
  CHECK(lookup.seen.transport_errors.front().find("silent.test") != std::string::npos);
}

TEST_CASE("asio client destroyed while its lookup is in flight: no hook, the wait aborted") {
  dns::test::FakeDnsServer dns;
  LoopbackServer server(plain_server_config());
  ::asio::io_context io;
  auto lookup = std::make_unique<Member>(io, srv_config("silent.test"), with_dns(dns, 300ms));
  lookup->start();
  std::error_code online;
  lookup->client->async_wait_online([&](std::error_code ec) { online = ec; });
  REQUIRE(drive(io, {&server}, [&] { return asked(dns, "_xmpp-client._tcp.silent.test SRV"); }));
  lookup->client.reset();
  REQUIRE_FALSE(drive(
      io, {&server}, [] { return false; }, 500ms));
  CHECK(online == ::asio::error::operation_aborted);
  CHECK(lookup->seen.log.empty());
}

TEST_CASE("asio client: a connect that never completes: connect_timeout, then the policy") {
  Blackhole hole;
  ::asio::io_context io;
  SessionConfig config = plain_config(hole.address());
  config.reconnect.max_attempts = 1;
  Options options;
  options.connect_timeout = 150ms;
  Member m(io, std::move(config), options);
  const TimePoint start = Clock::now();
  m.start();
  LoopbackServer unused(plain_server_config());
  REQUIRE(drive(io, {&unused}, [&] { return m.seen.stopped.has_value(); }));
  REQUIRE(m.seen.closes.size() == 1);
  CHECK(m.seen.closes[0].reason == CloseReason::connection_lost);
  CHECK(m.seen.close_times[0] - start >= 150ms);
  CHECK(m.seen.close_times[0] - start < 2s);  // not the default 10 s
  CHECK(m.seen.transport_errors[0].find(hole.address() + ": connect timed out") !=
        std::string::npos);
}

}  // namespace
}  // namespace xmpp::asio_adapter::test
