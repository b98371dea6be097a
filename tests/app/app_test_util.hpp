// Helpers of the application layer's tests: a tiny writer of roster queries (RFC 6121 §2.1).
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "stream_test_util.hpp"
#include "xmpp/roster.hpp"
#include "xmpp/xml/element.hpp"

namespace xmpp::test {

/// The account most tests route for.
inline constexpr std::string_view kAccount = "juliet@example.com";

/// Writes `<iq type='…' id='r1'><query xmlns='jabber:iq:roster' [ver]>items</query></iq>`: every
/// field of each item, subscription='none' left out when `explicit_none` is false, approved
/// written as `approved_value`.
std::string roster_iq(const std::vector<RosterItem>& items, const std::optional<std::string>& ver,
                      std::string_view type = "result", bool explicit_none = false,
                      std::string_view approved_value = "true");

}  // namespace xmpp::test

namespace xmpp {
/// For doctest's messages.
std::ostream& operator<<(std::ostream& out, const RosterItem& item);
}  // namespace xmpp
