// xmpp::Component's public methods: API-misuse checks (which change nothing), then the step.
#include <array>
#include <string>

#include "component/component_impl.hpp"
#include "crypto/crypto.hpp"
#include "stream/stream_header.hpp"

namespace xmpp {
namespace {

constexpr std::array<std::string_view, 6> kPhaseNames = {
    "idle", "awaiting_stream", "handshaking", "online", "closing", "closed",
};

}  // namespace

std::string_view to_string(ComponentPhase phase) noexcept {
  const auto i = static_cast<std::size_t>(phase);
  return i < kPhaseNames.size() ? kPhaseNames[i] : "unknown";
}

// ---------------------------------------------------------------------------------------------
// Impl helpers

Component::Impl::Impl(ComponentConfig cfg)
    : config(std::move(cfg)), core(stream::StreamKind::component, config.limits) {}

Component::Impl::~Impl() {
  crypto::cleanse(config.secret);
}

ComponentPhase Component::Impl::current_phase() const noexcept {
  return core.closed() ? ComponentPhase::closed : phase;
}

bool Component::Impl::open_stream() {
  // XEP-0114 §3: jabber:component:accept, `to` = the component's domain, no version.
  stream::OutgoingHeader header;
  header.kind = stream::StreamKind::component;
  header.to = config.domain.domain();
  header.lang = config.lang;
  if (!core.write_header(header)) {
    core.finish(CloseReason::output_overflow, "the stream header did not fit the output buffer");
    return false;
  }
  enter(ComponentPhase::awaiting_stream);
  return true;
}

// The timer table's negotiation slot follows the phase: each step gets its own time limit.
void Component::Impl::enter(ComponentPhase next) {
  phase = next;
  switch (next) {
    case ComponentPhase::awaiting_stream:
      core.timers().set(stream::Timer::negotiation, now + config.timeouts.stream_open);
      break;
    case ComponentPhase::handshaking:
      core.timers().set(stream::Timer::negotiation, now + config.timeouts.handshake);
      break;
    case ComponentPhase::idle:
    case ComponentPhase::online:
    case ComponentPhase::closing:
    case ComponentPhase::closed:
      core.timers().clear(stream::Timer::negotiation);
      break;
  }
}

bool Component::Impl::write(xml::Element element) {
  if (core.write_element(element)) return true;
  core.finish(CloseReason::output_overflow, "a handshake element did not fit the output buffer");
  return false;
}

// ---------------------------------------------------------------------------------------------
// Public API

Component::Component(ComponentConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}
Component::~Component() = default;
Component::Component(Component&&) noexcept = default;
Component& Component::operator=(Component&&) noexcept = default;

ReceiveResult Component::receive(std::string_view bytes, TimePoint now) {
  Impl& s = *impl_;
  const ComponentPhase phase = s.current_phase();
  if (phase == ComponentPhase::idle || phase == ComponentPhase::closed) {
    return {0, ReceiveStatus::invalid_state};
  }
  s.now = now;
  s.core.begin_input();
  return s.core.receive(bytes, s);
}

CommandStatus Component::receive_eof(TimePoint now) {
  Impl& s = *impl_;
  const ComponentPhase phase = s.current_phase();
  if (phase == ComponentPhase::idle || phase == ComponentPhase::closed) {
    return CommandStatus::invalid_state;
  }
  s.now = now;
  s.core.begin_input();
  s.core.on_eof();
  return CommandStatus::ok;
}

void Component::handle_timeout(TimePoint now) {
  Impl& s = *impl_;
  s.now = now;
  s.core.begin_input();
  s.core.handle_timeout(now, s.config.keepalive_interval, to_string(s.phase));
}

CommandStatus Component::connect(TimePoint now) {
  Impl& s = *impl_;
  if (s.current_phase() != ComponentPhase::idle) return CommandStatus::invalid_state;
  if (validate(s.config) != ComponentConfigError::ok) return CommandStatus::invalid_config;
  s.now = now;
  s.open_stream();
  return CommandStatus::ok;
}

SendStatus Component::send(xml::Element element) {
  Impl& s = *impl_;
  if (s.current_phase() != ComponentPhase::online) return SendStatus::not_online;
  return s.core.send(element);
}

CommandStatus Component::close(TimePoint now) {
  Impl& s = *impl_;
  const ComponentPhase phase = s.current_phase();
  if (phase == ComponentPhase::idle || phase == ComponentPhase::closing ||
      phase == ComponentPhase::closed) {
    return CommandStatus::invalid_state;
  }
  s.now = now;
  s.core.begin_input();
  // Every other phase has our header out (connect() writes it at once), so there is always a
  // closing handshake to wait for.
  s.core.begin_close(now + s.config.timeouts.close);
  s.phase = ComponentPhase::closing;
  return CommandStatus::ok;
}

std::string_view Component::output() const noexcept {
  return impl_->core.output();
}

CommandStatus Component::consume_output(std::size_t n) noexcept {
  return impl_->core.consume_output(n) ? CommandStatus::ok : CommandStatus::invalid_state;
}

std::optional<Event> Component::poll_event() {
  return impl_->core.poll_event();
}

std::optional<TimePoint> Component::next_deadline() const noexcept {
  return impl_->core.timers().next_deadline();
}

ComponentPhase Component::phase() const noexcept {
  return impl_->current_phase();
}
std::string_view Component::stream_id() const noexcept {
  return impl_->core.server_header().id;
}
const ComponentConfig& Component::config() const noexcept {
  return impl_->config;
}

std::size_t Component::heap_bytes() const noexcept {
  const Impl& s = *impl_;
  // std::string keeps short strings inline; only longer ones own a heap buffer.
  const auto heap = [](const std::string& str) {
    return str.capacity() > std::string().capacity() ? str.capacity() + 1 : 0;
  };
  return sizeof(Impl) + s.core.heap_bytes() + heap(s.config.secret) + heap(s.config.lang);
}

void Component::release_memory() noexcept {
  impl_->core.release_memory();
}

}  // namespace xmpp
