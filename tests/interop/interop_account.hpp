// Real-server scenarios: an account driven by the POSIX adapter (or the epoll adapter, with
// XMPP_INTEROP_ADAPTER=epoll, or the Asio adapter, with XMPP_INTEROP_ADAPTER=asio) against the
// private Prosody or ejabberd that tests/interop/with-servers.sh started, with everything it
// observed recorded.
#pragma once

#include <chrono>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "xmpp/adapters/epoll.hpp"
#include "xmpp/adapters/posix.hpp"

namespace interop {

/// The server under test, from the environment with-servers.sh exports:
/// XMPP_INTEROP_SERVER (prosody|ejabberd) and XMPP_<KIND>_{C2S,TLS,COMPONENT,CA,SM_TIMEOUT}.
struct ServerInfo {
  std::string kind;
  std::string c2s;        ///< "127.0.0.1:port", STARTTLS
  std::string tls;        ///< "127.0.0.1:port", direct TLS (XEP-0368)
  std::string component;  ///< "127.0.0.1:port", XEP-0114
  std::string ca_file;    ///< the server's self-signed certificate
  std::chrono::seconds sm_timeout{0};
  bool ejabberd() const { return kind == "ejabberd"; }
};

/// Reads the environment; fails the test (REQUIRE) when something is missing.
const ServerInfo& server();

/// The adapter an Account runs on: posix::Client, an epoll::Loop of its own driving its one
/// Session, or an asio_adapter::Client on an io_context of its own. XMPP_INTEROP_ADAPTER (posix,
/// the default, epoll or asio) chooses for every Account, so the same scenarios run over each
/// (meson registers interop_<server>_epoll and interop_<server>_asio).
enum class Adapter { posix, epoll, asio };

/// What the scenarios need of either adapter.
class Driver {
 public:
  virtual ~Driver() = default;
  virtual bool start(std::string* error) = 0;
  virtual bool run_once(std::chrono::milliseconds max_wait) = 0;
  virtual bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit) = 0;
  virtual xmpp::Session& session() = 0;
  virtual const std::string& last_transport_error() const = 0;
};

struct AccountOptions {
  std::string user = "alice";
  std::string password = "s3cret";
  std::string resource = "interop";
  /// Where to connect instead of server().c2s (a FaultProxy, the direct TLS port).
  std::string address;
  xmpp::TlsPolicy tls = xmpp::TlsPolicy::required;
  xmpp::tls::MaxVersion max_tls = xmpp::tls::MaxVersion::tls_1_3;
  /// Empty: the engine's default preference.
  std::vector<xmpp::sasl::Mechanism> mechanisms;
  bool stream_management = true;
  /// The Session's initial presence (ApplicationConfig::send_initial_presence).
  bool initial_presence = true;
  /// The rest of the application layer's configuration (initial_presence overrides its
  /// send_initial_presence).
  xmpp::ApplicationConfig app;
  /// Called for each stanza the Session hands to on_stanza, after it is recorded.
  std::function<void(xmpp::Session&, xmpp::xml::Element)> on_stanza;
  /// The Session's on_subscription hook (empty: subscription presences go to on_stanza).
  std::function<void(xmpp::Session&, const xmpp::SubscriptionEvent&)> on_subscription;
  /// Unset: XMPP_INTEROP_ADAPTER.
  std::optional<Adapter> adapter;
};

/// One account and what happened to it.
class Account {
 public:
  explicit Account(AccountOptions options);
  /// Closes the session gracefully (bounded): a session left behind would hand its unacked
  /// stanzas to the next test's session of the same account (ejabberd re-routes them).
  ~Account();
  Account(const Account&) = delete;
  Account& operator=(const Account&) = delete;

  /// Starts the Session; REQUIREs success.
  void start();
  Driver& adapter() { return *adapter_; }
  xmpp::Session& session() { return adapter_->session(); }
  std::string full_jid() const;

  /// Sends a chat message with this id and body; REQUIREs the engine to take it.
  void send_chat(const std::string& to, const std::string& id, const std::string& body);

  // What was observed.
  int fresh_sessions = 0;
  int resumed_sessions = 0;
  std::optional<std::string> bound_jid;
  std::vector<xmpp::sasl::Mechanism> authenticated;
  std::vector<std::string> auth_failures;
  std::map<std::string, int> received;  ///< message id -> how many times delivered
  std::map<std::string, int> acked;     ///< stanza id -> how many Acked reports
  std::map<std::string, int> unconfirmed;
  std::vector<xmpp::event::Closed> closes;
  std::optional<xmpp::StopReason> stopped;
  std::vector<std::string> stream_errors_received;
  std::vector<xmpp::LinkDeadCause> link_dead;
  std::vector<xmpp::RosterUpdate> roster_updates;

  bool online() const;
  /// How many ids in `ids` were received exactly once / acked exactly once.
  bool received_all_once(const std::vector<std::string>& ids) const;
  bool acked_all_once(const std::vector<std::string>& ids) const;

 private:
  AccountOptions options_;
  std::unique_ptr<Driver> adapter_;
};

/// Runs every account's loop in turn (a few milliseconds each) until `done()` or `limit`.
/// Returns done().
bool run_all(std::initializer_list<Account*> accounts, const std::function<bool()>& done,
             std::chrono::milliseconds limit);

/// "m1", "m2", ... with a prefix.
std::vector<std::string> ids(const std::string& prefix, int first, int last);

}  // namespace interop
