// CRC-32 (IEEE 802.3 polynomial, reflected, as in zlib and PNG): the checksum that lets restore()
// tell damaged saved state from what save() wrote.
#pragma once

#include <cstdint>
#include <string_view>

namespace xmpp::sm {

/// The CRC-32 of `bytes`; crc32("123456789") == 0xCBF43926 (the standard check value).
std::uint32_t crc32(std::string_view bytes) noexcept;

}  // namespace xmpp::sm
