// Stream headers (RFC 6120 §4.7-§4.8, XEP-0114): the one we write and the checks of the server's.
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "stream/stream_header.hpp"
#include "stream_test_util.hpp"
#include "xmpp/xml/stream_parser.hpp"

using namespace xmpp::test;
namespace xml = xmpp::xml;
namespace stream = xmpp::stream;
using xmpp::StreamErrorCondition;

namespace {

std::string written(const stream::OutgoingHeader& h) {
  std::string out;
  const xml::WriteStatus status = stream::write_stream_header(h, out);
  REQUIRE(std::string(to_string(status)) == "ok");
  return out;
}

// Parses `bytes` as a stream header and checks it.
stream::HeaderCheck check(std::string_view bytes, const stream::HeaderExpectations& expect) {
  INFO("header: " << printable(bytes));
  OpenStream s(bytes);
  return stream::check_server_header(s.parser.header(), expect);
}

stream::HeaderExpectations client_expectations() {
  stream::HeaderExpectations e;
  e.kind = stream::StreamKind::client;
  e.domain = "example.com";
  e.require_version = true;
  return e;
}

std::string server_header(std::string_view attributes,
                          std::string_view default_ns = "xmlns='jabber:client' ") {
  return "<stream:stream " + std::string(default_ns) +
         "xmlns:stream='http://etherx.jabber.org/streams' " + std::string(attributes) + ">";
}

std::string condition_name(const stream::HeaderCheck& c) {
  return c.error ? std::string(to_string(c.error->condition)) : std::string("ok");
}

}  // namespace

TEST_CASE("client header: exact bytes (RFC 6120 §4.7)") {
  stream::OutgoingHeader h;
  h.to = "example.com";
  CHECK(written(h) ==
        "<?xml version='1.0'?><stream:stream to='example.com' version='1.0' xml:lang='en' "
        "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>");

  SUBCASE("with from, in the order of RFC 6120 §9.1.1") {
    h.to = "im.example.com";
    h.from = "juliet@im.example.com";
    CHECK(written(h) ==
          "<?xml version='1.0'?><stream:stream from='juliet@im.example.com' to='im.example.com' "
          "version='1.0' xml:lang='en' xmlns='jabber:client' "
          "xmlns:stream='http://etherx.jabber.org/streams'>");
  }
  SUBCASE("another language, and none") {
    h.lang = "de-CH";
    CHECK(written(h).find(" xml:lang='de-CH' ") != std::string::npos);
    h.lang = "";
    CHECK(written(h).find("xml:lang") == std::string::npos);
  }
  SUBCASE("appends to what is already there") {
    std::string out = "prefix";
    REQUIRE(stream::write_stream_header(h, out) == xml::WriteStatus::ok);
    CHECK(out.rfind("prefix<?xml version='1.0'?><stream:stream to='example.com' ", 0) == 0);
  }
}

TEST_CASE("client header never carries an id (RFC 6120 §4.7.3)") {
  stream::OutgoingHeader h;
  h.to = "example.com";
  h.from = "romeo@example.com";
  const std::string out = written(h);
  CHECK(out.find(" id=") == std::string::npos);
}

TEST_CASE("component header: exact bytes (XEP-0114 §3)") {
  stream::OutgoingHeader h;
  h.kind = stream::StreamKind::component;
  h.to = "plays.shakespeare.lit";
  CHECK(written(h) ==
        "<?xml version='1.0'?><stream:stream to='plays.shakespeare.lit' xml:lang='en' "
        "xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams'>");
}

TEST_CASE("header values are escaped and parse back to the same values") {
  stream::OutgoingHeader h;
  h.to = "a'b\"c&d<e>f\tg\nh";
  h.from = "x&y@example.com";
  h.lang = "en'";
  const std::string out = written(h);
  CHECK(out ==
        "<?xml version='1.0'?><stream:stream from='x&amp;y@example.com' "
        "to='a&apos;b\"c&amp;d&lt;e>f&#9;g&#10;h' version='1.0' xml:lang='en&apos;' "
        "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>");
  OpenStream s(out);
  const xml::Element header = s.parser.header();
  CHECK(header.attribute_or_empty("to") == h.to);
  CHECK(header.attribute_or_empty("from") == h.from);
  CHECK(header.attribute_or_empty("lang", xml::kXmlNamespace) == h.lang);
  CHECK(header.attribute_or_empty("version") == "1.0");
  CHECK(header.node()->default_ns == "jabber:client");
}

