// Strict base64 (RFC 4648 §4) as XMPP SASL requires it (RFC 6120 §13.9.1), and the "=" convention
// for empty SASL data (RFC 6120 §6.4.2, §6.4.6).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xmpp::sasl {

/// Why base64_decode() refused its input. On any of these the output is left unchanged.
enum class Base64Error : std::uint8_t {
  ok,
  bad_length,              ///< not a multiple of 4 characters (padding is required)
  bad_character,           ///< a character outside the RFC 4648 §4 alphabet (whitespace too)
  bad_padding,             ///< "=" anywhere but as the last one or two characters
  non_zero_trailing_bits,  ///< the bits after the last byte are not zero (RFC 4648 §3.5)
};

std::string_view to_string(Base64Error error) noexcept;

/// Appends the base64 form of `bytes` (RFC 4648 §4, with padding, no line breaks) to `out`.
void base64_encode(std::string_view bytes, std::string& out);
std::string base64_encode(std::string_view bytes);

/// Decodes `text` (RFC 4648 §4) and stores the bytes in `out`, replacing its contents. Strict as
/// RFC 6120 §13.9.1 demands: no whitespace or line breaks, only alphabet characters, padding
/// required and only at the end, and zero trailing bits (so every byte string has exactly one
/// accepted encoding). The empty text decodes to no bytes.
Base64Error base64_decode(std::string_view text, std::string& out);

/// The character data of an <auth/> element for an initial response (RFC 6120 §6.4.2): nothing
/// when there is no initial response, "=" for an empty one, otherwise its base64 form.
std::string encode_initial_response(const std::optional<std::string>& initial_response);

/// The character data of a <response/> element: the base64 form, empty (an empty element) for an
/// empty response.
std::string encode_response(std::string_view response);

/// Decodes the character data of a <challenge/> or <success/> element (RFC 6120 §6.4.3,
/// §6.4.6): "" means no data (`out` becomes nullopt), "=" means data of zero length (`out`
/// holds ""), anything else must be strict base64. On an error `out` is left unchanged.
Base64Error decode_sasl_data(std::string_view text, std::optional<std::string>& out);

}  // namespace xmpp::sasl
