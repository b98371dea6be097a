// How bytes are fed: chunking, `consumed`, restarts with reset(), sticky errors, memory, and a
// large text node fed one byte at a time.
#include <doctest/doctest.h>

#include <string>
#include <utility>

#include "stream_test_util.hpp"
#include "xmpp/xml/builder.hpp"
#include "xmpp/xml/stream_parser.hpp"

using namespace xmpp::test;
using namespace std::string_literals;
namespace xml = xmpp::xml;
using C = xmpp::StreamErrorCondition;

namespace {

const std::string H(kClientHeader);

const std::string kSession =
    "<?xml version='1.0' encoding='UTF-8'?>\r\n" + H +
    "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"
    "</stream:features>\n "
    "<message from='juliet@example.com/balcony' to='romeo@example.net' type='chat' "
    "xml:lang='en' id='a&amp;b'>\r\n"
    "  <body>Wherefore &lt;art&gt; thou, R\xC3\xB6meo? \xF0\x9F\x98\x80 &#x1F600;&#233;</body>\r\n"
    "  <x xmlns='urn:x' a=\"it's\"><![CDATA[<raw> & ]] ]]]]><y xmlns=''/></x>\r"
    "</message>\t"
    "<presence/><iq type='get' id='1'><query xmlns='jabber:iq:roster'/></iq>\n"
    "</stream:stream>\n";

}  // namespace

TEST_CASE("every chunk size gives the same events, offsets and trees") {
  const Log whole = run(kSession);
  INFO(whole.describe());
  REQUIRE_FALSE(whole.failed);
  CHECK(whole.contract_violations.empty());
  CHECK(whole.count(xml::ParseEvent::stream_open) == 1);
  CHECK(whole.count(xml::ParseEvent::element) == 4);
  CHECK(whole.count(xml::ParseEvent::stream_close) == 1);
  CHECK(whole.consumed_total == kSession.size());
  const std::string expected = whole.describe();
  for (std::size_t size = 1; size <= kSession.size(); ++size) {
    const Log log = run(kSession, Chunking{size});
    if (log.describe() != expected) {
      INFO("chunk size " << size);
      CHECK(log.describe() == expected);
      break;
    }
  }
  // Irregular chunkings.
  for (std::size_t first = 1; first < 40; ++first) {
    const Log log = run(kSession, Chunking{first, 1, 2, 3, 5, 8, 13, 21, 34, 1, 1, 7});
    if (log.describe() != expected) {
      INFO("irregular chunking starting " << first);
      CHECK(log.describe() == expected);
      break;
    }
  }
}

TEST_CASE("an error is the same under every chunk size") {
  const std::string bad = kSession.substr(0, kSession.find("<presence/>")) + "<presence><!--";
  const Log whole = run(bad);
  REQUIRE(whole.failed);
  const std::string expected = whole.describe();
  for (std::size_t size = 1; size <= bad.size(); ++size) {
    const Log log = run(bad, Chunking{size});
    if (log.describe() != expected) {
      INFO("chunk size " << size);
      CHECK(log.describe() == expected);
      break;
    }
  }
}

TEST_CASE("consumed stops right after <proceed/> so the rest can go to TLS") {
  const std::string proceed = "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
  const std::string tls = "GARBAGE\x16\x03\x01\x02\x00"s;
  const std::string buffer = H + proceed + tls;
  xml::StreamParser p;
  std::string_view in = buffer;
  xml::ParseResult r = p.parse(in);
  REQUIRE(event_name(r.event) == "stream_open");
  CHECK(r.consumed == H.size());
  in.remove_prefix(r.consumed);
  r = p.parse(in);
  REQUIRE(event_name(r.event) == "element");
  CHECK(r.consumed == proceed.size());
  CHECK(p.element().is("proceed", "urn:ietf:params:xml:ns:xmpp-tls"));
  in.remove_prefix(r.consumed);
  CHECK(in == tls);
  CHECK(p.offset() == H.size() + proceed.size());

  // Byte by byte: the element completes exactly at the '>'.
  xml::StreamParser q;
  REQUIRE(event_name(q.parse(H).event) == "stream_open");
  for (std::size_t i = 0; i < proceed.size(); ++i) {
    const xml::ParseResult b = q.parse(std::string_view(proceed).substr(i, 1));
    CHECK(b.consumed == 1);
    if (i + 1 < proceed.size()) {
      REQUIRE(event_name(b.event) == "need_more");
    } else {
      REQUIRE(event_name(b.event) == "element");
    }
  }

  // After TLS: a new stream on the same parser.
  p.reset();
  CHECK(p.offset() == 0);
  CHECK_FALSE(p.stream_open());
  const std::string restart = "<?xml version='1.0'?>" + H;
  r = p.parse(restart);
  CHECK(event_name(r.event) == "stream_open");
  CHECK(r.consumed == restart.size());
  CHECK(p.offset() == restart.size());
}

