// Building the stanza for a {"to":...,"body":...} input line.
#pragma once

#include "input.hpp"
#include "mode.hpp"
#include "xmpp/xml/arena.hpp"
#include "xmpp/xml/element.hpp"

namespace xmpp::chat {

/// `<message to='…' [from='…'] type='…' [id='…']><body>…</body></message>` in the stream's
/// namespace (stanza_namespace(mode)), built in `arena`; valid until the arena is reset. `from`
/// is written only when the command has one (component mode). parse_input_line() has checked
/// that XML can carry every value, so Client::send() / Component::send() will not refuse it as
/// unserializable.
xml::Element build_message(const SendMessage& message, Mode mode, xml::Arena& arena);

}  // namespace xmpp::chat
