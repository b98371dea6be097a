// Modulo-2^32 counter arithmetic (XEP-0198 §4) with RFC 1982 serial-number comparison.
#include <doctest/doctest.h>

#include <cstdint>
#include <initializer_list>

#include "sm/sequence.hpp"

using namespace xmpp::sm;

namespace {
constexpr std::uint32_t kMax = 4294967295u;
}

// The helpers are usable in constant expressions.
static_assert(next(kMax) == 0);
static_assert(distance(kMax, 0) == 1);
static_assert(is_after(0, kMax));

TEST_CASE("next() goes from 2^32-1 back to zero (XEP-0198 §4)") {
  CHECK(next(0) == 1);
  CHECK(next(41) == 42);
  CHECK(next(kMax - 1) == kMax);
  CHECK(next(kMax) == 0);
}

TEST_CASE("advance() wraps modulo 2^32") {
  CHECK(advance(10, 5) == 15);
  CHECK(advance(kMax, 1) == 0);
  CHECK(advance(kMax - 2, 5) == 2);
  CHECK(advance(7, kMax) == 6);  // advancing by 2^32-1 is going back one
  CHECK(advance(0, 0) == 0);
}

TEST_CASE("distance() counts increments across the wrap") {
  CHECK(distance(5, 5) == 0);
  CHECK(distance(5, 9) == 4);
  CHECK(distance(kMax, 0) == 1);
  CHECK(distance(kMax - 1, 3) == 5);
  CHECK(distance(9, 5) == kMax - 3);  // going "backwards" is almost a full turn forwards
  for (std::uint32_t start : {0u, 1u, kMax - 3, kMax, 0x7FFFFFFFu, 0x80000000u}) {
    for (std::uint32_t n : {0u, 1u, 2u, 1000u, 0x7FFFFFFFu}) {
      CAPTURE(start);
      CAPTURE(n);
      CHECK(distance(start, advance(start, n)) == n);
    }
  }
}

TEST_CASE("is_after() follows RFC 1982 §3.2 at the wrap") {
  CHECK(is_after(1, 0));
  CHECK_FALSE(is_after(0, 1));
  CHECK_FALSE(is_after(7, 7));  // a value is not after itself
  CHECK(is_after(0, kMax));     // 0 follows 2^32-1
  CHECK(is_after(3, kMax - 2));
  CHECK_FALSE(is_after(kMax, 0));
  // Just under half the space ahead is after; half the space exactly is neither (undefined).
  CHECK(is_after(0x7FFFFFFFu, 0));
  CHECK_FALSE(is_after(0x80000000u, 0));
  CHECK_FALSE(is_after(0, 0x80000000u));
  CHECK(is_after(0x80000001u, 0) == false);
  CHECK(is_after(0, 0x80000001u));
  CHECK(is_after(kMax, 0x80000000u));
}

TEST_CASE("is_before() is is_after() with the arguments swapped") {
  CHECK(is_before(kMax, 0));
  CHECK(is_before(0, 1));
  CHECK_FALSE(is_before(1, 0));
  CHECK_FALSE(is_before(5, 5));
  CHECK_FALSE(is_before(0, 0x80000000u));
  CHECK_FALSE(is_before(0x80000000u, 0));
}
