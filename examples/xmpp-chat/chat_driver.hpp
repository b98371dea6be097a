// The I/O driver under xmpp-chat's client mode (--adapter): what client_mode.cpp needs from an
// adapter, so that every adapter gives the same command-line contract (output lines, exit
// statuses) from the same code. One implementation per adapter, each in its own file:
// posix_driver.cpp (posix::Client), epoll_driver.cpp (epoll::Loop with one session),
// asio_driver.cpp (asio_adapter::Client on an io_context). An adapter built on another event
// loop fits the same shape: watch() over its descriptor type, run_once() as "run one round for
// at most max_wait".
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "options.hpp"
#include "xmpp/adapters/options.hpp"
#include "xmpp/session.hpp"

namespace xmpp::chat {

/// One Session and the application's descriptors (standard input, the signal pipe), driven in
/// the calling thread. Everything (hooks, watch() callbacks) runs inside run_once().
class ChatDriver {
 public:
  ChatDriver() = default;
  virtual ~ChatDriver() = default;
  ChatDriver(const ChatDriver&) = delete;
  ChatDriver& operator=(const ChatDriver&) = delete;

  /// Creates the Session (from what make_driver() was given), calls `prepare` on it while it is
  /// idle (restoring a saved stream management state must come before the start), and starts
  /// it. False, with the reason in `error`, when it cannot start; nothing runs then.
  virtual bool start(const std::function<void(Session&)>& prepare, std::string* error) = 0;
  /// Waits at most `max_wait` for the transport, the watched descriptors and the deadlines, and
  /// handles what is ready. False once the Session has stopped.
  virtual bool run_once(std::chrono::milliseconds max_wait) = 0;
  /// `on_ready` is called when `fd` is readable or hung up, level-triggered; for a descriptor
  /// the adapter cannot wait for (a regular file, /dev/null) at every run_once(), since reading
  /// it never blocks (what poll() reports for it). One callback per fd: a second watch()
  /// replaces it. May be called from callbacks and hooks; the descriptor stays the caller's.
  virtual void watch(int fd, std::function<void()> on_ready) = 0;
  virtual void unwatch(int fd) = 0;
  /// Cuts the transport as a network failure would (a TCP reset): the Session resumes.
  virtual void drop_transport() = 0;
  /// The Session; valid once start() succeeded, until the driver is destroyed.
  virtual Session& session() = 0;
  /// Why the latest transport ended on the adapter's side (for the exit message).
  virtual const std::string& last_transport_error() const = 0;
};

/// The driver for `kind`; null when this build does not have it (parse_options() refuses such
/// an --adapter, see adapter_available()).
std::unique_ptr<ChatDriver> make_driver(AdapterKind kind, SessionConfig config, SessionHooks hooks,
                                        const adapters::TransportOptions& options);

/// The implementations (posix_driver.cpp, epoll_driver.cpp on Linux, asio_driver.cpp when Asio
/// is installed).
std::unique_ptr<ChatDriver> make_posix_driver(SessionConfig config, SessionHooks hooks,
                                              const adapters::TransportOptions& options);
std::unique_ptr<ChatDriver> make_epoll_driver(SessionConfig config, SessionHooks hooks,
                                              const adapters::TransportOptions& options);
std::unique_ptr<ChatDriver> make_asio_driver(SessionConfig config, SessionHooks hooks,
                                             const adapters::TransportOptions& options);

}  // namespace xmpp::chat
