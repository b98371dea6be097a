// Element views: attributes, children, text, navigation and equivalent().
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "stream_test_util.hpp"
#include "xmpp/xml/arena.hpp"
#include "xmpp/xml/builder.hpp"
#include "xmpp/xml/element.hpp"

using namespace xmpp::test;
namespace xml = xmpp::xml;

namespace {

// Parses two stanzas (each with its own parser, so both trees stay valid) and compares them.
bool equivalent_stanzas(const std::string& a, const std::string& b) {
  OpenStream pa;
  OpenStream pb;
  const xml::Element ea = pa.element(a);
  const xml::Element eb = pb.element(b);
  const bool ab = xml::equivalent(ea, eb);
  const bool ba = xml::equivalent(eb, ea);
  CHECK_MESSAGE(ab == ba, "equivalent() is not symmetric for " << a << " and " << b);
  return ab;
}

}  // namespace

TEST_CASE("attribute lookup by local name and namespace") {
  OpenStream s;
  const xml::Element m = s.element(
      "<message from='a' to='b' xmlns:p='urn:p' p:to='c' xml:lang='en'><body/></message>");
  CHECK(m.attribute("from") == "a");
  CHECK(m.attribute("to") == "b");
  CHECK(m.attribute("to", "urn:p") == "c");
  CHECK(m.attribute("lang", xml::kXmlNamespace) == "en");
  CHECK_FALSE(m.attribute("lang").has_value());
  CHECK_FALSE(m.attribute("nope").has_value());
  CHECK_FALSE(m.attribute("to", "urn:other").has_value());
  CHECK_FALSE(m.attribute("p:to").has_value());
  CHECK(m.attribute_or_empty("from") == "a");
  CHECK(m.attribute_or_empty("nope").empty());
  CHECK(m.attribute_or_empty("to", "urn:p") == "c");
  // An empty value is present, not absent.
  const xml::Element e = s.element("<a b=''/>");
  REQUIRE(e.attribute("b").has_value());
  CHECK(e.attribute("b")->empty());
}

TEST_CASE("attributes() iterates in document order") {
  OpenStream s;
  const xml::Element m = s.element("<a z='1' y='2' xmlns:q='urn:q' q:x='3' w=''/>");
  std::vector<std::string> names;
  for (const xml::Attribute& a : m.attributes()) {
    names.push_back(std::string(a.qualified_name()) + "=" + std::string(a.value()));
  }
  CHECK(names == std::vector<std::string>{"z=1", "y=2", "q:x=3", "w="});
  CHECK_FALSE(m.attributes().empty());
  CHECK(s.element("<a/>").attributes().empty());
  CHECK(s.element("<a/>").namespace_declarations().empty());
}

TEST_CASE("children, navigation and counts") {
  OpenStream s;
  const xml::Element m = s.element(
      "<message xmlns:p='urn:p'><body>hi</body><body xml:lang='de'>hallo</body><p:x>1</p:x>"
      "text<thread>t</thread></message>");
  std::string kinds;
  for (const xml::Child& c : m.children()) {
    kinds += c.is_element() ? std::string(c.element().name()) : "'" + std::string(c.text()) + "'";
    kinds += ' ';
    CHECK(c.is_element() != c.is_text());
  }
  CHECK(kinds == "body body x 'text' thread ");
  CHECK(m.child_element_count() == 4);
  CHECK(m.child("body").text() == "hi");
  CHECK(m.child("body", "jabber:client").text() == "hi");
  CHECK(m.child("x", "urn:p").text() == "1");
  CHECK_FALSE(m.child("x"));
  CHECK_FALSE(m.child("body", "urn:p"));
  CHECK_FALSE(m.child("nope"));
  CHECK(m.child("thread").text() == "t");

  std::vector<std::string> walk;
  for (xml::Element c = m.first_child_element(); c; c = c.next_sibling_element()) {
    walk.push_back(std::string(c.qualified_name()));
  }
  CHECK(walk == std::vector<std::string>{"body", "body", "p:x", "thread"});
  CHECK_FALSE(m.child("thread").first_child_element());
  CHECK(m.child("thread").child_element_count() == 0);
  CHECK_FALSE(m.children().empty());
  CHECK(s.element("<a/>").children().empty());
  CHECK(m.node() != nullptr);
  CHECK_FALSE(xml::Element());
}

