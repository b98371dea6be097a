#include "server_test_util.hpp"

#include <doctest/doctest.h>

#include "sasl/base64.hpp"

namespace xmpp::test {
namespace {

std::optional<std::string> decoded(std::string_view element) {
  std::optional<std::string> data;
  REQUIRE(sasl::decode_sasl_data(element_text(element), data) == sasl::Base64Error::ok);
  return data;
}

}  // namespace

sasl::TlsChannel test_channel() {
  sasl::TlsChannel channel;
  channel.version = sasl::TlsVersion::tls_1_3;
  channel.tls_exporter = std::string(32, '\x5a');
  channel.tls_server_end_point = std::string(32, '\x3c');
  channel.tls_unique = "finished-message";
  return channel;
}

std::string joined(const std::vector<std::string>& writes) {
  std::string out;
  for (const auto& w : writes)
    out += w;
  return out;
}

std::string feed(testing::Server& server, std::string_view bytes) {
  CHECK(server.receive(bytes) == bytes.size());
  return joined(server.take_writes());
}

std::string to_secure_features(testing::Server& server, const sasl::TlsChannel& channel) {
  REQUIRE(feed(server, kHeader).find("<starttls") != std::string::npos);
  REQUIRE(feed(server, kStartTls) == kProceed);
  REQUIRE(server.phase() == testing::ServerPhase::tls_handoff);
  REQUIRE(server.tls_established(channel));
  const std::string opened = feed(server, kHeader);
  const std::size_t features = opened.find("<stream:features>");
  REQUIRE(features != std::string::npos);
  return opened.substr(features);
}

std::string element_text(std::string_view element) {
  if (element.ends_with("/>")) return {};
  const std::size_t start = element.find('>');
  const std::size_t end = element.rfind("</");
  REQUIRE(start != std::string_view::npos);
  REQUIRE(end != std::string_view::npos);
  REQUIRE(start < end);
  return std::string(element.substr(start + 1, end - start - 1));
}

SaslClient::SaslClient(sasl::Selection selection, const sasl::TlsChannel* channel,
                       std::string_view password, std::string_view username)
    : authenticator_(selection, channel) {
  credentials_.username = username;
  credentials_.password = password;
}

std::string SaslClient::auth() {
  std::optional<std::string> initial;
  REQUIRE(authenticator_.start(credentials_, testing::counting_entropy(100), initial) ==
          sasl::Error::ok);
  return "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='" +
         std::string(sasl::to_string(authenticator_.mechanism())) + "'>" +
         sasl::encode_initial_response(initial) + "</auth>";
}

std::string SaslClient::respond(std::string_view challenge) {
  REQUIRE(challenge.starts_with("<challenge"));
  std::string response;
  REQUIRE(authenticator_.challenge(decoded(challenge).value_or(""), response) == sasl::Error::ok);
  return "<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" + sasl::encode_response(response) +
         "</response>";
}

sasl::Error SaslClient::success(std::string_view success) {
  REQUIRE(success.starts_with("<success"));
  const auto data = decoded(success);
  return authenticator_.success(data ? std::optional<std::string_view>(*data) : std::nullopt);
}

sasl::Selection selection_of(sasl::Mechanism mechanism,
                             std::optional<sasl::ChannelBindingType> binding, sasl::Gs2Flag flag) {
  sasl::Selection s;
  s.mechanism = mechanism;
  s.channel_binding = binding;
  s.gs2_flag = binding ? sasl::Gs2Flag::p : flag;
  return s;
}

std::string bind_request(std::string_view id, std::string_view resource) {
  std::string out =
      "<iq type='set' id='" + std::string(id) + "'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>";
  if (!resource.empty()) out += "<resource>" + std::string(resource) + "</resource>";
  return out + "</bind></iq>";
}

void negotiate_online(testing::Server& server, std::string_view resource) {
  to_secure_features(server);
  const std::string success = feed(server,
                                   "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' "
                                   "mechanism='PLAIN'>AGFsaWNlAHMzY3JldA==</auth>");
  REQUIRE(success == "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
  REQUIRE(feed(server, kHeader).find("<bind ") != std::string::npos);
  REQUIRE(feed(server, bind_request("b1", resource)).find("<jid>") != std::string::npos);
  REQUIRE(server.phase() == testing::ServerPhase::online);
}

std::string authenticate(testing::Server& server, std::string_view user,
                         std::string_view password) {
  to_secure_features(server);
  const std::string initial =
      std::string(1, '\0') + std::string(user) + '\0' + std::string(password);
  const std::string success = feed(server,
                                   "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' "
                                   "mechanism='PLAIN'>" +
                                       sasl::base64_encode(initial) + "</auth>");
  REQUIRE(success == "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
  const std::string opened = feed(server, kHeader);
  const std::size_t features = opened.find("<stream:features>");
  REQUIRE(features != std::string::npos);
  REQUIRE(server.phase() == testing::ServerPhase::awaiting_bind);
  return opened.substr(features);
}

std::string sm_ack(std::string_view h) {
  return "<a xmlns='urn:xmpp:sm:3' h='" + std::string(h) + "'/>";
}

std::string sm_resume(std::string_view previd, std::string_view h) {
  return "<resume xmlns='urn:xmpp:sm:3' previd='" + std::string(previd) + "' h='" + std::string(h) +
         "'/>";
}

testing::ServerConfig sm_config() {
  testing::ServerConfig config;
  config.users = {{"alice", "s3cret"}, {"bob", "b0b"}};
  config.sm = true;
  return config;
}

}  // namespace xmpp::test
