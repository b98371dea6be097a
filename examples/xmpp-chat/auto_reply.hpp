// The protocol duties xmpp-chat performs itself in component mode: answering XEP-0199 pings, and
// refusing other IQ requests it cannot serve, as RFC 6120 §8.2.3 requires every get/set to be
// answered. (In client mode xmpp::Session's application layer does the same.)
#pragma once

#include <optional>

#include "mode.hpp"
#include "owned_element.hpp"
#include "xmpp/xml/element.hpp"

namespace xmpp::chat {

/// What to do with a received stanza before showing it.
struct AutoReply {
  OwnedElement reply;
  /// A ping is answered and not shown; other requests are refused and shown.
  bool show = true;
};

/// The answer the tool owes to `stanza`: a result for a XEP-0199 ping, a service-unavailable
/// error (RFC 6120 §8.4) for any other IQ get/set; nothing for everything else (IQ results and
/// errors are never answered, §8.2.3; messages and presence never get automatic replies).
/// In component mode the reply comes `from` the address the request was sent `to`.
std::optional<AutoReply> automatic_reply(xml::Element stanza, Mode mode);

}  // namespace xmpp::chat
