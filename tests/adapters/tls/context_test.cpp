// Context::create: protocol floor and ceiling, the trust store, errors.
#include <doctest/doctest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tls_harness.hpp"

namespace xmpp::tls::test {
namespace {

SSL_CTX* native(const std::shared_ptr<const Context>& context) {
  return static_cast<SSL_CTX*>(context->native_handle());
}

TEST_CASE("tls context: TLS 1.2 is the floor, max_version the ceiling") {
  ClientOptions options = trusting_test_ca();
  auto context = make_context(options);
  CHECK(context->options().ca_file == options.ca_file);
  CHECK_FALSE(context->options().insecure);
  REQUIRE(native(context) != nullptr);
  CHECK(SSL_CTX_get_min_proto_version(native(context)) == TLS1_2_VERSION);
  CHECK(SSL_CTX_get_max_proto_version(native(context)) == TLS1_3_VERSION);
  CHECK((SSL_CTX_get_options(native(context)) & SSL_OP_NO_COMPRESSION) != 0);
  CHECK((SSL_CTX_get_options(native(context)) & SSL_OP_NO_RENEGOTIATION) != 0);

  options.max_version = MaxVersion::tls_1_2;
  auto tls12 = make_context(options);
  CHECK(SSL_CTX_get_max_proto_version(native(tls12)) == TLS1_2_VERSION);
  CHECK(tls12->options().max_version == MaxVersion::tls_1_2);
}

TEST_CASE("tls context: a missing CA file is an error naming the file") {
  ClientOptions options;
  options.ca_file = pki().ca_file + ".does-not-exist";
  std::string error;
  CHECK(Context::create(options, &error) == nullptr);
  INFO(error);
  CHECK(error.find(options.ca_file) != std::string::npos);
  CHECK(error.find("CA file") != std::string::npos);
  CHECK(error.find("No such file") != std::string::npos);  // OpenSSL keeps fopen's reason
  CHECK(ERR_peek_error() == 0);  // nothing left in OpenSSL's thread-local queue

  CHECK(Context::create(options) == nullptr);  // without an error string
  CHECK(ERR_peek_error() == 0);
}

TEST_CASE("tls context: a CA file without certificates is an error") {
  ClientOptions options;
  options.ca_file = pki().empty_file;
  std::string error;
  CHECK(Context::create(options, &error) == nullptr);
  CHECK(error.find(options.ca_file) != std::string::npos);
  CHECK(ERR_peek_error() == 0);
}

TEST_CASE("tls context: without a CA file the system store is used, which lacks the test CA") {
  PairOptions options;
  options.client.ca_file.clear();
  Pair pair(options);
  pair.pump();
  REQUIRE(pair.client.state() == State::established);
  CHECK_FALSE(pair.client.info().peer_verified);
  CHECK(pair.client.verify_error() ==
        X509_verify_cert_error_string(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY));
}

TEST_CASE("tls context: one context serves several connections") {
  auto context = make_context(trusting_test_ca());
  for (int i = 0; i < 3; ++i) {
    Connection client(context, {"localhost", ""});
    TestServer server({&pki().leaf});
    server.receive(client.ciphertext());
    client.consume_ciphertext(client.ciphertext().size());
    client.receive_ciphertext(server.take_output());
    server.receive(client.ciphertext());
    CHECK(client.state() == State::established);
    CHECK(client.info().peer_verified);
    CHECK(server.established());
  }
}

TEST_CASE("tls state names") {
  CHECK(to_string(State::handshaking) == "handshaking");
  CHECK(to_string(State::established) == "established");
  CHECK(to_string(State::closed) == "closed");
  CHECK(to_string(State::failed) == "failed");
}

}  // namespace
}  // namespace xmpp::tls::test
