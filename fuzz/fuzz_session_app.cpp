// fuzz_session_app: an xmpp::Session and its application layer (Session's class comment, "The
// application layer"), driven as an adapter drives it (handle_timeout() → transport_connected()
// → output()/consume_output() → receive() → transport_closed()) against the in-memory test
// server of tests/support/server (SCRAM or PLAIN, stream management with resumption, sessions
// kept in one SessionStore across connections), under a virtual clock.
//
// The input: 4 configuration bytes (see read_config()), then a program (enum Op): server stanzas
// built from templates (IQ get/set/result/error with ping, disco#info, version, roster or unknown
// payloads from varied senders, roster pushes, subscription presence, messages) or raw fuzzed
// XML; link cuts with a downtime; the clock; application commands (send_iq, CSI, roster,
// subscriptions, routes added and removed, close, start); the server application's behaviour
// (how it answers the client's requests) and the server ending the stream. After every
// operation the world runs until nothing moves. fuzz/make_session_app_seeds.py mirrors the
// numbers.
//
// Invariants (a broken one prints "*** invariant broken" and traps):
// - every IQ get/set the server sends with an id gets at most one reply with that id, to its
//   `from` (no `to` when it has none); exactly one when it was delivered on a stream that stayed
//   up, unless a route handler or on_stanza took it (the harness knows which answer); never one
//   to a result or an error; a ping, disco#info or version request a duty answers gets a result,
//   a roster push from anyone but the account gets service-unavailable;
// - a stanza the server sent on a stream that stayed up (and that no raw fragment broke) is
//   delivered;
// - roster() never changes because of a push whose `from` is not absent or the account's bare
//   JID; on_roster for a push reports the roster as it now is;
// - every send_iq()/request_roster() callback is called exactly once, with its own id, never
//   for an unknown id, never from inside send_iq(); a result/error comes from the addressee;
//   duplicate ids are refused while pending; pending_iqs() covers the application's requests and
//   is 0 once the Session is closed and stopped (every run ends so);
// - next_deadline() is never due after handle_timeout(now); the Session never asks for a
//   transport while one exists; start() is refused exactly while one exists;
// - hooks, route handlers and IQ callbacks never nest, and get the Session they run on; inputs
//   from a hook are refused;
// - on_subscription reports the stanza's action and the sender's bare JID.
#include <algorithm>
#include <chrono>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_client_common.hpp"
#include "server/server.hpp"
#include "xmpp/session.hpp"
#include "xmpp/stanza/iq.hpp"
#include "xmpp/stanza/namespaces.hpp"
#include "xmpp/xml/builder.hpp"

