// Checks of a ComponentConfig, done by connect() before anything is sent.
#include <array>
#include <string>

#include "stream/engine_limits.hpp"
#include "xmpp/component_config.hpp"
#include "xmpp/xml/writer.hpp"

namespace xmpp {
namespace {

constexpr std::array<std::string_view, 7> kConfigErrorNames = {
    "ok",
    "the component domain has a localpart or a resourcepart",
    "the shared secret is empty",
    "xml:lang cannot be carried in an XML attribute",
    "a timeout is not positive",
    "the keepalive interval is negative",
    "a limit is zero, or max_send_bytes leaves no room in max_output_bytes",
};

}  // namespace

std::string_view to_string(ComponentConfigError error) noexcept {
  const auto i = static_cast<std::size_t>(error);
  return i < kConfigErrorNames.size() ? kConfigErrorNames[i] : "unknown";
}

ComponentConfigError validate(const ComponentConfig& config) {
  // XEP-0114 §3: the stream goes `to` the component's name, a domain; the server's `from` and
  // the addresses of the stanzas it routes are compared with it.
  if (config.domain.has_local() || !config.domain.is_bare()) {
    return ComponentConfigError::invalid_domain;
  }
  // An empty secret would make the digest depend on the server's id alone: anyone could compute
  // it. Servers refuse to configure one; refuse it here too.
  if (config.secret.empty()) return ComponentConfigError::missing_secret;
  // Otherwise connect() would fail to write the header and report it as an output overflow.
  std::string escaped;
  if (xml::write_escaped_attribute(config.lang, escaped) != xml::WriteStatus::ok) {
    return ComponentConfigError::invalid_lang;
  }
  const ComponentTimeouts& t = config.timeouts;
  for (const Duration d : {t.stream_open, t.handshake, t.close}) {
    if (d.count() <= 0) return ComponentConfigError::invalid_timeout;
  }
  if (config.keepalive_interval.count() < 0) return ComponentConfigError::invalid_keepalive;
  if (!stream::limits_valid(config.limits)) return ComponentConfigError::invalid_limits;
  return ComponentConfigError::ok;
}

}  // namespace xmpp
