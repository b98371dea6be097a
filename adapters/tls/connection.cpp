// One client TLS connection over a pair of memory BIOs: the handshake, records both ways, the
// verification verdict and the channel-binding data.
#include <openssl/bio.h>
#include <openssl/ssl.h>

#include <array>
#include <utility>

#include "byte_queue.hpp"
#include "client_ssl.hpp"
#include "openssl_errors.hpp"
#include "xmpp/adapters/tls.hpp"

namespace xmpp::tls {
namespace {

// The most plaintext one TLS record carries (RFC 8446 §5.1, RFC 5246 §6.2.1): one SSL_read or
// BIO_read per record at most.
constexpr std::size_t kChunk = 16384;

}  // namespace

std::string_view to_string(State state) noexcept {
  switch (state) {
    case State::handshaking:
      return "handshaking";
    case State::established:
      return "established";
    case State::closed:
      return "closed";
    case State::failed:
      return "failed";
  }
  return "unknown TLS state";
}

struct Connection::Impl {
  std::shared_ptr<const Context> context;
  ConnectionOptions options;
  SSL* ssl = nullptr;
  BIO* network_in = nullptr;   // ciphertext from the transport; owned by ssl
  BIO* network_out = nullptr;  // ciphertext for the transport; owned by ssl
  State state = State::handshaking;
  bool shut_down = false;  // close() was called
  std::string error;
  std::string verify_error;
  std::string alpn;
  TlsInfo info;
  detail::ByteQueue plaintext;
  detail::ByteQueue ciphertext;

  Impl(std::shared_ptr<const Context> ctx, ConnectionOptions opts)
      : context(std::move(ctx)), options(std::move(opts)) {
    info.channel.version = sasl::TlsVersion::other;  // unknown until the handshake is done
  }
  ~Impl() { SSL_free(ssl); }  // frees both BIOs too
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void fail(std::string why) {
    if (state == State::failed) return;
    state = State::failed;
    error = std::move(why);
  }

  // Handles the result of an SSL_do_handshake/SSL_read/SSL_write that did not succeed: it
  // needs more ciphertext (nothing changes), or the peer closed, or the connection failed.
  // SSL_get_error must be the first OpenSSL call after the failed one (it reads the queue).
  void settle(int result, const char* operation) {
    const int code = SSL_get_error(ssl, result);
    if (code == SSL_ERROR_WANT_READ) return;
    if (code == SSL_ERROR_ZERO_RETURN && state == State::established) {
      // The peer's close_notify (RFC 8446 §6.1): an orderly end, no more plaintext.
      state = State::closed;
      return;
    }
    std::string reasons = detail::take_openssl_errors();
    std::string why = operation;
    if (!reasons.empty()) {
      why += ": " + reasons;
    } else if (code == SSL_ERROR_ZERO_RETURN) {
      why += ": the server closed the connection during the handshake";
    } else {
      // SSL_ERROR_SYSCALL with an empty queue, or a code the glue never asks for (WANT_WRITE
      // cannot happen: a memory BIO always takes the whole write).
      why += ": OpenSSL error " + std::to_string(code) + " without a reason";
    }
    fail(std::move(why));
  }

  void start() {
    if (!context) return fail("no TLS context");
    ssl = SSL_new(static_cast<SSL_CTX*>(context->native_handle()));
    if (ssl == nullptr) {
      return fail("cannot create the TLS connection: " + detail::take_openssl_errors());
    }
    BIO* in = BIO_new(BIO_s_mem());
    BIO* out = BIO_new(BIO_s_mem());
    if (in == nullptr || out == nullptr) {
      BIO_free(in);
      BIO_free(out);
      return fail("cannot create the TLS buffers: " + detail::take_openssl_errors());
    }
    // An empty input buffer means "more may come" (SSL_ERROR_WANT_READ), never end of file:
    // only the adapter knows when the transport ended.
    BIO_set_mem_eof_return(in, -1);
    SSL_set_bio(ssl, in, out);
    network_in = in;
    network_out = out;
    if (std::string why = detail::configure_client(ssl, options); !why.empty()) {
      return fail(std::move(why));
    }
    handshake();  // puts the ClientHello in the output
  }

