#include "client_harness.hpp"

#include <doctest/doctest.h>

namespace xmpp::test {

sasl::Entropy sequence_entropy(std::uint8_t first) {
  return [next = first](std::span<std::uint8_t> out) mutable {
    for (auto& b : out)
      b = next++;
  };
}

ClientConfig test_config(TlsPolicy tls) {
  ClientConfig config(*Jid::parse("alice@example.com"));
  config.credentials.password = "s3cret";
  config.resource = "sansio";
  config.tls = tls;
  config.keepalive_interval = Duration::zero();
  config.entropy = sequence_entropy();
  return config;
}

TlsInfo test_tls_info() {
  TlsInfo info;
  info.peer_verified = true;
  info.channel.version = sasl::TlsVersion::tls_1_3;
  info.channel.tls_exporter = std::string(32, '\x5a');
  info.channel.tls_server_end_point = std::string(32, '\x3c');
  return info;
}

Harness::Harness(ClientConfig config) : client(std::move(config)) {}

void Harness::drain() {
  for (std::string_view out = client.output(); !out.empty(); out = client.output()) {
    written.append(out);
    REQUIRE(client.consume_output(out.size()) == CommandStatus::ok);
  }
  while (auto event = client.poll_event())
    events.push_back(std::move(*event));
}

void Harness::connect() {
  REQUIRE(client.connect(now) == CommandStatus::ok);
  drain();
}

ReceiveResult Harness::feed(std::string_view bytes) {
  const ReceiveResult result = client.receive(bytes, now);
  drain();
  return result;
}

void Harness::tls() {
  REQUIRE(client.tls_established(test_tls_info(), now) == CommandStatus::ok);
  drain();
}

void Harness::advance(Duration d) {
  now += d;
  client.handle_timeout(now);
  drain();
}

std::string Harness::take_written() {
  std::string s = written.substr(taken_);
  taken_ = written.size();
  return s;
}

void Harness::negotiate_to_online() {
  connect();
  REQUIRE(take_written() == kClientHeaderClear);
  std::string server(kServerHeader);
  server += kStartTlsFeatures;
  REQUIRE(feed(server).status == ReceiveStatus::all_consumed);
  REQUIRE(take_written() == kStartTls);
  REQUIRE(feed(kProceed).status == ReceiveStatus::tls_handoff);
  tls();
  REQUIRE(take_written() == kClientHeaderTls);
  server = kServerHeader;
  server += kPlainFeatures;
  REQUIRE(feed(server).status == ReceiveStatus::all_consumed);
  REQUIRE(take_written() == kPlainAuth);
  server = kSuccess;
  server += kServerHeader;
  server += kBindFeatures;
  REQUIRE(feed(server).status == ReceiveStatus::all_consumed);
  REQUIRE(take_written() ==
          std::string(kClientHeaderTls) +
              "<iq type='set' id='000102030405'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
              "<resource>sansio</resource></bind></iq>");
  REQUIRE(feed(bind_result("000102030405", "alice@example.com/sansio")).status ==
          ReceiveStatus::all_consumed);
  REQUIRE(client.phase() == ClientPhase::online);
}

std::optional<CloseReason> Harness::closed_reason() const {
  if (const auto* closed = find<event::Closed>()) return closed->reason;
  return std::nullopt;
}

std::optional<StreamErrorCondition> Harness::error_sent() const {
  if (const auto* sent = find<event::StreamErrorSent>()) return sent->error.condition;
  return std::nullopt;
}

std::string bind_result(std::string_view id, std::string_view jid) {
  std::string s = "<iq type='result' id='";
  s += id;
  s += "'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>";
  s += jid;
  s += "</jid></bind></iq>";
  return s;
}

}  // namespace xmpp::test
