// Certificates made at test time with OpenSSL's API: a CA, leaves it signed (right name, wrong
// name, expired, wildcard, IP addresses, other signature hashes), a self-signed leaf, an Ed25519
// leaf and an RSA-PSS-signed leaf under a second CA that is not trusted.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

namespace xmpp::tls::test {

struct KeyFree {
  void operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }
};
struct CertFree {
  void operator()(X509* cert) const noexcept { X509_free(cert); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;

/// A certificate and its private key: what a test server presents.
struct Credential {
  Key key;
  Cert cert;
};

/// How make_certificate signs.
enum class Signing { sha256, sha384, sha1, ed25519, rsa_pss_sha512 };

struct CertificateSpec {
  std::string common_name;
  /// subjectAltName entries in OpenSSL's config syntax: "DNS:localhost", "IP:127.0.0.1".
  std::vector<std::string> alt_names;
  bool ca = false;
  /// Validity, in seconds from now.
  long not_before = -3600;
  long not_after = 30L * 24 * 3600;
  Signing signing = Signing::sha256;
};

Key make_p256_key();
Key make_ed25519_key();
Key make_rsa_key(int bits);

/// A certificate for `subject_key`, signed by `issuer_key` and named after `issuer` (null:
/// self-signed, signed by `subject_key`).
Cert make_certificate(const CertificateSpec& spec, EVP_PKEY* subject_key, const X509* issuer,
                      EVP_PKEY* issuer_key);

/// The DER encoding of `cert`.
std::string der(const X509* cert);
/// The digest of `bytes` with `md`.
std::string digest(const EVP_MD* md, const std::string& bytes);

/// Every certificate the tests use, made once per process. The CA is also written to a PEM file
/// (removed at exit) for ClientOptions::ca_file.
struct Pki {
  Credential ca;           // EC P-256, self-signed, the trusted root
  Credential leaf;         // "localhost", 127.0.0.1 and ::1, signed by `ca` with SHA-256
  Credential wrong_name;   // "other.example", signed by `ca`
  Credential expired;      // "localhost", expired yesterday, signed by `ca`
  Credential wildcard;     // "*.example.net", signed by `ca`
  Credential self_signed;  // "localhost", self-signed
  Credential sha384;       // "localhost", ecdsa-with-SHA384 by `ca`
  Credential sha1;         // "localhost", ecdsa-with-SHA1 by `ca`
  Credential ed25519;      // "localhost", Ed25519 key, self-signed (signature algorithm Ed25519)
  Credential rsa_ca;       // RSA 2048, self-signed, NOT in the CA file
  Credential rsa_pss;      // "localhost", EC key, signed by `rsa_ca` with RSASSA-PSS SHA-512
  std::string ca_file;     // PEM of `ca`
  std::string empty_file;  // an empty file: no certificates in it

  Pki();
  ~Pki();
  Pki(const Pki&) = delete;
  Pki& operator=(const Pki&) = delete;
};

const Pki& pki();

}  // namespace xmpp::tls::test
