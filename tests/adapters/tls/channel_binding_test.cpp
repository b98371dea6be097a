// Channel-binding data: what the client extracts equals what the server computes.
#include <doctest/doctest.h>
#include <openssl/evp.h>

#include <memory>

#include "tls_harness.hpp"

namespace xmpp::tls::test {
namespace {

using sasl::ChannelBindingType;

std::unique_ptr<Pair> connected(const Credential& credential, MaxVersion max = MaxVersion::tls_1_3,
                                bool weak = false) {
  PairOptions options;
  options.client.max_version = max;
  options.server.credential = &credential;
  options.server.weak = weak;
  auto pair = std::make_unique<Pair>(options);
  pair->pump();
  REQUIRE(pair->client.state() == State::established);
  return pair;
}

TEST_CASE("tls channel binding: TLS 1.3 gives tls-exporter and tls-server-end-point") {
  auto pair = connected(pki().leaf);
  const sasl::TlsChannel channel = pair->client.info().channel;
  CHECK(channel.version == sasl::TlsVersion::tls_1_3);
  CHECK(channel.tls_exporter.size() == 32);
  CHECK(channel.tls_exporter == pair->server.exporter());
  CHECK(channel.tls_unique.empty());  // undefined for TLS 1.3 (RFC 9266 §1)
  CHECK(channel.tls_server_end_point == digest(EVP_sha256(), der(pki().leaf.cert.get())));
  CHECK(channel.usable(ChannelBindingType::tls_exporter));
  CHECK_FALSE(channel.usable(ChannelBindingType::tls_unique));
  CHECK(channel.usable(ChannelBindingType::tls_server_end_point));
}

TEST_CASE("tls channel binding: TLS 1.2 gives tls-unique and tls-server-end-point") {
  auto pair = connected(pki().leaf, MaxVersion::tls_1_2);
  const sasl::TlsChannel channel = pair->client.info().channel;
  CHECK(channel.version == sasl::TlsVersion::tls_1_2);
  // RFC 5929 §3.1: the first Finished of the handshake, the client's in a full handshake.
  CHECK(channel.tls_unique.size() == 12);
  CHECK(channel.tls_unique == pair->server.peer_finished());
  CHECK(channel.tls_exporter.empty());
  CHECK(channel.tls_server_end_point == digest(EVP_sha256(), der(pki().leaf.cert.get())));
  CHECK_FALSE(channel.usable(ChannelBindingType::tls_exporter));
  CHECK(channel.usable(ChannelBindingType::tls_unique));
  CHECK(channel.usable(ChannelBindingType::tls_server_end_point));
}

TEST_CASE("tls channel binding: every connection binds to its own keys") {
  auto a = connected(pki().leaf);
  auto b = connected(pki().leaf);
  CHECK(a->client.info().channel.tls_exporter != b->client.info().channel.tls_exporter);
  auto c = connected(pki().leaf, MaxVersion::tls_1_2);
  auto d = connected(pki().leaf, MaxVersion::tls_1_2);
  CHECK(c->client.info().channel.tls_unique != d->client.info().channel.tls_unique);
}

TEST_CASE("tls channel binding: tls-server-end-point hashes with the signature's hash") {
  SUBCASE("ecdsa-with-SHA384: SHA-384") {
    for (MaxVersion max : {MaxVersion::tls_1_3, MaxVersion::tls_1_2}) {
      auto pair = connected(pki().sha384, max);
      const std::string value = pair->client.info().channel.tls_server_end_point;
      CHECK(value.size() == 48);
      CHECK(value == digest(EVP_sha384(), der(pki().sha384.cert.get())));
    }
  }
  SUBCASE("RSASSA-PSS with SHA-512: the hash of the PSS parameters") {
    auto pair = connected(pki().rsa_pss);
    const std::string value = pair->client.info().channel.tls_server_end_point;
    CHECK(value.size() == 64);
    CHECK(value == digest(EVP_sha512(), der(pki().rsa_pss.cert.get())));
  }
  SUBCASE("ecdsa-with-SHA1: SHA-256 instead (RFC 5929 §4.1)") {
    auto pair = connected(pki().sha1, MaxVersion::tls_1_3, true);
    CHECK(pair->client.info().channel.tls_server_end_point ==
          digest(EVP_sha256(), der(pki().sha1.cert.get())));
    // OpenSSL 3 at its default security level rejects SHA-1 signatures in the chain.
    CHECK_FALSE(pair->client.info().peer_verified);
  }
  SUBCASE("Ed25519 uses no separate hash: undefined, so not offered (RFC 5929 §4.1)") {
    auto pair = connected(pki().ed25519);
    const sasl::TlsChannel channel = pair->client.info().channel;
    CHECK(channel.tls_server_end_point.empty());
    CHECK_FALSE(channel.usable(ChannelBindingType::tls_server_end_point));
    CHECK(channel.usable(ChannelBindingType::tls_exporter));
  }
}

TEST_CASE("tls channel binding: the data stays available after the peer closes") {
  auto pair = connected(pki().leaf);
  const std::string exporter = pair->client.info().channel.tls_exporter;
  pair->server.shutdown();
  pair->pump();
  REQUIRE(pair->client.state() == State::closed);
  CHECK(pair->client.info().channel.tls_exporter == exporter);
  CHECK(pair->client.info().peer_verified);
}

}  // namespace
}  // namespace xmpp::tls::test
