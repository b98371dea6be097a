// Backpressure in the POSIX driver, over a real loopback socket: a burst from the server to a
// client that runs rarely (the driver reads no more than the engine takes: one read_chunk per
// run_once), and a client writing to a server that stopped reading (send() says would_block
// once the engine's bounded output is full; nothing grows, nothing is lost).
#include <doctest/doctest.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "loopback.hpp"

namespace xmpp::posix::test {
namespace {

testing::ServerConfig server_without_sm() {
  testing::ServerConfig config = plain_server_config();
  config.sm = false;
  return config;
}

TEST_CASE("posix client: a 2 MB burst to a slow client: nothing lost, one chunk per run_once") {
  LoopbackServer::Settings settings;
  settings.send_buffer = 32 * 1024;  // else the kernel takes the whole burst at once
  LoopbackServer server(server_without_sm(), settings);
  Recorder seen;
  std::size_t received_this_call = 0;
  seen.on_received_bytes = [&](std::size_t n) { received_this_call += n; };
  Options options;
  options.read_chunk = 4096;
  Client client(plain_config(server.address()), seen.hooks(), options);
  seen.adapter = &client;
  REQUIRE(client.start());
  REQUIRE(drive(client, server, [&] { return seen.online(); }));

  constexpr int kStanzas = 2000;
  const std::string body(1000, 'x');
  for (int i = 0; i < kStanzas; ++i) {
    REQUIRE(
        server.server().send_stanza("<message from='bob@localhost' to='alice@localhost/posix' "
                                    "id='b" +
                                    std::to_string(i) + "'><body>" + body + "</body></message>"));
  }
  // The server writes until the socket is full: the client is not reading.
  for (int i = 0; i < 200 && !server.last().write_blocked; ++i)
    server.step();
  const std::size_t burst = server.last().write_log.size();
  CHECK(burst > 2'000'000);
  REQUIRE(server.last().write_blocked);
  CHECK_FALSE(server.last().to_client.empty());

  // The client runs now and then; the server refills the socket in between.
  std::size_t most_per_call = 0;
  std::size_t most_heap = 0;
  std::size_t calls = 0;
  const TimePoint give_up = Clock::now() + 10s;
  while (seen.stanza_ids.size() < kStanzas && Clock::now() < give_up) {
    received_this_call = 0;
    REQUIRE(client.run_once(0ms));
    ++calls;
    most_per_call = std::max(most_per_call, received_this_call);
    most_heap = std::max(most_heap, client.session().client().heap_bytes());
    for (int i = 0; i < 4; ++i)
      server.step();
  }
  INFO("run_once calls: " << calls << ", most bytes in one: " << most_per_call
                          << ", most engine heap: " << most_heap);
  // Everything arrived, once, in order.
  REQUIRE(seen.stanza_ids.size() == kStanzas);
  bool in_order = true;
  for (int i = 0; i < kStanzas; ++i)
    in_order = in_order && seen.stanza_ids[i] == "b" + std::to_string(i);
  CHECK(in_order);
  CHECK(std::all_of(seen.stanza_bodies.begin(), seen.stanza_bodies.end(),
                    [&](const std::string& b) { return b == body; }));
  // The driver never took more than one read_chunk per run_once: the rest waited in the
  // kernel (the server saw a full socket), not in the client's memory.
  CHECK(most_per_call <= options.read_chunk);
  CHECK(calls >= burst / options.read_chunk);
  CHECK(most_heap < burst / 2);
}

TEST_CASE("posix client: a server that stops reading: would_block, bounded output, then all") {
  LoopbackServer::Settings settings;
  settings.receive_buffer = 16384;  // small kernel buffers on the server's side
  LoopbackServer server(server_without_sm(), settings);
  SessionConfig config = plain_config(server.address());
  config.client.stream_management.enable = false;
  config.client.limits.max_output_bytes = 128 * 1024;
  config.client.limits.max_send_bytes = 16 * 1024;
  Recorder seen;
  Client client(std::move(config), seen.hooks());
  seen.adapter = &client;
  REQUIRE(client.start());
  REQUIRE(drive(client, server, [&] { return seen.online(); }));
  const std::size_t heap_online = client.session().client().heap_bytes();

  server.reading = false;
  const std::size_t read_before = server.last().read_log.size();
  xml::Arena arena;
  const std::string body(1000, 'y');
  const auto send = [&](int n) {
    arena.reset();
    return client.session().send(
        chat_message(arena, "bob@localhost", "m" + std::to_string(n), body));
  };

  // Send until the engine refuses, the driver moving what the socket takes in between, until
  // the kernel's buffers are full too: then the refusal lasts however long the driver runs.
  int sent = 0;
  int idle_rounds = 0;
  std::size_t most_heap = 0;
  const TimePoint give_up_filling = Clock::now() + 10s;
  while (idle_rounds < 20 && Clock::now() < give_up_filling) {
    const SendStatus status = send(sent);
    if (status == SendStatus::ok) {
      ++sent;
      idle_rounds = 0;
      if (sent % 16 == 0) client.run_once(0ms);
      continue;
    }
    REQUIRE(status == SendStatus::would_block);
    const std::size_t before = client.session().output().size();
    most_heap = std::max(most_heap, client.session().client().heap_bytes());
    client.run_once(1ms);
    idle_rounds = client.session().output().size() == before ? idle_rounds + 1 : 0;
  }
  const std::size_t accepted = std::size_t(sent) * body.size();
  INFO("stanzas accepted: " << sent << ", engine heap online: " << heap_online
                            << ", most while refusing: " << most_heap);
  REQUIRE(idle_rounds == 20);
  CHECK(send(sent) == SendStatus::would_block);
  // The engine holds at most its output limit (128 KB, plus partly used blocks); the megabytes it
  // accepted sit in the kernel's socket buffers, not in the client process.
  CHECK(most_heap <= heap_online + 128 * 1024 + 16 * 1024);
  CHECK(most_heap >= heap_online + 64 * 1024);
  CHECK(accepted > 10 * 128 * 1024);
  CHECK(server.last().read_log.size() == read_before);  // it read nothing since

  // The server reads again: everything is delivered, in order, once.
  server.reading = true;
  const int total = sent + 50;
  const TimePoint give_up = Clock::now() + 10s;
  while (sent < total && Clock::now() < give_up) {
    if (send(sent) == SendStatus::ok) {
      ++sent;
    } else {
      client.run_once(1ms);
      server.step();
    }
  }
  REQUIRE(sent == total);
  REQUIRE(drive(client, server,
                [&] { return server.server().received_stanzas().size() >= std::size_t(total); }));
  const auto& stanzas = server.server().received_stanzas();
  CHECK(stanzas.size() == std::size_t(total));
  bool in_order = true;
  for (int i = 0; i < total && i < static_cast<int>(stanzas.size()); ++i)
    in_order = in_order && attribute_of(stanzas[i], "id") == "m" + std::to_string(i);
  CHECK(in_order);
  CHECK(client.last_transport_error().empty());
  CHECK(seen.closes.empty());
}

TEST_CASE("posix client: a writer blocked on a full socket wakes up when it drains (POLLOUT)") {
  // The one test with a second thread: the kernel buffers must drain WHILE the client waits in
  // poll() with a long timeout, which only another thread (reading the server's end) can do. A
  // driver that waits for input only would sleep through it, for the whole timeout.
  LoopbackServer::Settings settings;
  settings.receive_buffer = 16384;
  LoopbackServer server(server_without_sm(), settings);
  SessionConfig config = plain_config(server.address());
  config.client.stream_management.enable = false;
  config.client.limits.max_output_bytes = 128 * 1024;
  config.client.limits.max_send_bytes = 16 * 1024;
  Recorder seen;
  Client client(std::move(config), seen.hooks());
  REQUIRE(client.start());
  REQUIRE(drive(client, server, [&] { return seen.online(); }));
  REQUIRE_FALSE(client.session().next_deadline().has_value());  // nothing else wakes it

  server.reading = false;
  xml::Arena arena;
  const std::string body(1000, 'w');
  int sent = 0;
  int idle_rounds = 0;
  const TimePoint give_up = Clock::now() + 10s;
  while (idle_rounds < 20 && Clock::now() < give_up) {
    arena.reset();
    if (client.session().send(chat_message(arena, "bob@localhost", std::to_string(sent), body)) ==
        SendStatus::ok) {
      ++sent;
      idle_rounds = 0;
      if (sent % 16 == 0) client.run_once(0ms);
      continue;
    }
    const std::size_t before = client.session().output().size();
    client.run_once(1ms);
    idle_rounds = client.session().output().size() == before ? idle_rounds + 1 : 0;
  }
  REQUIRE(idle_rounds == 20);
  REQUIRE_FALSE(client.session().output().empty());

  // Another thread drains the server's end; the client waits with a 3 s timeout each time.
  const int fd = server.last().fd.get();
  std::atomic<bool> stop{false};
  std::thread drain([fd, &stop] {
    char buffer[65536];
    while (!stop.load()) {
      pollfd ready{fd, POLLIN, 0};
      (void)::poll(&ready, 1, 10);
      while (::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT) > 0) {
      }
    }
  });
  const TimePoint start = Clock::now();
  int calls = 0;
  while (!client.session().output().empty() && Clock::now() - start < 10s) {
    client.run_once(3s);
    ++calls;
  }
  const auto took = Clock::now() - start;
  stop.store(true);
  drain.join();
  INFO("run_once(3s) calls: " << calls);
  CHECK(client.session().output().empty());
  CHECK(took < 1500ms);
}

}  // namespace
}  // namespace xmpp::posix::test
