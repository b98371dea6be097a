#include "fault_proxy.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace xmpp::tools {
namespace {

[[noreturn]] void throw_errno(int error, const std::string& what) {
  throw std::system_error(error, std::generic_category(), what);
}

// Closing with SO_LINGER {on, 0 s} discards unsent data and sends an RST instead of a FIN: the
// peer's next read or write fails with ECONNRESET, which is what a broken link looks like.
void abortive_close(int fd) {
  const linger hard{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  ::close(fd);
}

// Small writes are forwarded as they come; Nagle's algorithm would hold them back until the
// previous segment is acknowledged, adding delays that only the proxy introduced.
void set_nodelay(int fd) {
  const int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

bool would_block(int error) {
  return error == EAGAIN || error == EWOULDBLOCK || error == EINTR;
}

sockaddr_in resolve_ipv4(const std::string& host, std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &address.sin_addr) == 1) return address;
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &found);
  if (rc != 0 || found == nullptr) {
    throw std::system_error(std::make_error_code(std::errc::host_unreachable),
                            "fault proxy: cannot resolve '" + host + "': " + ::gai_strerror(rc));
  }
  address.sin_addr = reinterpret_cast<const sockaddr_in*>(found->ai_addr)->sin_addr;
  ::freeaddrinfo(found);
  return address;
}

// The bytes travelling one way through one connection: read from the source socket, not yet
// written to the destination. A fixed buffer: reading stops while it is full.
struct Pipe {
  std::array<char, FaultProxy::kBufferSize> bytes{};
  std::size_t begin = 0;  // first byte not yet written
  std::size_t end = 0;    // one past the last byte read
  bool eof = false;       // the source has ended its stream (FIN)
  bool shut = false;      // ... and that end has been passed on (shutdown of the destination)

  std::size_t size() const { return end - begin; }
  bool full() const { return size() == bytes.size(); }
  // Room at the end, moving the unwritten bytes to the front when that makes room.
  std::size_t room() {
    if (end == bytes.size() && begin > 0) {
      std::memmove(bytes.data(), bytes.data() + begin, size());
      end -= begin;
      begin = 0;
    }
    return bytes.size() - end;
  }
  void consumed(std::size_t n) {
    begin += n;
    if (begin == end) begin = end = 0;
  }
};

struct Connection {
  int client = -1;
  int upstream = -1;
  bool connecting = true;  // the upstream connect() has not completed yet
  Pipe to_upstream;        // Direction::client_to_upstream
  Pipe to_client;          // Direction::upstream_to_client
  // Set when a socket reported POLLHUP without error while there was nothing to read: such a
  // socket keeps reporting POLLHUP, so it stays out of poll() until it is to be read again.
  bool client_hup = false;
  bool upstream_hup = false;
  // A side failed during a blackhole and was closed; the other is reset when it ends.
  bool doomed = false;
  bool finished = false;  // to be removed (its sockets are closed)
};

// Which socket of which connection a pollfd entry stands for.
struct Watch {
  Connection* connection;
  bool client_side;
};

}  // namespace

