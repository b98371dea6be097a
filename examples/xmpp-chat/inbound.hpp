// Turning a stanza received from the server into the event line xmpp-chat prints.
#pragma once

#include <string>

#include "mode.hpp"
#include "xmpp/xml/element.hpp"

namespace xmpp::chat {

/// The output line (output.hpp, no trailing newline) for `stanza`, received on a stream of
/// `mode`:
/// - a "message" event for a `<message/>` in the stream's namespace that has a `<body/>` and is
///   not of type error: from and id are its attributes ("" when absent; a message without from
///   comes from the account's server, RFC 6120 §8.1.2.1), type its type or "normal" when absent
///   (RFC 6121 §5.2.2: no type means normal), body the character data of its first `<body/>`
///   (RFC 6121 §5.2.3 allows one per xml:lang; scripts get the first). Other payloads of the
///   message (receipts, chat states) are not shown;
/// - a "stanza" event for everything else (presence, iq, messages without body such as chat
///   states, error messages), the stanza serialised (xml::write) as it would appear inside the
///   stream: without an xmlns for the stream's own namespace.
/// Trees from the stream parser always serialise; should one not, the line is an "error" event
/// with condition "unserializable".
std::string inbound_event(xml::Element stanza, Mode mode);

}  // namespace xmpp::chat
