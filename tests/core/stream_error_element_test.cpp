// <stream:error> both ways (RFC 6120 §4.9): parse_stream_error() and build_stream_error().
#include <doctest/doctest.h>

#include <string>

#include "stream_test_util.hpp"
#include "xmpp/stream_error.hpp"
#include "xmpp/xml/arena.hpp"
#include "xmpp/xml/builder.hpp"
#include "xmpp/xml/writer.hpp"

using namespace xmpp::test;
namespace xml = xmpp::xml;
using xmpp::StreamError;
using xmpp::StreamErrorCondition;

namespace {

constexpr int kConditionCount = static_cast<int>(StreamErrorCondition::unsupported_version) + 1;

std::string name(StreamErrorCondition c) {
  return std::string(to_string(c));
}

// Parses `bytes` as one top-level element of a client stream and reads it as a stream error
// (REQUIREd to be one).
StreamError parse(std::string_view bytes) {
  OpenStream s;
  INFO("input: " << printable(bytes));
  const std::optional<StreamError> error = xmpp::parse_stream_error(s.element(bytes));
  REQUIRE(error.has_value());
  return *error;
}

std::string wrap(std::string_view children) {
  return "<stream:error>" + std::string(children) + "</stream:error>";
}
std::string condition(std::string_view name, std::string_view content = {}) {
  if (content.empty())
    return "<" + std::string(name) + " xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>";
  return "<" + std::string(name) + " xmlns='urn:ietf:params:xml:ns:xmpp-streams'>" +
         std::string(content) + "</" + std::string(name) + ">";
}

// Writes `error` as a client would into its stream and parses it back with the stream parser.
struct RoundTrip {
  std::string written;
  StreamError parsed;
};
RoundTrip round_trip(const StreamError& error) {
  xml::Arena arena;
  const xml::Element built = xmpp::build_stream_error(error, arena);
  OpenStream s;
  std::string out;
  const xml::WriteStatus status =
      xml::write(built, out, xml::WriteScope::of_stream_header(s.parser.header()));
  REQUIRE(std::string(to_string(status)) == "ok");
  INFO("written: " << printable(out));
  const xml::Element parsed = s.element(out);
  CHECK(xml::equivalent(parsed, built));
  const std::optional<StreamError> back = xmpp::parse_stream_error(parsed);
  REQUIRE(back.has_value());
  return {out, *back};
}

}  // namespace

TEST_CASE("build: the minimal error written into a client stream") {
  xml::Arena arena;
  StreamError error;
  error.condition = StreamErrorCondition::not_well_formed;
  const xml::Element e = xmpp::build_stream_error(error, arena);
  CHECK(e.is("error", xmpp::kStreamNamespace));
  CHECK(e.prefix() == "stream");
  OpenStream s;
  CHECK(write_to_string(e, xml::WriteScope::of_stream_header(s.parser.header())) ==
        "<stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
        "</stream:error>");
}

TEST_CASE("build: text, its language and an application condition, in RFC 6120 §4.9.2 order") {
  StreamError error;
  error.condition = StreamErrorCondition::conflict;
  error.text = "Replaced by new connection";
  error.text_lang = "en";
  error.app_condition_name = "escape-your-data";
  error.app_condition_ns = "http://example.org/ns";
  const RoundTrip rt = round_trip(error);
  CHECK(rt.written ==
        "<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
        "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='en'>Replaced by new "
        "connection</text><escape-your-data xmlns='http://example.org/ns'/></stream:error>");
  CHECK(name(rt.parsed.condition) == "conflict");
  CHECK(rt.parsed.text == "Replaced by new connection");
  CHECK(rt.parsed.text_lang == "en");
  CHECK(rt.parsed.app_condition_name == "escape-your-data");
  CHECK(rt.parsed.app_condition_ns == "http://example.org/ns");
}

TEST_CASE("build: text without a language has no xml:lang") {
  StreamError error;
  error.condition = StreamErrorCondition::policy_violation;
  error.text = "too many stanzas";
  const RoundTrip rt = round_trip(error);
  CHECK(rt.written ==
        "<stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
        "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>too many stanzas</text>"
        "</stream:error>");
  CHECK(rt.parsed.text == "too many stanzas");
  CHECK(rt.parsed.text_lang.empty());
}

