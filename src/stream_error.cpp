#include "xmpp/stream_error.hpp"

#include <array>

namespace xmpp {
namespace {

// Indexed by StreamErrorCondition; the names of RFC 6120 §4.9.3.1–§4.9.3.25.
constexpr std::array<std::string_view, 25> kNames = {
    "bad-format",
    "bad-namespace-prefix",
    "conflict",
    "connection-timeout",
    "host-gone",
    "host-unknown",
    "improper-addressing",
    "internal-server-error",
    "invalid-from",
    "invalid-namespace",
    "invalid-xml",
    "not-authorized",
    "not-well-formed",
    "policy-violation",
    "remote-connection-failed",
    "reset",
    "resource-constraint",
    "restricted-xml",
    "see-other-host",
    "system-shutdown",
    "undefined-condition",
    "unsupported-encoding",
    "unsupported-feature",
    "unsupported-stanza-type",
    "unsupported-version",
};
static_assert(kNames.size() ==
              static_cast<std::size_t>(StreamErrorCondition::unsupported_version) + 1);

}  // namespace

std::string_view to_string(StreamErrorCondition condition) noexcept {
  auto i = static_cast<std::size_t>(condition);
  return i < kNames.size() ? kNames[i] : std::string_view("undefined-condition");
}

std::optional<StreamErrorCondition> stream_error_condition_from_string(
    std::string_view name) noexcept {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<StreamErrorCondition>(i);
  }
  return std::nullopt;
}

}  // namespace xmpp
