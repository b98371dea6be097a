// Exponential backoff with a cap and jitter, from injected entropy only.
#include "reconnect/backoff.hpp"

#include <array>
#include <cmath>
#include <span>

namespace xmpp::reconnect {
namespace {

// A uniform draw in [0, bound]. The modulo bias is below bound / 2^64 (under 2^-37 for delays
// in milliseconds up to a day), and unlike rejection sampling the draw uses a fixed amount of
// entropy, so a run with a given entropy stream replays exactly.
std::uint64_t draw_at_most(std::uint64_t bound, const sasl::Entropy& entropy) {
  std::array<std::uint8_t, 8> bytes{};
  entropy(std::span<std::uint8_t>(bytes));
  std::uint64_t value = 0;
  for (const std::uint8_t b : bytes)
    value = (value << 8) | b;
  return bound == UINT64_MAX ? value : value % (bound + 1);
}

}  // namespace

Duration backoff_ceiling(const ReconnectConfig& config, std::uint32_t failures) noexcept {
  if (failures == 0) return Duration::zero();
  std::uint32_t step = failures - 1;
  if (config.immediate_first_retry) {
    if (step == 0) return Duration::zero();
    --step;
  }
  // In double, so that a long streak saturates at the cap instead of overflowing; a result
  // that is not finite (factor^step beyond the double range) fails the comparison as well.
  const double ceiling =
      static_cast<double>(config.base.count()) * std::pow(config.factor, static_cast<double>(step));
  if (!(ceiling < static_cast<double>(config.cap.count()))) return config.cap;
  return Duration(static_cast<Duration::rep>(ceiling));
}

Duration jittered(Duration ceiling, Jitter jitter, const sasl::Entropy& entropy) {
  if (ceiling <= Duration::zero()) return Duration::zero();
  const auto c = static_cast<std::uint64_t>(ceiling.count());
  switch (jitter) {
    case Jitter::none:
      return ceiling;
    case Jitter::full:
      return Duration(static_cast<Duration::rep>(draw_at_most(c, entropy)));
    case Jitter::equal: {
      const std::uint64_t half = c / 2;
      return Duration(static_cast<Duration::rep>(c - half + draw_at_most(half, entropy)));
    }
  }
  return ceiling;
}

}  // namespace xmpp::reconnect
