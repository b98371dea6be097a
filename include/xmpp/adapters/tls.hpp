// The OpenSSL TLS glue every adapter shares (POSIX, epoll, Asio): a client-side TLS connection
// over memory buffers. It never touches a socket: the adapter moves ciphertext between the
// socket and this object, and plaintext between this object and the engine.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "xmpp/client_config.hpp"

namespace xmpp::tls {

/// The highest TLS version offered. TLS 1.2 is the floor (RFC 7590 §3.1, RFC 9325).
enum class MaxVersion : unsigned char { tls_1_2, tls_1_3 };

/// How an application's TLS connections are set up; shared by all its connections.
struct ClientOptions {
  /// PEM file of the certificate authorities to trust. Empty: the system's default store
  /// (OpenSSL's default verify paths).
  std::string ca_file;
  /// Skip certificate verification: the connection reports peer_verified = false whatever the
  /// certificate. Only by explicit choice (xmpp-chat --insecure), and the engine refuses such a
  /// connection unless ClientConfig::require_verified_certificate is turned off too.
  bool insecure = false;
  /// The highest version to offer (tests force TLS 1.2 to exercise tls-unique).
  MaxVersion max_version = MaxVersion::tls_1_3;
};

/// An SSL_CTX: trust store and protocol settings. Create one per application and share it
/// between connections (and threads: it is read-only once created).
class Context {
 public:
  /// Builds the context. On failure returns null and, when `error` is given, says why (the CA
  /// file cannot be read, ...).
  static std::shared_ptr<const Context> create(const ClientOptions& options,
                                               std::string* error = nullptr);

  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  const ClientOptions& options() const noexcept;
  /// The SSL_CTX*, for adapters that need OpenSSL directly (asio::ssl). Owned by the Context.
  void* native_handle() const noexcept;

  struct Impl;

 private:
  explicit Context(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Where a connection stands.
enum class State : unsigned char {
  handshaking,  ///< the handshake is running: move ciphertext both ways
  established,  ///< info() is ready; plaintext flows both ways
  closed,       ///< the peer sent close_notify: no more plaintext will come
  failed,       ///< the handshake or a record failed (error() says why); close the transport
};

std::string_view to_string(State state) noexcept;

/// What a connection is for.
struct ConnectionOptions {
  /// The name the certificate must carry (RFC 6125): the JID's domain, also when the transport
  /// goes to a redirect or an SRV target (RFC 6120 §13.7.2.1). Also sent as SNI, without a
  /// trailing dot. An IP literal (IPv6 also in brackets, RFC 7622 §3.2) must match an iPAddress
  /// entry of the certificate and is not sent as SNI (RFC 6066 §3). Empty: no SNI, and the peer
  /// is never reported as verified.
  std::string verify_name;
  /// ALPN protocol to offer ("xmpp-client" for direct TLS, XEP-0368); empty offers none.
  std::string alpn;
};

/// One client TLS connection over memory BIOs.
///
/// The adapter's loop:
///   bytes read from the socket  → receive_ciphertext(bytes)
///   then                        → plaintext() to the engine, consume_plaintext(n)
///   engine output               → send_plaintext(bytes) (established only)
///   always after the above      → write ciphertext() to the socket, consume_ciphertext(n)
///   state() established first   → engine.tls_established(info())
///   state() failed              → error(); close the transport
/// The handshake starts at construction (the ClientHello is in ciphertext() at once); options
/// that cannot be used (an ALPN name over 255 bytes, a name with NUL, no context) fail the
/// connection at once. The handshake never stops on a bad certificate: see info().
/// Not thread-safe; movable (a moved-from Connection may only be destroyed or assigned to).
class Connection {
 public:
  Connection(std::shared_ptr<const Context> context, ConnectionOptions options);
  ~Connection();
  Connection(Connection&&) noexcept;
  Connection& operator=(Connection&&) noexcept;

  /// Ciphertext from the transport: runs the handshake, decrypts what it can into plaintext().
  /// Refused (nothing happens) when failed or closed.
  void receive_ciphertext(std::string_view bytes);
  /// Decrypted bytes not yet consumed. Valid until the next non-const call.
  std::string_view plaintext() const noexcept;
  void consume_plaintext(std::size_t n) noexcept;

  /// Encrypts `bytes` into ciphertext(). Returns false (nothing taken) unless established.
  bool send_plaintext(std::string_view bytes);
  /// Sends close_notify (into ciphertext()); further send_plaintext() calls are refused. Once
  /// only. During the handshake the close_notify waits for it to complete; after a failure
  /// nothing is sent. Plaintext from the peer is still read until its own close_notify.
  void close();

  /// Bytes to write to the transport. Valid until the next non-const call. After a failure it
  /// may hold the fatal alert OpenSSL queued for the peer; writing it is optional.
  std::string_view ciphertext() const noexcept;
  void consume_ciphertext(std::size_t n) noexcept;

  State state() const noexcept;
  /// Why the connection failed (OpenSSL's reason); empty otherwise.
  const std::string& error() const noexcept;
  /// Established (or closed after being established): whether the chain verified and names
  /// verify_name (false when ClientOptions::insecure), the TLS version and the channel-binding
  /// data (tls-exporter on TLS 1.3; tls-unique on TLS 1.2; tls-server-end-point unless the
  /// certificate's signature algorithm has no hash of its own, e.g. Ed25519, for which RFC 5929
  /// §4.1 leaves it undefined). Before that: nothing verified, channel.version `other`, no data.
  TlsInfo info() const;
  /// Why the peer is not verified once established: X509_verify_cert_error_string of OpenSSL's
  /// verdict, or that verification is disabled (insecure), or that there is no verify_name.
  /// Empty when it is verified (and before the handshake completes).
  const std::string& verify_error() const noexcept;
  /// The ALPN protocol the server selected; empty when none.
  std::string_view alpn_selected() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace xmpp::tls
