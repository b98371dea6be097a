// One XEP-0114 component stream over plain TCP, whoever waits for it (posix::ComponentClient
// with poll(), the epoll loop): resolving the server's "host:port", the connect (each address
// with connect_timeout, then the next), the handshake through the Component engine, bytes both
// ways with backpressure, the closing tag, and the hooks. No reconnection: a component stream
// that ends ends the driver.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "driver.hpp"
#include "target_resolution.hpp"
#include "transport.hpp"
#include "xmpp/adapters/component_hooks.hpp"
#include "xmpp/adapters/dns.hpp"
#include "xmpp/adapters/options.hpp"
#include "xmpp/component.hpp"

namespace xmpp::posix::detail {

class ComponentDriver final : public Driver {
 public:
  /// `server` is "host:port" (port 5347, the servers' convention, when none is given).
  ComponentDriver(ComponentConfig config, std::string server, adapters::ComponentHooks hooks,
                  const adapters::TransportOptions& options);

  /// Checks the configuration and the address, then: DnsMode::blocking resolves here (bounded
  /// by Options::dns.timeout) and starts connecting, false when nothing resolved;
  /// DnsMode::asynchronous starts the lookup over `resolver`, whose failure later ends the
  /// driver (CloseReason::connection_lost, last_error(), on_stopped). `resolver` must outlive the
  /// driver. False (and `error`) changes nothing.
  bool start(dns::Resolver& resolver, DnsMode dns, std::string* error);

  bool running() const noexcept override { return started_ && !closed_; }
  void step(TimePoint now) override;
  void on_ready(short revents, TimePoint now) override;
  std::optional<TimePoint> next_deadline() const override;
  int fd() const noexcept override;
  short poll_events() const noexcept override;
  std::uint64_t socket_serial() const noexcept override { return transport_.socket_serial(); }
  void abandon_resolution() noexcept override { resolution_.reset(); }
  const std::string& last_error() const noexcept override { return last_error_; }

  Component& component() noexcept { return component_; }
  /// Why the component ended (the Closed event's reason; connection_lost when no stream could
  /// be started); nullopt while running.
  std::optional<CloseReason> close_reason() const noexcept { return closed_; }

 private:
  void open_transport(ResolvedTarget resolved);
  void pump(TimePoint now);
  bool write_output();
  bool feed_input(TimePoint now);
  bool deliver_events();
  void finish_closed();

  adapters::TransportOptions options_;
  Component component_;
  std::string server_;
  adapters::ComponentHooks hooks_;
  Transport transport_;
  Resolution resolution_;
  std::string last_error_;
  std::optional<CloseReason> closed_;
  bool started_ = false;
  bool engine_connected_ = false;
  bool stop_reported_ = false;
};

}  // namespace xmpp::posix::detail
