// Properties of the TLS glue against the in-memory server: how the bytes are cut never changes
// what arrives, and no input makes the connection misbehave.
#include <doctest/doctest.h>
#include <openssl/err.h>
#include <rapidcheck.h>

#include <algorithm>
#include <string>
#include <vector>

#include "rc_doctest.hpp"
#include "tls_harness.hpp"

namespace xmpp::tls::test {
namespace {

using xmpp::test::check_property;

Chunking random_chunking() {
  return {*rc::gen::nonEmpty(rc::gen::container<std::vector<std::size_t>>(
      rc::gen::oneOf(rc::gen::inRange<std::size_t>(1, 8), rc::gen::inRange<std::size_t>(1, 70),
                     rc::gen::inRange<std::size_t>(1, 20000))))};
}

TEST_CASE("property: any chunking of the byte exchange delivers the same plaintext") {
  check_property("tls chunking", [] {
    PairOptions options;
    options.client.max_version = *rc::gen::element(MaxVersion::tls_1_2, MaxVersion::tls_1_3);
    if (*rc::gen::arbitrary<bool>()) options.connection.alpn = "xmpp-client";
    const auto messages_up = *rc::gen::container<std::vector<std::string>>(
        rc::gen::resize(600, rc::gen::nonEmpty(rc::gen::string<std::string>())));
    const auto messages_down = *rc::gen::container<std::vector<std::string>>(
        rc::gen::resize(600, rc::gen::nonEmpty(rc::gen::string<std::string>())));
    const Chunking chunking = random_chunking();

    Pair pair(options);
    pair.pump(chunking);
    RC_ASSERT(pair.client.state() == State::established);
    RC_ASSERT(pair.client.info().peer_verified);
    std::string up, down;
    for (const std::string& m : messages_up) {
      RC_ASSERT(pair.client.send_plaintext(m));
      up += m;
    }
    for (const std::string& m : messages_down) {
      pair.server.send(m);
      down += m;
    }
    pair.pump(chunking);
    RC_ASSERT(pair.client.state() == State::established);
    RC_ASSERT(pair.server.plaintext == up);
    RC_ASSERT(pair.client_received == down);
    RC_ASSERT(ERR_peek_error() == 0UL);
  });
}

TEST_CASE("property: a corrupted server stream fails cleanly or not at all") {
  check_property("tls corruption", [] {
    PairOptions options;
    options.client.max_version = *rc::gen::element(MaxVersion::tls_1_2, MaxVersion::tls_1_3);
    Pair pair(options);
    pair.server.receive(pair.client.ciphertext());
    pair.client.consume_ciphertext(pair.client.ciphertext().size());
    std::string flight = pair.server.take_output();
    RC_PRE(!flight.empty());
    const auto at = *rc::gen::inRange<std::size_t>(0, flight.size());
    const auto flip = *rc::gen::inRange<int>(1, 256);
    flight[at] = static_cast<char>(flight[at] ^ flip);
    const Chunking chunking = random_chunking();
    Chunking cut = chunking;
    for (std::size_t i = 0; i < flight.size();) {
      const std::size_t n = std::min(cut.next(), flight.size() - i);
      pair.client.receive_ciphertext(std::string_view(flight).substr(i, n));
      i += n;
    }
    RC_ASSERT(ERR_peek_error() == 0UL);
    RC_TAG(to_string(pair.client.state()));
    switch (pair.client.state()) {
      case State::failed:
        RC_ASSERT(!pair.client.error().empty());
        break;
      case State::handshaking:
        break;  // waiting for the bytes a corrupted length promised: the adapter's timeout
      case State::established:
      case State::closed: {
        // Only a field TLS ignores was hit (RFC 8446 §5.1: legacy_record_version); every other
        // byte is covered by the transcript hash or a record's integrity check. Then the
        // connection must work.
        pair.pump(chunking);
        RC_ASSERT(pair.client.state() == State::established);
        RC_ASSERT(pair.client.send_plaintext("ping"));
        pair.server.send("pong");
        pair.pump(chunking);
        RC_ASSERT(pair.server.plaintext == "ping");
        RC_ASSERT(pair.client_received == "pong");
        break;
      }
    }
  });
}

TEST_CASE("property: random bytes never crash a connection") {
  check_property("tls garbage", [] {
    const auto garbage = *rc::gen::container<std::string>(rc::gen::arbitrary<char>());
    const bool after_handshake = *rc::gen::arbitrary<bool>();
    Pair pair;
    if (after_handshake) {
      pair.pump();
      RC_ASSERT(pair.client.state() == State::established);
    }
    pair.client.receive_ciphertext(garbage);
    RC_ASSERT(ERR_peek_error() == 0UL);
    if (pair.client.state() == State::failed) RC_ASSERT(!pair.client.error().empty());
    // Nothing decrypts from bytes without the keys.
    RC_ASSERT(pair.client.plaintext().empty());
  });
}

}  // namespace
}  // namespace xmpp::tls::test
