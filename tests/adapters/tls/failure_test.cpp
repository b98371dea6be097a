// Bytes that are not TLS, tampered records, and OpenSSL's error queue.
#include <doctest/doctest.h>
#include <openssl/bio.h>
#include <openssl/err.h>

#include <string>

#include "tls_harness.hpp"

namespace xmpp::tls::test {
namespace {

TEST_CASE("tls failure: garbage instead of a ServerHello") {
  const std::string inputs[] = {
      "<?xml version='1.0'?><stream:stream>",
      std::string(64, '\0'),
      payload(10000, 7),
      std::string("\x16\x03\x03\xff\xff", 5) + std::string(70000, 'x'),  // oversized record
      std::string("\x15\x03\x03\x00\x02\x02\x28", 7),                    // a fatal alert
  };
  for (const std::string& garbage : inputs) {
    auto context = make_context(trusting_test_ca());
    Connection client(context, {"localhost", ""});
    client.consume_ciphertext(client.ciphertext().size());
    client.receive_ciphertext(garbage);
    CHECK(client.state() == State::failed);
    CHECK_FALSE(client.error().empty());
    CHECK(ERR_peek_error() == 0);
    // Dead from now on.
    const std::string error = client.error();
    client.receive_ciphertext(garbage);
    CHECK(client.error() == error);
    CHECK_FALSE(client.send_plaintext("x"));
    CHECK(client.plaintext().empty());
  }
}

TEST_CASE("tls failure: garbage after the handshake") {
  Pair pair;
  pair.pump();
  REQUIRE(pair.client.state() == State::established);
  pair.client.receive_ciphertext(std::string(100, 'A'));
  CHECK(pair.client.state() == State::failed);
  CHECK_FALSE(pair.client.error().empty());
  CHECK_FALSE(pair.client.send_plaintext("x"));
  CHECK(pair.client.info().peer_verified);  // what the handshake established stays readable
  pair.client.close();                      // no close_notify after a fatal error
  CHECK(ERR_peek_error() == 0);
}

TEST_CASE("tls failure: a tampered record fails its integrity check") {
  for (MaxVersion max : {MaxVersion::tls_1_3, MaxVersion::tls_1_2}) {
    PairOptions options;
    options.client.max_version = max;
    Pair pair(options);
    pair.pump();
    REQUIRE(pair.client.state() == State::established);
    pair.server.send("genuine");
    std::string record = pair.server.take_output();
    REQUIRE(record.size() > 10);
    record[record.size() - 3] = static_cast<char>(record[record.size() - 3] ^ 0x01);
    pair.client.receive_ciphertext(record);
    INFO(pair.client.error());
    CHECK(pair.client.state() == State::failed);
    CHECK(pair.client.error().find("bad record mac") != std::string::npos);
    CHECK(pair.client.plaintext().empty());
  }
}

TEST_CASE("tls failure: the handshake cut short by a server's close_notify") {
  Pair pair;
  pair.server.receive(pair.client.ciphertext());
  pair.client.consume_ciphertext(pair.client.ciphertext().size());
  pair.server.take_output();  // the server flight never reaches the client
  // A plaintext warning alert close_notify, as a server would send it before encryption starts.
  pair.client.receive_ciphertext(std::string("\x15\x03\x03\x00\x02\x01\x00", 7));
  CHECK(pair.client.state() == State::failed);
  CHECK_FALSE(pair.client.error().empty());
}

TEST_CASE("tls failure: errors left in OpenSSL's queue by others do not disturb a connection") {
  Pair pair;
  // Leave an error in this thread's queue, as an unrelated failing OpenSSL call would.
  CHECK(BIO_new_file("/nonexistent/xmpp-sansio", "r") == nullptr);
  REQUIRE(ERR_peek_error() != 0);
  pair.pump();
  CHECK(pair.client.state() == State::established);
  CHECK(pair.client.error().empty());
  CHECK(ERR_peek_error() == 0);
  CHECK(BIO_new_file("/nonexistent/xmpp-sansio", "r") == nullptr);
  REQUIRE(pair.client.send_plaintext("still fine"));
  pair.server.send("fine too");
  CHECK(BIO_new_file("/nonexistent/xmpp-sansio", "r") == nullptr);
  pair.pump();
  CHECK(pair.client.state() == State::established);
  CHECK(pair.client_received == "fine too");
  CHECK(pair.server.plaintext == "still fine");
}

}  // namespace
}  // namespace xmpp::tls::test
