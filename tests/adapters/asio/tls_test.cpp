// The Asio adapter with real TLS over loopback sockets (asio::ssl::stream around the shared
// SSL_CTX): STARTTLS and direct TLS (XEP-0368) side by side with SCRAM-PLUS, so that the
// channel-binding data computed by the shared glue on the stream's SSL* must match the
// server's; resumption over direct TLS; TLS 1.2 by Options; a certificate from an untrusted
// CA; insecure mode.
#include <doctest/doctest.h>

#include <string>

#include "harness.hpp"

namespace xmpp::asio_adapter::test {
namespace {

TEST_CASE("asio client: STARTTLS and direct TLS sessions side by side, SCRAM-PLUS, stanzas") {
  LoopbackServer starttls(plus_only_tls_server_config(false));
  LoopbackServer direct(plus_only_tls_server_config(true));
  ::asio::io_context io;
  SessionConfig upgraded_config = config_with_resource(starttls.address(), "starttls");
  upgraded_config.client.tls = TlsPolicy::required;
  SessionConfig direct_config = config_with_resource(direct.address(), "direct");
  direct_config.client.tls = TlsPolicy::direct;
  Member upgraded(io, std::move(upgraded_config), test_ca_options());
  Member from_first_byte(io, std::move(direct_config), test_ca_options());
  upgraded.start();
  from_first_byte.start();
  const bool online = drive(io, {&starttls, &direct}, [&] {
    return upgraded.seen.online() && from_first_byte.seen.online();
  });
  INFO("errors: " << upgraded.client->last_transport_error() << " / "
                  << from_first_byte.client->last_transport_error());
  REQUIRE(online);
  for (LoopbackServer* server : {&starttls, &direct}) {
    const ServerConnection& c = server->last();
    REQUIRE(c.tls != nullptr);
    CHECK(c.tls->established());
    CHECK(c.tls->sni() == "localhost");
    CHECK(server->server().secure());
    CHECK(server->server().mechanism() == sasl::Mechanism::scram_sha_256_plus);
  }
  CHECK(starttls.last().tls->offered_alpn.empty());
  CHECK(direct.last().tls->offered_alpn == std::string("\x0bxmpp-client"));

  for (Member* m : {&upgraded, &from_first_byte}) {
    m->client->post([](Session& session) {
      xml::Arena arena;
      REQUIRE(session.send(chat_message(arena, "bob@localhost", "t", "secret")) == SendStatus::ok);
    });
  }
  REQUIRE(
      starttls.server().send_stanza("<message from='bob@localhost' id='s'><body>a</body>"
                                    "</message>"));
  REQUIRE(
      direct.server().send_stanza("<message from='bob@localhost' id='d'><body>b</body>"
                                  "</message>"));
  REQUIRE(drive(io, {&starttls, &direct}, [&] {
    return upgraded.seen.stanza_ids.size() == 1 && from_first_byte.seen.stanza_ids.size() == 1 &&
           server_received(starttls, "t") && server_received(direct, "t");
  }));
  CHECK(upgraded.seen.stanza_bodies == std::vector<std::string>{"a"});
  CHECK(from_first_byte.seen.stanza_bodies == std::vector<std::string>{"b"});

  // A graceful close under TLS: the closing handshake, then close_notify and a FIN.
  bool closed = false;
  upgraded.client->async_close([&](std::error_code, StopReason) { closed = true; });
  REQUIRE(drive(io, {&starttls, &direct}, [&] { return closed && starttls.last().closed; }));
  CHECK(starttls.server().client_closed());
  CHECK_FALSE(starttls.last().reset);
}

TEST_CASE("asio client: resumption over direct TLS after drop_transport()") {
  LoopbackServer server(plus_only_tls_server_config(true));
  ::asio::io_context io;
  SessionConfig config = plain_config(server.address());
  config.client.tls = TlsPolicy::direct;
  Member m(io, std::move(config), test_ca_options());
  m.start();
  REQUIRE(drive(io, {&server}, [&] {
    return m.seen.online() && server.server().sm_session() != nullptr &&
           m.client->session().client().stream_management().resumable();
  }));
  m.client->drop_transport();
  REQUIRE(drive(io, {&server}, [&] { return m.seen.resumes == 1; }));
  CHECK(server.connections.size() == 2);
  CHECK(server.last().tls->established());
}

TEST_CASE("asio client: STARTTLS capped at TLS 1.2 by Options::tls.max_version") {
  LoopbackServer server(plus_only_tls_server_config(false));
  ::asio::io_context io;
  SessionConfig config = plain_config(server.address());
  config.client.tls = TlsPolicy::required;
  Options options = test_ca_options();
  options.tls.max_version = tls::MaxVersion::tls_1_2;
  Member m(io, std::move(config), options);
  m.start();
  REQUIRE(drive(io, {&server}, [&] { return m.seen.online(); }));
  CHECK(server.last().tls->version() == TLS1_2_VERSION);
}

TEST_CASE("asio client: a certificate from an untrusted CA: the session stops, reason kept") {
  LoopbackServer server(plus_only_tls_server_config(true));
  ::asio::io_context io;
  SessionConfig config = plain_config(server.address());
  config.client.tls = TlsPolicy::direct;
  Member m(io, std::move(config));  // the system's trust store: the test CA is unknown
  m.start();
  REQUIRE(drive(io, {&server}, [&] { return m.seen.stopped.has_value(); }));
  REQUIRE_FALSE(m.seen.closes.empty());
  CHECK(m.seen.closes.back().reason == CloseReason::tls_unverified);
  CHECK(m.seen.transport_errors.back().find("certificate not verified") != std::string::npos);
}

TEST_CASE("asio client: insecure mode accepts the untrusted certificate") {
  LoopbackServer server(plus_only_tls_server_config(true));
  ::asio::io_context io;
  SessionConfig config = plain_config(server.address());
  config.client.tls = TlsPolicy::direct;
  Options options;
  options.tls.insecure = true;
  Member m(io, std::move(config), options);
  m.start();
  REQUIRE(drive(io, {&server}, [&] { return m.seen.online(); }));
}

}  // namespace
}  // namespace xmpp::asio_adapter::test
