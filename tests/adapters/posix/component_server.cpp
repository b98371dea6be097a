#include "component_server.hpp"

#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdio>

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

}  // namespace

void ComponentServer::step(std::chrono::milliseconds wait) {
  if (wait > std::chrono::milliseconds(0)) {
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

void ComponentServer::drop() {
  conn_.reset();
  closed = true;
}

void ComponentServer::send(const std::string& bytes) {
  REQUIRE(conn_);
  REQUIRE(::send(conn_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(bytes.size()));
}

void ComponentServer::answer() {
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

ComponentConfig component_config(std::string secret) {
  ComponentConfig config(*Jid::parse("component.localhost"));
  config.secret = std::move(secret);
  config.keepalive_interval = Duration::zero();
  return config;
}

adapters::ComponentHooks ComponentSeen::hooks() {
  adapters::ComponentHooks hooks;
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
  hooks.on_stopped = [this](Component&, CloseReason reason) {
    stopped = reason;
    ++stops;
  };
  return hooks;
}

}  // namespace xmpp::posix::test
