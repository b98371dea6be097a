// epoll::Loop with real TLS over loopback sockets: a STARTTLS session and a direct TLS session
// (XEP-0368) in the same Loop, trusting the test CA, with SCRAM-SHA-256-PLUS so that the
// channel-binding data must match the server's.
#include <doctest/doctest.h>

#include <string>

#include "harness.hpp"

namespace xmpp::epoll::test {
namespace {

TEST_CASE("epoll loop: STARTTLS and direct TLS sessions side by side, SCRAM-PLUS, stanzas") {
  LoopbackServer starttls(plus_only_tls_server_config(false));
  LoopbackServer direct(plus_only_tls_server_config(true));
  Options options;
  options.tls.ca_file = tls::test::pki().ca_file;
  Loop loop(options);
  Member upgraded;
  Member from_first_byte;
  SessionConfig upgraded_config = config_with_resource(starttls.address(), "starttls");
  upgraded_config.client.tls = TlsPolicy::required;
  SessionConfig direct_config = config_with_resource(direct.address(), "direct");
  direct_config.client.tls = TlsPolicy::direct;
  add(loop, upgraded, std::move(upgraded_config));
  add(loop, from_first_byte, std::move(direct_config));
  const bool online = drive(loop, {&starttls, &direct}, [&] {
    return upgraded.seen.online() && from_first_byte.seen.online();
  });
  INFO("errors: " << loop.last_transport_error(upgraded.id) << " / "
                  << loop.last_transport_error(from_first_byte.id));
  REQUIRE(online);

  for (LoopbackServer* server : {&starttls, &direct}) {
    const posix::test::ServerConnection& c = server->last();
    REQUIRE(c.tls != nullptr);
    CHECK(c.tls->established());
    CHECK(c.tls->sni() == "localhost");
    CHECK(server->server().secure());
  }
  CHECK(starttls.last().tls->offered_alpn.empty());
  CHECK(direct.last().tls->offered_alpn == std::string("\x0bxmpp-client"));

  xml::Arena arena;
  for (Member* m : {&upgraded, &from_first_byte}) {
    REQUIRE(loop.session(m->id)->send(chat_message(arena, "bob@localhost", "t", "secret")) ==
            SendStatus::ok);
  }
  REQUIRE(starttls.server().send_stanza(message_to("alice@localhost/starttls", "s", "a")));
  REQUIRE(direct.server().send_stanza(message_to("alice@localhost/direct", "d", "b")));
  REQUIRE(drive(loop, {&starttls, &direct}, [&] {
    return upgraded.seen.stanza_ids.size() == 1 && from_first_byte.seen.stanza_ids.size() == 1 &&
           starttls.server().sm_session() && !starttls.server().sm_session()->delivered.empty() &&
           direct.server().sm_session() && !direct.server().sm_session()->delivered.empty();
  }));
  CHECK(attribute_of(starttls.server().sm_session()->delivered.back(), "id") == "t");
  CHECK(upgraded.seen.stanza_bodies == std::vector<std::string>{"a"});
  CHECK(from_first_byte.seen.stanza_bodies == std::vector<std::string>{"b"});
}

TEST_CASE("epoll loop: a certificate from an untrusted CA: the session stops, the reason kept") {
  LoopbackServer server(plus_only_tls_server_config(true));
  Loop loop;  // the system's trust store: the test CA is unknown
  Member m;
  SessionConfig config = config_with_resource(server.address(), "direct");
  config.client.tls = TlsPolicy::direct;
  add(loop, m, std::move(config));
  REQUIRE(drive(loop, {&server}, [&] { return m.seen.stopped.has_value(); }));
  REQUIRE_FALSE(m.seen.closes.empty());
  CHECK(m.seen.closes.back().reason == CloseReason::tls_unverified);
  CHECK(m.seen.transport_errors.back().find("certificate not verified") != std::string::npos);
}

}  // namespace
}  // namespace xmpp::epoll::test
