// UTF-8 checks shared by the mechanisms (strict decoding from the XML layer).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "xml/char_class.hpp"

namespace xmpp::sasl::detail {

/// The number of characters in `s` when it is well-formed UTF-8 without U+0000; nullopt
/// otherwise (the SAFE and value-char productions of RFC 4616 §2 and RFC 5802 §7).
inline std::optional<std::size_t> utf8_length_without_nul(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  std::size_t characters = 0;
  while (p < end) {
    ++characters;
    if (*p < 0x80) {
      if (*p++ == 0) return std::nullopt;
      continue;
    }
    char32_t cp = 0;
    std::size_t bad = 0;
    const std::size_t n = xml::detail::decode_utf8(p, end, cp, bad);
    if (n == 0) return std::nullopt;
    p += n;
  }
  return characters;
}

inline bool is_utf8_without_nul(std::string_view s) noexcept {
  return utf8_length_without_nul(s).has_value();
}

}  // namespace xmpp::sasl::detail
