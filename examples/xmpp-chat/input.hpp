// Reading xmpp-chat's commands: one JSON object per line of standard input.
//
//   {"to":"bob@example.com","body":"hi","id":"m1","type":"chat"}   send a message
//   {"raw":"<presence/>"}                                          send a stanza given as XML
//   {"cmd":"drop"}                                                 cut the transport abruptly
//   {"cmd":"quit"}                                                 close gracefully and exit
//
// The rules, strict so that a typo is reported instead of silently changing what is sent:
// - A line is exactly one JSON object (json::parse_object: RFC 8259, UTF-8, no duplicate keys),
//   at most kMaxLineBytes long. An empty or whitespace-only line is ignored (Nothing).
// - Only these keys exist: to, body, id, type, from, raw, cmd. Any other key is an error, even
//   alongside a valid command ("Body" is not "body").
// - A line is one of three forms and may not mix them:
//   - message: "to" and "body" both required; "id" and "type" optional; "from" optional in
//     component mode only (a JID in the component's domain; the client's server sets "from"
//     itself, RFC 6120 §8.1.2.1). Every value a JSON string (null is not "absent").
//     "to" must be a JID (RFC 7622); "type" one of chat|normal|groupchat|headline (RFC 6121
//     §5.2.2; default chat; "error" is not something a chat tool originates); "id" non-empty
//     (it is what acked/unconfirmed events report); "body" and "id" only characters XML can
//     carry (XML 1.0 §2.2: no U+0000 and other C0 controls but tab, CR, LF; no U+FFFE/U+FFFF).
//     "body" may be empty.
//   - raw: "raw" alone, a string (raw_stanza.hpp says what XML is accepted).
//   - command: "cmd" alone, "drop" or "quit".
// The error conditions are listed in conditions.hpp.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "mode.hpp"
#include "owned_element.hpp"
#include "xmpp/jid.hpp"

namespace xmpp::chat {

/// The longest line accepted, without its '\n'.
inline constexpr std::size_t kMaxLineBytes = std::size_t{1} << 20;

/// An empty or whitespace-only line: nothing to do.
struct Nothing {};

/// {"to":..., "body":...}: send a message.
struct SendMessage {
  Jid to;
  std::string body;
  /// The stanza's id; nullopt when the line had none (never an empty string).
  std::optional<std::string> id;
  /// chat, normal, groupchat or headline.
  std::string type = "chat";
  /// Component mode only: the "from" given, or, when absent and the component's domain was
  /// given to parse_input_line(), that domain (XEP-0114 components address from their own
  /// domain). Always nullopt in client mode.
  std::optional<Jid> from;
};

/// {"raw":...}: send this stanza, already checked by parse_raw_stanza().
struct SendRaw {
  /// The XML as given (after JSON unescaping).
  std::string xml;
  /// The parsed stanza, to give to Client::send() / Component::send().
  OwnedElement stanza;
};

/// {"cmd":"drop"}: cut the transport without closing the stream (to test resumption).
struct Drop {};
/// {"cmd":"quit"}: close the stream gracefully and exit.
struct Quit {};

/// The line was refused; nothing is to be sent. Report it with output::error().
struct InputError {
  /// A token of conditions.hpp.
  std::string_view condition;
  std::string text;
};

using InputCommand = std::variant<Nothing, SendMessage, SendRaw, Drop, Quit, InputError>;

/// Interprets one line of standard input (without its '\n'; a trailing '\r' is JSON whitespace
/// and ignored). `component_domain` is the component's domain (--component) in component mode,
/// used to check and default "from" (see SendMessage::from); ignored in client mode.
InputCommand parse_input_line(std::string_view line, Mode mode,
                              std::string_view component_domain = {});

}  // namespace xmpp::chat
