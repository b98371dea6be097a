// The namespaces of the stanzas and payloads the application layer reads and writes, in one
// place.
#pragma once

#include <string_view>

namespace xmpp::stanza::ns {

inline constexpr std::string_view kClient = "jabber:client";               // RFC 6120 §4.8.3
inline constexpr std::string_view kComponent = "jabber:component:accept";  // XEP-0114
inline constexpr std::string_view kStanzas =
    "urn:ietf:params:xml:ns:xmpp-stanzas";                       // RFC 6120 §8.3
inline constexpr std::string_view kRoster = "jabber:iq:roster";  // RFC 6121 §2
inline constexpr std::string_view kPing = "urn:xmpp:ping";       // XEP-0199
inline constexpr std::string_view kDiscoInfo = "http://jabber.org/protocol/disco#info";  // XEP-0030
inline constexpr std::string_view kVersion = "jabber:iq:version";                        // XEP-0092
inline constexpr std::string_view kCsi = "urn:xmpp:csi:0";                               // XEP-0352
inline constexpr std::string_view kDelay = "urn:xmpp:delay";                             // XEP-0203
inline constexpr std::string_view kReceipts = "urn:xmpp:receipts";                       // XEP-0184
inline constexpr std::string_view kChatStates =
    "http://jabber.org/protocol/chatstates";  // XEP-0085

}  // namespace xmpp::stanza::ns
