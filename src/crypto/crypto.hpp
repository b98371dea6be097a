// Hashes, HMAC and PBKDF2 from OpenSSL's libcrypto (EVP), behind a small interface. This header
// and crypto.cpp are the only places of the engine that see OpenSSL: nothing here allocates on
// the heap on our side, and every result is held inline in a Digest.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace xmpp::crypto {

/// The hash functions the engine uses (SCRAM-SHA-1/256/512, the XEP-0114 handshake).
enum class Hash : std::uint8_t { sha1, sha256, sha512 };

/// The largest output of any Hash (SHA-512).
inline constexpr std::size_t kMaxDigestSize = 64;

/// Output size in bytes: 20, 32 or 64 (FIPS 180-4).
constexpr std::size_t digest_size(Hash hash) noexcept {
  switch (hash) {
    case Hash::sha1:
      return 20;
    case Hash::sha256:
      return 32;
    case Hash::sha512:
      return 64;
  }
  return 0;
}

/// Read-only bytes, as the functions below take them.
using Bytes = std::span<const std::uint8_t>;

/// The bytes of a string (which may hold any octets, NUL included).
inline Bytes bytes_of(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

/// Overwrites memory in a way the compiler may not optimise away (OPENSSL_cleanse).
void cleanse(std::span<std::uint8_t> bytes) noexcept;
/// Overwrites the characters of `s` (its size is kept).
void cleanse(std::string& s) noexcept;

/// A hash or MAC value held inline (no heap): the first size() bytes of a 64-byte array. It may
/// be key material, so it is wiped on destruction. There is deliberately no operator==: compare
/// secrets with equal_constant_time().
class Digest {
 public:
  Digest() = default;
  /// size() == digest_size(hash), all bytes zero.
  explicit Digest(Hash hash) noexcept : size_(static_cast<std::uint8_t>(digest_size(hash))) {}
  Digest(const Digest&) = default;
  Digest& operator=(const Digest&) = default;
  ~Digest() { cleanse(bytes_); }

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  Bytes bytes() const noexcept { return {bytes_.data(), size_}; }
  std::span<std::uint8_t> mutable_bytes() noexcept { return {bytes_.data(), size_}; }
  /// The bytes as characters (for appending to a std::string payload).
  std::string_view chars() const noexcept {
    return {reinterpret_cast<const char*>(bytes_.data()), size_};
  }
  /// XORs `other` into this value (RFC 5802 §3: ClientProof = ClientKey XOR ClientSignature).
  /// Both must have the same size.
  Digest& operator^=(const Digest& other) noexcept;

 private:
  std::array<std::uint8_t, kMaxDigestSize> bytes_{};
  std::uint8_t size_ = 0;
};

// Each function below returns nullopt only when libcrypto fails (an allocation failure, or a
// provider configuration without the algorithm); inputs of any content are valid.

/// H(data) (RFC 5802 §2.2 H()).
[[nodiscard]] std::optional<Digest> digest(Hash hash, Bytes data) noexcept;

/// HMAC(key, data) (RFC 2104; RFC 5802 §2.2 HMAC()).
[[nodiscard]] std::optional<Digest> hmac(Hash hash, Bytes key, Bytes data) noexcept;

/// PBKDF2 with HMAC-`hash` and an output of one hash length (RFC 8018 §5.2): exactly Hi(str,
/// salt, i) of RFC 5802 §2.2. `iterations` must be in 1..INT32_MAX (nullopt otherwise).
[[nodiscard]] std::optional<Digest> pbkdf2_hmac(Hash hash, Bytes password, Bytes salt,
                                                std::uint32_t iterations) noexcept;

/// Whether `a` and `b` hold the same bytes, in time independent of their contents
/// (CRYPTO_memcmp). Different sizes compare unequal at once: sizes are not secret.
bool equal_constant_time(Bytes a, Bytes b) noexcept;

}  // namespace xmpp::crypto
