// The client against the test server engine in memory: every SASL mechanism and channel-binding
// path verified for real on the other side, and the server misbehaving in scripted ways.
#include <doctest/doctest.h>

#include "pair.hpp"
#include "xmpp/xml/arena.hpp"
#include "xmpp/xml/builder.hpp"

namespace xmpp::test {
namespace {

using sasl::Mechanism;
using testing::ServerStep;

ClientConfig pair_config() {
  auto config = test_config();
  config.mechanisms.assign(sasl::kDefaultPreference.begin(), sasl::kDefaultPreference.end());
  return config;
}

// Runs a pair to the end of its negotiation.
void negotiate(Pair& p) {
  p.start();
  p.run();
}

}  // namespace

TEST_CASE("pair: default SCRAM-SHA-256 over STARTTLS, verified by the server, then bound") {
  Pair p(pair_config(), test_server_config());
  negotiate(p);
  REQUIRE(p.find<event::Online>() != nullptr);
  CHECK(p.client.mechanism() == Mechanism::scram_sha_256);
  CHECK(p.server().mechanism() == Mechanism::scram_sha_256);
  CHECK(p.server().authenticated_user() == "alice");
  REQUIRE(p.server().bound_jid().has_value());
  CHECK(p.server().bound_jid()->str() == "alice@example.com/sansio");
  CHECK(p.client.bound_jid()->str() == "alice@example.com/sansio");
  CHECK(p.server().secure());
  const auto* authenticated = p.find<event::Authenticated>();
  REQUIRE(authenticated != nullptr);
  REQUIRE(authenticated->scram_keys.has_value());
  CHECK(authenticated->scram_keys->iterations == 4096);
  CHECK(authenticated->scram_keys->salt == "salt-of-the-test-server");
}

TEST_CASE("pair: stanzas both ways and a graceful close") {
  Pair p(pair_config(), test_server_config());
  negotiate(p);
  xml::Arena arena;
  xml::Builder msg(arena, "message", "jabber:client");
  msg.attribute("to", "bob@example.com").start("body").text("hi").end();
  REQUIRE(p.client.send(msg.root()) == SendStatus::ok);
  p.server().send_raw("<message from='bob@example.com/x'><body>yo</body></message>");
  p.run();
  REQUIRE(p.server().received_stanzas().size() == 1);
  CHECK(p.server().received_stanzas()[0].find("<body>hi</body>") != std::string::npos);
  REQUIRE(p.stanzas.size() == 1);
  CHECK(p.stanzas[0] ==
        "<message xmlns='jabber:client' from='bob@example.com/x'><body>yo</body></message>");
  REQUIRE(p.client.close(p.now) == CommandStatus::ok);
  p.run();
  CHECK(p.server().client_closed());
  CHECK(p.closed_reason() == CloseReason::local_close);
}

TEST_CASE("pair: every SCRAM hash, PLAIN, EXTERNAL and ANONYMOUS") {
  for (const Mechanism m : {Mechanism::scram_sha_512, Mechanism::scram_sha_256,
                            Mechanism::scram_sha_1, Mechanism::plain}) {
    CAPTURE(sasl::to_string(m));
    auto server = test_server_config();
    server.mechanisms = {m};
    Pair p(pair_config(), server);
    negotiate(p);
    CHECK(p.find<event::Online>() != nullptr);
    CHECK(p.server().mechanism() == m);
  }
  SUBCASE("EXTERNAL") {
    auto server = test_server_config();
    server.mechanisms = {Mechanism::external, Mechanism::plain};
    server.accept_external = true;
    auto client = pair_config();
    client.mechanisms = {Mechanism::external};
    client.credentials.password.clear();
    Pair p(client, server);
    negotiate(p);
    CHECK(p.find<event::Online>() != nullptr);
    CHECK(p.server().mechanism() == Mechanism::external);
  }
  SUBCASE("ANONYMOUS: the server picks the account") {
    auto server = test_server_config();
    server.mechanisms = {Mechanism::anonymous};
    auto client = pair_config();
    client.mechanisms = {Mechanism::anonymous};
    client.credentials.password.clear();
    Pair p(client, server);
    negotiate(p);
    REQUIRE(p.find<event::Online>() != nullptr);
    CHECK(p.client.bound_jid()->domain() == "example.com");
  }
}

TEST_CASE("pair: -PLUS with the server's XEP-0440 list on TLS 1.3 (tls-exporter)") {
  auto server = test_server_config();
  server.mechanisms = {Mechanism::scram_sha_512_plus, Mechanism::scram_sha_512};
  server.channel_binding_types = {{sasl::ChannelBindingType::tls_exporter}};
  Pair p(pair_config(), server);
  negotiate(p);
  REQUIRE(p.find<event::Online>() != nullptr);
  CHECK(p.server().mechanism() == Mechanism::scram_sha_512_plus);
}

TEST_CASE("pair: -PLUS with tls-unique on TLS 1.2 without a list (Prosody 0.12, ejabberd 23.01)") {
  auto server = test_server_config();
  server.mechanisms = {Mechanism::scram_sha_1, Mechanism::scram_sha_1_plus, Mechanism::plain};
  Pair p(pair_config(), server);
  p.client_tls.channel.version = sasl::TlsVersion::tls_1_2;
  p.client_tls.channel.tls_exporter.clear();
  p.client_tls.channel.tls_unique = std::string(12, '\x42');
  p.server_tls = p.client_tls.channel;
  negotiate(p);
  REQUIRE(p.find<event::Online>() != nullptr);
  CHECK(p.server().mechanism() == Mechanism::scram_sha_1_plus);
}

TEST_CASE("pair: a man in the middle (different TLS sessions on each side) fails -PLUS") {
  auto server = test_server_config();
  server.mechanisms = {Mechanism::scram_sha_256_plus, Mechanism::scram_sha_256};
  server.channel_binding_types = {{sasl::ChannelBindingType::tls_exporter}};
  Pair p(pair_config(), server);
  p.server_tls.tls_exporter = std::string(32, '\x01');  // the attacker's session with the server
  negotiate(p);
  CHECK(p.find<event::Online>() == nullptr);
  REQUIRE(p.find<event::AuthenticationFailed>() != nullptr);
  CHECK(p.find<event::AuthenticationFailed>()->server_condition ==
        sasl::FailureCondition::not_authorized);
  CHECK(p.closed_reason() == CloseReason::authentication_failed);
}

TEST_CASE("pair: a stripped -PLUS list is caught through gs2 flag y (RFC 5802 §6)") {
  auto server = test_server_config();
  server.mechanisms = {Mechanism::scram_sha_256_plus, Mechanism::scram_sha_256};
  // An attacker removes the -PLUS offer; the real server still supports channel binding.
  server.rewrite = [](ServerStep step, std::string& bytes) {
    if (step != ServerStep::features) return;
    const std::string plus = "<mechanism>SCRAM-SHA-256-PLUS</mechanism>";
    if (const auto at = bytes.find(plus); at != std::string::npos) bytes.erase(at, plus.size());
  };
  Pair p(pair_config(), server);
  negotiate(p);
  CHECK(p.find<event::Online>() == nullptr);
  CHECK(p.closed_reason() == CloseReason::authentication_failed);
  CHECK(p.server().sasl_failure_reason().find("channel") != std::string::npos);
}

TEST_CASE("pair: the server's signature is checked, in <success/> or in a challenge") {
  SUBCASE("v= in a challenge, then an empty success") {
    auto server = test_server_config();
    server.scram_final_in_challenge = true;
    Pair p(pair_config(), server);
    negotiate(p);
    CHECK(p.find<event::Online>() != nullptr);
  }
  SUBCASE("a forged v=") {
    auto server = test_server_config();
    server.rewrite = [](ServerStep step, std::string& bytes) {
      // v= of 32 zero bytes: a well-formed SHA-256 signature with the wrong value.
      if (step == ServerStep::sasl_success) {
        bytes =
            "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
            "dj1BQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBPQ==</success>";
      }
    };
    Pair p(pair_config(), server);
    negotiate(p);
    CHECK(p.find<event::Online>() == nullptr);
    REQUIRE(p.find<event::AuthenticationFailed>() != nullptr);
    CHECK(p.find<event::AuthenticationFailed>()->error ==
          sasl::Error::scram_server_signature_mismatch);
    CHECK(p.closed_reason() == CloseReason::authentication_failed);
    CHECK(p.client.authenticated() == false);
  }
  SUBCASE("no v= at all") {
    auto server = test_server_config();
    server.rewrite = [](ServerStep step, std::string& bytes) {
      if (step == ServerStep::sasl_success) {
        bytes = "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>";
      }
    };
    Pair p(pair_config(), server);
    negotiate(p);
    REQUIRE(p.find<event::AuthenticationFailed>() != nullptr);
    CHECK(p.find<event::AuthenticationFailed>()->error ==
          sasl::Error::scram_missing_server_signature);
  }
}

TEST_CASE("pair: SCRAM parameters the client refuses, with <abort/>") {
  SUBCASE("too few iterations") {
    auto server = test_server_config();
    server.scram_iterations = 1000;
    Pair p(pair_config(), server);
    negotiate(p);
    REQUIRE(p.find<event::AuthenticationFailed>() != nullptr);
    CHECK(p.find<event::AuthenticationFailed>()->error == sasl::Error::scram_iterations_too_low);
    CHECK(p.client_written.find("<abort xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>") !=
          std::string::npos);
  }
  SUBCASE("too many iterations (a cap on the work a server can demand)") {
    auto server = test_server_config();
    server.scram_iterations = 2'000'000;
    Pair p(pair_config(), server);
    negotiate(p);
    REQUIRE(p.find<event::AuthenticationFailed>() != nullptr);
    CHECK(p.find<event::AuthenticationFailed>()->error == sasl::Error::scram_iterations_too_high);
  }
}

TEST_CASE("pair: wrong password, SASLprep of a non-ASCII password") {
  SUBCASE("wrong") {
    auto client = pair_config();
    client.credentials.password = "wrong";
    Pair p(client, test_server_config());
    negotiate(p);
    REQUIRE(p.find<event::AuthenticationFailed>() != nullptr);
    CHECK(p.find<event::AuthenticationFailed>()->server_condition ==
          sasl::FailureCondition::not_authorized);
    CHECK(p.server().sasl_failures() == 1);  // no second attempt, no weaker mechanism
  }
  SUBCASE("a no-break space is a space after SASLprep (RFC 4013 §2.1)") {
    auto server = test_server_config();
    server.users = {{"alice", "open sesame"}};
    auto client = pair_config();
    client.credentials.password = "open\xC2\xA0sesame";
    Pair p(client, server);
    negotiate(p);
    CHECK(p.find<event::Online>() != nullptr);
  }
}

TEST_CASE("pair: ejabberd-like split writes, legacy session, server-assigned resource") {
  auto server = test_server_config();
  server.split_header_and_features = true;
  server.session = testing::SessionOffer::required;
  server.assigned_resource = "srv-7";
  Pair p(pair_config(), server);
  negotiate(p);
  REQUIRE(p.find<event::Online>() != nullptr);
  CHECK(p.server().session_established());
  CHECK(p.client.bound_jid()->resource() == "srv-7");
}

TEST_CASE("pair: direct TLS (XEP-0368)") {
  auto server = test_server_config();
  server.direct_tls = true;
  server.starttls = testing::StartTlsOffer::none;
  auto client = pair_config();
  client.tls = TlsPolicy::direct;
  Pair p(client, server);
  negotiate(p);
  CHECK(p.find<event::Online>() != nullptr);
}

TEST_CASE("pair: a server that stops answering is timed out under the virtual clock") {
  auto server = test_server_config();
  server.rewrite = [](ServerStep step, std::string& bytes) {
    if (step == ServerStep::bind_result) bytes.clear();  // the write is not made
  };
  Pair p(pair_config(), server);
  negotiate(p);
  CHECK(p.client.phase() == ClientPhase::binding);
  const TimePoint before = p.now;
  REQUIRE(p.advance_to_deadline());
  CHECK(p.now - before == p.client.config().timeouts.bind);
  CHECK(p.closed_reason() == CloseReason::timeout);
}

TEST_CASE("pair: TLS refused by the server") {
  auto server = test_server_config();
  server.refuse_starttls = true;
  Pair p(pair_config(), server);
  negotiate(p);
  CHECK(p.closed_reason() == CloseReason::tls_failed);
  CHECK(p.client_written.find("<auth") == std::string::npos);
}

}  // namespace xmpp::test
