// ApplicationConfig checks and the names of the application layer's enumerations
// (include/xmpp/application_config.hpp).
#include "xmpp/application_config.hpp"

#include <algorithm>
#include <array>

#include "core/name_table.hpp"

namespace xmpp {
namespace {

// Indexed by ApplicationConfigError.
constexpr std::array<std::string_view, 5> kErrorNames = {
    "ok", "invalid_keepalive", "invalid_identity", "invalid_feature", "invalid_software_version",
};
static_assert(kErrorNames.size() ==
              static_cast<std::size_t>(ApplicationConfigError::invalid_software_version) + 1);

// Indexed by ClientState: the XEP-0352 element names.
constexpr std::array<std::string_view, 2> kClientStateNames = {"active", "inactive"};
static_assert(kClientStateNames.size() == static_cast<std::size_t>(ClientState::inactive) + 1);

// Indexed by CsiStatus.
constexpr std::array<std::string_view, 6> kCsiStatusNames = {
    "sent", "unchanged", "deferred", "unsupported", "invalid_state", "would_block",
};
static_assert(kCsiStatusNames.size() == static_cast<std::size_t>(CsiStatus::would_block) + 1);

}  // namespace

std::string_view to_string(ApplicationConfigError error) noexcept {
  return core::name_of(kErrorNames, error, "unknown");
}

std::string_view to_string(ClientState state) noexcept {
  return core::name_of(kClientStateNames, state, "unknown");
}

std::string_view to_string(CsiStatus status) noexcept {
  return core::name_of(kCsiStatusNames, status, "unknown");
}

ApplicationConfigError validate(const ApplicationConfig& config) {
  const KeepalivePing& keepalive = config.keepalive;
  if (keepalive.interval < Duration::zero() || keepalive.timeout <= Duration::zero()) {
    return ApplicationConfigError::invalid_keepalive;
  }
  const auto bad_identity = [](const DiscoIdentity& identity) {
    return identity.category.empty() || identity.type.empty();
  };
  if (std::any_of(config.identities.begin(), config.identities.end(), bad_identity)) {
    return ApplicationConfigError::invalid_identity;
  }
  const auto empty = [](const std::string& feature) { return feature.empty(); };
  if (std::any_of(config.features.begin(), config.features.end(), empty)) {
    return ApplicationConfigError::invalid_feature;
  }
  if (const auto& version = config.software_version;
      version && (version->name.empty() || version->version.empty())) {
    return ApplicationConfigError::invalid_software_version;
  }
  return ApplicationConfigError::ok;
}

}  // namespace xmpp
