#include "session_driver.hpp"

#include <utility>

#include "xmpp/adapters/entropy.hpp"

namespace xmpp::posix::detail {

namespace {

/// How long the adapter keeps trying to write a closing tag (or stream error) the socket does
/// not take before it resets the connection.
constexpr std::chrono::seconds kLingerLimit{2};

/// Receive rounds per pump, so that a flood of input cannot starve the application's
/// descriptors, timers and (in the epoll loop) the other sessions.
constexpr int kMaxPumpRounds = 64;

bool fail_start(std::string* error, std::string why) {
  if (error) *error = std::move(why);
  return false;
}

}  // namespace

SessionConfig adapted_session_config(SessionConfig config,
                                     const adapters::TransportOptions& options) {
  if (!config.client.entropy) config.client.entropy = adapters::system_entropy();
  if (options.tls.insecure) config.client.require_verified_certificate = false;
  return config;
}

bool SharedIo::prepare(const adapters::TransportOptions& options, std::string* error) {
  std::string why;
  if (!tls_context) {
    tls_context = tls::Context::create(options.tls, &why);
    if (!tls_context) return fail_start(error, "TLS: " + why);
  }
  return prepare_resolver(options, error);
}

bool SharedIo::prepare_resolver(const adapters::TransportOptions& options, std::string* error) {
  std::string why;
  if (!resolver) {
    resolver = dns::Resolver::create(options.dns, &why);
    if (!resolver) return fail_start(error, "DNS: " + why);
  }
  return true;
}

SessionDriver::SessionDriver(SessionConfig config, SessionHooks hooks,
                             adapters::TransportOptions options)
    : options_(std::move(options)),
      config_(adapted_session_config(std::move(config), options_)),
      session_(config_, std::move(hooks)),
      transport_({options_.connect_timeout, options_.read_chunk, options_.max_pending_ciphertext}),
      domain_(session_.client().config().jid.domain()),
      policy_(session_.client().config().tls),
      random_(adapters::system_random()) {}

bool SessionDriver::start(SharedIo& io, DnsMode dns, std::string* error) {
  io_ = &io;
  dns_ = dns;
  const CommandStatus status = session_.start(Clock::now());
  if (status == CommandStatus::invalid_config) {
    const SessionConfigError problem = validate(config_);
    std::string reason = "invalid configuration: " + std::string(to_string(problem));
    // Name the engine's own complaint, not just "client".
    if (problem == SessionConfigError::client) {
      reason += ": " + std::string(to_string(validate(config_.client)));
    }
    return fail_start(error, std::move(reason));
  }
  if (status != CommandStatus::ok) {
    return fail_start(error, "cannot start in state " + std::string(to_string(session_.state())));
  }
  started_ = true;
  return true;
}

bool SessionDriver::running() const noexcept {
  return started_ && session_.state() != SessionState::stopped;
}

std::optional<TimePoint> SessionDriver::next_deadline() const {
  std::optional<TimePoint> deadline = session_.next_deadline();
  for (const auto& other : {transport_.deadline(), linger_deadline_}) {
    if (other && (!deadline || *other < *deadline)) deadline = other;
  }
  return deadline;
}

int SessionDriver::fd() const noexcept {
  return transport_.active() ? transport_.fd() : -1;
}

short SessionDriver::poll_events() const noexcept {
  // Backpressure: no reading while the engine has not taken what was read.
  return transport_.poll_events(transport_.input().empty(), !session_.output().empty());
}

std::uint64_t SessionDriver::socket_serial() const noexcept {
  return transport_.socket_serial();
}

void SessionDriver::drop_transport() noexcept {
  drop_requested_ = transport_.active();
}

void SessionDriver::step(TimePoint now) {
  if (drop_requested_) {
    drop_requested_ = false;
    if (transport_.active()) {
      transport_.abort();
      last_error_ = "transport dropped by the application";
      report_closed(now);
    }
  }
  if (transport_.deadline() && now >= *transport_.deadline()) transport_.handle_timeout(now);
  if (linger_deadline_ && now >= *linger_deadline_) {
    transport_.abort();
    last_error_ = "the closing bytes could not be written in time";
    report_closed(now);
  }
  pump(now);
  const auto due = session_.next_deadline();
  if (due && now >= *due) {
    if (auto target = session_.handle_timeout(now)) begin_attempt(*target);
    pump(now);
  }
}

void SessionDriver::begin_attempt(const ConnectTarget& target) {
  last_error_.clear();
  resolving_ = true;
  resolution_ = start_target_resolution(*io_->resolver, target, domain_, policy_, random_,
                                        [this](ResolvedTarget r) { open_transport(std::move(r)); });
  if (dns_ == DnsMode::blocking && resolving_) {
    io_->resolver->run_for(2 * options_.dns.timeout);
    if (resolving_) {
      ResolvedTarget none;
      none.error = "no answer";
      open_transport(std::move(none));
    }
  }
}

void SessionDriver::open_transport(ResolvedTarget resolved) {
  resolving_ = false;
  resolution_.reset();  // the callback running now is kept alive by its caller
  direct_tls_ = std::move(resolved.direct_tls);
  // Resolution took time (blocking the loop, in DnsMode::blocking): the connect timeout runs
  // from after it.
  const TimePoint after = Clock::now();
  transport_.open(std::move(resolved.addresses), after);
  transport_owed_ = true;
  if (transport_.ended()) {
    last_error_ = resolved.error.empty() ? transport_.error() : resolved.error;
    report_closed(after);
  }
  if (dns_ == DnsMode::asynchronous && on_resolved) on_resolved();
}

void SessionDriver::on_ready(short revents, TimePoint now) {
  if (!transport_.active()) return;
  const TransportProgress progress = transport_.handle_ready(revents, now);
  if (progress.connected) {
    const std::size_t index = transport_.current_address();
    const bool direct = index < direct_tls_.size() && direct_tls_[index];
    if (direct) {
      // XEP-0368: TLS from the first byte, SNI the JID's domain, ALPN "xmpp-client".
      transport_.start_tls(io_->tls_context, {domain_, "xmpp-client"}, {});
    }
    session_.transport_connected(now,
                                 direct ? TransportSecurity::direct_tls : TransportSecurity::plain);
  }
  if (progress.tls_established) on_tls_established(now);
  pump(now);
}

void SessionDriver::on_tls_established(TimePoint now) {
  tls::Connection* connection = transport_.tls();
  const TlsInfo info = connection->info();
  if (!info.peer_verified && !options_.tls.insecure) {
    last_error_ = "certificate not verified for " + domain_ + ": " + connection->verify_error();
  }
  if (session_.state() == SessionState::connected) session_.tls_established(info, now);
}

void SessionDriver::pump(TimePoint now) {
  for (int round = 0; round < kMaxPumpRounds; ++round) {
    bool progress = write_output();
    progress = feed_input(now) || progress;
    if (transport_owed_ && transport_.ended()) {
      if (last_error_.empty()) last_error_ = transport_.error();
      report_closed(now);
      progress = true;
    }
    if (session_.state() == SessionState::disconnecting && transport_owed_) {
      progress = finish_disconnecting(now) || progress;
    }
    if (!progress) break;
  }
  // Quiet: nothing left to read or write. An idle session keeps only its state (bench/
  // many_sessions: 11 KB of engine buffers per session otherwise, 3 KB after).
  if (transport_.connected() && transport_.input().empty() && session_.output().empty()) {
    session_.release_memory();
  }
}

bool SessionDriver::write_output() {
  if (!transport_.connected()) return false;
  bool progress = false;
  for (;;) {
    const std::string_view out = session_.output();
    if (out.empty()) break;
    const std::size_t taken = transport_.write(out);
    if (taken == 0) break;
    session_.consume_output(taken);
    progress = true;
  }
  if (transport_.output_pending()) transport_.flush();
  return progress;
}

bool SessionDriver::feed_input(TimePoint now) {
  const std::string_view input = transport_.input();
  if (input.empty()) return false;
  if (session_.state() != SessionState::connected) {
    transport_.consume_input(input.size());  // the engine is done with this stream
    return true;
  }
  const ReceiveResult result = session_.receive(input, now);
  switch (result.status) {
    case ReceiveStatus::all_consumed:
    case ReceiveStatus::drain_needed:
      transport_.consume_input(result.consumed);
      return result.consumed > 0 || result.status == ReceiveStatus::drain_needed;
    case ReceiveStatus::tls_handoff: {
      // RFC 6120 §5.4.3.3: the bytes after <proceed/> belong to the TLS handshake.
      const std::string leftover(input.substr(result.consumed));
      transport_.start_tls(io_->tls_context, {domain_, ""}, leftover);
      return true;
    }
    case ReceiveStatus::closed:
    case ReceiveStatus::stream_error:
    case ReceiveStatus::invalid_state:
      transport_.consume_input(input.size());
      return true;
  }
  return false;
}

bool SessionDriver::finish_disconnecting(TimePoint now) {
  write_output();
  if (transport_.active() && (!session_.output().empty() || transport_.output_pending())) {
    if (!linger_deadline_) linger_deadline_ = now + kLingerLimit;
    return false;
  }
  transport_.close();
  report_closed(now);
  return true;
}

void SessionDriver::report_closed(TimePoint now) {
  linger_deadline_.reset();
  if (!transport_owed_) return;
  transport_owed_ = false;
  if (transport_.active()) transport_.abort();
  session_.transport_closed(now);
}

}  // namespace xmpp::posix::detail