class FaultProxy::Impl {
 public:
  Impl(const std::string& upstream_host, std::uint16_t upstream_port, std::uint16_t listen_port)
      : upstream_(resolve_ipv4(upstream_host, upstream_port)) {
    int wake[2];
    if (::pipe2(wake, O_NONBLOCK | O_CLOEXEC) != 0) throw_errno(errno, "fault proxy: pipe2");
    wake_read_ = wake[0];
    wake_write_ = wake[1];
    try {
      listen_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (listen_ < 0) throw_errno(errno, "fault proxy: socket");
      const int on = 1;
      ::setsockopt(listen_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_port = htons(listen_port);
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (::bind(listen_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        throw_errno(errno, "fault proxy: bind 127.0.0.1:" + std::to_string(listen_port));
      }
      if (::listen(listen_, 128) != 0) throw_errno(errno, "fault proxy: listen");
      socklen_t length = sizeof address;
      if (::getsockname(listen_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        throw_errno(errno, "fault proxy: getsockname");
      }
      port_ = ntohs(address.sin_port);
      thread_ = std::thread([this] { run(); });
    } catch (...) {
      close_descriptors();
      throw;
    }
  }

  ~Impl() {
    {
      std::lock_guard lock(mutex_);
      stop_requested_ = true;
    }
    wake();
    thread_.join();
    for (auto& c : connections_)
      abort_connection(*c);
    close_descriptors();
  }

  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  std::uint16_t port() const { return port_; }

  // Runs `command` on the proxy thread and returns once it has run there.
  void execute(std::function<void()> command) {
    std::unique_lock lock(mutex_);
    if (thread_failed_) throw std::runtime_error("fault proxy: " + failure_);
    const std::uint64_t ticket = ++submitted_;
    commands_.push_back(std::move(command));
    lock.unlock();
    wake();
    lock.lock();
    done_.wait(lock, [&] { return completed_ >= ticket || thread_failed_; });
    if (completed_ < ticket) throw std::runtime_error("fault proxy: " + failure_);
  }

  // The following run on the proxy thread only (through execute()).
  void cut_all() {
    for (auto& c : connections_)
      abort_connection(*c);
    remove_finished();
  }
  void set_blackhole(bool on) {
    blackhole_ = on;
    if (on) return;
    for (auto& c : connections_) {
      if (c->doomed) abort_connection(*c);
    }
    remove_finished();
  }
  void set_refuse(bool on) { refuse_ = on; }
  void set_budget(Direction direction, std::optional<std::uint64_t> bytes) {
    budget_[index(direction)] = bytes;
  }

  // Counters, proxy thread only. FaultProxy reads them through execute(): a reading taken
  // on the proxy thread includes everything that either peer has already seen (a byte
  // received, a reset), whereas one taken elsewhere could lag behind the peers by a moment.
  std::size_t connection_count = 0;
  std::uint64_t accepted = 0;
  std::uint64_t refused = 0;
  std::array<std::uint64_t, 2> forwarded{};

  static std::size_t index(Direction direction) {
    return direction == Direction::client_to_upstream ? 0 : 1;
  }

 private:
  void wake() {
    const char byte = 1;
    // A full pipe already holds a wake-up; nothing is lost when this write fails.
    [[maybe_unused]] const auto ignored = ::write(wake_write_, &byte, 1);
  }

  void close_descriptors() {
    for (int* fd : {&listen_, &wake_read_, &wake_write_}) {
      if (*fd >= 0) ::close(*fd);
      *fd = -1;
    }
  }

  void run() {
    try {
      loop();
    } catch (const std::exception& e) {
      std::lock_guard lock(mutex_);
      thread_failed_ = true;
      failure_ = e.what();
      done_.notify_all();
    }
  }

  void loop() {
    std::vector<pollfd> fds;
    std::vector<Watch> watches;
    for (;;) {
      // Writing, passing on ends of stream and cutting happen here, for every connection,
      // before waiting: a command (blackhole off, a byte budget) or the events handled in the
      // previous round may have made something possible that no socket event would announce.
      for (auto& c : connections_) {
        if (!c->finished) settle(*c);
      }
      if (cut_requested_) {
        cut_requested_ = false;
        cut_all();
      }
      remove_finished();

      fds.clear();
      watches.clear();
      fds.push_back({wake_read_, POLLIN, 0});
      fds.push_back({listen_, POLLIN, 0});
      for (auto& c : connections_) {
        add_watch(fds, watches, *c, true);
        add_watch(fds, watches, *c, false);
      }
      if (::poll(fds.data(), fds.size(), -1) < 0) {
        if (errno == EINTR) continue;
        throw std::system_error(errno, std::generic_category(), "poll");
      }
      for (std::size_t i = 2; i < fds.size(); ++i) {
        if (fds[i].revents != 0 && !watches[i - 2].connection->finished) {
          service(*watches[i - 2].connection, watches[i - 2].client_side, fds[i].revents);
        }
      }
      if (fds[1].revents != 0) accept_all();
      if (fds[0].revents != 0 && !run_commands()) return;
    }
  }

  void add_watch(std::vector<pollfd>& fds, std::vector<Watch>& watches, Connection& c,
                 bool client_side) {
    const int fd = client_side ? c.client : c.upstream;
    if (fd < 0) return;
    short events = 0;
    if (!client_side && c.connecting) {
      events = POLLOUT;  // a non-blocking connect() reports its completion as writability
    } else {
      Pipe& in = client_side ? c.to_upstream : c.to_client;
      Pipe& out = client_side ? c.to_client : c.to_upstream;
      if (!in.eof && !in.full()) events |= POLLIN;
      if (may_write(c, out,
                    client_side ? Direction::upstream_to_client : Direction::client_to_upstream)) {
        events |= POLLOUT;
      }
      const bool hup = client_side ? c.client_hup : c.upstream_hup;
      if (hup && events == 0) return;
    }
    fds.push_back({fd, events, 0});
    watches.push_back({&c, client_side});
  }

  bool may_write(const Connection& c, const Pipe& out, Direction direction) const {
    const int destination = direction == Direction::client_to_upstream ? c.upstream : c.client;
    return !blackhole_ && !c.connecting && destination >= 0 && out.size() > 0 &&
           budget_[index(direction)] != std::uint64_t{0};
  }

  void service(Connection& c, bool client_side, short revents) {
    if (!client_side && c.connecting) {
      int error = 0;
      socklen_t length = sizeof error;
      ::getsockopt(c.upstream, SOL_SOCKET, SO_ERROR, &error, &length);
      if (error != 0) {
        abort_connection(c);  // the client learns that the server is unreachable: an RST
        return;
      }
      c.connecting = false;
      return;
    }
    const int fd = client_side ? c.client : c.upstream;
    Pipe& in = client_side ? c.to_upstream : c.to_client;
    if ((revents & (POLLIN | POLLHUP | POLLERR)) != 0 && !in.eof && !in.full()) {
      if (!read_into(fd, in)) return side_failed(c, client_side);
    } else if ((revents & POLLERR) != 0) {
      int error = 0;
      socklen_t length = sizeof error;
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
      if (error != 0) return side_failed(c, client_side);
    } else if ((revents & POLLHUP) != 0) {
      (client_side ? c.client_hup : c.upstream_hup) = true;
    }
    // Writing happens in settle(), at the start of the next round.
  }

  // Reads what fits; false when the socket failed.
  static bool read_into(int fd, Pipe& in) {
    const std::size_t room = in.room();
    const ssize_t n = ::recv(fd, in.bytes.data() + in.end, room, 0);
    if (n > 0) {
      in.end += static_cast<std::size_t>(n);
    } else if (n == 0) {
      in.eof = true;
    } else if (!would_block(errno)) {
      return false;
    }
    return true;
  }

  // Writes what may be written in both directions and passes on ends of stream; marks the
  // connection finished once both streams have ended.
  void settle(Connection& c) {
    if (c.connecting || c.doomed) return;
    if (!flush(c, c.to_upstream, Direction::client_to_upstream)) return side_failed(c, false);
    if (c.finished) return;
    if (!flush(c, c.to_client, Direction::upstream_to_client)) return side_failed(c, true);
    if (c.to_upstream.shut && c.to_client.shut) {
      // Both ends have said goodbye and heard it: an orderly close.
      ::close(c.client);
      ::close(c.upstream);
      c.client = c.upstream = -1;
      c.finished = true;
    }
  }

  // False when the destination failed.
  bool flush(Connection& c, Pipe& out, Direction direction) {
    if (blackhole_) return true;
    const int destination = direction == Direction::client_to_upstream ? c.upstream : c.client;
    auto& budget = budget_[index(direction)];
    while (out.size() > 0) {
      if (budget == std::uint64_t{0}) {
        cut_requested_ = true;
        budget.reset();
        return true;
      }
      std::size_t n = out.size();
      if (budget) n = static_cast<std::size_t>(std::min<std::uint64_t>(n, *budget));
      // MSG_NOSIGNAL: a peer that went away must not kill the process with SIGPIPE.
      const ssize_t sent = ::send(destination, out.bytes.data() + out.begin, n, MSG_NOSIGNAL);
      if (sent < 0) return would_block(errno);
      out.consumed(static_cast<std::size_t>(sent));
      forwarded[index(direction)] += static_cast<std::uint64_t>(sent);
      if (budget) {
        *budget -= static_cast<std::uint64_t>(sent);
        if (*budget == 0) {
          // The last byte allowed has gone out: cut now, without waiting for more data.
          cut_requested_ = true;
          budget.reset();
          return true;
        }
      }
    }
    if (out.eof && !out.shut) {
      ::shutdown(destination, SHUT_WR);
      out.shut = true;
    }
    return true;
  }

  void side_failed(Connection& c, bool client_side) {
    if (!blackhole_) return abort_connection(c);
    // During a blackhole the other side must not notice anything yet: close only the broken
    // socket and reset the other one when the blackhole ends.
    int& fd = client_side ? c.client : c.upstream;
    abortive_close(fd);
    fd = -1;
    c.doomed = true;
  }

  void abort_connection(Connection& c) {
    if (c.client >= 0) abortive_close(c.client);
    if (c.upstream >= 0) abortive_close(c.upstream);
    c.client = c.upstream = -1;
    c.finished = true;
  }

  void remove_finished() {
    std::erase_if(connections_, [](const auto& c) { return c->finished; });
    connection_count = connections_.size();
  }

  void accept_all() {
    for (;;) {
      const int client = ::accept4(listen_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (client < 0) {
        if (errno == ECONNABORTED || errno == EINTR) continue;
        return;  // EAGAIN: all taken; anything else (EMFILE): try again on the next wake-up
      }
      ++accepted;
      if (refuse_) {
        ++refused;
        abortive_close(client);
        continue;
      }
      const int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (upstream < 0) {
        abortive_close(client);
        continue;
      }
      set_nodelay(client);
      set_nodelay(upstream);
      auto c = std::make_unique<Connection>();
      c->client = client;
      c->upstream = upstream;
      if (::connect(upstream, reinterpret_cast<const sockaddr*>(&upstream_), sizeof upstream_) ==
          0) {
        c->connecting = false;
      } else if (errno != EINPROGRESS) {
        abort_connection(*c);
        continue;
      }
      connections_.push_back(std::move(c));
    }
    connection_count = connections_.size();
  }

  // False when the proxy is to stop.
  bool run_commands() {
    char drain[64];
    while (::read(wake_read_, drain, sizeof drain) > 0) {
    }
    std::vector<std::function<void()>> batch;
    {
      std::lock_guard lock(mutex_);
      if (stop_requested_) return false;
      batch.swap(commands_);
    }
    for (auto& command : batch)
      command();
    std::lock_guard lock(mutex_);
    completed_ += batch.size();
    done_.notify_all();
    return true;
  }

  const sockaddr_in upstream_;
  int listen_ = -1;
  int wake_read_ = -1;
  int wake_write_ = -1;
  std::uint16_t port_ = 0;

  // Proxy thread only.
  std::vector<std::unique_ptr<Connection>> connections_;
  bool blackhole_ = false;
  bool refuse_ = false;
  bool cut_requested_ = false;
  std::array<std::optional<std::uint64_t>, 2> budget_{};

  std::mutex mutex_;
  std::condition_variable done_;
  std::vector<std::function<void()>> commands_;
  std::uint64_t submitted_ = 0;
  std::uint64_t completed_ = 0;
  bool stop_requested_ = false;
  bool thread_failed_ = false;
  std::string failure_;

  std::thread thread_;
};

FaultProxy::FaultProxy(const std::string& upstream_host, std::uint16_t upstream_port,
                       std::uint16_t listen_port)
    : impl_(std::make_unique<Impl>(upstream_host, upstream_port, listen_port)) {}

FaultProxy::~FaultProxy() = default;

std::uint16_t FaultProxy::port() const {
  return impl_->port();
}

void FaultProxy::cut_all() {
  impl_->execute([this] { impl_->cut_all(); });
}

void FaultProxy::blackhole(bool on) {
  impl_->execute([this, on] { impl_->set_blackhole(on); });
}

void FaultProxy::refuse(bool on) {
  impl_->execute([this, on] { impl_->set_refuse(on); });
}

void FaultProxy::cut_after_bytes(Direction direction, std::uint64_t bytes) {
  impl_->execute([this, direction, bytes] { impl_->set_budget(direction, bytes); });
}

void FaultProxy::cancel_cut_after_bytes(Direction direction) {
  impl_->execute([this, direction] { impl_->set_budget(direction, std::nullopt); });
}

std::size_t FaultProxy::connections() const {
  std::size_t count = 0;
  impl_->execute([this, &count] { count = impl_->connection_count; });
  return count;
}

std::uint64_t FaultProxy::accepted() const {
  std::uint64_t count = 0;
  impl_->execute([this, &count] { count = impl_->accepted; });
  return count;
}

std::uint64_t FaultProxy::refused() const {
  std::uint64_t count = 0;
  impl_->execute([this, &count] { count = impl_->refused; });
  return count;
}

std::uint64_t FaultProxy::bytes_forwarded(Direction direction) const {
  std::uint64_t count = 0;
  impl_->execute([this, &count, direction] { count = impl_->forwarded[Impl::index(direction)]; });
  return count;
}

}  // namespace xmpp::tools
