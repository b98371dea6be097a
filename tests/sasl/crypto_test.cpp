// src/crypto/: digests, HMAC and PBKDF2 against published vectors, and the constant-time
// comparison.
#include <doctest/doctest.h>

#include <string>

#include "crypto/crypto.hpp"
#include "sasl_test_util.hpp"

using namespace xmpp::test;
namespace crypto = xmpp::crypto;
using crypto::Hash;

namespace {

std::string digest_hex(Hash hash, std::string_view data) {
  const auto d = crypto::digest(hash, crypto::bytes_of(data));
  REQUIRE(d);
  CHECK(d->size() == crypto::digest_size(hash));
  return hex(d->bytes());
}

std::string hmac_hex(Hash hash, std::string_view key, std::string_view data) {
  const auto d = crypto::hmac(hash, crypto::bytes_of(key), crypto::bytes_of(data));
  REQUIRE(d);
  return hex(d->bytes());
}

std::string pbkdf2_hex(Hash hash, std::string_view password, std::string_view salt,
                       std::uint32_t iterations) {
  const auto d =
      crypto::pbkdf2_hmac(hash, crypto::bytes_of(password), crypto::bytes_of(salt), iterations);
  REQUIRE(d);
  return hex(d->bytes());
}

}  // namespace

TEST_CASE("digest sizes") {
  CHECK(crypto::digest_size(Hash::sha1) == 20);
  CHECK(crypto::digest_size(Hash::sha256) == 32);
  CHECK(crypto::digest_size(Hash::sha512) == 64);
}

TEST_CASE("SHA-1, SHA-256 and SHA-512 of \"abc\" (FIPS 180-2 Appendix examples)") {
  CHECK(digest_hex(Hash::sha1, "abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(digest_hex(Hash::sha256, "abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(digest_hex(Hash::sha512, "abc") ==
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
        "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

TEST_CASE("HMAC test case 2 of RFC 2202 (SHA-1) and RFC 4231 (SHA-256, SHA-512)") {
  const std::string key = "Jefe", data = "what do ya want for nothing?";
  CHECK(hmac_hex(Hash::sha1, key, data) == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  CHECK(hmac_hex(Hash::sha256, key, data) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(hmac_hex(Hash::sha512, key, data) ==
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
        "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
}

TEST_CASE("HMAC with an empty key and empty data") {
  CHECK(hmac_hex(Hash::sha256, "", "") ==
        "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST_CASE("PBKDF2 with one block of output: RFC 6070 (SHA-1) and SHA-256/SHA-512 vectors") {
  struct Vector {
    Hash hash;
    std::uint32_t iterations;
    const char* hex;
  };
  const Vector vectors[] = {
      {Hash::sha1, 1, "0c60c80f961f0e71f3a9b524af6012062fe037a6"},
      {Hash::sha1, 2, "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"},
      {Hash::sha1, 4096, "4b007901b765489abead49d926f721d065a429c1"},
      {Hash::sha256, 1, "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b"},
      {Hash::sha256, 4096, "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a"},
      {Hash::sha512, 1,
       "867f70cf1ade02cff3752599a3a53dc4af34c7a669815ae5d513554e1c8cf252"
       "c02d470a285a0501bad999bfe943c08f050235d7d68b1da55e63f73b60a57fce"},
  };
  for (const Vector& v : vectors) {
    INFO("digest size " << crypto::digest_size(v.hash) << ", " << v.iterations << " iterations");
    CHECK(pbkdf2_hex(v.hash, "password", "salt", v.iterations) == v.hex);
  }
}

TEST_CASE("PBKDF2 refuses an iteration count of 0 or above INT32_MAX") {
  CHECK_FALSE(crypto::pbkdf2_hmac(Hash::sha1, crypto::bytes_of("p"), crypto::bytes_of("s"), 0));
  CHECK_FALSE(
      crypto::pbkdf2_hmac(Hash::sha1, crypto::bytes_of("p"), crypto::bytes_of("s"), 0x80000000u));
}

TEST_CASE("PBKDF2 with an empty password is Hi() of the empty string") {
  // Hi("", salt, 1) = HMAC("", salt || INT(1)) (RFC 5802 §2.2).
  const auto hi = crypto::pbkdf2_hmac(Hash::sha256, {}, crypto::bytes_of("salt"), 1);
  REQUIRE(hi);
  CHECK(hex(hi->bytes()) == hmac_hex(Hash::sha256, "", std::string("salt\0\0\0\1", 8)));
}

TEST_CASE("equal_constant_time compares contents and sizes") {
  CHECK(crypto::equal_constant_time(crypto::bytes_of("abc"), crypto::bytes_of("abc")));
  CHECK(crypto::equal_constant_time({}, {}));
  CHECK_FALSE(crypto::equal_constant_time(crypto::bytes_of("abc"), crypto::bytes_of("abd")));
  CHECK_FALSE(crypto::equal_constant_time(crypto::bytes_of("xbc"), crypto::bytes_of("abc")));
  CHECK_FALSE(crypto::equal_constant_time(crypto::bytes_of("abc"), crypto::bytes_of("ab")));
  CHECK_FALSE(crypto::equal_constant_time(crypto::bytes_of(""), crypto::bytes_of("a")));
}

TEST_CASE("Digest XOR and cleanse") {
  auto a = crypto::digest(Hash::sha1, crypto::bytes_of("a"));
  const auto b = crypto::digest(Hash::sha1, crypto::bytes_of("b"));
  REQUIRE(a);
  REQUIRE(b);
  const std::string before = hex(a->bytes());
  *a ^= *b;
  CHECK(hex(a->bytes()) != before);
  *a ^= *b;
  CHECK(hex(a->bytes()) == before);
  crypto::cleanse(a->mutable_bytes());
  CHECK(hex(a->bytes()) == std::string(40, '0'));
  std::string secret = "secret";
  crypto::cleanse(secret);
  CHECK(secret.size() == 6);
  CHECK(secret.find_first_not_of('\0') == std::string::npos);
}
