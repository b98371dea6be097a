// The backoff arithmetic of ReconnectPolicy: the exponential ceiling and the jitter below it.
#pragma once

#include <cstdint>

#include "xmpp/engine.hpp"
#include "xmpp/reconnect.hpp"
#include "xmpp/sasl.hpp"

namespace xmpp::reconnect {

/// The ceiling of the delay before the retry that follows `failures` failures in a row (at
/// least 1): zero for the first when config.immediate_first_retry, otherwise
/// base * factor^step (step counting from 0 at the first delayed retry), never above cap.
/// `config` must pass validate().
Duration backoff_ceiling(const ReconnectConfig& config, std::uint32_t failures) noexcept;

/// A delay in [0, ceiling] according to `jitter` (see Jitter), drawing 8 bytes from `entropy`
/// unless the jitter is none or the ceiling zero. A negative ceiling counts as zero.
Duration jittered(Duration ceiling, Jitter jitter, const sasl::Entropy& entropy);

}  // namespace xmpp::reconnect
