// A TLS server over memory BIOs, written directly against OpenSSL's server API: the peer of
// tls::Connection in the tests. It records what it saw (SNI, the client's ALPN list) and exposes
// its side of the channel-binding data.
#pragma once

#include <openssl/ssl.h>

#include <string>
#include <string_view>

#include "test_pki.hpp"

namespace xmpp::tls::test {

struct ServerOptions {
  /// The certificate and key presented. Must outlive the server.
  const Credential* credential = nullptr;
  int min_version = TLS1_2_VERSION;
  int max_version = TLS1_3_VERSION;
  /// Select "xmpp-client" when the client offers it (XEP-0368). Off: no ALPN callback at all.
  bool alpn = true;
  /// OpenSSL security level 0: accepts SHA-1 signed certificates and TLS 1.1.
  bool weak = false;
};

class TestServer {
 public:
  explicit TestServer(const ServerOptions& options);
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  /// Ciphertext from the client: advances the handshake and reads what it can into
  /// `plaintext`. A failure sets `failed` and `error`.
  void receive(std::string_view ciphertext);
  /// Everything written for the client since the last call.
  std::string take_output();
  /// Encrypts `bytes` for the client. Requires an established connection.
  void send(std::string_view bytes);
  /// Sends close_notify.
  void shutdown();

  bool established() const;
  /// The negotiated version (TLS1_2_VERSION, TLS1_3_VERSION).
  int version() const;
  /// The SNI host name the client sent; empty when none.
  std::string sni() const;
  /// RFC 9266: this side's 32-byte "EXPORTER-Channel-Binding" value.
  std::string exporter() const;
  /// The client's Finished message as the server received it.
  std::string peer_finished() const;
  SSL* native() const { return ssl_; }

  /// Decrypted bytes from the client.
  std::string plaintext;
  /// The ALPN list the client offered, in wire format; empty when it offered none.
  std::string offered_alpn;
  bool got_close_notify = false;
  bool failed = false;
  std::string error;

 private:
  void drive();

  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  BIO* in_ = nullptr;
  BIO* out_ = nullptr;
};

}  // namespace xmpp::tls::test
