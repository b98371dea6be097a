// xmpp::Session's construction, bytes in and out, sends, hooks and getters. Misuse checks come
// first and change nothing.
#include <algorithm>
#include <utility>

#include "session/session_impl.hpp"

namespace xmpp {
namespace {

// ApplicationConfig::keepalive: the ping replaces the whitespace keepalive.
ClientConfig with_keepalive(ClientConfig client, const ApplicationConfig& app) {
  if (app.keepalive.interval > Duration::zero()) client.keepalive_interval = Duration::zero();
  return client;
}

ReconnectConfig with_entropy(ReconnectConfig reconnect, const ClientConfig& client) {
  if (!reconnect.entropy) reconnect.entropy = client.entropy;
  return reconnect;
}

}  // namespace

Session::Impl::Impl(SessionConfig config, SessionHooks session_hooks)
    : client(with_keepalive(config.client, config.app)),
      policy(with_entropy(config.reconnect, config.client)),
      hooks(std::move(session_hooks)),
      config_error(validate(config)),
      account_jid(config.client.jid.bare()),
      server(std::move(config.server)),
      follow_sm_location(config.follow_sm_location),
      iq_timeout(config.iq_timeout),
      max_pending_iqs(config.max_pending_iqs),
      app(std::move(config.app)) {}

void Session::Impl::log(TrafficDirection direction, std::string_view bytes) {
  if (bytes.empty() || !hooks.on_traffic) return;
  logging = true;
  try {
    hooks.on_traffic(direction, bytes);
  } catch (...) {
    logging = false;
    throw;
  }
  logging = false;
}

Session::Session(SessionConfig config, SessionHooks hooks)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(hooks))) {
  impl_->owner = this;
}
Session::~Session() = default;
Session::Session(Session&& other) noexcept : impl_(std::move(other.impl_)) {
  if (impl_) impl_->owner = this;
}
Session& Session::operator=(Session&& other) noexcept {
  impl_ = std::move(other.impl_);
  if (impl_) impl_->owner = this;
  return *this;
}

// ---------------------------------------------------------------------------------------------
// Inputs

ReceiveResult Session::receive(std::string_view bytes, TimePoint now) {
  Impl& s = *impl_;
  if (s.busy()) return {0, ReceiveStatus::invalid_state};
  if (s.state == SessionState::disconnecting) return {0, ReceiveStatus::closed};
  if (!s.transport_open()) return {0, ReceiveStatus::invalid_state};
  s.now = now;
  std::size_t consumed = 0;
  for (;;) {
    const ReceiveResult r = s.client.receive(bytes.substr(consumed), now);
    s.log(TrafficDirection::received, bytes.substr(consumed, r.consumed));
    if (r.consumed != 0) s.last_received = now;  // the keepalive's silence starts again
    consumed += r.consumed;
    s.pump();
    // drain_needed for the event queue is answered here (pump() drained it); one that made no
    // progress is the output buffer's: only the adapter can write it out.
    if (r.status != ReceiveStatus::drain_needed) return {consumed, r.status};
    if (consumed == bytes.size()) return {consumed, ReceiveStatus::all_consumed};
    if (r.consumed == 0) return {consumed, r.status};
    if (s.state != SessionState::connected) return {consumed, ReceiveStatus::closed};
  }
}

CommandStatus Session::tls_established(const TlsInfo& info, TimePoint now) {
  Impl& s = *impl_;
  if (s.busy() || s.state != SessionState::connected || s.transport_lost) {
    return CommandStatus::invalid_state;
  }
  const CommandStatus status = s.client.tls_established(info, now);
  if (status != CommandStatus::ok) return status;
  s.now = now;
  s.pump();
  return CommandStatus::ok;
}

// ---------------------------------------------------------------------------------------------
// Commands

SendStatus Session::send(xml::Element stanza, std::uint64_t tag) {
  Impl& s = *impl_;
  if (s.logging) return SendStatus::would_block;
  const SendStatus status = s.client.send(stanza, tag);
  s.pump();
  return status;
}

CommandStatus Session::set_hooks(SessionHooks hooks) {
  Impl& s = *impl_;
  if (s.busy()) return CommandStatus::invalid_state;
  s.hooks = std::move(hooks);
  return CommandStatus::ok;
}

CommandStatus Session::restore_stream_management(std::string_view bytes, Duration downtime,
                                                 TimePoint now, sm::RestoreError* error) {
  Impl& s = *impl_;
  if (s.busy() || s.state != SessionState::idle) {
    if (error) *error = sm::RestoreError::ok;
    return CommandStatus::invalid_state;
  }
  const CommandStatus status = s.client.restore_stream_management(bytes, downtime, now, error);
  if (status == CommandStatus::ok) s.now = now;
  s.pump();  // a state too old to resume hands its stanzas back at once
  return status;
}

// ---------------------------------------------------------------------------------------------
// Drains

std::string_view Session::output() const noexcept {
  return impl_->transport_open() ? impl_->client.output() : std::string_view{};
}

CommandStatus Session::consume_output(std::size_t n) {
  Impl& s = *impl_;
  if (s.logging) return CommandStatus::invalid_state;
  const std::string_view out = output();
  if (n > out.size()) return CommandStatus::invalid_state;
  if (n == 0) return CommandStatus::ok;
  s.log(TrafficDirection::sent, out.substr(0, n));
  return s.client.consume_output(n);
}

std::optional<TimePoint> Session::next_deadline() const noexcept {
  const Impl& s = *impl_;
  std::optional<TimePoint> earliest;
  const auto consider = [&](std::optional<TimePoint> t) {
    if (t && (!earliest || *t < *earliest)) earliest = t;
  };
  if (s.transport_open()) consider(s.client.next_deadline());
  if (s.state == SessionState::waiting) consider(s.policy.next_deadline());
  consider(s.iqs.next_deadline());
  consider(s.next_ping());
  return earliest;
}

// ---------------------------------------------------------------------------------------------
// Getters

SessionState Session::state() const noexcept {
  return impl_->state;
}
const Client& Session::client() const noexcept {
  return impl_->client;
}
const ReconnectPolicy& Session::reconnect_policy() const noexcept {
  return impl_->policy;
}
const ConnectTarget* Session::target() const noexcept {
  return impl_->target ? &*impl_->target : nullptr;
}
TimePoint Session::now() const noexcept {
  return impl_->now;
}
std::size_t Session::pending_iqs() const noexcept {
  return impl_->iqs.size() + impl_->iq_notes;
}
const StreamError* Session::last_stream_error() const noexcept {
  return impl_->stream_error ? &*impl_->stream_error : nullptr;
}
const event::AuthenticationFailed* Session::last_authentication_failure() const noexcept {
  return impl_->auth_failure ? &*impl_->auth_failure : nullptr;
}
bool Session::dispatching() const noexcept {
  return impl_->pumping;
}

void Session::release_memory() noexcept {
  if (impl_->pumping || !impl_->notes.empty()) return;
  impl_->client.release_memory();
}

}  // namespace xmpp
