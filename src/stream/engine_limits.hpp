// The check every engine's validate() makes of its EngineLimits.
#pragma once

#include "xmpp/engine.hpp"

namespace xmpp::stream {

/// False when a bound is zero (nothing could ever be queued or parsed) or when max_send_bytes
/// leaves less than kEngineOutputReserve of max_output_bytes for what the engine must still be
/// able to queue by itself (errors, the closing tag).
bool limits_valid(const EngineLimits& limits) noexcept;

}  // namespace xmpp::stream
