// The test server's negotiation without the SASL details: headers, features and the shape of
// its writes, STARTTLS and direct TLS, the restart after SASL, binding, the legacy session, the
// established stream, closing, stream errors, and robustness against arbitrary bytes.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "server/server.hpp"
#include "server_test_util.hpp"

using namespace xmpp::test;
using xmpp::StreamErrorCondition;

namespace {

constexpr std::string_view kServerHeader =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
    "xmlns:stream='http://etherx.jabber.org/streams' id='s1' from='example.com' version='1.0' "
    "xml:lang='en'>";
constexpr std::string_view kStartTlsFeatures =
    "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"
    "</stream:features>";
constexpr std::string_view kPlainAuth =
    "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGFsaWNlAHMzY3JldA==</auth>";

std::string with_header_attribute(std::string_view attribute) {
  std::string header(kHeader);
  header.insert(header.size() - 1, attribute);
  return header;
}

// The stream error write the server made for `bytes` given after `prefix`.
std::string error_after(std::string_view prefix, std::string_view bytes, ServerConfig config = {}) {
  Server server(std::move(config));
  feed(server, prefix);
  server.receive(bytes);
  CHECK(server.phase() == ServerPhase::closed);
  const auto writes = server.take_writes();
  REQUIRE(writes.size() == 1);
  CHECK(writes[0].ends_with("</stream:error></stream:stream>"));
  return writes[0];
}

}  // namespace

TEST_CASE("header and features: one write (Prosody) or two (ejabberd)") {
  Server prosody({});
  CHECK(prosody.receive(kHeader) == kHeader.size());
  const auto one = prosody.take_writes();
  REQUIRE(one.size() == 1);
  CHECK(one[0] == std::string(kServerHeader) + std::string(kStartTlsFeatures));
  CHECK(prosody.phase() == ServerPhase::awaiting_starttls);

  ServerConfig config;
  config.split_header_and_features = true;
  Server ejabberd(config);
  ejabberd.receive(kHeader);
  const auto two = ejabberd.take_writes();
  REQUIRE(two.size() == 2);
  CHECK(two[0] == kServerHeader);
  CHECK(two[1] == kStartTlsFeatures);
  CHECK(ejabberd.stream_ids() == std::vector<std::string>{"s1"});
  CHECK(ejabberd.take_writes().empty());
}

TEST_CASE("the client's header: namespace, version, no id, the served domain") {
  const struct {
    std::string header;
    StreamErrorCondition condition;
  } cases[] = {
      {"<stream:stream to='example.org' version='1.0' xmlns='jabber:client' "
       "xmlns:stream='http://etherx.jabber.org/streams'>",
       StreamErrorCondition::host_unknown},
      {"<stream:stream version='1.0' xmlns='jabber:client' "
       "xmlns:stream='http://etherx.jabber.org/streams'>",
       StreamErrorCondition::host_unknown},
      {"<stream:stream to='example.com' version='1.0' xmlns='jabber:server' "
       "xmlns:stream='http://etherx.jabber.org/streams'>",
       StreamErrorCondition::invalid_namespace},
      {"<stream:stream to='example.com' xmlns='jabber:client' "
       "xmlns:stream='http://etherx.jabber.org/streams'>",
       StreamErrorCondition::unsupported_version},
      {"<stream:stream to='example.com' version='2.0' xmlns='jabber:client' "
       "xmlns:stream='http://etherx.jabber.org/streams'>",
       StreamErrorCondition::unsupported_version},
      {with_header_attribute(" id='abc'"), StreamErrorCondition::bad_format},
  };
  for (const auto& c : cases) {
    INFO(c.header);
    Server server({});
    CHECK(server.receive(c.header) == c.header.size());
    CHECK(server.phase() == ServerPhase::closed);
    CHECK(server.error_sent() == c.condition);
    const auto writes = server.take_writes();
    REQUIRE(writes.size() == 1);
    // RFC 6120 §4.9.1.2: our header first, then the error and our closing tag.
    CHECK(writes[0].starts_with(kServerHeader));
    CHECK(writes[0].find("<stream:error><" + std::string(to_string(c.condition)) +
                         " xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>") != std::string::npos);
    CHECK(writes[0].ends_with("</stream:stream>"));
    CHECK(server.receive(kHeader) == 0);
  }
  // Upper case in `to` names the same domain; a client `from` becomes our `to`.
  Server server({});
  const std::string opened = feed(server, with_header_attribute(" from='Alice@Example.com'"));
  CHECK(opened.find(" to='Alice@Example.com'") != std::string::npos);
  CHECK(server.phase() == ServerPhase::awaiting_starttls);
}

