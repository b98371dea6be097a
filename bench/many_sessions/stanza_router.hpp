// The benchmark server's application: accounts on demand, message routing between the
// connections of the test server engines (which know nothing of each other), and answers to IQ
// requests addressed to the server, so that a client's pings or requests are never left
// unanswered.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "connection.hpp"
#include "server/server_config.hpp"
#include "server/session_store.hpp"

namespace xmpp::bench {

struct RouterCounts {
  std::uint64_t routed = 0;         ///< messages handed to their recipient's stream
  std::uint64_t undeliverable = 0;  ///< messages to an account with no session
  std::uint64_t iq_answered = 0;    ///< IQ requests to the server answered with a result
  std::uint64_t other = 0;          ///< presence and anything else (not routed)
};

class StanzaRouter {
 public:
  /// `config` is every connection's ServerConfig (its `users` are ignored: accounts are made on
  /// demand, `account_prefix` + digits, all with `password`).
  StanzaRouter(testing::ServerConfig config, std::string account_prefix, std::string password);

  std::unique_ptr<testing::Server> make_server();
  /// Gives the client's bytes in `c.in` to its Server and routes the stanzas that completes.
  /// Connections other than `c` that got something to write are appended to `touched`.
  void serve(Connection& c, std::vector<Connection*>& touched);
  /// `c` is gone (its Server was told): forget it as an account's online connection.
  void forget(Connection& c);

  const RouterCounts& counts() const noexcept { return counts_; }
  std::size_t online() const noexcept { return online_.size(); }
  /// Accounts that enabled stream management.
  std::size_t sm_accounts() const noexcept { return sm_ids_.size(); }

 private:
  void give_account(Connection& c);
  void route(Connection& from, const std::string& stanza, std::vector<Connection*>& touched);
  void answer_iq(Connection& from, const std::string& stanza);

  testing::ServerConfig config_;
  std::string prefix_;
  std::string password_;
  testing::SessionStore store_;
  /// Account → its connection once bound (the latest one: a resumption replaces it).
  std::unordered_map<std::string, Connection*> online_;
  /// Account → its stream-management session, for a recipient whose link is down (the store
  /// keeps the stanza for the resumption, XEP-0198 §5).
  std::unordered_map<std::string, std::string> sm_ids_;
  RouterCounts counts_;
};

}  // namespace xmpp::bench
