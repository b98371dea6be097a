// The server's certificate, across OpenSSL 1.1.1 and 3.x.
#pragma once

#include <openssl/opensslv.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace xmpp::tls::detail {

/// The leaf certificate the server presented, or null. Owned by `ssl`'s session: valid while
/// `ssl` lives and no new handshake has run.
inline X509* peer_certificate(const SSL* ssl) noexcept {
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
  return SSL_get0_peer_certificate(ssl);
#else
  // 1.1.1 only has the counted getter; the session keeps its own reference, so dropping ours at
  // once leaves the pointer valid for as long as the session.
  X509* cert = SSL_get_peer_certificate(ssl);
  X509_free(cert);
  return cert;
#endif
}

}  // namespace xmpp::tls::detail
