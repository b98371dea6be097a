// docs/xml-stream-rules.md, "Shape of a stream".
#include <doctest/doctest.h>

#include <string>

#include "stream_test_util.hpp"
#include "xmpp/xml/stream_parser.hpp"

using namespace xmpp::test;
namespace xml = xmpp::xml;
using C = xmpp::StreamErrorCondition;

namespace {

std::string kinds(const Log& log) {
  std::string s;
  for (const Log::Event& e : log.events) {
    if (!s.empty()) s += ' ';
    s += event_name(e.kind);
  }
  return s;
}

const std::string H(kClientHeader);

}  // namespace

TEST_CASE("header alone: stream_open at the header's '>'") {
  const Log log = check_ok(H);
  CHECK(kinds(log) == "stream_open");
  REQUIRE(log.events.size() == 1);
  CHECK(log.events[0].offset == H.size());

  xml::StreamParser p;
  CHECK_FALSE(p.stream_open());
  CHECK_FALSE(p.stream_closed());
  const xml::ParseResult r = p.parse(H);
  CHECK(event_name(r.event) == "stream_open");
  CHECK(r.consumed == H.size());
  CHECK(p.stream_open());
  CHECK_FALSE(p.stream_closed());
  CHECK(p.offset() == H.size());
  const xml::Element h = p.header();
  REQUIRE(h);
  CHECK(h.name() == "stream");
  CHECK(h.prefix() == "stream");
  CHECK(h.qualified_name() == "stream:stream");
  CHECK(h.ns() == kStreamNs);
  CHECK(h.attribute("to") == "example.com");
  CHECK(h.attribute("version") == "1.0");
  CHECK_FALSE(h.attribute("xmlns").has_value());
  CHECK(h.children().empty());
}

TEST_CASE("header bytes before the '>' give need_more and consume everything") {
  xml::StreamParser p;
  const std::string_view part = std::string_view(H).substr(0, H.size() - 1);
  const xml::ParseResult r = p.parse(part);
  CHECK(event_name(r.event) == "need_more");
  CHECK(r.consumed == part.size());
  CHECK_FALSE(p.stream_open());
  const xml::ParseResult r2 = p.parse(">");
  CHECK(event_name(r2.event) == "stream_open");
  CHECK(r2.consumed == 1);
}

TEST_CASE("parse of empty input is need_more consuming nothing") {
  xml::StreamParser p;
  const xml::ParseResult r = p.parse({});
  CHECK(event_name(r.event) == "need_more");
  CHECK(r.consumed == 0);
  CHECK(p.offset() == 0);
}

TEST_CASE("optional XML declaration at offset 0 and whitespace before the header") {
  const char* const prologs[] = {
      "",
      " ",
      "\r\n\t \n",
      "<?xml version='1.0'?>",
      "<?xml version='1.0'?>\n",
      "<?xml version=\"1.0\"?>\r\n  ",
      "<?xml version='1.0' encoding='UTF-8'?>",
      "<?xml version='1.0' encoding='utf-8'?>\n",
      "<?xml version=\"1.0\" encoding=\"Utf-8\"?>",
      "<?xml\tversion='1.0'\nencoding='UTF-8' ?>\n",
      "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>",
  };
  for (const char* prolog : prologs) {
    const std::string in = prolog + H;
    INFO("prolog: " << printable(prolog));
    const Log log = check_ok(in);
    CHECK(kinds(log) == "stream_open");
    if (!log.events.empty()) CHECK(log.events[0].offset == in.size());
  }
}

TEST_CASE("malformed XML declarations are not-well-formed") {
  // Where the declaration cannot go on, the offending byte is known at once: the rest of the
  // stream (here the header) must not be swallowed while looking for "?>".
  check_error("<?xml version='1.0'>" + H, C::not_well_formed, 19);
  check_error("<?xml version='1.0' ?  >" + H, C::not_well_formed, 21);
  check_error("<?xml version='1.0'?" + H, C::not_well_formed, 20);
  check_error("<?xml version='1.0' encoding='UTF-8'" + H, C::not_well_formed, 36);
  check_error("<?xml version=\"1.0'?>" + H, C::not_well_formed, 20);
  // Offsets not stated by the rules: the condition only.
  for (const char* decl : {"<?xml encoding='UTF-8'?>", "<?xml version='1.0' standalone='maybe'?>",
                           "<?xml version='1.0' encoding='UTF-8' version='1.0'?>",
                           "<?xml version='1.0' encoding=''?>", "<?xml version='1.0' foo='bar'?>",
                           "<?xml version='1.0' standalone='yes' encoding='UTF-8'?>"}) {
    INFO("declaration " << decl);
    const Log log = run_all_chunkings(decl + H);
    CHECK(log.failed);
    CHECK(to_string(log.condition) == "not-well-formed");
    CHECK(log.events.empty());
  }
}

