// Character classes of XML 1.0 (Fifth Edition) and strict UTF-8 decoding, shared by the parser
// and the writer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace xmpp::xml::detail {

// XML 1.0 §2.2 Char.
constexpr bool is_xml_char(char32_t c) noexcept {
  return c >= 0x20
             ? (c <= 0xD7FF || (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF))
             : (c == 0x9 || c == 0xA || c == 0xD);
}

// XML 1.0 §2.3 NameStartChar, without ':' (Namespaces in XML 1.0 NCName).
constexpr bool is_name_start_char(char32_t c) noexcept {
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  return (c >= 0xC0 && c <= 0xD6) || (c >= 0xD8 && c <= 0xF6) || (c >= 0xF8 && c <= 0x2FF) ||
         (c >= 0x370 && c <= 0x37D) || (c >= 0x37F && c <= 0x1FFF) ||
         (c >= 0x200C && c <= 0x200D) || (c >= 0x2070 && c <= 0x218F) ||
         (c >= 0x2C00 && c <= 0x2FEF) || (c >= 0x3001 && c <= 0xD7FF) ||
         (c >= 0xF900 && c <= 0xFDCF) || (c >= 0xFDF0 && c <= 0xFFFD) ||
         (c >= 0x10000 && c <= 0xEFFFF);
}

// XML 1.0 §2.3 NameChar, without ':'.
constexpr bool is_name_char(char32_t c) noexcept {
  if (c < 0x80) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  }
  return is_name_start_char(c) || c == 0xB7 || (c >= 0x300 && c <= 0x36F) ||
         (c >= 0x203F && c <= 0x2040);
}

constexpr bool is_space(unsigned char c) noexcept {
  return c == 0x20 || c == 0x9 || c == 0xA || c == 0xD;
}

// The range the byte after a UTF-8 lead byte must fall in (Unicode Table 3-7, "well-formed
// UTF-8 byte sequences"), and how many continuation bytes follow. need == 0: not a lead byte.
struct Utf8Lead {
  std::uint8_t need;
  std::uint8_t lo, hi;
  std::uint8_t bits;  // payload bits of the lead byte
};

constexpr Utf8Lead utf8_lead(unsigned char b) noexcept {
  if (b >= 0xC2 && b <= 0xDF) return {1, 0x80, 0xBF, static_cast<std::uint8_t>(b & 0x1F)};
  if (b == 0xE0) return {2, 0xA0, 0xBF, 0};
  if (b == 0xED) return {2, 0x80, 0x9F, 0xD};  // no surrogates
  if (b >= 0xE1 && b <= 0xEF) return {2, 0x80, 0xBF, static_cast<std::uint8_t>(b & 0x0F)};
  if (b == 0xF0) return {3, 0x90, 0xBF, 0};
  if (b >= 0xF1 && b <= 0xF3) return {3, 0x80, 0xBF, static_cast<std::uint8_t>(b & 0x07)};
  if (b == 0xF4) return {3, 0x80, 0x8F, 4};  // nothing above U+10FFFF
  return {0, 0, 0, 0};
}

// Decodes one non-ASCII character from a complete buffer. Returns its length, or 0 when the
// bytes are not well-formed UTF-8 (then `bad` is the index of the offending byte) or the buffer
// ends inside the character (then `bad` == end - p).
inline std::size_t decode_utf8(const unsigned char* p, const unsigned char* end, char32_t& cp,
                               std::size_t& bad) noexcept {
  Utf8Lead lead = utf8_lead(p[0]);
  if (lead.need == 0) {
    bad = 0;
    return 0;
  }
  char32_t c = lead.bits;
  for (std::size_t i = 1; i <= lead.need; ++i) {
    if (p + i >= end) {
      bad = static_cast<std::size_t>(end - p);
      return 0;
    }
    unsigned char b = p[i];
    unsigned char lo = i == 1 ? lead.lo : 0x80, hi = i == 1 ? lead.hi : 0xBF;
    if (b < lo || b > hi) {
      bad = i;
      return 0;
    }
    c = (c << 6) | (b & 0x3F);
  }
  cp = c;
  return lead.need + 1u;
}

}  // namespace xmpp::xml::detail
