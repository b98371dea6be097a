#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>
#include <limits>

#include "xmpp/adapters/entropy.hpp"

namespace xmpp::adapters {

namespace {

void fill(std::span<std::uint8_t> buffer) {
  if (buffer.empty()) return;
  if (RAND_bytes(buffer.data(), static_cast<int>(buffer.size())) != 1) {
    std::fputs("xmpp-sansio: RAND_bytes failed; refusing to continue without randomness\n", stderr);
    std::abort();
  }
}

}  // namespace

sasl::Entropy system_entropy() {
  return fill;
}

dns::RandomUpTo system_random() {
  return [](std::uint32_t bound) -> std::uint32_t {
    if (bound == std::numeric_limits<std::uint32_t>::max()) {
      std::uint32_t value = 0;
      fill({reinterpret_cast<std::uint8_t*>(&value), sizeof value});
      return value;
    }
    // Rejection sampling: uniform in [0, bound] without modulo bias.
    const std::uint64_t range = std::uint64_t{bound} + 1;
    const std::uint64_t limit = (std::uint64_t{1} << 32) / range * range;
    for (;;) {
      std::uint32_t value = 0;
      fill({reinterpret_cast<std::uint8_t*>(&value), sizeof value});
      if (value < limit) return static_cast<std::uint32_t>(value % range);
    }
  };
}

}  // namespace xmpp::adapters