TEST_CASE("build: see-other-host carries the host as its text") {
  StreamError error;
  error.condition = StreamErrorCondition::see_other_host;
  error.see_other_host = "[2001:41D0:1:A49b::1]:9222";
  const RoundTrip rt = round_trip(error);
  CHECK(rt.written ==
        "<stream:error><see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'>"
        "[2001:41D0:1:A49b::1]:9222</see-other-host></stream:error>");
  CHECK(name(rt.parsed.condition) == "see-other-host");
  CHECK(rt.parsed.see_other_host == "[2001:41D0:1:A49b::1]:9222");
  // The target is written for see_other_host only.
  error.condition = StreamErrorCondition::host_gone;
  CHECK(round_trip(error).written ==
        "<stream:error><host-gone xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>");
}

TEST_CASE("every RFC 6120 §4.9.3 condition: names and build → write → parse") {
  CHECK(kConditionCount == 25);
  for (int i = 0; i < kConditionCount; ++i) {
    const auto c = static_cast<StreamErrorCondition>(i);
    INFO("condition " << i << " " << name(c));
    const auto by_name = xmpp::stream_error_condition_from_string(to_string(c));
    REQUIRE(by_name.has_value());
    CHECK(static_cast<int>(*by_name) == i);

    StreamError error;
    error.condition = c;
    error.text = "diagnostic " + std::to_string(i) + " <&>";
    error.text_lang = "en";
    if (c == StreamErrorCondition::see_other_host) error.see_other_host = "example.net";
    const RoundTrip rt = round_trip(error);
    CHECK(rt.written.find("<" + name(c) + " xmlns='urn:ietf:params:xml:ns:xmpp-streams'") !=
          std::string::npos);
    CHECK(static_cast<int>(rt.parsed.condition) == i);
    CHECK(rt.parsed.text == error.text);
    CHECK(rt.parsed.text_lang == "en");
    CHECK(rt.parsed.see_other_host == error.see_other_host);
    CHECK(rt.parsed.app_condition_name.empty());
    CHECK(rt.parsed.app_condition_ns.empty());
  }
}

TEST_CASE("parse: the RFC 6120 §4.9.2 example") {
  const StreamError e = parse(
      "<stream:error>"
      "<not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
      "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='en'>"
      "Some special application diagnostic information!</text>"
      "<escape-your-data xmlns='http://example.org/ns'/>"
      "</stream:error>");
  CHECK(name(e.condition) == "not-well-formed");
  REQUIRE(e.text.has_value());
  CHECK(*e.text == "Some special application diagnostic information!");
  CHECK(e.text_lang == "en");
  CHECK(e.app_condition_name == "escape-your-data");
  CHECK(e.app_condition_ns == "http://example.org/ns");
  CHECK(e.see_other_host.empty());
}

TEST_CASE("parse: unknown or missing conditions are undefined-condition (RFC 6120 §4.9.3.21)") {
  SUBCASE("unknown name") {
    const StreamError e = parse(wrap(condition("out-of-cheese")));
    CHECK(name(e.condition) == "undefined-condition");
    CHECK(e.app_condition_name.empty());
  }
  SUBCASE("name in the wrong case") {
    CHECK(name(parse(wrap(condition("Conflict"))).condition) == "undefined-condition");
  }
  SUBCASE("no child at all") {
    const StreamError e = parse("<stream:error/>");
    CHECK(name(e.condition) == "undefined-condition");
    CHECK_FALSE(e.text.has_value());
    CHECK(e.text_lang.empty());
  }
  SUBCASE("only text") {
    const StreamError e = parse(wrap(condition("text", "why")));
    CHECK(name(e.condition) == "undefined-condition");
    CHECK(e.text == "why");
  }
  SUBCASE("a condition without the streams namespace is an application condition") {
    // As a server that forgot the xmlns would send it: the child is in jabber:client.
    const StreamError e = parse(wrap("<host-unknown/>"));
    CHECK(name(e.condition) == "undefined-condition");
    CHECK(e.app_condition_name == "host-unknown");
    CHECK(e.app_condition_ns == "jabber:client");
  }
  SUBCASE("the first of each counts, in any order") {
    const StreamError e = parse(wrap("<a xmlns='urn:example:a'/>" + condition("text", "first") +
                                     condition("system-shutdown") + "<b xmlns='urn:example:b'/>" +
                                     condition("conflict") + condition("text", "second")));
    CHECK(name(e.condition) == "system-shutdown");
    CHECK(e.text == "first");
    CHECK(e.app_condition_name == "a");
    CHECK(e.app_condition_ns == "urn:example:a");
  }
}

