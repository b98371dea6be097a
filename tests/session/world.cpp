#include "world.hpp"

#include <doctest/doctest.h>

#include <algorithm>

#include "xmpp/xml/builder.hpp"

namespace xmpp::test {

SessionConfig session_test_config() {
  ClientConfig client = test_config();
  client.mechanisms.assign(sasl::kDefaultPreference.begin(), sasl::kDefaultPreference.end());
  client.keepalive_interval = Duration::zero();
  SessionConfig config(std::move(client));
  config.reconnect.jitter = Jitter::none;
  // The tests count the stanzas they send; those about initial presence turn it back on.
  config.app.send_initial_presence = false;
  return config;
}

testing::ServerConfig session_server_config() {
  testing::ServerConfig config;
  config.domain = "example.com";
  config.users = {{"alice", "s3cret"}};
  config.sm = true;
  config.sm_max_resume_seconds = 60;
  return config;
}

xml::Element ping_iq(xml::Arena& arena, std::string_view to, std::string_view id) {
  xml::Builder iq(arena, "iq", "jabber:client");
  iq.attribute("type", "get");
  if (!to.empty()) iq.attribute("to", to);
  if (!id.empty()) iq.attribute("id", id);
  iq.start("ping", "urn:xmpp:ping").end();
  return iq.root();
}

xml::Element chat_message(xml::Arena& arena, int n) {
  xml::Builder msg(arena, "message", "jabber:client");
  msg.attribute("to", "bob@example.com").attribute("id", "m" + std::to_string(n));
  msg.start("body").text(std::to_string(n)).end();
  return msg.root();
}

std::string attribute_of(const std::string& xml, std::string_view name) {
  const std::string key = " " + std::string(name) + "='";
  const std::size_t at = xml.find(key);
  if (at == std::string::npos) return {};
  const std::size_t begin = at + key.size();
  return xml.substr(begin, xml.find('\'', begin) - begin);
}

World::World(SessionConfig config, testing::ServerConfig server, SessionHooks hooks)
    : session(std::move(config), std::move(hooks)), server_config(std::move(server)) {}

bool World::server_send(std::string xml) {
  if (!server_ || !transport_ || server_->phase() != testing::ServerPhase::online) return false;
  return server_->send_stanza(std::move(xml));
}

void World::start() {
  sessions.handle_timeout(now);
  REQUIRE(session.start(now) == CommandStatus::ok);
  run();
}

bool World::flush() {
  bool moved = false;
  for (auto out = session.output(); !out.empty(); out = session.output()) {
    written.append(out);
    to_server_.append(out);
    REQUIRE(session.consume_output(out.size()) == CommandStatus::ok);
    moved = true;
  }
  return moved;
}

bool World::feed_server() {
  if (!transport_ || stalled) return false;
  std::size_t consumed = 0;
  if (!to_server_.empty()) {
    consumed = server_->receive(to_server_);
    to_server_.erase(0, consumed);
  }
  bool wrote = false;
  for (auto& write : server_->take_writes()) {
    to_client_.push_back(std::move(write));
    wrote = true;
  }
  serve_stanzas();
  return consumed > 0 || wrote;
}

void World::serve_stanzas() {
  if (!on_server_stanza) return;
  const testing::SmSession* sm = server_->sm_session();
  const std::string key = sm ? sm->id : "connection-" + std::to_string(connections_);
  const std::vector<std::string>& list = sm ? sm->delivered : server_->received_stanzas();
  for (std::size_t& next = served_[key]; next < list.size();) {
    const std::string stanza = list[next++];  // the callback may add to `list`
    on_server_stanza(*this, stanza);
  }
}

bool World::feed_session() {
  bool moved = false;
  while (transport_ && !stalled && !to_client_.empty() &&
         session.state() == SessionState::connected) {
    const ClientPhase phase = session.client().phase();
    if (phase == ClientPhase::tls_handoff || phase == ClientPhase::awaiting_tls) break;
    const std::string_view write = std::string_view(to_client_.front()).substr(to_client_offset_);
    const ReceiveResult r = session.receive(write, now);
    REQUIRE(r.status != ReceiveStatus::invalid_state);
    read.append(write.substr(0, r.consumed));
    to_client_offset_ += r.consumed;
    moved = moved || r.consumed > 0;
    if (r.status == ReceiveStatus::drain_needed) {
      ++drain_needed;
      flush();
      continue;
    }
    if (to_client_offset_ == to_client_.front().size() || r.status == ReceiveStatus::closed ||
        r.status == ReceiveStatus::stream_error) {
      to_client_.erase(to_client_.begin());
      to_client_offset_ = 0;
    }
    if (r.consumed == 0) break;
  }
  return moved;
}

bool World::hand_off_tls() {
  if (!transport_ || session.state() != SessionState::connected) return false;
  const ClientPhase phase = session.client().phase();
  const testing::ServerPhase server_phase = server_->phase();
  const bool starttls =
      phase == ClientPhase::tls_handoff && server_phase == testing::ServerPhase::tls_handoff;
  const bool direct =
      phase == ClientPhase::awaiting_tls && server_phase == testing::ServerPhase::awaiting_tls;
  if (!starttls && !direct) return false;
  REQUIRE(server_->tls_established(test_tls_info().channel));
  REQUIRE(session.tls_established(test_tls_info(), now) == CommandStatus::ok);
  return true;
}

bool World::close_transport() {
  if (session.state() != SessionState::disconnecting) return false;
  flush();
  if (transport_ && stalled) {
    server_->connection_lost();
  } else if (transport_) {
    feed_server();  // the closing tag reaches the server before the transport closes
    server_->receive_eof();
  }
  transport_ = false;
  to_server_.clear();
  to_client_.clear();
  to_client_offset_ = 0;
  REQUIRE(session.transport_closed(now) == CommandStatus::ok);
  return true;
}

bool World::fire_timers() {
  const auto deadline = session.next_deadline();
  if (!deadline || *deadline > now) return false;
  if (auto target = session.handle_timeout(now)) open(*target);
  return true;
}

void World::open(const ConnectTarget& target) {
  attempts.push_back(target);
  if (refuse && refuse(target)) {
    REQUIRE(session.transport_closed(now) == CommandStatus::ok);
    return;
  }
  server_.reset();
  server_ =
      std::make_unique<testing::Server>(server_for ? server_for(target) : server_config, &sessions);
  ++connections_;
  transport_ = true;
  REQUIRE(session.transport_connected(now) == CommandStatus::ok);
}

bool World::step() {
  bool moved = flush();
  moved = feed_server() || moved;
  moved = feed_session() || moved;
  moved = hand_off_tls() || moved;
  moved = close_transport() || moved;
  moved = fire_timers() || moved;
  return moved;
}

void World::run() {
  for (int round = 0; round < 10'000; ++round) {
    if (!step()) return;
  }
  FAIL("the world did not settle in 10,000 rounds");
}

void World::advance(Duration d) {
  now += d;
  sessions.handle_timeout(now);
  run();
}

bool World::advance_to_deadline() {
  const auto deadline = session.next_deadline();
  if (!deadline) return false;
  now = std::max(now, *deadline);
  sessions.handle_timeout(now);
  run();
  return true;
}

void World::cut() {
  to_server_.clear();
  to_client_.clear();
  to_client_offset_ = 0;
  if (transport_) {
    server_->connection_lost();
    transport_ = false;
  }
  const SessionState state = session.state();
  if (state == SessionState::connected || state == SessionState::disconnecting) {
    REQUIRE(session.transport_closed(now) == CommandStatus::ok);
  }
}

}  // namespace xmpp::test
