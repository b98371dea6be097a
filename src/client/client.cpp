// xmpp::Client's public methods: API-misuse checks (which change nothing), then the step.
#include <array>

#include "client/client_impl.hpp"
#include "core/hex.hpp"
#include "stream/features.hpp"

namespace xmpp {
namespace {

constexpr std::array<std::string_view, 13> kPhaseNames = {
    "idle",        "awaiting_tls",   "awaiting_stream", "awaiting_features", "starttls_requested",
    "tls_handoff", "authenticating", "resuming",        "binding",           "establishing_session",
    "online",      "closing",        "closed",
};

}  // namespace

std::string_view to_string(ClientPhase phase) noexcept {
  const auto i = static_cast<std::size_t>(phase);
  return i < kPhaseNames.size() ? kPhaseNames[i] : "unknown";
}

// ---------------------------------------------------------------------------------------------
// Impl helpers

Client::Impl::Impl(ClientConfig cfg)
    : config(std::move(cfg)),
      core(stream::StreamKind::client, config.limits),
      sm(sm::QueueLimits::of(config.stream_management)) {
  core.set_handler(this);
}

bool is_stanza(xml::Element element) noexcept {
  return classify(element) == ClientInput::stanza;
}

ClientPhase Client::Impl::current_phase() const noexcept {
  return core.closed() ? ClientPhase::closed : phase;
}

bool Client::Impl::open_stream() {
  stream::OutgoingHeader header;
  header.kind = stream::StreamKind::client;
  header.to = config.jid.domain();
  // RFC 6120 §4.7.1: the account's bare JID once TLS protects the stream (never in the clear,
  // where it would reveal who connects).
  if (secure && config.jid.has_local()) header.from = config.jid.bare_str();
  header.lang = config.lang;
  if (!core.write_header(header)) {
    core.finish(CloseReason::output_overflow, "the stream header did not fit the output buffer");
    return false;
  }
  enter(ClientPhase::awaiting_stream);
  return true;
}

// The timer table's negotiation slot follows the phase: each step gets its own time limit.
void Client::Impl::enter(ClientPhase next) {
  const ClientPhase previous = phase;
  phase = next;
  if (next == previous) return;
  const NegotiationTimeouts& t = config.timeouts;
  std::optional<Duration> limit;
  switch (next) {
    case ClientPhase::awaiting_stream:
      limit = t.stream_open;
      break;
    case ClientPhase::awaiting_tls:
    case ClientPhase::starttls_requested:
    case ClientPhase::tls_handoff:
      limit = t.tls_handshake;
      break;
    case ClientPhase::authenticating:
      limit = t.authentication;
      break;
    case ClientPhase::binding:
    case ClientPhase::establishing_session:
    case ClientPhase::resuming:
      limit = t.bind;
      break;
    case ClientPhase::awaiting_features:
      return;  // the header and the features share the stream_open limit
    case ClientPhase::idle:
    case ClientPhase::online:
    case ClientPhase::closing:
    case ClientPhase::closed:
      break;
  }
  if (limit) {
    core.timers().set(stream::Timer::negotiation, now + *limit);
  } else {
    core.timers().clear(stream::Timer::negotiation);
  }
}

bool Client::Impl::write(xml::Element element) {
  if (core.write_element(element)) return true;
  core.finish(CloseReason::output_overflow, "a negotiation element did not fit the output buffer");
  return false;
}

std::string Client::Impl::next_request_id() {
  std::array<std::uint8_t, 6> bytes{};
  config.entropy(bytes);
  return hex_lower(bytes);
}

// ---------------------------------------------------------------------------------------------
// Public API

Client::Client(ClientConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}
Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

ReceiveResult Client::receive(std::string_view bytes, TimePoint now) {
  Impl& s = *impl_;
  switch (s.current_phase()) {
    case ClientPhase::idle:
    case ClientPhase::awaiting_tls:
    case ClientPhase::tls_handoff:
    case ClientPhase::closed:
      return {0, ReceiveStatus::invalid_state};
    default:
      break;
  }
  s.now = now;
  if (!bytes.empty()) s.last_received_at = now;
  s.core.begin_input();
  return s.core.receive(bytes, s);
}

CommandStatus Client::receive_eof(TimePoint now) {
  Impl& s = *impl_;
  const ClientPhase phase = s.current_phase();
  if (phase == ClientPhase::idle || phase == ClientPhase::closed) {
    return CommandStatus::invalid_state;
  }
  s.now = now;
  s.core.begin_input();
  s.core.on_eof();
  return CommandStatus::ok;
}

void Client::handle_timeout(TimePoint now) {
  Impl& s = *impl_;
  s.now = now;
  s.core.begin_input();
  s.core.handle_timeout(now, s.config.keepalive_interval, to_string(s.phase));
}

CommandStatus Client::tls_established(const TlsInfo& info, TimePoint now) {
  Impl& s = *impl_;
  const ClientPhase phase = s.current_phase();
  if (phase != ClientPhase::tls_handoff && phase != ClientPhase::awaiting_tls) {
    return CommandStatus::invalid_state;
  }
  s.now = now;
  s.core.begin_input();
  s.on_tls_established(info);
  return CommandStatus::ok;
}

CommandStatus Client::connect(TimePoint now) {
  return connect(now, impl_->config.tls == TlsPolicy::direct ? TransportSecurity::direct_tls
                                                             : TransportSecurity::plain);
}

CommandStatus Client::connect(TimePoint now, TransportSecurity security) {
  Impl& s = *impl_;
  const ClientPhase phase = s.current_phase();
  if (phase != ClientPhase::idle && phase != ClientPhase::closed) {
    return CommandStatus::invalid_state;
  }
  if (validate(s.config) != ConfigError::ok) return CommandStatus::invalid_config;
  // TLS-first where TLS is disabled, or in the clear where the policy wants TLS from the first
  // byte: the adapter's target contradicts the configuration.
  if ((security == TransportSecurity::direct_tls && s.config.tls == TlsPolicy::disabled) ||
      (security == TransportSecurity::plain && s.config.tls == TlsPolicy::direct)) {
    return CommandStatus::invalid_config;
  }
  if (phase == ClientPhase::closed) s.reset_connection();
  s.now = now;
  s.last_received_at = now;
  // XEP-0368: with direct TLS nothing is sent before the handshake.
  if (security == TransportSecurity::direct_tls) {
    s.enter(ClientPhase::awaiting_tls);
  } else {
    s.open_stream();
  }
  return CommandStatus::ok;
}

SendStatus Client::send(xml::Element element, std::uint64_t tag) {
  Impl& s = *impl_;
  const bool stanza = element && is_stanza(element);
  if (s.current_phase() == ClientPhase::online) {
    // XEP-0198 §4: only stanzas are counted and kept; nonzas (CSI, ...) just go out.
    if (stanza && (s.sm_mode == SmMode::enabling || s.sm_mode == SmMode::active)) {
      return s.send_tracked(element, tag);
    }
    return s.core.send(element);
  }
  // A session waiting for resumption keeps accepting stanzas; they go out after <resumed/>.
  if (stanza && s.sm_mode == SmMode::parked) return s.send_tracked(element, tag);
  return SendStatus::not_online;
}

CommandStatus Client::close(TimePoint now) {
  Impl& s = *impl_;
  const ClientPhase phase = s.current_phase();
  if (phase == ClientPhase::idle || phase == ClientPhase::closing || phase == ClientPhase::closed) {
    return CommandStatus::invalid_state;
  }
  s.now = now;  // a command: Stanza elements polled before stay valid (no begin_input())
  if (!s.core.header_sent()) {
    // No stream is open in our direction (direct TLS before the handshake, or STARTTLS during
    // the hand-off): there is no closing handshake to wait for.
    s.core.finish(CloseReason::local_close, "closed before a stream was open");
    return CommandStatus::ok;
  }
  s.write_final_ack();
  if (s.core.closed()) return CommandStatus::ok;
  s.core.begin_close(now + s.config.timeouts.close);
  s.phase = ClientPhase::closing;
  return CommandStatus::ok;
}

CommandStatus Client::abandon_session() {
  Impl& s = *impl_;
  const ClientPhase phase = s.current_phase();
  if ((phase != ClientPhase::closed && phase != ClientPhase::idle) || s.sm_mode != SmMode::parked) {
    return CommandStatus::invalid_state;
  }
  s.end_stream_management("the application abandoned the session");
  return CommandStatus::ok;
}

CommandStatus Client::declare_link_dead(TimePoint now, std::string_view detail) {
  Impl& s = *impl_;
  const ClientPhase phase = s.current_phase();
  if (phase == ClientPhase::idle || phase == ClientPhase::closed) {
    return CommandStatus::invalid_state;
  }
  s.now = now;
  s.core.begin_input();
  s.core.push_event(event::LinkDead{std::chrono::duration_cast<Duration>(now - s.last_received_at),
                                    LinkDeadCause::ping_timeout});
  s.core.abandon(CloseReason::connection_lost, detail);
  return CommandStatus::ok;
}

std::string Client::save_stream_management(TimePoint now) const {
  const Impl& s = *impl_;
  if (s.to_resend.empty()) return s.sm.save(now);
  // After a failed resumption the stanzas to re-send with a delay stamp wait outside the queue
  // until <enable/>. Saved as the queue of a session that cannot be resumed, they are handed
  // back (Unconfirmed) by the restored engine instead of being lost.
  sm::StreamManagementState state = s.sm;
  for (const UnackedStanza& u : s.to_resend)
    state.record_sent(u.bytes, u.tag, u.id, u.queued_at);
  return state.save(now);
}

CommandStatus Client::restore_stream_management(std::string_view bytes, Duration downtime,
                                                TimePoint now, sm::RestoreError* error) {
  Impl& s = *impl_;
  if (s.current_phase() != ClientPhase::idle || s.sm_mode != SmMode::off) {
    if (error) *error = sm::RestoreError::ok;
    return CommandStatus::invalid_state;
  }
  const sm::RestoreContext context{now, downtime, sm::QueueLimits::of(s.config.stream_management)};
  auto restored = sm::StreamManagementState::restore(bytes, context, error);
  if (!restored) return CommandStatus::invalid_input;
  s.now = now;
  s.sm = std::move(*restored);
  // A state saved while connected lost its link when the process ended, at the latest.
  s.sm.on_link_lost(now - downtime);
  s.sm_mode = SmMode::parked;
  // Whether the saved queue had been written before the save is not recorded: assume it was.
  s.written_through = s.sm.outbound_count();
  if (!s.sm.can_resume(now)) {
    s.end_stream_management("the restored session can no longer be resumed");
  }
  return CommandStatus::ok;
}

std::string_view Client::output() const noexcept {
  return impl_->core.output();
}

CommandStatus Client::consume_output(std::size_t n) noexcept {
  return impl_->core.consume_output(n) ? CommandStatus::ok : CommandStatus::invalid_state;
}

std::optional<Event> Client::poll_event() {
  return impl_->core.poll_event();
}

std::optional<TimePoint> Client::next_deadline() const noexcept {
  return impl_->core.timers().next_deadline();
}

ClientPhase Client::phase() const noexcept {
  return impl_->current_phase();
}
bool Client::secure() const noexcept {
  return impl_->secure;
}
bool Client::authenticated() const noexcept {
  return impl_->authenticated;
}
const Jid* Client::bound_jid() const noexcept {
  return impl_->bound_jid ? &*impl_->bound_jid : nullptr;
}
std::string_view Client::stream_id() const noexcept {
  return impl_->core.server_header().id;
}
const StreamFeatures& Client::features() const noexcept {
  return impl_->features;
}
std::optional<sasl::Mechanism> Client::mechanism() const noexcept {
  return impl_->mechanism;
}
const ClientConfig& Client::config() const noexcept {
  return impl_->config;
}
const sm::StreamManagementState& Client::stream_management() const noexcept {
  return impl_->sm;
}
bool Client::resumption_pending() const noexcept {
  return impl_->sm_mode == SmMode::parked;
}

std::size_t Client::heap_bytes() const noexcept {
  const Impl& s = *impl_;
  // std::string keeps short strings inline; only longer ones own a heap buffer.
  const auto heap = [](const std::string& str) {
    return str.capacity() > std::string().capacity() ? str.capacity() + 1 : 0;
  };
  std::size_t bytes = sizeof(Impl) + s.core.heap_bytes();
  bytes += s.config.mechanisms.capacity() * sizeof(sasl::Mechanism);
  bytes += heap(s.config.resource) + heap(s.config.lang) + heap(s.config.credentials.username) +
           heap(s.config.credentials.password) + heap(s.pending_request_id);
  bytes += s.features.mechanisms.capacity() * sizeof(std::string);
  for (const auto& m : s.features.mechanisms)
    bytes += heap(m);
  bytes += heap(s.sm.id()) + heap(s.sm.location()) + heap(s.sm.bound_jid());
  for (const UnackedStanza& u : s.sm.unacked())
    bytes += sizeof(UnackedStanza) + heap(u.bytes) + heap(u.id);
  return bytes;
}

void Client::release_memory() noexcept {
  impl_->core.release_memory();
}

}  // namespace xmpp
