// many-sessions-bench: the scale benchmark of the epoll adapter (not a test; run it with
// bench/run-many-sessions.sh or `meson test --benchmark`).
//
// One xmpp::epoll::Loop holds N authenticated sessions with stream management against the
// in-repo Sans-IO test server behind a small epoll server in a child process
// (many-sessions-server), all on loopback, in plaintext with SASL PLAIN. Phases:
//   1. one session logs in (the Loop's one-time TLS context and resolver are made then): the
//      baseline for heap, RSS and CPU;
//   2. the other N-1 log in, at most --in-flight at a time: the login time;
//   then --settle seconds (the acknowledgements of the initial presences) and the memory sample;
//   3. --idle seconds of nothing but the protocol's own timers: idle CPU;
//   4. --duration seconds in which each session sends one message every --interval seconds to
//      the next session (the server routes it), then until every message was acknowledged by the
//      server (XEP-0198) and received by its recipient: CPU per message;
//   5. checks: every session still online on its first connection, nothing lost.
// The last line is "RESULT key=value ..." for the script that builds the table.
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <string>

#include "bench_args.hpp"
#include "fleet.hpp"
#include "process_stats.hpp"
#include "server_process.hpp"
#include "xmpp/adapters/epoll.hpp"

namespace {

using xmpp::bench::now_us;

struct Sample {
  std::uint64_t at_us = 0;
  std::uint64_t heap = 0;
  std::uint64_t rss = 0;
  std::uint64_t cpu_us = 0;
  std::uint64_t system_cpu_us = 0;
  std::uint64_t server_rss = 0;
  std::uint64_t server_cpu_us = 0;
};

Sample sample(const xmpp::bench::ServerProcess& server) {
  return {now_us(),
          xmpp::bench::heap_in_use(),
          xmpp::bench::rss_bytes(),
          xmpp::bench::self_cpu_us(),
          xmpp::bench::self_system_cpu_us(),
          xmpp::bench::rss_bytes(server.pid()),
          xmpp::bench::process_cpu_us(server.pid())};
}

double per(std::uint64_t total, std::uint64_t count) {
  return count == 0 ? 0.0 : static_cast<double>(total) / static_cast<double>(count);
}

// Runs the loop until `done`, at most `seconds`, checking `done` at least every `poll` (the
// sending schedule needs 10 ms; an idle application would wait for its sessions alone, so the
// idle phase waits up to a second and measures the Loop's own wake-ups).
bool run_for(xmpp::epoll::Loop& loop, double seconds, const std::function<bool()>& done,
             std::chrono::milliseconds poll = std::chrono::milliseconds(10)) {
  const std::uint64_t end = now_us() + static_cast<std::uint64_t>(seconds * 1e6);
  while (!done()) {
    const std::uint64_t now = now_us();
    if (now >= end) return false;
    loop.run_once(std::min(poll, std::chrono::milliseconds((end - now) / 1000 + 1)));
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress shows when the output is a pipe
  xmpp::bench::Args args;
  std::string error;
  if (!args.parse(argc, argv,
                  "sessions in-flight interval duration idle settle ports read-chunk server "
                  "login-timeout",
                  &error)) {
    std::fprintf(stderr, "many-sessions-bench: %s\n", error.c_str());
    return 2;
  }
  const std::size_t n = std::max<std::uint64_t>(2, args.number("sessions", 10'000));
  const double interval = args.real("interval", 10);
  const double duration = args.real("duration", 60);
  const double idle = args.real("idle", 10);
  const double settle = args.real("settle", 6);
  // Server ports: at most ~5,000 connections per destination. One client address reaches one
  // destination through ~28,000 ephemeral ports, and connect() searches that range for a free
  // one: at 19,900 connections to one port the kernel spent 601 us of system time per login,
  // against 108 us with four ports (docs/benchmarks.md).
  const std::uint64_t ports = args.number("ports", n / 5'000 + 1);

  std::printf(
      "sessions %zu; plaintext TCP on loopback (no TLS), SASL PLAIN, XEP-0198 on; "
      "fd limit before: %s\n",
      n, xmpp::bench::fd_limits().c_str());
  // Each session holds one socket; the Loop a few more (epoll, resolver, TLS context files).
  if (const std::string problem = xmpp::bench::raise_fd_limit(n + 64); !problem.empty()) {
    std::printf("cannot run %zu sessions: %s\nRESULT sessions=%zu status=fd-limit\n", n,
                problem.c_str(), n);
    return 3;
  }
  xmpp::bench::ServerProcess server;
  const std::string server_path =
      args.text("server", xmpp::bench::sibling_executable("many-sessions-server"));
  if (!server.start(server_path,
                    {"--ports", std::to_string(ports), "--fd-limit", std::to_string(n + 64)},
                    &error)) {
    std::fprintf(stderr, "many-sessions-bench: %s\n", error.c_str());
    return 1;
  }

  xmpp::epoll::Options options;
  if (const auto chunk = args.number("read-chunk", 0); chunk > 0) options.read_chunk = chunk;
  std::printf("read chunk %zu bytes; %zu server port(s)\n", options.read_chunk,
              server.ports().size());
  xmpp::epoll::Loop loop(options);
  xmpp::bench::Fleet fleet(loop, {n, server.ports(), args.number("in-flight", 200)});

  // 1. The first session: one-time costs of the Loop, then the baseline.
  const Sample start = sample(server);
  if (!fleet.add_more(1, &error) || !run_for(loop, 10, [&] { return fleet.online() == 1; })) {
    std::fprintf(stderr, "many-sessions-bench: the first session did not log in: %s %s\n",
                 error.c_str(), loop.last_transport_error(1).c_str());
    return 1;
  }
  const Sample base = sample(server);
  std::printf("first session online in %.3f s; heap with it %" PRIu64
              " B (the Loop's one-time TLS context and resolver included)\n",
              xmpp::bench::seconds_between(start.at_us, base.at_us), base.heap - start.heap);

  // 2. The ramp.
  const double login_timeout = args.real("login-timeout", 600);
  const bool all_in = run_for(loop, login_timeout, [&] {
    if (!fleet.add_more(n, &error)) return true;
    return fleet.online() == n || fleet.counts().stops > 0;
  });
  if (!all_in || fleet.online() != n) {
    std::fprintf(stderr, "many-sessions-bench: %zu of %zu online (%s; stops %" PRIu64 ")\n",
                 fleet.online(), n, error.c_str(), fleet.counts().stops);
    return 1;
  }
  const Sample logged_in = sample(server);
  const double login_s = static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(
                                                 fleet.last_online().time_since_epoch())
                                                 .count() -
                                             static_cast<std::int64_t>(base.at_us)) /
                         1e6;
  std::printf("login: %zu more sessions online in %.2f s (%.0f logins/s), %zu in flight at most\n",
              n - 1, login_s, static_cast<double>(n - 1) / login_s,
              static_cast<std::size_t>(args.number("in-flight", 200)));

  // Settle: the server acknowledges each initial presence once the client asks for it
  // (StreamManagementConfig::request_after, 5 s); memory is sampled after that.
  run_for(loop, settle, [] { return false; });
  // The scan marks every session for a visit (Loop::session()): that visit happens here, not in
  // the idle window.
  const std::uint64_t engine_heap = fleet.engine_heap_bytes();
  loop.run_once(std::chrono::milliseconds(0));
  const Sample settled = sample(server);

  // 3. Idle: only the sessions' own timers (whitespace keepalive, SM idle requests) run.
  const std::uint64_t wakeups_before = loop.wakeups();
  run_for(
      loop, idle, [] { return false; }, std::chrono::milliseconds(1000));
  const Sample idled = sample(server);
  const std::uint64_t idle_wakeups = loop.wakeups() - wakeups_before;
  const double idle_s = xmpp::bench::seconds_between(settled.at_us, idled.at_us);

  // 4. The steady phase: message k (global count) is due at k * interval / n seconds.
  const std::uint64_t steady_start = now_us();
  std::uint64_t next = 0;
  const auto due_until = [&](std::uint64_t t) {
    return static_cast<std::uint64_t>(xmpp::bench::seconds_between(steady_start, t) *
                                      static_cast<double>(n) / interval);
  };
  const std::uint64_t total = due_until(steady_start + static_cast<std::uint64_t>(duration * 1e6));
  run_for(loop, duration + 1, [&] {
    const std::uint64_t due = std::min(total, due_until(now_us()));
    for (; next < due; ++next)
      fleet.send_message(next);
    return next >= total;
  });
  const auto& c = fleet.counts();
  // Draining, nothing is sent: the loop wakes for the sessions only.
  const auto all_through = [&] {
    return c.acked + c.unconfirmed == c.sent && c.received >= c.sent;
  };
  const bool drained = run_for(loop, 30, all_through, std::chrono::milliseconds(1000));
  const Sample steady = sample(server);
  const double steady_s = xmpp::bench::seconds_between(steady_start, steady.at_us);

  // 5. Checks (a scan of every session, outside the measured windows).
  const std::size_t online_now = fleet.count_online_sessions();
  const std::uint64_t lost = c.sent - std::min(c.sent, c.received);

  const std::uint64_t sessions_measured = n - 1;
  const double heap_per = per(settled.heap - base.heap, sessions_measured);
  const double rss_per = per(settled.rss - base.rss, sessions_measured);
  const double engine_per = per(engine_heap, n);
  const double heap_steady_per = per(steady.heap - base.heap, sessions_measured);
  const double rss_steady_per = per(steady.rss - base.rss, sessions_measured);
  const double server_rss_per = per(settled.server_rss - base.server_rss, sessions_measured);
  const double login_cpu = per(logged_in.cpu_us - base.cpu_us, sessions_measured);
  const double login_system_cpu =
      per(logged_in.system_cpu_us - base.system_cpu_us, sessions_measured);
  const double login_server_cpu =
      per(logged_in.server_cpu_us - base.server_cpu_us, sessions_measured);
  const double idle_cpu = static_cast<double>(idled.cpu_us - settled.cpu_us) / idle_s;
  const double msg_cpu = per(steady.cpu_us - idled.cpu_us, c.sent);
  const double msg_system_cpu = per(steady.system_cpu_us - idled.system_cpu_us, c.sent);
  const double msg_server_cpu = per(steady.server_cpu_us - idled.server_cpu_us, c.sent);

  std::printf("memory per session (N-1 = %" PRIu64
              "): heap %.0f B (of which the engine's "
              "heap_bytes() %.0f B), RSS %.0f B after login; heap %.0f B, RSS %.0f B after the "
              "steady phase (test server RSS %.0f B)\n",
              sessions_measured, heap_per, engine_per, rss_per, heap_steady_per, rss_steady_per,
              server_rss_per);
  std::printf("login CPU per session: client %.0f us (system %.0f us), server %.0f us\n", login_cpu,
              login_system_cpu, login_server_cpu);
  std::printf("idle %.1f s: client CPU %.0f us/s (%" PRIu64 " loop wake-ups)\n", idle_s, idle_cpu,
              idle_wakeups);
  std::printf("steady %.1f s: %" PRIu64 " messages (%.0f/s) sent, %" PRIu64 " acked, %" PRIu64
              " received, %" PRIu64 " unconfirmed, %" PRIu64 " refused%s\n",
              steady_s, c.sent, static_cast<double>(c.sent) / duration, c.acked, c.received,
              c.unconfirmed, c.send_refused, drained ? "" : " (NOT DRAINED in 30 s)");
  std::printf(
      "CPU per message (sent by one session and received by another, both in this "
      "process): client %.1f us (system %.1f us), server %.1f us\n",
      msg_cpu, msg_system_cpu, msg_server_cpu);
  std::printf("sessions online at the end %zu of %zu; connects %" PRIu64 ", resumes %" PRIu64
              ", closes %" PRIu64 ", link dead %" PRIu64 ", lost %" PRIu64 "\n",
              online_now, n, c.connects, c.resumes, c.closes, c.link_dead, lost);
  const bool ok = drained && online_now == n && lost == 0 && c.unconfirmed == 0 &&
                  c.acked == c.sent && c.closes == 0 && c.send_refused == 0;
  std::printf(
      "RESULT sessions=%zu status=%s login_s=%.2f heap_per=%.0f rss_per=%.0f "
      "heap_steady_per=%.0f rss_steady_per=%.0f login_cpu_us=%.0f "
      "login_server_cpu_us=%.0f idle_cpu_us_per_s=%.0f msg_cpu_us=%.1f "
      "msg_server_cpu_us=%.1f messages=%" PRIu64 " lost=%" PRIu64
      " online=%zu "
      "server_rss_per=%.0f engine_heap_per=%.0f login_system_cpu_us=%.0f "
      "msg_system_cpu_us=%.1f\n",
      n, ok ? "ok" : "FAILED", login_s, heap_per, rss_per, heap_steady_per, rss_steady_per,
      login_cpu, login_server_cpu, idle_cpu, msg_cpu, msg_server_cpu, c.sent, lost, online_now,
      server_rss_per, engine_per, login_system_cpu, msg_system_cpu);
  std::fflush(stdout);
  server.stop();
  return ok ? 0 : 1;
}
