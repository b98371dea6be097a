// The SSL*-level steps of a client TLS connection, shared by tls::Connection (memory BIOs) and
// adapters that hand OpenSSL a socket of their own (the Asio adapter's asio::ssl::stream): how
// an SSL object is configured before the handshake, and what is read from it after.
#pragma once

#include <openssl/ssl.h>

#include <string>
#include <string_view>

#include "xmpp/adapters/tls.hpp"
#include "xmpp/client_config.hpp"

namespace xmpp::tls::detail {

/// Configures a client `ssl` as every adapter does: the handshake never stops on a bad
/// certificate (SSL_VERIFY_NONE; the verdict is read after it, see Context::create), SNI and the
/// certificate name check for options.verify_name, ALPN options.alpn. Returns an empty string on
/// success, otherwise why the options cannot be used (the connection must then fail).
std::string configure_client(SSL* ssl, const ConnectionOptions& options);

/// What an established connection tells the engine and the adapter.
struct EstablishedInfo {
  /// peer_verified, the version and the channel-binding data (Connection::info()).
  TlsInfo info;
  /// Why the peer is not verified (Connection::verify_error()); empty when it is.
  std::string verify_error;
  /// The ALPN protocol the server selected; empty when none.
  std::string alpn;
};

/// Reads the verdict and the channel-binding data of `ssl`, whose handshake has completed, for
/// a connection configured by configure_client() with `verify_name` under `context`'s options
/// (ClientOptions::insecure reports the peer as unverified whatever the certificate).
EstablishedInfo inspect_established(SSL* ssl, const Context& context, std::string_view verify_name);

}  // namespace xmpp::tls::detail
