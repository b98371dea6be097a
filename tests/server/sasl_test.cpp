// The test server's SASL, verified for real against the library's client mechanisms: SCRAM
// with and without channel binding, v= in <success/> or in a challenge, PLAIN, EXTERNAL,
// ANONYMOUS, the failures, and the SCRAM server on the published RFC 7677 example.
#include <doctest/doctest.h>

#include <string>

#include "sasl/base64.hpp"
#include "server/scram_server.hpp"
#include "server/server.hpp"
#include "server_test_util.hpp"

using namespace xmpp::test;
namespace sasl = xmpp::sasl;
using sasl::Mechanism;

namespace {

constexpr std::string_view kNotAuthorized =
    "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>";

ServerConfig offering(std::vector<Mechanism> mechanisms) {
  ServerConfig config;
  config.mechanisms = std::move(mechanisms);
  return config;
}

// Runs a SCRAM exchange up to the server's answer to the client-final-message.
std::string scram_until_final(Server& server, SaslClient& client) {
  const std::string first = feed(server, client.auth());
  REQUIRE(server.phase() == ServerPhase::sasl);
  return feed(server, client.respond(first));
}

}  // namespace

TEST_CASE("STARTTLS, SCRAM-SHA-256 verified both ways, restart and bind") {
  Server server(offering({Mechanism::scram_sha_256}));
  to_secure_features(server);
  const auto channel = test_channel();
  SaslClient client(selection_of(Mechanism::scram_sha_256), &channel);
  const std::string success = scram_until_final(server, client);
  CHECK(success.starts_with("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"));
  // The client checks v=: the server proved it knows the password too.
  CHECK(client.success(success) == sasl::Error::ok);
  CHECK(server.authenticated_user() == "alice");
  CHECK(server.mechanism() == Mechanism::scram_sha_256);
  CHECK(server.phase() == ServerPhase::awaiting_header);
  CHECK(feed(server, kHeader).find("<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>") !=
        std::string::npos);
  feed(server, bind_request("b1", "phone"));
  CHECK(server.bound_jid()->str() == "alice@example.com/phone");
}

TEST_CASE("SCRAM-SHA-1 and SCRAM-SHA-512; the server nonce extends the client's") {
  for (const Mechanism m : {Mechanism::scram_sha_1, Mechanism::scram_sha_512}) {
    INFO(sasl::to_string(m));
    Server server(offering({m}));
    to_secure_features(server);
    SaslClient client(selection_of(m), nullptr);
    const std::string auth = client.auth();
    const std::string challenge = feed(server, auth);
    std::string server_first;
    REQUIRE(sasl::base64_decode(element_text(challenge), server_first) == sasl::Base64Error::ok);
    std::string client_first;
    REQUIRE(sasl::base64_decode(element_text(auth), client_first) == sasl::Base64Error::ok);
    const std::string client_nonce = client_first.substr(client_first.find(",r=") + 3);
    CHECK(server_first.starts_with("r=" + client_nonce));
    CHECK(server_first.size() > client_nonce.size() + 2);
    CHECK(
        server_first.ends_with(",s=" + sasl::base64_encode("salt-of-the-test-server") + ",i=4096"));
    CHECK(client.success(feed(server, client.respond(challenge))) == sasl::Error::ok);
    CHECK(server.mechanism() == m);
  }
}

