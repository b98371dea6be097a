// The two ways xmpp-chat runs: as a client (a Session over the --adapter driver, chat_driver.hpp)
// and as a XEP-0114 component (xmpp::posix::ComponentClient). Each returns the process's exit
// status: 0 normal end, 1 permanent failure, 2 usage error.
#pragma once

#include <optional>
#include <string>

#include "options.hpp"

namespace xmpp::chat {

/// `secret` is the password; nothing logs in anonymously (SASL ANONYMOUS, RFC 4505).
int run_client(const ChatOptions& options, std::optional<std::string> secret);
int run_component(const ChatOptions& options, const std::string& secret);

/// "host:port", with brackets around an IPv6 literal.
std::string server_string(const ServerAddress& address);

}  // namespace xmpp::chat
