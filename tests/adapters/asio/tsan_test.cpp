// The Asio adapter across threads, for ThreadSanitizer (suite "tsan"; it also runs in the normal
// and ASan builds): an io_context run by four threads drives three Clients of one loopback
// server, while two other threads call post(), async_send_iq() and drop_transport() on them
// concurrently. The server is stepped by the test thread only; what the hooks and completions
// observe is counted in atomics. Every request must complete exactly once and every dropped
// session be resumed; TSan must report nothing.
#include <doctest/doctest.h>

#include <asio/executor_work_guard.hpp>
#include <atomic>
#include <set>
#include <thread>

#include "harness.hpp"

namespace xmpp::asio_adapter::test {
namespace {

constexpr int kClients = 3;
constexpr int kRounds = 40;

struct Counters {
  std::atomic<int> online{0};
  std::atomic<int> resumed{0};
  std::atomic<int> iq_issued{0};
  std::atomic<int> iq_done{0};
  std::atomic<int> iq_ok{0};
  std::atomic<int> iq_twice{0};
  std::atomic<int> sent{0};
  std::atomic<std::size_t> error_bytes{0};
};

SessionHooks counting(Counters& counters) {
  SessionHooks hooks;
  hooks.on_connect = [&counters](Session&, const event::Online&) { ++counters.online; };
  hooks.on_resume = [&counters](Session&, const event::Online&) { ++counters.resumed; };
  return hooks;
}

/// Answers every ping the server's connections received (once per id), on the connection that
/// received it when that connection is still online.
void answer_pings(LoopbackServer& server, std::set<std::string>& answered) {
  for (auto& c : server.connections) {
    if (!c->server) continue;
    for (const std::string& stanza : c->server->received_stanzas()) {
      if (stanza.rfind("<iq", 0) != 0) continue;
      const std::string id = attribute_of(stanza, "id");
      if (id.rfind("t-", 0) != 0 || answered.count(id) != 0) continue;
      if (c->server->send_stanza("<iq type='result' id='" + id + "'/>")) answered.insert(id);
    }
  }
}

TEST_CASE("asio clients on a 4-thread io_context, commanded from two other threads") {
  LoopbackServer server(plain_server_config());
  ::asio::io_context io;
  auto work = ::asio::make_work_guard(io);
  Counters counters;
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < kClients; ++i) {
    SessionConfig config = config_with_resource(server.address(), "t" + std::to_string(i));
    config.iq_timeout = std::chrono::seconds(5);
    clients.push_back(
        std::make_unique<Client>(io.get_executor(), std::move(config), counting(counters)));
    std::string error;
    REQUIRE_MESSAGE(clients.back()->start(&error), error);
  }
  std::vector<std::thread> runners;
  for (int i = 0; i < 4; ++i)
    runners.emplace_back([&io] { io.run(); });

  std::set<std::string> answered;
  const auto step_until = [&](const std::function<bool()>& done, std::chrono::seconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < end) {
      server.step(1ms);
      answer_pings(server, answered);
    }
    return done();
  };
  REQUIRE(step_until([&] { return counters.online.load() == kClients; }, 10s));
  // Each client's stream-management session must be resumable before the drops.
  REQUIRE(step_until([&] { return server.store.sessions().size() >= kClients; }, 10s));

  std::atomic<bool> commanders_done{false};
  const auto commander = [&](int which) {
    for (int round = 0; round < kRounds; ++round) {
      for (int i = 0; i < kClients; ++i) {
        Client& client = *clients[static_cast<std::size_t>(i)];
        client.post([&counters](Session& session) {
          xml::Arena arena;
          if (session.send(chat_message(arena, "bob@localhost", "m", "x")) == SendStatus::ok) {
            ++counters.sent;
          }
        });
        xml::Arena arena;
        const std::string id =
            "t-" + std::to_string(which) + "-" + std::to_string(round) + "-" + std::to_string(i);
        ++counters.iq_issued;
        auto completed = std::make_shared<std::atomic<int>>(0);
        client.async_send_iq(ping(arena, id), [&counters, completed](std::error_code ec, IqReply) {
          if (++*completed > 1) ++counters.iq_twice;
          if (!ec) ++counters.iq_ok;
          ++counters.iq_done;
        });
      }
      if (round % 15 == 7) clients[static_cast<std::size_t>(which)]->drop_transport();
      // Read while the strands write it (each drop sets it).
      counters.error_bytes +=
          clients[static_cast<std::size_t>(which)]->last_transport_error().size();
      std::this_thread::sleep_for(2ms);
    }
  };
  std::thread first([&] { commander(0); });
  std::thread second([&] {
    commander(1);
    commanders_done = true;
  });
  const bool all_done = step_until(
      [&] {
        return commanders_done.load() && counters.iq_done.load() == counters.iq_issued.load();
      },
      60s);
  first.join();
  second.join();
  INFO("issued " << counters.iq_issued.load() << ", done " << counters.iq_done.load() << ", ok "
                 << counters.iq_ok.load());
  CHECK(all_done);
  CHECK(counters.iq_twice.load() == 0);
  CHECK(counters.iq_issued.load() == 2 * kRounds * kClients);
  // A request refused while a session was being resumed (not_online) or timed out on a cut
  // link still completes; most get their answer.
  CHECK(counters.iq_ok.load() > counters.iq_issued.load() / 2);
  CHECK(counters.resumed.load() >= 2);
  CHECK(counters.online.load() == kClients);  // resumed, never replaced

  // Completed on the strands, read here: atomics.
  std::atomic<int> closed{0};
  std::atomic<int> closed_by_application{0};
  for (auto& client : clients) {
    client->async_close([&](std::error_code ec, StopReason reason) {
      if (!ec && reason == StopReason::application) ++closed_by_application;
      ++closed;
    });
  }
  REQUIRE(step_until([&] { return closed.load() == kClients; }, 10s));
  CHECK(closed_by_application.load() == kClients);

  work.reset();
  io.stop();
  for (std::thread& t : runners)
    t.join();
  clients.clear();  // no thread runs the executor any more: allowed
}

}  // namespace
}  // namespace xmpp::asio_adapter::test
