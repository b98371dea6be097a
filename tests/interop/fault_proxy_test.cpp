// xmpp::tools::FaultProxy against real loopback sockets: the test plays both the client and
// the upstream server, so it can watch what each side sees when the proxy breaks the link.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "fault_proxy.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using xmpp::tools::Direction;
using xmpp::tools::FaultProxy;

// Generous: sanitizer builds on a loaded CI machine are slow. Waiting for something that
// should happen only costs time when the test is about to fail anyway.
constexpr auto kPatience = 5s;
// How long "nothing arrives" is watched for.
constexpr auto kSilence = 300ms;

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

std::uint16_t local_port(int fd) {
  sockaddr_in address{};
  socklen_t length = sizeof address;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::system_error(errno, std::generic_category(), "getsockname");
  }
  return ntohs(address.sin_port);
}

// The upstream server's listening socket, on an ephemeral port.
struct Upstream {
  Fd listener;
  std::uint16_t port = 0;

  Upstream() : listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    const auto address = loopback(0);
    if (::bind(listener.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener.get(), 16) != 0) {
      throw std::system_error(errno, std::generic_category(), "upstream listen");
    }
    port = local_port(listener.get());
  }

  // The next connection the proxy made, or an invalid Fd if none comes within `limit`.
  Fd accept(std::chrono::milliseconds limit = kPatience) const {
    pollfd p{listener.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(limit.count())) != 1) return Fd{};
    return Fd(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  }
};

Fd connect_to(std::uint16_t port) {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const auto address = loopback(port);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    throw std::system_error(errno, std::generic_category(), "connect");
  }
  return fd;
}

// MSG_NOSIGNAL here too: the test itself writes into connections the proxy resets.
bool send_all(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n < 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// What reading a socket until it ends (or `limit` passes) gave.
struct Reading {
  std::string bytes;
  enum class End { timeout, eof, reset, other } end = End::timeout;
  int error = 0;
};

// Reads until `want` bytes arrived (returns then with End::timeout and the bytes), the stream
// ends, it fails, or `limit` passes.
Reading read_some(int fd, std::size_t want, std::chrono::milliseconds limit = kPatience) {
  Reading r;
  const auto deadline = Clock::now() + limit;
  while (r.bytes.size() < want) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) != 1) continue;
    char buffer[65536];
    const ssize_t n = ::recv(fd, buffer, std::min(sizeof buffer, want - r.bytes.size()), 0);
    if (n > 0) {
      r.bytes.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0) {
      r.end = Reading::End::eof;
      break;
    } else if (errno != EINTR) {
      r.error = errno;
      r.end = errno == ECONNRESET ? Reading::End::reset : Reading::End::other;
      break;
    }
  }
  return r;
}

// Reads whatever comes until the stream ends or fails (or `limit` passes).
Reading read_to_end(int fd, std::chrono::milliseconds limit = kPatience) {
  return read_some(fd, std::string::npos, limit);
}

// True when nothing at all (no byte, no end of stream, no error) arrives within kSilence.
bool silent(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(std::chrono::milliseconds(kSilence).count())) == 0;
}

