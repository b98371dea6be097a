// Which kind of session xmpp-chat runs: a client account or an external component.
#pragma once

#include <cstdint>
#include <string_view>

namespace xmpp::chat {

enum class Mode : std::uint8_t {
  client,     ///< `--jid`: a client session (RFC 6120, RFC 6121)
  component,  ///< `--component`: an external component session (XEP-0114)
};

/// The namespace stanzas of the stream are in: the client stream's default namespace
/// (RFC 6120 §4.8.3) or the component protocol's (XEP-0114 §3). The engines write stanzas in it
/// without an xmlns; a stanza in another namespace would be written with one and is not a stanza
/// of this stream.
constexpr std::string_view stanza_namespace(Mode mode) noexcept {
  return mode == Mode::client ? std::string_view("jabber:client")
                              : std::string_view("jabber:component:accept");
}

}  // namespace xmpp::chat
