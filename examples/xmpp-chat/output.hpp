// The events xmpp-chat prints on standard output, one JSON object per line.
//
// Each function returns the line WITHOUT a trailing newline; the caller writes it followed by
// '\n' and flushes, so a script reading line by line sees every event at once.
//
// Shapes are stable: every field listed is always present, in this order, so scripts may rely
// on them (a field with no value, e.g. a message without id, is the empty string, never
// missing or null). Strings pass through json::append_string: escaped as JSON needs, invalid
// UTF-8 replaced by U+FFFD, so every line is valid JSON whatever came from the network.
//
//   {"event":"online","jid":"alice@example.com/res","resumed":false}
//   {"event":"message","from":"bob@example.com/x","id":"m1","type":"chat","body":"hi"}
//   {"event":"stanza","xml":"<presence from='bob@example.com/x'/>"}
//   {"event":"acked","id":"m1"}
//   {"event":"unconfirmed","id":"m1"}
//   {"event":"disconnected","reason":"connection lost"}
//   {"event":"reconnecting","in_ms":2000}
//   {"event":"error","condition":"bad-jid","text":"..."}
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace xmpp::chat::output {

/// The session is online as `jid` (the JID the server bound, or the component's domain);
/// `resumed` when a stream management session was resumed (XEP-0198 §5).
std::string online(std::string_view jid, bool resumed);
/// A message with a body (see inbound.hpp for which stanzas are reported this way).
std::string message(std::string_view from, std::string_view id, std::string_view type,
                    std::string_view body);
/// Any other inbound stanza, serialised as XML.
std::string stanza(std::string_view xml);
/// The server acknowledged the stanza sent with this id (XEP-0198 §4).
std::string acked(std::string_view id);
/// The stanza sent with this id may not have reached the server (the session ended before an
/// acknowledgement and was not resumed).
std::string unconfirmed(std::string_view id);
/// The transport or the session ended.
std::string disconnected(std::string_view reason);
/// A new connection attempt starts in `in_ms` milliseconds.
std::string reconnecting(std::uint64_t in_ms);
/// Something failed: `condition` is a short stable token (input.hpp lists those of input lines),
/// `text` a human-readable explanation.
std::string error(std::string_view condition, std::string_view text);

}  // namespace xmpp::chat::output
