// Scripting a misbehaving server: the rewrite hook sees every write the server makes on its
// own, may change or drop it, and the server's state is not affected.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "sasl/base64.hpp"
#include "server/server.hpp"
#include "server_test_util.hpp"

using namespace xmpp::test;
namespace sasl = xmpp::sasl;

namespace {

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("the hook sees each step of a whole negotiation, in order, with its bytes") {
  std::vector<ServerStep> steps;
  std::string proceed;
  ServerConfig config;
  config.session = xmpp::testing::SessionOffer::required;
  config.rewrite = [&](ServerStep step, std::string& bytes) {
    steps.push_back(step);
    if (step == ServerStep::proceed) proceed = bytes;
  };
  Server server(config);
  negotiate_online(server);
  feed(server, "<iq type='set' id='s'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>");
  server.close();
  server.send_raw("not seen by the hook");
  CHECK(proceed == kProceed);
  CHECK(steps ==
        std::vector<ServerStep>{ServerStep::header, ServerStep::features, ServerStep::proceed,
                                ServerStep::header, ServerStep::features, ServerStep::sasl_success,
                                ServerStep::header, ServerStep::features, ServerStep::bind_result,
                                ServerStep::session_result, ServerStep::close});
  CHECK(to_string(ServerStep::session_result) == "session_result");
  CHECK(to_string(ServerPhase::awaiting_bind) == "awaiting_bind");
}

TEST_CASE("STARTTLS offered again after TLS: the bytes change, the server's state does not") {
  ServerConfig config;
  config.rewrite = [](ServerStep step, std::string& bytes) {
    if (step == ServerStep::features && bytes.find("<mechanisms") != std::string::npos) {
      replace_all(bytes, "<stream:features>",
                  "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    }
  };
  Server server(config);
  const std::string features = to_secure_features(server);
  CHECK(features.starts_with("<stream:features><starttls "));
  CHECK(server.phase() == ServerPhase::awaiting_auth);
  // The server did not really offer it: a client taking the bait breaks the protocol.
  server.receive(kStartTls);
  CHECK(server.error_sent() == xmpp::StreamErrorCondition::unsupported_stanza_type);
}

TEST_CASE("no bind feature, a bound JID of another domain") {
  ServerConfig config;
  config.rewrite = [](ServerStep step, std::string& bytes) {
    if (step == ServerStep::features) {
      replace_all(bytes, "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>", "");
    }
    if (step == ServerStep::bind_result) replace_all(bytes, "@example.com/", "@evil.example/");
  };
  Server server(config);
  to_secure_features(server);
  feed(server,
       "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' "
       "mechanism='PLAIN'>AGFsaWNlAHMzY3JldA==</auth>");
  CHECK(feed(server, kHeader).ends_with("<stream:features></stream:features>"));
  CHECK(feed(server, bind_request("b1", "phone")).find("<jid>alice@evil.example/phone</jid>") !=
        std::string::npos);
  CHECK(server.bound_jid()->str() == "alice@example.com/phone");
}

TEST_CASE("a corrupted v= is caught by the client") {
  ServerConfig config;
  config.rewrite = [](ServerStep step, std::string& bytes) {
    if (step != ServerStep::sasl_success) return;
    bytes = "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" +
            sasl::base64_encode("v=" + sasl::base64_encode(std::string(32, 'x'))) + "</success>";
  };
  Server server(config);
  to_secure_features(server);
  SaslClient client(selection_of(sasl::Mechanism::scram_sha_256), nullptr);
  const std::string challenge = feed(server, client.auth());
  const std::string success = feed(server, client.respond(challenge));
  CHECK(client.success(success) == sasl::Error::scram_server_signature_mismatch);
  CHECK(server.authenticated_user() == "alice");  // the server believes it succeeded
}

TEST_CASE("a write rewritten to nothing is not made; raw bytes are sent as one write") {
  ServerConfig config;
  config.split_header_and_features = true;
  config.rewrite = [](ServerStep step, std::string& bytes) {
    if (step == ServerStep::header) bytes.clear();
  };
  Server server(config);
  server.receive(kHeader);
  const auto writes = server.take_writes();
  REQUIRE(writes.size() == 1);
  CHECK(writes[0].starts_with("<stream:features>"));

  // A <proceed/> nobody asked for, and a stream error of the test's choosing.
  server.send_raw(std::string(kProceed));
  server.send_raw(
      "<stream:error><system-shutdown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
      "</stream:error></stream:stream>");
  CHECK(server.take_writes().size() == 2);
  CHECK(server.phase() == ServerPhase::awaiting_starttls);
}
