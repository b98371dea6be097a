// The POSIX adapter: a blocking, poll()-based driver for one xmpp::Session (or one
// xmpp::Component) over TCP, with the shared OpenSSL glue (xmpp/adapters/tls.hpp) and the shared
// resolver (xmpp/adapters/dns.hpp). The simplest way to write a bot:
//
//     xmpp::posix::Client bot(std::move(config), hooks);
//     if (!bot.start(&error)) ...;
//     bot.run();  // until the Session stops: reconnects and resumes by itself
//
// The adapter only moves bytes and time: every protocol decision (what to send, when to
// reconnect, whether a certificate is acceptable) is the Session's.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "xmpp/adapters/component_hooks.hpp"
#include "xmpp/adapters/dns.hpp"
#include "xmpp/adapters/options.hpp"
#include "xmpp/adapters/tls.hpp"
#include "xmpp/component.hpp"
#include "xmpp/session.hpp"

namespace xmpp::posix {

/// What the adapter itself decides: trust, DNS, timeouts (the same struct as epoll::Options).
using Options = adapters::TransportOptions;

/// Drives one Session over one TCP (+TLS) transport at a time.
///
/// Threads: none. Everything, hooks included, runs in the thread that calls run(), run_once()
/// or run_until(); the object is not thread-safe. Hooks get the Session and may call its
/// commands (send, send_iq, close); the adapter writes what they produce before it waits again.
///
/// Name resolution (the SRV lookups, then the A/AAAA lookups, each phase bounded by
/// Options::dns.timeout) blocks the loop; TCP connects and TLS handshakes do not block it. (The
/// epoll adapter, xmpp/adapters/epoll.hpp, resolves without blocking and drives many Sessions.)
class Client {
 public:
  Client(SessionConfig config, SessionHooks hooks, Options options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// Creates the TLS context and the resolver and starts the Session (Session::start()).
  /// Returns false, with the reason in `error`, when that fails (unreadable CA file, invalid
  /// configuration); nothing else changes then.
  bool start(std::string* error = nullptr);

  /// Runs until the Session has stopped; returns why (ReconnectPolicy::stop_reason()).
  StopReason run();
  /// Waits at most `max_wait` for the socket, the watched descriptors or the Session's next
  /// deadline, and handles everything that is ready. Returns false once the Session has stopped.
  bool run_once(std::chrono::milliseconds max_wait);
  /// run_once() until `done()` is true, the Session stopped, or `limit` passed. Returns done().
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit);

  /// Adds an application descriptor (standard input, a pipe) to the same poll(): `on_ready` is
  /// called with poll()'s revents when it is readable (or hung up). One callback per fd; a
  /// second watch() of the same fd replaces the first. May be called from the callbacks.
  void watch(int fd, std::function<void(short revents)> on_ready);
  void unwatch(int fd);

  /// Cuts the transport abruptly, as a network failure would: a TCP reset, no closing tag, no
  /// close_notify. The Session sees a lost connection and reconnects (resuming, with stream
  /// management). Does nothing without a transport.
  void drop_transport();

  Session& session() noexcept;
  const Session& session() const noexcept;
  /// Why the latest transport ended on the adapter's side (DNS, connect, TLS), for diagnostics;
  /// empty when it ended because the engine was done with it.
  const std::string& last_transport_error() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

/// The callbacks of a ComponentClient: the struct every adapter shares (the epoll loop's
/// components take the same).
using ComponentHooks = adapters::ComponentHooks;

/// Drives one XEP-0114 component connection (plain TCP to the server's component port; the
/// protocol has no TLS). No reconnection: run() returns when the stream has closed. The
/// connection logic is shared with the epoll loop (epoll::Loop::add_component()).
///
/// Threads: none, as for Client: hooks run in the thread that calls run(), run_once() or
/// run_until(). Ownership: the ComponentClient owns the Component (component() lends it until
/// destruction) and the socket; destroying it closes the socket without a closing tag.
class ComponentClient {
 public:
  /// `server` is "host:port" (required: components are not found by SRV).
  ComponentClient(ComponentConfig config, std::string server, ComponentHooks hooks,
                  Options options = {});
  ~ComponentClient();
  ComponentClient(const ComponentClient&) = delete;
  ComponentClient& operator=(const ComponentClient&) = delete;

  /// Checks the configuration and resolves the server (blocking, bounded by the DNS timeout),
  /// then starts connecting (not blocking): the handshake begins once the TCP connection is up.
  /// False (and `error`) when the configuration or the address is unusable. A connection that
  /// then fails ends run() with CloseReason::connection_lost (last_transport_error() says why);
  /// only ComponentHooks::on_stopped hears of it, as no stream was started.
  bool start(std::string* error = nullptr);
  /// Runs until the stream has closed; returns the Closed event's reason (connection_lost when
  /// no stream could be started).
  CloseReason run();
  bool run_once(std::chrono::milliseconds max_wait);
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit);
  void watch(int fd, std::function<void(short revents)> on_ready);
  void unwatch(int fd);

  Component& component() noexcept;
  const std::string& last_transport_error() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace xmpp::posix
