// Checking the addresses (to, from) of what xmpp-chat is asked to send.
#pragma once

#include <string>
#include <string_view>

namespace xmpp::chat {

/// Empty when `text` is a valid JID (RFC 7622, xmpp::Jid::parse) and, when `required_domain` is
/// not empty, its domainpart is that domain (ASCII case-insensitively, RFC 7622 §3.2; a trailing
/// dot ignored). Otherwise a specific reason naming the address as `what`, e.g.
/// "\"to\" is not a JID: localpart is empty (RFC 7622 §3.3)".
std::string address_problem(std::string_view what, std::string_view text,
                            std::string_view required_domain = {});

}  // namespace xmpp::chat
