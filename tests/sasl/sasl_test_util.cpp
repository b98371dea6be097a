#include "sasl_test_util.hpp"

#include <doctest/doctest.h>

#include "sasl/base64.hpp"
#include "server/sasl_exchange.hpp"

using xmpp::testing::ScramReply;

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
  return testing::counting_entropy(seed);
}

std::string TestScramServer::reply_first(std::string_view client_first) {
  server_.emplace(hash, salt, iterations);
  ScramReply reply = server_->first(client_first, nonce_suffix);
  INFO(reply.message);
  REQUIRE(reply.ok);
  return reply.message;
}

std::string TestScramServer::reply_final(std::string_view client_final) {
  REQUIRE(server_.has_value());
  return server_->final(client_final, password, channel_binding_data).message;
}

}  // namespace xmpp::test
