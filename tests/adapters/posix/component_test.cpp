// posix::ComponentClient against a minimal XEP-0114 server written here (the test server engine
// has no component mode): the handshake checked with SHA-1(stream id + secret) computed by
// OpenSSL, stanzas both ways, the graceful close, a refused secret, a refused connect.
#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "loopback.hpp"
#include "xmpp/xml/builder.hpp"

namespace xmpp::posix::test {
namespace {

std::string sha1_hex(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  REQUIRE(EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha1(), nullptr) == 1);
  std::string hex;
  char two[3];
  for (unsigned int i = 0; i < size; ++i) {
    std::snprintf(two, sizeof two, "%02x", digest[i]);
    hex += two;
  }
  return hex;
}

/// The server side of one component connection (XEP-0114 §3), stepped by the test.
class ComponentServer {
 public:
  explicit ComponentServer(std::string secret) : secret_(std::move(secret)) {}

  std::string address() const { return listener_.address(); }

  /// Waits at most `wait`, then accepts, reads and answers what it can.
  void step(std::chrono::milliseconds wait = 0ms) {
    if (wait > 0ms) {
      pollfd fd{conn_ ? conn_.get() : listener_.fd.get(), POLLIN, 0};
      (void)::poll(&fd, 1, static_cast<int>(wait.count()));
    }
    if (!conn_ && !closed) conn_ = listener_.accept();
    if (!conn_) return;
    char buffer[4096];
    for (;;) {
      const ssize_t n = ::recv(conn_.get(), buffer, sizeof buffer, MSG_DONTWAIT);
      if (n > 0) {
        received.append(buffer, static_cast<std::size_t>(n));
        continue;
      }
      if (n == 0) eof = true;
      if (n < 0 && errno == EINTR) continue;
      break;
    }
    answer();
    if (eof) {
      conn_.reset();
      closed = true;
    }
  }

  /// Closes the connection without a closing tag (a FIN).
  void drop() {
    conn_.reset();
    closed = true;
  }

  /// Sends raw bytes to the component.
  void send(const std::string& bytes) {
    REQUIRE(conn_);
    REQUIRE(::send(conn_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(bytes.size()));
  }

  // What happened.
  std::string received;  ///< every byte from the component
  std::string header;    ///< the component's stream header
  std::optional<bool> handshake_ok;
  std::string after_handshake;  ///< what came after the handshake (stanzas, closing tag)
  bool client_closed = false;   ///< the component's closing tag arrived (and was answered)
  bool eof = false;
  bool closed = false;
  const std::string stream_id = "c0mp0nent-stream-1";

 private:
  void answer() {
    if (header.empty()) {
      const std::size_t open = received.find("<stream:stream");
      const std::size_t end = open == std::string::npos ? open : received.find('>', open);
      if (end == std::string::npos) return;
      header = received.substr(0, end + 1);
      consumed_ = end + 1;
      send(
          "<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' "
          "xmlns='jabber:component:accept' from='component.localhost' id='" +
          stream_id + "'>");
    }
    if (!handshake_ok) {
      const std::size_t open = received.find("<handshake>", consumed_);
      const std::size_t close = received.find("</handshake>", consumed_);
      if (open == std::string::npos || close == std::string::npos) return;
      const std::string digest = received.substr(open + 11, close - open - 11);
      consumed_ = close + 12;
      handshake_ok = digest == sha1_hex(stream_id + secret_);
      if (*handshake_ok) {
        send("<handshake/>");
      } else {
        send(
            "<stream:error><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
            "</stream:error></stream:stream>");
      }
    }
    if (*handshake_ok && consumed_ < received.size()) {
      after_handshake += received.substr(consumed_);
      consumed_ = received.size();
      if (!client_closed && after_handshake.ends_with("</stream:stream>")) {
        client_closed = true;
        send("</stream:stream>");
      }
    }
  }

  std::string secret_;
  Listener listener_ = Listener::open();
  Fd conn_;
  std::size_t consumed_ = 0;
};

template <class Done>
bool drive_component(ComponentClient& component, ComponentServer& server, Done done,
                     std::chrono::milliseconds limit = 5s) {
  const auto end = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() >= end) return false;
    const bool running = component.run_once(1ms);
    server.step(running ? 0ms : 1ms);
  }
  return true;
}

ComponentConfig component_config(std::string secret) {
  ComponentConfig config(*Jid::parse("component.localhost"));
  config.secret = std::move(secret);
  config.keepalive_interval = Duration::zero();
  return config;
}

struct ComponentSeen {
  bool online = false;
  std::optional<Jid> online_jid;
  std::vector<std::string> stanza_ids;
  std::vector<StreamErrorCondition> errors_received;
  std::optional<CloseReason> closed;
  std::string sent;
  std::string received;