namespace {

using namespace std::chrono_literals;
using fuzz::check;
using fuzz::fail;
using xmpp::CommandStatus;
using xmpp::Duration;
using xmpp::Jid;
using xmpp::Session;
using xmpp::SessionState;
using xmpp::TimePoint;
namespace xml = xmpp::xml;
namespace ns = xmpp::stanza::ns;

constexpr std::string_view kAccount = "alice@example.com";
constexpr std::string_view kDomain = "example.com";
constexpr std::string_view kStreamHeader =
    "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";

// The operations of the program. fuzz/make_session_app_seeds.py mirrors these numbers.
enum Op : std::uint8_t {
  op_server_iq = 0,      // shape (type, payload, sender), id byte
  op_roster_push = 1,    // sender and item, attributes
  op_presence = 2,       // type and sender, status
  op_message = 3,        // type and sender, body
  op_raw = 4,            // length, that many bytes
  op_cut = 5,            // downtime index
  op_advance = 6,        // index into kSteps
  op_to_deadline = 7,    // -
  op_send_iq = 8,        // addressee and payload, id and timeout
  op_csi = 9,            // bit 0: inactive; bit 1: add_disco_feature() instead (bit 2: empty)
  op_roster = 10,        // bit 0: with a callback
  op_subscription = 11,  // command and contact
  op_route_add = 12,     // conditions, handler behaviour
  op_route_remove = 13,  // index (0xFF: Router::clear())
  op_close = 14,         // -
  op_start = 15,         // -
  op_server_mode = 16,   // mode
  op_server_end = 17,    // how
  op_server_ack = 18,    // -
  op_from_iq = 19,       // type and payload, length, that many bytes as the sender
  kOpCount,
};

// Senders of server stanzas: 0 and 1 are the account itself (RFC 6121 §2.1.6), the rest are not.
constexpr std::string_view kSenders[] = {
    "",  // none
    "alice@example.com",
    "alice@example.com/sansio",
    "example.com",
    "bob@example.com/x",
    "bob@example.com",
    "mallory@evil.example/r",
    "alice@example.com/other",
};
// Clock steps of op_advance.
constexpr Duration kSteps[] = {0ms, 1ms, 100ms, 999ms, 1s,  2s,  5s,   10s,
                               29s, 30s, 31s,   59s,   60s, 61s, 120s, 600s};
// How long the link stays down after op_cut.
constexpr Duration kDowntimes[] = {0ms, 0ms, 500ms, 1s, 3s, 30s, 61s, 300s};

bool trace_on() {
  return fuzz::trace_enabled();
}

[[gnu::format(printf, 1, 2)]] void trace(const char* format, ...) {
  if (!trace_on()) return;
  std::va_list args;
  va_start(args, format);
  std::vfprintf(stderr, format, args);
  va_end(args);
  std::fputc('\n', stderr);
}

std::string hex_byte(std::uint8_t b) {
  static constexpr char kHex[] = "0123456789abcdef";
  return {kHex[b >> 4], kHex[b & 15]};
}

bool is_request_type(std::string_view type) {
  return type == "get" || type == "set";
}

// `e` serialised within a client stream (no xmlns on jabber:client elements).
std::string serialise(xml::Element e) {
  std::string out;
  if (xml::write(e, out, fuzz::client_stream_scope()) != xml::WriteStatus::ok) return {};
  return out;
}

// Parses `xml` as one top-level element of a client stream; empty when it is not exactly one.
xml::Element parse_stanza(xml::StreamParser& parser, std::string_view xml) {
  parser.reset();
  auto r = parser.parse(kStreamHeader);
  check(r.event == xml::ParseEvent::stream_open, "the synthetic stream header does not parse");
  r = parser.parse(xml);
  if (r.event != xml::ParseEvent::element || r.consumed != xml.size()) return {};
  return parser.element();
}

bool is_own_sender(std::optional<std::string_view> from, const Jid& account) {
  if (!from) return true;
  const auto jid = Jid::parse(*from);
  return jid && jid->is_bare() && *jid == account;
}

// A request the server sent with a harness id ("Q.<n>.<hex>"; raw fragments cannot contain 'Q').
struct ServerRequest {
  std::string type;
  std::optional<std::string> from;
  bool from_is_jid = true;  // absent or a valid JID: the reply must then go out
  enum Expect : std::uint8_t { any, result, error, service_unavailable } expect = any;
  std::size_t closed_at = 0;  // Closed events before it was sent
  bool seen = false;          // delivered (on_event)
  bool disco = false;         // a disco#info request a duty answers
  bool routed = false, route_replied = false;
  bool on_stanza_seen = false, on_stanza_replied = false;
  std::size_t replies = 0;
  bool pending_check = true;
};

// A request of the application (send_iq, request_roster).
struct AppRequest {
  std::string id;  // empty until send_iq() returned
  std::optional<std::string> to;
  bool accepted = false;
  int calls = 0;
};

struct Config {
  bool scram = false, scram_sha1 = false;
  bool keepalive = false, keepalive_short = false;
  bool answer_unhandled = true, answer_pings = true, answer_disco = true, version = false;
  bool fetch_roster = false, initial_presence = false, handle_pushes = true;
  bool subscriptions = false, csi_feature = false, sm_resume = true, few_pending = false;
  bool on_stanza_replies = false;
  std::uint8_t seed = 0;
  int roster_items = 0;
  bool jitter = false, connect_sends = false, restart_on_stop = false, short_iq_timeout = false;
  int server_mode = 0;
};

Config read_config(fuzz::Input& in) {
  const std::uint8_t c0 = in.byte(), c1 = in.byte(), c2 = in.byte(), c3 = in.byte();
  Config c;
  c.scram = c0 & 1;
  c.scram_sha1 = (c0 >> 1) & 1;
  c.keepalive = (c0 >> 2) & 1;
  c.keepalive_short = (c0 >> 3) & 1;
  c.answer_unhandled = !((c0 >> 4) & 1);
  c.answer_pings = !((c0 >> 5) & 1);
  c.answer_disco = !((c0 >> 6) & 1);
  c.version = (c0 >> 7) & 1;
  c.fetch_roster = c1 & 1;
  c.initial_presence = (c1 >> 1) & 1;
  c.handle_pushes = !((c1 >> 2) & 1);
  c.subscriptions = (c1 >> 3) & 1;
  c.csi_feature = (c1 >> 4) & 1;
  c.sm_resume = !((c1 >> 5) & 1);
  c.few_pending = (c1 >> 6) & 1;
  c.on_stanza_replies = (c1 >> 7) & 1;
  c.seed = c2;
  c.roster_items = c3 & 3;
  c.jitter = (c3 >> 2) & 1;
  c.connect_sends = (c3 >> 3) & 1;
  c.restart_on_stop = (c3 >> 4) & 1;
  c.short_iq_timeout = (c3 >> 5) & 1;
  c.server_mode = (c3 >> 6) & 3;
  return c;
}

xmpp::SessionConfig session_config(const Config& c) {
  xmpp::ClientConfig client(*Jid::parse(kAccount));
  client.resource = "sansio";
  client.credentials.password = "s3cret";
  client.tls = xmpp::TlsPolicy::disabled;
  client.allow_plain_without_tls = true;
  if (c.scram) {
    client.mechanisms = {c.scram_sha1 ? xmpp::sasl::Mechanism::scram_sha_1
                                      : xmpp::sasl::Mechanism::scram_sha_256};
  } else {
    client.mechanisms = {xmpp::sasl::Mechanism::plain};
  }
  client.scram.min_iterations = 1;  // the server's 16 keep every run fast
  client.keepalive_interval = Duration::zero();
  // Deterministic, and without short cycles (generated IQ ids must not repeat).
  client.entropy = [state = 0x9E3779B97F4A7C15ull ^ c.seed](std::span<std::uint8_t> out) mutable {
    for (auto& b : out) {
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
      b = static_cast<std::uint8_t>(state >> 24);
    }
  };
  xmpp::SessionConfig config(std::move(client));
  config.reconnect.jitter = c.jitter ? xmpp::Jitter::equal : xmpp::Jitter::none;
  config.iq_timeout = c.short_iq_timeout ? Duration(2s) : Duration(30s);
  config.max_pending_iqs = c.few_pending ? 3 : 256;
  xmpp::ApplicationConfig& app = config.app;
  app.answer_unhandled_iqs = c.answer_unhandled;
  app.answer_pings = c.answer_pings;
  app.answer_disco_info = c.answer_disco;
  if (c.version) app.software_version = xmpp::SoftwareVersion{"fuzz", "1.0", ""};
  app.features = {"urn:example:feature"};
  if (c.keepalive) {
    app.keepalive.interval = c.keepalive_short ? Duration(5s) : Duration(30s);
    app.keepalive.timeout = c.keepalive_short ? Duration(1s) : Duration(10s);
  }
  app.send_initial_presence = c.initial_presence;
  app.fetch_roster = c.fetch_roster;
  app.handle_roster_pushes = c.handle_pushes;
  return config;
}

xmpp::testing::ServerConfig server_config(const Config& c) {
  xmpp::testing::ServerConfig config;
  config.domain = std::string(kDomain);
  config.users = {{"alice", "s3cret"}};
  config.starttls = xmpp::testing::StartTlsOffer::none;
  config.scram_iterations = 16;
  config.sm = true;
  config.sm_resume = c.sm_resume;
  config.sm_max_resume_seconds = 60;
  if (c.csi_feature) config.extra_features = {"<csi xmlns='urn:xmpp:csi:0'/>"};
  return config;
}

class Rig {
 public:
  explicit Rig(const Config& c)
      : config_(c),
        account_(*Jid::parse(kAccount)),
        domain_(*Jid::parse(kDomain)),
        session_(session_config(c), hooks()),
        server_config_(server_config(c)),
        server_mode_(c.server_mode) {}

  Rig(const Rig&) = delete;
  Rig& operator=(const Rig&) = delete;

  void begin() {
    sessions_.handle_timeout(now_);
    check(session_.start(now_) == CommandStatus::ok, "start() of a valid configuration failed");
    settle();
  }

  void run(fuzz::Input& in);
  void finish();

 private:
  // RAII depth counter of every callback the Session makes.
  struct Scope {
    Scope(Rig& rig, const Session* s, const char* what) : rig_(rig) {
      check(rig.depth_ == 0, "a hook runs inside another one", what);
      check(s == nullptr || s == &rig.session_, "a hook was given another Session", what);
      ++rig.depth_;
      rig.verify_roster();
    }
    ~Scope() { --rig_.depth_; }
    Rig& rig_;
  };

  xmpp::SessionHooks hooks();
  void on_event(Session& s, const xmpp::Event& e);
  void on_stanza(Session& s, xml::Element stanza);
  void on_roster(Session& s, const xmpp::RosterUpdate& update);
  void on_subscription(Session& s, const xmpp::SubscriptionEvent& event);
  void verify_roster();
  void check_refusals(Session& s);

  // The adapter.
  void settle();
  bool step();
  bool flush();
  bool feed_server();
  bool feed_session();
  bool close_transport();
  bool fire_timers();
  void open(const xmpp::ConnectTarget& target);
  void cut(Duration downtime);
  void advance(Duration d);

  // The server application.
  void serve_stanzas();
  void serve(const std::string& xml);
  void answer_client_request(xml::Element iq);
  bool server_send(std::string xml);
  void check_replies();

  // The program.
  void server_iq(fuzz::Input& in, bool fuzzed_from);
  void roster_push(fuzz::Input& in);
  void presence(fuzz::Input& in);
  void message(fuzz::Input& in);
  void raw(fuzz::Input& in);
  void send_iq(fuzz::Input& in);
  void app_send_iq(Session& s, std::string_view to, int payload, std::string_view id,
                   std::optional<Duration> timeout, bool set);
  xmpp::IqCallback track(const std::shared_ptr<AppRequest>& request);
  void route_add(fuzz::Input& in);
  void server_end(std::uint8_t how);
  void after_op();

  std::string next_id(std::uint8_t b) {
    return "Q." + std::to_string(++request_counter_) + "." + hex_byte(b);
  }

