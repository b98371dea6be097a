// The server name a connection checks and announces: SNI plus the certificate name check.
#pragma once

#include <openssl/ssl.h>

#include <string>
#include <string_view>

namespace xmpp::tls::detail {

/// Configures `ssl` to send `verify_name` as SNI and to check that the certificate names it
/// (RFC 6125 DNS-ID, or an iPAddress entry for an IP literal). Returns an empty string on
/// success, otherwise why the name cannot be used. An empty name configures nothing (the
/// connection then never reports the peer as verified).
std::string configure_peer_name(SSL* ssl, std::string_view verify_name);

}  // namespace xmpp::tls::detail
