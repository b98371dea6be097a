// The proof a component sends in its `<handshake/>` (XEP-0114 §3).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace xmpp {

/// XEP-0114 §3: the lowercase hex SHA-1 of the stream id the server sent followed by the shared
/// secret, as bytes. The secret itself never goes out, and the server's fresh id for each stream
/// keeps the value from being replayed on another stream. Nothing only when libcrypto cannot
/// compute SHA-1 (e.g. a provider configuration without it).
std::optional<std::string> component_handshake_digest(std::string_view stream_id,
                                                      std::string_view secret);

}  // namespace xmpp
