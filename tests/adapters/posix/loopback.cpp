#include "loopback.hpp"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "xmpp/xml/builder.hpp"

namespace xmpp::posix::test {

// ---------------------------------------------------------------------------------------------
// Descriptors and sockets

Fd::~Fd() {
  reset();
}

Fd::Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    reset();
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

void Fd::reset() noexcept {
  if (fd_ >= 0) ::close(std::exchange(fd_, -1));
}

void Fd::abort() noexcept {
  if (fd_ < 0) return;
  linger hard{};
  hard.l_onoff = 1;
  hard.l_linger = 0;
  (void)::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  reset();
}

dns::Address make_address(const std::string& ip, std::uint16_t port) {
  dns::Address address;
  if (ip.find(':') != std::string::npos) {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&address.storage);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    REQUIRE(::inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1);
    address.length = sizeof(sockaddr_in6);
  } else {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&address.storage);
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    REQUIRE(::inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1);
    address.length = sizeof(sockaddr_in);
  }
  return address;
}

Listener Listener::open(const std::string& ip, bool listen, int backlog, int receive_buffer) {
  Listener listener;
  listener.ip = ip;
  const dns::Address any_port = make_address(ip, 0);
  listener.fd = Fd(::socket(any_port.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                            IPPROTO_TCP));
  REQUIRE(listener.fd);
  if (receive_buffer > 0) {
    REQUIRE(::setsockopt(listener.fd.get(), SOL_SOCKET, SO_RCVBUF, &receive_buffer,
                         sizeof receive_buffer) == 0);
  }
  REQUIRE_MESSAGE(::bind(listener.fd.get(), reinterpret_cast<const sockaddr*>(&any_port.storage),
                         any_port.length) == 0,
                  std::strerror(errno));
  sockaddr_storage bound{};
  socklen_t length = sizeof bound;
  REQUIRE(::getsockname(listener.fd.get(), reinterpret_cast<sockaddr*>(&bound), &length) == 0);
  listener.port =
      ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port
                                        : reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);
  if (listen) listener.start_listening(backlog);
  return listener;
}

void Listener::start_listening(int backlog) {
  REQUIRE(::listen(fd.get(), backlog) == 0);
  listening = true;
}

