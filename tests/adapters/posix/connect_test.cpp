// Connection establishment in the POSIX driver: the internal Transport over address lists (a
// refused address, a connect that never completes, every address failing), target resolution
// of configured addresses, and what posix::Client makes of failed attempts (the Session's
// reconnect policy).
#include <doctest/doctest.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "loopback.hpp"
#include "target_resolution.hpp"
#include "transport.hpp"
#include "watch_set.hpp"

namespace xmpp::posix::test {
namespace {

struct ConnectOutcome {
  bool connected = false;
  bool ended = false;
  Duration elapsed{0};
};

/// Drives `transport` (open()ed at `start`) with poll() until it connects or ends.
ConnectOutcome finish_connect(detail::Transport& transport, TimePoint start,
                              std::chrono::milliseconds limit = 5s) {
  ConnectOutcome outcome;
  while (Clock::now() - start < limit) {
    detail::TransportProgress progress;
    if (transport.active()) {
      pollfd ready{transport.fd(), transport.poll_events(true, false), 0};
      const int timeout = detail::poll_timeout_ms(Clock::now(), transport.deadline(), 50ms);
      const int n = ::poll(&ready, 1, timeout);
      if (n > 0 && ready.revents != 0)
        progress = transport.handle_ready(ready.revents, Clock::now());
    }
    const auto deadline = transport.deadline();
    if (!progress.connected && !progress.ended && (!deadline || Clock::now() >= *deadline)) {
      const detail::TransportProgress timed = transport.handle_timeout(Clock::now());
      progress.ended = progress.ended || timed.ended;
    }
    if (progress.connected || progress.ended) {
      outcome.connected = progress.connected;
      outcome.ended = progress.ended;
      break;
    }
  }
  outcome.elapsed = std::chrono::duration_cast<Duration>(Clock::now() - start);
  return outcome;
}

detail::Transport make_transport(Duration connect_timeout = 5s) {
  return detail::Transport({connect_timeout, 16384, 256 * 1024});
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

TEST_CASE("harness: a connect to the blackhole does not complete (SYNs dropped)") {
  Blackhole hole;
  Fd probe(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
  const dns::Address to = hole.listener.dns_address();
  const int result =
      ::connect(probe.get(), reinterpret_cast<const sockaddr*>(&to.storage), to.length);
  REQUIRE(result == -1);
  REQUIRE(errno == EINPROGRESS);
  pollfd ready{probe.get(), POLLOUT, 0};
  CHECK(::poll(&ready, 1, 100) == 0);
}

TEST_CASE("transport: the first address refuses, the second is connected") {
  Listener refusing = Listener::open("127.0.0.1", false);
  Listener refusing_v6 = Listener::open("::1", false);
  Listener good = Listener::open();
  detail::Transport transport = make_transport();
  const TimePoint start = Clock::now();
  transport.open({refusing.dns_address(), refusing_v6.dns_address(), good.dns_address()}, start);
  const ConnectOutcome outcome = finish_connect(transport, start);
  INFO("error: " << transport.error());
  REQUIRE(outcome.connected);
  CHECK(transport.connected());
  CHECK(transport.peer() == good.address());
  CHECK(transport.error().empty());
  CHECK_FALSE(transport.deadline().has_value());
  Fd accepted = good.accept();
  CHECK(accepted);
}

TEST_CASE("transport: a connect that never completes times out, then the next address") {
  Blackhole hole;
  Listener good = Listener::open();
  detail::Transport transport = make_transport(150ms);
  const TimePoint start = Clock::now();
  transport.open({hole.listener.dns_address(), good.dns_address()}, start);
  REQUIRE(transport.deadline() == start + 150ms);
  const ConnectOutcome outcome = finish_connect(transport, start);
  INFO("error: " << transport.error());
  REQUIRE(outcome.connected);
  CHECK(transport.peer() == good.address());
  CHECK(outcome.elapsed >= 150ms);
  CHECK(outcome.elapsed < 2s);
}

TEST_CASE("transport: every address fails: the transport ends, saying why for each") {
  Blackhole hole;
  Listener refusing = Listener::open("127.0.0.1", false);
  detail::Transport transport = make_transport(100ms);
  const TimePoint start = Clock::now();
  transport.open({refusing.dns_address(), hole.listener.dns_address()}, start);
  const ConnectOutcome outcome = finish_connect(transport, start);
  REQUIRE(outcome.ended);
  CHECK_FALSE(outcome.connected);
  CHECK_FALSE(transport.active());
  CHECK(transport.ended());
  const std::string& error = transport.error();
  INFO("error: " << error);
  CHECK(contains(error, "could not connect"));
  CHECK(contains(error, refusing.address()));
  CHECK(contains(error, std::strerror(ECONNREFUSED)));
  CHECK(contains(error, hole.address() + ": connect timed out"));
  CHECK(outcome.elapsed >= 100ms);
}

TEST_CASE("transport: no address at all ends at once") {
  detail::Transport transport = make_transport();
  transport.open({}, Clock::now());
  CHECK(transport.ended());
  CHECK_FALSE(transport.active());
  CHECK(transport.error() == "no address to connect to");
  CHECK(transport.handle_timeout(Clock::now()).ended);  // reported once
  CHECK_FALSE(transport.handle_timeout(Clock::now()).ended);
}

TEST_CASE("target resolution: configured addresses, default ports, literals") {
  std::string why;
  auto resolver = dns::Resolver::create({}, &why);
  REQUIRE_MESSAGE(resolver != nullptr, why);
  const auto printed = [](const detail::ResolvedTarget& target) {
    std::vector<std::string> out;
    for (const auto& address : target.addresses)
      out.push_back(address.to_string());
    return out;
  };
  const auto resolve = [&](std::string address, TlsPolicy policy) {
    return detail::resolve_target(
        *resolver, ConnectTarget{TargetSource::configured, address}, "localhost", policy,
        [](std::uint32_t) { return 0u; }, 2s);
  };
  const TlsPolicy plain = TlsPolicy::disabled;
  CHECK(printed(resolve("127.0.0.1:5999", plain)) == std::vector<std::string>{"127.0.0.1:5999"});
  CHECK(printed(resolve("[::1]:5999", plain)) == std::vector<std::string>{"[::1]:5999"});
  // Without a port: 5222, or 5223 for direct TLS (XEP-0368); only the direct policy starts an
  // explicit address with TLS.
  const detail::ResolvedTarget starttls = resolve("127.0.0.1", TlsPolicy::required);
  CHECK(printed(starttls) == std::vector<std::string>{"127.0.0.1:5222"});
  CHECK(starttls.direct_tls == std::vector<bool>{false});
  const detail::ResolvedTarget direct = resolve("127.0.0.1", TlsPolicy::direct);
  CHECK(printed(direct) == std::vector<std::string>{"127.0.0.1:5223"});
  CHECK(direct.direct_tls == std::vector<bool>{true});
  // A name from the hosts file.
  const auto local = printed(resolve("localhost:6000", plain));
  CHECK(std::find(local.begin(), local.end(), "127.0.0.1:6000") != local.end());
  // Garbage: no address, and why.
  const detail::ResolvedTarget bad = resolve("[::1:5222", plain);
  CHECK(bad.addresses.empty());
  CHECK(contains(bad.error, "not a host:port"));
}

TEST_CASE(
    "posix client: a refused address: on_closed, the next attempt is scheduled, it succeeds") {
  LoopbackServer::Settings settings;
  settings.listening = false;  // bound, not listening: connects are refused
  LoopbackServer server(plain_server_config(), settings);
  SessionConfig config = plain_config(server.address());
  config.reconnect.immediate_first_retry = false;
  config.reconnect.base = 150ms;
  Recorder seen;
  Client client(std::move(config), seen.hooks());
  seen.adapter = &client;
  std::string error;
  REQUIRE_MESSAGE(client.start(&error), error);

  REQUIRE(drive(client, server, [&] { return !seen.closes.empty(); }));
  CHECK(seen.closes[0].reason == CloseReason::connection_lost);
  // The reconnect policy had decided when on_closed ran: the next attempt in 150 ms.
  REQUIRE(seen.next_attempt_in[0].has_value());
  CHECK(*seen.next_attempt_in[0] > 100ms);
  CHECK(*seen.next_attempt_in[0] <= 150ms);
  CHECK(contains(seen.transport_errors[0], std::strerror(ECONNREFUSED)));
  CHECK(contains(seen.transport_errors[0], server.address()));
  CHECK(client.session().state() == SessionState::waiting);

  // The server comes up; the scheduled attempt connects and logs in.
  server.listen();
  REQUIRE(drive(client, server, [&] { return seen.online(); }));
  CHECK(seen.connects == 1);
  CHECK(seen.closes.size() == 1);
  CHECK(server.connections.size() == 1);
  CHECK(Clock::now() - seen.close_times[0] >= 150ms);
  CHECK(client.last_transport_error().empty());
}

TEST_CASE("posix client: every attempt refused: backoff, then max_attempts stops the Session") {
  Listener refusing = Listener::open("127.0.0.1", false);
  SessionConfig config = plain_config(refusing.address());
  config.reconnect.base = 50ms;
  config.reconnect.max_attempts = 3;
  Recorder seen;
  Client client(std::move(config), seen.hooks());
  seen.adapter = &client;
  REQUIRE(client.start());
  CHECK(client.run_until([&] { return seen.stopped.has_value(); }, 5s));
  CHECK_FALSE(client.run_once(0ms));

  REQUIRE(seen.closes.size() == 3);
  for (const auto& closed : seen.closes)
    CHECK(closed.reason == CloseReason::connection_lost);
  // Immediate first retry, then the base delay, then nothing: the policy stopped.
  REQUIRE(seen.next_attempt_in.size() == 3);
  REQUIRE(seen.next_attempt_in[0].has_value());
  CHECK(*seen.next_attempt_in[0] <= 0ms);
  REQUIRE(seen.next_attempt_in[1].has_value());
  CHECK(*seen.next_attempt_in[1] > 25ms);
  CHECK(*seen.next_attempt_in[1] <= 50ms);
  CHECK_FALSE(seen.next_attempt_in[2].has_value());
  CHECK(seen.close_times[2] - seen.close_times[1] >= 50ms);
  CHECK(*seen.stopped == StopReason::max_attempts);
  CHECK(seen.log.back() == "stopped:max_attempts");
  CHECK(client.session().state() == SessionState::stopped);
}

TEST_CASE("posix client: a connect that never completes: connect_timeout, then the policy") {
  Blackhole hole;
  SessionConfig config = plain_config(hole.address());
  config.reconnect.max_attempts = 1;
  Options options;
  options.connect_timeout = 150ms;
  Recorder seen;
  Client client(std::move(config), seen.hooks(), options);
  seen.adapter = &client;
  const TimePoint start = Clock::now();
  REQUIRE(client.start());
  CHECK(client.run_until([&] { return seen.stopped.has_value(); }, 5s));

  REQUIRE(seen.closes.size() == 1);
  CHECK(seen.closes[0].reason == CloseReason::connection_lost);
  CHECK(seen.close_times[0] - start >= 150ms);
  CHECK(seen.close_times[0] - start < 2s);  // not the default 10 s
  CHECK(contains(seen.transport_errors[0], hole.address() + ": connect timed out"));
  CHECK(*seen.stopped == StopReason::max_attempts);
}

TEST_CASE("posix client: a see-other-host redirect: the next attempt goes to the given address") {
  LoopbackServer second(plain_server_config());
  testing::ServerConfig redirecting = plain_server_config();
  const std::string elsewhere = second.address();
  redirecting.rewrite = [elsewhere](testing::ServerStep step, std::string& bytes) {
    if (step != testing::ServerStep::features) return;
    bytes = "<stream:error><see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'>" +
            elsewhere + "</see-other-host></stream:error></stream:stream>";
  };
  LoopbackServer first(redirecting);
  Recorder seen;
  Client client(plain_config(first.address()), seen.hooks());
  seen.adapter = &client;
  REQUIRE(client.start());
  const TimePoint give_up = Clock::now() + 5s;
  while (!seen.online() && Clock::now() < give_up) {
    client.run_once(1ms);
    first.step();
    second.step();
  }
  REQUIRE(seen.online());
  REQUIRE(seen.closes.size() == 1);
  CHECK(seen.closes[0].reason == CloseReason::stream_error_received);
  CHECK(first.connections.size() == 1);
  REQUIRE(second.connections.size() == 1);
  CHECK(second.server().bound_jid() == seen.online_jid);
  REQUIRE(client.session().target() != nullptr);
  CHECK(client.session().target()->source == TargetSource::redirect);
  CHECK(client.session().target()->address == elsewhere);
}

}  // namespace
}  // namespace xmpp::posix::test