TEST_CASE("a value XML cannot carry is refused and nothing is appended") {
  stream::OutgoingHeader h;
  std::string out = "keep";
  SUBCASE("invalid UTF-8 in to") {
    h.to = "exa\xffmple.com";
    CHECK(stream::write_stream_header(h, out) == xml::WriteStatus::invalid_utf8);
  }
  SUBCASE("U+0000 in from") {
    h.to = "example.com";
    h.from = std::string_view("a\0b@example.com", 15);
    CHECK(stream::write_stream_header(h, out) == xml::WriteStatus::illegal_character);
  }
  SUBCASE("invalid UTF-8 in lang") {
    h.to = "example.com";
    h.lang = "\xc3";
    CHECK(stream::write_stream_header(h, out) == xml::WriteStatus::invalid_utf8);
  }
  CHECK(out == "keep");
}

TEST_CASE("parse_stream_version (RFC 6120 §4.7.5)") {
  using V = stream::StreamVersion;
  CHECK(stream::parse_stream_version("1.0") == V{1, 0});
  CHECK(stream::parse_stream_version("1.1") == V{1, 1});
  CHECK(stream::parse_stream_version("0.9") == V{0, 9});
  CHECK(stream::parse_stream_version("01.0") == V{1, 0});
  CHECK(stream::parse_stream_version("1.01") == V{1, 1});
  CHECK(stream::parse_stream_version("2.13") == V{2, 13});
  CHECK(stream::parse_stream_version("12.3") == V{12, 3});
  CHECK(stream::parse_stream_version("00000000000000000001.0") == V{1, 0});
  CHECK(stream::parse_stream_version("99999999999.0") == V{4294967295u, 0});
  for (std::string_view bad : {"", "1", "1.", ".0", "1.0.0", "a.b", "1.x", " 1.0", "1.0 ", "+1.0",
                               "-1.0", "1,0", "１.0"}) {
    INFO("version: " << printable(bad));
    CHECK_FALSE(stream::parse_stream_version(bad).has_value());
  }
}

TEST_CASE("server header accepted: fields extracted") {
  const auto c =
      check(server_header("id='c2s-1234' from='example.com' version='1.0' xml:lang='en'"),
            client_expectations());
  REQUIRE(c.ok());
  CHECK(c.header.id == "c2s-1234");
  CHECK(c.header.from == "example.com");
  CHECK(c.header.lang == "en");
  REQUIRE(c.header.version.has_value());
  CHECK(*c.header.version == stream::StreamVersion{1, 0});
}

TEST_CASE("server header: with an XML declaration, as Prosody and ejabberd send it") {
  const auto c = check(
      "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xml:lang='en' "
      "id='f4a2c5b1-7b0e-4c1f-9d53-2e5f3b8a9c10' xmlns:stream='http://etherx.jabber.org/streams' "
      "version='1.0' from='example.com'>",
      client_expectations());
  REQUIRE(c.ok());
  CHECK(c.header.id == "f4a2c5b1-7b0e-4c1f-9d53-2e5f3b8a9c10");
}

TEST_CASE("server header validation table") {
  struct Row {
    std::string_view name;
    std::string header;
    StreamErrorCondition condition;  // undefined_condition stands for "accepted"
  };
  constexpr auto ok = StreamErrorCondition::undefined_condition;
  const Row rows[] = {
      {"complete", server_header("id='x' from='example.com' version='1.0'"), ok},
      {"no from", server_header("id='x' version='1.0'"), ok},
      {"missing id", server_header("from='example.com' version='1.0'"),
       StreamErrorCondition::bad_format},
      {"empty id", server_header("id='' from='example.com' version='1.0'"),
       StreamErrorCondition::bad_format},
      {"id in another namespace only", server_header("xmlns:p='urn:x' p:id='x' version='1.0'"),
       StreamErrorCondition::bad_format},
      {"server content namespace", server_header("id='x' version='1.0'", "xmlns='jabber:server' "),
       StreamErrorCondition::invalid_namespace},
      {"component namespace on a client stream",
       server_header("id='x' version='1.0'", "xmlns='jabber:component:accept' "),
       StreamErrorCondition::invalid_namespace},
      {"no default namespace", server_header("id='x' version='1.0'", ""),
       StreamErrorCondition::invalid_namespace},
      {"version missing", server_header("id='x'"), StreamErrorCondition::unsupported_version},
      {"version 0.9", server_header("id='x' version='0.9'"),
       StreamErrorCondition::unsupported_version},
      {"version 1.0", server_header("id='x' version='1.0'"), ok},
      {"version 1.1", server_header("id='x' version='1.1'"), ok},
      {"version 1.10", server_header("id='x' version='1.10'"), ok},
      {"version 01.0", server_header("id='x' version='01.0'"), ok},
      {"version 2.0", server_header("id='x' version='2.0'"),
       StreamErrorCondition::unsupported_version},
      {"version 10.0", server_header("id='x' version='10.0'"),
       StreamErrorCondition::unsupported_version},
      {"version malformed", server_header("id='x' version='1'"),
       StreamErrorCondition::unsupported_version},
      {"version empty", server_header("id='x' version=''"),
       StreamErrorCondition::unsupported_version},
      {"from another domain", server_header("id='x' from='example.net' version='1.0'"),
       StreamErrorCondition::invalid_from},
      {"from a subdomain", server_header("id='x' from='im.example.com' version='1.0'"),
       StreamErrorCondition::invalid_from},
      {"from with a localpart", server_header("id='x' from='admin@example.com' version='1.0'"),
       StreamErrorCondition::invalid_from},
      {"from with a resource", server_header("id='x' from='example.com/r' version='1.0'"),
       StreamErrorCondition::invalid_from},
      {"from not a JID", server_header("id='x' from='' version='1.0'"),
       StreamErrorCondition::invalid_from},
      {"from in another case", server_header("id='x' from='Example.COM' version='1.0'"), ok},
      {"from with a trailing dot", server_header("id='x' from='example.com.' version='1.0'"), ok},
      // Order of the checks: namespace before version before id before from.
      {"wrong ns and no version", server_header("", "xmlns='jabber:server' "),
       StreamErrorCondition::invalid_namespace},
      {"no version and no id", server_header(""), StreamErrorCondition::unsupported_version},
      {"no id and wrong from", server_header("from='example.net' version='1.0'"),
       StreamErrorCondition::bad_format},
  };
  for (const Row& row : rows) {
    INFO(row.name);
    const auto c = check(row.header, client_expectations());
    if (row.condition == ok) {
      CHECK(condition_name(c) == "ok");
    } else {
      CHECK(condition_name(c) == to_string(row.condition));
      REQUIRE(c.error.has_value());
      CHECK_FALSE(c.error->message.empty());
    }
  }
}

