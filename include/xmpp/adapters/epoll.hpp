// The epoll adapter (Linux): one thread drives many xmpp::Session objects, each over its own TCP
// (+TLS) transport, and XEP-0114 components (xmpp::Component, plain TCP), with one epoll
// instance, one deadline heap and one shared asynchronous resolver. The connection logic (where to
// connect, connect timeouts and the next address, the STARTTLS and direct TLS hand-offs through the
// shared OpenSSL glue, backpressure, the graceful close, reconnection and resumption) is the same
// as the POSIX driver's; only the waiting differs:
//
//     xmpp::epoll::Loop loop;
//     for (auto& account : accounts) {
//       if (!loop.add(account.config(), account.hooks(), &error)) ...;
//     }
//     loop.run();  // until every Session has stopped, or stop()
//
// No thread per session, no busy polling: the loop sleeps in epoll_wait() until a socket, a
// resolver socket, an application descriptor or the earliest deadline of any session is due,
// and each wake-up costs O(ready descriptors + expired timers × log sessions), never a scan of
// every session.
#pragma once

#include <sys/epoll.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "xmpp/adapters/component_hooks.hpp"
#include "xmpp/adapters/options.hpp"
#include "xmpp/component.hpp"
#include "xmpp/session.hpp"

namespace xmpp::epoll {

/// The adapter's own settings, shared by every session of a Loop (the same struct as
/// posix::Options): one TLS context and one resolver are made from them.
using Options = adapters::TransportOptions;

/// Names a session (or a component) of a Loop; never reused by that Loop. 0 is "none".
using SessionId = std::uint64_t;

/// The callbacks of a component: the struct every adapter shares (posix::ComponentHooks too).
using ComponentHooks = adapters::ComponentHooks;

/// One epoll instance driving any number of Sessions and application descriptors.
///
/// Threads: none of its own. Everything, hooks included, runs in the thread that calls run(),
/// run_once() or run_until(); the object is not thread-safe (use one Loop per thread to spread
/// sessions over cores).
///
/// Hooks get their Session and may call its commands (send, send_iq, close, ...); a hook (or a
/// watch() callback, or code between run_once() calls) may also reach another session through
/// session(id) and command it. The Loop writes what any of them produced before it waits again:
/// session(id) marks that session for a visit, so nothing is scanned.
///
/// Ownership: the Loop owns each Session and Component (session(id) and component(id) lend them
/// until remove(id) or the Loop's destruction) and every socket. Destroying the Loop closes
/// every transport (without the closing handshake: call Session::close() or Component::close()
/// and run until stopped first for a clean end) and calls no hook.
class Loop {
 public:
  /// Creates the epoll instance. The TLS context (CA file) and the resolver are created by the
  /// first add(), which reports their failure.
  explicit Loop(Options options = {});
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  /// Creates a Session from `config` and `hooks` and starts it (its first attempt runs in the
  /// next run_once()). Returns its id; 0 when it cannot start, with the reason in `error` (the
  /// TLS context or resolver cannot be created, the configuration is invalid, the epoll
  /// instance could not be created) and nothing added. May be called from hooks.
  ///
  /// `prepare`, when given, is called on the new Session before it starts (inside this call,
  /// also when the start then fails), for what only an idle Session accepts:
  /// Session::restore_stream_management() (a session saved by an earlier process, resumed on the
  /// first attempt), routes, set_hooks().
  SessionId add(SessionConfig config, SessionHooks hooks, std::string* error = nullptr,
                const std::function<void(Session&)>& prepare = {});

