// UTF-8 decoding for the JSON reader and writer (Unicode 15 §3.9, Table 3-7).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace xmpp::chat::utf8 {

/// What starts a non-empty byte string.
struct Step {
  /// The code point; U+FFFD when !valid.
  char32_t code_point = 0;
  /// Bytes taken: the whole sequence when valid; otherwise the "maximal subpart" (Unicode §3.9,
  /// U+FFFD substitution of maximal subparts): the longest prefix that could still have begun a
  /// valid sequence, at least 1. Replacing each maximal subpart by one U+FFFD is the practice
  /// the Unicode Standard recommends, and what the WHATWG decoder does.
  std::size_t length = 1;
  bool valid = false;
};

/// Decodes the sequence at the start of `s`, which must not be empty. Valid means well-formed
/// per Table 3-7: no overlong forms, no surrogates (U+D800..U+DFFF), nothing above U+10FFFF.
Step decode(std::string_view s) noexcept;

/// True when all of `s` is well-formed UTF-8.
bool is_valid(std::string_view s) noexcept;

/// Appends the UTF-8 encoding of `cp`, which must be a Unicode scalar value.
void append(std::string& out, char32_t cp);

}  // namespace xmpp::chat::utf8
