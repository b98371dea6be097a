// The connection logic every client driver shares (the POSIX poll() driver, the epoll loop):
// one Session over one TCP (+TLS) transport at a time — where to connect, the connect and TLS
// hand-offs, moving bytes both ways with backpressure, the graceful close with its linger, and
// telling the Session how each transport ended. The driver waits for nothing itself: its owner
// waits for fd()/poll_events() and next_deadline(), then calls on_ready() and step().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "driver.hpp"
#include "target_resolution.hpp"
#include "transport.hpp"
#include "xmpp/adapters/dns.hpp"
#include "xmpp/adapters/options.hpp"
#include "xmpp/adapters/tls.hpp"
#include "xmpp/session.hpp"

namespace xmpp::posix::detail {

/// `config` with the adapter's defaults, as every client adapter starts its Session: system
/// entropy when none was given; no verified certificate required under
/// TransportOptions::tls.insecure (a connection never verified cannot report a verified peer).
SessionConfig adapted_session_config(SessionConfig config,
                                     const adapters::TransportOptions& options);

/// What the drivers of one adapter object share: one TLS context and one resolver.
struct SharedIo {
  std::shared_ptr<const tls::Context> tls_context;
  std::unique_ptr<dns::Resolver> resolver;
  /// Creates what is still missing. False, with the reason in `error`, when one cannot be.
  bool prepare(const adapters::TransportOptions& options, std::string* error);
  /// Only the resolver (components have no TLS): what prepare() does for it.
  bool prepare_resolver(const adapters::TransportOptions& options, std::string* error);
};

/// One client Session. DnsMode::blocking resolves inside step(), bounded by twice
/// Options::dns.timeout (SRV, then addresses).
class SessionDriver final : public Driver {
 public:
  /// The Session is built from `config` with the adapter's defaults (system entropy; no
  /// verified certificate required under TransportOptions::tls.insecure).
  SessionDriver(SessionConfig config, SessionHooks hooks, adapters::TransportOptions options);

  /// Starts the Session. `io` must be prepared and outlive the driver. False, with the reason
  /// (the configuration's problem, named), when the Session refuses; nothing changes then.
  bool start(SharedIo& io, DnsMode dns, std::string* error);
  bool running() const noexcept override;

  /// Everything due at `now` (a requested drop, connect timeout, linger, the Session's
  /// deadline: a new attempt), then bytes both ways until nothing moves.
  void step(TimePoint now) override;
  void on_ready(short revents, TimePoint now) override;
  /// The earliest of the Session's deadline, the connect timeout and the linger.
  std::optional<TimePoint> next_deadline() const override;

  int fd() const noexcept override;
  short poll_events() const noexcept override;
  std::uint64_t socket_serial() const noexcept override;

  /// The next step() resets the transport (posix::Client::drop_transport()).
  void drop_transport() noexcept;
  void abandon_resolution() noexcept override {
    resolution_.reset();
    resolving_ = false;
  }

  Session& session() noexcept { return session_; }
  const Session& session() const noexcept { return session_; }
  const std::string& last_error() const noexcept override { return last_error_; }

 private:
  void begin_attempt(const ConnectTarget& target);
  void open_transport(ResolvedTarget resolved);
  void on_tls_established(TimePoint now);
  void pump(TimePoint now);
  bool write_output();
  bool feed_input(TimePoint now);
  bool finish_disconnecting(TimePoint now);
  void report_closed(TimePoint now);

  adapters::TransportOptions options_;
  SessionConfig config_;  // what the Session was given, to explain an invalid_config
  Session session_;
  Transport transport_;
  std::string domain_;
  TlsPolicy policy_;
  SharedIo* io_ = nullptr;
  DnsMode dns_ = DnsMode::blocking;
  dns::RandomUpTo random_;
  Resolution resolution_;
  bool resolving_ = false;
  /// Per address of the current transport: TLS from the first byte (XEP-0368).
  std::vector<bool> direct_tls_;
  std::string last_error_;
  /// The Session was told of the current transport and not yet that it ended.
  bool transport_owed_ = false;
  bool drop_requested_ = false;
  bool started_ = false;
  std::optional<TimePoint> linger_deadline_;
};

}  // namespace xmpp::posix::detail
