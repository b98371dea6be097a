#include "sasl_test_util.hpp"

#include <doctest/doctest.h>

#include "sasl/base64.hpp"

namespace xmpp::test {

std::string hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0xF];
  }
  return out;
}

std::string unhex(std::string_view text) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  REQUIRE(text.size() % 2 == 0);
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int hi = nibble(text[i]), lo = nibble(text[i + 1]);
    REQUIRE(hi >= 0);
    REQUIRE(lo >= 0);
    out += static_cast<char>(hi << 4 | lo);
  }
  return out;
}

std::string unbase64(std::string_view text) {
  std::string out;
  REQUIRE(sasl::base64_decode(text, out) == sasl::Base64Error::ok);
  return out;
}

sasl::Entropy fixed_entropy(std::string bytes) {
  return [bytes = std::move(bytes)](std::span<std::uint8_t> out) {
    REQUIRE(out.size() == bytes.size());
    for (std::size_t i = 0; i < out.size(); ++i)
      out[i] = static_cast<std::uint8_t>(bytes[i]);
  };
}

sasl::Entropy counting_entropy(std::uint8_t seed) {
  return [seed](std::span<std::uint8_t> out) mutable {
    for (auto& b : out)
      b = seed++;
  };
}

crypto::Hash crypto_hash_of(sasl::ScramHash hash) {
  switch (hash) {
    case sasl::ScramHash::sha1:
      return crypto::Hash::sha1;
    case sasl::ScramHash::sha256:
      return crypto::Hash::sha256;
    case sasl::ScramHash::sha512:
      return crypto::Hash::sha512;
  }
  return crypto::Hash::sha256;
}

std::string TestScramServer::reply_first(std::string_view client_first) {
  // gs2-header = flag "," [authzid] ","
  const std::size_t first_comma = client_first.find(',');
  REQUIRE(first_comma != std::string_view::npos);
  const std::size_t second_comma = client_first.find(',', first_comma + 1);
  REQUIRE(second_comma != std::string_view::npos);
  gs2_header = client_first.substr(0, second_comma + 1);
  client_first_bare = client_first.substr(second_comma + 1);
  const std::size_t r = client_first_bare.find(",r=");
  REQUIRE(r != std::string::npos);
  nonce = client_first_bare.substr(r + 3) + nonce_suffix;
  server_first =
      "r=" + nonce + ",s=" + sasl::base64_encode(salt) + ",i=" + std::to_string(iterations);
  return server_first;
}

std::string TestScramServer::reply_final(std::string_view client_final) {
  const std::size_t p = client_final.rfind(",p=");
  REQUIRE(p != std::string_view::npos);
  const std::string without_proof(client_final.substr(0, p));
  const std::string proof = unbase64(client_final.substr(p + 3));
  if (without_proof !=
      "c=" + sasl::base64_encode(gs2_header + channel_binding_data) + ",r=" + nonce) {
    return "e=channel-bindings-dont-match";
  }
  const std::string auth_message = client_first_bare + "," + server_first + "," + without_proof;
  const auto salted =
      crypto::pbkdf2_hmac(hash, crypto::bytes_of(password), crypto::bytes_of(salt), iterations);
  REQUIRE(salted);
  const auto client_key = crypto::hmac(hash, salted->bytes(), crypto::bytes_of("Client Key"));
  const auto server_key = crypto::hmac(hash, salted->bytes(), crypto::bytes_of("Server Key"));
  REQUIRE(client_key);
  REQUIRE(server_key);
  const auto stored_key = crypto::digest(hash, client_key->bytes());
  REQUIRE(stored_key);
  auto recovered = crypto::hmac(hash, stored_key->bytes(), crypto::bytes_of(auth_message));
  REQUIRE(recovered);
  if (proof.size() != recovered->size()) return "e=invalid-proof";
  for (std::size_t i = 0; i < proof.size(); ++i) {
    recovered->mutable_bytes()[i] ^= static_cast<std::uint8_t>(proof[i]);
  }
  const auto check = crypto::digest(hash, recovered->bytes());
  REQUIRE(check);
  if (hex(check->bytes()) != hex(stored_key->bytes())) return "e=invalid-proof";
  const auto signature = crypto::hmac(hash, server_key->bytes(), crypto::bytes_of(auth_message));
  REQUIRE(signature);
  return "v=" + sasl::base64_encode(signature->chars());
}

}  // namespace xmpp::test