Fd Listener::accept() const {
  if (!listening) return Fd();
  Fd accepted(::accept4(fd.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
  if (accepted) {
    // The server's small writes must not wait for Nagle's algorithm either.
    int one = 1;
    (void)::setsockopt(accepted.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  return accepted;
}

std::string Listener::address() const {
  const std::string host = ip.find(':') != std::string::npos ? "[" + ip + "]" : ip;
  return host + ":" + std::to_string(port);
}

dns::Address Listener::dns_address() const {
  return make_address(ip, port);
}

Blackhole::Blackhole() : listener(Listener::open("127.0.0.1", true, 0)) {
  // With backlog 0 the accept queue holds one connection; the filler takes that place, and
  // since nobody accepts, every later SYN is dropped (and retried by the kernel, in vain).
  filler = Fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP));
  REQUIRE(filler);
  const dns::Address to = listener.dns_address();
  const int result =
      ::connect(filler.get(), reinterpret_cast<const sockaddr*>(&to.storage), to.length);
  REQUIRE((result == 0 || errno == EINPROGRESS));
  pollfd ready{filler.get(), POLLOUT, 0};
  REQUIRE(::poll(&ready, 1, 2000) == 1);
  int error = 0;
  socklen_t length = sizeof error;
  REQUIRE(::getsockopt(filler.get(), SOL_SOCKET, SO_ERROR, &error, &length) == 0);
  REQUIRE(error == 0);
}

// ---------------------------------------------------------------------------------------------
// The loopback server

LoopbackServer::LoopbackServer(testing::ServerConfig server_config)
    : LoopbackServer(std::move(server_config), Settings{}) {}

LoopbackServer::LoopbackServer(testing::ServerConfig server_config, Settings settings)
    : config(std::move(server_config)),
      settings_(std::move(settings)),
      listener_(Listener::open(settings_.ip, settings_.listening, settings_.backlog,
                               settings_.receive_buffer)) {}

ServerConnection& LoopbackServer::last() {
  REQUIRE_FALSE(connections.empty());
  return *connections.back();
}

void LoopbackServer::reset_last() {
  ServerConnection& c = last();
  REQUIRE_FALSE(c.closed);
  c.fd.abort();
  c.closed = true;
  c.server->connection_lost();
}

bool LoopbackServer::step(std::chrono::milliseconds wait) {
  if (wait > 0ms) {
    std::vector<pollfd> fds;
    if (listener_.listening) fds.push_back({listener_.fd.get(), POLLIN, 0});
    for (const auto& c : connections) {
      if (c->closed) continue;
      short events = reading && !c->paused ? POLLIN : 0;
      if (!c->to_client.empty()) events |= POLLOUT;
      fds.push_back({c->fd.get(), events, 0});
    }
    (void)::poll(fds.data(), fds.size(), static_cast<int>(wait.count()));
  }
  bool moved = false;
  // Older connections first: a reset already in a socket is seen before the resumption that
  // follows it on a new connection.
  for (const auto& c : connections) {
    if (c->closed) continue;
    moved = read(*c) || moved;
    moved = serve(*c) || moved;
    moved = flush(*c) || moved;
  }
  for (Fd accepted = listener_.accept(); accepted; accepted = listener_.accept()) {
    if (settings_.send_buffer > 0) {
      REQUIRE(::setsockopt(accepted.get(), SOL_SOCKET, SO_SNDBUF, &settings_.send_buffer,
                           sizeof settings_.send_buffer) == 0);
    }
    auto c = std::make_unique<ServerConnection>();
    c->fd = std::move(accepted);
    c->server = std::make_unique<testing::Server>(config, &store);
    connections.push_back(std::move(c));
    moved = true;
    ServerConnection& added = *connections.back();
    read(added);
    serve(added);
    flush(added);
  }
  return moved;
}

void LoopbackServer::fail_socket(ServerConnection& c, int error_number) {
  c.reset = true;
  c.socket_error = std::strerror(error_number);
  c.fd.reset();
  c.closed = true;
  c.server->connection_lost();
}

bool LoopbackServer::read(ServerConnection& c) {
  if (!reading || c.paused || c.closed) return false;
  bool moved = false;
  char buffer[16384];
  // At most 256 KB per step, so one busy connection cannot hold up the loop.
  for (int round = 0; round < 16; ++round) {
    const ssize_t n = ::recv(c.fd.get(), buffer, sizeof buffer, MSG_DONTWAIT);
    if (n > 0) {
      moved = true;
      const std::string_view bytes(buffer, static_cast<std::size_t>(n));
      start_tls(c);  // direct TLS: the first bytes are the ClientHello
      if (c.tls) {
        c.tls->receive(bytes);
        const std::string plain = std::exchange(c.tls->plaintext, {});
        c.from_client += plain;
        c.read_log += plain;
      } else {
        c.from_client += bytes;
        c.read_log += bytes;
      }
      continue;
    }
    if (n == 0) {
      c.eof = true;
      serve(c);  // what came before the FIN first (answers to it can no longer be delivered)
      c.server->receive_eof();
      c.fd.reset();
      c.closed = true;
      return true;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      fail_socket(c, errno);
      return true;
    }
    break;
  }
  return moved;
}

namespace {

sasl::TlsChannel channel_of(const tls::test::TestServer& tls,
                            const tls::test::Credential& credential) {
  sasl::TlsChannel channel;
  channel.version =
      tls.version() == TLS1_3_VERSION ? sasl::TlsVersion::tls_1_3 : sasl::TlsVersion::tls_1_2;
  channel.tls_exporter = tls.exporter();
  channel.tls_server_end_point =
      tls::test::digest(EVP_sha256(), tls::test::der(credential.cert.get()));
  if (channel.version == sasl::TlsVersion::tls_1_2) channel.tls_unique = tls.peer_finished();
  return channel;
}

}  // namespace

bool LoopbackServer::start_tls(ServerConnection& c) {
  const testing::ServerPhase phase = c.server->phase();
  if (c.tls ||
      (phase != testing::ServerPhase::tls_handoff && phase != testing::ServerPhase::awaiting_tls)) {
    return false;
  }
  tls::test::ServerOptions options;
  options.credential = settings_.credential;
  c.tls = std::make_unique<tls::test::TestServer>(options);
  // Bytes read after <starttls/> (none, from a client that waits for <proceed/>) are TLS.
  c.tls->receive(std::exchange(c.from_client, {}));
  return true;
}

bool LoopbackServer::serve(ServerConnection& c) {
  bool moved = false;
  for (int round = 0; round < 1000; ++round) {
    bool progress = false;
    testing::Server& server = *c.server;
    // STARTTLS after <proceed/>, or direct TLS from the first byte: the OpenSSL server takes
    // over the socket; bytes already read belong to its handshake.
    progress = start_tls(c) || progress;
    if (c.tls) {
      if (!c.tls->plaintext.empty()) {
        const std::string plain = std::exchange(c.tls->plaintext, {});
        c.from_client += plain;
        c.read_log += plain;
        progress = true;
      }
      if (c.tls->established() && !c.tls_reported) {
        c.tls_reported = true;
        REQUIRE(server.tls_established(channel_of(*c.tls, *settings_.credential)));
        progress = true;
      }
    }
    const testing::ServerPhase now = server.phase();
    if (!c.from_client.empty() && now != testing::ServerPhase::tls_handoff &&
        now != testing::ServerPhase::awaiting_tls) {
      const std::size_t consumed = server.receive(c.from_client);
      if (server.phase() == testing::ServerPhase::closed) {
        c.from_client.clear();  // nothing after the end of the stream counts
      } else {
        c.from_client.erase(0, consumed);
      }
      progress = progress || consumed > 0;
    }
    for (std::string& write : server.take_writes()) {
      c.write_log += write;
      if (c.tls) {
        REQUIRE_MESSAGE(c.tls->established(), "the test server wrote before TLS was up");
        c.tls->send(write);
      } else {
        c.to_client += write;
      }
      progress = true;
    }
    if (c.tls) c.to_client += c.tls->take_output();
    if (!progress) break;
    moved = true;
  }
  return moved;
}

bool LoopbackServer::flush(ServerConnection& c) {
  bool moved = false;
  while (!c.closed && !c.to_client.empty()) {
    const ssize_t n =
        ::send(c.fd.get(), c.to_client.data(), c.to_client.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      c.to_client.erase(0, static_cast<std::size_t>(n));
      c.socket_bytes_written += static_cast<std::size_t>(n);
      moved = true;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      c.write_blocked = true;
      break;
    }
    fail_socket(c, errno);
    return true;
  }
  return moved;
}

// ---------------------------------------------------------------------------------------------
// The client side

SessionConfig plain_config(const std::string& server_address) {
  ClientConfig client(*Jid::parse("alice@localhost"));
  client.credentials.password = "s3cret";
  client.resource = "posix";
  client.tls = TlsPolicy::disabled;
  client.keepalive_interval = Duration::zero();
  SessionConfig config(std::move(client));
  config.server = server_address;
  config.reconnect.jitter = Jitter::none;
  // The tests count the stanzas they send: no initial presence of the Session's own.
  config.app.send_initial_presence = false;
  return config;
}

testing::ServerConfig plain_server_config() {
  testing::ServerConfig config;
  config.domain = "localhost";
  config.users = {{"alice", "s3cret"}};
  config.starttls = testing::StartTlsOffer::none;
  config.sm = true;
  return config;
}

testing::ServerConfig plus_only_tls_server_config(bool direct) {
  testing::ServerConfig config = plain_server_config();
  config.starttls = direct ? testing::StartTlsOffer::none : testing::StartTlsOffer::required;
  config.direct_tls = direct;
  config.mechanisms = {sasl::Mechanism::scram_sha_256_plus};
  config.channel_binding_types = std::vector<sasl::ChannelBindingType>{
      sasl::ChannelBindingType::tls_exporter, sasl::ChannelBindingType::tls_server_end_point};
  return config;
}

SessionHooks Recorder::hooks() {
  SessionHooks hooks;
  hooks.on_connect = [this](Session&, const event::Online& online) {
    ++connects;
    online_jid = online.jid;
    log.push_back("connect");
  };
  hooks.on_resume = [this](Session&, const event::Online& online) {
    ++resumes;
    online_jid = online.jid;
    log.push_back("resume");
  };
  hooks.on_stanza = [this](Session&, xml::Element stanza) {
    const std::string id(stanza.attribute_or_empty("id"));
    stanza_ids.push_back(id);
    const xml::Element body = stanza.child("body");
    stanza_bodies.emplace_back(body ? body.text() : std::string_view());
    log.push_back("stanza:" + id);
  };
  hooks.on_closed = [this](Session& session, const event::Closed& closed) {
    closes.push_back(closed);
    close_times.push_back(session.now());
    log.push_back("closed:" + std::string(to_string(closed.reason)));
    const auto next = session.reconnect_policy().next_deadline();
    next_attempt_in.push_back(
        next ? std::optional<Duration>(std::chrono::duration_cast<Duration>(*next - session.now()))
             : std::nullopt);
    transport_errors.push_back(adapter           ? adapter->last_transport_error()
                               : transport_error ? transport_error()
                                                 : std::string());
  };
  hooks.on_link_dead = [this](Session&, const event::LinkDead&) { log.push_back("link_dead"); };
  hooks.on_stopped = [this](Session&, StopReason reason) {
    stopped = reason;
    log.push_back("stopped:" + std::string(to_string(reason)));
  };
  hooks.on_traffic = [this](TrafficDirection direction, std::string_view bytes) {
    if (direction == TrafficDirection::sent) {
      traffic_sent += bytes;
    } else {
      traffic_received += bytes;
      if (on_received_bytes) on_received_bytes(bytes.size());
    }
  };
  return hooks;
}

int Recorder::count(std::string_view entry) const {
  int n = 0;
  for (const auto& e : log)
    n += e == entry ? 1 : 0;
  return n;
}

xml::Element chat_message(xml::Arena& arena, std::string_view to, std::string_view id,
                          std::string_view body) {
  xml::Builder message(arena, "message", "jabber:client");
  message.attribute("to", to).attribute("id", id).attribute("type", "chat");
  message.start("body").text(body).end();
  return message.root();
}

std::string attribute_of(std::string_view xml, std::string_view name) {
  const std::string key = " " + std::string(name) + "='";
  const std::size_t at = xml.find(key);
  if (at == std::string_view::npos) return {};
  const std::size_t begin = at + key.size();
  return std::string(xml.substr(begin, xml.find('\'', begin) - begin));
}

Pipe::Pipe() {
  int fds[2];
  REQUIRE(::pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
  read_end = Fd(fds[0]);
  write_end = Fd(fds[1]);
}

void Pipe::write(std::string_view bytes) const {
  REQUIRE(::write(write_end.get(), bytes.data(), bytes.size()) ==
          static_cast<ssize_t>(bytes.size()));
}

std::string Pipe::read() const {
  char buffer[4096];
  const ssize_t n = ::read(read_end.get(), buffer, sizeof buffer);
  return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
}

}  // namespace xmpp::posix::test