TEST_CASE("wrong passwords and unknown users fail with not-authorized; a retry may succeed") {
  Server server({});
  to_secure_features(server);
  SaslClient wrong(selection_of(Mechanism::scram_sha_256), nullptr, "wrong");
  CHECK(scram_until_final(server, wrong) == kNotAuthorized);
  CHECK(server.sasl_failure_reason() == "e=invalid-proof");
  CHECK(server.phase() == ServerPhase::awaiting_auth);
  CHECK_FALSE(server.authenticated_user().has_value());

  SaslClient nobody(selection_of(Mechanism::scram_sha_1), nullptr, "s3cret", "mallory");
  CHECK(feed(server, nobody.auth()) == kNotAuthorized);
  CHECK(server.sasl_failure_reason() == "e=unknown-user");

  SaslClient plain_wrong(selection_of(Mechanism::plain), nullptr, "s3cre");
  CHECK(feed(server, plain_wrong.auth()) == kNotAuthorized);
  CHECK(server.sasl_failures() == 3);

  SaslClient right(selection_of(Mechanism::plain), nullptr);
  CHECK(feed(server, right.auth()) == "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
  CHECK(server.authenticated_user() == "alice");
  CHECK(server.mechanism() == Mechanism::plain);
}

TEST_CASE("PLAIN: SASLprep, the authzid, and no initial response") {
  ServerConfig config;
  config.users = {{"IX", "I\xC2\xADX"}};  // RFC 4013 §3: SOFT HYPHEN is mapped to nothing
  Server server(config);
  to_secure_features(server);
  SaslClient prepared(selection_of(Mechanism::plain), nullptr, "IX", "I\xC2\xADX");
  CHECK(feed(server, prepared.auth()) == "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
  CHECK(server.authenticated_user() == "IX");

  // RFC 6120 §6.3.8: an account may act only as itself.
  Server other({});
  to_secure_features(other);
  const std::string as_bob = sasl::base64_encode(std::string("bob@example.com\0alice\0s3cret", 28));
  CHECK(feed(other, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + as_bob +
                        "</auth>") ==
        "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><invalid-authzid/></failure>");
  const std::string as_self =
      sasl::base64_encode(std::string("alice@example.com\0alice\0s3cret", 30));
  // RFC 6120 §6.4.2: no initial response gets an empty challenge; the response carries it.
  CHECK(feed(other, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'/>") ==
        "<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
  CHECK(feed(other, "<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" + as_self +
                        "</response>") == "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
}

TEST_CASE("-PLUS: matching channel-binding data succeeds, other data fails") {
  ServerConfig config = offering({Mechanism::scram_sha_256_plus, Mechanism::scram_sha_256});
  config.channel_binding_types = std::vector{sasl::ChannelBindingType::tls_exporter};
  const auto channel = test_channel();
  for (const bool same : {true, false}) {
    INFO(same);
    Server server(config);
    sasl::TlsChannel server_view = channel;
    if (!same) server_view.tls_exporter = std::string(32, '\x01');  // a man in the middle
    to_secure_features(server, server_view);
    SaslClient client(
        selection_of(Mechanism::scram_sha_256_plus, sasl::ChannelBindingType::tls_exporter),
        &channel);
    const std::string answer = scram_until_final(server, client);
    if (same) {
      CHECK(client.success(answer) == sasl::Error::ok);
      CHECK(server.mechanism() == Mechanism::scram_sha_256_plus);
    } else {
      CHECK(answer == kNotAuthorized);
      CHECK(server.sasl_failure_reason() == "e=channel-bindings-dont-match");
    }
  }
}

TEST_CASE("-PLUS refusals: flag y while -PLUS is offered, a type not listed, no data") {
  ServerConfig config = offering({Mechanism::scram_sha_1_plus, Mechanism::scram_sha_1});
  config.channel_binding_types = std::vector{sasl::ChannelBindingType::tls_exporter};
  const auto channel = test_channel();
  const struct {
    sasl::Selection selection;
    std::string_view reason;
  } cases[] = {
      // RFC 5802 §6: "y" says the client saw no -PLUS; the server offered one: a downgrade.
      {selection_of(Mechanism::scram_sha_1, std::nullopt, sasl::Gs2Flag::y),
       "e=server-does-support-channel-binding"},
      {selection_of(Mechanism::scram_sha_1_plus, sasl::ChannelBindingType::tls_unique),
       "e=unsupported-channel-binding-type"},
  };
  for (const auto& c : cases) {
    INFO(c.reason);
    Server server(config);
    to_secure_features(server);
    SaslClient client(c.selection, &channel);
    CHECK(feed(server, client.auth()) == kNotAuthorized);
    CHECK(server.sasl_failure_reason() == c.reason);
  }
  // tls-unique is accepted without a XEP-0440 list, but only with data from the TLS layer.
  config.channel_binding_types.reset();
  Server no_data(config);
  sasl::TlsChannel empty = channel;
  empty.tls_unique.clear();
  to_secure_features(no_data, empty);
  SaslClient client(selection_of(Mechanism::scram_sha_1_plus, sasl::ChannelBindingType::tls_unique),
                    &channel);
  CHECK(feed(no_data, client.auth()) == kNotAuthorized);
  CHECK(no_data.sasl_failure_reason() == "e=channel-binding-not-supported");
}

TEST_CASE("v= in a <challenge/>, then an empty <success/> after the empty response") {
  ServerConfig config;
  config.scram_final_in_challenge = true;
  Server server(config);
  to_secure_features(server);
  SaslClient client(selection_of(Mechanism::scram_sha_256), nullptr);
  const std::string final_challenge = scram_until_final(server, client);
  CHECK(final_challenge.starts_with("<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>dj1"));
  CHECK(server.phase() == ServerPhase::sasl);
  const std::string ack = client.respond(final_challenge);
  CHECK(ack == "<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'></response>");
  const std::string success = feed(server, ack);
  CHECK(success == "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
  CHECK(client.success(success) == sasl::Error::ok);
  CHECK(server.authenticated_user() == "alice");
}

TEST_CASE("mechanism not offered, bad base64, <abort/>") {
  Server server(offering({Mechanism::plain}));
  to_secure_features(server);
  CHECK(feed(server, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'/>") ==
        "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><invalid-mechanism/></failure>");
  CHECK(
      feed(server, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>A B</auth>") ==
      "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><incorrect-encoding/></failure>");
  feed(server, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'/>");
  CHECK(server.phase() == ServerPhase::sasl);
  CHECK(feed(server, "<abort xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>") ==
        "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><aborted/></failure>");
  CHECK(server.phase() == ServerPhase::awaiting_auth);
  CHECK(server.sasl_failures() == 3);
}

TEST_CASE("EXTERNAL when configured, ANONYMOUS with a generated user") {
  ServerConfig config = offering({Mechanism::external, Mechanism::anonymous});
  Server refusing(config);
  to_secure_features(refusing);
  CHECK(feed(refusing,
             "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>=</auth>") ==
        kNotAuthorized);

  config.accept_external = true;
  config.external_user = "carol";
  Server external(config);
  to_secure_features(external);
  CHECK(feed(external,
             "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>=</auth>") ==
        "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
  CHECK(external.authenticated_user() == "carol");

  Server anonymous(config);
  to_secure_features(anonymous);
  CHECK(feed(anonymous,
             "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'>=</auth>") ==
        "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
  CHECK(anonymous.authenticated_user() == "anon-000102030405");
  feed(anonymous, kHeader);
  feed(anonymous, bind_request("b1", "r"));
  CHECK(anonymous.bound_jid()->str() == "anon-000102030405@example.com/r");
}

TEST_CASE("ScramServer gives the RFC 7677 §3 messages for the published client messages") {
  std::string salt;
  REQUIRE(sasl::base64_decode("W22ZaJ0SNY7soEsUEjb6gQ==", salt) == sasl::Base64Error::ok);
  xmpp::testing::ScramServer scram(xmpp::crypto::Hash::sha256, salt, 4096);
  const std::string nonce = "rOprNGfwEbeRWgbNEkqO";
  const std::string suffix = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
  const auto first = scram.first("n,,n=user,r=" + nonce, suffix);
  REQUIRE(first.ok);
  CHECK(first.message == "r=" + nonce + suffix + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
  CHECK(scram.username() == "user");
  CHECK(scram.gs2_flag() == 'n');
  const std::string proof = "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
  const auto final = scram.final("c=biws,r=" + nonce + suffix + "," + proof, "pencil", "");
  CHECK(final.ok);
  CHECK(final.message == "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
  // Only one client-final-message per exchange.
  CHECK(scram.final("c=biws,r=" + nonce + suffix + "," + proof, "pencil", "").message ==
        "e=other-error");
}

TEST_CASE("ScramServer refuses malformed messages with the RFC 5802 §7 server-error") {
  // Finals follow the first "n,a=al=3Dice,n=a=2Cb,r=a" and the suffix "xyz".
  const std::string c = "c=" + sasl::base64_encode("n,a=al=3Dice,");
  const struct {
    bool final;
    std::string message;
    std::string_view error;
  } cases[] = {
      {false, "", "e=invalid-encoding"},
      {false, "n,", "e=invalid-encoding"},
      {false, "x,,n=u,r=a", "e=invalid-encoding"},
      {false, "p=,,n=u,r=a", "e=invalid-encoding"},
      {false, "n,b=x,n=u,r=a", "e=invalid-encoding"},
      {false, "n,,m=ext,n=u,r=a", "e=extensions-not-supported"},
      {false, "n,,n=,r=a", "e=invalid-username-encoding"},
      {false, "n,,n=a=2X,r=a", "e=invalid-username-encoding"},
      {false, "n,,n=u", "e=invalid-encoding"},
      {false, "n,,n=u,r=a b", "e=invalid-encoding"},
      {true, "", "e=invalid-encoding"},
      {true, c, "e=invalid-encoding"},
      {true, "r=axyz," + c + ",p=AAAA", "e=invalid-encoding"},
      {true, c + ",r=axyz,p=***", "e=invalid-encoding"},
      {true, c + ",r=other,p=AAAA", "e=other-error"},
      {true, "c=biws,r=axyz,p=AAAA", "e=channel-bindings-dont-match"},
      {true, c + ",r=axyz,p=AAAA", "e=invalid-proof"},
      {true, c + ",r=axyz,p=" + sasl::base64_encode(std::string(20, '\0')), "e=invalid-proof"},
  };
  for (const auto& k : cases) {
    INFO(k.message);
    xmpp::testing::ScramServer scram(xmpp::crypto::Hash::sha1, "salt", 4096);
    xmpp::testing::ScramReply reply =
        scram.first(k.final ? "n,a=al=3Dice,n=a=2Cb,r=a" : k.message, "xyz");
    if (k.final) {
      REQUIRE(reply.ok);
      CHECK(scram.authzid() == "al=ice");
      CHECK(scram.username() == "a,b");
      reply = scram.final(k.message, "pencil", "");
    }
    CHECK_FALSE(reply.ok);
    CHECK(reply.message == k.error);
  }
}