TEST_CASE("reset() after <success/> with the new header in the same buffer") {
  const std::string success = "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>dj0=</success>";
  const std::string header2 =
      "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
      "xmlns:stream='http://etherx.jabber.org/streams' id='second' version='1.0'>";
  const std::string features =
      "<stream:features><bind "
      "xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>";
  const std::string buffer = H + success + header2 + features;
  xml::StreamParser p;
  std::string_view in = buffer;
  xml::ParseResult r = p.parse(in);
  REQUIRE(event_name(r.event) == "stream_open");
  in.remove_prefix(r.consumed);
  r = p.parse(in);
  REQUIRE(event_name(r.event) == "element");
  CHECK(p.element().is("success", "urn:ietf:params:xml:ns:xmpp-sasl"));
  CHECK(p.element().text() == "dj0=");
  in.remove_prefix(r.consumed);
  CHECK(in.substr(0, header2.size()) == header2);

  p.reset();
  r = p.parse(in);
  REQUIRE(event_name(r.event) == "stream_open");
  CHECK(r.consumed == header2.size());
  CHECK(p.offset() == header2.size());
  CHECK(p.header().attribute("id") == "second");
  in.remove_prefix(r.consumed);
  r = p.parse(in);
  REQUIRE(event_name(r.event) == "element");
  CHECK(r.consumed == features.size());
  CHECK(p.element().is("features", kStreamNs));
  CHECK(p.element().child("bind", "urn:ietf:params:xml:ns:xmpp-bind"));
  CHECK(p.offset() == header2.size() + features.size());
}

TEST_CASE("reset() in the middle of an element, before a header, and after a close") {
  xml::StreamParser p;
  REQUIRE(event_name(p.parse(H).event) == "stream_open");
  CHECK(event_name(p.parse("<message><bo").event) == "need_more");
  p.reset();
  CHECK(event_name(p.parse(H).event) == "stream_open");
  CHECK(event_name(p.parse("<a/>").event) == "element");
  CHECK(event_name(p.parse(kStreamClose).event) == "stream_close");
  CHECK(p.stream_closed());
  p.reset();
  CHECK_FALSE(p.stream_closed());
  CHECK_FALSE(p.stream_open());
  CHECK(event_name(p.parse("<?xml version='1.0'?>").event) == "need_more");
  p.reset();
  // The declaration is allowed again at the new offset 0.
  const xml::ParseResult r = p.parse("<?xml version='1.0'?>" + H);
  CHECK(event_name(r.event) == "stream_open");
}

TEST_CASE("errors are sticky until reset()") {
  xml::StreamParser p;
  REQUIRE(event_name(p.parse(H).event) == "stream_open");
  const std::string bad = "<a><!-- x -->";
  xml::ParseResult r = p.parse(bad);
  REQUIRE(event_name(r.event) == "error");
  const xml::ParseError first = p.error();
  CHECK(to_string(first.condition) == "restricted-xml");
  CHECK(first.offset == H.size() + 5);
  CHECK_FALSE(first.message.empty());
  for (const std::string& more : {"<b/>"s, ""s, " "s, H, std::string(kStreamClose)}) {
    r = p.parse(more);
    CHECK(event_name(r.event) == "error");
    CHECK(r.consumed == 0);
    CHECK(to_string(p.error().condition) == "restricted-xml");
    CHECK(p.error().offset == first.offset);
  }
  p.reset();
  r = p.parse(H);
  CHECK(event_name(r.event) == "stream_open");
  CHECK(r.consumed == H.size());
  CHECK(p.offset() == H.size());
  r = p.parse("<a/>");
  CHECK(event_name(r.event) == "element");
  // Offsets of a new error count from the reset.
  r = p.parse("<b><?pi?>");
  REQUIRE(event_name(r.event) == "error");
  CHECK(p.error().offset == H.size() + 4 + 4);
}

TEST_CASE("a moved parser continues where it was") {
  xml::StreamParser p;
  REQUIRE(event_name(p.parse(H).event) == "stream_open");
  CHECK(event_name(p.parse("<message><body>x").event) == "need_more");
  xml::StreamParser q(std::move(p));
  xml::ParseResult r = q.parse("y</body></message>");
  REQUIRE(event_name(r.event) == "element");
  CHECK(q.element().child("body").text() == "xy");
  xml::StreamParser s;
  s = std::move(q);
  r = s.parse("<presence/>");
  CHECK(event_name(r.event) == "element");
  CHECK(s.header().attribute("to") == "example.com");
  CHECK(s.offset() == H.size() + 34 + 11);
}

