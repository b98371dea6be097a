#include "sasl/base64.hpp"

#include <array>
#include <cstddef>
#include <utility>

namespace xmpp::sasl {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::uint8_t kNotBase64 = 0xFF;

// The 6-bit value of each character of RFC 4648 Table 1; kNotBase64 for anything else ('='
// included: padding is handled separately).
constexpr std::array<std::uint8_t, 256> kValues = [] {
  std::array<std::uint8_t, 256> values{};
  values.fill(kNotBase64);
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    values[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::uint8_t>(i);
  }
  return values;
}();

}  // namespace

std::string_view to_string(Base64Error error) noexcept {
  switch (error) {
    case Base64Error::ok:
      return "ok";
    case Base64Error::bad_length:
      return "base64 length is not a multiple of 4";
    case Base64Error::bad_character:
      return "character outside the base64 alphabet";
    case Base64Error::bad_padding:
      return "misplaced base64 padding";
    case Base64Error::non_zero_trailing_bits:
      return "base64 trailing bits are not zero";
  }
  return "unknown base64 error";
}

void base64_encode(std::string_view bytes, std::string& out) {
  out.reserve(out.size() + (bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto byte = [&](std::size_t k) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k]));
  };
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 0x3F];
    out += kAlphabet[(v >> 6) & 0x3F];
    out += kAlphabet[v & 0x3F];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 0) return;
  const std::uint32_t v = byte(i) << 16 | (rest == 2 ? byte(i + 1) << 8 : 0);
  out += kAlphabet[v >> 18];
  out += kAlphabet[(v >> 12) & 0x3F];
  out += rest == 2 ? kAlphabet[(v >> 6) & 0x3F] : '=';
  out += '=';
}

std::string base64_encode(std::string_view bytes) {
  std::string out;
  base64_encode(bytes, out);
  return out;
}

Base64Error base64_decode(std::string_view text, std::string& out) {
  if (text.size() % 4 != 0) return Base64Error::bad_length;
  // Padding: at most two '=' and only at the very end (RFC 4648 §3.2, §4).
  std::size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') {
    ++padding;
  }
  const std::string_view body = text.substr(0, text.size() - padding);
  for (char c : body) {
    if (kValues[static_cast<unsigned char>(c)] == kNotBase64) {
      return c == '=' ? Base64Error::bad_padding : Base64Error::bad_character;
    }
  }
  // With one '=' the last quantum has 18 bits for 2 bytes, with two 12 bits for 1 byte: the
  // unused low bits of the last character must be zero (RFC 4648 §3.5).
  if (padding > 0) {
    const std::uint8_t last = kValues[static_cast<unsigned char>(body.back())];
    const std::uint8_t unused_mask = padding == 1 ? 0x03 : 0x0F;
    if ((last & unused_mask) != 0) return Base64Error::non_zero_trailing_bits;
  }
  std::string bytes;
  bytes.reserve(body.size() / 4 * 3 + 2);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : body) {
    acc = (acc << 6) | kValues[static_cast<unsigned char>(c)];
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  out = std::move(bytes);
  return Base64Error::ok;
}

std::string encode_initial_response(const std::optional<std::string>& initial_response) {
  if (!initial_response) return {};
  if (initial_response->empty()) return "=";
  return base64_encode(*initial_response);
}

std::string encode_response(std::string_view response) {
  return base64_encode(response);
}

Base64Error decode_sasl_data(std::string_view text, std::optional<std::string>& out) {
  if (text.empty()) {
    out.reset();
    return Base64Error::ok;
  }
  if (text == "=") {
    out.emplace();
    return Base64Error::ok;
  }
  std::string bytes;
  const Base64Error error = base64_decode(text, bytes);
  if (error == Base64Error::ok) out = std::move(bytes);
  return error;
}

}  // namespace xmpp::sasl
