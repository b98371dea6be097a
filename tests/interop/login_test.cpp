// Logging in to a real server through the POSIX adapter: STARTTLS and direct TLS, each SCRAM
// variant the server offers, channel binding, resource binding, stream management, and the
// failures that must stop at once.
#include <doctest/doctest.h>

#include "interop_account.hpp"
#include "xmpp/xml/builder.hpp"

using namespace std::chrono_literals;
using interop::Account;
using interop::AccountOptions;
using interop::server;
using xmpp::sasl::Mechanism;

namespace {

/// Logs in with `options`; returns the mechanism used.
Mechanism log_in(AccountOptions options) {
  Account account(std::move(options));
  account.start();
  const bool online = interop::run_all(
      {&account}, [&] { return account.online(); }, 10s);
  INFO("last transport error: " << account.adapter().last_transport_error());
  REQUIRE(online);
  REQUIRE(account.authenticated.size() == 1);
  CHECK(account.fresh_sessions == 1);
  CHECK(account.bound_jid == account.full_jid());
  return account.authenticated.front();
}

}  // namespace

TEST_CASE("STARTTLS, SCRAM, bind and stream management") {
  Account alice({});
  alice.start();
  REQUIRE(interop::run_all(
      {&alice}, [&] { return alice.online(); }, 10s));
  CHECK(alice.bound_jid == "alice@localhost/interop");
  // Prosody 0.12 offers SCRAM-SHA-1 (its only SCRAM); ejabberd with plain storage offers
  // SCRAM-SHA-512, and -PLUS only binds on TLS 1.2 without a XEP-0440 list.
  CHECK(alice.authenticated.front() ==
        (server().ejabberd() ? Mechanism::scram_sha_512 : Mechanism::scram_sha_1));
  // XEP-0198: <enabled resume='true'/> gave a resumable session with an id.
  REQUIRE(interop::run_all(
      {&alice}, [&] { return alice.session().client().stream_management().resumable(); }, 5s));
  CHECK_FALSE(alice.session().client().stream_management().id().empty());

  // A graceful end: our closing tag answered, the policy stops, nothing unconfirmed.
  REQUIRE(alice.session().close(xmpp::Clock::now()) == xmpp::CommandStatus::ok);
  REQUIRE(interop::run_all(
      {&alice}, [&] { return alice.stopped.has_value(); }, 5s));
  CHECK(*alice.stopped == xmpp::StopReason::application);  // Session::close()
  REQUIRE_FALSE(alice.closes.empty());
  CHECK(alice.closes.back().reason == xmpp::CloseReason::local_close);
  CHECK(alice.unconfirmed.empty());
}

TEST_CASE("direct TLS (XEP-0368)") {
  AccountOptions options;
  options.tls = xmpp::TlsPolicy::direct;
  log_in(options);
}

TEST_CASE("each SCRAM hash the server offers") {
  if (server().ejabberd()) {
    for (Mechanism mechanism :
         {Mechanism::scram_sha_1, Mechanism::scram_sha_256, Mechanism::scram_sha_512}) {
      CAPTURE(xmpp::sasl::to_string(mechanism));
      AccountOptions options;
      options.mechanisms = {mechanism};
      CHECK(log_in(options) == mechanism);
    }
  } else {
    AccountOptions options;
    options.mechanisms = {Mechanism::scram_sha_1};
    CHECK(log_in(options) == Mechanism::scram_sha_1);
  }
}

TEST_CASE("SCRAM -PLUS with tls-unique on TLS 1.2") {
  AccountOptions options;
  options.max_tls = xmpp::tls::MaxVersion::tls_1_2;
  const Mechanism expected =
      server().ejabberd() ? Mechanism::scram_sha_512_plus : Mechanism::scram_sha_1_plus;
  CHECK(log_in(options) == expected);
  if (server().ejabberd()) {
    options.mechanisms = {Mechanism::scram_sha_256_plus};
    CHECK(log_in(options) == Mechanism::scram_sha_256_plus);
  }
}

TEST_CASE("a wrong password fails once and for all") {
  AccountOptions options;
  options.password = "not-the-password";
  Account alice(options);
  alice.start();
  REQUIRE(interop::run_all(
      {&alice}, [&] { return alice.stopped.has_value(); }, 10s));
  CHECK(*alice.stopped == xmpp::StopReason::authentication_failed);
  CHECK(alice.auth_failures.size() == 1);
  // No retry storm: the policy made no second attempt, even given the time for several.
  interop::run_all(
      {&alice}, [] { return false; }, 1500ms);
  CHECK(alice.closes.size() == 1);
  CHECK(alice.auth_failures.size() == 1);
  CHECK(alice.fresh_sessions == 0);
}

