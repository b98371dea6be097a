// The benchmark's XMPP server: one thread, one epoll set, plaintext TCP on loopback, and per
// accepted connection one Sans-IO test server engine (xmpp::testing::Server) driven through the
// StanzaRouter. It listens on several ports because one client address reaches one server port
// through at most ~28,000 ephemeral ports (net.ipv4.ip_local_port_range 32768-60999), and
// connect() gets slow (kernel time) well before they run out.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "connection.hpp"
#include "stanza_router.hpp"

namespace xmpp::bench {

struct ServerCounts {
  std::uint64_t accepted = 0;
  std::uint64_t closed = 0;
  std::size_t max_open = 0;
  std::uint64_t accept_errors = 0;  ///< accept() failures other than EAGAIN (e.g. EMFILE)
};

class EpollServer {
 public:
  /// Listens on `ports` loopback ports (127.0.0.1, chosen by the kernel). False (with `error`)
  /// when a socket or the epoll set cannot be made.
  bool open(int ports, std::string* error);
  ~EpollServer();

  const std::vector<std::uint16_t>& ports() const noexcept { return ports_; }
  /// Serves until SIGTERM or SIGINT.
  void run(StanzaRouter& router);
  const ServerCounts& counts() const noexcept { return counts_; }

 private:
  void accept_all(int listener, StanzaRouter& router);
  void on_ready(Connection& c, std::uint32_t events, StanzaRouter& router);
  void flush(Connection& c);
  void update_interest(Connection& c);
  void close(Connection& c, bool lost, StanzaRouter& router);
  Connection* find(int fd);

  int epoll_fd_ = -1;
  int signal_fd_ = -1;
  std::vector<int> listeners_;
  std::vector<std::uint16_t> ports_;
  /// Connections by descriptor number (unique while open).
  std::vector<std::unique_ptr<Connection>> by_fd_;
  std::vector<Connection*> touched_;
  std::size_t open_ = 0;
  ServerCounts counts_;
};

}  // namespace xmpp::bench
