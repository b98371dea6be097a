// Skipping runs of bytes that need no attention, 16 at a time where SSE2 is available (every
// x86-64), byte by byte elsewhere. The scanners then look only at candidate bytes.
#pragma once

#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace xmpp::xml::detail {

// Returns the first byte in [p, end) that is < 0x20, >= 0x80, or equal to one of a..d; `end`
// if none. Callers re-check candidates with their exact table (TAB and LF are candidates here).
template <char A, char B, char D, char E>
inline const unsigned char* skip_plain(const unsigned char* p, const unsigned char* end) noexcept {
#if defined(__SSE2__)
  const __m128i space = _mm_set1_epi8(0x20);
  const __m128i a = _mm_set1_epi8(A), b = _mm_set1_epi8(B), d = _mm_set1_epi8(D),
                e = _mm_set1_epi8(E);
  while (end - p >= 16) {
    __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // Signed compare: bytes >= 0x80 are negative, so one compare catches them and controls.
    __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(x, space), _mm_cmpeq_epi8(x, a)),
                             _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, b), _mm_cmpeq_epi8(x, d)),
                                          _mm_cmpeq_epi8(x, e)));
    auto mask = static_cast<unsigned>(_mm_movemask_epi8(m));
    if (mask) return p + __builtin_ctz(mask);
    p += 16;
  }
#endif
  while (p < end) {
    unsigned char c = *p;
    if (c < 0x20 || c >= 0x80 || c == static_cast<unsigned char>(A) ||
        c == static_cast<unsigned char>(B) || c == static_cast<unsigned char>(D) ||
        c == static_cast<unsigned char>(E)) {
      return p;
    }
    ++p;
  }
  return p;
}

}  // namespace xmpp::xml::detail