TEST_CASE("a certificate the trust store does not vouch for is refused for good") {
  // The server's self-signed certificate is not in the system store (empty ca_file): the peer is
  // unverified, which the engine treats as a permanent failure, with no retry.
  xmpp::ClientConfig client(*xmpp::Jid::parse("alice@localhost"));
  client.credentials.password = "s3cret";
  xmpp::SessionConfig config(std::move(client));
  config.server = server().c2s;
  std::optional<xmpp::StopReason> stopped;
  int closes = 0;
  xmpp::SessionHooks hooks;
  hooks.on_closed = [&](xmpp::Session&, const xmpp::event::Closed& closed) {
    ++closes;
    CHECK(closed.reason == xmpp::CloseReason::tls_unverified);
  };
  hooks.on_stopped = [&](xmpp::Session&, xmpp::StopReason reason) { stopped = reason; };
  xmpp::posix::Client adapter(std::move(config), std::move(hooks));
  std::string error;
  REQUIRE_MESSAGE(adapter.start(&error), error);
  CHECK(adapter.run_until([&] { return stopped.has_value(); }, 10s));
  CHECK(stopped == xmpp::StopReason::tls_unverified);
  CHECK(closes == 1);
  CHECK(adapter.last_transport_error().find("certificate") != std::string::npos);
}

TEST_CASE("a component logs in to the component port (XEP-0114)") {
  REQUIRE_FALSE(server().component.empty());
  xmpp::ComponentConfig config(*xmpp::Jid::parse("component.localhost"));
  config.secret = "s3cret-component";
  bool online = false;
  std::optional<xmpp::CloseReason> closed;
  xmpp::posix::ComponentHooks hooks;
  hooks.on_online = [&](xmpp::Component&) { online = true; };
  hooks.on_event = [&](xmpp::Component&, const xmpp::Event& event) {
    if (const auto* end = std::get_if<xmpp::event::Closed>(&event)) closed = end->reason;
  };
  xmpp::posix::ComponentClient component(config, server().component, hooks);
  std::string error;
  REQUIRE_MESSAGE(component.start(&error), error);
  REQUIRE(component.run_until([&] { return online; }, 10s));

  // The component writes to alice, who receives it from the component's domain.
  Account alice({});
  alice.start();
  REQUIRE(interop::run_all(
      {&alice}, [&] { return alice.online(); }, 10s));
  interop::run_all(
      {&alice}, [] { return false; }, 200ms);  // presence reaches the server
  xmpp::xml::Arena arena;
  xmpp::xml::Builder message(arena, "message", "jabber:component:accept");
  message.attribute("from", "bot@component.localhost")
      .attribute("to", alice.full_jid())
      .attribute("type", "chat")
      .attribute("id", "from-component-1");
  message.start("body").text("hello from a component").end();
  REQUIRE(component.component().send(message.root()) == xmpp::SendStatus::ok);
  const bool delivered = [&] {
    const auto end = xmpp::Clock::now() + 10s;
    while (xmpp::Clock::now() < end) {
      component.run_once(2ms);
      alice.adapter().run_once(2ms);
      if (alice.received.count("from-component-1") != 0) return true;
    }
    return false;
  }();
  CHECK(delivered);

  REQUIRE(component.component().close(xmpp::Clock::now()) == xmpp::CommandStatus::ok);
  CHECK(component.run_until([&] { return closed.has_value(); }, 5s));
  CHECK(closed == xmpp::CloseReason::local_close);
}

TEST_CASE("a wrong component secret is refused") {
  xmpp::ComponentConfig config(*xmpp::Jid::parse("component.localhost"));
  config.secret = "wrong";
  std::optional<xmpp::CloseReason> closed;
  xmpp::posix::ComponentHooks hooks;
  hooks.on_event = [&](xmpp::Component&, const xmpp::Event& event) {
    if (const auto* end = std::get_if<xmpp::event::Closed>(&event)) closed = end->reason;
  };
  xmpp::posix::ComponentClient component(config, server().component, hooks);
  std::string error;
  REQUIRE_MESSAGE(component.start(&error), error);
  CHECK(component.run_until([&] { return closed.has_value(); }, 10s));
  CHECK(closed != xmpp::CloseReason::local_close);
}
