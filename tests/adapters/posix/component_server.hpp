// A minimal XEP-0114 server for the component drivers' tests (the test server engine has no
// component mode), stepped by the test thread: the handshake checked with SHA-1(stream id +
// secret) computed by OpenSSL, what the component sent, the closing handshake. Shared by the
// POSIX driver's and the epoll loop's component tests.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "loopback.hpp"
#include "xmpp/adapters/component_hooks.hpp"
#include "xmpp/component.hpp"

namespace xmpp::posix::test {

/// The server side of one component connection (XEP-0114 §3).
class ComponentServer {
 public:
  explicit ComponentServer(std::string secret) : secret_(std::move(secret)) {}

  std::string address() const { return listener_.address(); }

  /// Waits at most `wait`, then accepts, reads and answers what it can.
  void step(std::chrono::milliseconds wait = std::chrono::milliseconds(0));
  /// Closes the connection without a closing tag (a FIN).
  void drop();
  /// Sends raw bytes to the component.
  void send(const std::string& bytes);

  // What happened.
  std::string received;  ///< every byte from the component
  std::string header;    ///< the component's stream header
  std::optional<bool> handshake_ok;
  std::string after_handshake;  ///< what came after the handshake (stanzas, closing tag)
  bool client_closed = false;   ///< the component's closing tag arrived (and was answered)
  bool eof = false;
  bool closed = false;
  const std::string stream_id = "c0mp0nent-stream-1";

 private:
  void answer();

  std::string secret_;
  Listener listener_ = Listener::open();
  Fd conn_;
  std::size_t consumed_ = 0;
};

/// component.localhost with `secret`, no keepalive.
ComponentConfig component_config(std::string secret);

/// What a component's hooks saw.
struct ComponentSeen {
  bool online = false;
  std::optional<Jid> online_jid;
  std::vector<std::string> stanza_ids;
  std::vector<StreamErrorCondition> errors_received;
  std::optional<CloseReason> closed;   ///< the Closed event
  std::optional<CloseReason> stopped;  ///< on_stopped
  int stops = 0;
  std::string sent;
  std::string received;

  adapters::ComponentHooks hooks();
};

}  // namespace xmpp::posix::test
