// posix::Client with real TLS over a loopback socket: OpenSSL on both sides (the driver's glue,
// and tests/adapters/tls/test_server.cpp under the test server engine). STARTTLS and direct TLS
// (XEP-0368) up to online, with SCRAM-SHA-256-PLUS so that the channel-binding data the driver
// extracts must match the server's; and a certificate that does not name the domain.
#include <doctest/doctest.h>
#include <openssl/ssl.h>

#include <string>

#include "loopback.hpp"

namespace xmpp::posix::test {
namespace {

/// alice@localhost over TLS (`policy`), trusting the test CA.
SessionConfig tls_config(const std::string& address, TlsPolicy policy) {
  SessionConfig config = plain_config(address);
  config.client.tls = policy;
  return config;
}

Options trusting_test_ca() {
  Options options;
  options.tls.ca_file = tls::test::pki().ca_file;
  return options;
}

/// The server of plain_server_config() with TLS and SCRAM-SHA-256-PLUS (tls-exporter on TLS 1.3,
/// announced with XEP-0440).
testing::ServerConfig tls_server_config(bool direct) {
  testing::ServerConfig config = plain_server_config();
  config.starttls = direct ? testing::StartTlsOffer::none : testing::StartTlsOffer::required;
  config.direct_tls = direct;
  config.mechanisms = {sasl::Mechanism::scram_sha_256_plus, sasl::Mechanism::scram_sha_256};
  config.channel_binding_types = std::vector<sasl::ChannelBindingType>{
      sasl::ChannelBindingType::tls_exporter, sasl::ChannelBindingType::tls_server_end_point};
  return config;
}

/// A stanza both ways on an online TLS connection.
void exchange_stanzas(Client& client, LoopbackServer& server, Recorder& seen) {
  xml::Arena arena;
  REQUIRE(client.session().send(chat_message(arena, "bob@localhost", "t1", "over tls")) ==
          SendStatus::ok);
  REQUIRE(drive(client, server, [&] {
    const auto* sm = server.server().sm_session();
    return sm != nullptr && !sm->delivered.empty();
  }));
  CHECK(attribute_of(server.server().sm_session()->delivered.back(), "id") == "t1");
  REQUIRE(server.server().send_stanza(
      "<message from='bob@localhost' to='alice@localhost/posix' id='t2'><body>back</body>"
      "</message>"));
  REQUIRE(drive(client, server, [&] { return !seen.stanza_ids.empty(); }));
  CHECK(seen.stanza_ids == std::vector<std::string>{"t2"});
  // The traffic log shows plaintext, as the engine sees it: what the server's TLS layer
  // decrypted and encrypted.
  const ServerConnection& c = server.last();
  REQUIRE(drive(client, server, [&] {
    return seen.traffic_sent == c.read_log && seen.traffic_received == c.write_log;
  }));
}

TEST_CASE("posix client: STARTTLS with OpenSSL on both sides, SCRAM-PLUS, close_notify") {
  LoopbackServer server(tls_server_config(false));
  Recorder seen;
  Client client(tls_config(server.address(), TlsPolicy::required), seen.hooks(),
                trusting_test_ca());
  seen.adapter = &client;
  std::string error;
  REQUIRE_MESSAGE(client.start(&error), error);
  const bool online = drive(client, server, [&] { return seen.online(); });
  INFO("last transport error: " << client.last_transport_error());
  REQUIRE(online);

  const ServerConnection& c = server.last();
  REQUIRE(c.tls != nullptr);
  CHECK(c.tls->established());
  CHECK(c.tls->sni() == "localhost");
  CHECK(c.tls->offered_alpn.empty());  // no ALPN for STARTTLS
  CHECK(server.server().secure());
  // The channel binding of the driver's TLS layer matched the server's: -PLUS succeeded.
  CHECK(server.server().mechanism() == sasl::Mechanism::scram_sha_256_plus);
  CHECK(c.read_log.find("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>") !=
        std::string::npos);
  CHECK(client.last_transport_error().empty());

  exchange_stanzas(client, server, seen);

  // A graceful close ends TLS with close_notify before the FIN.
  REQUIRE(client.session().close(Clock::now()) == CommandStatus::ok);
  REQUIRE(drive(client, server, [&] { return seen.stopped.has_value() && c.closed; }));
  CHECK(seen.closes.back().reason == CloseReason::local_close);
  CHECK(*seen.stopped == StopReason::application);
  CHECK(c.tls->got_close_notify);
  CHECK(c.eof);
  CHECK_FALSE(c.reset);
}

TEST_CASE("posix client: direct TLS (XEP-0368) with ALPN xmpp-client") {
  LoopbackServer server(tls_server_config(true));
  Recorder seen;
  Client client(tls_config(server.address(), TlsPolicy::direct), seen.hooks(), trusting_test_ca());
  seen.adapter = &client;
  REQUIRE(client.start());
  const bool online = drive(client, server, [&] { return seen.online(); });
  INFO("last transport error: " << client.last_transport_error());
  REQUIRE(online);

  const ServerConnection& c = server.last();
  REQUIRE(c.tls != nullptr);
  CHECK(c.tls->sni() == "localhost");
  CHECK(c.tls->offered_alpn == std::string("\x0bxmpp-client"));
  CHECK(server.server().secure());
  CHECK(server.server().mechanism() == sasl::Mechanism::scram_sha_256_plus);
  // Nothing in the clear: the first plaintext byte is the client's stream header, after TLS.
  CHECK(c.read_log.starts_with("<?xml version='1.0'?><stream:stream "));

  exchange_stanzas(client, server, seen);
}

TEST_CASE("posix client: a certificate for another name is refused for good (tls_unverified)") {
  LoopbackServer::Settings settings;
  settings.credential = &tls::test::pki().wrong_name;
  LoopbackServer server(tls_server_config(true), settings);
  Recorder seen;
  Client client(tls_config(server.address(), TlsPolicy::direct), seen.hooks(), trusting_test_ca());
  seen.adapter = &client;
  REQUIRE(client.start());
  REQUIRE(drive(client, server, [&] { return seen.stopped.has_value(); }));
  REQUIRE(seen.closes.size() == 1);
  CHECK(seen.closes[0].reason == CloseReason::tls_unverified);
  CHECK(*seen.stopped == StopReason::tls_unverified);
  CHECK(seen.connects == 0);
  CHECK(seen.transport_errors[0].find("certificate not verified for localhost") !=
        std::string::npos);
  // Nothing of the account went out: the stream never started.
  CHECK(server.last().read_log.find("alice") == std::string::npos);
}

TEST_CASE("posix client: STARTTLS capped at TLS 1.2: SCRAM-PLUS with tls-unique") {
  testing::ServerConfig config = tls_server_config(false);
  config.channel_binding_types =
      std::vector<sasl::ChannelBindingType>{sasl::ChannelBindingType::tls_unique};
  LoopbackServer server(config);
  Recorder seen;
  Options options = trusting_test_ca();
  options.tls.max_version = tls::MaxVersion::tls_1_2;
  Client client(tls_config(server.address(), TlsPolicy::required), seen.hooks(), options);
  seen.adapter = &client;
  REQUIRE(client.start());
  const bool online = drive(client, server, [&] { return seen.online(); });
  INFO("last transport error: " << client.last_transport_error());
  REQUIRE(online);
  CHECK(server.last().tls->version() == TLS1_2_VERSION);
  // The client's first Finished, as the driver extracted it, matched the server's copy.
  CHECK(server.server().mechanism() == sasl::Mechanism::scram_sha_256_plus);
  exchange_stanzas(client, server, seen);
}

TEST_CASE("posix client: insecure mode accepts a certificate for another name") {
  LoopbackServer::Settings settings;
  settings.credential = &tls::test::pki().wrong_name;
  LoopbackServer server(tls_server_config(false), settings);
  Recorder seen;
  Options options;
  options.tls.insecure = true;  // the driver also turns off require_verified_certificate
  Client client(tls_config(server.address(), TlsPolicy::required), seen.hooks(), options);
  seen.adapter = &client;
  REQUIRE(client.start());
  const bool online = drive(client, server, [&] { return seen.online(); });
  INFO("last transport error: " << client.last_transport_error());
  REQUIRE(online);
  CHECK(server.server().secure());
  CHECK_FALSE(client.session().client().config().require_verified_certificate);
}

TEST_CASE("posix client: direct TLS to a server in the clear: a TLS error, then the policy") {
  LoopbackServer server(plain_server_config());  // speaks XMPP in the clear
  SessionConfig config = tls_config(server.address(), TlsPolicy::direct);
  config.reconnect.max_attempts = 1;
  Recorder seen;
  Client client(std::move(config), seen.hooks(), trusting_test_ca());
  seen.adapter = &client;
  REQUIRE(client.start());
  REQUIRE(drive(client, server, [&] { return seen.stopped.has_value(); }));
  REQUIRE(seen.closes.size() == 1);
  CHECK(seen.closes[0].reason == CloseReason::connection_lost);
  CHECK(*seen.stopped == StopReason::max_attempts);
  CHECK(seen.transport_errors[0].starts_with("TLS: "));
  CHECK(seen.connects == 0);
}

}  // namespace
}  // namespace xmpp::posix::test
