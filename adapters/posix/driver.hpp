// What an event loop needs from one connection it drives, whatever runs over it (a client
// Session: SessionDriver; a XEP-0114 component: ComponentDriver), so that one loop (the epoll
// loop) waits for both kinds the same way. The driver waits for nothing itself: its owner waits
// for fd()/poll_events() and next_deadline(), then calls on_ready() and step().
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "xmpp/engine.hpp"

namespace xmpp::posix::detail {

class Driver {
 public:
  Driver() = default;
  virtual ~Driver() = default;
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;

  /// Started and not stopped.
  virtual bool running() const noexcept = 0;
  /// Everything due at `now`, then bytes both ways until nothing moves (hooks run from here).
  virtual void step(TimePoint now) = 0;
  /// The transport's descriptor was ready with `revents` (poll() bits).
  virtual void on_ready(short revents, TimePoint now) = 0;
  /// The earliest deadline of the engine and of the transport (connect timeout, linger).
  virtual std::optional<TimePoint> next_deadline() const = 0;

  /// The descriptor to wait for, -1 without a transport; what to wait for (poll() bits; 0 while
  /// the engine has not taken what was read and has nothing to write); and the socket's serial
  /// (Transport::socket_serial()), which tells a new socket from an old one with the same number.
  virtual int fd() const noexcept = 0;
  virtual short poll_events() const noexcept = 0;
  virtual std::uint64_t socket_serial() const noexcept = 0;

  /// Forgets a resolution in flight: its result will open no transport (the owner is about to
  /// destroy the driver). Safe from the driver's own hooks.
  virtual void abandon_resolution() noexcept = 0;
  /// Why the latest transport ended on the adapter's side (DNS, connect, TLS); empty when the
  /// engine was done with it.
  virtual const std::string& last_error() const noexcept = 0;

  /// DnsMode::asynchronous: called after a resolution ended (from the resolver's callbacks):
  /// the owner must step() this driver before it waits again.
  std::function<void()> on_resolved;
};

/// How a driver resolves where it connects.
enum class DnsMode : unsigned char {
  blocking,      ///< inside start() / step(), bounded by Options::dns.timeout (the POSIX driver)
  asynchronous,  ///< the owner drives the resolver; the result opens the transport later
};

}  // namespace xmpp::posix::detail