  Config config_;
  Jid account_;
  Jid domain_;
  Session session_;
  xmpp::testing::SessionStore sessions_;
  xmpp::testing::ServerConfig server_config_;
  std::unique_ptr<xmpp::testing::Server> server_;
  TimePoint now_{std::chrono::seconds(1000)};
  TimePoint down_until_{};
  bool transport_ = false;
  bool tainted_ = false;  // raw bytes that may break the stream went out on this connection
  std::size_t connections_ = 0;
  std::string to_server_;
  std::vector<std::string> to_client_;
  std::size_t to_client_offset_ = 0;
  std::map<std::string, std::size_t> served_;
  xml::StreamParser parser_;
  xml::Arena arena_{1024};
  int server_mode_ = 0;  // 0 right answers, 1 errors, 2 from a stranger, 3 silence
  std::uint32_t roster_version_ = 0;

  int depth_ = 0;
  bool finishing_ = false;
  int restarts_ = 0;
  std::size_t closed_ = 0;  // Closed events delivered
  std::size_t request_counter_ = 0;
  std::map<std::string, ServerRequest> server_requests_;
  std::vector<std::shared_ptr<AppRequest>> app_requests_;
  std::map<std::string, std::shared_ptr<AppRequest>> live_;  // accepted and not called yet
  std::vector<xmpp::RouteId> routes_;
  std::vector<std::string> features_;  // added with add_disco_feature()
  std::size_t subscription_answers_ = 0;
  // The roster oracle: the roster when a stanza that must not change it was delivered.
  bool roster_frozen_ = false;
  std::vector<xmpp::RosterItem> roster_items_;
  std::string roster_version_seen_;
  bool roster_received_ = false;
  bool last_push_from_own_ = false;
};

// -------------------------------------------------------------------------------------------
// Hooks

xmpp::SessionHooks Rig::hooks() {
  xmpp::SessionHooks h;
  h.on_event = [this](Session& s, const xmpp::Event& e) { on_event(s, e); };
  h.on_connect = [this](Session& s, const xmpp::event::Online& online) {
    Scope scope(*this, &s, "on_connect");
    check(!online.resumed, "on_connect for a resumed session");
    if (config_.connect_sends) {
      app_send_iq(s, kDomain, 0, {}, std::nullopt, false);
      (void)s.set_inactive();
    }
  };
  h.on_resume = [this](Session& s, const xmpp::event::Online& online) {
    Scope scope(*this, &s, "on_resume");
    check(online.resumed, "on_resume for a fresh session");
  };
  h.on_stanza = [this](Session& s, xml::Element stanza) { on_stanza(s, stanza); };
  h.on_roster = [this](Session& s, const xmpp::RosterUpdate& u) { on_roster(s, u); };
  if (config_.subscriptions) {
    h.on_subscription = [this](Session& s, const xmpp::SubscriptionEvent& e) {
      on_subscription(s, e);
    };
  }
  h.on_acked = [this](Session& s, const xmpp::event::Acked&) {
    Scope scope(*this, &s, "on_acked");
  };
  h.on_unconfirmed = [this](Session& s, const xmpp::event::Unconfirmed&) {
    Scope scope(*this, &s, "on_unconfirmed");
  };
  h.on_link_dead = [this](Session& s, const xmpp::event::LinkDead&) {
    Scope scope(*this, &s, "on_link_dead");
  };
  h.on_closed = [this](Session& s, const xmpp::event::Closed&) {
    Scope scope(*this, &s, "on_closed");
  };
  h.on_stopped = [this](Session& s, xmpp::StopReason reason) {
    Scope scope(*this, &s, "on_stopped");
    trace("  on_stopped %s", std::string(xmpp::to_string(reason)).c_str());
    check(s.state() == SessionState::stopped, "on_stopped while not stopped");
    if (config_.restart_on_stop && !finishing_ && restarts_ < 2) {
      ++restarts_;
      check(s.start(s.now()) == CommandStatus::ok, "start() from on_stopped refused");
    }
  };
  h.on_traffic = [this](xmpp::TrafficDirection, std::string_view) {
    check(depth_ == 0, "on_traffic inside a hook");
  };
  return h;
}

void Rig::on_event(Session& s, const xmpp::Event& e) {
  Scope scope(*this, &s, "on_event");
  roster_frozen_ = false;
  if (trace_on()) trace("  event %s", fuzz::describe(e).c_str());
  if (std::holds_alternative<xmpp::event::Closed>(e)) ++closed_;
  const auto* stanza = std::get_if<xmpp::event::Stanza>(&e);
  if (!stanza) return;
  const xml::Element el = stanza->element;
  const std::string id(el.attribute_or_empty("id"));
  if (const auto it = server_requests_.find(id);
      it != server_requests_.end() && el.is("iq", ns::kClient)) {
    it->second.seen = true;
  }
  // RFC 6121 §2.1.6, CVE-2014-0364: a push from anyone but the account changes nothing.
  const auto iq = xmpp::stanza::Iq::view(el);
  const bool push = iq && iq->type() == xmpp::stanza::IqType::set && iq->payload() &&
                    iq->payload().is("query", ns::kRoster);
  last_push_from_own_ = push && is_own_sender(el.attribute("from"), account_);
  if (push && !last_push_from_own_) {
    roster_frozen_ = true;
    roster_items_ = s.roster().items();
    roster_version_seen_ = std::string(s.roster().version());
    roster_received_ = s.roster().received();
  }
}

void Rig::verify_roster() {
  if (!roster_frozen_) return;
  const xmpp::Roster& r = session_.roster();
  check(r.items() == roster_items_ && r.version() == roster_version_seen_ &&
            r.received() == roster_received_,
        "the roster changed because of a push from someone other than the account");
}

void Rig::check_refusals(Session& s) {
  // Inputs are refused from a hook and change nothing.
  check(!s.handle_timeout(now_), "handle_timeout() from a hook returned a target");
  check(s.receive(" ", now_).status == xmpp::ReceiveStatus::invalid_state,
        "receive() from a hook accepted");
  check(s.transport_closed(now_) == CommandStatus::invalid_state,
        "transport_closed() from a hook accepted");
  check(s.set_hooks({}) == CommandStatus::invalid_state, "set_hooks() from a hook accepted");
}

void Rig::on_stanza(Session& s, xml::Element stanza) {
  Scope scope(*this, &s, "on_stanza");
  const std::string id(stanza.attribute_or_empty("id"));
  const bool request =
      stanza.is("iq", ns::kClient) && is_request_type(stanza.attribute_or_empty("type"));
  const auto it = server_requests_.find(id);
  if (it != server_requests_.end() && stanza.is("iq", ns::kClient))
    it->second.on_stanza_seen = true;
  if (request_counter_ % 7 == 3) check_refusals(s);
  if (request && !config_.answer_unhandled && config_.on_stanza_replies) {
    arena_.reset();
    const bool ok = s.send(xmpp::stanza::build_result(arena_, stanza)) == xmpp::SendStatus::ok;
    arena_.reset();
    if (it != server_requests_.end()) it->second.on_stanza_replied = ok;
  }
}

void Rig::on_roster(Session& s, const xmpp::RosterUpdate& update) {
  Scope scope(*this, &s, "on_roster");
  if (update.full) return;
  check(last_push_from_own_, "on_roster for a push that is not from the account");
  check(update.items.size() == 1, "on_roster for a push with other than one item");
  const xmpp::RosterItem& item = update.items.front();
  const xmpp::RosterItem* now = s.roster().find(item.jid);
  if (item.subscription == xmpp::Subscription::remove) {
    check(now == nullptr, "a removed roster item is still in the roster");
  } else {
    check(now != nullptr && *now == item, "on_roster's pushed item is not the roster's");
  }
}

void Rig::on_subscription(Session& s, const xmpp::SubscriptionEvent& event) {
  Scope scope(*this, &s, "on_subscription");
  const std::string_view type = event.stanza.attribute_or_empty("type");
  const xmpp::SubscriptionAction expected =
      type == "subscribe"     ? xmpp::SubscriptionAction::request
      : type == "subscribed"  ? xmpp::SubscriptionAction::approved
      : type == "unsubscribe" ? xmpp::SubscriptionAction::cancelled
                              : xmpp::SubscriptionAction::revoked;
  check(type == "subscribe" || type == "subscribed" || type == "unsubscribe" ||
            type == "unsubscribed",
        "on_subscription for a presence of another type");
  check(event.action == expected, "on_subscription's action is not the stanza's type");
  const auto from = Jid::parse(event.stanza.attribute_or_empty("from"));
  check(from && event.from == from->bare() && event.from.is_bare(),
        "on_subscription's sender is not the stanza's bare sender");
  if (event.action == xmpp::SubscriptionAction::request) {
    (void)(++subscription_answers_ % 2 ? s.approve_subscription(event.from)
                                       : s.deny_subscription(event.from));
  }
}

// -------------------------------------------------------------------------------------------
// The adapter (as tests/session/world.cpp drives a Session)

bool Rig::flush() {
  bool moved = false;
  for (auto out = session_.output(); !out.empty(); out = session_.output()) {
    check(session_.state() == SessionState::connected ||
              session_.state() == SessionState::disconnecting,
          "output without a transport");
    to_server_.append(out);
    check(session_.consume_output(out.size()) == CommandStatus::ok, "consume_output() refused");
    moved = true;
  }
  return moved;
}

bool Rig::feed_server() {
  if (!transport_) return false;
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

bool Rig::feed_session() {
  bool moved = false;
  while (transport_ && !to_client_.empty() && session_.state() == SessionState::connected) {
    const std::string_view write = std::string_view(to_client_.front()).substr(to_client_offset_);
    const xmpp::ReceiveResult r = session_.receive(write, now_);
    check(r.status != xmpp::ReceiveStatus::invalid_state, "receive() refused while connected");
    check(r.status != xmpp::ReceiveStatus::tls_handoff, "a TLS hand-off with TLS disabled");
    check(r.consumed <= write.size(), "receive() consumed more than given");
    to_client_offset_ += r.consumed;
    moved = moved || r.consumed > 0;
    if (r.status == xmpp::ReceiveStatus::drain_needed) {
      flush();
      continue;
    }
    if (to_client_offset_ == to_client_.front().size() || r.status == xmpp::ReceiveStatus::closed ||
        r.status == xmpp::ReceiveStatus::stream_error) {
      to_client_.erase(to_client_.begin());
      to_client_offset_ = 0;
    }
    if (r.consumed == 0) break;
  }
  return moved;
}

bool Rig::close_transport() {
  if (session_.state() != SessionState::disconnecting) return false;
  flush();
  if (transport_) {
    feed_server();  // the closing tag reaches the server before the transport closes
    server_->receive_eof();
  }
  transport_ = false;
  to_server_.clear();
  to_client_.clear();
  to_client_offset_ = 0;
  check(session_.transport_closed(now_) == CommandStatus::ok, "transport_closed() refused");
  return true;
}

bool Rig::fire_timers() {
  const auto deadline = session_.next_deadline();
  if (!deadline || *deadline > now_) return false;
  const SessionState before = session_.state();
  const auto target = session_.handle_timeout(now_);
  // Whatever was due at `now` has fired (a refused transport, below, may make the next attempt
  // due at once: that is transport_closed()'s doing).
  if (const auto next = session_.next_deadline()) {
    check(*next > now_, "next_deadline() is due after handle_timeout(now)");
  }
  if (target) {
    trace("  attempt (%s) to '%s'", std::string(xmpp::to_string(target->source)).c_str(),
          target->address.c_str());
    check(!transport_, "the Session asked for a transport while one exists");
    check(before == SessionState::waiting, "an attempt started from a state other than waiting");
    check(session_.state() == SessionState::opening, "an attempt without the opening state");
    open(*target);
  }
  return true;
}

void Rig::open(const xmpp::ConnectTarget&) {
  if (now_ < down_until_) {
    trace("  transport refused (link down)");
    check(session_.transport_closed(now_) == CommandStatus::ok, "transport_closed() refused");
    return;
  }
  server_.reset();
  server_ = std::make_unique<xmpp::testing::Server>(server_config_, &sessions_);
  ++connections_;
  transport_ = true;
  tainted_ = false;
  check(session_.transport_connected(now_) == CommandStatus::ok,
        "transport_connected() refused while opening");
  if (const auto next = session_.next_deadline()) {
    check(*next > now_, "next_deadline() is due after transport_connected(now)");
  }
}

bool Rig::step() {
  bool moved = flush();
  moved = feed_server() || moved;
  moved = feed_session() || moved;
  moved = close_transport() || moved;
  moved = fire_timers() || moved;
  return moved;
}

void Rig::settle() {
  for (int round = 0; round < 10'000; ++round) {
    check(depth_ == 0, "a hook is still running between calls");
    if (!step()) return;
  }
  fail("the world did not settle in 10,000 rounds");
}

void Rig::cut(Duration downtime) {
  trace("  cut, down for %lld ms", static_cast<long long>(downtime.count()));
  down_until_ = now_ + downtime;
  to_server_.clear();
  to_client_.clear();
  to_client_offset_ = 0;
  if (transport_) {
    server_->connection_lost();
    transport_ = false;
  }
  const SessionState state = session_.state();
  if (state == SessionState::connected || state == SessionState::disconnecting) {
    check(session_.transport_closed(now_) == CommandStatus::ok, "transport_closed() refused");
  } else {
    check(session_.transport_closed(now_) == CommandStatus::invalid_state,
          "transport_closed() accepted without a transport");
  }
}

void Rig::advance(Duration d) {
  now_ += d;
  sessions_.handle_timeout(now_);
  settle();
}

// -------------------------------------------------------------------------------------------
// The server application

bool Rig::server_send(std::string xml) {
  if (!server_ || !transport_ || server_->phase() != xmpp::testing::ServerPhase::online) {
    return false;
  }
  return server_->send_stanza(std::move(xml));
}

void Rig::serve_stanzas() {
  const xmpp::testing::SmSession* sm = server_->sm_session();
  const std::string key = sm ? sm->id : "connection-" + std::to_string(connections_);
  const std::vector<std::string>& list = sm ? sm->delivered : server_->received_stanzas();
  for (std::size_t& next = served_[key]; next < list.size();) {
    const std::string stanza = list[next++];  // serve() may add to `list`
    serve(stanza);
  }
}

void Rig::serve(const std::string& xml) {
  const xml::Element e = parse_stanza(parser_, xml);
  check(static_cast<bool>(e), "the server recorded a stanza that does not parse", xml);
  if (!e.is("iq", ns::kClient)) return;
  const std::string id(e.attribute_or_empty("id"));
  const std::string type(e.attribute_or_empty("type"));
  if (const auto it = server_requests_.find(id); it != server_requests_.end()) {
    ServerRequest& r = it->second;
    ++r.replies;
    trace("  reply to %s: %s", id.c_str(), xml.c_str());
    check(r.replies <= 1, "two replies to one IQ request", xml);
    check(is_request_type(r.type), "a reply to an IQ result or error", xml);
    check(type == "result" || type == "error", "a reply that is not a result or an error", xml);
    const auto to = e.attribute("to");
    if (r.from) {
      check(to && *to == *r.from, "a reply that does not go to the request's sender", xml);
    } else {
      check(!to, "a reply with a `to` to a request without `from`", xml);
    }
    switch (r.expect) {
      case ServerRequest::any:
        break;
      case ServerRequest::result:
        check(type == "result", "a request a duty answers got an error", xml);
        if (r.disco) {
          for (const std::string& feature : features_) {
            check(xml.find("var='" + feature + "'") != std::string::npos,
                  "a disco#info answer without a feature the application added", xml);
          }
        }
        break;
      case ServerRequest::error:
        check(type == "error", "a request that must be refused got a result", xml);
        break;
      case ServerRequest::service_unavailable:
        check(type == "error" && xml.find("<service-unavailable") != std::string::npos,
              "a roster push from a stranger was not refused with service-unavailable", xml);
        break;
    }
    return;
  }
  if (is_request_type(type)) answer_client_request(e);
}

void Rig::answer_client_request(xml::Element iq) {
  if (server_mode_ == 3) return;  // silence
  arena_.reset();
  xml::Builder b(arena_, "iq", ns::kClient);
  b.attribute("type", server_mode_ == 1 ? "error" : "result");
  b.attribute("id", iq.attribute_or_empty("id"));
  if (server_mode_ == 2) {
    b.attribute("from", "mallory@evil.example");
  } else if (const auto to = iq.attribute("to")) {
    b.attribute("from", *to);
  }
  const xml::Element payload = iq.first_child_element();
  if (server_mode_ == 1) {
    b.start("error").attribute("type", "cancel");
    b.start("feature-not-implemented", ns::kStanzas).end();
    b.end();
  } else if (payload && payload.is("query", ns::kRoster) &&
             iq.attribute_or_empty("type") == "get") {
    b.start("query", ns::kRoster).attribute("ver", "v" + std::to_string(++roster_version_));
    static constexpr std::string_view kItems[] = {"bob@example.com", "carol@example.com",
                                                  "dave@example.org"};
    for (int i = 0; i < config_.roster_items; ++i) {
      b.start("item").attribute("jid", kItems[i]).attribute("subscription", "both");
      b.start("group").text("friends").end();
      b.end();
    }
    b.end();
  }
  const std::string reply = serialise(b.root());
  arena_.reset();
  trace("  server answers: %s", reply.c_str());
  (void)server_send(reply);
}

void Rig::check_replies() {
  for (auto& [id, r] : server_requests_) {
    if (!r.pending_check) continue;
    r.pending_check = false;
    // Only a stream that stayed up, and that no raw fragment may have broken, promises anything.
    if (closed_ != r.closed_at || tainted_ || !transport_) continue;
    check(r.seen, "a stanza the server sent on a live stream was not delivered", id);
    if (!is_request_type(r.type)) {
      check(r.replies == 0, "an IQ result or error was answered", id);
      continue;
    }
    if (!r.from_is_jid) continue;
    const std::size_t expected = r.routed ? (r.route_replied ? 1 : 0)
                                 : r.on_stanza_seen
                                     ? (config_.answer_unhandled || r.on_stanza_replied ? 1 : 0)
                                     : 1;
    if (r.replies != expected) {
      fail("an IQ request did not get exactly the replies expected",
           id + ": " + std::to_string(r.replies) + " replies, expected " +
               std::to_string(expected) + (r.routed ? " (routed)" : "") +
               (r.on_stanza_seen ? " (on_stanza)" : ""));
    }
  }
}

// -------------------------------------------------------------------------------------------
// The program

// Payload kinds of server requests and of send_iq.
enum Payload : int {
  p_ping,
  p_disco,
  p_disco_node,
  p_version,
  p_roster,
  p_unknown,
  p_none,
  p_two,
};

void add_payload(xml::Builder& b, int payload) {
  switch (payload) {
    case p_ping:
      b.start("ping", ns::kPing).end();
      break;
    case p_disco:
      b.start("query", ns::kDiscoInfo).end();
      break;
    case p_disco_node:
      b.start("query", ns::kDiscoInfo).attribute("node", "urn:example:node").end();
      break;
    case p_version:
      b.start("query", ns::kVersion).end();
      break;
    case p_roster:
      b.start("query", ns::kRoster).end();
      break;
    case p_unknown:
      b.start("thing", "urn:example:x").text("payload").end();
      break;
    case p_none:
      break;
    default:
      b.start("ping", ns::kPing).end();
      b.start("query", ns::kRoster).end();
      break;
  }
}

void Rig::server_iq(fuzz::Input& in, bool fuzzed_from) {
  static constexpr std::string_view kTypes[] = {"get", "set", "result", "error"};
  const std::uint8_t b0 = in.byte(), b1 = in.byte();
  const std::string_view type = kTypes[b0 & 3];
  const int payload = (b0 >> 2) & 7;
  std::optional<std::string> from;
  if (fuzzed_from) {
    const std::string_view bytes = in.bytes(in.byte() % 48);
    std::string f(bytes);
    std::replace(f.begin(), f.end(), 'Q', 'q');
    from = f;
  } else if (const std::string_view s = kSenders[(b0 >> 5) & 7]; !s.empty()) {
    from = std::string(s);
  }
  const bool with_id = !(b1 & 0x80);
  const std::string id = with_id ? next_id(b1) : std::string();

  arena_.reset();
  xml::Builder b(arena_, "iq", ns::kClient);
  b.attribute("type", type);
  if (with_id) b.attribute("id", id);
  if (from) b.attribute("from", *from);
  if (b1 & 0x40) b.attribute("to", "alice@example.com/sansio");
  if (type == "error") {
    b.start("error").attribute("type", "cancel");
    b.start("item-not-found", ns::kStanzas).end();
    b.end();
  }
  if (type != "error" || payload != p_none) add_payload(b, payload);
  const std::string xml = serialise(b.root());
  arena_.reset();
  if (xml.empty()) return;
  trace("  server sends %s", xml.c_str());

  ServerRequest r;
  r.type = std::string(type);
  r.from = from;
  r.from_is_jid = !from || Jid::parse(*from).has_value();
  r.closed_at = closed_;
  if (is_request_type(type) && !fuzzed_from) {
    // What the application layer must answer, when the configuration decides it (routes and
    // on_stanza cannot take these: pushes and duties come first).
    const bool own = !from || *from == kAccount;
    if (payload == p_none || payload == p_two) {
      if (config_.answer_unhandled) r.expect = ServerRequest::error;
    } else if (type == "set" && payload == p_roster && config_.handle_pushes) {
      r.expect = own ? ServerRequest::any : ServerRequest::service_unavailable;
    } else if (type == "get" && payload == p_ping && config_.answer_pings) {
      r.expect = ServerRequest::result;
    } else if (type == "get" && payload == p_disco && config_.answer_disco) {
      r.expect = ServerRequest::result;
      r.disco = true;
    } else if (type == "get" && payload == p_version && config_.version) {
      r.expect = ServerRequest::result;
    }
  }
  if (!server_send(xml) || !with_id) return;
  server_requests_[id] = r;
}

void Rig::roster_push(fuzz::Input& in) {
  static constexpr std::string_view kJids[] = {"bob@example.com",   "carol@example.com",
                                               "alice@example.com", "bob@example.com/res",
                                               "not a jid@@",       ""};
  static constexpr std::string_view kSubscriptions[] = {"none",   "to",    "from", "both",
                                                        "remove", "bogus", "",     "none"};
  const std::uint8_t b0 = in.byte(), b1 = in.byte();
  const std::string_view sender = kSenders[b0 & 7];
  const std::string_view jid = kJids[((b0 >> 3) & 7) % 6];
  const std::string id = next_id(b1);
  arena_.reset();
  xml::Builder b(arena_, "iq", ns::kClient);
  b.attribute("type", "set").attribute("id", id);
  if (!sender.empty()) b.attribute("from", sender);
  b.start("query", ns::kRoster);
  if (b1 & 1) b.attribute("ver", "p" + std::to_string(request_counter_));
  const int items = (b0 >> 6) & 3;  // 0: one item, 1: none, 2: two, 3: one
  for (int i = 0; i < (items == 1 ? 0 : items == 2 ? 2 : 1); ++i) {
    b.start("item");
    if (!jid.empty()) b.attribute("jid", i == 0 ? jid : std::string_view("dave@example.org"));
    const std::string_view sub = kSubscriptions[(b1 >> 1) & 7];
    if (!sub.empty()) b.attribute("subscription", sub);
    if (b1 & 0x10) b.attribute("name", "Friend");
    if (b1 & 0x20) b.attribute("ask", "subscribe");
    if (b1 & 0x40) b.attribute("approved", "true");
    if (b1 & 0x80) b.start("group").text("g").end();
    b.end();
  }
  b.end();
  const std::string xml = serialise(b.root());
  arena_.reset();
  trace("  server pushes %s", xml.c_str());
  ServerRequest r;
  r.type = "set";
  if (!sender.empty()) r.from = std::string(sender);
  r.closed_at = closed_;
  if (config_.handle_pushes) {
    r.expect = sender.empty() || sender == kAccount ? ServerRequest::any
                                                    : ServerRequest::service_unavailable;
  }
  if (!server_send(xml)) return;
  server_requests_[id] = r;
}

void Rig::presence(fuzz::Input& in) {
  static constexpr std::string_view kTypes[] = {"subscribe",    "subscribed", "unsubscribe",
                                                "unsubscribed", "",           "unavailable",
                                                "probe",        "error"};
  const std::uint8_t b0 = in.byte(), b1 = in.byte();
  arena_.reset();
  xml::Builder b(arena_, "presence", ns::kClient);
  const std::string_view type = kTypes[b0 & 7];
  if (!type.empty()) b.attribute("type", type);
  const std::string_view sender = kSenders[(b0 >> 3) & 7];
  if (!sender.empty()) b.attribute("from", sender);
  if (b1 & 1) b.attribute("id", "p" + hex_byte(b1));
  if (b1 & 2) b.start("status").text("let me in").end();
  if (b1 & 4) b.start("show").text("away").end();
  if (type == "error") {
    b.start("error").attribute("type", "cancel");
    b.start("remote-server-not-found", ns::kStanzas).end();
    b.end();
  }
  const std::string xml = serialise(b.root());
  arena_.reset();
  trace("  server sends %s", xml.c_str());
  (void)server_send(xml);
}

void Rig::message(fuzz::Input& in) {
  static constexpr std::string_view kTypes[] = {"chat",     "normal", "",     "groupchat",
                                                "headline", "error",  "chat", "bogus"};
  const std::uint8_t b0 = in.byte(), b1 = in.byte();
  arena_.reset();
  xml::Builder b(arena_, "message", ns::kClient);
  const std::string_view type = kTypes[b0 & 7];
  if (!type.empty()) b.attribute("type", type);
  const std::string_view sender = kSenders[(b0 >> 3) & 7];
  if (!sender.empty()) b.attribute("from", sender);
  b.attribute("id", "m" + hex_byte(b1));
  if (b1 & 1) b.start("body").text("hello").end();
  if (b1 & 2) b.start("request", ns::kReceipts).end();
  if (b1 & 4) b.start("query", ns::kRoster).end();  // a roster payload in a message
  if (type == "error") {
    b.start("error").attribute("type", "cancel");
    b.start("service-unavailable", ns::kStanzas).end();
    b.end();
  }
  const std::string xml = serialise(b.root());
  arena_.reset();
  trace("  server sends %s", xml.c_str());
  (void)server_send(xml);
}

void Rig::raw(fuzz::Input& in) {
  std::string bytes(in.bytes(in.byte()));
  std::replace(bytes.begin(), bytes.end(), 'Q', 'q');  // harness ids stay the harness's
  if (!server_ || !transport_ || server_->phase() != xmpp::testing::ServerPhase::online) return;
  const xml::Element e = parse_stanza(parser_, bytes);
  const bool stanza = e && (e.is("message", ns::kClient) || e.is("presence", ns::kClient) ||
                            e.is("iq", ns::kClient));
  trace("  server sends raw (%s) %s", stanza ? "a stanza" : "bytes", bytes.c_str());
  if (stanza) {
    (void)server_->send_stanza(bytes);  // counted like any stanza (XEP-0198)
  } else {
    tainted_ = true;
    server_->send_raw(bytes);
  }
}

xmpp::IqCallback Rig::track(const std::shared_ptr<AppRequest>& request) {
  return [this, request](Session& s, const xmpp::IqResponse& response) {
    Scope scope(*this, &s, "an IQ callback");
    trace("  callback %s: %s", request->id.c_str(),
          std::string(xmpp::to_string(response.outcome)).c_str());
    check(!request->id.empty(), "an IQ callback was called from inside send_iq()");
    check(request->calls == 0, "an IQ callback was called twice", request->id);
    ++request->calls;
    check(response.id == request->id, "an IQ callback was given another request's id");
    const auto it = live_.find(request->id);
    check(it != live_.end() && it->second == request, "an IQ callback for an unknown request",
          request->id);
    live_.erase(it);
    const bool answered =
        response.outcome == xmpp::IqOutcome::result || response.outcome == xmpp::IqOutcome::error;
    check(answered == static_cast<bool>(response.stanza),
          "an IQ response's stanza does not match its outcome");
    if (!answered) return;
    check(response.stanza.attribute_or_empty("id") == request->id,
          "an IQ response with another id");
    check(response.stanza.attribute_or_empty("type") ==
              (response.outcome == xmpp::IqOutcome::result ? "result" : "error"),
          "an IQ response whose type is not its outcome");
    // RFC 6120 §8.1.2.1: from the addressee; without `to`, from the account or its server.
    std::optional<Jid> sender = account_;
    if (const auto from = response.stanza.attribute("from")) sender = Jid::parse(*from);
    check(sender.has_value(), "an IQ response from something that is not a JID");
    if (request->to) {
      check(*sender == *Jid::parse(*request->to), "an IQ response from another entity");
    } else {
      check(*sender == account_ || *sender == domain_,
            "a response to a request without `to` from another entity");
    }
  };
}

void Rig::app_send_iq(Session& s, std::string_view to, int payload, std::string_view id,
                      std::optional<Duration> timeout, bool set) {
  arena_.reset();
  xml::Builder b(arena_, "iq", ns::kClient);
  b.attribute("type", set ? "set" : "get");
  if (!to.empty()) b.attribute("to", to);
  if (!id.empty()) b.attribute("id", id);
  add_payload(b, payload);
  auto request = std::make_shared<AppRequest>();
  if (!to.empty()) request->to = std::string(to);
  const bool pending_before = !id.empty() && live_.count(std::string(id)) > 0;
  const std::size_t pending = s.pending_iqs();
  xmpp::IqOptions options;
  options.timeout = timeout;
  const xmpp::IqSendResult sent = s.send_iq(b.root(), track(request), s.now(), options);
  arena_.reset();
  app_requests_.push_back(request);
  trace("  send_iq to '%.*s' -> %s %s", static_cast<int>(to.size()), to.data(),
        std::string(xmpp::to_string(sent.status)).c_str(), sent.id.c_str());
  const bool valid = payload != p_none && payload != p_two &&
                     (!timeout || *timeout > Duration::zero()) &&
                     (to.empty() || Jid::parse(to).has_value());
  if (!valid) check(sent.status == xmpp::IqSendStatus::invalid_request, "an invalid request sent");
  if (sent.status == xmpp::IqSendStatus::duplicate_id) {
    check(pending_before || id.empty(), "duplicate_id for an id that is not pending");
  }
  if (sent.status != xmpp::IqSendStatus::ok) {
    check(sent.id.empty(), "a refused request has an id");
    return;
  }
  check(valid, "send_iq() accepted an invalid request");
  check(!pending_before, "send_iq() accepted an id that is pending");
  check(!sent.id.empty() && (id.empty() || sent.id == id), "send_iq() returned another id");
  check(live_.count(sent.id) == 0, "send_iq() made an id that is pending");
  check(s.pending_iqs() >= pending + 1 || s.dispatching(),
        "pending_iqs() did not count a new request");
  request->id = sent.id;
  request->accepted = true;
  live_[sent.id] = request;
}

void Rig::send_iq(fuzz::Input& in) {
  static constexpr std::string_view kTo[] = {"",
                                             "example.com",
                                             "alice@example.com",
                                             "bob@example.com/x",
                                             "pubsub.example.com",
                                             "alice@example.com/sansio",
                                             "not a jid@@/",
                                             "mallory@evil.example/r"};
  static constexpr std::string_view kIds[] = {"", "", "", "", "c1", "c2", "c3", "c1"};
  static constexpr std::optional<Duration> kTimeouts[] = {std::nullopt, std::nullopt, 1s, 10ms,
                                                          60s,          Duration(0),  5s, 31s};
  const std::uint8_t b0 = in.byte(), b1 = in.byte();
  app_send_iq(session_, kTo[b0 & 7], (b0 >> 3) & 7, kIds[b1 & 7], kTimeouts[(b1 >> 3) & 7],
              (b0 >> 6) & 1);
}

void Rig::route_add(fuzz::Input& in) {
  static constexpr std::string_view kTypes[] = {"",     "get", "set",       "result",
                                                "chat", "",    "subscribe", "error"};
  struct PayloadCondition {
    std::string_view name, ns;
  };
  static constexpr PayloadCondition kPayloads[] = {{},
                                                   {"query", ns::kRoster},
                                                   {"ping", ns::kPing},
                                                   {"query", ns::kVersion},
                                                   {"", "urn:example:x"},
                                                   {"query", ns::kDiscoInfo},
                                                   {"thing", "urn:example:x"},
                                                   {}};
  static constexpr std::string_view kFrom[] = {"", "bob@example.com", "bob@example.com/x",
                                               "alice@example.com"};
  const std::uint8_t b0 = in.byte(), b1 = in.byte();
  xmpp::Route route;
  switch (b0 & 3) {
    case 1:
      route.kind(xmpp::stanza::Kind::message);
      break;
    case 2:
      route.kind(xmpp::stanza::Kind::presence);
      break;
    case 3:
      route.kind(xmpp::stanza::Kind::iq);
      break;
    default:
      break;
  }
  const int type = (b0 >> 2) & 7;
  if (type != 0) route.type(kTypes[type]);
  const PayloadCondition payload = kPayloads[(b0 >> 5) & 7];
  if (!payload.ns.empty()) route.payload(payload.name, payload.ns);
  if (const std::string_view from = kFrom[b1 & 3]; !from.empty()) route.from(*Jid::parse(from));
  if (b1 & 0x20) {
    route.when([](xml::Element e) { return e.attribute_or_empty("id").size() % 2 == 0; });
  }
  const bool reply = b1 & 4, remove_self = b1 & 8, sends = b1 & 0x10;
  const bool closes = (b1 & 0xC0) == 0xC0;
  auto id = std::make_shared<xmpp::RouteId>(0);
  xmpp::RouteHandler handler = [this, reply, remove_self, sends, closes, id](Session& s,
                                                                             xml::Element stanza) {
    Scope scope(*this, &s, "a route handler");
    trace("  route %llu takes %s", static_cast<unsigned long long>(*id),
          std::string(stanza.attribute_or_empty("id")).c_str());
    const bool request =
        stanza.is("iq", ns::kClient) && is_request_type(stanza.attribute_or_empty("type"));
    const auto it = server_requests_.find(std::string(stanza.attribute_or_empty("id")));
    const bool tracked = it != server_requests_.end() && stanza.is("iq", ns::kClient);
    if (tracked) it->second.routed = true;
    if (reply && request) {
      arena_.reset();
      const bool ok = s.send(xmpp::stanza::build_result(arena_, stanza)) == xmpp::SendStatus::ok;
      arena_.reset();
      if (tracked) it->second.route_replied = ok;
    }
    if (remove_self) {
      const bool had = std::find(routes_.begin(), routes_.end(), *id) != routes_.end();
      check(s.router().remove(*id) == had, "Router::remove() from a handler");
      routes_.erase(std::remove(routes_.begin(), routes_.end(), *id), routes_.end());
    }
    if (sends) app_send_iq(s, "", p_ping, {}, std::nullopt, false);
    if (closes) (void)s.close(s.now());
  };
  const std::size_t before = session_.router().size();
  *id = (b1 & 0x40) && !closes ? session_.router().add_catch_all(std::move(handler))
                               : session_.router().add(std::move(route), std::move(handler));
  check(*id != 0, "Router::add() returned 0");
  check(session_.router().size() == before + 1, "Router::add() did not add a route");
  routes_.push_back(*id);
  trace("  route %llu added", static_cast<unsigned long long>(*id));
}

void Rig::server_end(std::uint8_t how) {
  if (!server_ || !transport_) return;
  trace("  the server ends the stream (%d)", how & 3);
  switch (how & 3) {
    case 0:
      (void)server_->close();
      break;
    case 1:
      server_->send_raw(
          "<stream:error><system-shutdown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
          "</stream:error></stream:stream>");
      break;
    case 2:
      server_->send_raw(
          "<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
          "</stream:error></stream:stream>");
      break;
    default:
      server_->send_raw(
          "<stream:error><see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'>"
          "other.example.com:5222</see-other-host></stream:error></stream:stream>");
      break;
  }
}

void Rig::after_op() {
  settle();
  check(depth_ == 0, "a hook is still running between calls");
  verify_roster();
  roster_frozen_ = false;
  check_replies();
  check(session_.pending_iqs() >= live_.size(),
        "pending_iqs() is below the application's pending requests");
  const SessionState state = session_.state();
  check(state != SessionState::opening, "left in opening with no transport being opened");
  check(transport_ == (state == SessionState::connected || state == SessionState::disconnecting),
        "the Session's state disagrees with the transport");
}

void Rig::run(fuzz::Input& in) {
  for (int ops = 0; ops < 256 && !in.done(); ++ops) {
    const std::uint8_t op = in.byte() % kOpCount;
    trace(
        "op %d (t=%lld, %s)", op,
        static_cast<long long>(
            std::chrono::duration_cast<std::chrono::milliseconds>(now_.time_since_epoch()).count()),
        std::string(xmpp::to_string(session_.state())).c_str());
    switch (op) {
      case op_server_iq:
        server_iq(in, false);
        break;
      case op_roster_push:
        roster_push(in);
        break;
      case op_presence:
        presence(in);
        break;
      case op_message:
        message(in);
        break;
      case op_raw:
        raw(in);
        break;
      case op_cut:
        cut(kDowntimes[in.byte() & 7]);
        break;
      case op_advance:
        now_ += kSteps[in.byte() & 15];
        sessions_.handle_timeout(now_);
        break;
      case op_to_deadline:
        if (const auto deadline = session_.next_deadline()) now_ = std::max(now_, *deadline);
        sessions_.handle_timeout(now_);
        break;
      case op_send_iq:
        send_iq(in);
        break;
      case op_csi: {
        const std::uint8_t b = in.byte();
        const bool inactive = b & 1;
        if (b & 2) {
          // A feature added for disco#info answers (bit 2: an empty one, refused).
          const std::string feature = b & 4 ? std::string() : "urn:example:f" + hex_byte(b >> 3);
          const CommandStatus st = session_.add_disco_feature(feature);
          check(st == (feature.empty() ? CommandStatus::invalid_input : CommandStatus::ok),
                "add_disco_feature()");
          if (!feature.empty() &&
              std::find(features_.begin(), features_.end(), feature) == features_.end()) {
            features_.push_back(feature);
          }
          break;
        }
        const xmpp::CsiStatus st = inactive ? session_.set_inactive() : session_.set_active();
        trace("  csi -> %s", std::string(xmpp::to_string(st)).c_str());
        check(st != xmpp::CsiStatus::invalid_state, "set_active/inactive refused outside a hook");
        if (st != xmpp::CsiStatus::would_block) {
          check(session_.client_state() ==
                    (inactive ? xmpp::ClientState::inactive : xmpp::ClientState::active),
                "client_state() is not the state chosen");
        }
        if (st == xmpp::CsiStatus::sent || st == xmpp::CsiStatus::unchanged) {
          check(config_.csi_feature, "CSI sent to a server that does not offer it");
        }
        break;
      }
      case op_roster: {
        const bool with_callback = in.byte() & 1;
        auto request = std::make_shared<AppRequest>();
        const xmpp::IqSendResult sent =
            session_.request_roster(with_callback ? track(request) : xmpp::IqCallback{});
        trace("  request_roster -> %s", std::string(xmpp::to_string(sent.status)).c_str());
        if (sent.status == xmpp::IqSendStatus::ok && with_callback) {
          request->id = sent.id;
          request->accepted = true;
          live_[sent.id] = request;
          app_requests_.push_back(request);
        }
        break;
      }
      case op_subscription: {
        static constexpr std::string_view kContacts[] = {"bob@example.com", "bob@example.com/x",
                                                         "carol@example.org", "alice@example.com"};
        const std::uint8_t b = in.byte();
        const Jid contact = *Jid::parse(kContacts[(b >> 2) & 3]);
        const xmpp::SendStatus st = (b & 3) == 0   ? session_.approve_subscription(contact)
                                    : (b & 3) == 1 ? session_.deny_subscription(contact)
                                    : (b & 3) == 2 ? session_.subscribe(contact)
                                                   : session_.unsubscribe(contact);
        trace("  subscription command %d -> %d", b & 3, static_cast<int>(st));
        break;
      }
      case op_route_add:
        route_add(in);
        break;
      case op_route_remove: {
        const std::uint8_t b = in.byte();
        if (b == 0xFF) {
          session_.router().clear();
          routes_.clear();
          check(session_.router().size() == 0, "Router::clear() left routes");
          break;
        }
        if (routes_.empty()) {
          check(!session_.router().remove(b + 1000), "Router::remove() of an unknown id");
          break;
        }
        const std::size_t at = b % routes_.size();
        check(session_.router().remove(routes_[at]), "Router::remove() of a route added");
        check(!session_.router().remove(routes_[at]), "Router::remove() twice");
        routes_.erase(routes_.begin() + static_cast<std::ptrdiff_t>(at));
        check(session_.router().size() == routes_.size(), "Router::size() after remove()");
        break;
      }
      case op_close: {
        const SessionState before = session_.state();
        const CommandStatus st = session_.close(now_);
        trace("  close -> %s", std::string(xmpp::to_string(st)).c_str());
        if (before == SessionState::idle || before == SessionState::stopped) {
          check(st == CommandStatus::invalid_state, "close() accepted when idle or stopped");
        }
        break;
      }
      case op_start: {
        const SessionState before = session_.state();
        const CommandStatus st = session_.start(now_);
        trace("  start -> %s", std::string(xmpp::to_string(st)).c_str());
        const bool transport = before == SessionState::opening ||
                               before == SessionState::connected ||
                               before == SessionState::disconnecting;
        check((st == CommandStatus::invalid_state) == transport,
              "start() refused exactly while a transport exists");
        check(st == CommandStatus::ok || st == CommandStatus::invalid_state,
              "start() of a valid configuration failed");
        break;
      }
      case op_server_mode:
        server_mode_ = in.byte() & 3;
        trace("  server mode %d", server_mode_);
        break;
      case op_server_end:
        server_end(in.byte());
        break;
      case op_server_ack:
        if (server_ && transport_) (void)server_->request_ack();
        break;
      case op_from_iq:
        server_iq(in, true);
        break;
      default:
        break;
    }
    after_op();
  }
}

void Rig::finish() {
  finishing_ = true;
  trace("finish (%s)", std::string(xmpp::to_string(session_.state())).c_str());
  server_mode_ = 0;
  for (int round = 0; round < 8 && session_.state() != SessionState::stopped; ++round) {
    const SessionState state = session_.state();
    if (state != SessionState::idle && state != SessionState::disconnecting) {
      (void)session_.close(now_);
    }
    settle();
    if (session_.state() == SessionState::stopped) break;
    // The closing handshake may wait for the server: let the close timeout run out.
    if (const auto deadline = session_.next_deadline()) now_ = std::max(now_, *deadline);
    sessions_.handle_timeout(now_);
    settle();
  }
  check(session_.state() == SessionState::stopped, "the Session did not stop after close()");
  check(depth_ == 0, "a hook is still running at the end");
  check(session_.pending_iqs() == 0, "pending_iqs() is not 0 once closed and stopped");
  check(live_.empty(), "an accepted request's callback was never called");
  for (const auto& r : app_requests_) {
    check(r->calls == (r->accepted ? 1 : 0), "a callback was not called exactly once", r->id);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input in(std::string_view(reinterpret_cast<const char*>(data), size));
  const Config config = read_config(in);
  Rig rig(config);
  rig.begin();
  rig.run(in);
  rig.finish();
  return 0;
}
