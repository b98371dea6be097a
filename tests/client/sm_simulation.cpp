// The simulation driver: the adapter's loop for the client (write out, drain events, feed
// bytes, fire timers, reconnect by the ReconnectPolicy), the server's loop for each connection,
// and the virtual clock jumping from event to event.
#include "sm_simulation.hpp"

#include <algorithm>
#include <chrono>
#include <ostream>
#include <utility>

#include "client_harness.hpp"
#include "pair.hpp"

namespace xmpp::test::sim {
namespace {

using testing::Direction;
using Ms = std::chrono::milliseconds;

constexpr std::size_t kMaxViolations = 20;
constexpr std::size_t kMaxTraceLines = 5000;

ClientConfig client_config(const SimConfig& c) {
  ClientConfig config = test_config(TlsPolicy::direct);
  // PLAIN over the (simulated) direct TLS: SCRAM's key derivation would dominate the run time.
  config.mechanisms = {sasl::Mechanism::plain};
  config.keepalive_interval = Ms(c.keepalive_ms);
  // Small stanzas only, so that small byte bounds of the queue are valid.
  config.limits.max_send_bytes = 1024;
  StreamManagementConfig& sm = config.stream_management;
  sm.request_every_stanzas = c.request_every_stanzas;
  sm.request_after = Ms(c.request_after_ms);
  sm.idle_request_interval = Ms(c.idle_request_ms);
  sm.ack_timeout = Ms(c.ack_timeout_ms);
  sm.max_unacked_stanzas = c.max_unacked_stanzas;
  sm.max_unacked_bytes = c.max_unacked_bytes;
  sm.max_resume_seconds = c.max_resume_seconds;
  return config;
}

testing::ServerConfig server_config(const SimConfig& c) {
  testing::ServerConfig config = test_server_config();
  config.direct_tls = true;
  config.starttls = testing::StartTlsOffer::none;
  config.sm = true;
  config.sm_request_every = c.sm_request_every;
  config.sm_max_resume_seconds = c.sm_max_resume_seconds;
  if (c.sm_hide_max || c.lie != SimConfig::Lie::none) {
    config.rewrite = [c](testing::ServerStep step, std::string& bytes) {
      if (c.sm_hide_max && step == testing::ServerStep::sm_enabled) {
        const std::size_t at = bytes.find(" max='");
        if (at != std::string::npos) bytes.erase(at, bytes.find('\'', at + 6) + 1 - at);
      }
      const bool low =
          c.lie == SimConfig::Lie::resumed_h_low && step == testing::ServerStep::sm_resumed;
      const bool high = c.lie == SimConfig::Lie::ack_h_high && step == testing::ServerStep::sm_ack;
      if (!low && !high) return;
      const std::size_t at = bytes.find(" h='") + 4;
      const std::size_t end = bytes.find('\'', at);
      const std::uint32_t h = static_cast<std::uint32_t>(std::stoul(bytes.substr(at, end - at)));
      if (low && h == 0) return;
      bytes.replace(at, end - at, std::to_string(low ? h - 1 : h + 1));
    };
  }
  return config;
}

ReconnectConfig reconnect_config() {
  ReconnectConfig config;
  config.jitter = Jitter::none;  // deterministic without entropy
  config.base = std::chrono::seconds(1);
  config.cap = std::chrono::seconds(30);
  return config;
}

std::string_view name(ActionKind kind) {
  constexpr std::string_view kNames[] = {"client_send", "server_send", "cut",          "stall",
                                         "shape",       "advance",     "outage",       "close",
                                         "connect",     "abandon",     "server_close", "restart"};
  return kNames[static_cast<std::size_t>(kind)];
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const Action& a) {
  os << name(a.kind);
  switch (a.kind) {
    case ActionKind::cut:
    case ActionKind::stall:
      return os << "(" << testing::to_string(a.direction) << ", " << a.amount << ")";
    case ActionKind::shape:
      return os << "(" << testing::to_string(a.direction) << ", " << a.amount << " ms, " << a.extra
                << " B)";
    case ActionKind::advance:
    case ActionKind::outage:
    case ActionKind::restart:
      return os << "(" << a.amount << " ms)";
    default:
      return os;
  }
}

std::ostream& operator<<(std::ostream& os, const SimConfig& c) {
  os << "{seed=" << c.seed << " request_every=" << c.request_every_stanzas
     << " request_after=" << c.request_after_ms << "ms idle_request=" << c.idle_request_ms
     << "ms ack_timeout=" << c.ack_timeout_ms << "ms max_unacked=" << c.max_unacked_stanzas << "/"
     << c.max_unacked_bytes << "B max_resume=";
  if (c.max_resume_seconds) {
    os << *c.max_resume_seconds << "s";
  } else {
    os << "none";
  }
  return os << " keepalive=" << c.keepalive_ms << "ms link=" << c.link_delay_ms << "ms/"
            << c.link_segment << "B server_request_every=" << c.sm_request_every
            << " server_max_resume=" << c.sm_max_resume_seconds << "s"
            << (c.sm_hide_max ? " (not advertised)" : "") << "}";
}

std::ostream& operator<<(std::ostream& os, const Schedule& s) {
  os << s.config << " [";
  for (std::size_t i = 0; i < s.actions.size(); ++i)
    os << (i ? ", " : "") << s.actions[i];
  return os << "]";
}

Simulation::Connection::Connection(std::uint64_t seed, testing::ServerConfig config,
                                   testing::SessionStore* store)
    : link(seed), server(std::move(config), store) {}

Simulation::Simulation(const SimConfig& config, bool trace)
    : config_(config),
      server_config_(server_config(config)),
      tracing_(trace),
      prng_(config.seed),
      client_(client_config(config)),
      policy_(reconnect_config()) {
  if (policy_.start_now(now_) != CommandStatus::ok) violation("the reconnect policy refused");
  tick();
}

Simulation::~Simulation() = default;

void Simulation::violation(std::string what) {
  log("VIOLATION " + what);
  if (violations_.size() < kMaxViolations) violations_.push_back(std::move(what));
}

void Simulation::log(const std::string& line) {
  if (!tracing_ || trace_.size() >= kMaxTraceLines) return;
  const auto t = std::chrono::duration_cast<Ms>(now_.time_since_epoch()).count() - 1'000'000;
  trace_.push_back("t=" + std::to_string(t) + "ms " + line);
}

// ---------------------------------------------------------------------------------------------
// The client process

void Simulation::restart(Duration downtime) {
  // The process ends: its state is saved, its transport dies with it (what is in flight still
  // arrives), the world goes on without it, and a new engine restores the state.
  const std::string saved = client_.save_stream_management(now_);
  if (current_) tear_down();
  client_ = Client(client_config(config_));
  policy_ = ReconnectPolicy(reconnect_config());
  lost_since_online_ = true;
  advance(downtime);
  sm::RestoreError error = sm::RestoreError::ok;
  if (client_.restore_stream_management(saved, downtime, now_, &error) != CommandStatus::ok) {
    violation("restore_stream_management() refused the saved state: " +
              std::string(sm::to_string(error)));
  }
  log(std::string("restarted; resumption pending: ") +
      (client_.resumption_pending() ? "yes" : "no"));
  drain_client();
  (void)policy_.start_now(now_);
}

// ---------------------------------------------------------------------------------------------
// Time

void Simulation::tick() {
  sessions_.handle_timeout(now_);
  client_.handle_timeout(now_);
  pump();
  maybe_connect();
  flush_outbox();
  pump();
}

std::optional<TimePoint> Simulation::next_time() const {
  std::optional<TimePoint> next;
  const auto consider = [&next](std::optional<TimePoint> t) {
    if (t && (!next || *t < *next)) next = t;
  };
  consider(client_.next_deadline());
  consider(policy_.next_deadline());
  consider(sessions_.next_deadline());
  if (current_) consider(current_->link.next_event_time());
  for (const auto& c : draining_)
    consider(c->link.next_event_time());
  if (outage_until_ && *outage_until_ > now_) consider(outage_until_);
  return next;
}

void Simulation::advance(Duration d) {
  const TimePoint target = now_ + d;
  int stuck = 0;
  for (;;) {
    const auto next = next_time();
    if (!next || *next > target) break;
    if (*next <= now_ && ++stuck > 1000) {
      violation("time stands still: something stays due at " +
                std::to_string(now_.time_since_epoch().count()));
      return;
    }
    if (*next > now_) stuck = 0;
    now_ = std::max(now_, *next);
    tick();
  }
  now_ = target;
  tick();
}

// ---------------------------------------------------------------------------------------------
// The transports

void Simulation::maybe_connect() {
  if (current_ || !policy_.handle_timeout(now_)) return;
  if (policy_.on_connect_started(now_) != CommandStatus::ok) {
    violation("the policy refused an attempt it said was due");
    return;
  }
  if (outage_until_ && now_ < *outage_until_) {
    log("connect attempt fails (network down)");
    SessionEnd end;
    end.reason = CloseReason::connection_lost;
    (void)policy_.on_session_ended(end, now_);
    return;
  }
  log("connect");
  current_ = std::make_unique<Connection>(prng_.next(), server_config_, &sessions_);
  if (!healed_) {
    const testing::LinkShape shape{Ms(0), Ms(config_.link_delay_ms), config_.link_segment};
    current_->link.shape(Direction::to_server, shape);
    current_->link.shape(Direction::to_client, shape);
  }
  // XEP-0368: the transport is TLS from the first byte (the link carries what TLS would).
  if (!current_->server.tls_established(test_tls_info().channel)) violation("server TLS refused");
  if (client_.connect(now_) != CommandStatus::ok) {
    violation("connect() refused in phase " + std::string(to_string(client_.phase())));
  }
  if (client_.tls_established(test_tls_info(), now_) != CommandStatus::ok) {
    violation("tls_established() refused");
  }
  drain_client();
}

void Simulation::tear_down() {
  // The client closes its transport: nothing more is sent, what is in flight still arrives.
  current_->link.kill();
  draining_.push_back(std::move(current_));
}

void Simulation::retire(Connection& c) {
  for (const std::string& stanza : c.server.received_stanzas())
    server_received_.push_back(stanza);
}

void Simulation::pump() {
  if (pumping_) return;
  pumping_ = true;
  bool settled = false;
  for (int round = 0; round < 100'000 && !settled; ++round) {
    bool moved = drain_client();
    if (current_) moved = serve(*current_) || moved;
    for (auto& c : draining_)
      moved = serve(*c) || moved;
    moved = feed_client() || moved;
    settled = !moved;
  }
  if (!settled) violation("the engines did not settle in 100,000 rounds");
  std::erase_if(draining_, [this](const std::unique_ptr<Connection>& c) {
    if (!c->server_eof) return false;
    retire(*c);
    return true;
  });
  pumping_ = false;
}

bool Simulation::drain_client() {
  bool moved = false;
  for (auto out = client_.output(); !out.empty(); out = client_.output()) {
    if (current_) {
      log("client writes " + std::string(out));
      current_->link.send(Direction::to_server, out, now_);
    }
    (void)client_.consume_output(out.size());
    moved = true;
  }
  bool closed = false;
  while (auto e = client_.poll_event()) {
    moved = true;
    closed = closed || std::holds_alternative<event::Closed>(*e);
    handle(*e);
  }
  check_queue();
  if (closed && current_) tear_down();
  return moved;
}

bool Simulation::serve(Connection& c) {
  bool moved = false;
  const std::string in = c.link.deliverable(Direction::to_server, now_);
  if (!in.empty() && !c.server_eof) {
    (void)c.server.receive(in);
    moved = true;
  }
  for (std::string& write : c.server.take_writes()) {
    if (&c == current_.get()) log("server writes " + write);
    c.link.send(Direction::to_client, write, now_);
    moved = true;
  }
  // Nobody reads the client side of an old connection any more.
  if (&c != current_.get()) (void)c.link.deliverable(Direction::to_client, now_);
  if (!c.server_eof && c.link.eof(Direction::to_server)) {
    c.server.receive_eof();
    c.server_eof = true;
    (void)c.server.take_writes();
    moved = true;
  }
  return moved;
}

bool Simulation::feed_client() {
  if (!current_) return false;
  Connection* c = current_.get();
  const std::string in = c->link.deliverable(Direction::to_client, now_);
  bool moved = !in.empty();
  c->client_inbox += in;
  while (current_.get() == c && !c->client_inbox.empty()) {
    const ReceiveResult r = client_.receive(c->client_inbox, now_);
    if (r.status == ReceiveStatus::invalid_state) {
      violation("receive() refused in phase " + std::string(to_string(client_.phase())));
      c->client_inbox.clear();
      break;
    }
    c->client_inbox.erase(0, r.consumed);
    moved = moved || r.consumed > 0;
    drain_client();  // may end the connection (Closed)
    if (r.status != ReceiveStatus::drain_needed) break;
  }
  if (current_.get() == c && c->client_inbox.empty() && c->link.eof(Direction::to_client)) {
    log("client sees end-of-file");
    (void)client_.receive_eof(now_);
    drain_client();
    moved = true;
  }
  return moved;
}

// ---------------------------------------------------------------------------------------------
// The end

bool Simulation::settled() const {
  const auto& sm = client_.stream_management();
  // Without an age-based request a few stanzas may wait for the count; close() asks for them.
  return client_.phase() == ClientPhase::online && sm.enabled() && outbox_.empty() &&
         (sm.unacked().empty() || config_.request_after_ms == 0) && current_ &&
         !current_->link.next_event_time() && draining_.empty();
}

void Simulation::settle() {
  log("SETTLE");
  healed_ = true;
  outage_until_.reset();
  if (current_) {
    // A cut still waiting for its byte would fire later: replace that transport now.
    if (current_->cut_pending && !current_->link.dead()) current_->link.kill();
    for (const Direction d : {Direction::to_server, Direction::to_client}) {
      current_->link.stall(d, now_);
      current_->link.shape(d, {});
    }
  }
  for (int i = 0; i < 5000 && !settled(); ++i) {
    // The application connects again after its own close().
    if (policy_.state() == ReconnectState::stopped) (void)policy_.start_now(now_);
    advance(Ms(200));
  }
  if (!settled()) {
    violation("the session did not settle: phase " + std::string(to_string(client_.phase())) +
              ", outbox " + std::to_string(outbox_.size()) + ", unacked " +
              std::to_string(client_.stream_management().unacked().size()));
    return;
  }
  const testing::SmSession* session = current_->server.sm_session();
  if (!session || session->id != client_.stream_management().id()) {
    violation("online without the client's stream management session on the server");
  } else {
    final_session_ = session->id;
  }
  if (client_.close(now_) != CommandStatus::ok) violation("the final close() was refused");
  for (int i = 0; i < 100 && client_.phase() != ClientPhase::closed; ++i)
    advance(Ms(200));
  if (client_.phase() != ClientPhase::closed) violation("the final close() did not finish");
  advance(Ms(1000));
  if (current_) tear_down();
  for (auto& c : draining_)
    retire(*c);
  draining_.clear();
}

}  // namespace xmpp::test::sim
