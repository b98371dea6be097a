// The harness of the POSIX driver's tests (and the epoll loop's, tests/adapters/epoll/): real
// loopback sockets, and an XMPP server that runs IN THE TEST THREAD.
//
// Design: no server thread. LoopbackServer is a non-blocking listener plus, per accepted
// connection, the in-repo Sans-IO test server engine (xmpp::testing::Server, one SessionStore
// shared by every connection so XEP-0198 sessions survive a cut) and, when TLS is asked for, a
// real OpenSSL server over memory BIOs (tests/adapters/tls/test_server.hpp). drive() alternates
// the adapter's run_once() (which waits at most a millisecond) with LoopbackServer::step(), so
// both ends of every socket are stepped by one thread in a fixed order: a test waits for a
// condition with a bounded loop, never with a sleep racing another thread, and what the server
// saw can be read at any time without locks. (One test needs the kernel buffers to drain while
// the adapter sleeps in poll() with a long timeout: it alone adds a thread that reads the
// server's end of the socket; see backpressure_test.cpp.)
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/server.hpp"
#include "server/session_store.hpp"
#include "test_pki.hpp"
#include "test_server.hpp"
#include "xmpp/adapters/dns.hpp"
#include "xmpp/adapters/posix.hpp"
#include "xmpp/session.hpp"
#include "xmpp/xml/arena.hpp"
#include "xmpp/xml/element.hpp"

namespace xmpp::posix::test {

using namespace std::chrono_literals;

/// Owns a file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) noexcept : fd_(fd) {}
  ~Fd();
  Fd(Fd&& other) noexcept;
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;

  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  /// Closes normally (a FIN).
  void reset() noexcept;
  /// Closes with SO_LINGER 0: the peer gets a TCP reset.
  void abort() noexcept;

 private:
  int fd_ = -1;
};

/// A TCP socket bound to a loopback address on an ephemeral port.
struct Listener {
  /// Binds to `ip` ("127.0.0.1" or "::1") on a free port; listens with `backlog` unless
  /// `listen` is false (then a connect() to it is refused until start_listening()).
  /// `receive_buffer` > 0 sets SO_RCVBUF before listen(), inherited by accepted sockets.
  static Listener open(const std::string& ip = "127.0.0.1", bool listen = true, int backlog = 16,
                       int receive_buffer = 0);
  void start_listening(int backlog = 16);
  /// A non-blocking accepted socket with TCP_NODELAY; an invalid Fd when none is waiting.
  Fd accept() const;
  /// "127.0.0.1:PORT" or "[::1]:PORT".
  std::string address() const;
  dns::Address dns_address() const;

  Fd fd;
  std::string ip;
  std::uint16_t port = 0;
  bool listening = false;
};

/// `ip`:`port` as the resolver would return it.
dns::Address make_address(const std::string& ip, std::uint16_t port);

/// An address where a TCP connect never completes: a listener with backlog 0 whose accept
/// queue one completed connection fills, so the kernel drops further SYNs (checked by
/// connect_test.cpp on this machine before relying on it).
struct Blackhole {
  Blackhole();
  Listener listener;
  Fd filler;
  std::string address() const { return listener.address(); }
};

/// One client connection as the loopback server sees it.
struct ServerConnection {
  Fd fd;
  std::unique_ptr<testing::Server> server;
  /// The OpenSSL server once STARTTLS or direct TLS began on this connection.
  std::unique_ptr<tls::test::TestServer> tls;
  bool tls_reported = false;

  std::string from_client;  ///< plaintext read and not yet taken by `server`
  std::string to_client;    ///< bytes (ciphertext under TLS) the socket has not taken yet
  std::string read_log;     ///< every plaintext byte the client sent, in order
  std::string write_log;    ///< every plaintext byte the server wrote, in order
  std::size_t socket_bytes_written = 0;

  /// This connection's bytes stay in the socket (a link gone silent one way).
  bool paused = false;
  bool eof = false;            ///< recv() returned 0: the client closed with a FIN
  bool reset = false;          ///< recv()/send() failed (ECONNRESET, EPIPE): the client reset
  std::string socket_error;    ///< strerror of that failure
  bool closed = false;         ///< our socket is closed
  bool write_blocked = false;  ///< send() said EAGAIN at least once (the socket was full)
};

/// The XMPP server of the tests (see the file comment).
class LoopbackServer {
 public:
  struct Settings {
    std::string ip = "127.0.0.1";
    /// False: bound but refusing connects until listen() is called.
    bool listening = true;
    /// SO_RCVBUF of accepted sockets (0: the system's autotuning).
    int receive_buffer = 0;
    /// SO_SNDBUF of accepted sockets (0: the system's autotuning, up to megabytes).
    int send_buffer = 0;
    /// listen() backlog (the epoll tests connect hundreds of clients at once).
    int backlog = 16;
    /// The certificate presented when TLS starts (STARTTLS or direct TLS).
    const tls::test::Credential* credential = &tls::test::pki().leaf;
  };