TEST_CASE("the header stays valid while elements come and go") {
  OpenStream s;
  for (int i = 0; i < 200; ++i) {
    const std::string stanza = "<message id='" + std::to_string(i) + "'><body>" +
                               std::string(100, 'x') + "</body></message>";
    CHECK(s.element(stanza).attribute("id") == std::to_string(i));
  }
  const xml::Element h = s.parser.header();
  CHECK(h.attribute("to") == "example.com");
  CHECK(h.attribute("version") == "1.0");
}

TEST_CASE("heap use reaches a steady state and release_memory() gives it back") {
  OpenStream s;
  const std::string big = "<message><body>" + std::string(100000, 'x') + "</body></message>";
  CHECK(s.element(big).child("body").text().size() == 100000);
  const std::size_t after_big = s.parser.heap_bytes();
  CHECK(after_big >= 100000);
  s.parser.release_memory();
  CHECK(s.parser.heap_bytes() < after_big);
  CHECK(s.element("<a>x</a>").text() == "x");

  const std::string stanza = "<message to='a'><body>hello</body><x xmlns='urn:x' a='1'/></message>";
  for (int i = 0; i < 10; ++i)
    s.element(stanza);
  const std::size_t steady = s.parser.heap_bytes();
  for (int i = 0; i < 1000; ++i)
    s.element(stanza);
  CHECK(s.parser.heap_bytes() == steady);
}

TEST_CASE("release_memory() between the bytes of an element keeps the partial element") {
  OpenStream s;
  CHECK(event_name(s.parser.parse("<message to='x'><body>abc").event) == "need_more");
  s.parser.release_memory();
  const std::string rest = "def" + std::string(5000, 'y') + "</body></message>";
  const xml::ParseResult r = s.parser.parse(rest);
  REQUIRE(event_name(r.event) == "element");
  CHECK(r.consumed == rest.size());
  CHECK(s.parser.element().attribute("to") == "x");
  CHECK(s.parser.element().child("body").text() == "abcdef" + std::string(5000, 'y'));
}

TEST_CASE("a 10 MB text node fed one byte at a time completes") {
  // A smoke test against quadratic behaviour: each byte must cost O(1).
  xml::Limits l;
  l.max_element_bytes = 16 * 1024 * 1024;
  l.max_tree_bytes = 32 * 1024 * 1024;
  const std::size_t n = 10 * 1024 * 1024;
  std::string in = H + "<message><body>";
  const std::size_t text_start = in.size();
  in.append(n, 'x');
  for (std::size_t i = text_start; i + 16 < in.size(); i += 4096) {
    in.replace(i, 8, "&amp;\xC3\xA9\r");  // 8 bytes decoding to "&\xC3\xA9\n" (4 bytes)
  }
  in += "</body></message>";
  xml::StreamParser p(l);
  std::size_t events = 0;
  std::size_t bad_results = 0;
  std::string last_event;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const xml::ParseResult r = p.parse(std::string_view(in).substr(i, 1));
    if (r.consumed != 1) ++bad_results;
    if (r.event != xml::ParseEvent::need_more) {
      ++events;
      last_event = event_name(r.event);
      if (r.event == xml::ParseEvent::error) break;
    }
  }
  CHECK(bad_results == 0);
  CHECK(events == 2);
  REQUIRE(last_event == "element");
  const std::string_view text = p.element().child("body").text();
  const std::size_t replaced = (n - 16 + 4095) / 4096;
  CHECK(text.size() == n - 4 * replaced);
  CHECK(text.substr(0, 4) == "&\xC3\xA9\n");
  CHECK(text.back() == 'x');
}

TEST_CASE("a 4 MB attribute value and 4 MB of keepalive whitespace fed one byte at a time") {
  xml::Limits l;
  l.max_element_bytes = 8 * 1024 * 1024;
  l.max_tree_bytes = 16 * 1024 * 1024;
  const std::size_t n = 4 * 1024 * 1024;
  const std::string in = H + std::string(n, ' ') + "<a v='" + std::string(n, 'y') + "'/>";
  xml::StreamParser p(l);
  std::size_t events = 0;
  std::string last_event;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const xml::ParseResult r = p.parse(std::string_view(in).substr(i, 1));
    if (r.event != xml::ParseEvent::need_more) {
      ++events;
      last_event = event_name(r.event);
      if (r.event == xml::ParseEvent::error) break;
    }
  }
  CHECK(events == 2);
  REQUIRE(last_event == "element");
  CHECK(p.element().attribute_or_empty("v").size() == n);
}
