// Backpressure in the epoll loop: a session writing to a server that stopped reading is refused
// (would_block) once the engine's bounded output is full, the loop sleeps instead of spinning on
// the full socket, another session of the same Loop keeps exchanging, and once the server reads
// again every stanza arrives once, in order.
#include <doctest/doctest.h>

#include <string>

#include "harness.hpp"

namespace xmpp::epoll::test {
namespace {

TEST_CASE("epoll loop: a server that stops reading: would_block, no spinning, the others go on") {
  LoopbackServer::Settings settings;
  settings.receive_buffer = 16384;
  testing::ServerConfig deaf_config = plain_server_config();
  deaf_config.sm = false;
  LoopbackServer deaf(deaf_config, settings);
  LoopbackServer fine(plain_server_config());
  Loop loop;
  Member writer;
  Member other;
  SessionConfig config = config_with_resource(deaf.address(), "writer");
  config.client.stream_management.enable = false;
  config.client.limits.max_output_bytes = 128 * 1024;
  config.client.limits.max_send_bytes = 16 * 1024;
  add(loop, writer, std::move(config));
  add(loop, other, config_with_resource(fine.address(), "other"));
  REQUIRE(drive(loop, {&deaf, &fine}, [&] { return writer.seen.online() && other.seen.online(); }));

  deaf.reading = false;
  const std::size_t read_before = deaf.last().read_log.size();
  xml::Arena arena;
  const std::string body(1000, 'y');
  Session& session = *loop.session(writer.id);
  const auto send = [&](int n) {
    arena.reset();
    return session.send(chat_message(arena, "bob@localhost", "m" + std::to_string(n), body));
  };
  // Send until the engine refuses for good: the kernel's buffers are full as well.
  int sent = 0;
  int refused_rounds = 0;
  const TimePoint give_up = Clock::now() + 10s;
  while (refused_rounds < 20 && Clock::now() < give_up) {
    loop.session(writer.id);  // marks it: the loop writes what was queued
    if (send(sent) == SendStatus::ok) {
      ++sent;
      refused_rounds = 0;
      if (sent % 16 == 0) loop.run_once(0ms);
      continue;
    }
    const std::size_t before = session.output().size();
    loop.run_once(1ms);
    refused_rounds = session.output().size() == before ? refused_rounds + 1 : 0;
  }
  REQUIRE(refused_rounds == 20);
  CHECK(send(sent) == SendStatus::would_block);
  CHECK(session.client().heap_bytes() < 512 * 1024);
  CHECK(sent > 200);  // megabytes went into the kernel's buffers, not the process

  // Stuck on a full socket, the loop sleeps: EPOLLOUT does not fire until the server reads.
  const std::uint64_t before = loop.wakeups();
  const TimePoint end = Clock::now() + 300ms;
  while (Clock::now() < end)
    loop.run_once(std::chrono::ceil<std::chrono::milliseconds>(end - Clock::now()));
  CHECK(loop.wakeups() - before <= 5);

  // Meanwhile the other session exchanges as usual.
  REQUIRE(fine.server().send_stanza(message_to("alice@localhost/other", "o1", "still here")));
  REQUIRE(drive(loop, {&fine}, [&] { return other.seen.stanza_ids.size() == 1; }));

  // The server reads again: everything arrives, once, in order.
  deaf.reading = true;
  const bool all = drive(
      loop, {&deaf, &fine},
      [&] {
        return deaf.server().sm_session() == nullptr &&
               deaf.last().read_log.find("id='m" + std::to_string(sent - 1) + "'") !=
                   std::string::npos;
      },
      20s);
  REQUIRE(all);
  const std::string& log = deaf.last().read_log;
  std::size_t at = read_before;
  bool in_order = true;
  for (int i = 0; i < sent && in_order; ++i) {
    const std::size_t found = log.find("id='m" + std::to_string(i) + "'", at);
    in_order = found != std::string::npos;
    at = found;
  }
  CHECK(in_order);
  CHECK(writer.seen.closes.empty());
}

}  // namespace
}  // namespace xmpp::epoll::test