TEST_CASE("STARTTLS: <proceed/>, the bytes after it are TLS, then a new stream") {
  Server server({});
  feed(server, kHeader);
  const std::string tls_bytes = "\x16\x03\x01\x02\x00";
  CHECK(server.receive(std::string(kStartTls) + tls_bytes) == kStartTls.size());
  CHECK(server.take_writes() == std::vector<std::string>{std::string(kProceed)});
  CHECK(server.phase() == ServerPhase::tls_handoff);
  CHECK_FALSE(server.secure());
  CHECK(server.receive(kHeader) == 0);  // no bytes until TLS is up
  CHECK_FALSE(server.close());

  REQUIRE(server.tls_established(test_channel()));
  CHECK(server.secure());
  CHECK_FALSE(server.tls_established(test_channel()));
  const std::string opened = feed(server, kHeader);
  CHECK(opened.find("id='s2'") != std::string::npos);
  CHECK(
      opened.ends_with("<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
                       "<mechanism>SCRAM-SHA-256</mechanism><mechanism>SCRAM-SHA-1</mechanism>"
                       "<mechanism>PLAIN</mechanism></mechanisms></stream:features>"));
  CHECK(server.phase() == ServerPhase::awaiting_auth);
  CHECK(server.stream_ids() == std::vector<std::string>{"s1", "s2"});
}

