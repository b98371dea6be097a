#include "test_server.hpp"

#include <openssl/err.h>

#include <array>
#include <stdexcept>

namespace xmpp::tls::test {
namespace {

std::string drain_errors() {
  std::string out;
  while (const unsigned long code = ERR_get_error()) {
    std::array<char, 256> text{};
    ERR_error_string_n(code, text.data(), text.size());
    out += out.empty() ? "" : "; ";
    out += text.data();
  }
  return out;
}

int select_alpn(SSL* /*ssl*/, const unsigned char** out, unsigned char* out_size,
                const unsigned char* in, unsigned int in_size, void* arg) {
  auto* server = static_cast<TestServer*>(arg);
  server->offered_alpn.assign(reinterpret_cast<const char*>(in), in_size);
  static constexpr unsigned char kXmppClient[] = "\x0bxmpp-client";
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_size, kXmppClient, sizeof kXmppClient - 1, in,
                            in_size) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

TestServer::TestServer(const ServerOptions& options) {
  ctx_ = SSL_CTX_new(TLS_server_method());
  if (ctx_ == nullptr) throw std::runtime_error("test server: SSL_CTX_new failed");
  if (options.weak) SSL_CTX_set_security_level(ctx_, 0);
  if (SSL_CTX_set_min_proto_version(ctx_, options.min_version) != 1 ||
      SSL_CTX_set_max_proto_version(ctx_, options.max_version) != 1 ||
      options.credential == nullptr ||
      SSL_CTX_use_certificate(ctx_, options.credential->cert.get()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx_, options.credential->key.get()) != 1) {
    const std::string why = drain_errors();
    SSL_CTX_free(ctx_);
    throw std::runtime_error("test server: cannot set up the context: " + why);
  }
  if (options.alpn) SSL_CTX_set_alpn_select_cb(ctx_, select_alpn, this);
  ssl_ = SSL_new(ctx_);
  in_ = BIO_new(BIO_s_mem());
  out_ = BIO_new(BIO_s_mem());
  if (ssl_ == nullptr || in_ == nullptr || out_ == nullptr) {
    BIO_free(in_);
    BIO_free(out_);
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
    throw std::runtime_error("test server: SSL_new failed");
  }
  BIO_set_mem_eof_return(in_, -1);
  SSL_set_bio(ssl_, in_, out_);
  SSL_set_accept_state(ssl_);
}

TestServer::~TestServer() {
  SSL_free(ssl_);
  SSL_CTX_free(ctx_);
}

void TestServer::receive(std::string_view ciphertext) {
  if (!ciphertext.empty()) {
    std::size_t written = 0;
    BIO_write_ex(in_, ciphertext.data(), ciphertext.size(), &written);
  }
  drive();
}

void TestServer::drive() {
  if (failed || got_close_notify) return;
  ERR_clear_error();
  if (!SSL_is_init_finished(ssl_)) {
    const int result = SSL_do_handshake(ssl_);
    if (result != 1) {
      if (SSL_get_error(ssl_, result) != SSL_ERROR_WANT_READ) {
        failed = true;
        error = drain_errors();
      }
      return;
    }
  }
  std::array<char, 16384> buffer;
  for (;;) {
    std::size_t size = 0;
    const int result = SSL_read_ex(ssl_, buffer.data(), buffer.size(), &size);
    if (result == 1) {
      plaintext.append(buffer.data(), size);
      continue;
    }
    const int code = SSL_get_error(ssl_, result);
    if (code == SSL_ERROR_ZERO_RETURN) {
      got_close_notify = true;
    } else if (code != SSL_ERROR_WANT_READ) {
      failed = true;
      error = drain_errors();
    }
    return;
  }
}

std::string TestServer::take_output() {
  std::string out;
  std::array<char, 16384> buffer;
  std::size_t size = 0;
  while (BIO_read_ex(out_, buffer.data(), buffer.size(), &size) == 1 && size > 0) {
    out.append(buffer.data(), size);
  }
  return out;
}

void TestServer::send(std::string_view bytes) {
  std::size_t written = 0;
  if (SSL_write_ex(ssl_, bytes.data(), bytes.size(), &written) != 1 || written != bytes.size()) {
    throw std::runtime_error("test server: SSL_write failed: " + drain_errors());
  }
}

void TestServer::shutdown() {
  SSL_shutdown(ssl_);
}

bool TestServer::established() const {
  return SSL_is_init_finished(ssl_) == 1;
}

int TestServer::version() const {
  return SSL_version(ssl_);
}

std::string TestServer::sni() const {
  const char* name = SSL_get_servername(ssl_, TLSEXT_NAMETYPE_host_name);
  return name != nullptr ? name : "";
}

std::string TestServer::exporter() const {
  static constexpr std::string_view kLabel = "EXPORTER-Channel-Binding";
  std::array<unsigned char, 32> out{};
  if (SSL_export_keying_material(ssl_, out.data(), out.size(), kLabel.data(), kLabel.size(),
                                 nullptr, 0, 0) != 1) {
    return {};
  }
  return {reinterpret_cast<const char*>(out.data()), out.size()};
}

std::string TestServer::peer_finished() const {
  std::array<unsigned char, 64> out{};
  const std::size_t size = SSL_get_peer_finished(ssl_, out.data(), out.size());
  return {reinterpret_cast<const char*>(out.data()), size};
}

}  // namespace xmpp::tls::test