  void handshake() {
    const int result = SSL_do_handshake(ssl);
    if (result == 1) {
      established();
      if (shut_down) SSL_shutdown(ssl);  // close() came during the handshake
      read_records();  // application data may have come with the server's last flight
    } else {
      settle(result, "TLS handshake failed");
    }
  }

  void established() {
    state = State::established;
    detail::EstablishedInfo established =
        detail::inspect_established(ssl, *context, options.verify_name);
    info = std::move(established.info);
    verify_error = std::move(established.verify_error);
    alpn = std::move(established.alpn);
  }

  void read_records() {
    std::array<char, kChunk> buffer;
    while (state == State::established) {
      std::size_t size = 0;
      const int result = SSL_read_ex(ssl, buffer.data(), buffer.size(), &size);
      if (result != 1) {
        settle(result, "TLS read failed");
        return;
      }
      plaintext.append({buffer.data(), size});
    }
  }

  // Moves what OpenSSL wrote (handshake messages, records, alerts) to `ciphertext`.
  void flush() {
    if (network_out == nullptr) return;
    std::array<char, kChunk> buffer;
    std::size_t size = 0;
    while (BIO_read_ex(network_out, buffer.data(), buffer.size(), &size) == 1 && size > 0) {
      ciphertext.append({buffer.data(), size});
    }
  }
};

Connection::Connection(std::shared_ptr<const Context> context, ConnectionOptions options)
    : impl_(std::make_unique<Impl>(std::move(context), std::move(options))) {
  detail::ErrorQueueScope errors;
  impl_->start();
  impl_->flush();
}

Connection::~Connection() = default;
Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&&) noexcept = default;

void Connection::receive_ciphertext(std::string_view bytes) {
  Impl& c = *impl_;
  if (c.state == State::failed || c.state == State::closed) return;
  detail::ErrorQueueScope errors;
  std::size_t written = 0;
  if (!bytes.empty() && (BIO_write_ex(c.network_in, bytes.data(), bytes.size(), &written) != 1 ||
                         written != bytes.size())) {
    return c.fail("cannot buffer ciphertext: " + detail::take_openssl_errors());
  }
  if (c.state == State::handshaking) {
    c.handshake();
  } else {
    c.read_records();
  }
  // Also after a failure: OpenSSL may have queued a fatal alert the peer should see.
  c.flush();
}

std::string_view Connection::plaintext() const noexcept {
  return impl_->plaintext.view();
}

void Connection::consume_plaintext(std::size_t n) noexcept {
  impl_->plaintext.consume(n);
}

bool Connection::send_plaintext(std::string_view bytes) {
  Impl& c = *impl_;
  if (c.state != State::established || c.shut_down) return false;
  if (bytes.empty()) return true;
  detail::ErrorQueueScope errors;
  std::size_t written = 0;
  // Without SSL_MODE_ENABLE_PARTIAL_WRITE, and with a memory BIO that always takes everything,
  // SSL_write_ex writes all of `bytes` or fails.
  const int result = SSL_write_ex(c.ssl, bytes.data(), bytes.size(), &written);
  if (result != 1) c.settle(result, "TLS write failed");
  c.flush();
  return result == 1;
}

void Connection::close() {
  Impl& c = *impl_;
  if (c.shut_down) return;
  c.shut_down = true;
  // Nothing to send during the handshake (OpenSSL refuses to shut down there; handshake() sends
  // it once done) or after a fatal alert (RFC 8446 §6.2: the connection is gone).
  if (c.state != State::established && c.state != State::closed) return;
  detail::ErrorQueueScope errors;
  // 0 means "sent, the peer's close_notify not yet seen"; reading on stays possible.
  SSL_shutdown(c.ssl);
  c.flush();
}

std::string_view Connection::ciphertext() const noexcept {
  return impl_->ciphertext.view();
}

void Connection::consume_ciphertext(std::size_t n) noexcept {
  impl_->ciphertext.consume(n);
}

State Connection::state() const noexcept {
  return impl_->state;
}

const std::string& Connection::error() const noexcept {
  return impl_->error;
}

TlsInfo Connection::info() const {
  return impl_->info;
}

const std::string& Connection::verify_error() const noexcept {
  return impl_->verify_error;
}

std::string_view Connection::alpn_selected() const noexcept {
  return impl_->alpn;
}

}  // namespace xmpp::tls
