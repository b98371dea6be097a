#include "pair.hpp"

#include <doctest/doctest.h>

#include "xmpp/xml/writer.hpp"

namespace xmpp::test {

testing::ServerConfig test_server_config() {
  testing::ServerConfig config;
  config.domain = "example.com";
  config.users = {{"alice", "s3cret"}};
  return config;
}

Pair::Pair(ClientConfig client_config, testing::ServerConfig server_config)
    : client(std::move(client_config)),
      server_config_(server_config),
      server_(std::make_unique<testing::Server>(std::move(server_config), &sessions)) {}

void Pair::start() {
  sessions.handle_timeout(now);  // one clock for both sides
  REQUIRE(client.connect(now) == CommandStatus::ok);
  if (client.phase() == ClientPhase::awaiting_tls) {
    REQUIRE(server().tls_established(server_tls));
    REQUIRE(client.tls_established(client_tls, now) == CommandStatus::ok);
  }
  drain_client();
}

bool Pair::drain_client() {
  const std::size_t before = client_written.size();
  std::size_t budget = client_write_budget ? client_write_budget() : SIZE_MAX;
  for (auto out = client.output(); !out.empty() && budget > 0; out = client.output()) {
    const std::size_t n = std::min(out.size(), budget);
    client_written.append(out.substr(0, n));
    to_server_.append(out.substr(0, n));
    REQUIRE(client.consume_output(n) == CommandStatus::ok);
    budget -= n;
  }
  while (auto e = client.poll_event()) {
    if (const auto* stanza = std::get_if<event::Stanza>(&*e)) {
      std::string xml;
      REQUIRE(xml::write(stanza->element, xml) == xml::WriteStatus::ok);
      stanzas.push_back(std::move(xml));
    } else {
      events.push_back(std::move(*e));
    }
  }
  return client_written.size() != before;
}

bool Pair::feed_server() {
  std::size_t consumed = 0;
  if (!to_server_.empty()) {
    const std::size_t chunk = server_chunk ? std::max<std::size_t>(1, server_chunk()) : SIZE_MAX;
    consumed = server().receive(
        std::string_view(to_server_).substr(0, std::min(chunk, to_server_.size())));
    to_server_.erase(0, consumed);
  }
  // Also what the server sent on its own (send_stanza(), request_ack(), ...).
  bool wrote = false;
  for (auto& write : server().take_writes()) {
    to_client_.push_back(std::move(write));
    wrote = true;
  }
  return consumed > 0 || wrote;
}

bool Pair::feed_client() {
  bool moved = false;
  while (!to_client_.empty()) {
    const ClientPhase phase = client.phase();
    if (phase == ClientPhase::tls_handoff || phase == ClientPhase::closed) break;
    const std::string_view write = std::string_view(to_client_.front()).substr(to_client_offset_);
    const std::size_t chunk = client_chunk ? std::max<std::size_t>(1, client_chunk()) : SIZE_MAX;
    const ReceiveResult r = client.receive(write.substr(0, std::min(chunk, write.size())), now);
    REQUIRE(r.status != ReceiveStatus::invalid_state);
    to_client_offset_ += r.consumed;
    moved = moved || r.consumed > 0;
    if (to_client_offset_ == to_client_.front().size()) {
      to_client_.erase(to_client_.begin());
      to_client_offset_ = 0;
    }
    drain_client();
    if (r.consumed == 0 && r.status != ReceiveStatus::drain_needed) break;
  }
  return moved;
}

bool Pair::hand_off_tls() {
  // The hand-off completes once both sides stopped at it (the client after <proceed/>, the
  // server after sending it); the bytes still queued either way belong to the TLS session.
  if (client.phase() != ClientPhase::tls_handoff ||
      server().phase() != testing::ServerPhase::tls_handoff) {
    return false;
  }
  REQUIRE(server().tls_established(server_tls));
  REQUIRE(client.tls_established(client_tls, now) == CommandStatus::ok);
  drain_client();
  return true;
}

bool Pair::step() {
  bool moved = drain_client();
  moved = feed_server() || moved;
  moved = feed_client() || moved;
  moved = hand_off_tls() || moved;
  return moved;
}

void Pair::run() {
  for (int round = 0; round < 10'000; ++round) {
    if (!step()) return;
  }
  FAIL("the pair did not settle in 10,000 rounds");
}

bool Pair::advance_to_deadline() {
  const auto deadline = client.next_deadline();
  if (!deadline) return false;
  now = std::max(now, *deadline);
  client.handle_timeout(now);
  drain_client();
  return true;
}

void Pair::advance(Duration d) {
  now += d;
  sessions.handle_timeout(now);
  client.handle_timeout(now);
  drain_client();
}

void Pair::cut() {
  to_server_.clear();
  to_client_.clear();
  to_client_offset_ = 0;
  server().connection_lost();
  if (client.phase() != ClientPhase::closed) client.receive_eof(now);
  drain_client();
  to_server_.clear();  // written after the cut: never arrives
}

void Pair::reconnect() {
  server_.reset();  // a Server destroyed while serving a session counts as a lost connection
  server_ = std::make_unique<testing::Server>(server_config_, &sessions);
  to_server_.clear();
  to_client_.clear();
  to_client_offset_ = 0;
  start();
}

std::optional<CloseReason> Pair::closed_reason() const {
  if (const auto* closed = find<event::Closed>()) return closed->reason;
  return std::nullopt;
}

}  // namespace xmpp::test
