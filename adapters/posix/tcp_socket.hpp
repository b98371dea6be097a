// Non-blocking TCP sockets for the POSIX adapter: connect without blocking, send without
// SIGPIPE, and the abortive close that simulates (or reports) a broken link.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "xmpp/adapters/dns.hpp"

namespace xmpp::posix::detail {

/// Owns one socket descriptor; closes it (gracefully) when destroyed.
class TcpSocket {
 public:
  TcpSocket() = default;
  ~TcpSocket();
  TcpSocket(TcpSocket&& other) noexcept;
  TcpSocket& operator=(TcpSocket&& other) noexcept;
  TcpSocket(const TcpSocket&) = delete;
  TcpSocket& operator=(const TcpSocket&) = delete;

  /// Creates a non-blocking socket and starts connecting to `address`. False (and `error`) when
  /// that fails at once; otherwise completion is reported by POLLOUT and finish_connect().
  bool start_connect(const dns::Address& address, std::string& error);
  /// After POLLOUT (or POLLERR/POLLHUP) on a connecting socket: whether the connect succeeded.
  bool finish_connect(std::string& error);

  /// Reads at most `buffer_size` bytes. Returns the count, 0 on EOF, -1 when nothing is ready
  /// (EAGAIN), -2 on an error (`error` set).
  long read_some(char* buffer, std::size_t buffer_size, std::string& error);
  /// Sends what the socket takes now, never raising SIGPIPE (MSG_NOSIGNAL). Returns the count
  /// (0 when it would block), or -1 on an error (`error` set).
  long write_some(std::string_view bytes, std::string& error);

  /// Closes after sending a FIN: what was written is still delivered.
  void close();
  /// Closes with SO_LINGER 0: the peer gets a TCP reset and unsent bytes are dropped, as when a
  /// link breaks.
  void abort();

  int fd() const noexcept { return fd_; }
  bool valid() const noexcept { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

/// strerror() of errno values, thread-safe.
std::string describe_errno(int error_number);

}  // namespace xmpp::posix::detail
