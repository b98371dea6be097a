// xmpp::posix::Client: one Session over one TCP (+TLS) transport at a time, with poll().
#include <poll.h>

#include <cerrno>
#include <utility>
#include <vector>

#include "target_resolution.hpp"
#include "tcp_socket.hpp"
#include "transport.hpp"
#include "watch_set.hpp"
#include "xmpp/adapters/entropy.hpp"
#include "xmpp/adapters/posix.hpp"

namespace xmpp::posix {

namespace {

/// How long the adapter keeps trying to write a closing tag (or stream error) the socket does
/// not take before it resets the connection.
constexpr std::chrono::seconds kLingerLimit{2};

/// Receive rounds per pump, so that a flood of input cannot starve the application's
/// descriptors and timers.
constexpr int kMaxPumpRounds = 64;

SessionConfig adapted(SessionConfig config, const Options& options) {
  if (!config.client.entropy) config.client.entropy = adapters::system_entropy();
  // A connection that is never verified cannot report a verified peer (Options::tls).
  if (options.tls.insecure) config.client.require_verified_certificate = false;
  return config;
}

}  // namespace

struct Client::Impl {
  Impl(SessionConfig config_in, SessionHooks hooks, Options opts)
      : options(std::move(opts)),
        config(adapted(std::move(config_in), options)),
        session(config, std::move(hooks)),
        transport({options.connect_timeout, options.read_chunk, options.max_pending_ciphertext}),
        domain(session.client().config().jid.domain()),
        policy(session.client().config().tls) {}

  Options options;
  SessionConfig config;  // what the Session was given, to explain an invalid_config
  Session session;
  detail::Transport transport;
  std::string domain;
  TlsPolicy policy;
  /// Per address of the current transport: TLS from the first byte (XEP-0368).
  std::vector<bool> direct_tls;
  std::shared_ptr<const tls::Context> tls_context;
  std::unique_ptr<dns::Resolver> resolver;
  dns::RandomUpTo random = adapters::system_random();
  detail::WatchSet watches;
  std::string last_error;
  /// The Session was told of the current transport and not yet that it ended.
  bool transport_owed = false;
  bool drop_requested = false;
  bool started = false;
  std::optional<TimePoint> linger_deadline;

  static TimePoint now() { return Clock::now(); }

  bool start(std::string* error) {
    std::string why;
    if (!tls_context) {
      tls_context = tls::Context::create(options.tls, &why);
      if (!tls_context) return fail_start(error, "TLS: " + why);
    }
    if (!resolver) {
      resolver = dns::Resolver::create(options.dns, &why);
      if (!resolver) return fail_start(error, "DNS: " + why);
    }
    const CommandStatus status = session.start(now());
    if (status == CommandStatus::invalid_config) {
      const SessionConfigError problem = validate(config);
      std::string reason = "invalid configuration: " + std::string(to_string(problem));
      // Name the engine's own complaint, not just "client".
      if (problem == SessionConfigError::client) {
        reason += ": " + std::string(to_string(validate(config.client)));
      }
      return fail_start(error, std::move(reason));
    }
    if (status != CommandStatus::ok) {
      return fail_start(error, "cannot start in state " + std::string(to_string(session.state())));
    }
    started = true;
    return true;
  }

  static bool fail_start(std::string* error, std::string why) {
    if (error) *error = std::move(why);
    return false;
  }

  bool running() const { return started && session.state() != SessionState::stopped; }

  bool run_once(std::chrono::milliseconds max_wait) {
    if (!running()) return false;
    step(now());
    if (!running()) return false;

    std::vector<pollfd> fds;
    const bool with_transport = transport.active();
    if (with_transport) {
      const bool want_input = transport.input().empty();
      const bool want_output = !session.output().empty();
      fds.push_back({transport.fd(), transport.poll_events(want_input, want_output), 0});
    }
    watches.add_to(fds);
    const TimePoint before = now();
    const int timeout = detail::poll_timeout_ms(before, next_deadline(), max_wait);
    const int ready = ::poll(fds.data(), fds.size(), timeout);
    if (ready < 0 && errno != EINTR) {
      last_error = "poll(): " + detail::describe_errno(errno);
      return running();
    }
    if (ready > 0) {
      if (with_transport && fds[0].revents != 0 && transport.active()) {
        on_transport_ready(fds[0].revents, now());
      }
      watches.dispatch(fds);
    }
    step(now());
    return running();
  }

  std::optional<TimePoint> next_deadline() const {
    std::optional<TimePoint> deadline = session.next_deadline();
    for (const auto& other : {transport.deadline(), linger_deadline}) {
      if (other && (!deadline || *other < *deadline)) deadline = other;
    }
    return deadline;
  }

  /// Everything that is due at `now`, then the bytes both ways.
  void step(TimePoint now) {
    if (drop_requested) {
      drop_requested = false;
      if (transport.active()) {
        transport.abort();
        last_error = "transport dropped by the application";
        report_closed(now);
      }
    }
    if (transport.deadline() && now >= *transport.deadline()) transport.handle_timeout(now);
    if (linger_deadline && now >= *linger_deadline) {
      transport.abort();
      last_error = "the closing bytes could not be written in time";
      report_closed(now);
    }
    pump(now);
    const auto due = session.next_deadline();
    if (due && now >= *due) {
      if (auto target = session.handle_timeout(now)) begin_attempt(*target, now);
      pump(now);
    }
  }

