// docs/xml-stream-rules.md, "Encoding": UTF-16/32 detection, the encoding declaration, strict
// UTF-8 and XML Char checks.
#include <doctest/doctest.h>

#include <string>

#include "stream_test_util.hpp"
#include "xmpp/xml/stream_parser.hpp"

using namespace xmpp::test;
using namespace std::string_literals;
namespace xml = xmpp::xml;
using C = xmpp::StreamErrorCondition;

namespace {

const std::string H(kClientHeader);

// A stanza whose body text is "ab" + bytes + "cd"; returns the whole stream and the offset of
// bytes[0].
struct InText {
  std::string in;
  std::uint64_t start;
};
InText in_text(const std::string& bytes) {
  const std::string before = H + "<message><body>ab";
  return {before + bytes + "cd</body></message>", before.size()};
}
InText in_attribute(const std::string& bytes) {
  const std::string before = H + "<message to='ab";
  return {before + bytes + "cd'/>", before.size()};
}
InText in_name(const std::string& bytes) {
  const std::string before = H + "<message><ab";
  return {before + bytes + "cd/></message>", before.size()};
}
InText in_cdata(const std::string& bytes) {
  const std::string before = H + "<message><![CDATA[ab";
  return {before + bytes + "cd]]></message>", before.size()};
}

}  // namespace

TEST_CASE("UTF-16/32 input is unsupported-encoding at the byte that shows it") {
  check_error("\0"s + "<\0s\0"s, C::unsupported_encoding, 0);
  check_error("\0"s, C::unsupported_encoding, 0);
  check_error("\xFE\xFF\0<"s, C::unsupported_encoding, 0);
  check_error("\xFF\xFE<\0"s, C::unsupported_encoding, 0);
  check_error("\xFE"s, C::unsupported_encoding, 0);
  check_error("\xFF"s, C::unsupported_encoding, 0);
  check_error("<\0s\0t\0"s, C::unsupported_encoding, 1);
  check_error("<\0"s, C::unsupported_encoding, 1);
}

TEST_CASE("NUL, 0xFE and 0xFF later in the stream are not-well-formed, not unsupported-encoding") {
  check_error(" \0"s, C::not_well_formed, 1);
  const InText nul = in_text("\0"s);
  check_error(nul.in, C::not_well_formed, nul.start);
  const InText fe = in_text("\xFE"s);
  check_error(fe.in, C::not_well_formed, fe.start);
  const InText ff = in_attribute("\xFF"s);
  check_error(ff.in, C::not_well_formed, ff.start);
}

TEST_CASE("an encoding declaration other than UTF-8 is unsupported-encoding at the decl's '>'") {
  for (const char* enc : {"ISO-8859-1", "UTF-16", "utf-16le", "US-ASCII", "UTF8"}) {
    const std::string decl = "<?xml version='1.0' encoding='"s + enc + "'?>";
    INFO("encoding " << enc);
    check_error(decl + H, C::unsupported_encoding, decl.size() - 1);
    check_error(decl, C::unsupported_encoding, decl.size() - 1);
  }
  for (const char* enc : {"UTF-8", "utf-8", "uTf-8"}) {
    const std::string decl = "<?xml version=\"1.0\" encoding=\""s + enc + "\"?>";
    check_ok(decl + H);
  }
}

TEST_CASE("valid UTF-8 of every length is accepted in text, attributes and names") {
  const std::string samples[] = {
      "\xC2\x80"s,          // U+0080
      "\xDF\xBF"s,          // U+07FF
      "\xE0\xA0\x80"s,      // U+0800
      "\xED\x9F\xBF"s,      // U+D7FF
      "\xEE\x80\x80"s,      // U+E000
      "\xEF\xBF\xBD"s,      // U+FFFD
      "\xF0\x90\x80\x80"s,  // U+10000
      "\xF4\x8F\xBF\xBF"s,  // U+10FFFF
      "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"s,
  };
  for (const std::string& s : samples) {
    INFO("sample " << printable(s));
    const std::string stanza = "<message to='" + s + "'><body>" + s + "</body></message>";
    check_ok(H + stanza);
    OpenStream o;
    const xml::Element m = o.element(stanza);
    CHECK(m.attribute("to") == s);
    CHECK(m.child("body").text() == s);
  }
  // Names: é, €, 日本 and an astral name character (U+10000 is in NameStartChar).
  OpenStream o;
  const xml::Element m = o.element(
      "<caf\xC3\xA9 \xE2\x82\xAC='1'><\xE6\x97\xA5\xE6\x9C\xAC/><\xF0\x90\x80\x80/></caf\xC3\xA9>");
  CHECK(m.name() == "caf\xC3\xA9");
  CHECK(m.attribute("\xE2\x82\xAC") == "1");
  CHECK(m.child("\xE6\x97\xA5\xE6\x9C\xAC"));
  CHECK(m.child("\xF0\x90\x80\x80"));
}