  /// Creates a XEP-0114 component connection to `server` ("host:port", port 5347 when none is
  /// given; components are not found by SRV) and starts it: the address is resolved without
  /// blocking, over the Loop's resolver, then the connect and the handshake run in the next
  /// run_once() calls; `hooks` as for posix::ComponentClient. There is no reconnection: when the
  /// stream ends (ComponentHooks::on_stopped, with the reason; also when the address did not
  /// resolve or no connect succeeded, and then last_transport_error(id) says why) the component
  /// stays, stopped, until remove(id). Returns its id (the same numbering as sessions'; remove(),
  /// last_transport_error(), running() and size() count it); 0 with the reason in `error` when
  /// it cannot start (invalid configuration, `server` not a host:port, the resolver cannot be
  /// created). Needs no TLS context. May be called from hooks.
  SessionId add_component(ComponentConfig config, std::string server, ComponentHooks hooks,
                          std::string* error = nullptr);
  /// Removes a session: its transport is closed at once (a FIN, no closing tag; the server
  /// sees the link end and may keep an XEP-0198 session for resumption), no hook is called,
  /// and the Session is destroyed. From a hook or callback (its own included) the destruction is
  /// deferred until the loop is back at its top; session(id) is null from now on either way.
  /// False when `id` is unknown.
  bool remove(SessionId id);
  /// The session `id` (null when unknown or removed), valid until it is removed or the Loop is
  /// destroyed. Also marks the session so that what the caller makes it send is written before
  /// the loop next waits: outside the session's own hooks, call session(id) for each use rather
  /// than keeping the pointer (commands through a kept pointer are written only when something
  /// else wakes that session: its socket, its deadline).
  Session* session(SessionId id);
  /// The component `id` (null when unknown, removed, or a client session), lent as session(id)
  /// lends a Session, with the same marking: call component(id) for each use from outside its
  /// hooks, and what the caller makes it send (send(), close()) is written before the loop
  /// waits again.
  Component* component(SessionId id);
  /// Sessions and components added and not removed (stopped ones included).
  std::size_t size() const noexcept;
  /// Sessions and components that have not stopped.
  std::size_t running() const noexcept;

  /// Waits at most `max_wait` for any descriptor or the earliest deadline, and handles
  /// everything that is ready (hooks run from here). Returns false when there is nothing left
  /// to do: every session stopped (or none) and no descriptor is watched, or stop() was called
  /// (the flag is cleared by this return).
  bool run_once(std::chrono::milliseconds max_wait);
  /// run_once() until `done()` is true, run_once() returned false, or `limit` passed. Returns
  /// done().
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit);
  /// run_once() until every session has stopped (watched descriptors do not keep it running)
  /// or stop() is called.
  void run();
  /// Makes run() and the current run_once() return (from a hook or callback).
  void stop() noexcept;

  /// Adds an application descriptor to the same epoll set: `on_ready` is called with epoll's
  /// event bits (EPOLLIN, EPOLLHUP, ...) when one of `events` (default: readable) happens,
  /// level-triggered. One callback per fd; a second watch() of the same fd replaces it. The
  /// descriptor stays the caller's: unwatch() it before closing it. May be called from
  /// callbacks and hooks. False (nothing changes) when epoll refuses the descriptor.
  bool watch(int fd, std::function<void(std::uint32_t events)> on_ready,
             std::uint32_t events = EPOLLIN);
  void unwatch(int fd);

  /// Cuts a session's transport abruptly, as a network failure would: a TCP reset, no closing
  /// tag, no close_notify (done in the next run_once()). The Session sees a lost connection and
  /// reconnects (resuming, with stream management). Does nothing without a transport, and for a
  /// component (a component stream cannot be resumed: cutting it could only lose stanzas).
  void drop_transport(SessionId id);
  /// Why the latest transport of session `id` ended on the adapter's side (DNS, connect, TLS),
  /// for diagnostics; empty when it ended because the engine was done with it, or `id` is
  /// unknown. Valid until the next run_once().
  const std::string& last_transport_error(SessionId id) const;

  /// How many times epoll_wait() has returned (diagnostics: an idle loop wakes only for
  /// deadlines, so this grows slowly).
  std::uint64_t wakeups() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace xmpp::epoll
