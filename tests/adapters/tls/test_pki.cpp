#include "test_pki.hpp"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <unistd.h>
#include <array>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

namespace xmpp::tls::test {
namespace {

struct KeyCtxFree {
  void operator()(EVP_PKEY_CTX* ctx) const noexcept { EVP_PKEY_CTX_free(ctx); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};
struct ExtFree {
  void operator()(X509_EXTENSION* ext) const noexcept { X509_EXTENSION_free(ext); }
};

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test PKI: ") + what + " failed");
}

template <class Configure>
Key generate(int type, Configure configure) {
  std::unique_ptr<EVP_PKEY_CTX, KeyCtxFree> ctx(EVP_PKEY_CTX_new_id(type, nullptr));
  check(ctx != nullptr && EVP_PKEY_keygen_init(ctx.get()) == 1, "keygen init");
  check(configure(ctx.get()) > 0, "keygen parameters");
  EVP_PKEY* key = nullptr;
  check(EVP_PKEY_keygen(ctx.get(), &key) == 1, "keygen");
  return Key(key);
}

void add_extension(X509* cert, const X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, const_cast<X509*>(issuer), cert, nullptr, nullptr, 0);
  std::string text = value;  // 1.1.1 takes a non-const char*
  std::unique_ptr<X509_EXTENSION, ExtFree> ext(
      X509V3_EXT_conf_nid(nullptr, &ctx, nid, text.data()));
  check(ext != nullptr && X509_add_ext(cert, ext.get(), -1) == 1, "extension");
}

void sign(X509* cert, EVP_PKEY* key, Signing signing) {
  const EVP_MD* md = nullptr;
  switch (signing) {
    case Signing::sha256:
      md = EVP_sha256();
      break;
    case Signing::sha384:
      md = EVP_sha384();
      break;
    case Signing::sha1:
      md = EVP_sha1();
      break;
    case Signing::ed25519:
      break;  // EdDSA hashes internally: no digest
    case Signing::rsa_pss_sha512:
      md = EVP_sha512();
      break;
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  check(ctx != nullptr && EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, key) == 1, "sign init");
  if (signing == Signing::rsa_pss_sha512) {
    check(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
              EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0,
          "PSS parameters");
  }
  check(X509_sign_ctx(cert, ctx.get()) > 0, "sign");
}

std::string temp_path(const char* stem) {
  return (std::filesystem::temp_directory_path() /
          (std::string(stem) + "-" + std::to_string(getpid()) + ".pem"))
      .string();
}

Credential issue(const CertificateSpec& spec, Key key, const Credential* issuer) {
  Credential out;
  out.cert = make_certificate(spec, key.get(), issuer ? issuer->cert.get() : nullptr,
                              issuer ? issuer->key.get() : nullptr);
  out.key = std::move(key);
  return out;
}

CertificateSpec localhost(Signing signing = Signing::sha256) {
  CertificateSpec spec;
  spec.common_name = "localhost";
  spec.alt_names = {"DNS:localhost"};
  spec.signing = signing;
  return spec;
}

}  // namespace

Key make_p256_key() {
  return generate(EVP_PKEY_EC, [](EVP_PKEY_CTX* ctx) {
    return EVP_PKEY_CTX_set_ec_paramgen_curve_nid(ctx, NID_X9_62_prime256v1);
  });
}

Key make_ed25519_key() {
  return generate(EVP_PKEY_ED25519, [](EVP_PKEY_CTX*) { return 1; });
}

Key make_rsa_key(int bits) {
  return generate(EVP_PKEY_RSA, [bits](EVP_PKEY_CTX* ctx) {
    return EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, bits);
  });
}