  ComponentHooks hooks() {
    ComponentHooks hooks;
    hooks.on_online = [this](Component& component) {
      online = true;
      online_jid = component.config().domain;
    };
    hooks.on_stanza = [this](Component&, xml::Element stanza) {
      stanza_ids.emplace_back(stanza.attribute_or_empty("id"));
    };
    hooks.on_event = [this](Component&, const Event& event) {
      if (const auto* error = std::get_if<event::StreamErrorReceived>(&event)) {
        errors_received.push_back(error->error.condition);
      }
      if (const auto* end = std::get_if<event::Closed>(&event)) closed = end->reason;
    };
    hooks.on_traffic = [this](TrafficDirection direction, std::string_view bytes) {
      (direction == TrafficDirection::sent ? sent : received) += bytes;
    };
    return hooks;
  }
};

TEST_CASE("posix component: handshake, a stanza both ways, close() -> local_close") {
  ComponentServer server("s3cret-component");
  ComponentSeen seen;
  ComponentClient component(component_config("s3cret-component"), server.address(), seen.hooks());
  std::string error;
  REQUIRE_MESSAGE(component.start(&error), error);
  REQUIRE(drive_component(component, server, [&] { return seen.online; }));
  CHECK(server.handshake_ok == true);
  CHECK(server.header.find("to='component.localhost'") != std::string::npos);
  CHECK(server.header.find("xmlns='jabber:component:accept'") != std::string::npos);
  CHECK(component.component().phase() == ComponentPhase::online);
  CHECK(component.component().stream_id() == server.stream_id);

  // Server to component.
  server.send(
      "<message from='alice@localhost/x' to='component.localhost' id='in1'><body>hi</body>"
      "</message>");
  REQUIRE(drive_component(component, server, [&] { return !seen.stanza_ids.empty(); }));
  CHECK(seen.stanza_ids == std::vector<std::string>{"in1"});

  // Component to server.
  xml::Arena arena;
  xml::Builder reply(arena, "message", "jabber:component:accept");
  reply.attribute("from", "component.localhost").attribute("to", "alice@localhost/x");
  reply.attribute("id", "out1").start("body").text("hello").end();
  REQUIRE(component.component().send(reply.root()) == SendStatus::ok);
  REQUIRE(drive_component(component, server, [&] {
    return server.after_handshake.find("id='out1'") != std::string::npos;
  }));

  // The traffic log: every byte, both ways.
  CHECK(seen.sent == server.received);
  CHECK(seen.sent.find("<handshake>") != std::string::npos);
  CHECK(seen.received.find("<handshake/>") != std::string::npos);
  CHECK(seen.received.find("id='in1'") != std::string::npos);

  // Graceful close: our closing tag, the server's, then the socket closes.
  REQUIRE(component.component().close(Clock::now()) == CommandStatus::ok);
  REQUIRE(drive_component(component, server, [&] { return seen.closed && server.eof; }));
  CHECK(server.client_closed);
  CHECK(*seen.closed == CloseReason::local_close);
  CHECK_FALSE(component.run_once(0ms));
  CHECK(component.run() == CloseReason::local_close);
}

TEST_CASE("posix component: a wrong secret: not-authorized ends the stream") {
  ComponentServer server("the-real-secret");
  ComponentSeen seen;
  ComponentClient component(component_config("a-wrong-secret"), server.address(), seen.hooks());
  REQUIRE(component.start());
  REQUIRE(drive_component(component, server, [&] { return seen.closed.has_value(); }));
  CHECK(server.handshake_ok == false);
  CHECK_FALSE(seen.online);
  CHECK(seen.errors_received ==
        std::vector<StreamErrorCondition>{StreamErrorCondition::not_authorized});
  CHECK(*seen.closed == CloseReason::stream_error_received);
  CHECK(component.run() == CloseReason::stream_error_received);
  // The driver closes the socket once the stream is over.
  REQUIRE(drive_component(component, server, [&] { return server.eof; }));
}

TEST_CASE("posix component: a refused connect ends with connection_lost") {
  Listener refusing = Listener::open("127.0.0.1", false);
  ComponentSeen seen;
  ComponentClient component(component_config("secret"), refusing.address(), seen.hooks());
  // start() only begins the connect (although posix.hpp says it "resolves and connects
  // (blocking)"): the refusal comes from run(), and no hook hears of it (no engine event).
  REQUIRE(component.start());
  CHECK_FALSE(component.run_until([] { return false; }, 5s));  // returns once the stream ended
  CHECK_FALSE(component.run_once(0ms));
  CHECK(component.run() == CloseReason::connection_lost);
  CHECK(component.last_transport_error().find(std::strerror(ECONNREFUSED)) != std::string::npos);
  CHECK_FALSE(seen.online);
}

TEST_CASE("posix component: the server drops the connection: connection_lost") {
  ComponentServer server("secret");
  ComponentSeen seen;
  ComponentClient component(component_config("secret"), server.address(), seen.hooks());
  REQUIRE(component.start());
  REQUIRE(drive_component(component, server, [&] { return seen.online; }));
  server.drop();
  CHECK_FALSE(component.run_until([] { return false; }, 5s));  // returns once the stream ended
  CHECK(seen.closed == CloseReason::connection_lost);
  CHECK(component.run() == CloseReason::connection_lost);
  CHECK_FALSE(component.last_transport_error().empty());
}

}  // namespace
}  // namespace xmpp::posix::test
