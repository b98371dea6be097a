// <stream:features/> (RFC 6120 §4.3.2) from real server byte streams, fed through StreamParser.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "stream/features.hpp"
#include "stream/stream_header.hpp"
#include "stream_test_util.hpp"
#include "xmpp/xml/stream_parser.hpp"

using namespace xmpp::test;
namespace xml = xmpp::xml;
namespace stream = xmpp::stream;

namespace {

// What a client engine would see of one server stream: the header check and every features
// element, parsed as they complete.
struct Received {
  std::optional<stream::HeaderCheck> header;
  std::vector<stream::Features> features;
  std::size_t other_elements = 0;
};

// Feeds `writes` (one string per server write) to a StreamParser, each write cut in chunks of
// `chunk` bytes (0: whole).
Received receive(const std::vector<std::string_view>& writes, std::size_t chunk,
                 std::string_view domain) {
  Received r;
  xml::StreamParser parser;
  stream::HeaderExpectations expect;
  expect.domain = domain;
  for (std::string_view write : writes) {
    while (!write.empty()) {
      std::string_view piece = chunk ? write.substr(0, chunk) : write;
      write.remove_prefix(piece.size());
      while (!piece.empty()) {
        const auto [consumed, event] = parser.parse(piece);
        piece.remove_prefix(consumed);
        if (event == xml::ParseEvent::error) {
          FAIL("parse error: " << parser.error().message);
        } else if (event == xml::ParseEvent::stream_open) {
          r.header = stream::check_server_header(parser.header(), expect);
        } else if (event == xml::ParseEvent::element) {
          if (auto f = stream::parse_features(parser.element())) {
            r.features.push_back(std::move(*f));
          } else {
            ++r.other_elements;
          }
        }
      }
    }
  }
  return r;
}

// Runs whole and byte by byte; REQUIREs the same result and one accepted header.
Received receive_all(const std::vector<std::string_view>& writes, std::string_view domain) {
  Received whole = receive(writes, 0, domain);
  Received bytewise = receive(writes, 1, domain);
  REQUIRE(whole.header.has_value());
  REQUIRE(whole.header->ok());
  REQUIRE(bytewise.header.has_value());
  CHECK(bytewise.header->header.id == whole.header->header.id);
  REQUIRE(bytewise.features.size() == whole.features.size());
  for (std::size_t i = 0; i < whole.features.size(); ++i) {
    CHECK(bytewise.features[i].mechanisms == whole.features[i].mechanisms);
    CHECK(bytewise.features[i].unknown == whole.features[i].unknown);
  }
  return whole;
}

std::vector<std::string> strings(std::initializer_list<std::string_view> list) {
  return {list.begin(), list.end()};
}

// Prosody 0.12: header and features in one write.
constexpr std::string_view kProsodyHeader =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xml:lang='en' "
    "id='b7f3c2e4-5a1d-4f0e-8c6b-9d2a1e3f4c5b' xmlns:stream='http://etherx.jabber.org/streams' "
    "version='1.0' from='example.com'>";

// ejabberd 23.01: header, then features in a separate write.
constexpr std::string_view kEjabberdHeader =
    "<?xml version='1.0'?><stream:stream id='4931265538461548713' version='1.0' xml:lang='en' "
    "xmlns:stream='http://etherx.jabber.org/streams' from='example.org' xmlns='jabber:client'>";

}  // namespace

TEST_CASE("Prosody 0.12 before TLS: starttls required") {
  const std::string bytes = std::string(kProsodyHeader) +
                            "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>"
                            "<required/></starttls></stream:features>";
  const Received r = receive_all({bytes}, "example.com");
  REQUIRE(r.features.size() == 1);
  const stream::Features& f = r.features[0];
  CHECK(f.starttls);
  CHECK(f.starttls_required);
  CHECK(f.mechanisms.empty());
  CHECK_FALSE(f.bind);
  CHECK(f.unknown == 0);
}

