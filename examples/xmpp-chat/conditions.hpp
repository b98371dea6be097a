// The error conditions xmpp-chat reports for input lines: {"event":"error","condition":C,...}.
//
// Short stable tokens that scripts may match on; the accompanying "text" is for humans and may
// change. A line that draws an error is not acted on at all; the session goes on.
//
//   condition      the line ...
//   -------------  ----------------------------------------------------------------------------
//   too-long       is longer than kMaxLineBytes (input.hpp); its bytes were discarded
//   bad-json       is not exactly one JSON object (RFC 8259 syntax, invalid UTF-8, a duplicate
//                  key, nesting deeper than 32, data after the object)
//   bad-request    is JSON but not a command: unknown key, a value of the wrong JSON type, a
//                  missing "body", raw/cmd mixed with other keys, an unknown "cmd", a message
//                  "type" other than chat|normal|groupchat|headline, an empty "id", "from" in
//                  client mode, a body or id that XML cannot carry (e.g. U+0000)
//   bad-jid        has a "to" or "from" (or, in "raw", a to/from attribute) that is not a JID
//                  (RFC 7622), or, in component mode, a "from" outside the component's domain
//   bad-xml        has a "raw" that is not exactly one well-formed element under the restricted
//                  XML of RFC 6120 §11 (no comments, PIs, DTDs), or is empty
//   not-a-stanza   has a "raw" element other than message, presence or iq in the stream's
//                  namespace (jabber:client, or jabber:component:accept in component mode)
//   bad-stanza     has a "raw" stanza breaking RFC 6120 §8 / RFC 6121 rules: an unknown type,
//                  an iq without id or type, an iq get/set without exactly one child, a result
//                  with more than one, an error stanza without <error/>
#pragma once

#include <string_view>

namespace xmpp::chat::condition {

inline constexpr std::string_view too_long = "too-long";
inline constexpr std::string_view bad_json = "bad-json";
inline constexpr std::string_view bad_request = "bad-request";
inline constexpr std::string_view bad_jid = "bad-jid";
inline constexpr std::string_view bad_xml = "bad-xml";
inline constexpr std::string_view not_a_stanza = "not-a-stanza";
inline constexpr std::string_view bad_stanza = "bad-stanza";

}  // namespace xmpp::chat::condition
