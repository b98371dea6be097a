// Lowercase hexadecimal encoding: request ids (client) and the XEP-0114 handshake digest
// (component) are both written this way.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace xmpp {

/// Two lowercase hex digits per byte, most significant nibble first ("0a1b..."). XEP-0114 §3
/// requires lowercase for the handshake; request ids use the same form for uniformity.
std::string hex_lower(std::span<const std::uint8_t> bytes);

}  // namespace xmpp
