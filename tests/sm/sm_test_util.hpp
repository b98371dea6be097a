// Helpers shared by the stream management tests.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "xmpp/stream_management_state.hpp"
#include "xmpp/xml/element.hpp"

namespace xmpp::test {

/// A time point `ms` milliseconds after the clock's epoch.
TimePoint at_ms(std::int64_t ms);

/// `saved` with its trailing CRC-32 recomputed, so that a deliberately altered field reaches the
/// structural checks of restore() instead of the checksum.
std::string with_fixed_checksum(std::string saved);

/// `e` serialised as a client would write it inside its stream (the `stream` prefix and
/// jabber:client in scope); "<write failed: ...>" when it cannot be written.
std::string written(xml::Element e);

/// A state with every field set: enabled, resumable with id and location, server max, detached,
/// three unacknowledged stanzas (sent at now - 3s, -2s, -1s) after two acknowledged ones, and
/// counters started at `start` (so the wrap at 2^32 can be placed inside the queue).
sm::StreamManagementState full_state(TimePoint now, std::uint32_t start = 100);

}  // namespace xmpp::test
