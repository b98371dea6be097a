// One connection of the POSIX adapter: TCP to a list of addresses tried in order (each with a
// connect timeout), then optionally TLS through the shared glue. It moves bytes only; what they
// mean is the engine's business.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tcp_socket.hpp"
#include "xmpp/adapters/dns.hpp"
#include "xmpp/adapters/tls.hpp"
#include "xmpp/engine.hpp"

namespace xmpp::posix::detail {

/// What handle_ready() / handle_timeout() observed. Several may be true at once; the caller
/// handles them in the order of the fields.
struct TransportProgress {
  bool connected = false;        ///< TCP is established (once per transport)
  bool tls_established = false;  ///< the TLS handshake just finished (once)
  bool ended = false;            ///< EOF, close_notify, an error, or every address failed:
                                 ///< the transport is gone (error() says why for failures)
};

class Transport {
 public:
  struct Settings {
    std::chrono::milliseconds connect_timeout{10000};
    std::size_t read_chunk = 16384;
    std::size_t max_pending_ciphertext = 256 * 1024;
  };

  explicit Transport(Settings settings);

  /// Starts connecting to `addresses`, in order. With none, the transport ends at once
  /// (handle_timeout() reports it).
  void open(std::vector<dns::Address> addresses, TimePoint now);
  /// Wraps the connection in TLS. `leftover` are bytes already read that belong to the handshake
  /// (after STARTTLS's `<proceed/>`); input() is cleared.
  void start_tls(std::shared_ptr<const tls::Context> context, tls::ConnectionOptions options,
                 std::string_view leftover);

  bool active() const noexcept { return phase_ != Phase::idle; }
  bool connected() const noexcept { return phase_ == Phase::connected; }
  int fd() const noexcept { return socket_.fd(); }
  /// Changes whenever a new socket is created (one per address tried), so that an event loop
  /// can tell a new socket from an old one that had the same descriptor number.
  std::uint64_t socket_serial() const noexcept { return socket_serial_; }
  /// The poll() events wanted: POLLOUT while connecting, with ciphertext pending or when
  /// `want_output` (plaintext the socket did not take); POLLIN when connected and `want_input`
  /// (the caller stops reading while input() is not taken).
  short poll_events(bool want_input, bool want_output) const noexcept;
  /// The connect timeout of the address being tried.
  std::optional<TimePoint> deadline() const noexcept;

  TransportProgress handle_ready(short revents, TimePoint now);
  TransportProgress handle_timeout(TimePoint now);

  /// Plaintext received and not yet taken.
  std::string_view input() const noexcept;
  void consume_input(std::size_t n) noexcept;

  /// Takes plaintext to send: all of it or nothing with TLS (nothing while the handshake runs or
  /// the ciphertext backlog is full), what the socket accepts without TLS. Returns the count
  /// taken; a write error ends the transport (ended() then).
  std::size_t write(std::string_view plaintext);
  /// Writes pending ciphertext. True when nothing is left pending.
  bool flush();
  bool output_pending() const noexcept;

  /// Ends with a FIN (and close_notify with TLS), after a last flush attempt.
  void close();
  /// Ends with a TCP reset (SO_LINGER 0), dropping anything unsent.
  void abort();

  bool ended() const noexcept { return ended_; }
  const std::string& error() const noexcept { return error_; }
  tls::Connection* tls() noexcept { return tls_ ? tls_.get() : nullptr; }
  /// The address connected to (or being tried).
  std::string peer() const;
  /// Its index in the list given to open().
  std::size_t current_address() const noexcept { return next_address_ - 1; }

 private:
  enum class Phase : unsigned char { idle, connecting, connected };

  void try_next_address(TimePoint now);
  void fail(std::string error);
  void read_available();
  void take_tls_plaintext();
  void compact_input();
  TransportProgress report(TransportProgress progress);
  std::string peer_of(std::size_t index) const;

  Settings settings_;
  Phase phase_ = Phase::idle;
  TcpSocket socket_;
  std::vector<dns::Address> addresses_;
  std::size_t next_address_ = 0;
  std::uint64_t socket_serial_ = 0;
  std::optional<TimePoint> connect_deadline_;
  std::unique_ptr<tls::Connection> tls_;
  bool tls_reported_ = false;
  std::string input_;
  std::size_t input_offset_ = 0;
  std::string attempt_errors_;
  std::string error_;
  bool ended_ = false;
  bool ended_reported_ = false;
};

}  // namespace xmpp::posix::detail