TEST_CASE("Prosody 0.12 after STARTTLS: SCRAM-SHA-1 and PLAIN, one write") {
  const std::string bytes =
      std::string(kProsodyHeader) +
      "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
      "<mechanism>SCRAM-SHA-1</mechanism><mechanism>PLAIN</mechanism></mechanisms>"
      "<register xmlns='http://jabber.org/features/iq-register'/></stream:features>";
  const Received r = receive_all({bytes}, "example.com");
  CHECK(r.header->header.id == "b7f3c2e4-5a1d-4f0e-8c6b-9d2a1e3f4c5b");
  REQUIRE(r.features.size() == 1);
  const stream::Features& f = r.features[0];
  CHECK_FALSE(f.starttls);
  CHECK(f.mechanisms == strings({"SCRAM-SHA-1", "PLAIN"}));
  CHECK_FALSE(f.channel_bindings.has_value());
  CHECK(f.registration);
  CHECK_FALSE(f.bind);
  CHECK(f.unknown == 0);
}

TEST_CASE("Prosody 0.12 after SASL: bind, optional session, sm, csi, rosterver") {
  const std::string bytes =
      std::string(kProsodyHeader) +
      "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><required/></bind>"
      "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/></session>"
      "<ver xmlns='urn:xmpp:features:rosterver'/>"
      "<sm xmlns='urn:xmpp:sm:2'><optional/></sm><sm xmlns='urn:xmpp:sm:3'><optional/></sm>"
      "<csi xmlns='urn:xmpp:csi:0'/></stream:features>";
  const Received r = receive_all({bytes}, "example.com");
  REQUIRE(r.features.size() == 1);
  const stream::Features& f = r.features[0];
  CHECK(f.bind);
  CHECK(f.session);
  CHECK_FALSE(f.session_required);
  CHECK(f.stream_management);
  CHECK(f.csi);
  CHECK(f.roster_versioning);
  CHECK(f.mechanisms.empty());
  CHECK_FALSE(f.starttls);
  CHECK_FALSE(f.pre_approval);
  CHECK(f.unknown == 1);  // <sm xmlns='urn:xmpp:sm:2'/>
}

TEST_CASE("ejabberd 23.01 before TLS: starttls required, separate writes") {
  const Received r =
      receive_all({kEjabberdHeader,
                   "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/>"
                   "</starttls></stream:features>"},
                  "example.org");
  CHECK(r.header->header.id == "4931265538461548713");
  CHECK(r.header->header.from == "example.org");
  REQUIRE(r.features.size() == 1);
  CHECK(r.features[0].starttls);
  CHECK(r.features[0].starttls_required);
  CHECK(r.features[0].mechanisms.empty());
}

TEST_CASE("ejabberd 23.01 after STARTTLS: SCRAM-SHA-1-PLUS first") {
  const Received r =
      receive_all({kEjabberdHeader,
                   "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
                   "<mechanism>SCRAM-SHA-1-PLUS</mechanism><mechanism>SCRAM-SHA-1</mechanism>"
                   "<mechanism>PLAIN</mechanism><mechanism>X-OAUTH2</mechanism></mechanisms>"
                   "<register xmlns='http://jabber.org/features/iq-register'/></stream:features>"},
                  "example.org");
  REQUIRE(r.features.size() == 1);
  const stream::Features& f = r.features[0];
  CHECK(f.mechanisms == strings({"SCRAM-SHA-1-PLUS", "SCRAM-SHA-1", "PLAIN", "X-OAUTH2"}));
  CHECK_FALSE(f.starttls);
  CHECK(f.registration);
  CHECK_FALSE(f.channel_bindings.has_value());
}

TEST_CASE("ejabberd 23.01 after SASL: bind, session, sm, csi, rosterver, pre-approval") {
  const Received r = receive_all(
      {kEjabberdHeader,
       "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
       "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/></session>"
       "<sm xmlns='urn:xmpp:sm:2'/><sm xmlns='urn:xmpp:sm:3'/><csi xmlns='urn:xmpp:csi:0'/>"
       "<ver xmlns='urn:xmpp:features:rosterver'/><sub xmlns='urn:xmpp:features:pre-approval'/>"
       "</stream:features>"},
      "example.org");
  REQUIRE(r.features.size() == 1);
  const stream::Features& f = r.features[0];
  CHECK(f.bind);
  CHECK(f.session);
  CHECK_FALSE(f.session_required);
  CHECK(f.stream_management);
  CHECK(f.csi);
  CHECK(f.roster_versioning);
  CHECK(f.pre_approval);
  CHECK(f.unknown == 1);
}