TEST_CASE("text() and append_text()") {
  OpenStream s;
  const xml::Element a = s.element("<a>one<b>inner</b>two<c/>three</a>");
  CHECK(a.text() == "one");
  std::string out = "pre:";
  a.append_text(out);
  CHECK(out == "pre:onetwothree");
  CHECK(s.element("<a/>").text().empty());
  const xml::Element only_children = s.element("<a><b>x</b></a>");
  CHECK(only_children.text().empty());
  std::string none;
  only_children.append_text(none);
  CHECK(none.empty());
  const xml::Element later = s.element("<a><b/>late</a>");
  CHECK(later.text() == "late");
}

TEST_CASE("equivalent(): prefixes, declarations and attribute order do not matter") {
  CHECK(equivalent_stanzas("<a b='1'><c>x</c></a>", "<a b='1'><c>x</c></a>"));
  CHECK(equivalent_stanzas("<p:a xmlns:p='urn:u'><p:b/></p:a>", "<a xmlns='urn:u'><b/></a>"));
  CHECK(equivalent_stanzas("<a b='1' c='2'/>", "<a c='2' b='1'/>"));
  CHECK(equivalent_stanzas("<a xmlns='jabber:client' xmlns:z='urn:z'><b/></a>", "<a><b/></a>"));
  CHECK(equivalent_stanzas("<a xmlns:p='urn:p' p:b='1'/>", "<a xmlns:q='urn:p' q:b='1'/>"));
  CHECK(equivalent_stanzas("<a>x&amp;<![CDATA[y]]></a>", "<a>x&#38;y</a>"));
  CHECK(equivalent_stanzas("<a></a>", "<a/>"));
}

TEST_CASE("equivalent(): names, namespaces, attributes and children do matter") {
  CHECK_FALSE(equivalent_stanzas("<a/>", "<b/>"));
  CHECK_FALSE(equivalent_stanzas("<a/>", "<a xmlns='urn:other'/>"));
  CHECK_FALSE(equivalent_stanzas("<a b='1'/>", "<a b='2'/>"));
  CHECK_FALSE(equivalent_stanzas("<a b='1'/>", "<a/>"));
  CHECK_FALSE(equivalent_stanzas("<a/>", "<a b=''/>"));
  CHECK_FALSE(equivalent_stanzas("<a b='1'/>", "<a c='1'/>"));
  CHECK_FALSE(equivalent_stanzas("<a b='1'/>", "<a xmlns:p='urn:p' p:b='1'/>"));
  CHECK_FALSE(equivalent_stanzas("<a b='1' c='2'/>", "<a b='1' c='2' d='3'/>"));
  CHECK_FALSE(equivalent_stanzas("<a><b/><c/></a>", "<a><c/><b/></a>"));
  CHECK_FALSE(equivalent_stanzas("<a><b/></a>", "<a><b/><b/></a>"));
  CHECK_FALSE(equivalent_stanzas("<a>x</a>", "<a>y</a>"));
  CHECK_FALSE(equivalent_stanzas("<a>x</a>", "<a/>"));
  CHECK_FALSE(equivalent_stanzas("<a>x<b/></a>", "<a><b/>x</a>"));
  CHECK_FALSE(equivalent_stanzas("<a><b>x</b></a>", "<a><b>y</b></a>"));
  CHECK_FALSE(equivalent_stanzas("<a><b c='1'/></a>", "<a><b c='2'/></a>"));
  CHECK_FALSE(equivalent_stanzas("<a><b/></a>", "<a><b xmlns='urn:b'/></a>"));
}

TEST_CASE("equivalent(): a built tree and a parsed one") {
  xml::Arena arena;
  xml::Builder b(arena, "message", "jabber:client");
  b.attribute("to", "juliet@example.com").attribute("type", "chat");
  b.start("body").text("Wherefore art thou?").end();
  b.start("x", "urn:x").attribute("lang", xml::kXmlNamespace, "en", "xml").end();
  OpenStream s;
  const xml::Element parsed = s.element(
      "<message type='chat' to='juliet@example.com'><body>Wherefore art thou?</body>"
      "<x xmlns='urn:x' xml:lang='en'/></message>");
  CHECK(xml::equivalent(b.root(), parsed));
  CHECK(xml::equivalent(parsed, b.root()));
  CHECK(xml::equivalent(b.root(), b.root()));
  OpenStream t;
  const xml::Element other = t.element(
      "<message type='chat' to='juliet@example.com'><body>Wherefore art thou?</body>"
      "<x xmlns='urn:x' xml:lang='de'/></message>");
  CHECK_FALSE(xml::equivalent(b.root(), other));
}
