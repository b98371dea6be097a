// The writer: escaping, refusals (with the output untouched), namespace declarations only where
// needed, and WriteScope.
#include <doctest/doctest.h>

#include <initializer_list>
#include <iterator>
#include <set>
#include <string>

#include "stream_test_util.hpp"
#include "xmpp/xml/arena.hpp"
#include "xmpp/xml/builder.hpp"
#include "xmpp/xml/writer.hpp"

using namespace xmpp::test;
using namespace std::string_literals;
namespace xml = xmpp::xml;
using W = xml::WriteStatus;

namespace {

std::string status_name(W s) {
  return std::string(xml::to_string(s));
}

xml::WriteScope client_scope() {
  xml::WriteScope scope;
  scope.default_ns = "jabber:client";
  scope.bind("stream", kStreamNs);
  return scope;
}

// Writes `e` in the scope of `header`, parses header + output and checks that the result is
// equivalent to `e`. Returns the output.
std::string round_trip(xml::Element e, std::string_view header = kClientHeader) {
  OpenStream h(header);
  const xml::WriteScope scope = xml::WriteScope::of_stream_header(h.parser.header());
  std::string out;
  const W status = xml::write(e, out, scope);
  REQUIRE(status_name(status) == status_name(W::ok));
  INFO("written: " << printable(out));
  const xml::Element parsed = h.element(out);
  CHECK(xml::equivalent(parsed, e));
  return out;
}

// Escaped form of a single attribute value: parse it back inside an element.
std::string parse_attribute_back(const std::string& escaped) {
  OpenStream s;
  return std::string(s.element("<a v='" + escaped + "'/>").attribute_or_empty("v"));
}
std::string parse_text_back(const std::string& escaped) {
  OpenStream s;
  return std::string(s.element("<a>" + escaped + "</a>").text());
}

bool one_of(const std::string& s, std::initializer_list<const char*> options) {
  for (const char* o : options) {
    if (s == o) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("write_escaped_text: & < > and CR") {
  std::string out = "pre:";
  CHECK(status_name(xml::write_escaped_text("a&b<c>d", out)) == "ok");
  CHECK(out == "pre:a&amp;b&lt;c&gt;d");
  out.clear();
  CHECK(status_name(xml::write_escaped_text("\r", out)) == "ok");
  CHECK(one_of(out, {"&#13;", "&#xD;", "&#xd;", "&#x0D;", "&#x0d;"}));
  out.clear();
  CHECK(status_name(xml::write_escaped_text("]]>", out)) == "ok");
  CHECK(out.find("]]>") == std::string::npos);
  // Everything else passes through unchanged.
  const std::string plain = "plain 'quoted' \"text\"\t\n \xC3\xA9\xF0\x9F\x98\x80 \xEF\xBF\xBD";
  out.clear();
  CHECK(status_name(xml::write_escaped_text(plain, out)) == "ok");
  CHECK(parse_text_back(out) == plain);
  const std::string all = "a&b<c>d\re\r\nf]]>g\t\n";
  out.clear();
  CHECK(status_name(xml::write_escaped_text(all, out)) == "ok");
  CHECK(out.find('\r') == std::string::npos);
  CHECK(parse_text_back(out) == all);
}

TEST_CASE("write_escaped_attribute: & < ' \" TAB LF CR survive a parse") {
  std::string out = "pre:";
  CHECK(status_name(xml::write_escaped_attribute("a&b<c", out)) == "ok");
  CHECK(out == "pre:a&amp;b&lt;c");
  out.clear();
  CHECK(status_name(xml::write_escaped_attribute("'", out)) == "ok");
  CHECK(one_of(out, {"&apos;", "&#39;", "&#x27;"}));
  const std::string tricky = "a&b<c>d'e\"f\tg\nh\ri\r\nj]]>k \xC3\xA9";
  out.clear();
  CHECK(status_name(xml::write_escaped_attribute(tricky, out)) == "ok");
  for (char c : {'\'', '<', '\t', '\n', '\r'}) {
    INFO("character " << static_cast<int>(c));
    CHECK(out.find(c) == std::string::npos);
  }
  CHECK(parse_attribute_back(out) == tricky);
}

TEST_CASE("escapers refuse what XML cannot carry and append nothing") {
  struct Case {
    std::string input;
    W status;
  };
  const Case cases[] = {
      {"a\x01"
       "b"s,
       W::illegal_character},
      {"a\0b"s, W::illegal_character},
      {"\x1F"s, W::illegal_character},
      {"x\xEF\xBF\xBE"s, W::illegal_character},  // U+FFFE
      {"x\xEF\xBF\xBF"s, W::illegal_character},  // U+FFFF
      {"a\xC0\x80"s, W::invalid_utf8},
      {"a\xED\xA0\x80"s, W::invalid_utf8},      // surrogate
      {"a\xF4\x90\x80\x80"s, W::invalid_utf8},  // above U+10FFFF
      {"a\xE2\x82"s, W::invalid_utf8},          // truncated at the end
      {"a\xE2\x82z"s, W::invalid_utf8},         // truncated
      {"\x80"s, W::invalid_utf8},
      {"\xFF"s, W::invalid_utf8},
  };
  for (const Case& c : cases) {
    INFO("input " << printable(c.input));
    std::string out = "keep";
    CHECK(status_name(xml::write_escaped_text(c.input, out)) == status_name(c.status));
    CHECK(out == "keep");
    CHECK(status_name(xml::write_escaped_attribute(c.input, out)) == status_name(c.status));
    CHECK(out == "keep");
  }
}

TEST_CASE("to_string(WriteStatus) names every status") {
  std::set<std::string> names;
  for (W s : {W::ok, W::invalid_utf8, W::illegal_character, W::invalid_name, W::too_deep}) {
    const std::string n = status_name(s);
    CHECK_FALSE(n.empty());
    names.insert(n);
  }
  CHECK(names.size() == 5);
}

TEST_CASE("write: a stanza in the stream's default namespace gets no xmlns") {
  xml::Arena arena;
  xml::Builder b(arena, "message", "jabber:client");
  b.attribute("to", "x").start("body").text("hi").end();
  std::string out;
  CHECK(status_name(xml::write(b.root(), out, client_scope())) == "ok");
  CHECK(out == "<message to='x'><body>hi</body></message>");
  round_trip(b.root());
}

TEST_CASE("write: a child in another namespace gets one xmlns") {
  xml::Arena arena;
  xml::Builder b(arena, "iq", "jabber:client");
  b.attribute("type", "get").start("query", "jabber:iq:roster").start("item").text("n").end();
  std::string out;
  CHECK(status_name(xml::write(b.root(), out, client_scope())) == "ok");
  CHECK(out == "<iq type='get'><query xmlns='jabber:iq:roster'><item>n</item></query></iq>");
  round_trip(b.root());
}

TEST_CASE("write: back to the outer namespace, and no namespace at all") {
  xml::Arena arena;
  xml::Builder b(arena, "message", "jabber:client");
  b.start("x", "urn:x").start("y", "jabber:client").text("t").end().end();
  std::string out;
  CHECK(status_name(xml::write(b.root(), out, client_scope())) == "ok");
  CHECK(out == "<message><x xmlns='urn:x'><y xmlns='jabber:client'>t</y></x></message>");
  round_trip(b.root());

  xml::Arena arena2;
  xml::Builder n(arena2, "a", "");
  n.text("t");
  out.clear();
  CHECK(status_name(xml::write(n.root(), out, client_scope())) == "ok");
  CHECK(out == "<a xmlns=''>t</a>");
  round_trip(n.root());
  // With no default namespace in scope, nothing needs declaring.
  out.clear();
  CHECK(status_name(xml::write(n.root(), out)) == "ok");
  CHECK(out == "<a>t</a>");
}

TEST_CASE("write: with an empty scope the root declares its namespace") {
  xml::Arena arena;
  xml::Builder b(arena, "message", "jabber:client");
  b.start("body").text("t").end().start("thread").text("u").end();
  std::string out;
  CHECK(status_name(xml::write(b.root(), out)) == "ok");
  CHECK(out == "<message xmlns='jabber:client'><body>t</body><thread>u</thread></message>");
}

TEST_CASE("write: xml:lang needs no declaration") {
  xml::Arena arena;
  xml::Builder b(arena, "body", "jabber:client");
  b.attribute("lang", xml::kXmlNamespace, "en", "xml").text("t");
  std::string out;
  CHECK(status_name(xml::write(b.root(), out, client_scope())) == "ok");
  CHECK(out == "<body xml:lang='en'>t</body>");
  round_trip(b.root());
}

TEST_CASE("write: prefixes are used when bound in scope, else a default declaration") {
  OpenStream h;
  const xml::WriteScope scope = xml::WriteScope::of_stream_header(h.parser.header());
  {
    xml::Arena arena;
    xml::Builder b(arena, "features", kStreamNs);
    b.prefix("stream").start("bind", "urn:ietf:params:xml:ns:xmpp-bind").text("x").end();
    std::string out;
    CHECK(status_name(xml::write(b.root(), out, scope)) == "ok");
    CHECK(out ==
          "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>x</bind>"
          "</stream:features>");
    round_trip(b.root());
  }
  {
    xml::Arena arena;
    xml::Builder b(arena, "a", "urn:x");
    b.prefix("p").start("b").text("t").end();
    std::string out;
    CHECK(status_name(xml::write(b.root(), out, scope)) == "ok");
    CHECK(out == "<a xmlns='urn:x'><b>t</b></a>");
    round_trip(b.root());
  }
  {
    // XEP-0220: a prefix the header declares.
    const std::string server_header =
        "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' "
        "xmlns:db='jabber:server:dialback'>";
    OpenStream sh(server_header);
    const xml::WriteScope sscope = xml::WriteScope::of_stream_header(sh.parser.header());
    xml::Arena arena;
    xml::Builder b(arena, "result", "jabber:server:dialback");
    b.prefix("db").attribute("from", "a").text("k");
    std::string out;
    CHECK(status_name(xml::write(b.root(), out, sscope)) == "ok");
    CHECK(out == "<db:result from='a'>k</db:result>");
    round_trip(b.root(), server_header);
  }
}

TEST_CASE("write: namespaced attributes get a prefix declaration") {
  xml::Arena arena;
  xml::Builder b(arena, "a", "jabber:client");
  b.attribute("b", "urn:p", "v", "p").text("t");
  std::string out;
  CHECK(status_name(xml::write(b.root(), out, client_scope())) == "ok");
  CHECK(out.find("xmlns:p='urn:p'") != std::string::npos);
  CHECK(out.find("p:b='v'") != std::string::npos);
  round_trip(b.root());

  // An attribute in the element's own (default) namespace still needs a prefix.
  xml::Arena arena2;
  xml::Builder c(arena2, "a", "jabber:client");
  c.attribute("k", "jabber:client", "v").attribute("b", "w").text("t");
  out.clear();
  CHECK(status_name(xml::write(c.root(), out, client_scope())) == "ok");
  CHECK(out.find(":k='v'") != std::string::npos);
  CHECK(out.find(" b='w'") != std::string::npos);
  round_trip(c.root());

  // Two attributes with the same local name in two namespaces, prefix hints clashing.
  xml::Arena arena3;
  xml::Builder d(arena3, "a", "jabber:client");
  d.attribute("b", "urn:1", "1", "p").attribute("b", "urn:2", "2", "p").text("t");
  round_trip(d.root());
}

TEST_CASE("write: an attribute's prefix hint never changes the element's namespace") {
  // The element uses prefix p, bound to urn:e by the stream header; an attribute in another
  // namespace asks for the same prefix. Rebinding p on this element would move it to urn:x.
  const std::string header =
      "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
      "xmlns:p='urn:e'>";
  xml::Arena arena;
  xml::Builder b(arena, "a", "urn:e");
  b.prefix("p").attribute("b", "urn:x", "v", "p").text("t");
  round_trip(b.root(), header);
  round_trip(b.root());

  // The same with the binding made by the writer itself on an ancestor.
  xml::Arena arena2;
  xml::Builder c(arena2, "a", "urn:e");
  c.prefix("p").start("c", "urn:e").prefix("p").attribute("k", "urn:x", "v", "p").end();
  round_trip(c.root());
}

TEST_CASE("write: empty text runs round-trip") {
  xml::Arena arena;
  xml::Builder b(arena, "a", "jabber:client");
  b.text("").start("b").text("").end().text("");
  round_trip(b.root());
}

TEST_CASE("write: many attribute namespaces on one element") {
  // The parser accepts up to Limits::max_attributes (256) attributes and declarations; an element
  // with attributes in 40 namespaces and no prefix hints must be writable too.
  xml::Arena arena;
  xml::Builder b(arena, "a", "jabber:client");
  for (int i = 0; i < 40; ++i)
    b.attribute("k", "urn:ns:" + std::to_string(i), "v");
  b.start("c").attribute("k", "urn:ns:1", "w").end();
  round_trip(b.root());

  std::string stanza = "<a";
  for (int i = 0; i < 40; ++i) {
    stanza += " xmlns:p" + std::to_string(i) + "='urn:ns:" + std::to_string(i) + "' p" +
              std::to_string(i) + ":k='v'";
  }
  stanza += "/>";
  OpenStream s;
  round_trip(s.element(stanza));
}

TEST_CASE("write: namespace declarations are not repeated") {
  xml::Arena arena;
  xml::Builder b(arena, "a", "urn:deep");
  for (int i = 0; i < 10; ++i)
    b.start("b");
  b.text("t");
  std::string out;
  CHECK(status_name(xml::write(b.root(), out, client_scope())) == "ok");
  std::size_t n = 0;
  for (std::size_t p = out.find("xmlns"); p != std::string::npos; p = out.find("xmlns", p + 1))
    ++n;
  CHECK(n == 1);
  round_trip(b.root());

  // A parsed tree with redundant declarations writes none of them.
  OpenStream s;
  const xml::Element e =
      s.element("<a xmlns='jabber:client'><b xmlns='jabber:client'>t</b><c>u</c></a>");
  out.clear();
  CHECK(status_name(xml::write(e, out, client_scope())) == "ok");
  CHECK(out == "<a><b>t</b><c>u</c></a>");
}

TEST_CASE("write: text and attribute values are escaped") {
  xml::Arena arena;
  xml::Builder b(arena, "a", "jabber:client");
  b.attribute("v", "x&y<z>'\"\t\n\r").text("a&b<c>d]]>e\r\nf\r");
  const std::string out = round_trip(b.root());
  CHECK(out.find('\r') == std::string::npos);
  CHECK(out.find("]]>") == std::string::npos);
  CHECK(out.find("&amp;") != std::string::npos);
  CHECK(out.find("&lt;") != std::string::npos);
}

TEST_CASE("write: parsed trees with prefixes round-trip") {
  OpenStream s;
  const std::string stanzas[] = {
      "<p:a xmlns:p='urn:p'><p:b>t</p:b><c/></p:a>",
      "<a xmlns:p='urn:p' p:x='1'><b xmlns='' p:y='2'><c/></b></a>",
      "<stream:features><x xmlns='urn:x'/></stream:features>",
      "<a xml:lang='en'><b xmlns:xml='http://www.w3.org/XML/1998/namespace' xml:space='x'/></a>",
      "<a xmlns='urn:s' xmlns:s='urn:s' s:k='1'><s:b k='2'/></a>",
  };
  for (const std::string& stanza : stanzas) {
    INFO("stanza " << stanza);
    round_trip(s.element(stanza));
  }
}

TEST_CASE("write refuses invalid names, characters and UTF-8, leaving out unchanged") {
  struct Case {
    const char* what;
    W status;
    void (*build)(xml::Builder&);
  };
  const Case cases[] = {
      {"element name starting with a digit", W::invalid_name,
       [](xml::Builder& b) { b.start("1a").end(); }},
      {"empty element name", W::invalid_name, [](xml::Builder& b) { b.start("").end(); }},
      {"element name with a colon", W::invalid_name, [](xml::Builder& b) { b.start("a:b").end(); }},
      {"element name with a space", W::invalid_name, [](xml::Builder& b) { b.start("a b").end(); }},
      {"attribute name with a space", W::invalid_name,
       [](xml::Builder& b) { b.start("c").attribute("x y", "1").end(); }},
      {"empty attribute name", W::invalid_name,
       [](xml::Builder& b) { b.start("c").attribute("", "1").end(); }},
      {"attribute name with a colon", W::invalid_name,
       [](xml::Builder& b) { b.start("c").attribute("x:y", "1").end(); }},
      {"element name not UTF-8", W::invalid_utf8, [](xml::Builder& b) { b.start("a\xFF").end(); }},
      {"control character in text", W::illegal_character,
       [](xml::Builder& b) { b.start("c").text("x\x01y").end(); }},
      {"NUL in an attribute", W::illegal_character,
       [](xml::Builder& b) { b.start("c").attribute("k", std::string_view("x\0y", 3)).end(); }},
      {"U+FFFE in text", W::illegal_character,
       [](xml::Builder& b) { b.start("c").text("\xEF\xBF\xBE").end(); }},
      {"invalid UTF-8 in text", W::invalid_utf8,
       [](xml::Builder& b) { b.start("c").text("\xC0\x80").end(); }},
      {"surrogate in an attribute", W::invalid_utf8,
       [](xml::Builder& b) { b.start("c").attribute("k", "\xED\xB0\x80").end(); }},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    xml::Arena arena;
    xml::Builder b(arena, "message", "jabber:client");
    b.attribute("to", "x").start("body").text("fine").end();
    c.build(b);
    b.start("after").text("fine").end();
    std::string out = "<previous/>";
    CHECK(status_name(xml::write(b.root(), out, client_scope())) == status_name(c.status));
    CHECK(out == "<previous/>");
  }
}

TEST_CASE("write refuses trees that cannot mean what they say") {
  struct Case {
    const char* what;
    void (*build)(xml::Builder&);
  };
  const Case cases[] = {
      {"unprefixed attribute named xmlns", [](xml::Builder& b) { b.attribute("xmlns", "u"); }},
      {"attribute in the xmlns namespace",
       [](xml::Builder& b) { b.attribute("p", "http://www.w3.org/2000/xmlns/", "u"); }},
      {"element in the xmlns namespace",
       [](xml::Builder& b) { b.start("e", "http://www.w3.org/2000/xmlns/").end(); }},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    xml::Arena arena;
    xml::Builder b(arena, "message", "jabber:client");
    c.build(b);
    std::string out = "kept";
    CHECK(status_name(xml::write(b.root(), out, client_scope())) != "ok");
    CHECK(out == "kept");
  }
}

TEST_CASE("write: kWriterMaxDepth levels are written, one more is too_deep") {
  for (const std::size_t depth : {xml::kWriterMaxDepth, xml::kWriterMaxDepth + 1}) {
    xml::Arena arena;
    xml::Builder b(arena, "a", "jabber:client");
    for (std::size_t i = 1; i < depth; ++i)
      b.start("a");
    std::string out = "kept";
    const W status = xml::write(b.root(), out, client_scope());
    if (depth > xml::kWriterMaxDepth) {
      CHECK(status_name(status) == status_name(W::too_deep));
      CHECK(out == "kept");
    } else {
      CHECK(status_name(status) == "ok");
      CHECK(out.size() > 4 + depth * 4);
    }
  }
}

TEST_CASE("WriteScope: bind() and of_stream_header()") {
  static const char* const kPrefixes[] = {"p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7"};
  static_assert(std::size(kPrefixes) == xml::WriteScope::kMaxPrefixes);
  xml::WriteScope scope;
  for (const char* p : kPrefixes)
    CHECK(scope.bind(p, "urn:x"));
  CHECK_FALSE(scope.bind("q", "urn:q"));
  CHECK(scope.prefix_count == xml::WriteScope::kMaxPrefixes);

  auto bound = [](const xml::WriteScope& s, std::string_view prefix) -> std::string {
    for (std::size_t i = 0; i < s.prefix_count; ++i) {
      if (s.prefixes[i].prefix == prefix) return std::string(s.prefixes[i].uri);
    }
    return "(unbound)";
  };
  OpenStream c(kClientHeader);
  const xml::WriteScope cs = xml::WriteScope::of_stream_header(c.parser.header());
  CHECK(cs.default_ns == "jabber:client");
  CHECK(bound(cs, "stream") == kStreamNs);

  OpenStream k(kComponentHeader);
  const xml::WriteScope ks = xml::WriteScope::of_stream_header(k.parser.header());
  CHECK(ks.default_ns == "jabber:component:accept");
  CHECK(bound(ks, "stream") == kStreamNs);

  OpenStream n("<stream:stream xmlns:stream='http://etherx.jabber.org/streams'>");
  const xml::WriteScope ns = xml::WriteScope::of_stream_header(n.parser.header());
  CHECK(ns.default_ns.empty());
  // Written into it, an element of jabber:client declares its namespace.
  xml::Arena arena;
  xml::Builder b(arena, "message", "jabber:client");
  b.text("t");
  std::string out;
  CHECK(status_name(xml::write(b.root(), out, ns)) == "ok");
  CHECK(out == "<message xmlns='jabber:client'>t</message>");
  out.clear();
  CHECK(status_name(xml::write(b.root(), out, ks)) == "ok");
  CHECK(out == "<message xmlns='jabber:client'>t</message>");
}
