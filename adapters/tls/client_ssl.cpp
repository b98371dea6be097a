#include "client_ssl.hpp"

#include <openssl/x509.h>

#include "channel_binding.hpp"
#include "openssl_errors.hpp"
#include "peer_certificate.hpp"
#include "peer_name.hpp"

namespace xmpp::tls::detail {

std::string configure_client(SSL* ssl, const ConnectionOptions& options) {
  SSL_set_connect_state(ssl);
  // See Context::create: the verdict is read after the handshake, never enforced by OpenSSL.
  SSL_set_verify(ssl, SSL_VERIFY_NONE, nullptr);
  if (std::string why = configure_peer_name(ssl, options.verify_name); !why.empty()) return why;
  if (options.alpn.empty()) return {};
  // RFC 7301 §3.1: a ProtocolNameList of 8-bit length-prefixed, non-empty names.
  if (options.alpn.size() > 255) return "the ALPN protocol name is longer than 255";
  std::string wire(1, static_cast<char>(options.alpn.size()));
  wire += options.alpn;
  // Unlike most of OpenSSL, SSL_set_alpn_protos returns 0 on success.
  if (SSL_set_alpn_protos(ssl, reinterpret_cast<const unsigned char*>(wire.data()),
                          static_cast<unsigned int>(wire.size())) != 0) {
    return "cannot offer ALPN: " + take_openssl_errors();
  }
  return {};
}

EstablishedInfo inspect_established(SSL* ssl, const Context& context,
                                    std::string_view verify_name) {
  EstablishedInfo result;
  const X509* certificate = peer_certificate(ssl);
  const long verdict = SSL_get_verify_result(ssl);
  if (context.options().insecure) {
    result.verify_error = "certificate verification disabled (insecure)";
  } else if (verify_name.empty()) {
    result.verify_error = "no server name to check the certificate against";
  } else if (certificate == nullptr) {
    // SSL_get_verify_result is X509_V_OK when there was nothing to verify.
    result.verify_error = "the server presented no certificate";
  } else if (verdict != X509_V_OK) {
    result.verify_error = X509_verify_cert_error_string(verdict);
  }
  result.info.peer_verified = result.verify_error.empty();
  result.info.channel = extract_channel(ssl);

  const unsigned char* selected = nullptr;
  unsigned int size = 0;
  SSL_get0_alpn_selected(ssl, &selected, &size);
  if (selected != nullptr) result.alpn.assign(reinterpret_cast<const char*>(selected), size);
  return result;
}

}  // namespace xmpp::tls::detail
