// A Session driven as an adapter would drive it, against the test server engine
// (tests/support/server) in memory under a virtual clock: every connection the Session asks for
// gets a new testing::Server sharing one SessionStore, so XEP-0198 sessions survive cuts.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "client_harness.hpp"
#include "server/server.hpp"
#include "xmpp/session.hpp"
#include "xmpp/xml/arena.hpp"

namespace xmpp::test {

/// alice@example.com (test_config()) with SCRAM, stream management on, keepalive off, no
/// initial presence; the reconnect policy without jitter (its delays are exact).
SessionConfig session_test_config();
/// The server of session_test_config(): stream management on, sessions hibernate 60 s.
testing::ServerConfig session_server_config();

/// `<iq type='get'><ping xmlns='urn:xmpp:ping'/></iq>` (XEP-0199) with `to` and `id` when given.
xml::Element ping_iq(xml::Arena& arena, std::string_view to = {}, std::string_view id = {});
/// `<message to='bob@example.com' id='m<n>'><body>n</body></message>`.
xml::Element chat_message(xml::Arena& arena, int n);

/// Attribute `name` of the serialised element `xml` (written with single quotes); "" if absent.
std::string attribute_of(const std::string& xml, std::string_view name);

class World {
 public:
  World(SessionConfig config, testing::ServerConfig server_config, SessionHooks hooks = {});

  Session session;
  testing::SessionStore sessions;
  /// The configuration of the next server connection (see server_for).
  testing::ServerConfig server_config;
  /// When set, makes the configuration of each new connection from its target instead.
  std::function<testing::ServerConfig(const ConnectTarget&)> server_for;
  /// When set and true for a target, opening the transport there fails.
  std::function<bool(const ConnectTarget&)> refuse;
  /// The server application: called once per stanza the server took in (once per XEP-0198
  /// session across connections; per connection without stream management).
  std::function<void(World&, const std::string& stanza)> on_server_stanza;

  TimePoint now{std::chrono::seconds(1000)};
  /// Every target the Session asked for, in order (one per attempt).
  std::vector<ConnectTarget> attempts;
  /// Bytes the adapter wrote for the Session, and bytes the Session's engine took in.
  std::string written;
  std::string read;
  /// How often receive() asked the adapter to write output first (ReceiveStatus::drain_needed).
  std::size_t drain_needed = 0;

  /// The server of the current (or latest) connection; null before the first.
  testing::Server* server() noexcept { return server_.get(); }
  /// Sends a stanza from the server application on the current connection (false: not online).
  bool server_send(std::string xml);

  /// session.start(now), then run().
  void start();
  /// One round of the adapter's loop; false when nothing moved.
  bool step();
  /// Steps until nothing moves (the clock stays).
  void run();
  /// Moves the clock by `d` (the Session's and the store's), then run().
  void advance(Duration d);
  /// Moves the clock to the Session's next deadline, then run(); false when there is none.
  bool advance_to_deadline();
  /// The link dies in both directions; the adapter reports it (transport_closed).
  void cut();
  /// While true, nothing moves on the link in either direction (a silent dead link); when the
  /// Session asks for the transport to be closed, the server loses the connection.
  bool stalled = false;

 private:
  bool flush();
  bool feed_server();
  bool feed_session();
  bool hand_off_tls();
  bool close_transport();
  bool fire_timers();
  void open(const ConnectTarget& target);
  void serve_stanzas();

  std::unique_ptr<testing::Server> server_;
  bool transport_ = false;
  std::size_t connections_ = 0;
  std::string to_server_;
  std::vector<std::string> to_client_;
  std::size_t to_client_offset_ = 0;
  /// Stanzas already given to on_server_stanza, per XEP-0198 session id or connection.
  std::map<std::string, std::size_t> served_;
};

}  // namespace xmpp::test