  explicit LoopbackServer(testing::ServerConfig config);
  LoopbackServer(testing::ServerConfig config, Settings settings);
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  std::string address() const { return listener_.address(); }
  std::uint16_t port() const { return listener_.port; }
  void listen() { listener_.start_listening(); }

  /// Waits at most `wait` for a socket, then accepts, reads (while `reading`), serves and
  /// writes what it can without blocking. True when a byte or a connection moved.
  bool step(std::chrono::milliseconds wait = 0ms);

  /// The latest connection (REQUIREs one).
  ServerConnection& last();
  testing::Server& server() { return *last().server; }
  /// Resets the latest connection (TCP RST, as a crashed server or a broken link): the engine
  /// sees a lost connection, so a resumable session hibernates.
  void reset_last();

  /// The configuration of the connections accepted from now on.
  testing::ServerConfig config;
  /// False: the clients' bytes stay in the socket (a server that stopped reading).
  bool reading = true;
  /// The XEP-0198 sessions of every connection (its virtual clock never moves, so nothing
  /// expires).
  testing::SessionStore store;
  std::vector<std::unique_ptr<ServerConnection>> connections;

 private:
  bool read(ServerConnection& c);
  bool serve(ServerConnection& c);
  /// STARTTLS after <proceed/>, or direct TLS from the first byte: the OpenSSL server takes
  /// over the socket. True when it just did.
  bool start_tls(ServerConnection& c);
  bool flush(ServerConnection& c);
  void fail_socket(ServerConnection& c, int error_number);

  Settings settings_;
  Listener listener_;
};

// --- the client side ------------------------------------------------------------------------

/// Anything with run_once(std::chrono::milliseconds) -> bool: posix::Client, ComponentClient,
/// epoll::Loop.
template <class Driver>
bool drive(Driver& client, LoopbackServer& server, const std::function<bool()>& done,
           std::chrono::milliseconds limit = 5s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= end) return false;
    // A stopped adapter returns at once: then the server waits for its sockets instead.
    const bool running = client.run_once(1ms);
    server.step(running ? 0ms : 1ms);
  }
  return true;
}

/// alice@localhost (password s3cret, resource "posix") over `server_address`, keepalive off,
/// TLS disabled, no initial presence, the reconnect policy without jitter.
SessionConfig plain_config(const std::string& server_address);
/// The server of plain_config(): domain localhost, alice, SCRAM in the clear (no STARTTLS),
/// stream management on.
testing::ServerConfig plain_server_config();
/// plain_server_config() offering STARTTLS (required) or, with `direct`, direct TLS only, and
/// only SCRAM-SHA-256-PLUS (tls-exporter on TLS 1.3, tls-server-end-point): a login there proves
/// the adapter's TLS hand-off and channel binding.
testing::ServerConfig plus_only_tls_server_config(bool direct);

/// Everything a Session's hooks reported, in order.
struct Recorder {
  /// "connect", "resume", "closed:<CloseReason>", "stopped:<StopReason>", "stanza:<id>",
  /// "link_dead".
  std::vector<std::string> log;
  int connects = 0;
  int resumes = 0;
  std::optional<Jid> online_jid;
  std::vector<event::Closed> closes;
  /// Per on_closed: the Session's now() then (the time the reconnect policy counts from).
  std::vector<TimePoint> close_times;
  std::optional<StopReason> stopped;
  /// Per on_closed: whether reconnect_policy().next_deadline() was set, and how far ahead.
  std::vector<std::optional<Duration>> next_attempt_in;
  /// Per on_closed: Client::last_transport_error() at that moment (needs `adapter`).
  std::vector<std::string> transport_errors;
  /// The id and body of every stanza received.
  std::vector<std::string> stanza_ids;
  std::vector<std::string> stanza_bodies;
  std::string traffic_sent;
  std::string traffic_received;
  /// Called with the received byte count of each on_traffic call (backpressure test).
  std::function<void(std::size_t)> on_received_bytes;

  const Client* adapter = nullptr;
  /// Instead of `adapter` (the epoll loop's sessions): the transport error for on_closed.
  std::function<std::string()> transport_error;

  SessionHooks hooks();
  bool online() const { return connects + resumes > 0 && !stopped; }
  int count(std::string_view entry) const;
};

/// `<message to='...' id='...'><body>...</body></message>` in jabber:client.
xml::Element chat_message(xml::Arena& arena, std::string_view to, std::string_view id,
                          std::string_view body);

/// Attribute `name` of a serialised element written with single quotes; "" when absent.
std::string attribute_of(std::string_view xml, std::string_view name);

/// A pipe, both ends non-blocking.
struct Pipe {
  Pipe();
  Fd read_end;
  Fd write_end;
  void write(std::string_view bytes) const;
  /// Reads what is there (up to 4096 bytes).
  std::string read() const;
};

}  // namespace xmpp::posix::test
