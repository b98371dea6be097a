// A client engine and the test server engine (tests/support/server) connected in memory under a
// virtual clock, as quinn's Pair and h11's ConnectionPair do it: step() moves every byte that is
// ready in both directions, run() steps until nothing moves, and the clock only moves when a
// test says so (or jumps to the client's next deadline).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "client_harness.hpp"
#include "server/server.hpp"

namespace xmpp::test {

/// The server's configuration the pair tests start from: alice / s3cret at example.com.
testing::ServerConfig test_server_config();

class Pair {
 public:
  Pair(ClientConfig client_config, testing::ServerConfig server_config);

  Client client;
  /// The server's stream management sessions, shared by the Server of every connection.
  testing::SessionStore sessions;
  /// The server side of the current connection (a new one after reconnect()).
  testing::Server& server() noexcept { return *server_; }
  TimePoint now{std::chrono::seconds(1000)};
  /// What each side's TLS layer reports at the hand-off; equal unless a test plays a
  /// man-in-the-middle (different channel-binding data on each side).
  TlsInfo client_tls = test_tls_info();
  sasl::TlsChannel server_tls = test_tls_info().channel;

  /// Bytes per receive() call for the client (default: each server write whole) and output
  /// bytes written per drain (default: all); property tests vary them.
  std::function<std::size_t()> client_chunk;
  std::function<std::size_t()> client_write_budget;
  /// Client bytes per server receive() call (default: all that are pending).
  std::function<std::size_t()> server_chunk;

  /// Everything the client wrote, in order.
  std::string client_written;
  /// Every event except stanzas, and the stanzas written out as XML (an event's element is only
  /// valid until the next input).
  std::vector<Event> events;
  std::vector<std::string> stanzas;

  /// connect(), and the TLS hand-off at once for direct TLS.
  void start();
  /// Moves what is ready in both directions; false when nothing moved.
  bool step();
  /// Steps until nothing moves.
  void run();
  /// Moves the clock to the client's next deadline and fires it; false when there is none.
  bool advance_to_deadline();
  /// Moves the clock (the client's and the session store's) forward by `d`, firing what is due.
  void advance(Duration d);

  /// The link dies in both directions: bytes in flight are lost, the server loses the
  /// connection and the client sees end-of-file.
  void cut();
  /// A new connection: a new Server (same configuration, same session store), then connect().
  void reconnect();

  template <class T>
  const T* find() const {
    for (const auto& e : events)
      if (const T* p = std::get_if<T>(&e)) return p;
    return nullptr;
  }
  std::optional<CloseReason> closed_reason() const;

 private:
  bool drain_client();  // true when output moved
  bool feed_client();
  bool feed_server();
  bool hand_off_tls();

  testing::ServerConfig server_config_;
  std::unique_ptr<testing::Server> server_;
  std::string to_server_;               // client bytes the server has not consumed yet
  std::vector<std::string> to_client_;  // server writes not yet given to the client
  std::size_t to_client_offset_ = 0;    // bytes of to_client_.front() already given
};

}  // namespace xmpp::test