TEST_CASE("XEP-0440 channel-binding list") {
  const Received r = receive_all(
      {kEjabberdHeader,
       "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
       "<mechanism>SCRAM-SHA-256-PLUS</mechanism></mechanisms>"
       "<sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'>"
       "<channel-binding type='tls-server-end-point'/><channel-binding type='tls-exporter'/>"
       "</sasl-channel-binding></stream:features>"},
      "example.org");
  REQUIRE(r.features.size() == 1);
  const stream::Features& f = r.features[0];
  REQUIRE(f.channel_bindings.has_value());
  CHECK(*f.channel_bindings == strings({"tls-server-end-point", "tls-exporter"}));
  CHECK(f.unknown == 0);

  SUBCASE("an empty list is not an absent one") {
    const Received e =
        receive_all({kEjabberdHeader,
                     "<stream:features><sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'/>"
                     "</stream:features>"},
                    "example.org");
    REQUIRE(e.features.size() == 1);
    REQUIRE(e.features[0].channel_bindings.has_value());
    CHECK(e.features[0].channel_bindings->empty());
  }
}

TEST_CASE("legacy session: required unless marked optional (RFC 3921 §3)") {
  OpenStream s;
  const auto f = stream::parse_features(
      s.element("<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
                "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></stream:features>"));
  REQUIRE(f.has_value());
  CHECK(f->session);
  CHECK(f->session_required);

  OpenStream s2;
  const auto g = stream::parse_features(
      s2.element("<stream:features><session xmlns='urn:ietf:params:xml:ns:xmpp-session'>"
                 "<optional xmlns='urn:x'/></session></stream:features>"));
  REQUIRE(g.has_value());
  CHECK(g->session_required);  // <optional/> in another namespace does not count
}

TEST_CASE("features are recognised by name and namespace, not by name alone") {
  OpenStream s;
  const auto f = stream::parse_features(
      s.element("<stream:features><starttls/><bind xmlns='urn:x'/>"
                "<mechanisms xmlns='urn:x'><mechanism>PLAIN</mechanism></mechanisms>"
                "<sm xmlns='urn:xmpp:sm:2'/><csi xmlns='urn:xmpp:csi:1'/>"
                "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required xmlns='urn:x'/>"
                "</starttls></stream:features>"));
  REQUIRE(f.has_value());
  CHECK(f->starttls);
  CHECK_FALSE(f->starttls_required);
  CHECK_FALSE(f->bind);
  CHECK(f->mechanisms.empty());
  CHECK_FALSE(f->stream_management);
  CHECK_FALSE(f->csi);
  CHECK(f->unknown == 5);
  CHECK_FALSE(f->empty());
}

TEST_CASE("empty features, and elements that are not features") {
  OpenStream s;
  const auto f = stream::parse_features(s.element("<stream:features/>"));
  REQUIRE(f.has_value());
  CHECK(f->empty());

  OpenStream s2;
  const xml::Element not_stream = s2.element("<features xmlns='jabber:client'/>");
  CHECK_FALSE(stream::is_features(not_stream));
  CHECK_FALSE(stream::parse_features(not_stream).has_value());
  CHECK_FALSE(stream::parse_features(xml::Element{}).has_value());
}

TEST_CASE("features outlive the parser's element") {
  stream::Features kept;
  {
    OpenStream s;
    auto f = stream::parse_features(
        s.element("<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
                  "<mechanism>SCRAM-SHA-256</mechanism></mechanisms></stream:features>"));
    REQUIRE(f.has_value());
    kept = std::move(*f);
  }
  CHECK(kept.mechanisms == strings({"SCRAM-SHA-256"}));
}
