#include "crypto/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <climits>

namespace xmpp::crypto {
namespace {

const EVP_MD* md_of(Hash hash) noexcept {
  switch (hash) {
    case Hash::sha1:
      return EVP_sha1();
    case Hash::sha256:
      return EVP_sha256();
    case Hash::sha512:
      return EVP_sha512();
  }
  return nullptr;
}

}  // namespace

void cleanse(std::span<std::uint8_t> bytes) noexcept {
  if (!bytes.empty()) OPENSSL_cleanse(bytes.data(), bytes.size());
}

void cleanse(std::string& s) noexcept {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
}

Digest& Digest::operator^=(const Digest& other) noexcept {
  for (std::size_t i = 0; i < size_ && i < other.size_; ++i)
    bytes_[i] ^= other.bytes_[i];
  return *this;
}

std::optional<Digest> digest(Hash hash, Bytes data) noexcept {
  Digest out(hash);
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), out.mutable_bytes().data(), &size, md_of(hash),
                 nullptr) != 1 ||
      size != out.size()) {
    return std::nullopt;
  }
  return out;
}

std::optional<Digest> hmac(Hash hash, Bytes key, Bytes data) noexcept {
  if (key.size() > INT_MAX) return std::nullopt;
  Digest out(hash);
  unsigned int size = 0;
  // HMAC() with a null key pointer would mean "reuse the previous key"; pass a valid pointer.
  static constexpr std::uint8_t kNoKey = 0;
  const std::uint8_t* key_data = key.empty() ? &kNoKey : key.data();
  if (HMAC(md_of(hash), key_data, static_cast<int>(key.size()), data.data(), data.size(),
           out.mutable_bytes().data(), &size) == nullptr ||
      size != out.size()) {
    return std::nullopt;
  }
  return out;
}

std::optional<Digest> pbkdf2_hmac(Hash hash, Bytes password, Bytes salt,
                                  std::uint32_t iterations) noexcept {
  if (iterations == 0 || iterations > INT_MAX || password.size() > INT_MAX ||
      salt.size() > INT_MAX) {
    return std::nullopt;
  }
  Digest out(hash);
  static constexpr char kEmpty = 0;
  const char* pass = password.empty() ? &kEmpty : reinterpret_cast<const char*>(password.data());
  if (PKCS5_PBKDF2_HMAC(pass, static_cast<int>(password.size()), salt.data(),
                        static_cast<int>(salt.size()), static_cast<int>(iterations), md_of(hash),
                        static_cast<int>(out.size()), out.mutable_bytes().data()) != 1) {
    return std::nullopt;
  }
  return out;
}

bool equal_constant_time(Bytes a, Bytes b) noexcept {
  if (a.size() != b.size()) return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace xmpp::crypto