TEST_CASE("parse: text") {
  SUBCASE("entities, CDATA and no xml:lang") {
    const StreamError e =
        parse(wrap(condition("reset") + condition("text", "a &lt;b&gt; <![CDATA[&c]]>")));
    CHECK(name(e.condition) == "reset");
    CHECK(e.text == "a <b> &c");
    CHECK(e.text_lang.empty());
  }
  SUBCASE("empty text element is present but empty") {
    const StreamError e = parse(wrap(condition("reset") + condition("text")));
    REQUIRE(e.text.has_value());
    CHECK(e.text->empty());
  }
  SUBCASE("a <text> in another namespace is an application condition, not the text") {
    const StreamError e =
        parse(wrap(condition("reset") + "<text xmlns='urn:example'>not this</text>"));
    CHECK_FALSE(e.text.has_value());
    CHECK(e.app_condition_name == "text");
    CHECK(e.app_condition_ns == "urn:example");
  }
}

TEST_CASE("parse: see-other-host") {
  struct Case {
    std::string_view content, expected;
  };
  const Case usable[] = {
      {"example.net", "example.net"},
      {"  example.net\n ", "example.net"},
      {"example.net:5223", "example.net:5223"},
      {"192.0.2.7", "192.0.2.7"},
      {"192.0.2.7:65535", "192.0.2.7:65535"},
      {"[2001:41D0:1:A49b::1]:9222", "[2001:41D0:1:A49b::1]:9222"},  // RFC 6120 §4.9.3.19
      {"[::1]", "[::1]"},
      {"xmpp.example.net.", "xmpp.example.net."},
  };
  for (const Case& c : usable) {
    INFO("content: " << printable(c.content));
    const StreamError e = parse(wrap(condition("see-other-host", c.content)));
    CHECK(name(e.condition) == "see-other-host");
    CHECK(e.see_other_host == c.expected);
  }
  // Nowhere to go: the condition becomes undefined-condition and no target is reported.
  for (std::string_view bad :
       {"", "   ", "exa mple.net", "user@example.net", "example.net/res", "example.net:",
        "example.net:0", "example.net:65536", "example.net:123456", "example.net:52a",
        "[2001:db8::1", "[2001:db8::1]5222", "[not-ipv6]", "256.1.1.1", "example.net:5222:1"}) {
    INFO("content: " << printable(bad));
    const StreamError e = parse(wrap(condition("see-other-host", bad) + condition("text", "t")));
    CHECK(name(e.condition) == "undefined-condition");
    CHECK(e.see_other_host.empty());
    CHECK(e.text == "t");
  }
  // Character data of other conditions is not a target.
  const StreamError other = parse(wrap(condition("host-gone", "example.net")));
  CHECK(name(other.condition) == "host-gone");
  CHECK(other.see_other_host.empty());
}

TEST_CASE("parse: only {http://etherx.jabber.org/streams}error is a stream error") {
  OpenStream s;
  CHECK_FALSE(xmpp::parse_stream_error(s.element("<error/>")).has_value());
  CHECK_FALSE(xmpp::parse_stream_error(
                  s.element("<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
                            "</stream:features>"))
                  .has_value());
  CHECK_FALSE(xmpp::parse_stream_error(s.element("<x:error xmlns:x='urn:example'/>")).has_value());
  CHECK_FALSE(xmpp::parse_stream_error(xml::Element()).has_value());
  CHECK(xmpp::parse_stream_error(s.element("<s:error xmlns:s='http://etherx.jabber.org/streams'/>"))
            .has_value());
}

TEST_CASE("a parsed error owns its strings") {
  StreamError kept;
  {
    OpenStream s;
    const auto e = xmpp::parse_stream_error(
        s.element(wrap(condition("see-other-host", "example.org") + condition("text", "bye") +
                       "<app xmlns='urn:example'/>")));
    REQUIRE(e.has_value());
    kept = *e;
    // Reuse the parser's memory for another element.
    s.element("<message><body>xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx</body></message>");
  }
  CHECK(kept.see_other_host == "example.org");
  CHECK(kept.text == "bye");
  CHECK(kept.app_condition_name == "app");
  CHECK(kept.app_condition_ns == "urn:example");
}
