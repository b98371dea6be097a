#include "epoll_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <string>

namespace xmpp::bench {

namespace {

std::string errno_text(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

}  // namespace

bool EpollServer::open(int ports, std::string* error) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) return *error = errno_text("epoll_create1"), false;
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  ::sigprocmask(SIG_BLOCK, &signals, nullptr);
  signal_fd_ = ::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = signal_fd_;
  if (signal_fd_ < 0 || ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, signal_fd_, &event) != 0) {
    return *error = errno_text("signalfd"), false;
  }
  for (int i = 0; i < ports; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return *error = errno_text("socket"), false;
    listeners_.push_back(fd);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        ::listen(fd, SOMAXCONN) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      return *error = errno_text("bind/listen"), false;
    }
    ports_.push_back(ntohs(address.sin_port));
    event.data.fd = fd;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
      return *error = errno_text("epoll_ctl"), false;
    }
  }
  return true;
}

EpollServer::~EpollServer() {
  for (auto& c : by_fd_) {
    if (c) ::close(c->fd);
  }
  for (const int fd : listeners_)
    ::close(fd);
  if (signal_fd_ >= 0) ::close(signal_fd_);
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

Connection* EpollServer::find(int fd) {
  return fd >= 0 && static_cast<std::size_t>(fd) < by_fd_.size() ? by_fd_[fd].get() : nullptr;
}

void EpollServer::run(StanzaRouter& router) {
  std::array<epoll_event, 512> events{};
  for (;;) {
    const int ready = ::epoll_wait(epoll_fd_, events.data(), events.size(), -1);
    if (ready < 0 && errno != EINTR) return;
    for (int i = 0; i < ready; ++i) {
      const int fd = events[static_cast<std::size_t>(i)].data.fd;
      if (fd == signal_fd_) return;
      if (std::find(listeners_.begin(), listeners_.end(), fd) != listeners_.end()) {
        accept_all(fd, router);
      } else if (Connection* c = find(fd)) {
        on_ready(*c, events[static_cast<std::size_t>(i)].events, router);
      }
    }
    // Routed stanzas: written to their recipients' sockets before the next wait.
    for (std::size_t i = 0; i < touched_.size(); ++i) {
      Connection* c = touched_[i];
      if (find(c->fd) != c) continue;  // closed meanwhile
      for (std::string& write : c->server->take_writes())
        c->out += write;
      flush(*c);
    }
    touched_.clear();
  }
}

void EpollServer::accept_all(int listener, StanzaRouter& router) {
  for (;;) {
    const int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) ++counts_.accept_errors;
      return;
    }
    // The server's small writes (features, results, acks) must not wait for Nagle.
    int one = 1;
    (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (by_fd_.size() <= static_cast<std::size_t>(fd))
      by_fd_.resize(static_cast<std::size_t>(fd) + 1);
    auto c = std::make_unique<Connection>();
    c->fd = fd;
    c->server = router.make_server();
    by_fd_[static_cast<std::size_t>(fd)] = std::move(c);
    ++counts_.accepted;
    counts_.max_open = std::max(counts_.max_open, ++open_);
    update_interest(*by_fd_[static_cast<std::size_t>(fd)]);
  }
}

void EpollServer::on_ready(Connection& c, std::uint32_t events, StanzaRouter& router) {
  if ((events & EPOLLOUT) != 0) flush(c);
  if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) == 0) return;
  static std::array<char, 65536> buffer;
  bool eof = false;
  for (;;) {
    const ssize_t n = ::recv(c.fd, buffer.data(), buffer.size(), 0);
    if (n > 0) {
      c.in.append(buffer.data(), static_cast<std::size_t>(n));
      if (static_cast<std::size_t>(n) < buffer.size()) break;
      continue;
    }
    if (n == 0) {
      eof = true;
      break;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    return close(c, true, router);  // a reset: the session hibernates for resumption
  }
  router.serve(c, touched_);
  for (std::string& write : c.server->take_writes())
    c.out += write;
  if (eof) return close(c, false, router);
  flush(c);
}

void EpollServer::flush(Connection& c) {
  while (!c.out.empty()) {
    const ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (n > 0) {
      c.out.erase(0, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;  // EAGAIN: EPOLLOUT below; an error: the read side will see it
  }
  if (c.out.empty()) std::string().swap(c.out);  // idle connections hold no buffer
  update_interest(c);
}

void EpollServer::update_interest(Connection& c) {
  const std::uint32_t wanted =
      EPOLLIN | (c.out.empty() ? 0u : static_cast<std::uint32_t>(EPOLLOUT));
  if (wanted == c.events) return;
  epoll_event event{};
  event.events = wanted;
  event.data.fd = c.fd;
  (void)::epoll_ctl(epoll_fd_, c.events == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, c.fd, &event);
  c.events = wanted;
}

void EpollServer::close(Connection& c, bool lost, StanzaRouter& router) {
  if (lost) {
    c.server->connection_lost();
  } else {
    c.server->receive_eof();
  }
  router.forget(c);
  ::close(c.fd);  // also leaves the epoll set
  ++counts_.closed;
  --open_;
  by_fd_[static_cast<std::size_t>(c.fd)].reset();
}

}  // namespace xmpp::bench
