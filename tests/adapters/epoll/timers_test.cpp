// epoll::Loop's timers and descriptors: an idle Loop sleeps (epoll_wait wakes only for
// deadlines), one session's keepalive and ack timeout fire while the others stay idle, and
// watch() puts the application's own descriptors in the same epoll set.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "harness.hpp"

namespace xmpp::epoll::test {
namespace {

/// Runs the loop (not the servers: nobody talks) for `span` with long waits; returns how many
/// times epoll_wait() returned.
std::uint64_t idle_wakeups(Loop& loop, std::chrono::milliseconds span) {
  const std::uint64_t before = loop.wakeups();
  const auto end = Clock::now() + span;
  while (Clock::now() < end) {
    loop.run_once(std::chrono::ceil<std::chrono::milliseconds>(end - Clock::now()));
  }
  return loop.wakeups() - before;
}

TEST_CASE("epoll loop: idle sessions: no busy loop; a keepalive and an ack timeout fire alone") {
  LoopbackServer server(plain_server_config());
  Loop loop;
  auto idle = add_many(loop, 20, [&](int i) {
    return config_with_resource(server.address(), "idle" + std::to_string(i));
  });
  Member probe;
  SessionConfig probe_config = config_with_resource(server.address(), "probe");
  probe_config.client.keepalive_interval = 200ms;
  probe_config.client.stream_management.request_every_stanzas = 1;
  probe_config.client.stream_management.ack_timeout = 300ms;
  add(loop, probe, std::move(probe_config));
  const auto all_online = [&] {
    return probe.seen.online() &&
           std::all_of(idle.begin(), idle.end(), [](const auto& m) { return m->seen.online(); });
  };
  REQUIRE(drive(loop, {&server}, [&] {
    return all_online() && loop.session(probe.id)->client().stream_management().resumable();
  }));
  // Let the last acknowledgements settle.
  REQUIRE_FALSE(drive(
      loop, {&server}, [] { return false; }, 100ms));

  SUBCASE("one second idle: the loop wakes for the keepalive only") {
    const std::size_t sent_before = probe.seen.traffic_sent.size();
    const std::uint64_t wakeups = idle_wakeups(loop, 1s);
    CAPTURE(wakeups);
    CHECK(wakeups >= 3);   // the 200 ms keepalive
    CHECK(wakeups <= 12);  // and nothing else: no polling, no per-session timers
    const std::string keepalives = probe.seen.traffic_sent.substr(sent_before);
    CHECK(keepalives.size() >= 3);
    CHECK(std::all_of(keepalives.begin(), keepalives.end(), [](char c) { return c == ' '; }));
    for (const auto& m : idle)
      CHECK(m->seen.traffic_sent.ends_with(">"));  // nothing sent by the idle ones
  }

  SUBCASE("the probe's link goes silent: its ack timeout ends it, it resumes; the others idle") {
    ServerConnection* probe_connection = nullptr;
    for (const auto& c : server.connections) {
      if (c->server->bound_jid() && c->server->bound_jid()->resource() == "probe") {
        probe_connection = c.get();
      }
    }
    REQUIRE(probe_connection != nullptr);
    probe_connection->paused = true;
    xml::Arena arena;
    REQUIRE(loop.session(probe.id)->send(chat_message(arena, "bob@localhost", "unheard", "?")) ==
            SendStatus::ok);
    REQUIRE(drive(loop, {&server}, [&] { return probe.seen.resumes == 1; }));
    CHECK(probe.seen.count("link_dead") == 1);
    for (const auto& m : idle) {
      CHECK(m->seen.closes.empty());
      CHECK(m->seen.connects == 1);
    }
  }
}

TEST_CASE("epoll loop: watch(): a pipe in the same epoll set; unwatch() stops it") {
  Loop loop;
  Pipe pipe;
  std::string got;
  std::uint32_t last_events = 0;
  REQUIRE(loop.watch(pipe.read_end.get(), [&](std::uint32_t events) {
    last_events = events;
    got += pipe.read();
  }));
  CHECK(loop.run_once(0ms));  // a watched descriptor keeps it going
  CHECK(got.empty());
  pipe.write("abc");
  REQUIRE(loop.run_until([&] { return got == "abc"; }, 2s));
  CHECK((last_events & EPOLLIN) != 0);

  // A second watch() replaces the callback; a callback may unwatch itself.
  int replaced = 0;
  REQUIRE(loop.watch(pipe.read_end.get(), [&](std::uint32_t) {
    ++replaced;
    loop.unwatch(pipe.read_end.get());
  }));
  pipe.write("d");
  REQUIRE(loop.run_until([&] { return replaced == 1; }, 2s));
  CHECK(got == "abc");
  // Unwatched and no session: nothing to do.
  CHECK_FALSE(loop.run_once(10ms));
  CHECK(replaced == 1);

  // A hang-up is reported too.
  REQUIRE(loop.watch(pipe.read_end.get(), [&](std::uint32_t events) {
    last_events = events;
    loop.unwatch(pipe.read_end.get());
  }));
  pipe.write_end.reset();
  last_events = 0;
  REQUIRE(loop.run_until([&] { return (last_events & EPOLLHUP) != 0; }, 2s));

  // stop() from a callback makes run_once() return false at once.
  Pipe other;
  REQUIRE(loop.watch(other.read_end.get(), [&](std::uint32_t) { loop.stop(); }));
  other.write("x");
  const TimePoint before = Clock::now();
  CHECK_FALSE(loop.run_once(5s));
  CHECK(Clock::now() - before < 1s);
  loop.unwatch(other.read_end.get());
  CHECK(loop.watch(-1, [](std::uint32_t) {}) == false);
}

}  // namespace
}  // namespace xmpp::epoll::test
