// Transcript tests of the client's negotiation (RFC 6120 §4-§7): scripted server bytes against
// the exact bytes the client writes and the events it reports, for every step and its failures.
#include <doctest/doctest.h>

#include "client_harness.hpp"

namespace xmpp::test {
namespace {

std::string cat(std::initializer_list<std::string_view> parts) {
  std::string s;
  for (const auto p : parts)
    s += p;
  return s;
}

const std::string kBindRequest =
    "<iq type='set' id='000102030405'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
    "<resource>sansio</resource></bind></iq>";

// Up to the point where the client waits for the post-TLS features.
void to_tls_features(Harness& h) {
  h.connect();
  h.feed(cat({kServerHeader, kStartTlsFeatures}));
  h.feed(kProceed);
  h.tls();
  h.feed(kServerHeader);
  h.take_written();
}

// Up to the point where the client waits for the post-SASL features.
void to_bind_features(Harness& h) {
  to_tls_features(h);
  h.feed(kPlainFeatures);
  h.feed(cat({kSuccess, kServerHeader}));
  h.take_written();
}

}  // namespace

TEST_CASE("client: STARTTLS, PLAIN, bind, Online (Prosody-like single writes)") {
  Harness h(test_config());
  h.negotiate_to_online();
  const auto* online = h.find<event::Online>();
  REQUIRE(online != nullptr);
  CHECK(online->jid.str() == "alice@example.com/sansio");
  CHECK_FALSE(online->resumed);
  REQUIRE(h.client.bound_jid() != nullptr);
  CHECK(h.client.bound_jid()->str() == "alice@example.com/sansio");
  CHECK(h.client.secure());
  CHECK(h.client.authenticated());
  CHECK(h.client.stream_id() == "s1");
  CHECK(h.client.mechanism() == sasl::Mechanism::plain);
  CHECK(h.client.features().bind);
  CHECK(h.count<event::Authenticated>() == 1);
  CHECK(h.closed_reason() == std::nullopt);
  // No negotiation timer once online (keepalive is off in test_config).
  CHECK_FALSE(h.client.next_deadline().has_value());
}

TEST_CASE("client: header and features in separate writes (ejabberd-like)") {
  Harness h(test_config());
  h.connect();
  CHECK(h.feed(kServerHeader).status == ReceiveStatus::all_consumed);
  CHECK(h.client.phase() == ClientPhase::awaiting_features);
  CHECK(h.take_written() == kClientHeaderClear);
  h.feed(kStartTlsFeatures);
  CHECK(h.take_written() == kStartTls);
  CHECK(h.client.phase() == ClientPhase::starttls_requested);
}

TEST_CASE("client: <proceed/> stops consuming at the exact byte; TLS bytes are not parsed") {
  Harness h(test_config());
  h.connect();
  h.feed(cat({kServerHeader, kStartTlsFeatures}));
  const std::string input = cat({kProceed, "\x16\x03\x01 TLS handshake bytes <not xml"});
  const ReceiveResult r = h.feed(input);
  CHECK(r.status == ReceiveStatus::tls_handoff);
  CHECK(r.consumed == kProceed.size());
  CHECK(h.client.phase() == ClientPhase::tls_handoff);
  // During the hand-off the transport belongs to TLS.
  CHECK(h.client.receive("<a/>", h.now).status == ReceiveStatus::invalid_state);
  CHECK(h.client.send(xml::Element{}) == SendStatus::not_online);
  h.tls();
  CHECK(h.take_written() == cat({kClientHeaderClear, kStartTls, kClientHeaderTls}));
  CHECK(h.client.phase() == ClientPhase::awaiting_stream);
  CHECK(h.client.features().starttls == false);  // RFC 6120 §5.4.3.3: forgotten
}

TEST_CASE("client: the stream restarts at the exact byte after <success/>") {
  Harness h(test_config());
  to_tls_features(h);
  h.feed(kPlainFeatures);
  CHECK(h.take_written() == kPlainAuth);
  // Success, the new header and the features in one read.
  const ReceiveResult r = h.feed(cat({kSuccess, kServerHeader, kBindFeatures}));
  CHECK(r.status == ReceiveStatus::all_consumed);
  CHECK(h.take_written() == cat({kClientHeaderTls, kBindRequest}));
  CHECK(h.client.phase() == ClientPhase::binding);
}

TEST_CASE("client: every byte split: same output and events as whole writes") {
  Harness whole(test_config());
  whole.negotiate_to_online();
  Harness bytewise(test_config());
  bytewise.connect();
  const auto feed_bytes = [&](std::string_view s) {
    for (std::size_t i = 0; i < s.size(); ++i) {
      const auto r = bytewise.feed(s.substr(i, 1));
      REQUIRE(r.consumed == 1);
    }
  };
  feed_bytes(cat({kServerHeader, kStartTlsFeatures, kProceed}));
  bytewise.tls();
  feed_bytes(cat({kServerHeader, kPlainFeatures, kSuccess, kServerHeader, kBindFeatures}));
  feed_bytes(bind_result("000102030405", "alice@example.com/sansio"));
  CHECK(bytewise.written == whole.written);
  CHECK(bytewise.events.size() == whole.events.size());
  CHECK(bytewise.client.phase() == ClientPhase::online);
}

TEST_CASE("client: TLS required and not offered: fail closed, nothing sent in the clear") {
  Harness h(test_config());
  h.connect();
  h.feed(cat({kServerHeader, kPlainFeatures}));
  CHECK(h.closed_reason() == CloseReason::tls_unavailable);
  CHECK(h.written == cat({kClientHeaderClear, "</stream:stream>"}));
  CHECK(h.written.find("<auth") == std::string::npos);
  CHECK(h.client.phase() == ClientPhase::closed);
  CHECK(h.client.receive("<x/>", h.now).status == ReceiveStatus::invalid_state);
}

TEST_CASE("client: TLS optional and not offered: PLAIN in the clear only when allowed") {
  SUBCASE("not allowed") {
    Harness h(test_config(TlsPolicy::optional));
    h.connect();
    h.feed(cat({kServerHeader, kPlainFeatures}));
    CHECK(h.closed_reason() == CloseReason::no_acceptable_mechanism);
    CHECK(h.find<event::Closed>()->detail ==
          sasl::to_string(sasl::SelectionError::plain_needs_tls));
    CHECK(h.written.find("<auth") == std::string::npos);
  }
  SUBCASE("allowed") {
    auto config = test_config(TlsPolicy::optional);
    config.allow_plain_without_tls = true;
    Harness h(std::move(config));
    h.connect();
    h.feed(cat({kServerHeader, kPlainFeatures}));
    CHECK(h.take_written() == cat({kClientHeaderClear, kPlainAuth}));
  }
}

TEST_CASE("client: TLS disabled but required by the server") {
  Harness h(test_config(TlsPolicy::disabled));
  h.connect();
  h.feed(cat({kServerHeader, kStartTlsFeatures}));
  CHECK(h.closed_reason() == CloseReason::tls_required_by_server);
}

TEST_CASE("client: STARTTLS offered again after TLS is a stream error") {
  Harness h(test_config());
  to_tls_features(h);
  h.feed(cat({"<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>",
              "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism>",
              "</mechanisms></stream:features>"}));
  CHECK(h.error_sent() == StreamErrorCondition::undefined_condition);
  CHECK(h.closed_reason() == CloseReason::stream_error_sent);
  const std::string out = h.take_written();
  CHECK(out.find("<stream:error><undefined-condition") == 0);
  CHECK(out.find("<auth") == std::string::npos);
  CHECK(out.substr(out.size() - 16) == "</stream:stream>");
}

TEST_CASE("client: <proceed/> without <starttls/> is a stream error") {
  Harness h(test_config());
  h.connect();
  h.feed(cat({kServerHeader, kProceed}));
  CHECK(h.error_sent() == StreamErrorCondition::unsupported_stanza_type);
  CHECK(h.client.phase() == ClientPhase::closed);
}

TEST_CASE("client: STARTTLS refused by the server") {
  Harness h(test_config());
  h.connect();
  h.feed(cat({kServerHeader, kStartTlsFeatures}));
  h.feed("<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  CHECK(h.closed_reason() == CloseReason::tls_failed);
}

TEST_CASE("client: direct TLS sends nothing before the handshake") {
  Harness h(test_config(TlsPolicy::direct));
  h.connect();
  CHECK(h.written.empty());
  CHECK(h.client.phase() == ClientPhase::awaiting_tls);
  CHECK(h.client.receive(kServerHeader, h.now).status == ReceiveStatus::invalid_state);
  h.tls();
  CHECK(h.take_written() == kClientHeaderTls);
  // STARTTLS offered on a direct TLS stream is the same error as after STARTTLS.
  h.feed(cat({kServerHeader, kStartTlsFeatures}));
  CHECK(h.error_sent() == StreamErrorCondition::undefined_condition);
}

TEST_CASE("client: a direct-TLS transport under the STARTTLS policy (XEP-0368 SRV targets)") {
  // An _xmpps-client target: TLS from the first byte, although the policy's default is STARTTLS.
  for (const TlsPolicy policy : {TlsPolicy::required, TlsPolicy::optional}) {
    CAPTURE(to_string(policy));
    Harness h(test_config(policy));
    REQUIRE(h.client.connect(h.now, TransportSecurity::direct_tls) == CommandStatus::ok);
    h.drain();
    CHECK(h.written.empty());
    CHECK(h.client.phase() == ClientPhase::awaiting_tls);
    h.tls();
    CHECK(h.take_written() == kClientHeaderTls);
    // STARTTLS offered on it is the same error as after STARTTLS (XEP-0368 §2: "STARTTLS MUST
    // NOT be used over direct TLS connections").
    h.feed(cat({kServerHeader, kStartTlsFeatures}));
    CHECK(h.error_sent() == StreamErrorCondition::undefined_condition);
  }
  // And a plain one under the STARTTLS policy is what connect() does.
  Harness plain(test_config(TlsPolicy::required));
  REQUIRE(plain.client.connect(plain.now, TransportSecurity::plain) == CommandStatus::ok);
  plain.drain();
  CHECK(plain.client.phase() != ClientPhase::awaiting_tls);
  CHECK_FALSE(plain.written.empty());
}

TEST_CASE("client: a transport that contradicts the TLS policy is refused, nothing changes") {
  Harness disabled(test_config(TlsPolicy::disabled));
  CHECK(disabled.client.connect(disabled.now, TransportSecurity::direct_tls) ==
        CommandStatus::invalid_config);
  CHECK(disabled.client.phase() == ClientPhase::idle);
  disabled.drain();
  CHECK(disabled.written.empty());
  Harness direct(test_config(TlsPolicy::direct));
  CHECK(direct.client.connect(direct.now, TransportSecurity::plain) ==
        CommandStatus::invalid_config);
  CHECK(direct.client.phase() == ClientPhase::idle);
  // The refusal leaves the engine usable.
  CHECK(direct.client.connect(direct.now, TransportSecurity::direct_tls) == CommandStatus::ok);
  CHECK(direct.client.phase() == ClientPhase::awaiting_tls);
}

TEST_CASE("client: an unverified certificate ends the session when verification is required") {
  Harness h(test_config(TlsPolicy::direct));
  h.connect();
  TlsInfo info = test_tls_info();
  info.peer_verified = false;
  REQUIRE(h.client.tls_established(info, h.now) == CommandStatus::ok);
  h.drain();
  CHECK(h.closed_reason() == CloseReason::tls_unverified);
  CHECK(h.written.empty());
}

TEST_CASE("client: no bind feature after SASL is a stream error") {
  Harness h(test_config());
  to_bind_features(h);
  h.feed("<stream:features/>");
  CHECK(h.error_sent() == StreamErrorCondition::undefined_condition);
  CHECK(h.written.find("<iq") == std::string::npos);
}

TEST_CASE("client: a bind result with a foreign domain or another account is refused") {
  for (const std::string_view jid : {"alice@evil.example/sansio", "mallory@example.com/sansio",
                                     "alice@example.com", "not a jid@example.com/x"}) {
    CAPTURE(jid);
    Harness h(test_config());
    to_bind_features(h);
    h.feed(kBindFeatures);
    h.feed(bind_result("000102030405", jid));
    CHECK(h.error_sent() == StreamErrorCondition::bad_format);
    CHECK(h.find<event::Online>() == nullptr);
  }
}

TEST_CASE("client: the bound JID is adopted, resource and case as the server says") {
  Harness h(test_config());
  to_bind_features(h);
  h.feed(kBindFeatures);
  h.feed(bind_result("000102030405", "Alice@Example.COM/server-chosen"));
  REQUIRE(h.find<event::Online>() != nullptr);
  CHECK(h.client.bound_jid()->resource() == "server-chosen");
}

TEST_CASE("client: bind result from a third party, or with another id, is refused") {
  SUBCASE("spoofed from") {
    Harness h(test_config());
    to_bind_features(h);
    h.feed(kBindFeatures);
    h.feed(
        "<iq type='result' id='000102030405' from='bob@example.com'><bind "
        "xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>alice@example.com/x</jid></bind></iq>");
    CHECK(h.error_sent() == StreamErrorCondition::invalid_from);
  }
  SUBCASE("other id") {
    Harness h(test_config());
    to_bind_features(h);
    h.feed(kBindFeatures);
    h.feed(bind_result("ffff", "alice@example.com/x"));
    CHECK(h.error_sent() == StreamErrorCondition::unsupported_stanza_type);
  }
  SUBCASE("from the server or the account is fine") {
    for (const std::string_view from : {"example.com", "alice@example.com"}) {
      Harness h(test_config());
      to_bind_features(h);
      h.feed(kBindFeatures);
      h.feed(cat({"<iq type='result' id='000102030405' from='", from,
                  "'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>alice@example.com/x"
                  "</jid></bind></iq>"}));
      CHECK(h.find<event::Online>() != nullptr);
    }
  }
}

TEST_CASE("client: bind error ends the session with the condition") {
  Harness h(test_config());
  to_bind_features(h);
  h.feed(kBindFeatures);
  h.feed(
      "<iq type='error' id='000102030405'><error type='cancel'><conflict "
      "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
  CHECK(h.closed_reason() == CloseReason::bind_failed);
  CHECK(h.find<event::Closed>()->detail == "conflict");
}

TEST_CASE("client: server-assigned resource when none is configured") {
  auto config = test_config();
  config.resource.clear();
  Harness h(std::move(config));
  to_bind_features(h);
  h.feed(kBindFeatures);
  CHECK(h.take_written() ==
        "<iq type='set' id='000102030405'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
}

TEST_CASE("client: legacy session only when the server marks it required") {
  SUBCASE("required") {
    Harness h(test_config());
    to_bind_features(h);
    h.feed(
        "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><session "
        "xmlns='urn:ietf:params:xml:ns:xmpp-session'/></stream:features>");
    h.take_written();
    h.feed(bind_result("000102030405", "alice@example.com/sansio"));
    CHECK(h.take_written() ==
          "<iq type='set' id='060708090a0b'><session "
          "xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>");
    CHECK(h.client.phase() == ClientPhase::establishing_session);
    CHECK(h.find<event::Online>() == nullptr);
    h.feed("<iq type='result' id='060708090a0b'/>");
    CHECK(h.find<event::Online>() != nullptr);
  }
  SUBCASE("optional") {
    Harness h(test_config());
    to_bind_features(h);
    h.feed(
        "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><session "
        "xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/></session></stream:features>");
    h.feed(bind_result("000102030405", "alice@example.com/sansio"));
    CHECK(h.find<event::Online>() != nullptr);
  }
  SUBCASE("error") {
    Harness h(test_config());
    to_bind_features(h);
    h.feed(
        "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><session "
        "xmlns='urn:ietf:params:xml:ns:xmpp-session'/></stream:features>");
    h.feed(bind_result("000102030405", "alice@example.com/sansio"));
    h.feed(
        "<iq type='error' id='060708090a0b'><error type='wait'><internal-server-error "
        "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
    CHECK(h.closed_reason() == CloseReason::session_failed);
    CHECK(h.find<event::Closed>()->detail == "internal-server-error");
  }
}

TEST_CASE("client: SASL failure is reported and permanent") {
  Harness h(test_config());
  to_tls_features(h);
  h.feed(kPlainFeatures);
  h.feed(
      "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/><text "
      "xml:lang='en'>bad password</text></failure>");
  const auto* failed = h.find<event::AuthenticationFailed>();
  REQUIRE(failed != nullptr);
  CHECK(failed->server_condition == sasl::FailureCondition::not_authorized);
  CHECK(failed->text == "bad password");
  CHECK(failed->permanent);
  CHECK(failed->mechanism == sasl::Mechanism::plain);
  CHECK(h.closed_reason() == CloseReason::authentication_failed);
  // No fallback: nothing but the closing tag follows.
  CHECK(h.take_written() == cat({kPlainAuth, "</stream:stream>"}));
}

TEST_CASE("client: temporary-auth-failure is not permanent") {
  Harness h(test_config());
  to_tls_features(h);
  h.feed(kPlainFeatures);
  h.feed("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><temporary-auth-failure/></failure>");
  REQUIRE(h.find<event::AuthenticationFailed>() != nullptr);
  CHECK_FALSE(h.find<event::AuthenticationFailed>()->permanent);
}

TEST_CASE("client: a challenge that is not strict base64 is a stream error") {
  Harness h(test_config());
  to_tls_features(h);
  h.feed(kPlainFeatures);
  h.feed("<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>a b=</challenge>");
  CHECK(h.error_sent() == StreamErrorCondition::bad_format);
}

TEST_CASE("client: a challenge to PLAIN aborts the exchange") {
  Harness h(test_config());
  to_tls_features(h);
  h.feed(kPlainFeatures);
  h.take_written();
  h.feed("<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>AAAA</challenge>");
  const auto* failed = h.find<event::AuthenticationFailed>();
  REQUIRE(failed != nullptr);
  CHECK(failed->error == sasl::Error::unexpected_challenge);
  CHECK(h.take_written() == "<abort xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/></stream:stream>");
}

TEST_CASE("client: no SASL mechanism offered") {
  Harness h(test_config());
  to_tls_features(h);
  h.feed("<stream:features/>");
  CHECK(h.closed_reason() == CloseReason::no_acceptable_mechanism);
}

TEST_CASE("client: stream errors from the server, see-other-host exposed") {
  Harness h(test_config());
  h.connect();
  h.feed(kServerHeader);
  h.take_written();
  // A reported error ends the stream: `closed`, not `stream_error` (that is for ours).
  CHECK(h.feed("<stream:error><see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'>"
               "other.example.com:5223</see-other-host><text "
               "xmlns='urn:ietf:params:xml:ns:xmpp-streams'>moved</text></stream:error>")
            .status == ReceiveStatus::closed);
  const auto* received = h.find<event::StreamErrorReceived>();
  REQUIRE(received != nullptr);
  CHECK(received->error.condition == StreamErrorCondition::see_other_host);
  CHECK(received->error.see_other_host == "other.example.com:5223");
  CHECK(received->error.text == "moved");
  CHECK(h.closed_reason() == CloseReason::stream_error_received);
  CHECK(h.take_written() == "</stream:stream>");
}

TEST_CASE("client: an unknown stream error condition becomes undefined-condition") {
  Harness h(test_config());
  h.connect();
  h.feed(cat({kServerHeader,
              "<stream:error><made-up xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
              "</stream:error>"}));
  REQUIRE(h.find<event::StreamErrorReceived>() != nullptr);
  CHECK(h.find<event::StreamErrorReceived>()->error.condition ==
        StreamErrorCondition::undefined_condition);
}

TEST_CASE("client: server header checks") {
  struct Case {
    std::string_view header;
    StreamErrorCondition condition;
  };
  for (const Case& c : {
           Case{"<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/"
                "streams' id='a' version='1.0'>",
                StreamErrorCondition::invalid_namespace},
           Case{"<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/"
                "streams' version='1.0'>",
                StreamErrorCondition::bad_format},
           Case{"<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/"
                "streams' id='a' version='2.0'>",
                StreamErrorCondition::unsupported_version},
           Case{"<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/"
                "streams' id='a' from='other.example' version='1.0'>",
                StreamErrorCondition::invalid_from},
       }) {
    CAPTURE(c.header);
    Harness h(test_config());
    h.connect();
    h.feed(c.header);
    CHECK(h.error_sent() == c.condition);
  }
}

TEST_CASE("client: XML errors from the server are stream errors with the parser's condition") {
  Harness h(test_config());
  h.connect();
  const std::string input = cat({kServerHeader, "<!-- comment --><more/>"});
  const ReceiveResult r = h.feed(input);
  CHECK(r.status == ReceiveStatus::stream_error);
  CHECK(r.consumed < input.size());
  CHECK(h.error_sent() == StreamErrorCondition::restricted_xml);
  CHECK(h.closed_reason() == CloseReason::stream_error_sent);
}

TEST_CASE("client: unknown first-level elements during negotiation") {
  Harness h(test_config());
  h.connect();
  h.feed(cat({kServerHeader, "<foo xmlns='urn:example'/>"}));
  CHECK(h.error_sent() == StreamErrorCondition::unsupported_stanza_type);
  const auto* sent = h.find<event::StreamErrorSent>();
  CHECK(sent->error.text->find("<foo xmlns='urn:example'/>") != std::string::npos);
}

TEST_CASE("client: stanzas before binding is done are refused") {
  Harness h(test_config());
  h.connect();
  h.feed(cat({kServerHeader, "<message from='x@example.com'><body>hi</body></message>"}));
  CHECK(h.error_sent() == StreamErrorCondition::unsupported_stanza_type);
}

}  // namespace xmpp::test

namespace xmpp::test {

TEST_CASE("client: a bind result without <bind/> is bad-format (found by the property test)") {
  Harness h(test_config());
  to_bind_features(h);
  h.feed(kBindFeatures);
  h.feed("<iq type='result' id='000102030405'/>");
  CHECK(h.error_sent() == StreamErrorCondition::bad_format);
}

TEST_CASE("client: nothing follows our closing tag when close() precedes the server's header") {
  Harness h(test_config());
  h.connect();
  REQUIRE(h.client.close(h.now) == CommandStatus::ok);
  h.drain();
  CHECK(h.take_written() == cat({kClientHeaderClear, "</stream:stream>"}));
  h.feed(cat({kServerHeader, kStartTlsFeatures}));
  CHECK(h.take_written().empty());
  CHECK(h.client.phase() == ClientPhase::closing);
  h.feed("</stream:stream>");
  CHECK(h.closed_reason() == CloseReason::local_close);
}

}  // namespace xmpp::test
