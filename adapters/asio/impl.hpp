// xmpp::asio_adapter::Client::Impl: one Session over one transport at a time, on a strand. The
// same connection logic as the POSIX and epoll drivers (adapters/posix/session_driver.cpp),
// written for Asio's completion model: target resolution (shared), one connect per address
// with a timeout, STARTTLS and direct TLS over asio::ssl with the shared TLS glue, one read and
// one write in flight at most, the graceful close with its linger, and the adapter's pending
// operations (async_run, async_wait_online, async_send_iq, async_close).
#pragma once

#include <asio/ssl/context.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "../posix/session_driver.hpp"
#include "../posix/target_resolution.hpp"
#include "resolver_driver.hpp"
#include "stream.hpp"
#include "xmpp/adapters/asio.hpp"

namespace xmpp::asio_adapter {

class Client::Impl : public std::enable_shared_from_this<Client::Impl> {
 public:
  using RunCompletion = detail::CompletionPtr<std::error_code, StopReason>;
  using OnlineCompletion = detail::CompletionPtr<std::error_code>;
  using IqCompletion = detail::CompletionPtr<std::error_code, IqReply>;

  Impl(::asio::any_io_executor executor, SessionConfig config, SessionHooks hooks, Options options);
  ~Impl();
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  detail::Strand& strand() noexcept { return strand_; }
  Session& session() noexcept { return session_; }

  // Off the strand, thread-safe.
  bool start(std::string* error);
  std::string last_error() const;

  // On the strand.
  void run(RunCompletion done);
  void wait_online(OnlineCompletion done);
  void send_iq(const xml::Element& iq, IqOptions options, IqCompletion done);
  void close_and_wait(RunCompletion done);
  void apply(const std::function<void(Session&)>& fn);
  void drop_transport();
  void close();
  /// The Client is being destroyed: ends the transport and every pending operation
  /// (operation_aborted); later completions of the adapter's own operations do nothing.
  void shutdown();

 private:
  SessionHooks wrap(SessionHooks hooks);
  void begin();
  void step();
  void arm_timer();
  void begin_attempt(const ConnectTarget& target);
  void open_transport(posix::detail::ResolvedTarget resolved);
  void connect_next();
  void on_connected(std::uint64_t generation, const std::error_code& ec);
  void start_tls(bool direct);
  void on_handshake(std::uint64_t generation, const std::error_code& ec);
  void pump();
  void start_write();
  void on_written(std::uint64_t generation, const std::error_code& ec, std::size_t n);
  void start_read();
  void on_read(std::uint64_t generation, const std::error_code& ec, const std::string& bytes,
               std::size_t n);
  bool feed_input();
  bool finish_disconnecting();
  void transport_failed(std::string why);
  void report_closed();
  void set_error(std::string why);
  void end_stream(bool graceful);
  void on_online();
  void on_stopped(StopReason reason);

  detail::Strand strand_;
  Options options_;
  SessionConfig config_;
  Session session_;
  std::string domain_;
  TlsPolicy policy_;
  dns::RandomUpTo random_;

  // Created by the first start() (under start_mutex_), then only read. io_.resolver moves to
  // resolver_.
  std::mutex start_mutex_;
  posix::detail::SharedIo io_;
  std::unique_ptr<::asio::ssl::context> ssl_context_;
  std::shared_ptr<detail::ResolverDriver> resolver_;

  bool started_ = false;
  bool shut_down_ = false;
  ::asio::steady_timer timer_;
  std::optional<TimePoint> armed_;

  // The current transport.
  posix::detail::Resolution resolution_;
  bool resolving_ = false;
  std::shared_ptr<detail::Stream> stream_;
  /// Bumped per socket: completions of an older socket's operations are ignored.
  std::uint64_t generation_ = 0;
  std::vector<dns::Address> addresses_;
  std::vector<bool> direct_tls_;
  std::size_t next_address_ = 0;
  std::string attempt_errors_;
  std::optional<TimePoint> connect_deadline_;
  std::optional<TimePoint> linger_deadline_;
  bool connected_ = false;       ///< TCP is up
  bool handshaking_ = false;     ///< a TLS handshake runs: no plaintext either way
  bool tls_ready_ = false;       ///< the TLS handshake completed
  bool transport_owed_ = false;  ///< the Session was told of the transport, not of its end
  bool reading_ = false;
  bool writing_ = false;
  bool read_ended_ = false;
  std::string input_;

  mutable std::mutex error_mutex_;
  std::string last_error_;

  // Pending operations.
  std::vector<RunCompletion> run_waiters_;
  std::vector<OnlineCompletion> online_waiters_;
  std::map<std::uint64_t, IqCompletion> iq_waiters_;
  std::uint64_t next_iq_ = 0;
};

}  // namespace xmpp::asio_adapter