Cert make_certificate(const CertificateSpec& spec, EVP_PKEY* subject_key, const X509* issuer,
                      EVP_PKEY* issuer_key) {
  static long serial = 1;
  Cert cert(X509_new());
  X509* x = cert.get();
  check(x != nullptr && X509_set_version(x, 2) == 1, "X509_new");
  check(ASN1_INTEGER_set(X509_get_serialNumber(x), serial++) == 1, "serial");
  check(X509_gmtime_adj(X509_getm_notBefore(x), spec.not_before) != nullptr &&
            X509_gmtime_adj(X509_getm_notAfter(x), spec.not_after) != nullptr,
        "validity");
  check(X509_set_pubkey(x, subject_key) == 1, "public key");
  X509_NAME* name = X509_get_subject_name(x);
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(spec.common_name.c_str()),
                                   -1, -1, 0) == 1,
        "subject");
  const X509* signer = issuer != nullptr ? issuer : x;
  check(X509_set_issuer_name(x, X509_get_subject_name(signer)) == 1, "issuer");

  add_extension(x, signer, NID_subject_key_identifier, "hash");
  if (spec.ca) {
    add_extension(x, signer, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(x, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_extension(x, signer, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(x, signer, NID_ext_key_usage, "serverAuth");
    if (issuer != nullptr) add_extension(x, signer, NID_authority_key_identifier, "keyid");
  }
  if (!spec.alt_names.empty()) {
    std::string list;
    for (const std::string& alt : spec.alt_names)
      list += (list.empty() ? "" : ",") + alt;
    add_extension(x, signer, NID_subject_alt_name, list);
  }
  sign(x, issuer_key != nullptr ? issuer_key : subject_key, spec.signing);
  return cert;
}

std::string der(const X509* cert) {
  const int size = i2d_X509(cert, nullptr);
  check(size > 0, "i2d_X509");
  std::string out(static_cast<std::size_t>(size), '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  check(i2d_X509(cert, &p) == size, "i2d_X509");
  return out;
}

std::string digest(const EVP_MD* md, const std::string& bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int size = 0;
  check(EVP_Digest(bytes.data(), bytes.size(), out.data(), &size, md, nullptr) == 1, "digest");
  return {reinterpret_cast<const char*>(out.data()), size};
}

Pki::Pki() {
  CertificateSpec ca_spec;
  ca_spec.common_name = "xmpp-sansio test CA";
  ca_spec.ca = true;
  ca = issue(ca_spec, make_p256_key(), nullptr);

  CertificateSpec leaf_spec = localhost();
  leaf_spec.alt_names = {"DNS:localhost", "IP:127.0.0.1", "IP:::1"};
  leaf = issue(leaf_spec, make_p256_key(), &ca);

  CertificateSpec other;
  other.common_name = "other.example";
  other.alt_names = {"DNS:other.example"};
  wrong_name = issue(other, make_p256_key(), &ca);

  CertificateSpec old = localhost();
  old.not_before = -2L * 24 * 3600;
  old.not_after = -24L * 3600;
  expired = issue(old, make_p256_key(), &ca);

  CertificateSpec star;
  star.common_name = "*.example.net";
  star.alt_names = {"DNS:*.example.net"};
  wildcard = issue(star, make_p256_key(), &ca);

  self_signed = issue(localhost(), make_p256_key(), nullptr);
  sha384 = issue(localhost(Signing::sha384), make_p256_key(), &ca);
  sha1 = issue(localhost(Signing::sha1), make_p256_key(), &ca);
  ed25519 = issue(localhost(Signing::ed25519), make_ed25519_key(), nullptr);

  CertificateSpec rsa_ca_spec;
  rsa_ca_spec.common_name = "xmpp-sansio untrusted RSA CA";
  rsa_ca_spec.ca = true;
  rsa_ca = issue(rsa_ca_spec, make_rsa_key(2048), nullptr);
  rsa_pss = issue(localhost(Signing::rsa_pss_sha512), make_p256_key(), &rsa_ca);

  ca_file = temp_path("xmpp-sansio-tls-test-ca");
  BIO* file = BIO_new_file(ca_file.c_str(), "w");
  check(file != nullptr, "CA file");
  const bool written = PEM_write_bio_X509(file, ca.cert.get()) == 1;
  BIO_free(file);
  check(written, "CA file");

  empty_file = temp_path("xmpp-sansio-tls-test-empty");
  std::FILE* empty = std::fopen(empty_file.c_str(), "w");
  check(empty != nullptr, "empty file");
  std::fclose(empty);
}

Pki::~Pki() {
  std::remove(ca_file.c_str());
  std::remove(empty_file.c_str());
}

const Pki& pki() {
  static const Pki instance;
  return instance;
}

}  // namespace xmpp::tls::test