TEST_CASE("whitespace between top-level elements (keepalives) produces nothing") {
  const std::string m1 = "<message to='a@b'><body>hi</body></message>";
  const std::string m2 = "<presence/>";
  const std::string in = H + " " + m1 + "\n\n" + m2 + " \t\r\n " + "\n";
  const Log log = check_ok(in);
  CHECK(kinds(log) == "stream_open element element");
  REQUIRE(log.events.size() == 3);
  CHECK(log.events[1].offset == H.size() + 1 + m1.size());
  CHECK(log.events[2].offset == H.size() + 1 + m1.size() + 2 + m2.size());
  CHECK(log.consumed_total == in.size());

  OpenStream s;
  const xml::ParseResult r = s.parser.parse(" \n\t\r\n   ");
  CHECK(event_name(r.event) == "need_more");
  CHECK(r.consumed == 8);
}

TEST_CASE("a top-level element is reported at its final '>' and consumption stops there") {
  const std::string m = "<message><body>a</body></message>";
  OpenStream s;
  const std::string in = m + "<presence/> <iq";
  const xml::ParseResult r = s.parser.parse(in);
  CHECK(event_name(r.event) == "element");
  CHECK(r.consumed == m.size());
  CHECK(s.parser.element().is("message", "jabber:client"));
  const xml::ParseResult r2 = s.parser.parse(std::string_view(in).substr(m.size()));
  CHECK(event_name(r2.event) == "element");
  CHECK(r2.consumed == 11);
  CHECK(s.parser.element().is("presence", "jabber:client"));
  const xml::ParseResult r3 = s.parser.parse(std::string_view(in).substr(m.size() + 11));
  CHECK(event_name(r3.event) == "need_more");
  CHECK(r3.consumed == 4);
  CHECK(s.parser.offset() == H.size() + in.size());
}

TEST_CASE("</stream:stream> closes the stream at its '>'") {
  SUBCASE("plain") {
    const std::string in = H + "<presence/>" + std::string(kStreamClose);
    const Log log = check_ok(in);
    CHECK(kinds(log) == "stream_open element stream_close");
    if (log.events.size() == 3) CHECK(log.events[2].offset == in.size());
  }
  SUBCASE("with whitespace before the '>'") {
    const std::string in = H + "</stream:stream \r\n\t>";
    const Log log = check_ok(in);
    CHECK(kinds(log) == "stream_open stream_close");
    if (log.events.size() == 2) CHECK(log.events[1].offset == in.size());
  }
  SUBCASE("consumption stops at the '>'") {
    OpenStream s;
    const xml::ParseResult r = s.parser.parse("</stream:stream>   ");
    CHECK(event_name(r.event) == "stream_close");
    CHECK(r.consumed == 16);
    CHECK(s.parser.stream_closed());
    CHECK_FALSE(s.parser.stream_open());
  }
  SUBCASE("another prefix for the streams namespace") {
    const std::string in =
        "<s:stream xmlns:s='http://etherx.jabber.org/streams' xmlns='jabber:client'>"
        "<message/></s:stream>";
    const Log log = check_ok(in);
    CHECK(kinds(log) == "stream_open element stream_close");
  }
  SUBCASE("an unprefixed stream element") {
    const std::string in = "<stream xmlns='http://etherx.jabber.org/streams'><a/></stream>";
    const Log log = check_ok(in);
    CHECK(kinds(log) == "stream_open element stream_close");
    OpenStream s("<stream xmlns='http://etherx.jabber.org/streams'>");
    CHECK(s.element("<a/>").ns() == kStreamNs);
  }
}

TEST_CASE("the close must have the header's qualified name") {
  // Reported where the name departs from "stream:stream" (or after the common part).
  const std::string in = H + "</stream>";
  check_error(in, C::not_well_formed, at_last(in, ">"));
  const std::string in2 = H + "</s:stream>";
  check_error(in2, C::not_well_formed, H.size() + 3);
  const std::string in3 =
      "<s:stream xmlns:s='http://etherx.jabber.org/streams' xmlns:stream='http://etherx.jabber."
      "org/streams'></stream:stream>";
  check_error(in3, C::not_well_formed, at_last(in3, "</stream:stream>", 3));
  const std::string in4 = H + "</stream:streams>";
  check_error(in4, C::not_well_formed, at_last(in4, "s>"));
}

