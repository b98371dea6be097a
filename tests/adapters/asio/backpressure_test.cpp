// Backpressure in the Asio adapter: against a server that stopped reading, one write is in
// flight and at most Options::max_pending_ciphertext bytes wait for the socket; the engine's
// bounded output then refuses sends (would_block); once the server reads again every stanza
// arrives once, in order. And a burst from the server is read no faster than the engine takes
// it (read_chunk at a time).
#include <doctest/doctest.h>

#include <string>

#include "harness.hpp"

namespace xmpp::asio_adapter::test {
namespace {

TEST_CASE("asio client: a server that stops reading: would_block, bounded memory, then all") {
  LoopbackServer::Settings settings;
  settings.receive_buffer = 16384;
  testing::ServerConfig deaf_config = plain_server_config();
  deaf_config.sm = false;
  LoopbackServer deaf(deaf_config, settings);
  ::asio::io_context io;
  SessionConfig config = plain_config(deaf.address());
  config.client.stream_management.enable = false;
  config.client.limits.max_output_bytes = 128 * 1024;
  config.client.limits.max_send_bytes = 16 * 1024;
  Options options;
  options.max_pending_ciphertext = 8 * 1024;
  Member m(io, std::move(config), options);
  m.start();
  REQUIRE(drive(io, {&deaf}, [&] { return m.seen.online(); }));

  deaf.reading = false;
  const std::size_t read_before = deaf.last().read_log.size();
  const std::string body(1000, 'y');
  int sent = 0;
  int refused_rounds = 0;
  std::size_t largest_heap = 0;
  const TimePoint give_up = Clock::now() + 10s;
  while (refused_rounds < 20 && Clock::now() < give_up) {
    bool refused = false;
    m.client->post([&](Session& session) {
      xml::Arena arena;
      if (session.send(chat_message(arena, "bob@localhost", "m" + std::to_string(sent), body)) ==
          SendStatus::ok) {
        ++sent;
      } else {
        refused = true;
      }
      largest_heap = std::max(largest_heap, session.client().heap_bytes());
    });
    io.restart();
    io.poll();                     // the post, and whatever I/O completed
    if (refused) io.run_for(1ms);  // give a blocked write the time to go on, if it can
    refused_rounds = refused ? refused_rounds + 1 : 0;
  }
  REQUIRE(refused_rounds == 20);
  CHECK(largest_heap < 512 * 1024);
  CHECK(sent > 100);  // the kernel's buffers took megabytes; the process holds little

  deaf.reading = true;
  const bool all = drive(
      io, {&deaf},
      [&] {
        return deaf.last().read_log.find("id='m" + std::to_string(sent - 1) + "'") !=
               std::string::npos;
      },
      20s);
  REQUIRE(all);
  const std::string& log = deaf.last().read_log;
  std::size_t at = read_before;
  bool in_order = true;
  for (int i = 0; i < sent && in_order; ++i) {
    const std::size_t found = log.find("id='m" + std::to_string(i) + "'", at);
    in_order = found != std::string::npos &&
               log.find("id='m" + std::to_string(i) + "'", found + 1) == std::string::npos;
    at = found;
  }
  CHECK(in_order);
  CHECK(m.seen.closes.empty());
}

TEST_CASE("asio client: a 1 MB burst from the server arrives whole, read in bounded chunks") {
  LoopbackServer server(plain_server_config());
  ::asio::io_context io;
  Options options;
  options.read_chunk = 4096;
  Member m(io, plain_config(server.address()), options);
  std::size_t largest = 0;
  m.seen.on_received_bytes = [&](std::size_t n) { largest = std::max(largest, n); };
  m.start();
  REQUIRE(drive(io, {&server}, [&] { return m.seen.online(); }));
  const std::string body(1000, 'z');
  for (int i = 0; i < 1000; ++i) {
    REQUIRE(server.server().send_stanza("<message from='bob@localhost' id='b" + std::to_string(i) +
                                        "'><body>" + body + "</body></message>"));
  }
  REQUIRE(drive(
      io, {&server}, [&] { return m.seen.stanza_ids.size() == 1000; }, 20s));
  CHECK(m.seen.stanza_ids.back() == "b999");
  CHECK(largest <= 4096);
}

}  // namespace
}  // namespace xmpp::asio_adapter::test
