// The three stanza kinds (RFC 6120 §8) and how to tell them from any other top-level element.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "xmpp/xml/element.hpp"

namespace xmpp::stanza {

enum class Kind : std::uint8_t { message, presence, iq };

std::string_view to_string(Kind kind) noexcept;

/// The kind of `element` when it is `<message/>`, `<presence/>` or `<iq/>` in jabber:client or
/// jabber:component:accept (RFC 6120 §8, XEP-0114); nothing for anything else (an empty element
/// included).
std::optional<Kind> kind_of(xml::Element element) noexcept;

}  // namespace xmpp::stanza
