#include "component_harness.hpp"

#include <doctest/doctest.h>

namespace xmpp::test {

ComponentConfig component_config() {
  ComponentConfig config(*Jid::parse("plays.shakespeare.lit"));
  config.secret = kTestSecret;
  config.keepalive_interval = Duration::zero();
  return config;
}

ComponentHarness::ComponentHarness(ComponentConfig config) : component(std::move(config)) {}

void ComponentHarness::drain() {
  for (std::string_view out = component.output(); !out.empty(); out = component.output()) {
    written.append(out);
    REQUIRE(component.consume_output(out.size()) == CommandStatus::ok);
  }
  while (auto event = component.poll_event())
    events.push_back(std::move(*event));
}

void ComponentHarness::connect() {
  REQUIRE(component.connect(now) == CommandStatus::ok);
  drain();
}

ReceiveResult ComponentHarness::feed(std::string_view bytes) {
  const ReceiveResult result = component.receive(bytes, now);
  drain();
  return result;
}

void ComponentHarness::advance(Duration d) {
  now += d;
  component.handle_timeout(now);
  drain();
}

std::string ComponentHarness::take_written() {
  std::string s = written.substr(taken_);
  taken_ = written.size();
  return s;
}

void ComponentHarness::handshake_to_online() {
  connect();
  REQUIRE(take_written() == kComponentStreamHeader);
  REQUIRE(feed(kServerComponentHeader).status == ReceiveStatus::all_consumed);
  REQUIRE(take_written() == kHandshake);
  REQUIRE(feed(kHandshakeOk).status == ReceiveStatus::all_consumed);
  REQUIRE(component.phase() == ComponentPhase::online);
}

std::optional<CloseReason> ComponentHarness::closed_reason() const {
  if (const auto* closed = find<event::Closed>()) return closed->reason;
  return std::nullopt;
}

std::optional<StreamErrorCondition> ComponentHarness::error_sent() const {
  if (const auto* sent = find<event::StreamErrorSent>()) return sent->error.condition;
  return std::nullopt;
}

std::string cat(std::initializer_list<std::string_view> parts) {
  std::string s;
  for (const auto p : parts)
    s += p;
  return s;
}

}  // namespace xmpp::test
