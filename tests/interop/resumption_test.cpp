// The headline promise against real servers: with XEP-0198, every message is delivered exactly
// once in both directions across a cut connection, and when resumption fails (the server's
// timeout passed) the unacknowledged stanzas are handed back to the application, never lost
// silently. The cut is made by a fault-injecting proxy between alice and the server.
#include <doctest/doctest.h>

#include "fault_proxy.hpp"
#include "interop_account.hpp"

using namespace std::chrono_literals;
using interop::Account;
using interop::AccountOptions;
using interop::ids;
using interop::server;

namespace {

/// A proxy in front of the server's STARTTLS port.
std::unique_ptr<xmpp::tools::FaultProxy> proxy_to_c2s() {
  const auto upstream = xmpp::dns::parse_host_port(server().c2s, 0);
  REQUIRE(upstream);
  return std::make_unique<xmpp::tools::FaultProxy>(upstream->host, upstream->port);
}

AccountOptions through(const xmpp::tools::FaultProxy& proxy) {
  AccountOptions options;
  options.address = "127.0.0.1:" + std::to_string(proxy.port());
  return options;
}

AccountOptions bob_options() {
  AccountOptions options;
  options.user = "bob";
  return options;
}

/// alice through a FaultProxy, bob directly; both online, alice's session resumable.
struct ProxiedPair {
  std::unique_ptr<xmpp::tools::FaultProxy> proxy = proxy_to_c2s();
  Account alice{through(*proxy)};
  Account bob{bob_options()};

  ProxiedPair() {
    alice.start();
    bob.start();
    REQUIRE(interop::run_all(
        {&alice, &bob}, [&] { return alice.online() && bob.online(); }, 10s));
    REQUIRE(interop::run_all(
        {&alice}, [&] { return alice.session().client().stream_management().resumable(); }, 5s));
  }
};

}  // namespace

TEST_CASE("two accounts exchange messages, every one acknowledged") {
  Account alice({});
  AccountOptions bob_options;
  bob_options.user = "bob";
  Account bob(bob_options);
  alice.start();
  bob.start();
  REQUIRE(interop::run_all(
      {&alice, &bob}, [&] { return alice.online() && bob.online(); }, 10s));

  for (const auto& id : ids("x-a", 1, 20))
    alice.send_chat(bob.full_jid(), id, "from alice " + id);
  for (const auto& id : ids("x-b", 1, 20))
    bob.send_chat(alice.full_jid(), id, "from bob " + id);
  CHECK(interop::run_all(
      {&alice, &bob},
      [&] {
        return bob.received_all_once(ids("x-a", 1, 20)) &&
               alice.received_all_once(ids("x-b", 1, 20)) &&
               alice.acked_all_once(ids("x-a", 1, 20)) && bob.acked_all_once(ids("x-b", 1, 20));
      },
      10s));
  CHECK(alice.unconfirmed.empty());
  CHECK(bob.unconfirmed.empty());
  CHECK(bob.received.size() == 20);
  CHECK(alice.received.size() == 20);
}

TEST_CASE("a cut connection is resumed and every message arrives exactly once both ways") {
  ProxiedPair pair;
  auto& [proxy, alice, bob] = pair;

  // Mid-conversation: messages both ways, some still in flight when the link breaks.
  for (const auto& id : ids("cut-a", 1, 5))
    alice.send_chat(bob.full_jid(), id, id);
  for (const auto& id : ids("cut-b", 1, 5))
    bob.send_chat(alice.full_jid(), id, id);
  interop::run_all(
      {&alice, &bob}, [&] { return alice.received.count("cut-b3") != 0; }, 5s);
  proxy->cut_all();
  // bob keeps sending while alice is away; alice queues more of her own.
  for (const auto& id : ids("cut-b", 6, 15))
    bob.send_chat(alice.full_jid(), id, id);
  for (const auto& id : ids("cut-a", 6, 10))
    alice.send_chat(bob.full_jid(), id, id);

  const bool all_there = interop::run_all(
      {&alice, &bob},
      [&] {
        return alice.resumed_sessions >= 1 && bob.received_all_once(ids("cut-a", 1, 10)) &&
               alice.received_all_once(ids("cut-b", 1, 15)) &&
               alice.acked_all_once(ids("cut-a", 1, 10)) && bob.acked_all_once(ids("cut-b", 1, 15));
      },
      20s);
  INFO("alice closes: " << alice.closes.size() << ", resumed: " << alice.resumed_sessions
                        << ", fresh: " << alice.fresh_sessions
                        << ", last error: " << alice.adapter().last_transport_error());
  CHECK(all_there);
  CHECK(alice.resumed_sessions == 1);
  CHECK(alice.fresh_sessions == 1);  // resumed, not a new session
  CHECK(alice.unconfirmed.empty());
  CHECK(bob.unconfirmed.empty());
  // Exactly once: nothing duplicated, nothing invented.
  CHECK(bob.received.size() == 10);
  CHECK(alice.received.size() == 15);
  CHECK(proxy->accepted() == 2);
}

TEST_CASE("resumption after the server's timeout fails and the unacknowledged are handed back") {
  REQUIRE(server().sm_timeout.count() > 0);
  ProxiedPair pair;
  auto& [proxy, alice, bob] = pair;

  alice.send_chat(bob.full_jid(), "before", "acknowledged before the fault");
  REQUIRE(interop::run_all(
      {&alice, &bob}, [&] { return alice.acked.count("before") != 0; }, 5s));

  // The link goes silent (nothing reaches the server), alice sends three more, then the link
  // breaks and stays unreachable for longer than the server keeps the session.
  proxy->blackhole(true);
  for (const auto& id : ids("lost", 1, 3))
    alice.send_chat(bob.full_jid(), id, id);
  interop::run_all(
      {&alice}, [] { return false; }, 200ms);
  proxy->refuse(true);
  proxy->cut_all();
  proxy->blackhole(false);
  interop::run_all(
      {&alice, &bob}, [] { return false; },
      server().sm_timeout + 2s);  // the server drops the hibernating session
  proxy->refuse(false);

  const bool handed_back = interop::run_all(
      {&alice, &bob}, [&] { return alice.fresh_sessions == 2 && alice.unconfirmed.size() == 3; },
      15s);
  INFO("alice closes: " << alice.closes.size() << ", resumed: " << alice.resumed_sessions
                        << ", fresh: " << alice.fresh_sessions
                        << ", last error: " << alice.adapter().last_transport_error());
  CHECK(handed_back);
  CHECK(alice.resumed_sessions == 0);
  for (const auto& id : ids("lost", 1, 3)) {
    CHECK(alice.unconfirmed[id] == 1);
    CHECK(alice.acked.count(id) == 0);
    CHECK(bob.received.count(id) == 0);  // the server never saw them
  }
  CHECK(alice.acked["before"] == 1);
  CHECK(alice.unconfirmed.count("before") == 0);

  // The fresh session works.
  alice.send_chat(bob.full_jid(), "after", "after the failed resumption");
  CHECK(interop::run_all(
      {&alice, &bob}, [&] { return bob.received.count("after") != 0; }, 5s));
}
