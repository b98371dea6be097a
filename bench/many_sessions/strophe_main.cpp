// strophe-sessions-bench: the libstrophe comparison of the scale benchmark (not a test). N
// connections on one xmpp_ctx_t against the same server process (many-sessions-server), logged
// in and then left idle; heap, RSS and CPU measured as many-sessions-bench measures them.
//
// libstrophe 0.12 waits with select(), whose fd_set holds descriptors below FD_SETSIZE (1024).
// Debian builds it with _FORTIFY_SOURCE, so FD_SET() of a larger descriptor goes through
// __fdelt_chk and aborts the process ("buffer overflow detected") rather than writing past the
// set. Run it as its own process per size (bench/run-many-sessions.sh does), never inside a
// process whose results matter.
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <functional>
#include <string>

#include "bench_args.hpp"
#include "process_stats.hpp"
#include "server_process.hpp"
#include "strophe_fleet.hpp"

namespace {

using xmpp::bench::now_us;

// As many-sessions-bench's run_for(): `done` checked at least every `poll_ms`.
bool run_for(xmpp::bench::StropheFleet& fleet, double seconds, const std::function<bool()>& done,
             unsigned long poll_ms = 10) {
  const std::uint64_t end = now_us() + static_cast<std::uint64_t>(seconds * 1e6);
  while (!done()) {
    const std::uint64_t now = now_us();
    if (now >= end) return false;
    fleet.run_once(std::min<unsigned long>(poll_ms, (end - now) / 1000 + 1));
  }
  return true;
}

double per(std::uint64_t total, std::uint64_t count) {
  return count == 0 ? 0.0 : static_cast<double>(total) / static_cast<double>(count);
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress shows when the output is a pipe
  xmpp::bench::Args args;
  std::string error;
  if (!args.parse(argc, argv, "sessions in-flight idle settle ports server login-timeout",
                  &error)) {
    std::fprintf(stderr, "strophe-sessions-bench: %s\n", error.c_str());
    return 2;
  }
  const std::size_t n = std::max<std::uint64_t>(2, args.number("sessions", 1000));
  const double idle = args.real("idle", 10);
  // As many-sessions-bench: at most ~5,000 connections per server port.
  const std::uint64_t ports = args.number("ports", n / 5'000 + 1);
  std::printf("libstrophe %s: %zu connections; plaintext, SASL PLAIN, XEP-0198 on\n", "0.12", n);
  if (const std::string problem = xmpp::bench::raise_fd_limit(n + 64); !problem.empty()) {
    std::printf("cannot run %zu connections: %s\nRESULT sessions=%zu status=fd-limit\n", n,
                problem.c_str(), n);
    return 3;
  }
  xmpp::bench::ServerProcess server;
  if (!server.start(args.text("server", xmpp::bench::sibling_executable("many-sessions-server")),
                    {"--ports", std::to_string(ports), "--fd-limit", std::to_string(n + 64)},
                    &error)) {
    std::fprintf(stderr, "strophe-sessions-bench: %s\n", error.c_str());
    return 1;
  }
  xmpp::bench::StropheFleet fleet(n, server.ports(), args.number("in-flight", 200));

  fleet.add_more(1);
  if (!run_for(fleet, 10, [&] { return fleet.online() == 1; })) {
    std::fprintf(stderr, "strophe-sessions-bench: the first connection did not log in\n");
    return 1;
  }
  const std::uint64_t base_us = now_us();
  const std::uint64_t base_heap = xmpp::bench::heap_in_use();
  const std::uint64_t base_rss = xmpp::bench::rss_bytes();
  const std::uint64_t base_cpu = xmpp::bench::self_cpu_us();
  const std::uint64_t base_system_cpu = xmpp::bench::self_system_cpu_us();
  const std::uint64_t base_server_cpu = xmpp::bench::process_cpu_us(server.pid());

  std::size_t reported = 0;
  const bool all_in = run_for(fleet, args.real("login-timeout", 600), [&] {
    fleet.add_more(n);
    // Progress, so that a crash shows how far it got.
    if (fleet.online() >= reported + 250) {
      reported = fleet.online();
      std::printf("  %zu online\n", reported);
      std::fflush(stdout);
    }
    return fleet.online() == n;
  });
  if (!all_in) {
    std::printf("RESULT sessions=%zu status=login-timeout online=%zu\n", n, fleet.online());
    return 1;
  }
  const double login_s = xmpp::bench::seconds_between(base_us, fleet.last_online_us());
  const std::uint64_t login_cpu_end = xmpp::bench::self_cpu_us();
  const std::uint64_t login_system_cpu_end = xmpp::bench::self_system_cpu_us();
  const std::uint64_t login_server_cpu_end = xmpp::bench::process_cpu_us(server.pid());
  // Settle as many-sessions-bench does before its memory sample.
  run_for(fleet, args.real("settle", 6), [] { return false; });
  const std::uint64_t heap = xmpp::bench::heap_in_use();
  const std::uint64_t rss = xmpp::bench::rss_bytes();
  const std::uint64_t cpu = xmpp::bench::self_cpu_us();

  const std::uint64_t idle_start = now_us();
  run_for(
      fleet, idle, [] { return false; }, 1000);
  const double idle_s = xmpp::bench::seconds_between(idle_start, now_us());
  const double idle_cpu = static_cast<double>(xmpp::bench::self_cpu_us() - cpu) / idle_s;
  const std::size_t connected = fleet.count_connected();

  const std::uint64_t measured = n - 1;
  const double heap_per = per(heap - base_heap, measured);
  const double rss_per = per(rss - base_rss, measured);
  const double login_cpu = per(login_cpu_end - base_cpu, measured);
  const double login_system_cpu = per(login_system_cpu_end - base_system_cpu, measured);
  const double login_server_cpu = per(login_server_cpu_end - base_server_cpu, measured);
  std::printf("login: %zu more connections online in %.2f s\n", n - 1, login_s);
  std::printf("memory per connection: heap %.0f B, RSS %.0f B\n", heap_per, rss_per);
  std::printf("login CPU per connection: client %.0f us (system %.0f us), server %.0f us\n",
              login_cpu, login_system_cpu, login_server_cpu);
  std::printf(
      "idle %.1f s: client CPU %.0f us/s; connected at the end %zu of %zu "
      "(disconnects %" PRIu64 ")\n",
      idle_s, idle_cpu, connected, n, fleet.counts().disconnected);
  const bool ok = connected == n && fleet.counts().disconnected == 0;
  std::printf(
      "RESULT sessions=%zu status=%s login_s=%.2f heap_per=%.0f rss_per=%.0f "
      "login_cpu_us=%.0f login_system_cpu_us=%.0f login_server_cpu_us=%.0f "
      "idle_cpu_us_per_s=%.0f online=%zu\n",
      n, ok ? "ok" : "FAILED", login_s, heap_per, rss_per, login_cpu, login_system_cpu,
      login_server_cpu, idle_cpu, connected);
  std::fflush(stdout);
  server.stop();
  return ok ? 0 : 1;
}