TEST_CASE("optional STARTTLS with SASL in the clear: no -PLUS, no EXTERNAL before TLS") {
  ServerConfig config;
  config.starttls = xmpp::testing::StartTlsOffer::optional;
  config.sasl_before_tls = true;
  config.mechanisms = {xmpp::sasl::Mechanism::scram_sha_256_plus,
                       xmpp::sasl::Mechanism::scram_sha_256, xmpp::sasl::Mechanism::external};
  config.channel_binding_types =
      std::vector<xmpp::sasl::ChannelBindingType>{xmpp::sasl::ChannelBindingType::tls_exporter};
  Server clear_first(config);
  CHECK(feed(clear_first, kHeader)
            .ends_with(
                "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'></starttls>"
                "<mechanisms "
                "xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-256</mechanism>"
                "</mechanisms></stream:features>"));
  Server server(config);
  CHECK(to_secure_features(server) ==
        "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
        "<mechanism>SCRAM-SHA-256-PLUS</mechanism><mechanism>SCRAM-SHA-256</mechanism>"
        "<mechanism>EXTERNAL</mechanism></mechanisms>"
        "<sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'><channel-binding type='tls-exporter'/>"
        "</sasl-channel-binding></stream:features>");

  // With no STARTTLS at all, PLAIN works in the clear.
  config.starttls = xmpp::testing::StartTlsOffer::none;
  config.mechanisms = {xmpp::sasl::Mechanism::plain};
  Server clear(config);
  CHECK(feed(clear, kHeader).find("<starttls") == std::string::npos);
  CHECK(feed(clear, kPlainAuth) == "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
  CHECK_FALSE(clear.secure());
}

TEST_CASE("direct TLS (XEP-0368): TLS before any byte, then features without STARTTLS") {
  ServerConfig config;
  config.direct_tls = true;
  Server server(config);
  CHECK(server.phase() == ServerPhase::awaiting_tls);
  CHECK(server.receive(kHeader) == 0);
  REQUIRE(server.tls_established(test_channel()));
  const std::string opened = feed(server, kHeader);
  CHECK(opened.find("<starttls") == std::string::npos);
  CHECK(opened.find("<mechanism>PLAIN</mechanism>") != std::string::npos);
  CHECK(server.phase() == ServerPhase::awaiting_auth);
  CHECK(server.secure());
}

TEST_CASE("a refused STARTTLS: <failure/> and our closing tag") {
  ServerConfig config;
  config.refuse_starttls = true;
  Server server(config);
  feed(server, kHeader);
  server.receive(kStartTls);
  CHECK(server.take_writes() ==
        std::vector<std::string>{"<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>",
                                 "</stream:stream>"});
  CHECK(server.phase() == ServerPhase::closing);
  CHECK(feed(server, kClose).empty());
  CHECK(server.client_closed());
  CHECK(server.phase() == ServerPhase::closed);
}

TEST_CASE("after <success/> the parser restarts at the exact byte, in the same buffer") {
  for (std::size_t cut = 0; cut <= kHeader.size(); cut += 7) {
    INFO(cut);
    Server server({});
    to_secure_features(server);
    const std::string both = std::string(kPlainAuth) + std::string(kHeader);
    const std::size_t first = kPlainAuth.size() + cut;
    CHECK(server.receive(std::string_view(both).substr(0, first)) == first);
    CHECK(server.receive(std::string_view(both).substr(first)) == both.size() - first);
    const auto writes = server.take_writes();
    REQUIRE(writes.size() == 2);
    CHECK(writes[0] == "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
    CHECK(writes[1].ends_with(
        "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>"));
    CHECK(server.phase() == ServerPhase::awaiting_bind);
    CHECK(server.authenticated_user() == "alice");
    CHECK(server.stream_ids().size() == 3);
  }
}

TEST_CASE("bind: the requested resource, a generated one, an override, a refused one") {
  Server server({});
  negotiate_online(server, "phone");
  REQUIRE(server.bound_jid().has_value());
  CHECK(server.bound_jid()->str() == "alice@example.com/phone");

  Server generated({});
  to_secure_features(generated);
  feed(generated, kPlainAuth);
  feed(generated, kHeader);
  // The first entropy bytes of the default counter: 00 01 02 03 04 05.
  CHECK(feed(generated, bind_request("b1", "")) ==
        "<iq type='result' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
        "<jid>alice@example.com/000102030405</jid></bind></iq>");

  ServerConfig config;
  config.assigned_resource = "forced";
  Server overriding(config);
  negotiate_online(overriding, "phone");
  CHECK(overriding.bound_jid()->str() == "alice@example.com/forced");

  Server refusing({});
  to_secure_features(refusing);
  feed(refusing, kPlainAuth);
  feed(refusing, kHeader);
  CHECK(feed(refusing, bind_request("b1", std::string(1100, 'r'))) ==
        "<iq type='error' id='b1'><error type='modify'>"
        "<bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
  CHECK(refusing.phase() == ServerPhase::awaiting_bind);
  CHECK_FALSE(refusing.bound_jid().has_value());
  feed(refusing, bind_request("b2", "laptop"));
  CHECK(refusing.bound_jid()->str() == "alice@example.com/laptop");
}

TEST_CASE("post-auth features: optional session and extra features; the session result") {
  ServerConfig config;
  config.session = xmpp::testing::SessionOffer::optional;
  config.extra_features = {"<sm xmlns='urn:xmpp:sm:3'/>"};
  Server server(config);
  to_secure_features(server);
  feed(server, kPlainAuth);
  CHECK(feed(server, kHeader)
            .ends_with("<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
                       "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/>"
                       "</session><sm xmlns='urn:xmpp:sm:3'/></stream:features>"));
  feed(server, bind_request("b1", "phone"));
  CHECK_FALSE(server.session_established());
  CHECK(
      feed(server,
           "<iq type='set' id='s1'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>") ==
      "<iq type='result' id='s1'/>");
  CHECK(server.session_established());
  CHECK(server.received_stanzas().empty());

  config.session = xmpp::testing::SessionOffer::required;
  config.extra_features.clear();
  Server required(config);
  to_secure_features(required);
  feed(required, kPlainAuth);
  CHECK(feed(required, kHeader)
            .ends_with("<session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></stream:features>"));
}

TEST_CASE("online: stanzas are recorded, raw writes are sent as they are, closing handshake") {
  Server server({});
  negotiate_online(server);
  CHECK(feed(server,
             "<message to='bob@example.com' type='chat'><body>hi</body></message>"
             "<presence/>")
            .empty());
  CHECK(server.received_stanzas() ==
        std::vector<std::string>{
            "<message to='bob@example.com' type='chat'><body>hi</body></message>", "<presence/>"});
  server.send_raw("<message from='bob@example.com'/>");
  server.send_raw("");
  CHECK(server.take_writes() == std::vector<std::string>{"<message from='bob@example.com'/>"});

  REQUIRE(server.close());
  CHECK_FALSE(server.close());
  CHECK(server.take_writes() == std::vector<std::string>{"</stream:stream>"});
  CHECK(server.phase() == ServerPhase::closing);
  // RFC 6120 §4.4: the client may still send before its closing tag.
  CHECK(feed(server, "<message><body>late</body></message>").empty());
  CHECK(server.received_stanzas().size() == 3);
  CHECK(feed(server, kClose).empty());
  CHECK(server.client_closed());
  CHECK(server.phase() == ServerPhase::closed);
}

TEST_CASE("the client's closing tag is answered; its stream error is recorded") {
  Server server({});
  negotiate_online(server);
  CHECK(feed(server, kClose) == "</stream:stream>");
  CHECK(server.client_closed());
  CHECK(server.phase() == ServerPhase::closed);
  CHECK(server.receive("<presence/>") == 0);

  Server errored({});
  negotiate_online(errored);
  CHECK(feed(errored,
             "<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
             "</stream:error>") == "</stream:stream>");
  REQUIRE(errored.error_received().has_value());
  CHECK(errored.error_received()->condition == StreamErrorCondition::conflict);
  CHECK(errored.phase() == ServerPhase::closing);
  CHECK_FALSE(errored.error_sent().has_value());

  Server lost({});
  negotiate_online(lost);
  lost.receive_eof();
  CHECK(lost.eof());
  CHECK(lost.phase() == ServerPhase::closed);
  CHECK_FALSE(lost.client_closed());
}

TEST_CASE("stream errors: stanzas too early, unknown elements, bad XML, bad bytes first") {
  const std::string header(kHeader);
  std::string early = error_after(header, "<message to='bob@example.com'/>");
  CHECK(early.starts_with("<stream:error><not-authorized "));

  std::string unknown = error_after(header, "<hello xmlns='urn:example'/>");
  CHECK(unknown.starts_with("<stream:error><unsupported-stanza-type "));
  CHECK(unknown.find("<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>&lt;hello") !=
        std::string::npos);

  CHECK(error_after(header, "<a><b></a>").starts_with("<stream:error><not-well-formed "));
  // An error before the client's header still comes inside our own header.
  CHECK(error_after("", "hello").starts_with(kServerHeader));

  Server bind_first({});
  to_secure_features(bind_first);
  feed(bind_first, kPlainAuth);
  feed(bind_first, kHeader);
  bind_first.receive("<presence/>");
  CHECK(bind_first.error_sent() == StreamErrorCondition::not_authorized);
}

TEST_CASE("arbitrary bytes never crash the server, and it stops reading once closed") {
  // Pieces of a real exchange and of broken ones, glued at random and fed in random chunks.
  const std::string_view pieces[] = {
      kHeader,
      kStartTls,
      kPlainAuth,
      "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'>biwsbj1h</auth>",
      "<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>Yz1iaXdz</response>",
      "<abort xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>",
      "<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>",
      "<message><body>x</body></message>",
      "</stream:stream>",
      "<stream:error/>",
      "<",
      "\xff\xfe",
      "'",
      " ",
  };
  std::uint32_t state = 12345;
  const auto next = [&state](std::uint32_t bound) {
    state = state * 1103515245u + 12345u;
    return (state >> 16) % bound;
  };
  for (int run = 0; run < 300; ++run) {
    std::string input;
    const std::uint32_t count = 1 + next(12);
    for (std::uint32_t i = 0; i < count; ++i) {
      input += pieces[next(std::size(pieces))];
      if (next(4) == 0) input += static_cast<char>(next(256));
    }
    Server server({});
    std::size_t pos = 0;
    while (pos < input.size()) {
      if (server.phase() == ServerPhase::tls_handoff) server.tls_established(test_channel());
      const std::size_t chunk = 1 + next(40);
      const std::string_view piece = std::string_view(input).substr(pos, chunk);
      const std::size_t consumed = server.receive(piece);
      CHECK(consumed <= piece.size());
      if (server.phase() == ServerPhase::closed) {
        CHECK(server.receive(piece) == 0);
        break;
      }
      pos += consumed == 0 && server.phase() != ServerPhase::tls_handoff ? piece.size() : consumed;
    }
    if (server.error_sent()) CHECK(joined(server.take_writes()).ends_with("</stream:stream>"));
  }
}
