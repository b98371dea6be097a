// Plaintext both ways under any delivery pattern, and the ends of a connection.
#include <doctest/doctest.h>
#include <openssl/ssl.h>

#include <string>

#include "tls_harness.hpp"

namespace xmpp::tls::test {
namespace {

std::unique_ptr<Pair> established(MaxVersion max = MaxVersion::tls_1_3) {
  PairOptions options;
  options.client.max_version = max;
  auto pair = std::make_unique<Pair>(options);
  pair->pump();
  REQUIRE(pair->client.state() == State::established);
  REQUIRE(pair->server.established());
  return pair;
}

// Sends `up` and `down` (client first) and pumps with `chunking`; checks both arrived whole.
void exchange(Pair& pair, const std::string& up, const std::string& down, Chunking chunking) {
  pair.server.plaintext.clear();
  pair.client_received.clear();
  REQUIRE(pair.client.send_plaintext(up));
  pair.server.send(down);
  pair.pump(chunking);
  CHECK(pair.client.state() == State::established);
  CHECK_FALSE(pair.server.failed);
  CHECK(pair.server.plaintext.size() == up.size());
  CHECK(pair.server.plaintext == up);
  CHECK(pair.client_received.size() == down.size());
  CHECK(pair.client_received == down);
}

TEST_CASE("tls data: a short message each way") {
  for (MaxVersion max : {MaxVersion::tls_1_3, MaxVersion::tls_1_2}) {
    auto pair = established(max);
    exchange(*pair, "<presence/>", "<message><body>hi</body></message>", {});
  }
}

TEST_CASE("tls data: more than 64 KiB each way, in odd chunks") {
  const std::string up = payload(200 * 1024 + 13, 1);
  const std::string down = payload(150 * 1024 + 7, 2);
  // Everything at once, odd sizes (across record boundaries), one byte at a time.
  const Chunking chunkings[] = {{}, {{7, 1000, 4099, 3, 16389}}, {{1}}};
  for (MaxVersion max : {MaxVersion::tls_1_3, MaxVersion::tls_1_2}) {
    for (const Chunking& chunking : chunkings) {
      CAPTURE(static_cast<int>(max));
      CAPTURE(chunking.sizes.size());
      exchange(*established(max), up, down, chunking);
    }
  }
}

TEST_CASE("tls data: the handshake itself one byte at a time") {
  PairOptions options;
  options.connection.alpn = "xmpp-client";
  Pair pair(options);
  pair.pump({{1}});
  REQUIRE(pair.client.state() == State::established);
  CHECK(pair.client.info().peer_verified);
  CHECK(pair.client.alpn_selected() == "xmpp-client");
  exchange(pair, "ping", "pong", {{1}});
}

TEST_CASE("tls data: many small records, plaintext consumed in part") {
  auto pair = established();
  std::string up, down;
  for (int i = 0; i < 500; ++i) {
    const std::string a = "<iq id='" + std::to_string(i) + "'/>";
    const std::string b = payload(static_cast<std::size_t>(i % 97) + 1, static_cast<unsigned>(i));
    REQUIRE(pair->client.send_plaintext(a));
    pair->server.send(b);
    up += a;
    down += b;
  }
  pair->pump({{5, 1, 333}});
  CHECK(pair->server.plaintext == up);
  CHECK(pair->client_received == down);
}

TEST_CASE("tls data: application data in the server's last handshake flight (TLS 1.2)") {
  PairOptions options;
  options.client.max_version = MaxVersion::tls_1_2;
  Pair pair(options);
  // ClientHello → ServerHello…ServerHelloDone → ClientKeyExchange, Finished.
  pair.server.receive(pair.client.ciphertext());
  pair.client.consume_ciphertext(pair.client.ciphertext().size());
  pair.client.receive_ciphertext(pair.server.take_output());
  pair.server.receive(pair.client.ciphertext());
  pair.client.consume_ciphertext(pair.client.ciphertext().size());
  REQUIRE(pair.server.established());
  // The server's Finished and its first record arrive in one read.
  pair.server.send("<stream:stream>");
  CHECK(pair.client.state() == State::handshaking);
  pair.client.receive_ciphertext(pair.server.take_output());
  CHECK(pair.client.state() == State::established);
  CHECK(pair.client.plaintext() == "<stream:stream>");
}

TEST_CASE("tls data: TLS 1.3 key updates are answered transparently") {
  auto pair = established();
  REQUIRE(SSL_key_update(pair->server.native(), SSL_KEY_UPDATE_REQUESTED) == 1);
  exchange(*pair, "after the update", "updated", {});
  exchange(*pair, "and again", "still fine", {{3}});
}

TEST_CASE("tls data: the peer's close_notify closes the connection") {
  auto pair = established();
  pair->server.send("last words");
  pair->server.shutdown();
  pair->pump();
  CHECK(pair->client.state() == State::closed);
  CHECK(pair->client_received == "last words");  // what came before it is delivered
  CHECK(pair->client.error().empty());
  CHECK_FALSE(pair->client.send_plaintext("too late"));
  pair->client.receive_ciphertext("ignored");
  CHECK(pair->client.state() == State::closed);
  // Answering with our own close_notify is still possible.
  pair->client.close();
  CHECK_FALSE(pair->client.ciphertext().empty());
}

TEST_CASE("tls data: close() sends close_notify once and refuses further plaintext") {
  auto pair = established();
  REQUIRE(pair->client.send_plaintext("bye"));
  pair->client.close();
  const std::size_t queued = pair->client.ciphertext().size();
  pair->client.close();  // once only
  CHECK(pair->client.ciphertext().size() == queued);
  CHECK_FALSE(pair->client.send_plaintext("after close"));
  pair->pump();
  CHECK(pair->server.plaintext == "bye");
  CHECK(pair->server.got_close_notify);
  // The server's answer is still read, up to its own close_notify.
  pair->server.send("ack");
  pair->server.shutdown();
  pair->pump();
  CHECK(pair->client_received == "ack");
  CHECK(pair->client.state() == State::closed);
}

TEST_CASE("tls data: close() during the handshake sends close_notify once it completes") {
  Pair pair;
  pair.server.receive(pair.client.ciphertext());
  pair.client.consume_ciphertext(pair.client.ciphertext().size());
  pair.client.close();
  CHECK(pair.client.ciphertext().empty());  // nothing to send yet
  CHECK(pair.client.state() == State::handshaking);
  pair.pump();
  CHECK(pair.client.state() == State::established);
  CHECK_FALSE(pair.client.send_plaintext("x"));
  CHECK(pair.server.established());
  CHECK(pair.server.got_close_notify);
}

TEST_CASE("tls data: a TLS 1.2 renegotiation request is refused (RFC 9325 §3.5)") {
  auto pair = established(MaxVersion::tls_1_2);
  const std::string unique = pair->client.info().channel.tls_unique;
  REQUIRE(SSL_renegotiate(pair->server.native()) == 1);
  SSL_do_handshake(pair->server.native());  // sends HelloRequest
  pair->pump();
  // The client answers with a no_renegotiation alert, which OpenSSL's server reports before it
  // gives up on the connection. Either way no second handshake ran and the binding data stays the
  // first one.
  CHECK(pair->client.state() != State::handshaking);
  CHECK(pair->client.info().channel.tls_unique == unique);
  INFO("client: " << to_string(pair->client.state()) << " " << pair->client.error());
  CHECK(pair->server.error.find("no renegotiation") != std::string::npos);
}

TEST_CASE("tls data: an empty send is accepted and sends nothing") {
  auto pair = established();
  CHECK(pair->client.send_plaintext(""));
  CHECK(pair->client.ciphertext().empty());
}

}  // namespace
}  // namespace xmpp::tls::test