TEST_CASE("self-closing header: stream_open, then stream_close on the next call") {
  const std::string sc =
      "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'/>";
  xml::StreamParser p;
  const xml::ParseResult r = p.parse(sc);
  CHECK(event_name(r.event) == "stream_open");
  CHECK(r.consumed == sc.size());
  CHECK(p.header().is("stream", kStreamNs));
  const xml::ParseResult r2 = p.parse("  ");
  CHECK(event_name(r2.event) == "stream_close");
  CHECK(r2.consumed == 0);
  CHECK(p.stream_closed());
  const xml::ParseResult r3 = p.parse("  ");
  CHECK(event_name(r3.event) == "need_more");
  CHECK(r3.consumed == 2);

  xml::StreamParser q;
  CHECK(event_name(q.parse(sc).event) == "stream_open");
  const xml::ParseResult e = q.parse({});
  CHECK(event_name(e.event) == "stream_close");
  CHECK(e.consumed == 0);

  const Log log = check_ok(sc + " \n");
  CHECK(kinds(log) == "stream_open stream_close");
  if (log.events.size() == 2) CHECK(log.events[1].offset == sc.size());

  const std::string bad = sc + " x";
  check_error(bad, C::not_well_formed, at_last(bad, "x"));
}

TEST_CASE("after the close: whitespace is nothing, any other byte is not-well-formed") {
  const std::string closed = H + std::string(kStreamClose);
  const Log log = check_ok(closed + " \r\n\t ");
  CHECK(kinds(log) == "stream_open stream_close");
  for (const char* tail :
       {"x", "<", "<a/>", "&amp;", "\xC3\xA9", "<stream:stream>", "\xEF\xBB\xBF"}) {
    const std::string in = closed + "  " + tail;
    INFO("tail: " << printable(tail));
    check_error(in, C::not_well_formed, closed.size() + 2);
  }
}

TEST_CASE("non-whitespace character data before the header is not-well-formed at its first byte") {
  check_error("hello" + H, C::not_well_formed, 0);
  check_error("  \n x" + H, C::not_well_formed, 4);
  const std::string decl = "<?xml version='1.0'?>";
  check_error(decl + " x" + H, C::not_well_formed, decl.size() + 1);
  check_error("&lt;" + H, C::not_well_formed, 0);
  check_error("&#32;" + H, C::not_well_formed, 0);
  // CDATA: at the '['.
  check_error("<![CDATA[x]]>" + H, C::not_well_formed, 2);
  check_error(" <![CDATA[x]]>" + H, C::not_well_formed, 3);
  // A UTF-8 BOM is the character U+FEFF (RFC 6120 §11.6).
  check_error("\xEF\xBB\xBF" + H, C::not_well_formed, 0);
  check_error("\xEF\xBB\xBF<?xml version='1.0'?>" + H, C::not_well_formed, 0);
  check_error(decl + "\xEF\xBB\xBF" + H, C::not_well_formed, decl.size());
  // U+00A0 is not XML whitespace.
  check_error("\xC2\xA0" + H, C::not_well_formed, 0);
}

TEST_CASE("character data at stream level is not-well-formed at its first byte") {
  check_error(H + "hi", C::not_well_formed, H.size());
  check_error(H + " \n x", C::not_well_formed, H.size() + 3);
  check_error(H + "<a/>x<b/>", C::not_well_formed, H.size() + 4);
  check_error(H + "&amp;", C::not_well_formed, H.size());
  check_error(H + "&#32;", C::not_well_formed, H.size());
  check_error(H + "&#x20;", C::not_well_formed, H.size());
  check_error(H + "<![CDATA[ ]]>", C::not_well_formed, H.size() + 2);
  check_error(H + "<a/><![CDATA[x]]>", C::not_well_formed, H.size() + 4 + 2);
  check_error(H + "\xEF\xBB\xBF", C::not_well_formed, H.size());
  check_error(H + "\xC2\xA0", C::not_well_formed, H.size());
  check_error(H + ">", C::not_well_formed, H.size());
}

TEST_CASE("header must be {http://etherx.jabber.org/streams}stream: invalid-namespace at its '>'") {
  const char* const headers[] = {
      "<stream:stream xmlns:stream='urn:wrong' xmlns='jabber:client'>",
      "<stream:stream xmlns:stream='http://etherx.jabber.org/streams/' xmlns='jabber:client' >",
      "<stream xmlns='jabber:client'>",
      "<stream>",
      "<stream:features xmlns:stream='http://etherx.jabber.org/streams'>",
      "<message xmlns='jabber:client' to='a'>",
      "<foo xmlns='http://etherx.jabber.org/streams'/>",
      "<?xml version='1.0'?><stream:Stream xmlns:stream='http://etherx.jabber.org/streams'>",
  };
  for (const char* h : headers) {
    const std::string in = h;
    check_error(in, C::invalid_namespace, in.size() - 1);
    // Nothing after the header's '>' matters.
    check_error(in + "<message/>", C::invalid_namespace, in.size() - 1);
  }
}

TEST_CASE("a header with an undeclared prefix is bad-namespace-prefix at its '>'") {
  const std::string in = "<stream:stream xmlns='jabber:client' to='example.com'>";
  check_error(in, C::bad_namespace_prefix, in.size() - 1);
}
