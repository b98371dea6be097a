#include "channel_binding.hpp"

#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/x509.h>

#include <array>
#include <string_view>

#include "peer_certificate.hpp"

namespace xmpp::tls::detail {
namespace {

std::string bytes(const unsigned char* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// RFC 5929 §4.1, the hash to use for a certificate signed with `signature_md` (the NID of the
// signature algorithm's hash, as X509_get_signature_info reports it; for RSASSA-PSS the hash of
// its parameters). Null where the RFC leaves the binding undefined.
const EVP_MD* end_point_hash(int signature_md) {
  switch (signature_md) {
    case NID_md5:
    case NID_sha1:
      // "if ... that hash function is either MD5 [RFC1321] or SHA-1 [RFC3174], then use
      // SHA-256 [FIPS-180-3]".
      return EVP_sha256();
    case NID_undef:
    case NID_md5_sha1:
      // "if the certificate's signatureAlgorithm uses no hash functions or uses multiple hash
      // functions, then this channel binding type's channel bindings are undefined at this
      // time". EdDSA signs the message itself (RFC 8032), so an Ed25519 or Ed448 certificate
      // lands here. Guessing SHA-256 would only make a binding the server may compute
      // differently, and a refused SCRAM -PLUS login is permanent; an empty value makes the
      // engine choose another binding or mechanism instead. PostgreSQL refuses the same way.
      return nullptr;
    default:
      // "... neither MD5 nor SHA-1, then use the hash function associated with the
      // certificate's signatureAlgorithm".
      return EVP_get_digestbynid(signature_md);
  }
}

}  // namespace

std::string tls_server_end_point(X509* certificate) {
  if (certificate == nullptr) return {};
  int signature_md = NID_undef;
  if (X509_get_signature_info(certificate, &signature_md, nullptr, nullptr, nullptr) != 1) {
    return {};
  }
  const EVP_MD* md = end_point_hash(signature_md);
  if (md == nullptr) return {};
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  // X509_digest hashes the DER encoding of the whole certificate, as §4.1 requires.
  if (X509_digest(certificate, md, digest.data(), &size) != 1) return {};
  return bytes(digest.data(), size);
}

std::string tls_unique(const SSL* ssl) {
  // RFC 5929 §3.1: "the first TLS Finished message sent (note: the Finished struct, not the
  // TLSCiphertext record ...) in the most recent TLS handshake". In a full handshake the client
  // sends its Finished first; in an abbreviated (resumed) one the server does.
  std::array<unsigned char, EVP_MAX_MD_SIZE> finished{};
  const std::size_t size = SSL_session_reused(ssl) != 0
                               ? SSL_get_peer_finished(ssl, finished.data(), finished.size())
                               : SSL_get_finished(ssl, finished.data(), finished.size());
  // The return value is the full length even when the buffer was too small: never truncate.
  if (size == 0 || size > finished.size()) return {};
  return bytes(finished.data(), size);
}

std::string tls_exporter(SSL* ssl) {
  // RFC 9266 §2: label "EXPORTER-Channel-Binding", a zero-length context (which TLS 1.3
  // exporters treat the same as no context, RFC 8446 §7.5), 32 bytes.
  static constexpr std::string_view kLabel = "EXPORTER-Channel-Binding";
  std::array<unsigned char, 32> out{};
  if (SSL_export_keying_material(ssl, out.data(), out.size(), kLabel.data(), kLabel.size(), nullptr,
                                 0, 0) != 1) {
    return {};
  }
  return bytes(out.data(), out.size());
}

sasl::TlsChannel extract_channel(SSL* ssl) {
  sasl::TlsChannel channel;
  switch (SSL_version(ssl)) {
    case TLS1_3_VERSION:
      channel.version = sasl::TlsVersion::tls_1_3;
      channel.tls_exporter = tls_exporter(ssl);
      break;
    case TLS1_2_VERSION:
      channel.version = sasl::TlsVersion::tls_1_2;
      channel.tls_unique = tls_unique(ssl);
      break;
    default:
      channel.version = sasl::TlsVersion::other;
      break;
  }
  channel.tls_server_end_point = tls_server_end_point(peer_certificate(ssl));
  return channel;
}

}  // namespace xmpp::tls::detail
