// The handshake: versions, SNI, ALPN, what happens before it completes.
#include <doctest/doctest.h>
#include <openssl/ssl.h>

#include <utility>

#include "tls_harness.hpp"

namespace xmpp::tls::test {
namespace {

TEST_CASE("tls handshake: the ClientHello is ready at construction") {
  auto context = make_context(trusting_test_ca());
  Connection client(context, {"localhost", ""});
  CHECK(client.state() == State::handshaking);
  REQUIRE(client.ciphertext().size() > 5);
  CHECK(client.ciphertext()[0] == '\x16');  // a handshake record (RFC 8446 §5.1)
  CHECK(client.plaintext().empty());
  CHECK(client.error().empty());
  CHECK(client.alpn_selected().empty());
  // Nothing known yet.
  const TlsInfo info = client.info();
  CHECK_FALSE(info.peer_verified);
  CHECK(info.channel.version == sasl::TlsVersion::other);
  CHECK_FALSE(info.channel.usable(sasl::ChannelBindingType::tls_server_end_point));
}

TEST_CASE("tls handshake: TLS 1.3 by default") {
  Pair pair;
  pair.pump();
  REQUIRE(pair.client.state() == State::established);
  CHECK(pair.server.established());
  CHECK(pair.server.version() == TLS1_3_VERSION);
  CHECK(pair.client.info().channel.version == sasl::TlsVersion::tls_1_3);
  CHECK(pair.client.info().peer_verified);
  CHECK(pair.client.verify_error().empty());
  CHECK(pair.client.error().empty());
}

TEST_CASE("tls handshake: TLS 1.2 when the client caps it") {
  PairOptions options;
  options.client.max_version = MaxVersion::tls_1_2;
  Pair pair(options);
  pair.pump();
  REQUIRE(pair.client.state() == State::established);
  CHECK(pair.server.version() == TLS1_2_VERSION);
  CHECK(pair.client.info().channel.version == sasl::TlsVersion::tls_1_2);
  CHECK(pair.client.info().peer_verified);
}

TEST_CASE("tls handshake: TLS 1.2 when the server caps it") {
  PairOptions options;
  options.server.max_version = TLS1_2_VERSION;
  Pair pair(options);
  pair.pump();
  REQUIRE(pair.client.state() == State::established);
  CHECK(pair.client.info().channel.version == sasl::TlsVersion::tls_1_2);
}

TEST_CASE("tls handshake: a server stuck at TLS 1.1 fails the handshake") {
  PairOptions options;
  options.server.min_version = TLS1_VERSION;
  options.server.max_version = TLS1_1_VERSION;
  options.server.weak = true;
  Pair pair(options);
  pair.pump();
  CHECK(pair.client.state() == State::failed);
  INFO(pair.client.error());
  CHECK(pair.client.error().find("protocol version") != std::string::npos);
  CHECK_FALSE(pair.client.send_plaintext("x"));
}

TEST_CASE("tls handshake: verify_name is sent as SNI") {
  SUBCASE("a host name") {
    Pair pair;
    pair.pump();
    CHECK(pair.server.sni() == "localhost");
  }
  SUBCASE("a fully qualified name loses its trailing dot, and still verifies") {
    PairOptions options;
    options.connection.verify_name = "localhost.";
    Pair pair(options);
    pair.pump();
    CHECK(pair.server.sni() == "localhost");
    CHECK(pair.client.info().peer_verified);
  }
  SUBCASE("never an IP literal (RFC 6066 §3)") {
    for (const char* name : {"127.0.0.1", "::1", "[::1]"}) {
      CAPTURE(name);
      PairOptions options;
      options.connection.verify_name = name;
      Pair pair(options);
      pair.pump();
      REQUIRE(pair.client.state() == State::established);
      CHECK(pair.server.sni().empty());
      CHECK(pair.client.info().peer_verified);  // the certificate carries both addresses
    }
  }
  SUBCASE("no name, no SNI") {
    PairOptions options;
    options.connection.verify_name.clear();
    Pair pair(options);
    pair.pump();
    REQUIRE(pair.client.state() == State::established);
    CHECK(pair.server.sni().empty());
  }
}

TEST_CASE("tls handshake: ALPN") {
  SUBCASE("offered and selected") {
    PairOptions options;
    options.connection.alpn = "xmpp-client";
    Pair pair(options);
    pair.pump();
    REQUIRE(pair.client.state() == State::established);
    CHECK(pair.server.offered_alpn == std::string("\x0bxmpp-client"));
    CHECK(pair.client.alpn_selected() == "xmpp-client");
  }
  SUBCASE("offered, the server selects nothing it does not know") {
    PairOptions options;
    options.connection.alpn = "h2";
    Pair pair(options);
    pair.pump();
    REQUIRE(pair.client.state() == State::established);
    CHECK(pair.server.offered_alpn == std::string("\x02h2"));
    CHECK(pair.client.alpn_selected().empty());
  }
  SUBCASE("offered to a server without ALPN") {
    PairOptions options;
    options.connection.alpn = "xmpp-client";
    options.server.alpn = false;
    Pair pair(options);
    pair.pump();
    REQUIRE(pair.client.state() == State::established);
    CHECK(pair.client.alpn_selected().empty());
  }
  SUBCASE("not offered") {
    Pair pair;
    pair.pump();
    REQUIRE(pair.client.state() == State::established);
    CHECK(pair.server.offered_alpn.empty());
    CHECK(pair.client.alpn_selected().empty());
  }
  SUBCASE("a protocol name too long for ALPN fails the connection at once") {
    auto context = make_context(trusting_test_ca());
    Connection client(context, {"localhost", std::string(256, 'a')});
    CHECK(client.state() == State::failed);
    CHECK(client.error().find("ALPN") != std::string::npos);
    CHECK(client.ciphertext().empty());
  }
}

TEST_CASE("tls handshake: plaintext is refused until established") {
  auto context = make_context(trusting_test_ca());
  Connection client(context, {"localhost", ""});
  const std::size_t hello = client.ciphertext().size();
  CHECK_FALSE(client.send_plaintext("too early"));
  CHECK(client.ciphertext().size() == hello);
  CHECK(client.state() == State::handshaking);
}

TEST_CASE("tls handshake: a connection moved mid-handshake carries on") {
  auto context = make_context(trusting_test_ca());
  Connection first(context, {"localhost", ""});
  TestServer server({&pki().leaf});
  server.receive(first.ciphertext());
  first.consume_ciphertext(first.ciphertext().size());

  Connection client(std::move(first));
  client.receive_ciphertext(server.take_output());
  CHECK(client.state() == State::established);
  server.receive(client.ciphertext());
  CHECK(server.established());

  Connection assigned(context, {"localhost", ""});
  assigned = std::move(client);
  CHECK(assigned.state() == State::established);
  CHECK(assigned.send_plaintext("after the move"));
}

TEST_CASE("tls handshake: without a context the connection fails at once") {
  Connection client(nullptr, {"localhost", ""});
  CHECK(client.state() == State::failed);
  CHECK_FALSE(client.error().empty());
  client.receive_ciphertext("anything");
  CHECK(client.state() == State::failed);
  CHECK_FALSE(client.send_plaintext("x"));
  client.close();
  CHECK(client.ciphertext().empty());
}

}  // namespace
}  // namespace xmpp::tls::test
