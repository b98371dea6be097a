// Channel-binding data of an established connection (for SCRAM -PLUS).
#pragma once

#include <openssl/ssl.h>

#include <string>

#include "xmpp/sasl.hpp"

namespace xmpp::tls::detail {

/// RFC 5929 §4.1 tls-server-end-point: the hash of the DER certificate, with the hash of its
/// signature algorithm, SHA-256 in place of MD5 or SHA-1. Empty when the RFC leaves it
/// undefined: a signature algorithm with no hash of its own (Ed25519, Ed448) or with several.
std::string tls_server_end_point(X509* certificate);

/// RFC 5929 §3.1 tls-unique: the first Finished message of the handshake (TLS 1.2). Empty when
/// OpenSSL has none.
std::string tls_unique(const SSL* ssl);

/// RFC 9266 §2 tls-exporter: 32 bytes of the exporter with label "EXPORTER-Channel-Binding"
/// and no context. Empty when the export fails.
std::string tls_exporter(SSL* ssl);

/// The TLS version and whatever channel-binding data the version defines: tls-exporter on TLS
/// 1.3, tls-unique on TLS 1.2 (RFC 9266 §1: undefined for 1.3), tls-server-end-point on both.
/// `ssl` must have completed its handshake.
sasl::TlsChannel extract_channel(SSL* ssl);

}  // namespace xmpp::tls::detail
