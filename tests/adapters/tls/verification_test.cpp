// Certificate verification: the handshake always completes, and peer_verified / verify_error
// report OpenSSL's verdict on the chain and the name (RFC 6125). The engine decides what an
// unverified certificate means.
#include <doctest/doctest.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <string>

#include "tls_harness.hpp"

namespace xmpp::tls::test {
namespace {

struct Verdict {
  State state;
  bool verified;
  std::string error;
};

Verdict connect(const Credential& credential, const std::string& name, bool insecure = false) {
  PairOptions options;
  options.client.insecure = insecure;
  options.connection.verify_name = name;
  options.server.credential = &credential;
  Pair pair(options);
  pair.pump();
  return {pair.client.state(), pair.client.info().peer_verified, pair.client.verify_error()};
}

std::string reason(long code) {
  return X509_verify_cert_error_string(code);
}

TEST_CASE("tls verification: the right CA and name verify") {
  const Verdict v = connect(pki().leaf, "localhost");
  CHECK(v.state == State::established);
  CHECK(v.verified);
  CHECK(v.error.empty());
}

TEST_CASE("tls verification: a name the certificate does not carry") {
  const Verdict v = connect(pki().leaf, "example.org");
  CHECK(v.state == State::established);
  CHECK_FALSE(v.verified);
  CHECK(v.error == reason(X509_V_ERR_HOSTNAME_MISMATCH));
}

TEST_CASE("tls verification: a certificate for another name") {
  const Verdict v = connect(pki().wrong_name, "localhost");
  CHECK(v.state == State::established);
  CHECK_FALSE(v.verified);
  CHECK(v.error == reason(X509_V_ERR_HOSTNAME_MISMATCH));
}

TEST_CASE("tls verification: an IP address the certificate does not carry") {
  const Verdict v = connect(pki().leaf, "127.0.0.2");
  CHECK_FALSE(v.verified);
  CHECK(v.error == reason(X509_V_ERR_IP_ADDRESS_MISMATCH));
}

TEST_CASE("tls verification: a self-signed certificate") {
  const Verdict v = connect(pki().self_signed, "localhost");
  CHECK(v.state == State::established);
  CHECK_FALSE(v.verified);
  CHECK(v.error == reason(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT));
}

TEST_CASE("tls verification: a certificate from an unknown CA") {
  const Verdict v = connect(pki().rsa_pss, "localhost");
  CHECK(v.state == State::established);
  CHECK_FALSE(v.verified);
  CHECK(v.error == reason(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY));
}

TEST_CASE("tls verification: an expired certificate") {
  const Verdict v = connect(pki().expired, "localhost");
  CHECK(v.state == State::established);
  CHECK_FALSE(v.verified);
  CHECK(v.error == reason(X509_V_ERR_CERT_HAS_EXPIRED));
}

TEST_CASE("tls verification: wildcards match one whole left-most label (RFC 6125 §6.4.3)") {
  CHECK(connect(pki().wildcard, "chat.example.net").verified);
  CHECK_FALSE(connect(pki().wildcard, "a.chat.example.net").verified);
  CHECK_FALSE(connect(pki().wildcard, "example.net").verified);
}

TEST_CASE("tls verification: insecure never reports a verified peer") {
  for (const Credential* credential : {&pki().leaf, &pki().self_signed}) {
    const Verdict v = connect(*credential, "localhost", true);
    CHECK(v.state == State::established);
    CHECK_FALSE(v.verified);
    CHECK(v.error.find("insecure") != std::string::npos);
  }
}

TEST_CASE("tls verification: without a name there is nothing to verify against") {
  const Verdict v = connect(pki().leaf, "");
  CHECK(v.state == State::established);
  CHECK_FALSE(v.verified);
  CHECK_FALSE(v.error.empty());
}

TEST_CASE("tls verification: a name with NUL is refused") {
  auto context = make_context(trusting_test_ca());
  Connection client(context, {std::string("localhost\0.evil.example", 23), ""});
  CHECK(client.state() == State::failed);
  CHECK_FALSE(client.error().empty());
}

}  // namespace
}  // namespace xmpp::tls::test
