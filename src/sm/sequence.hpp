// Arithmetic on XEP-0198 counters: 'h' is an xs:unsignedInt that goes from 2^32-1 back to zero
// (XEP-0198 §4), so counters are compared as serial numbers (RFC 1982 §3) and never with < or >.
#pragma once

#include <cstdint>

namespace xmpp::sm {

/// Half the counter space: RFC 1982's 2^(SERIAL_BITS - 1) for 32-bit serial numbers.
inline constexpr std::uint32_t kHalfRange = std::uint32_t{1} << 31;

/// `a` plus one, from 2^32-1 back to zero (XEP-0198 §4).
constexpr std::uint32_t next(std::uint32_t a) noexcept {
  return static_cast<std::uint32_t>(a + 1u);
}

/// `a` advanced by `n`, modulo 2^32.
constexpr std::uint32_t advance(std::uint32_t a, std::uint32_t n) noexcept {
  return static_cast<std::uint32_t>(a + n);
}

/// How many increments take `from` to `to`, modulo 2^32 (0 when equal).
constexpr std::uint32_t distance(std::uint32_t from, std::uint32_t to) noexcept {
  return static_cast<std::uint32_t>(to - from);
}

/// RFC 1982 §3.2: `a` is after `b` when it lies less than 2^31 increments ahead. Exactly 2^31 apart
/// is undefined there; here neither is after the other.
constexpr bool is_after(std::uint32_t a, std::uint32_t b) noexcept {
  const std::uint32_t d = distance(b, a);
  return d != 0 && d < kHalfRange;
}

/// RFC 1982 §3.2: `a` is before `b` (that is, `b` is after `a`).
constexpr bool is_before(std::uint32_t a, std::uint32_t b) noexcept {
  return is_after(b, a);
}

}  // namespace xmpp::sm
