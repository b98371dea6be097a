// Helpers shared by the SASL tests: hex, injected entropy, and a small SCRAM server computed
// independently of ScramClient (straight from the formulas of RFC 5802 §3).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "crypto/crypto.hpp"
#include "server/scram_server.hpp"
#include "xmpp/sasl.hpp"

namespace xmpp::test {

/// Lower-case hex of `bytes`.
std::string hex(std::span<const std::uint8_t> bytes);
inline std::string hex(std::string_view bytes) {
  return hex(crypto::bytes_of(bytes));
}
/// The bytes of a hex string (REQUIREs it to be well-formed).
std::string unhex(std::string_view hex);

/// base64-decodes `text` (REQUIREs success).
std::string unbase64(std::string_view text);

/// Entropy that hands out `bytes` (REQUIREs that exactly that many are asked for).
sasl::Entropy fixed_entropy(std::string bytes);

/// Entropy producing a counter-based byte sequence of any length (a seeded source).
sasl::Entropy counting_entropy(std::uint8_t seed = 0);

/// ScramPolicy whose nonce is the base64 form of `nonce_bytes` bytes (the RFC examples use 18
/// and 15).
inline sasl::ScramPolicy policy_with_nonce(std::size_t nonce_bytes) {
  sasl::ScramPolicy p;
  p.nonce_entropy_bytes = nonce_bytes;
  return p;
}

/// The server side of SCRAM, computed directly from RFC 5802 §3 (testing::ScramServer, which
/// the test server engine uses too), to check the client against.
struct TestScramServer {
  crypto::Hash hash = crypto::Hash::sha256;
  std::string password;  ///< already prepared
  std::string salt = "salt-of-the-server";
  std::uint32_t iterations = 4096;
  std::string nonce_suffix = "3rfcNHYJY1ZVvWVs7j";
  /// The channel-binding data the server sees on its side of the TLS connection.
  std::string channel_binding_data;

  /// Reads the client-first-message and returns the server-first-message (REQUIREs that it is
  /// well-formed).
  std::string reply_first(std::string_view client_first);
  /// Checks the client-final-message; returns "v=..." when channel binding and proof verify,
  /// otherwise the server-error, e.g. "e=channel-bindings-dont-match" or "e=invalid-proof".
  std::string reply_final(std::string_view client_final);

 private:
  std::optional<testing::ScramServer> server_;
};

/// The message of `e` (CHECKs on it show the message, not a number).
inline std::string name(sasl::Error e) {
  return std::string(to_string(e));
}

/// The credentials of the RFC 5802 and RFC 7677 examples.
inline sasl::Credentials user_pencil() {
  sasl::Credentials c;
  c.username = "user";
  c.password = "pencil";
  return c;
}

}  // namespace xmpp::test
