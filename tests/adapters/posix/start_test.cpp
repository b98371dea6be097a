// start() refusals of the POSIX drivers: a CA file that cannot be loaded, an invalid
// configuration, a second start(); each returns false with a reason and starts nothing (no
// connection reaches the listener, run_once() says there is nothing to run).
#include <doctest/doctest.h>

#include <string>

#include "loopback.hpp"

namespace xmpp::posix::test {
namespace {

/// No connection reached `listener` (the kernel would have queued one even without accept()).
void check_nothing_connected(const Listener& listener) {
  CHECK_FALSE(listener.accept());
}

TEST_CASE("posix client start(): a CA file that cannot be loaded: false, a clear error") {
  Listener listener = Listener::open();
  for (const std::string& ca_file :
       {std::string("/nonexistent/xmpp-sansio-test-ca.pem"), tls::test::pki().empty_file}) {
    CAPTURE(ca_file);
    Recorder seen;
    Options options;
    options.tls.ca_file = ca_file;
    Client client(plain_config(listener.address()), seen.hooks(), options);
    std::string error;
    CHECK_FALSE(client.start(&error));
    CHECK(error.starts_with("TLS: cannot load the CA file '" + ca_file + "'"));
    CHECK(client.session().state() == SessionState::idle);
    CHECK_FALSE(client.run_once(0ms));
    CHECK_FALSE(client.start());  // no error pointer: still refused, still nothing started
    CHECK(client.session().state() == SessionState::idle);
    CHECK(seen.log.empty());
    check_nothing_connected(listener);
  }
}

TEST_CASE("posix client start(): an invalid configuration: false, nothing started") {
  Listener listener = Listener::open();
  SUBCASE("the engine's configuration (no SASL mechanism)") {
    SessionConfig config = plain_config(listener.address());
    config.client.mechanisms.clear();
    Client client(std::move(config), {});
    std::string error;
    CHECK_FALSE(client.start(&error));
    // The reason names the part of SessionConfig that is wrong ("client"), not which field of
    // it (validate(config.client) would say no_mechanisms).
    CHECK(error.starts_with("invalid configuration: "));
    CHECK(client.session().state() == SessionState::idle);
    CHECK_FALSE(client.run_once(0ms));
  }
  SUBCASE("the Session's own (iq_timeout zero)") {
    SessionConfig config = plain_config(listener.address());
    config.iq_timeout = Duration::zero();
    Client client(std::move(config), {});
    std::string error;
    CHECK_FALSE(client.start(&error));
    CHECK(error.starts_with("invalid configuration: "));
    CHECK(error.find("iq_timeout") != std::string::npos);
    CHECK_FALSE(client.run_once(0ms));
  }
  SUBCASE("the reconnect policy's (base zero)") {
    SessionConfig config = plain_config(listener.address());
    config.reconnect.base = Duration::zero();
    Client client(std::move(config), {});
    std::string error;
    CHECK_FALSE(client.start(&error));
    CHECK(error.starts_with("invalid configuration: "));
    CHECK_FALSE(client.run_once(0ms));
  }
  check_nothing_connected(listener);
}

TEST_CASE("posix client start(): a second start() while running is refused") {
  Listener listener = Listener::open();
  Client client(plain_config(listener.address()), {});
  REQUIRE(client.start());
  // Before the first run_once() the Session only waits for its first attempt: start() again
  // merely moves it to now (Session::start()). Once the attempt runs, start() is refused.
  CHECK(client.start());
  REQUIRE(client.run_once(0ms));
  REQUIRE(client.session().state() != SessionState::waiting);
  std::string error;
  CHECK_FALSE(client.start(&error));
  CHECK(error == "cannot start in state " + std::string(to_string(client.session().state())));
  CHECK(client.run_once(0ms));  // the first start() still runs
}

TEST_CASE("posix component start(): invalid configuration or address: false, nothing started") {
  Listener listener = Listener::open();
  SUBCASE("no secret") {
    ComponentConfig config(*Jid::parse("component.localhost"));
    ComponentClient component(config, listener.address(), {});
    std::string error;
    CHECK_FALSE(component.start(&error));
    CHECK(error.starts_with("invalid configuration: "));
    CHECK(error.find("secret") != std::string::npos);
    CHECK_FALSE(component.run_once(0ms));
  }
  SUBCASE("not a host:port") {
    ComponentConfig config(*Jid::parse("component.localhost"));
    config.secret = "secret";
    ComponentClient component(config, "[::1", {});
    std::string error;
    CHECK_FALSE(component.start(&error));
    CHECK(error.find("not a host:port") != std::string::npos);
    CHECK_FALSE(component.run_once(0ms));
  }
  check_nothing_connected(listener);
}

TEST_CASE("posix component start(): a second start() is refused") {
  Listener listener = Listener::open();
  ComponentConfig config(*Jid::parse("component.localhost"));
  config.secret = "secret";
  ComponentClient component(config, listener.address(), {});
  REQUIRE(component.start());
  std::string error;
  CHECK_FALSE(component.start(&error));
  CHECK(error == "already started");
}

}  // namespace
}  // namespace xmpp::posix::test