bool eventually(const std::function<bool()>& condition) {
  const auto deadline = Clock::now() + kPatience;
  while (!condition()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

// A connected pair through the proxy: the client's socket and the upstream's.
struct Link {
  Fd client;
  Fd server;
};

Link open_link(const FaultProxy& proxy, const Upstream& upstream) {
  Link link;
  link.client = connect_to(proxy.port());
  link.server = upstream.accept();
  REQUIRE(link.server.valid());
  return link;
}

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 generator(seed);
  std::string bytes(n, '\0');
  for (auto& b : bytes)
    b = static_cast<char>(generator());
  return bytes;
}

TEST_CASE("bytes go both ways and are counted") {
  Upstream upstream;
  FaultProxy proxy("127.0.0.1", upstream.port);
  CHECK(proxy.port() != 0);
  CHECK(proxy.port() != upstream.port);
  auto link = open_link(proxy, upstream);
  CHECK(eventually([&] { return proxy.connections() == 1; }));
  CHECK(proxy.accepted() == 1);

  REQUIRE(send_all(link.client.get(), "<stream:stream>"));
  CHECK(read_some(link.server.get(), 15).bytes == "<stream:stream>");
  REQUIRE(send_all(link.server.get(), "<features/>"));
  CHECK(read_some(link.client.get(), 11).bytes == "<features/>");
  CHECK(proxy.bytes_forwarded(Direction::client_to_upstream) == 15);
  CHECK(proxy.bytes_forwarded(Direction::upstream_to_client) == 11);
  CHECK(proxy.refused() == 0);
}

TEST_CASE("the upstream may be given by name") {
  Upstream upstream;
  FaultProxy proxy("localhost", upstream.port);
  auto link = open_link(proxy, upstream);
  REQUIRE(send_all(link.client.get(), "x"));
  CHECK(read_some(link.server.get(), 1).bytes == "x");
}

TEST_CASE("several megabytes through an echo server arrive intact and in order") {
  // Much more than the proxy's buffers and the sockets' buffers hold, so the proxy must stop
  // reading while the other side is not keeping up, and resume.
  Upstream upstream;
  FaultProxy proxy("127.0.0.1", upstream.port);
  std::thread echo([&] {
    Fd server = upstream.accept();
    char buffer[7000];  // an odd size, so that reads and writes do not line up with the proxy's
    for (;;) {
      const ssize_t n = ::recv(server.get(), buffer, sizeof buffer, 0);
      if (n <= 0) break;
      if (!send_all(server.get(), std::string(buffer, static_cast<std::size_t>(n)))) break;
    }
  });
  const std::string sent = random_bytes(4 * 1024 * 1024 + 123, 42);
  Fd client = connect_to(proxy.port());
  std::string received;
  std::thread writer([&] {
    send_all(client.get(), sent);
    ::shutdown(client.get(), SHUT_WR);
  });
  const auto r = read_to_end(client.get(), 60s);
  writer.join();
  echo.join();
  CHECK(r.end == Reading::End::eof);
  CHECK(r.bytes.size() == sent.size());
  CHECK(r.bytes == sent);
  CHECK(proxy.bytes_forwarded(Direction::client_to_upstream) == sent.size());
  CHECK(proxy.bytes_forwarded(Direction::upstream_to_client) == sent.size());
  CHECK(eventually([&] { return proxy.connections() == 0; }));
}

TEST_CASE("an end of stream is passed on in each direction separately") {
  Upstream upstream;
  FaultProxy proxy("127.0.0.1", upstream.port);
  auto link = open_link(proxy, upstream);

  REQUIRE(send_all(link.client.get(), "bye"));
  ::shutdown(link.client.get(), SHUT_WR);
  auto r = read_to_end(link.server.get());
  CHECK(r.bytes == "bye");
  CHECK(r.end == Reading::End::eof);

  // Half closed: the other direction still works.
  REQUIRE(send_all(link.server.get(), "still here"));
  CHECK(read_some(link.client.get(), 10).bytes == "still here");
  CHECK(proxy.connections() == 1);

  link.server.reset();
  r = read_to_end(link.client.get());
  CHECK(r.end == Reading::End::eof);
  CHECK(eventually([&] { return proxy.connections() == 0; }));
}

TEST_CASE("cut_all resets both sides at once; new connections still work") {
  Upstream upstream;
  FaultProxy proxy("127.0.0.1", upstream.port);
  auto first = open_link(proxy, upstream);
  auto second = open_link(proxy, upstream);
  REQUIRE(eventually([&] { return proxy.connections() == 2; }));

  const auto start = Clock::now();
  proxy.cut_all();
  CHECK(proxy.connections() == 0);  // done when cut_all() returns
  for (Link* link : {&first, &second}) {
    for (int fd : {link->client.get(), link->server.get()}) {
      const auto r = read_to_end(fd);
      CHECK(r.end == Reading::End::reset);
      CHECK(r.bytes.empty());
    }
  }
  CHECK(Clock::now() - start < 1s);
  // Writing into a reset connection fails too.
  CHECK_FALSE(send_all(first.client.get(), "anyone?"));

  auto third = open_link(proxy, upstream);
  REQUIRE(send_all(third.client.get(), "again"));
  CHECK(read_some(third.server.get(), 5).bytes == "again");
  CHECK(proxy.accepted() == 3);
}

TEST_CASE("a blackhole holds bytes and ends of stream until it is lifted") {
  Upstream upstream;
  FaultProxy proxy("127.0.0.1", upstream.port);
  auto link = open_link(proxy, upstream);
  REQUIRE(send_all(link.client.get(), "before"));
  REQUIRE(read_some(link.server.get(), 6).bytes == "before");

  proxy.blackhole(true);
  REQUIRE(send_all(link.client.get(), "<iq id='1'/>"));
  REQUIRE(send_all(link.server.get(), "<r/>"));
  ::shutdown(link.client.get(), SHUT_WR);
  CHECK(silent(link.server.get()));  // neither the bytes nor the end of stream
  CHECK(silent(link.client.get()));
  CHECK(proxy.bytes_forwarded(Direction::client_to_upstream) == 6);
  CHECK(proxy.bytes_forwarded(Direction::upstream_to_client) == 0);
  CHECK(proxy.connections() == 1);

  proxy.blackhole(false);
  auto r = read_to_end(link.server.get());
  CHECK(r.bytes == "<iq id='1'/>");
  CHECK(r.end == Reading::End::eof);
  CHECK(read_some(link.client.get(), 4).bytes == "<r/>");
}

TEST_CASE("new connections during a blackhole are connected but silent") {
  Upstream upstream;
  FaultProxy proxy("127.0.0.1", upstream.port);
  proxy.blackhole(true);
  auto link = open_link(proxy, upstream);  // TCP-wise both sides are connected
  REQUIRE(send_all(link.client.get(), "<stream:stream>"));
  CHECK(silent(link.server.get()));
  proxy.blackhole(false);
  CHECK(read_some(link.server.get(), 15).bytes == "<stream:stream>");
}

TEST_CASE("a cut during a blackhole drops what was held") {
  Upstream upstream;
  FaultProxy proxy("127.0.0.1", upstream.port);
  auto link = open_link(proxy, upstream);
  proxy.blackhole(true);
  REQUIRE(send_all(link.client.get(), "<message>lost</message>"));
  CHECK(silent(link.server.get()));
  proxy.cut_all();
  const auto r = read_to_end(link.server.get());
  CHECK(r.bytes.empty());
  CHECK(r.end == Reading::End::reset);
  CHECK(read_to_end(link.client.get()).end == Reading::End::reset);
  CHECK(proxy.bytes_forwarded(Direction::client_to_upstream) == 0);
  proxy.blackhole(false);
}

TEST_CASE("a side that fails during a blackhole: its peer is reset when the blackhole ends") {
  Upstream upstream;
  FaultProxy proxy("127.0.0.1", upstream.port);
  auto link = open_link(proxy, upstream);
  proxy.blackhole(true);
  // The client dies abruptly; a dead link would not carry its RST.
  const linger hard{1, 0};
  ::setsockopt(link.client.get(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  link.client.reset();
  CHECK(silent(link.server.get()));
  CHECK(proxy.connections() == 1);
  proxy.blackhole(false);
  CHECK(read_to_end(link.server.get()).end == Reading::End::reset);
  CHECK(proxy.connections() == 0);
}

TEST_CASE("refuse resets new connections and leaves the current ones alone") {
  Upstream upstream;
  FaultProxy proxy("127.0.0.1", upstream.port);
  auto old = open_link(proxy, upstream);

  proxy.refuse(true);
  Fd refused = connect_to(proxy.port());  // the kernel completes the handshake ...
  CHECK(read_to_end(refused.get()).end == Reading::End::reset);  // ... then the proxy resets
  CHECK_FALSE(upstream.accept(kSilence).valid());
  CHECK(proxy.refused() == 1);
  CHECK(proxy.accepted() == 2);
  CHECK(proxy.connections() == 1);

  REQUIRE(send_all(old.client.get(), "still"));
  CHECK(read_some(old.server.get(), 5).bytes == "still");

  proxy.refuse(false);
  auto fresh = open_link(proxy, upstream);
  REQUIRE(send_all(fresh.client.get(), "in"));
  CHECK(read_some(fresh.server.get(), 2).bytes == "in");
  CHECK(proxy.refused() == 1);
}

TEST_CASE("cut_after_bytes lets exactly that many bytes through, then cuts") {
  Upstream upstream;
  FaultProxy proxy("127.0.0.1", upstream.port);
  auto link = open_link(proxy, upstream);
  REQUIRE(send_all(link.client.get(), "12345"));
  REQUIRE(read_some(link.server.get(), 5).bytes == "12345");

  proxy.cut_after_bytes(Direction::client_to_upstream, 9);
  // The other direction is not limited.
  REQUIRE(send_all(link.server.get(), std::string(100, 's')));
  CHECK(read_some(link.client.get(), 100).bytes.size() == 100);

  REQUIRE(send_all(link.client.get(), "<message>cut in the middle</message>"));
  const auto r = read_to_end(link.server.get());
  CHECK(r.bytes == "<message>");
  CHECK(r.end == Reading::End::reset);
  CHECK(read_to_end(link.client.get()).end == Reading::End::reset);
  CHECK(proxy.bytes_forwarded(Direction::client_to_upstream) == 14);
  CHECK(proxy.connections() == 0);

  // One-shot: the next connection is not cut.
  auto next = open_link(proxy, upstream);
  REQUIRE(send_all(next.client.get(), std::string(50, 'n')));
  CHECK(read_some(next.server.get(), 50).bytes.size() == 50);
}

TEST_CASE("cut_after_bytes 0 cuts before anything passes; cancel disarms") {
  Upstream upstream;
  FaultProxy proxy("127.0.0.1", upstream.port);
  auto link = open_link(proxy, upstream);
  proxy.cut_after_bytes(Direction::upstream_to_client, 0);
  CHECK(proxy.connections() == 1);  // nothing to forward yet, so nothing cut
  REQUIRE(send_all(link.server.get(), "<success/>"));
  const auto r = read_to_end(link.client.get());
  CHECK(r.bytes.empty());
  CHECK(r.end == Reading::End::reset);

  proxy.cut_after_bytes(Direction::upstream_to_client, 0);
  proxy.cancel_cut_after_bytes(Direction::upstream_to_client);
  auto next = open_link(proxy, upstream);
  REQUIRE(send_all(next.server.get(), "<success/>"));
  CHECK(read_some(next.client.get(), 10).bytes == "<success/>");
}

TEST_CASE("an unreachable upstream resets the client") {
  std::uint16_t closed_port = 0;
  {
    Upstream gone;  // bound and closed again: nothing listens there now
    closed_port = gone.port;
  }
  FaultProxy proxy("127.0.0.1", closed_port);
  Fd client = connect_to(proxy.port());
  CHECK(read_to_end(client.get()).end == Reading::End::reset);
  CHECK(eventually([&] { return proxy.connections() == 0; }));
  CHECK(proxy.accepted() == 1);
}

TEST_CASE("destroying the proxy resets the live connections") {
  Upstream upstream;
  std::optional<FaultProxy> proxy(std::in_place, "127.0.0.1", upstream.port);
  auto link = open_link(*proxy, upstream);
  REQUIRE(send_all(link.client.get(), "x"));
  REQUIRE(read_some(link.server.get(), 1).bytes == "x");
  const auto port = proxy->port();
  const auto start = Clock::now();
  proxy.reset();
  CHECK(Clock::now() - start < 1s);
  CHECK(read_to_end(link.client.get()).end == Reading::End::reset);
  CHECK(read_to_end(link.server.get()).end == Reading::End::reset);
  // The listening socket is gone too.
  Fd again(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const auto address = loopback(port);
  CHECK(::connect(again.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0);
}

TEST_CASE("a peer vanishing while the proxy writes to it does not raise SIGPIPE") {
  // With the default disposition a SIGPIPE would end this whole test program.
  const auto previous = std::signal(SIGPIPE, SIG_DFL);
  for (int round = 0; round < 20; ++round) {
    Upstream upstream;
    FaultProxy proxy("127.0.0.1", upstream.port);
    auto link = open_link(proxy, upstream);
    std::atomic<bool> stop{false};
    std::thread pump([&] {
      const std::string chunk(16384, 'p');
      while (!stop && send_all(link.client.get(), chunk)) {
      }
    });
    REQUIRE(read_some(link.server.get(), 1000).bytes.size() == 1000);
    // The upstream ends its stream first, so the proxy's socket towards it is half closed
    // (CLOSE_WAIT); the close with unread data then resets it. Linux reports a reset in that
    // state as EPIPE, which is what raises SIGPIPE on the proxy's next send().
    ::shutdown(link.server.get(), SHUT_WR);
    CHECK(read_to_end(link.client.get()).end == Reading::End::eof);
    link.server.reset();
    CHECK(eventually([&] { return proxy.connections() == 0; }));
    stop = true;
    ::shutdown(link.client.get(), SHUT_RDWR);
    pump.join();
  }
  std::signal(SIGPIPE, previous);
}

// CPU time used by this whole process (all threads) so far.
std::chrono::microseconds cpu_time() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto micros = [](const timeval& t) {
    return std::chrono::seconds(t.tv_sec) + std::chrono::microseconds(t.tv_usec);
  };
  return micros(usage.ru_utime) + micros(usage.ru_stime);
}

// CPU time the process uses while this thread sleeps for half a second.
std::chrono::microseconds cpu_while_idle() {
  const auto before = cpu_time();
  std::this_thread::sleep_for(500ms);
  return cpu_time() - before;
}

TEST_CASE("a stalled link costs no CPU: full buffers, a blackhole, half-closed sockets") {
  Upstream upstream;
  FaultProxy proxy("127.0.0.1", upstream.port);
  auto link = open_link(proxy, upstream);
  // The upstream reads nothing: the sender fills the sockets' and the proxy's buffers and
  // then blocks in send().
  std::thread sender([&] { send_all(link.client.get(), std::string(8 * 1024 * 1024, 'f')); });
  std::uint64_t forwarded = 0;
  for (;;) {  // until the proxy has stopped forwarding
    std::this_thread::sleep_for(100ms);
    const auto now = proxy.bytes_forwarded(Direction::client_to_upstream);
    if (now == forwarded) break;
    forwarded = now;
  }
  // A busy loop would burn the whole half second.
  CHECK(cpu_while_idle() < 100ms);

  proxy.blackhole(true);
  CHECK(cpu_while_idle() < 100ms);
  proxy.cut_all();
  sender.join();
  proxy.blackhole(false);

  // Both ends closed towards the proxy while data for one of them is still held: the
  // client's socket is fully shut down (POLLHUP) but the proxy must wait for the upstream.
  auto half = open_link(proxy, upstream);
  REQUIRE(send_all(half.server.get(), "late"));
  REQUIRE(read_some(half.client.get(), 4).bytes == "late");
  ::shutdown(half.server.get(), SHUT_WR);
  REQUIRE(read_to_end(half.client.get()).end == Reading::End::eof);
  proxy.blackhole(true);
  REQUIRE(send_all(half.client.get(), "held"));
  ::shutdown(half.client.get(), SHUT_WR);
  CHECK(cpu_while_idle() < 100ms);
  proxy.blackhole(false);
  const auto r = read_to_end(half.server.get());
  CHECK(r.bytes == "held");
  CHECK(r.end == Reading::End::eof);
}

TEST_CASE("counters over several connections") {
  Upstream upstream;
  FaultProxy proxy("127.0.0.1", upstream.port);
  std::vector<Link> links;
  for (int i = 0; i < 5; ++i)
    links.push_back(open_link(proxy, upstream));
  CHECK(eventually([&] { return proxy.connections() == 5; }));
  CHECK(proxy.accepted() == 5);
  for (auto& link : links)
    REQUIRE(send_all(link.client.get(), "abc"));
  for (auto& link : links)
    CHECK(read_some(link.server.get(), 3).bytes == "abc");
  CHECK(proxy.bytes_forwarded(Direction::client_to_upstream) == 15);
  links.erase(links.begin(), links.begin() + 2);  // both ends closed normally
  CHECK(eventually([&] { return proxy.connections() == 3; }));
}

TEST_CASE("commands from several threads while data flows") {
  Upstream upstream;
  FaultProxy proxy("127.0.0.1", upstream.port);
  auto link = open_link(proxy, upstream);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&proxy, t] {
      for (int i = 0; i < 200; ++i) {
        proxy.blackhole((i + t) % 2 == 0);
        proxy.refuse(false);
        (void)proxy.connections();
        (void)proxy.bytes_forwarded(Direction::client_to_upstream);
      }
    });
  }
  for (int i = 0; i < 100; ++i)
    REQUIRE(send_all(link.client.get(), "0123456789"));
  for (auto& thread : threads)
    thread.join();
  proxy.blackhole(false);
  CHECK(read_some(link.server.get(), 1000).bytes == [] {
    std::string all;
    for (int i = 0; i < 100; ++i)
      all += "0123456789";
    return all;
  }());
}

TEST_CASE("a listening port that is taken is an error") {
  Upstream upstream;
  FaultProxy first("127.0.0.1", upstream.port);
  CHECK_THROWS_AS(FaultProxy("127.0.0.1", upstream.port, first.port()), std::system_error);
  CHECK_THROWS_AS(FaultProxy("no-such-host.invalid", upstream.port), std::system_error);
}

TEST_CASE("an explicit listening port is used") {
  Upstream upstream;
  std::uint16_t wanted = 0;
  {
    Upstream probe;  // a port that was free a moment ago
    wanted = probe.port;
  }
  FaultProxy proxy("127.0.0.1", upstream.port, wanted);
  CHECK(proxy.port() == wanted);
  auto link = open_link(proxy, upstream);
  REQUIRE(send_all(link.client.get(), "p"));
  CHECK(read_some(link.server.get(), 1).bytes == "p");
}

}  // namespace