TEST_CASE("malformed UTF-8 is not-well-formed at the first byte that makes it invalid") {
  struct Case {
    std::string bytes;
    std::size_t bad;  // index in bytes of the first byte that makes the sequence invalid
  };
  const Case cases[] = {
      {"\x80"s, 0},                  // stray continuation byte
      {"\xBF"s, 0},                  // stray continuation byte
      {"\xC3\xA9\x80"s, 2},          // continuation byte after a complete sequence
      {"\xC0\x80"s, 0},              // C0 lead (overlong NUL)
      {"\xC1\xBF"s, 0},              // C1 lead
      {"\xF5\x80\x80\x80"s, 0},      // F5 lead
      {"\xF8\x88\x80\x80\x80"s, 0},  // F8 lead
      {"\xFE"s, 0},                  //
      {"\xFF"s, 0},                  //
      {"\xE0\x80\x80"s, 1},          // overlong 3-byte
      {"\xE0\x9F\xBF"s, 1},          // overlong U+07FF
      {"\xF0\x80\x80\x80"s, 1},      // overlong 4-byte
      {"\xF0\x8F\xBF\xBF"s, 1},      // overlong U+FFFF
      {"\xED\xA0\x80"s, 1},          // surrogate U+D800
      {"\xED\xBF\xBF"s, 1},          // surrogate U+DFFF
      {"\xF4\x90\x80\x80"s, 1},      // U+110000
      {"\xF4\xBF\xBF\xBF"s, 1},      // above U+10FFFF
      {"\xE2\x82"s, 2},              // truncated: next byte ('c') is not a continuation
      {"\xC3"s, 1},                  // truncated 2-byte
      {"\xF0\x9F\x98"s, 3},          // truncated 4-byte
      {"\xF0\x9F"s, 2},              //
      {"\xE2\xC3\xA9"s, 1},          // a lead byte where a continuation byte belongs
  };
  for (const Case& c : cases) {
    INFO("bytes " << printable(c.bytes));
    const InText t = in_text(c.bytes);
    check_error(t.in, C::not_well_formed, t.start + c.bad);
    const InText a = in_attribute(c.bytes);
    check_error(a.in, C::not_well_formed, a.start + c.bad);
    const InText d = in_cdata(c.bytes);
    check_error(d.in, C::not_well_formed, d.start + c.bad);
    const InText n = in_name(c.bytes);
    check_error(n.in, C::not_well_formed, n.start + c.bad);
  }
}

TEST_CASE("a truncated sequence right before markup is not-well-formed at the markup byte") {
  const std::string in = H + "<message><body>a\xE2\x82</body></message>";
  check_error(in, C::not_well_formed, at(in, "</body>"));
  const std::string in2 = H + "<message to='a\xC3'/>";
  check_error(in2, C::not_well_formed, at(in2, "'/>"));
}

TEST_CASE("malformed UTF-8 in the header and before it") {
  check_error("\x80"s + H, C::not_well_formed, 0);
  check_error(" \xC0\x80"s + H, C::not_well_formed, 1);
  const std::string in =
      "<stream:stream xmlns='jabber:client' "
      "xmlns:stream='http://etherx.jabber.org/streams' to='a\xED\xA0\x80'>";
  check_error(in, C::not_well_formed, at(in, "\xA0"));
  const std::string decl = "<?xml version='1.0' encoding='UTF-8'?>";
  check_error(decl + "\x80"s + H, C::not_well_formed, decl.size());
}

TEST_CASE("UTF-8 sequences split across feeds") {
  SUBCASE("valid sequences are reassembled") {
    OpenStream s;
    const char* parts[] = {"<message><body>a\xF0", "\x9F", "\x98", "\x80", "b\xE2\x82", "\xAC</bo",
                           "dy></message>"};
    xml::ParseResult r;
    for (const char* part : parts) {
      r = s.parser.parse(part);
      if (r.event == xml::ParseEvent::error) break;
    }
    REQUIRE(event_name(r.event) == "element");
    CHECK(s.parser.element().child("body").text() ==
          "a\xF0\x9F\x98\x80"
          "b\xE2\x82\xAC");
  }
  SUBCASE("invalid ones are reported at the same offset") {
    OpenStream s;
    CHECK(event_name(s.parser.parse("<message><body>a\xED").event) == "need_more");
    const xml::ParseResult r = s.parser.parse("\xA0\x80</body></message>");
    REQUIRE(event_name(r.event) == "error");
    CHECK(to_string(s.parser.error().condition) == "not-well-formed");
    CHECK(s.parser.error().offset == H.size() + 17);
  }
  SUBCASE("truncated at a feed boundary") {
    OpenStream s;
    CHECK(event_name(s.parser.parse("<message><body>\xF0\x9F").event) == "need_more");
    const xml::ParseResult r = s.parser.parse("<");
    REQUIRE(event_name(r.event) == "error");
    CHECK(to_string(s.parser.error().condition) == "not-well-formed");
    CHECK(s.parser.error().offset == H.size() + 17);
  }
}

TEST_CASE("characters that are not XML Chars are not-well-formed at their first byte") {
  const std::string non_chars[] = {
      "\x01"s,         "\x08"s, "\x0B"s, "\x0C"s, "\x0E"s, "\x1F"s,
      "\xEF\xBF\xBE"s,  // U+FFFE
      "\xEF\xBF\xBF"s,  // U+FFFF
  };
  for (const std::string& c : non_chars) {
    INFO("character " << printable(c));
    const InText t = in_text(c);
    check_error(t.in, C::not_well_formed, t.start);
    const InText a = in_attribute(c);
    check_error(a.in, C::not_well_formed, a.start);
    const InText d = in_cdata(c);
    check_error(d.in, C::not_well_formed, d.start);
    const InText n = in_name(c);
    check_error(n.in, C::not_well_formed, n.start);
    check_error(H + c, C::not_well_formed, H.size());
  }
}

TEST_CASE("TAB, LF and CR are Chars and are accepted in text") {
  OpenStream s;
  CHECK(s.element("<message><body>\ta\nb\t</body></message>").child("body").text() == "\ta\nb\t");
}