  void begin_attempt(const ConnectTarget& target, TimePoint now) {
    last_error.clear();
    detail::ResolvedTarget resolved =
        detail::resolve_target(*resolver, target, domain, policy, random, options.dns.timeout);
    direct_tls = std::move(resolved.direct_tls);
    // Resolution blocked the loop: the connect timeout runs from after it.
    const TimePoint after = Impl::now();
    transport.open(std::move(resolved.addresses), after);
    transport_owed = true;
    if (transport.ended()) {
      last_error = resolved.error.empty() ? transport.error() : resolved.error;
      report_closed(after);
    }
    (void)now;
  }

  void on_transport_ready(short revents, TimePoint now) {
    const detail::TransportProgress progress = transport.handle_ready(revents, now);
    if (progress.connected) {
      const std::size_t index = transport.current_address();
      const bool direct = index < direct_tls.size() && direct_tls[index];
      if (direct) {
        // XEP-0368: TLS from the first byte, SNI the JID's domain, ALPN "xmpp-client".
        transport.start_tls(tls_context, {domain, "xmpp-client"}, {});
      }
      session.transport_connected(
          now, direct ? TransportSecurity::direct_tls : TransportSecurity::plain);
    }
    if (progress.tls_established) on_tls_established(now);
    pump(now);
  }

  void on_tls_established(TimePoint now) {
    tls::Connection* connection = transport.tls();
    const TlsInfo info = connection->info();
    if (!info.peer_verified && !options.tls.insecure) {
      last_error = "certificate not verified for " + domain + ": " + connection->verify_error();
    }
    if (session.state() == SessionState::connected) session.tls_established(info, now);
  }

  /// Moves bytes between the Session and the transport until neither moves, then acts on the
  /// Session's state (disconnecting) and the transport's end.
  void pump(TimePoint now) {
    for (int round = 0; round < kMaxPumpRounds; ++round) {
      bool progress = write_output();
      progress = feed_input(now) || progress;
      if (transport_owed && transport.ended()) {
        if (last_error.empty()) last_error = transport.error();
        report_closed(now);
        progress = true;
      }
      if (session.state() == SessionState::disconnecting && transport_owed) {
        progress = finish_disconnecting(now) || progress;
      }
      if (!progress) break;
    }
  }

  bool write_output() {
    if (!transport.connected()) return false;
    bool progress = false;
    for (;;) {
      const std::string_view out = session.output();
      if (out.empty()) break;
      const std::size_t taken = transport.write(out);
      if (taken == 0) break;
      session.consume_output(taken);
      progress = true;
    }
    if (transport.output_pending()) transport.flush();
    return progress;
  }

  bool feed_input(TimePoint now) {
    const std::string_view input = transport.input();
    if (input.empty()) return false;
    if (session.state() != SessionState::connected) {
      transport.consume_input(input.size());  // the engine is done with this stream
      return true;
    }
    const ReceiveResult result = session.receive(input, now);
    switch (result.status) {
      case ReceiveStatus::all_consumed:
      case ReceiveStatus::drain_needed:
        transport.consume_input(result.consumed);
        return result.consumed > 0 || result.status == ReceiveStatus::drain_needed;
      case ReceiveStatus::tls_handoff: {
        // RFC 6120 §5.4.3.3: the bytes after <proceed/> belong to the TLS handshake.
        const std::string leftover(input.substr(result.consumed));
        transport.start_tls(tls_context, {domain, ""}, leftover);
        return true;
      }
      case ReceiveStatus::closed:
      case ReceiveStatus::stream_error:
      case ReceiveStatus::invalid_state:
        transport.consume_input(input.size());
        return true;
    }
    return false;
  }

  bool finish_disconnecting(TimePoint now) {
    write_output();
    if (transport.active() && (!session.output().empty() || transport.output_pending())) {
      if (!linger_deadline) linger_deadline = now + kLingerLimit;
      return false;
    }
    transport.close();
    report_closed(now);
    return true;
  }

  void report_closed(TimePoint now) {
    linger_deadline.reset();
    if (!transport_owed) return;
    transport_owed = false;
    if (transport.active()) transport.abort();
    session.transport_closed(now);
  }
};

Client::Client(SessionConfig config, SessionHooks hooks, Options options)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(hooks), std::move(options))) {}

Client::~Client() = default;

bool Client::start(std::string* error) {
  return impl_->start(error);
}

StopReason Client::run() {
  while (impl_->run_once(std::chrono::hours(1))) {
  }
  return impl_->session.reconnect_policy().stop_reason();
}

bool Client::run_once(std::chrono::milliseconds max_wait) {
  return impl_->run_once(max_wait);
}

bool Client::run_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  return detail::run_until(
      done, limit, [this](std::chrono::milliseconds wait) { return impl_->run_once(wait); });
}

void Client::watch(int fd, std::function<void(short)> on_ready) {
  impl_->watches.watch(fd, std::move(on_ready));
}

void Client::unwatch(int fd) {
  impl_->watches.unwatch(fd);
}

void Client::drop_transport() {
  impl_->drop_requested = impl_->transport.active();
}

Session& Client::session() noexcept {
  return impl_->session;
}
const Session& Client::session() const noexcept {
  return impl_->session;
}
const std::string& Client::last_transport_error() const noexcept {
  return impl_->last_error;
}

}  // namespace xmpp::posix
