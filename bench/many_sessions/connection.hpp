// One client connection of the benchmark server: its socket, its test server engine and the
// bytes waiting on either side.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "server/server.hpp"

namespace xmpp::bench {

struct Connection {
  int fd = -1;
  std::unique_ptr<testing::Server> server;
  std::string in;   ///< read from the client, not yet taken by `server`
  std::string out;  ///< written by `server`, not yet taken by the socket
  /// How many of server->received_stanzas() were routed already.
  std::size_t stanzas_seen = 0;
  /// The account given to `server` (accounts on demand, accounts.hpp); empty until its <auth/>.
  std::string account;
  /// Whether the router knows this connection as the account's online one.
  bool registered = false;
  /// The epoll interest now registered.
  std::uint32_t events = 0;
};

}  // namespace xmpp::bench
