#include "transport.hpp"

#include <poll.h>

#include <utility>

namespace xmpp::posix::detail {
namespace {

/// Capacity of the plaintext input buffer kept while it is empty (a typical stanza fits).
constexpr std::size_t kKeptInputCapacity = 4096;

}  // namespace

Transport::Transport(Settings settings) : settings_(settings) {}

void Transport::open(std::vector<dns::Address> addresses, TimePoint now) {
  socket_.abort();
  tls_.reset();
  tls_reported_ = false;
  input_.clear();
  input_offset_ = 0;
  attempt_errors_.clear();
  error_.clear();
  ended_ = false;
  ended_reported_ = false;
  addresses_ = std::move(addresses);
  next_address_ = 0;
  phase_ = Phase::connecting;
  try_next_address(now);
}

void Transport::try_next_address(TimePoint now) {
  while (next_address_ < addresses_.size()) {
    const dns::Address& address = addresses_[next_address_++];
    std::string error;
    if (socket_.start_connect(address, error)) {
      ++socket_serial_;
      phase_ = Phase::connecting;
      connect_deadline_ = now + settings_.connect_timeout;
      return;
    }
    attempt_errors_ += (attempt_errors_.empty() ? "" : "; ") + error;
  }
  fail(addresses_.empty() ? std::string("no address to connect to")
                          : "could not connect: " + attempt_errors_);
}

void Transport::fail(std::string error) {
  socket_.abort();
  phase_ = Phase::idle;
  connect_deadline_.reset();
  error_ = std::move(error);
  ended_ = true;
}

void Transport::start_tls(std::shared_ptr<const tls::Context> context,
                          tls::ConnectionOptions options, std::string_view leftover) {
  tls_ = std::make_unique<tls::Connection>(std::move(context), std::move(options));
  tls_reported_ = false;
  input_.clear();
  input_offset_ = 0;
  if (!leftover.empty()) {
    tls_->receive_ciphertext(leftover);
    take_tls_plaintext();
  }
  flush();
}

short Transport::poll_events(bool want_input, bool want_output) const noexcept {
  switch (phase_) {
    case Phase::idle:
      return 0;
    case Phase::connecting:
      return POLLOUT;
    case Phase::connected:
      break;
  }
  short events = 0;
  if (want_input) events |= POLLIN;
  if (output_pending() || want_output) events |= POLLOUT;
  return events;
}

std::optional<TimePoint> Transport::deadline() const noexcept {
  return phase_ == Phase::connecting ? connect_deadline_ : std::nullopt;
}

TransportProgress Transport::report(TransportProgress progress) {
  if (tls_ && !tls_reported_ &&
      (tls_->state() == tls::State::established || tls_->state() == tls::State::closed)) {
    tls_reported_ = true;
    progress.tls_established = true;
  }
  if (ended_ && !ended_reported_) {
    ended_reported_ = true;
    progress.ended = true;
  }
  return progress;
}

TransportProgress Transport::handle_timeout(TimePoint now) {
  if (phase_ == Phase::connecting && connect_deadline_ && now >= *connect_deadline_) {
    socket_.abort();
    attempt_errors_ +=
        (attempt_errors_.empty() ? "" : "; ") + peer_of(next_address_ - 1) + ": connect timed out";
    try_next_address(now);
  }
  return report({});
}

TransportProgress Transport::handle_ready(short revents, TimePoint now) {
  TransportProgress progress;
  if (phase_ == Phase::connecting) {
    if ((revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
      std::string error;
      if (socket_.finish_connect(error)) {
        phase_ = Phase::connected;
        connect_deadline_.reset();
        progress.connected = true;
      } else {
        socket_.abort();
        attempt_errors_ +=
            (attempt_errors_.empty() ? "" : "; ") + peer_of(next_address_ - 1) + ": " + error;
        try_next_address(now);
      }
    }
    return report(progress);
  }
  if (phase_ != Phase::connected) return report(progress);
  if ((revents & (POLLIN | POLLHUP | POLLERR)) != 0) read_available();
  if (phase_ == Phase::connected && (revents & POLLOUT) != 0) flush();
  return report(progress);
}

void Transport::read_available() {
  // Scratch for one read, copied out (into input_ or the TLS connection) before this returns:
  // one per thread rather than one per transport, so that a loop holding thousands of idle
  // sessions does not keep read_chunk bytes for each (bench/many_sessions measured 16 KiB of a
  // 34 KB session spent on it).
  thread_local std::string read_buffer;
  read_buffer.resize(settings_.read_chunk);
  std::string error;
  const long n = socket_.read_some(read_buffer.data(), read_buffer.size(), error);
  if (n == -1) return;
  if (n == -2) return fail(std::move(error));
  if (n == 0) {
    // A TLS peer should have sent close_notify first; a bare EOF may be a truncation attack on
    // the TLS layer (RFC 8446 §6.1), but XMPP's own closing tag tells the engine whether the
    // stream ended cleanly, so the transport only reports the end.
    phase_ = Phase::idle;
    socket_.close();
    error_ = "connection closed by the peer";
    ended_ = true;
    return;
  }
  const std::string_view bytes(read_buffer.data(), static_cast<std::size_t>(n));
  if (!tls_) {
    compact_input();
    input_.append(bytes);
    return;
  }
  tls_->receive_ciphertext(bytes);
  take_tls_plaintext();
  flush();  // the handshake (or a key update) may have something to answer
}

void Transport::take_tls_plaintext() {
  const std::string_view plain = tls_->plaintext();
  if (!plain.empty()) {
    compact_input();
    input_.append(plain);
    tls_->consume_plaintext(plain.size());
  }
  if (tls_->state() == tls::State::failed) {
    fail("TLS: " + tls_->error());
  } else if (tls_->state() == tls::State::closed) {
    phase_ = Phase::idle;
    socket_.close();
    error_ = "TLS closed by the peer (close_notify)";
    ended_ = true;
  }
}

void Transport::compact_input() {
  if (input_offset_ == 0) return;
  input_.erase(0, input_offset_);
  input_offset_ = 0;
}

std::string_view Transport::input() const noexcept {
  return std::string_view(input_).substr(input_offset_);
}

void Transport::consume_input(std::size_t n) noexcept {
  input_offset_ += std::min(n, input_.size() - input_offset_);
  if (input_offset_ == input_.size()) {
    input_.clear();
    input_offset_ = 0;
    // An idle session keeps no burst-sized buffer: what a large read grew is given back once the
    // engine has taken it all.
    if (input_.capacity() > kKeptInputCapacity) input_.shrink_to_fit();
  }
}

std::size_t Transport::write(std::string_view plaintext) {
  if (phase_ != Phase::connected || plaintext.empty()) return 0;
  std::string error;
  if (!tls_) {
    const long n = socket_.write_some(plaintext, error);
    if (n < 0) {
      fail(std::move(error));
      return 0;
    }
    return static_cast<std::size_t>(n);
  }
  if (tls_->state() != tls::State::established) return 0;
  if (tls_->ciphertext().size() >= settings_.max_pending_ciphertext && flush() == false &&
      tls_->ciphertext().size() >= settings_.max_pending_ciphertext) {
    return 0;
  }
  if (!tls_->send_plaintext(plaintext)) return 0;
  flush();
  return plaintext.size();
}

bool Transport::flush() {
  if (!tls_ || phase_ != Phase::connected) return true;
  std::string error;
  while (!tls_->ciphertext().empty()) {
    const long n = socket_.write_some(tls_->ciphertext(), error);
    if (n < 0) {
      fail(std::move(error));
      return true;
    }
    if (n == 0) return false;
    tls_->consume_ciphertext(static_cast<std::size_t>(n));
  }
  return true;
}

bool Transport::output_pending() const noexcept {
  return tls_ && phase_ == Phase::connected && !tls_->ciphertext().empty();
}

void Transport::close() {
  if (phase_ == Phase::connected && tls_ && tls_->state() == tls::State::established) {
    tls_->close();
    flush();
  }
  socket_.close();
  phase_ = Phase::idle;
  ended_ = true;
  ended_reported_ = true;
}

void Transport::abort() {
  socket_.abort();
  phase_ = Phase::idle;
  ended_ = true;
  ended_reported_ = true;
}

std::string Transport::peer_of(std::size_t index) const {
  return index < addresses_.size() ? addresses_[index].to_string() : std::string("?");
}

std::string Transport::peer() const {
  return next_address_ > 0 ? peer_of(next_address_ - 1) : std::string();
}

}  // namespace xmpp::posix::detail
