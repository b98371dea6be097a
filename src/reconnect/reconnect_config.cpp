// Checks and names of ReconnectConfig.
#include <array>
#include <cmath>

#include "xmpp/reconnect.hpp"

namespace xmpp {
namespace {

constexpr std::array<std::string_view, 3> kJitterNames = {"none", "full", "equal"};
constexpr std::array<std::string_view, 8> kConfigErrorNames = {
    "ok",
    "the base delay is not positive",
    "the factor is below 1 or not finite",
    "the cap is below the base delay",
    "the jitter is not a Jitter value",
    "max_attempts is 0",
    "stable_session is negative",
    "jitter needs an entropy function",
};

}  // namespace

std::string_view to_string(Jitter jitter) noexcept {
  const auto i = static_cast<std::size_t>(jitter);
  return i < kJitterNames.size() ? kJitterNames[i] : "unknown";
}

std::string_view to_string(ReconnectConfigError error) noexcept {
  const auto i = static_cast<std::size_t>(error);
  return i < kConfigErrorNames.size() ? kConfigErrorNames[i] : "unknown";
}

ReconnectConfigError validate(const ReconnectConfig& config) noexcept {
  if (config.base <= Duration::zero()) return ReconnectConfigError::invalid_base;
  // A factor below 1 would shrink the delays of a long failure streak: the opposite of backing
  // off.
  if (!std::isfinite(config.factor) || config.factor < 1.0) {
    return ReconnectConfigError::invalid_factor;
  }
  if (config.cap < config.base) return ReconnectConfigError::invalid_cap;
  if (static_cast<std::size_t>(config.jitter) >= kJitterNames.size()) {
    return ReconnectConfigError::invalid_jitter;
  }
  if (config.max_attempts && *config.max_attempts == 0) {
    return ReconnectConfigError::invalid_max_attempts;
  }
  if (config.stable_session < Duration::zero()) return ReconnectConfigError::invalid_stable_session;
  if (config.jitter != Jitter::none && !config.entropy) {
    return ReconnectConfigError::missing_entropy;
  }
  return ReconnectConfigError::ok;
}

}  // namespace xmpp
