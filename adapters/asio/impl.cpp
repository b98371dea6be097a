#include "impl.hpp"

#include <openssl/ssl.h>

#include <asio/connect.hpp>
#include <asio/error.hpp>
#include <asio/ssl/error.hpp>
#include <utility>

#include "../tls/client_ssl.hpp"
#include "xmpp/adapters/entropy.hpp"
#include "xmpp/xml/builder.hpp"

namespace xmpp::asio_adapter {

namespace {

/// How long the adapter keeps trying to write a closing tag (or stream error) the socket does
/// not take before it resets the connection (the same limit as the other adapters).
constexpr std::chrono::seconds kLingerLimit{2};

/// Receive rounds per pump, so that a flood of input cannot starve the strand's other work.
constexpr int kMaxPumpRounds = 64;

bool refuse(std::string* error, std::string why) {
  if (error) *error = std::move(why);
  return false;
}

std::error_code aborted() {
  return ::asio::error::operation_aborted;
}

}  // namespace

Client::Impl::Impl(::asio::any_io_executor executor, SessionConfig config, SessionHooks hooks,
                   Options options)
    : strand_(::asio::make_strand(std::move(executor))),
      options_(std::move(options)),
      config_(posix::detail::adapted_session_config(std::move(config), options_)),
      session_(config_, wrap(std::move(hooks))),
      domain_(session_.client().config().jid.domain()),
      policy_(session_.client().config().tls),
      random_(adapters::system_random()),
      timer_(strand_) {}

Client::Impl::~Impl() = default;

SessionHooks Client::Impl::wrap(SessionHooks hooks) {
  // The adapter learns of online and stopped from the hooks themselves (after the
  // application's own), so a waiter never misses a state the Session passed through in one call.
  auto connect = std::move(hooks.on_connect);
  hooks.on_connect = [this, connect](Session& s, const event::Online& online) {
    if (connect) connect(s, online);
    on_online();
  };
  auto resume = std::move(hooks.on_resume);
  hooks.on_resume = [this, resume](Session& s, const event::Online& online) {
    if (resume) resume(s, online);
    on_online();
  };
  auto stopped = std::move(hooks.on_stopped);
  hooks.on_stopped = [this, stopped](Session& s, StopReason reason) {
    if (stopped) stopped(s, reason);
    on_stopped(reason);
  };
  return hooks;
}

// --- start and the application's entry points ---------------------------------------------------

bool Client::Impl::start(std::string* error) {
  std::lock_guard lock(start_mutex_);
  // The TLS context and the resolver as the other adapters make them (SharedIo::prepare());
  // the resolver then moves to the driver that watches its sockets.
  if (!resolver_) {
    if (!io_.prepare(options_, error)) return false;
    // asio::ssl::context(native_handle_type) takes ownership (its destructor frees the
    // SSL_CTX): it gets a reference of its own, the tls::Context keeps its own.
    auto* native = static_cast<SSL_CTX*>(io_.tls_context->native_handle());
    SSL_CTX_up_ref(native);
    ssl_context_ = std::make_unique<::asio::ssl::context>(native);
    resolver_ = std::make_shared<detail::ResolverDriver>(strand_, std::move(io_.resolver));
  }
  if (const SessionConfigError problem = validate(config_); problem != SessionConfigError::ok) {
    std::string reason = "invalid configuration: " + std::string(to_string(problem));
    if (problem == SessionConfigError::client) {
      reason += ": " + std::string(to_string(validate(config_.client)));
    }
    return refuse(error, std::move(reason));
  }
  ::asio::post(strand_, [self = shared_from_this()] { self->begin(); });
  return true;
}

void Client::Impl::begin() {
  if (shut_down_) return;
  // Refused only while a transport exists (a second start() while running): nothing to do.
  if (session_.start(Clock::now()) == CommandStatus::ok) started_ = true;
  step();
}

void Client::Impl::run(RunCompletion done) {
  if (shut_down_) return done->complete(aborted(), StopReason::none);
  if (!started_) return done->complete(make_error_code(error::not_started), StopReason::none);
  if (session_.state() == SessionState::stopped) {
    return done->complete({}, session_.reconnect_policy().stop_reason());
  }
  run_waiters_.push_back(std::move(done));
}

void Client::Impl::wait_online(OnlineCompletion done) {
  if (shut_down_) return done->complete(aborted());
  if (!started_) return done->complete(make_error_code(error::not_started));
  if (session_.state() == SessionState::stopped) {
    return done->complete(make_error_code(error::stopped));
  }
  if (session_.client().phase() == ClientPhase::online) return done->complete({});
  online_waiters_.push_back(std::move(done));
}

void Client::Impl::send_iq(const xml::Element& iq, IqOptions options, IqCompletion done) {
  if (shut_down_) return done->complete(aborted(), {});
  if (!started_) return done->complete(make_error_code(error::not_started), {});
  const std::uint64_t key = next_iq_++;
  auto callback = [this, key](Session&, const IqResponse& response) {
    const auto found = iq_waiters_.find(key);
    if (found == iq_waiters_.end()) return;
    IqCompletion waiter = std::move(found->second);
    iq_waiters_.erase(found);
    IqReply reply;
    reply.outcome = response.outcome;
    reply.id = std::string(response.id);
    switch (response.outcome) {
      case IqOutcome::result:
      case IqOutcome::error: {
        auto arena = std::make_shared<xml::Arena>();
        reply.stanza = xml::clone(response.stanza, *arena);
        reply.arena = std::move(arena);
        return waiter->complete({}, std::move(reply));
      }
      case IqOutcome::timeout:
        return waiter->complete(make_error_code(error::timeout), std::move(reply));
      case IqOutcome::session_replaced:
        return waiter->complete(make_error_code(error::session_replaced), std::move(reply));
      case IqOutcome::stopped:
        return waiter->complete(make_error_code(error::stopped), std::move(reply));
    }
  };
  iq_waiters_.emplace(key, std::move(done));
  const IqSendResult sent = session_.send_iq(iq, std::move(callback), Clock::now(), options);
  if (sent.status != IqSendStatus::ok) {
    IqCompletion waiter = std::move(iq_waiters_[key]);
    iq_waiters_.erase(key);
    const error code = sent.status == IqSendStatus::not_online    ? error::not_online
                       : sent.status == IqSendStatus::would_block ? error::would_block
                                                                  : error::invalid_request;
    waiter->complete(make_error_code(code), {});
  }
  pump();
}

void Client::Impl::close_and_wait(RunCompletion done) {
  // A run waiter (completed at once when not started, shut down or already stopped) plus
  // close(), which changes nothing in those states.
  run(std::move(done));
  close();
}

void Client::Impl::apply(const std::function<void(Session&)>& fn) {
  if (shut_down_) return;
  fn(session_);
  pump();
}

void Client::Impl::drop_transport() {
  if (shut_down_ || !transport_owed_) return;
  resolution_.reset();
  resolving_ = false;
  end_stream(false);
  set_error("transport dropped by the application");
  report_closed();
  step();
}

void Client::Impl::close() {
  if (shut_down_) return;
  // invalid_state (idle, stopped, already closing) changes nothing: the waiters stay.
  session_.close(Clock::now());
  step();
}

void Client::Impl::shutdown() {
  shut_down_ = true;
  resolution_.reset();
  if (resolver_) resolver_->shutdown();
  end_stream(false);
  timer_.cancel();
  for (auto& waiter : run_waiters_)
    waiter->complete(aborted(), StopReason::none);
  for (auto& waiter : online_waiters_)
    waiter->complete(aborted());
  for (auto& [key, waiter] : iq_waiters_)
    waiter->complete(aborted(), {});
  run_waiters_.clear();
  online_waiters_.clear();
  iq_waiters_.clear();
}

void Client::Impl::on_online() {
  auto waiters = std::move(online_waiters_);
  online_waiters_.clear();
  for (auto& waiter : waiters)
    waiter->complete({});
}

void Client::Impl::on_stopped(StopReason reason) {
  auto online = std::move(online_waiters_);
  online_waiters_.clear();
  for (auto& waiter : online)
    waiter->complete(make_error_code(error::stopped));
  auto runs = std::move(run_waiters_);
  run_waiters_.clear();
  for (auto& waiter : runs)
    waiter->complete({}, reason);
}

std::string Client::Impl::last_error() const {
  std::lock_guard lock(error_mutex_);
  return last_error_;
}

void Client::Impl::set_error(std::string why) {
  std::lock_guard lock(error_mutex_);
  last_error_ = std::move(why);
}

// --- time -------------------------------------------------------------------------------------

void Client::Impl::step() {
  if (shut_down_) return;
  const TimePoint now = Clock::now();
  if (connect_deadline_ && now >= *connect_deadline_) {
    attempt_errors_ += (attempt_errors_.empty() ? "" : "; ") +
                       addresses_[next_address_ - 1].to_string() + ": connect timed out";
    end_stream(false);
    connect_next();
  }
  if (linger_deadline_ && now >= *linger_deadline_) {
    end_stream(false);
    set_error("the closing bytes could not be written in time");
    report_closed();
  }
  pump();
  const auto due = session_.next_deadline();
  if (due && Clock::now() >= *due) {
    if (auto target = session_.handle_timeout(Clock::now())) begin_attempt(*target);
    pump();
  }
}

void Client::Impl::arm_timer() {
  std::optional<TimePoint> next = session_.next_deadline();
  for (const auto& other : {connect_deadline_, linger_deadline_}) {
    if (other && (!next || *other < *next)) next = other;
  }
  if (next == armed_) return;
  armed_ = next;
  timer_.cancel();
  if (!next) return;
  timer_.expires_at(*next);
  timer_.async_wait([self = shared_from_this(), at = *next](const std::error_code& ec) {
    if (ec || self->shut_down_ || self->armed_ != at) return;
    self->armed_.reset();
    self->step();
  });
}

// --- opening a transport ------------------------------------------------------------------------

void Client::Impl::begin_attempt(const ConnectTarget& target) {
  set_error("");
  resolving_ = true;
  transport_owed_ = true;  // from now on the Session waits to hear how this attempt ends
  resolution_ = posix::detail::start_target_resolution(
      resolver_->resolver(), target, domain_, policy_, random_,
      [this](posix::detail::ResolvedTarget resolved) { open_transport(std::move(resolved)); });
  resolver_->sync();
}

void Client::Impl::open_transport(posix::detail::ResolvedTarget resolved) {
  resolving_ = false;
  resolution_.reset();  // the callback running now is kept alive by its caller
  if (shut_down_) return;
  addresses_ = std::move(resolved.addresses);
  direct_tls_ = std::move(resolved.direct_tls);
  next_address_ = 0;
  attempt_errors_.clear();
  if (addresses_.empty()) {
    transport_failed(resolved.error.empty() ? "no address to connect to" : resolved.error);
    return step();
  }
  connect_next();
  arm_timer();
}

void Client::Impl::connect_next() {
  connect_deadline_.reset();
  if (next_address_ >= addresses_.size()) {
    transport_failed("could not connect: " + attempt_errors_);
    return;
  }
  const dns::Address& address = addresses_[next_address_++];
  stream_ = std::make_shared<detail::Stream>(strand_);
  const std::uint64_t generation = ++generation_;
  connect_deadline_ = Clock::now() + options_.connect_timeout;
  stream_->socket().async_connect(
      detail::endpoint_of(address),
      [self = shared_from_this(), keep = stream_, generation](const std::error_code& ec) {
        self->on_connected(generation, ec);
      });
}

void Client::Impl::on_connected(std::uint64_t generation, const std::error_code& ec) {
  if (shut_down_ || generation != generation_) return;
  if (ec) {
    attempt_errors_ += (attempt_errors_.empty() ? "" : "; ") +
                       addresses_[next_address_ - 1].to_string() + ": " + ec.message();
    end_stream(false);
    connect_next();
    return step();
  }
  connect_deadline_.reset();
  connected_ = true;
  std::error_code ignored;
  stream_->socket().set_option(detail::Tcp::no_delay(true), ignored);
  const std::size_t index = next_address_ - 1;
  const bool direct = index < direct_tls_.size() && direct_tls_[index];
  // XEP-0368: TLS from the first byte, SNI the JID's domain, ALPN "xmpp-client".
  if (direct) start_tls(true);
  session_.transport_connected(Clock::now(),
                               direct ? TransportSecurity::direct_tls : TransportSecurity::plain);
  step();
}

void Client::Impl::start_tls(bool direct) {
  const std::string why = stream_->start_tls(*ssl_context_, {domain_, direct ? "xmpp-client" : ""});
  if (!why.empty()) return transport_failed("TLS: " + why);
  handshaking_ = true;
  stream_->tls()->async_handshake(
      ::asio::ssl::stream_base::client,
      [self = shared_from_this(), keep = stream_, generation = generation_](
          const std::error_code& ec) { self->on_handshake(generation, ec); });
}

void Client::Impl::on_handshake(std::uint64_t generation, const std::error_code& ec) {
  if (shut_down_ || generation != generation_) return;
  handshaking_ = false;
  if (ec) {
    transport_failed("TLS: handshake failed: " + ec.message());
    return step();
  }
  tls_ready_ = true;
  const tls::detail::EstablishedInfo established =
      tls::detail::inspect_established(stream_->tls()->native_handle(), *io_.tls_context, domain_);
  if (!established.info.peer_verified && !options_.tls.insecure) {
    set_error("certificate not verified for " + domain_ + ": " + established.verify_error);
  }
  if (session_.state() == SessionState::connected) {
    session_.tls_established(established.info, Clock::now());
  }
  step();
}

// --- bytes both ways ----------------------------------------------------------------------------

void Client::Impl::pump() {
  if (shut_down_) return;
  for (int round = 0; round < kMaxPumpRounds; ++round) {
    start_write();
    bool progress = feed_input();
    if (session_.state() == SessionState::disconnecting && transport_owed_) {
      progress = finish_disconnecting() || progress;
    }
    if (!progress) break;
  }
  start_read();
  arm_timer();
}

void Client::Impl::start_write() {
  if (!connected_ || handshaking_ || writing_ || !stream_) return;
  const std::string_view out = session_.output();
  if (out.empty()) return;
  // Backpressure: at most max_pending_ciphertext bytes wait for the socket (one write in
  // flight); the rest stays in the engine's bounded queue, which refuses sends when full. The
  // bytes are consumed (and shown to on_traffic) once the socket took them.
  stream_->write_buffer.assign(
      out.substr(0, std::min(out.size(), options_.max_pending_ciphertext)));
  writing_ = true;
  // The handlers keep their stream alive: an asio::ssl::stream must outlive its operations,
  // also when the transport was dropped meanwhile.
  stream_->async_write(
      ::asio::buffer(stream_->write_buffer),
      [self = shared_from_this(), keep = stream_, generation = generation_](
          const std::error_code& ec, std::size_t n) { self->on_written(generation, ec, n); });
}

void Client::Impl::on_written(std::uint64_t generation, const std::error_code& ec, std::size_t n) {
  if (shut_down_ || generation != generation_) return;
  writing_ = false;
  if (ec) {
    transport_failed(ec.message());
    return step();
  }
  session_.consume_output(n);
  step();
}

void Client::Impl::start_read() {
  // Backpressure: nothing more is read while the engine has not taken what was read.
  if (!connected_ || handshaking_ || reading_ || read_ended_ || !input_.empty() || !stream_) {
    return;
  }
  reading_ = true;
  stream_->read_buffer.resize(options_.read_chunk);
  stream_->async_read_some(::asio::buffer(stream_->read_buffer),
                           [self = shared_from_this(), keep = stream_, generation = generation_](
                               const std::error_code& ec, std::size_t n) {
                             self->on_read(generation, ec, keep->read_buffer, n);
                           });
}

void Client::Impl::on_read(std::uint64_t generation, const std::error_code& ec,
                           const std::string& bytes, std::size_t n) {
  if (shut_down_ || generation != generation_) return;
  reading_ = false;
  if (ec) {
    read_ended_ = true;
    // A TLS peer should send close_notify first (stream_truncated otherwise), but XMPP's own
    // closing tag tells the engine whether the stream ended cleanly: both are an end.
    const bool end = ec == ::asio::error::eof || ec == ::asio::ssl::error::stream_truncated;
    transport_failed(end ? "connection closed by the peer" : ec.message());
    return step();
  }
  input_.append(bytes.data(), n);
  step();
}

bool Client::Impl::feed_input() {
  if (input_.empty()) return false;
  if (session_.state() != SessionState::connected) {
    input_.clear();  // the engine is done with this stream
    return true;
  }
  const ReceiveResult result = session_.receive(input_, Clock::now());
  switch (result.status) {
    case ReceiveStatus::all_consumed:
    case ReceiveStatus::drain_needed:
      input_.erase(0, result.consumed);
      return result.consumed > 0;
    case ReceiveStatus::tls_handoff:
      // RFC 6120 §5.4.3.3: what follows <proceed/> is TLS, and the client speaks first: a
      // server sending anything before our ClientHello broke the protocol. (The memory-BIO
      // drivers could hand such bytes to OpenSSL; asio::ssl::stream reads its own socket.)
      if (result.consumed != input_.size()) {
        input_.clear();
        transport_failed("TLS: the server sent data after <proceed/> before the handshake");
        return true;
      }
      input_.clear();
      start_tls(false);
      return true;
    case ReceiveStatus::closed:
    case ReceiveStatus::stream_error:
    case ReceiveStatus::invalid_state:
      input_.clear();
      return true;
  }
  return false;
}

// --- ending a transport -------------------------------------------------------------------------

bool Client::Impl::finish_disconnecting() {
  if (stream_ && connected_ && (!session_.output().empty() || writing_)) {
    if (!linger_deadline_) linger_deadline_ = Clock::now() + kLingerLimit;
    return false;
  }
  end_stream(true);
  report_closed();
  return true;
}

void Client::Impl::transport_failed(std::string why) {
  if (last_error().empty()) set_error(std::move(why));
  end_stream(false);
  report_closed();
}

void Client::Impl::end_stream(bool graceful) {
  ++generation_;  // whatever is still in flight on the old socket is ignored
  connect_deadline_.reset();
  linger_deadline_.reset();
  if (stream_) {
    if (graceful) {
      detail::close_in_background(std::move(stream_), tls_ready_, kLingerLimit);
    } else {
      stream_->abort();
      stream_.reset();
    }
  }
  connected_ = handshaking_ = tls_ready_ = false;
  reading_ = writing_ = read_ended_ = false;
  input_.clear();
}

void Client::Impl::report_closed() {
  linger_deadline_.reset();
  if (shut_down_ || !transport_owed_) return;
  transport_owed_ = false;
  session_.transport_closed(Clock::now());
}

}  // namespace xmpp::asio_adapter