TEST_CASE("server header: error messages name the rule") {
  const auto no_id = check(server_header("version='1.0'"), client_expectations());
  REQUIRE(no_id.error.has_value());
  CHECK(no_id.error->message.find("id") != std::string_view::npos);
  CHECK(no_id.error->message.find("4.7.3") != std::string_view::npos);
  const auto v2 = check(server_header("id='x' version='2.0'"), client_expectations());
  REQUIRE(v2.error.has_value());
  CHECK(v2.error->message.find("4.7.5") != std::string_view::npos);
}

TEST_CASE("server header: versions are kept as parsed") {
  const auto c = check(server_header("id='x' version='01.10'"), client_expectations());
  REQUIRE(c.ok());
  REQUIRE(c.header.version.has_value());
  CHECK(*c.header.version == stream::StreamVersion{1, 10});
}

TEST_CASE("server header: from is unchecked when no domain is expected") {
  auto e = client_expectations();
  e.domain = "";
  const auto c = check(server_header("id='x' from='example.net' version='1.0'"), e);
  CHECK(c.ok());
  CHECK(c.header.from == "example.net");
}

TEST_CASE("component header in (XEP-0114)") {
  stream::HeaderExpectations e;
  e.kind = stream::StreamKind::component;
  e.domain = "plays.shakespeare.lit";
  e.require_version = false;
  const std::string ns = "xmlns='jabber:component:accept' ";

  SUBCASE("the XEP-0114 example: no version") {
    const auto c = check(server_header("from='plays.shakespeare.lit' id='3BF96D32'", ns), e);
    REQUIRE(c.ok());
    CHECK(c.header.id == "3BF96D32");
    CHECK_FALSE(c.header.version.has_value());
  }
  SUBCASE("fails closed without id") {
    const auto c = check(server_header("from='plays.shakespeare.lit'", ns), e);
    CHECK(condition_name(c) == "bad-format");
  }
  SUBCASE("a client namespace is refused") {
    const auto c = check(server_header("id='x'"), e);
    CHECK(condition_name(c) == "invalid-namespace");
  }
  SUBCASE("version 0.9 tolerated, 2.0 not") {
    CHECK(check(server_header("id='x' version='0.9'", ns), e).ok());
    CHECK(condition_name(check(server_header("id='x' version='2.0'", ns), e)) ==
          "unsupported-version");
  }
  SUBCASE("from must be the component's name") {
    const auto c = check(server_header("id='x' from='shakespeare.lit'", ns), e);
    CHECK(condition_name(c) == "invalid-from");
  }
}

TEST_CASE("an empty Element is refused, not dereferenced") {
  const auto c = stream::check_server_header(xml::Element{}, client_expectations());
  CHECK_FALSE(c.ok());
}

TEST_CASE("our client header, echoed by a server with an id, passes our own checks") {
  stream::OutgoingHeader h;
  h.to = "example.com";
  std::string bytes = written(h);
  // Turn our header into a server's answer: add an id and a from.
  const std::size_t at_to = bytes.find("to='example.com'");
  REQUIRE(at_to != std::string::npos);
  bytes.replace(at_to, 16, "from='example.com' id='s1'");
  const auto c = check(bytes, client_expectations());
  REQUIRE(c.ok());
  CHECK(c.header.id == "s1");
  CHECK(c.header.lang == "en");
}
