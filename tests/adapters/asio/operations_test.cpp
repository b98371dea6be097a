// The asynchronous operations with each kind of completion token: async_send_iq with a callback
// (result, error response, refusal, the Session stopping), in a C++20 coroutine with
// use_awaitable, with use_future and with deferred; and what destroying a Client does to the
// operations still pending.
#include <doctest/doctest.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/deferred.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>
#include <future>
#include <optional>
#include <string>

#include "harness.hpp"
#include "xmpp/xml/builder.hpp"

namespace xmpp::asio_adapter::test {
namespace {

void bring_online(::asio::io_context& io, Member& m, LoopbackServer& server) {
  m.start();
  REQUIRE(drive(io, {&server}, [&] { return m.seen.online(); }));
}

struct IqSeen {
  std::optional<std::error_code> ec;
  IqReply reply;
};

auto record(IqSeen& seen) {
  return [&seen](std::error_code ec, IqReply reply) {
    seen.ec = ec;
    seen.reply = std::move(reply);
  };
}

TEST_CASE("asio async_send_iq with a callback: result, error response, refusal, stopped") {
  LoopbackServer server(plain_server_config());
  ::asio::io_context io;
  Member m(io, plain_config(server.address()));

  // Before the session is online the engine refuses the request.
  m.start();
  xml::Arena arena;
  IqSeen early;
  m.client->async_send_iq(ping(arena, "early"), record(early));
  REQUIRE(drive(io, {&server}, [&] { return early.ec.has_value(); }));
  CHECK(*early.ec == error::not_online);

  REQUIRE(drive(io, {&server}, [&] { return m.seen.online(); }));
  IqSeen result;
  IqSeen failure;
  bool on_strand = false;
  m.client->async_send_iq(ping(arena, "q1"), [&](std::error_code ec, IqReply reply) {
    on_strand = m.client->get_executor().running_in_this_thread();
    record(result)(ec, std::move(reply));
  });
  m.client->async_send_iq(ping(arena, "q2"), record(failure));
  arena.reset();  // the requests were copied by the initiating calls
  REQUIRE(drive(io, {&server},
                [&] { return server_received(server, "q1") && server_received(server, "q2"); }));
  CHECK_FALSE(result.ec);
  answer(server, "q1");
  answer(server, "q2", "error");
  REQUIRE(drive(io, {&server}, [&] { return result.ec && failure.ec; }));
  CHECK_FALSE(*result.ec);
  CHECK(on_strand);  // a callback without an executor of its own runs on the Client's strand
  CHECK(result.reply.outcome == IqOutcome::result);
  CHECK(result.reply.id == "q1");
  CHECK(result.reply.stanza.attribute_or_empty("type") == "result");
  CHECK_FALSE(*failure.ec);
  CHECK(failure.reply.outcome == IqOutcome::error);
  CHECK(failure.reply.stanza.child("error"));

  // A request pending when the Session stops ends with error::stopped; so does a wait.
  IqSeen orphan;
  m.client->async_send_iq(ping(arena, "q3"), record(orphan));
  REQUIRE(drive(io, {&server}, [&] { return server_received(server, "q3"); }));
  m.client->close();
  REQUIRE(drive(io, {&server}, [&] { return orphan.ec.has_value(); }));
  CHECK(*orphan.ec == error::stopped);
  std::error_code late;
  m.client->async_wait_online([&](std::error_code ec) { late = ec; });
  REQUIRE(drive(io, {&server}, [&] { return late == error::stopped; }));
}

TEST_CASE("asio operations in a C++20 coroutine: use_awaitable, co_spawn") {
  LoopbackServer server(plain_server_config());
  ::asio::io_context io;
  Member m(io, plain_config(server.address()));
  m.start();
  std::vector<std::string> steps;
  bool done = false;
  ::asio::co_spawn(
      io,
      [&]() -> ::asio::awaitable<void> {
        co_await m.client->async_wait_online(::asio::use_awaitable);
        steps.push_back("online");
        xml::Arena arena;
        IqReply reply = co_await m.client->async_send_iq(ping(arena, "c1"), ::asio::use_awaitable);
        steps.push_back("reply:" + reply.id);
        try {
          // With use_awaitable a failing operation's error code becomes an exception: a result
          // is not a request (RFC 6120 §8.2.3).
          xml::Builder wrong(arena, "iq", "jabber:client");
          wrong.attribute("type", "result").attribute("id", "c2");
          co_await m.client->async_send_iq(wrong.root(), ::asio::use_awaitable);
          steps.push_back("no exception");
        } catch (const std::system_error& e) {
          steps.push_back(e.code() == error::invalid_request ? "invalid_request" : "other");
        }
        const StopReason reason = co_await m.client->async_close(::asio::use_awaitable);
        steps.push_back("closed:" + std::string(to_string(reason)));
        done = true;
      },
      ::asio::detached);
  REQUIRE(drive(io, {&server}, [&] { return server_received(server, "c1"); }));
  CHECK(steps == std::vector<std::string>{"online"});
  answer(server, "c1");
  REQUIRE(drive(io, {&server}, [&] { return done; }));
  CHECK(steps ==
        std::vector<std::string>{"online", "reply:c1", "invalid_request",
                                 "closed:" + std::string(to_string(StopReason::application))});
}

TEST_CASE("asio operations with use_future and deferred") {
  LoopbackServer server(plain_server_config());
  ::asio::io_context io;
  Member m(io, plain_config(server.address()));
  m.start();
  std::future<void> online = m.client->async_wait_online(::asio::use_future);
  REQUIRE(drive(io, {&server}, [&] { return online.wait_for(0s) == std::future_status::ready; }));
  online.get();

  xml::Arena arena;
  std::future<IqReply> reply = m.client->async_send_iq(ping(arena, "f1"), ::asio::use_future);
  REQUIRE(drive(io, {&server}, [&] { return server_received(server, "f1"); }));
  answer(server, "f1");
  REQUIRE(drive(io, {&server}, [&] { return reply.wait_for(0s) == std::future_status::ready; }));
  CHECK(reply.get().id == "f1");

  // deferred: nothing happens until the deferred operation is launched.
  auto op = m.client->async_send_iq(ping(arena, "d1"), ::asio::experimental::deferred);
  REQUIRE(drive(io, {&server}, [&] { return true; }));
  io.restart();
  io.run_for(20ms);
  server.step();
  CHECK_FALSE(server_received(server, "d1"));
  std::optional<std::error_code> deferred_ec;
  std::move(op)([&](std::error_code ec, IqReply) { deferred_ec = ec; });
  REQUIRE(drive(io, {&server}, [&] { return server_received(server, "d1"); }));
  answer(server, "d1");
  REQUIRE(drive(io, {&server}, [&] { return deferred_ec.has_value(); }));
  CHECK_FALSE(*deferred_ec);

  // A failing use_future operation stores the error as a std::system_error.
  std::future<StopReason> closed = m.client->async_close(::asio::use_future);
  REQUIRE(drive(io, {&server}, [&] { return closed.wait_for(0s) == std::future_status::ready; }));
  CHECK(closed.get() == StopReason::application);
  std::future<void> never = m.client->async_wait_online(::asio::use_future);
  REQUIRE(drive(io, {&server}, [&] { return never.wait_for(0s) == std::future_status::ready; }));
  CHECK_THROWS_AS(never.get(), std::system_error);
}

TEST_CASE("asio client destroyed with operations pending: operation_aborted, no hook") {
  LoopbackServer server(plain_server_config());
  ::asio::io_context io;
  auto m = std::make_unique<Member>(io, plain_config(server.address()));
  bring_online(io, *m, server);
  std::optional<std::error_code> run_ec;
  std::optional<std::error_code> iq_ec;
  m->client->async_run([&](std::error_code ec, StopReason) { run_ec = ec; });
  xml::Arena arena;
  m->client->async_send_iq(ping(arena, "x1"), [&](std::error_code ec, IqReply) { iq_ec = ec; });
  REQUIRE(drive(io, {&server}, [&] { return server_received(server, "x1"); }));
  const std::size_t closes = m->seen.closes.size();
  m->client.reset();    // no thread runs the io_context now: allowed
  CHECK_FALSE(run_ec);  // posted, not invoked inside the destructor
  REQUIRE(drive(io, {&server}, [&] { return run_ec && iq_ec && server.last().reset; }));
  CHECK(*run_ec == ::asio::error::operation_aborted);
  CHECK(*iq_ec == ::asio::error::operation_aborted);
  CHECK(m->seen.closes.size() == closes);  // no hook ran
  CHECK_FALSE(m->seen.stopped);
}

}  // namespace
}  // namespace xmpp::asio_adapter::test
