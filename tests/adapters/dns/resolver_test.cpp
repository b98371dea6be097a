// The resolver over c-ares against a local DNS responder (fake_dns_server.hpp), the hosts file
// and IP literals.
#include <doctest/doctest.h>
#include <poll.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "fake_dns_server.hpp"
#include "xmpp/adapters/dns.hpp"

namespace xmpp::dns {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using test::FakeDnsServer;

std::unique_ptr<Resolver> make_resolver(const std::vector<std::string>& servers,
                                        std::chrono::milliseconds timeout = 5s) {
  std::string error;
  auto resolver = Resolver::create(ResolverOptions{.timeout = timeout, .servers = servers}, &error);
  INFO(error);
  REQUIRE(resolver != nullptr);
  return resolver;
}

RandomUpTo draws(std::uint32_t value, std::vector<std::uint32_t>* bounds = nullptr) {
  return [value, bounds](std::uint32_t bound) {
    if (bounds != nullptr) bounds->push_back(bound);
    return std::min(value, bound);
  };
}

// Starts a lookup and checks that its callback does not run before lookup_*() returns, and
// runs once.
struct Capture {
  bool starting = false;
  int calls = 0;
  std::optional<SrvResult> srv;
  std::optional<AddressResult> addresses;

  void srv_lookup(Resolver& r, const std::string& name, RandomUpTo random) {
    starting = true;
    r.lookup_srv(name, std::move(random), [this](SrvResult result) {
      CHECK_MESSAGE(!starting, "callback ran inside lookup_srv()");
      ++calls;
      srv = std::move(result);
    });
    starting = false;
  }
  void address_lookup(Resolver& r, const std::string& host, std::uint16_t port) {
    starting = true;
    r.lookup_addresses(host, port, [this](AddressResult result) {
      CHECK_MESSAGE(!starting, "callback ran inside lookup_addresses()");
      ++calls;
      addresses = std::move(result);
    });
    starting = false;
  }
};

std::vector<std::string> printed(const AddressResult& result) {
  std::vector<std::string> out;
  for (const Address& a : result.addresses)
    out.push_back(a.to_string());
  return out;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST_CASE("resolver: SRV records come back ordered with the caller's random") {
  FakeDnsServer server;
  auto resolver = make_resolver({server.address()});

  // The zone lists [xmpp2 (weight 0), xmpp1 (weight 5)] at priority 10: running sums [0 5].
  std::vector<std::uint32_t> bounds;
  Capture high;
  high.srv_lookup(*resolver, srv_name("example.test", false), draws(5, &bounds));
  Capture low;
  low.srv_lookup(*resolver, srv_name("example.test", false), draws(0));
  CHECK(resolver->busy());
  resolver->run_for(5s);
  CHECK_FALSE(resolver->busy());

  REQUIRE(high.calls == 1);
  CHECK(high.srv->outcome == SrvOutcome::found);
  CHECK(high.srv->error.empty());
  CHECK(high.srv->records == std::vector<SrvRecord>{SrvRecord{10, 5, 5222, "xmpp1.example.test"},
                                                    SrvRecord{10, 0, 5269, "xmpp2.example.test"}});
  CHECK(bounds == std::vector<std::uint32_t>{5});
  REQUIRE(low.calls == 1);
  CHECK(low.srv->records == std::vector<SrvRecord>{SrvRecord{10, 0, 5269, "xmpp2.example.test"},
                                                   SrvRecord{10, 5, 5222, "xmpp1.example.test"}});
  CHECK(connect_plan(*high.srv, "example.test", kClientPort) ==
        std::vector<HostPort>{{"xmpp1.example.test", 5222}, {"xmpp2.example.test", 5269}});

  Capture tls;
  tls.srv_lookup(*resolver, srv_name("example.test", true), draws(0));
  resolver->run_for(5s);
  REQUIRE(tls.calls == 1);
  CHECK(tls.srv->records == std::vector<SrvRecord>{SrvRecord{0, 0, 5223, "xmpp1.example.test"}});
}

TEST_CASE("resolver: NXDOMAIN, no answers, '.', SERVFAIL and a malformed answer") {
  FakeDnsServer server;
  auto resolver = make_resolver({server.address()});
  Capture nx, empty, none, broken, garbage;
  nx.srv_lookup(*resolver, srv_name("nx.test", false), draws(0));
  empty.srv_lookup(*resolver, srv_name("empty.test", false), draws(0));
  none.srv_lookup(*resolver, srv_name("none.test", false), draws(0));
  broken.srv_lookup(*resolver, srv_name("broken.test", false), draws(0));
  garbage.srv_lookup(*resolver, srv_name("garbage.test", false), draws(0));
  resolver->run_for(5s);
  for (const Capture* c : {&nx, &empty, &none, &broken, &garbage})
    REQUIRE(c->calls == 1);

  CHECK(nx.srv->outcome == SrvOutcome::no_records);
  CHECK(empty.srv->outcome == SrvOutcome::no_records);
  CHECK(none.srv->outcome == SrvOutcome::not_offered);
  CHECK(broken.srv->outcome == SrvOutcome::failed);
  CHECK_FALSE(broken.srv->error.empty());
  CHECK(garbage.srv->outcome == SrvOutcome::failed);
  CHECK_FALSE(garbage.srv->error.empty());
  MESSAGE("SERVFAIL: " << broken.srv->error << "; malformed: " << garbage.srv->error);

  CHECK(connect_plan(*nx.srv, "nx.test", kClientPort) == std::vector<HostPort>{{"nx.test", 5222}});
  CHECK(connect_plan(*broken.srv, "broken.test", kClientPort) ==
        std::vector<HostPort>{{"broken.test", 5222}});
  CHECK(connect_plan(*none.srv, "none.test", kClientPort).empty());
}

TEST_CASE("resolver: A and AAAA records of SRV targets") {
  FakeDnsServer server;
  auto resolver = make_resolver({server.address()});
  Capture one, two, missing;
  one.address_lookup(*resolver, "xmpp1.example.test", 5222);
  two.address_lookup(*resolver, "xmpp2.example.test", 5269);
  missing.address_lookup(*resolver, "nowhere.example.test", 5222);
  resolver->run_for(5s);
  REQUIRE(one.calls == 1);
  REQUIRE(two.calls == 1);
  REQUIRE(missing.calls == 1);
  CHECK(one.addresses->error.empty());
  CHECK(sorted(printed(*one.addresses)) ==
        std::vector<std::string>{"192.0.2.1:5222", "[2001:db8::1]:5222"});
  CHECK(printed(*two.addresses) == std::vector<std::string>{"192.0.2.2:5269"});
  CHECK(missing.addresses->addresses.empty());
  CHECK_FALSE(missing.addresses->error.empty());
}

TEST_CASE("resolver: IP literals and localhost never reach DNS, and are not answered at once") {
  FakeDnsServer server;  // answers nothing it is asked here: any question is a failure
  auto resolver = make_resolver({server.address()});
  Capture v4, v6, local;
  v4.address_lookup(*resolver, "127.0.0.1", 5222);
  v6.address_lookup(*resolver, "::1", 5223);
  local.address_lookup(*resolver, "localhost", 5222);
  CHECK(v4.calls + v6.calls + local.calls == 0);
  // Answered without a query: no socket to watch (c-ares 1.18 would query DNS for an IPv4
  // literal with AF_UNSPEC and wait for the answer).
  CHECK(resolver->sockets().empty());
  CHECK(resolver->busy());
  CHECK(resolver->next_timeout(1s) == 0ms);  // results wait: the loop must come back at once
  const auto start = Clock::now();
  resolver->run_for(0ms);  // a zero limit still delivers what is ready
  CHECK(Clock::now() - start < 1s);
  REQUIRE(v4.calls == 1);
  REQUIRE(v6.calls == 1);
  REQUIRE(local.calls == 1);
  CHECK(printed(*v4.addresses) == std::vector<std::string>{"127.0.0.1:5222"});
  CHECK(printed(*v6.addresses) == std::vector<std::string>{"[::1]:5223"});
  // From /etc/hosts ("hosts: files dns"): 127.0.0.1, and ::1 where the file lists it.
  CHECK(local.addresses->error.empty());
  const auto local_printed = printed(*local.addresses);
  CHECK(std::find(local_printed.begin(), local_printed.end(), "127.0.0.1:5222") !=
        local_printed.end());
  CHECK_FALSE(resolver->busy());
  std::this_thread::sleep_for(50ms);  // a query sent by mistake would have arrived by now
  CHECK(server.questions().empty());
}

TEST_CASE("resolver: a lookup nobody answers ends at the resolver's timeout") {
  FakeDnsServer server;
  auto resolver = make_resolver({server.address()}, 300ms);
  Capture srv, host;
  srv.srv_lookup(*resolver, srv_name("silent.test", false), draws(0));
  host.address_lookup(*resolver, "host.silent.test", 5222);
  const auto start = Clock::now();
  resolver->run_for(10s);
  const auto elapsed = Clock::now() - start;
  CHECK(elapsed >= 250ms);
  CHECK(elapsed < 3s);
  REQUIRE(srv.calls == 1);
  REQUIRE(host.calls == 1);
  CHECK(srv.srv->outcome == SrvOutcome::failed);
  CHECK_FALSE(srv.srv->error.empty());
  CHECK_FALSE(host.addresses->error.empty());
  CHECK(host.addresses->addresses.empty());
  CHECK_FALSE(resolver->busy());
  CHECK(resolver->sockets().empty());
  // c-ares asked (and asked again: two tries).
  const auto asked = server.questions();
  CHECK(std::count(asked.begin(), asked.end(), "_xmpp-client._tcp.silent.test SRV") >= 1);
}

TEST_CASE("resolver: run_for's limit cancels what is still in flight") {
  FakeDnsServer server;
  auto resolver = make_resolver({server.address()}, 30s);
  Capture srv;
  srv.srv_lookup(*resolver, srv_name("silent.test", false), draws(0));
  const auto start = Clock::now();
  resolver->run_for(200ms);
  const auto elapsed = Clock::now() - start;
  CHECK(elapsed >= 150ms);
  CHECK(elapsed < 2s);
  REQUIRE(srv.calls == 1);
  CHECK(srv.srv->outcome == SrvOutcome::failed);
  MESSAGE("cancelled: " << srv.srv->error);
  CHECK_FALSE(resolver->busy());

  // The resolver is still usable afterwards.
  Capture again;
  again.srv_lookup(*resolver, srv_name("example.test", false), draws(0));
  resolver->run_for(5s);
  REQUIRE(again.calls == 1);
  CHECK(again.srv->outcome == SrvOutcome::found);
}

TEST_CASE("resolver: destroying it with lookups in flight calls no callback") {
  FakeDnsServer server;
  auto resolver = make_resolver({server.address()});
  auto token = std::make_shared<int>(0);
  int called = 0;
  resolver->lookup_srv(srv_name("silent.test", false), draws(0),
                       [token, &called](SrvResult) { ++called; });
  resolver->lookup_addresses("host.silent.test", 5222,
                             [token, &called](AddressResult) { ++called; });
  resolver->lookup_addresses("127.0.0.1", 5222, [token, &called](AddressResult) { ++called; });
  // Let the queries reach the wire, without waiting for answers that will not come.
  for (const Resolver::Socket& s : resolver->sockets())
    CHECK(s.fd >= 0);
  CHECK(token.use_count() == 4);
  resolver.reset();
  CHECK(called == 0);
  CHECK(token.use_count() == 1);  // every callback was destroyed with the resolver
}

TEST_CASE("resolver: a callback may destroy the resolver; later results are dropped") {
  auto resolver = make_resolver({"127.0.0.1:9"});
  int called = 0;
  resolver->lookup_addresses("127.0.0.1", 1, [&](AddressResult) {
    ++called;
    resolver.reset();
  });
  resolver->lookup_addresses("127.0.0.2", 1, [&](AddressResult) { ++called; });
  Resolver* raw = resolver.get();
  raw->run_for(1s);
  CHECK(resolver == nullptr);
  CHECK(called == 1);
}

TEST_CASE("resolver: a callback may start the next lookup (SRV, then the targets)") {
  FakeDnsServer server;
  auto resolver = make_resolver({server.address()});
  std::vector<std::string> found;
  int pending = 0;
  resolver->lookup_srv(srv_name("example.test", false), draws(5), [&](SrvResult srv) {
    for (const HostPort& hp : connect_plan(srv, "example.test", kClientPort)) {
      ++pending;
      resolver->lookup_addresses(hp.host, hp.port, [&](AddressResult r) {
        --pending;
        for (const std::string& s : printed(r))
          found.push_back(s);
      });
    }
  });
  resolver->run_for(5s);
  CHECK(pending == 0);
  CHECK(sorted(found) ==
        std::vector<std::string>{"192.0.2.1:5222", "192.0.2.2:5269", "[2001:db8::1]:5222"});
}

TEST_CASE("resolver: driven from the caller's own poll() loop") {
  FakeDnsServer server;
  auto resolver = make_resolver({server.address()});
  Capture srv, host;
  srv.srv_lookup(*resolver, srv_name("example.test", false), draws(0));
  host.address_lookup(*resolver, "xmpp1.example.test", 5222);
  const auto deadline = Clock::now() + 5s;
  int rounds = 0;
  while (resolver->busy() && Clock::now() < deadline) {
    ++rounds;
    std::vector<pollfd> fds;
    for (const Resolver::Socket& s : resolver->sockets()) {
      CHECK((s.want_read || s.want_write));
      fds.push_back(pollfd{
          s.fd, static_cast<short>((s.want_read ? POLLIN : 0) | (s.want_write ? POLLOUT : 0)), 0});
    }
    const auto wait = resolver->next_timeout(1s);
    CHECK(wait <= 1s);
    const int n = poll(fds.data(), fds.size(), static_cast<int>(wait.count()));
    REQUIRE(n >= 0);
    if (n == 0) {
      resolver->process_timeouts();
      continue;
    }
    for (const pollfd& p : fds) {
      if (p.revents != 0) {
        resolver->process(p.fd, (p.revents & (POLLIN | POLLERR | POLLHUP)) != 0,
                          (p.revents & POLLOUT) != 0);
      }
    }
  }
  CHECK(rounds > 0);
  REQUIRE(srv.calls == 1);
  REQUIRE(host.calls == 1);
  CHECK(srv.srv->outcome == SrvOutcome::found);
  CHECK(sorted(printed(*host.addresses)) ==
        std::vector<std::string>{"192.0.2.1:5222", "[2001:db8::1]:5222"});
  CHECK(resolver->next_timeout(1s) == 1s);  // idle: nothing to wait for
}

TEST_CASE("resolver: random answers end every lookup exactly once, and nothing crashes") {
  FakeDnsServer server;
  auto resolver = make_resolver({server.address()}, 300ms);
  // In rounds of a few lookups: a burst of hundreds of datagrams could overflow the
  // responder's socket buffer, and lookups whose queries are lost only time out.
  constexpr int kRounds = 15;
  constexpr int kPerRound = 10;
  int srv_calls = 0;
  int address_calls = 0;
  for (int round = 0; round < kRounds; ++round) {
    for (int i = 0; i < kPerRound; ++i) {
      resolver->lookup_srv("fuzz.test", draws(1), [&](SrvResult r) {
        ++srv_calls;
        for (const SrvRecord& rec : r.records)
          CHECK(rec.target != "");
      });
      resolver->lookup_addresses("fuzz.test", 5222, [&](AddressResult r) {
        ++address_calls;
        CHECK((r.error.empty() != r.addresses.empty()));
      });
    }
    resolver->run_for(10s);
    CHECK_FALSE(resolver->busy());
  }
  CHECK(srv_calls == kRounds * kPerRound);
  CHECK(address_calls == kRounds * kPerRound);
  // The responder answered (and was asked at least once per SRV lookup and per address family).
  CHECK(server.questions().size() >= 3u * kRounds * kPerRound);
}

TEST_CASE("resolver: bad server addresses and names") {
  std::string error;
  CHECK(Resolver::create(ResolverOptions{.servers = {"not an address"}}, &error) == nullptr);
  CHECK_FALSE(error.empty());
  error.clear();
  CHECK(Resolver::create(ResolverOptions{.servers = {"127.0.0.1:53,127.0.0.2"}}, &error) ==
        nullptr);
  CHECK_FALSE(error.empty());

  auto resolver = make_resolver({"127.0.0.1:9"});
  Capture empty_host, empty_name, nul;
  empty_host.address_lookup(*resolver, "", 5222);
  empty_name.srv_lookup(*resolver, "", draws(0));
  nul.address_lookup(*resolver, std::string("local\0host", 10), 5222);
  resolver->run_for(1s);
  REQUIRE(empty_host.calls == 1);
  REQUIRE(empty_name.calls == 1);
  REQUIRE(nul.calls == 1);
  CHECK_FALSE(empty_host.addresses->error.empty());
  CHECK(empty_name.srv->outcome == SrvOutcome::failed);
  CHECK_FALSE(nul.addresses->error.empty());
}

}  // namespace
}  // namespace xmpp::dns
