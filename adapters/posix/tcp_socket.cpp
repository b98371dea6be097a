#include "tcp_socket.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace xmpp::posix::detail {

std::string describe_errno(int error_number) {
  char buffer[256] = {};
  // GNU strerror_r returns the message (maybe not in `buffer`); thread-safe unlike strerror().
  const char* message = strerror_r(error_number, buffer, sizeof buffer);
  return message != nullptr ? std::string(message)
                            : std::string("errno ") + std::to_string(error_number);
}

TcpSocket::~TcpSocket() {
  close();
}

TcpSocket::TcpSocket(TcpSocket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

TcpSocket& TcpSocket::operator=(TcpSocket&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

bool TcpSocket::start_connect(const dns::Address& address, std::string& error) {
  close();
  const int family = address.storage.ss_family;
  fd_ = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
  if (fd_ < 0) {
    error = "socket(): " + describe_errno(errno);
    return false;
  }
  // XMPP is interactive: a stanza should leave at once, not wait for Nagle's algorithm.
  int one = 1;
  (void)::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address.storage), address.length) == 0 ||
      errno == EINPROGRESS) {
    return true;
  }
  error = "connect(" + address.to_string() + "): " + describe_errno(errno);
  abort();
  return false;
}

bool TcpSocket::finish_connect(std::string& error) {
  int so_error = 0;
  socklen_t length = sizeof so_error;
  if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &so_error, &length) != 0) so_error = errno;
  if (so_error == 0) return true;
  error = describe_errno(so_error);
  return false;
}

long TcpSocket::read_some(char* buffer, std::size_t buffer_size, std::string& error) {
  for (;;) {
    const ssize_t n = ::recv(fd_, buffer, buffer_size, 0);
    if (n >= 0) return static_cast<long>(n);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return -1;
    error = "recv(): " + describe_errno(errno);
    return -2;
  }
}

long TcpSocket::write_some(std::string_view bytes, std::string& error) {
  for (;;) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n >= 0) return static_cast<long>(n);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    error = "send(): " + describe_errno(errno);
    return -1;
  }
}

void TcpSocket::close() {
  if (fd_ < 0) return;
  (void)::shutdown(fd_, SHUT_WR);
  (void)::close(std::exchange(fd_, -1));
}

void TcpSocket::abort() {
  if (fd_ < 0) return;
  linger hard{};
  hard.l_onoff = 1;
  hard.l_linger = 0;
  (void)::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  (void)::close(std::exchange(fd_, -1));
}

}  // namespace xmpp::posix::detail
