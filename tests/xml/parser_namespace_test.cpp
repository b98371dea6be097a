// docs/xml-stream-rules.md, "Namespaces" (Namespaces in XML 1.0).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "stream_test_util.hpp"
#include "xmpp/xml/element.hpp"
#include "xmpp/xml/stream_parser.hpp"

using namespace xmpp::test;
using namespace std::string_literals;
namespace xml = xmpp::xml;
using C = xmpp::StreamErrorCondition;

namespace {
const std::string H(kClientHeader);

void check_stanza_error(const std::string& stanza, C condition, std::string_view needle,
                        std::size_t plus = 0) {
  check_error(H + stanza, condition, H.size() + at(stanza, needle, plus));
}

std::string decls(xml::Element e) {
  std::string s;
  for (const xml::NamespaceDeclaration& d : e.namespace_declarations()) {
    s += "[" + std::string(d.prefix) + "=" + std::string(d.uri) + "]";
  }
  return s;
}
}  // namespace

TEST_CASE("an undeclared prefix is bad-namespace-prefix at the start tag's closing '>'") {
  check_stanza_error("<p:a/>", C::bad_namespace_prefix, "/>", 1);
  check_stanza_error("<p:a>text</p:a>", C::bad_namespace_prefix, ">text");
  check_stanza_error("<a p:b='1'/>", C::bad_namespace_prefix, "/>", 1);
  check_stanza_error("<a p:b='1' c='2'>x</a>", C::bad_namespace_prefix, ">x");
  check_stanza_error("<a><p:b/></a>", C::bad_namespace_prefix, "/></a>", 1);
  check_stanza_error("<a><b xmlns:p='u'/><p:c/></a>", C::bad_namespace_prefix, "/></a>", 1);
  // Declared in an earlier stanza only.
  const std::string in = H + "<a xmlns:p='u'/><p:b/>";
  check_error(in, C::bad_namespace_prefix, in.size() - 1);
  // The declaration may follow the use in the same start tag.
  OpenStream s;
  const xml::Element e = s.element("<p:a p:b='1' xmlns:p='urn:p'/>");
  CHECK(e.ns() == "urn:p");
  CHECK(e.attribute("b", "urn:p") == "1");
}

TEST_CASE("forbidden namespace declarations are not-well-formed at the start tag's '>'") {
  const char* const bad[] = {
      "xmlns:p=''",
      "xmlns:xmlns='http://www.w3.org/2000/xmlns/'",
      "xmlns:xmlns='urn:x'",
      "xmlns:xml='urn:x'",
      "xmlns:xml=''",
      "xmlns:foo='http://www.w3.org/XML/1998/namespace'",
      "xmlns:foo='http://www.w3.org/2000/xmlns/'",
      "xmlns='http://www.w3.org/2000/xmlns/'",
      // Namespaces in XML 1.0 §3: the XML namespace "MUST NOT be declared as the default".
      "xmlns='http://www.w3.org/XML/1998/namespace'",
  };
  for (const char* d : bad) {
    INFO("declaration " << d);
    check_stanza_error("<a "s + d + "/>", C::not_well_formed, "/>", 1);
    check_stanza_error("<a b='1' "s + d + " c='2'>x</a>", C::not_well_formed, ">x");
    check_stanza_error("<a><b "s + d + "></b></a>", C::not_well_formed, "></b>");
  }
  // Binding xml to its own namespace is allowed.
  OpenStream s;
  CHECK(s.element("<a xmlns:xml='http://www.w3.org/XML/1998/namespace' xml:lang='en'/>")
            .attribute("lang", xml::kXmlNamespace) == "en");
}

TEST_CASE("top-level elements inherit the stream header's default namespace") {
  SUBCASE("client") {
    OpenStream s(kClientHeader);
    const xml::Element m = s.element("<message><body>x</body></message>");
    CHECK(m.ns() == kClientNs);
    CHECK(m.prefix().empty());
    CHECK(m.child("body").ns() == kClientNs);
    CHECK(m.namespace_declarations().empty());
  }
  SUBCASE("component (XEP-0114)") {
    OpenStream s(kComponentHeader);
    const xml::Element m = s.element("<message to='a'><body>x</body></message>");
    CHECK(m.ns() == kComponentNs);
    CHECK(m.child("body", kComponentNs));
    CHECK(s.element("<handshake>abc</handshake>").is("handshake", kComponentNs));
  }
  SUBCASE("server") {
    OpenStream s(
        "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'>");
    CHECK(s.element("<iq/>").ns() == "jabber:server");
  }
  SUBCASE("no default namespace on the header") {
    OpenStream s("<stream:stream xmlns:stream='http://etherx.jabber.org/streams'>");
    CHECK(s.element("<a><b/></a>").ns().empty());
  }
  SUBCASE("stream-prefixed elements and their unprefixed children") {
    OpenStream s(kClientHeader);
    const xml::Element f = s.element(
        "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN"
        "</mechanism></mechanisms><x/></stream:features>");
    CHECK(f.is("features", kStreamNs));
    CHECK(f.prefix() == "stream");
    const xml::Element mech = f.child("mechanisms", "urn:ietf:params:xml:ns:xmpp-sasl");
    REQUIRE(mech);
    CHECK(mech.child("mechanism", "urn:ietf:params:xml:ns:xmpp-sasl").text() == "PLAIN");
    // The default namespace in scope under <stream:features> is still the header's.
    CHECK(f.child("x", kClientNs));
  }
  SUBCASE("a stanza redeclaring the default namespace") {
    OpenStream s(kClientHeader);
    const xml::Element q =
        s.element("<iq><query xmlns='jabber:iq:roster'><item jid='a'/></query><x/></iq>");
    CHECK(q.ns() == kClientNs);
    const xml::Element query = q.child("query", "jabber:iq:roster");
    REQUIRE(query);
    CHECK(query.child("item", "jabber:iq:roster"));
    CHECK(q.child("x", kClientNs));
  }
}

TEST_CASE("xmlns='' undeclares the default namespace") {
  OpenStream s;
  const xml::Element m = s.element("<message><x xmlns=''><y/></x><z/></message>");
  CHECK(m.ns() == kClientNs);
  const xml::Element x = m.first_child_element();
  REQUIRE(x);
  CHECK(x.name() == "x");
  CHECK(x.ns().empty());
  CHECK(decls(x) == "[=]");
  REQUIRE(x.first_child_element());
  CHECK(x.first_child_element().ns().empty());
  CHECK(m.child("z", kClientNs));
  CHECK(s.element("<a xmlns=''/>").ns().empty());
  const xml::Element r = s.element("<a xmlns=''><b xmlns='urn:b'><c/></b></a>");
  CHECK(r.ns().empty());
  CHECK(r.child("b", "urn:b").child("c", "urn:b"));
}

TEST_CASE("unprefixed attributes are in no namespace, prefixed ones in their prefix's") {
  OpenStream s;
  const xml::Element a = s.element("<a xmlns='urn:x' xmlns:p='urn:p' b='1' p:c='2'/>");
  CHECK(a.ns() == "urn:x");
  CHECK(a.attribute("b") == "1");
  CHECK_FALSE(a.attribute("b", "urn:x").has_value());
  CHECK(a.attribute("c", "urn:p") == "2");
  CHECK_FALSE(a.attribute("c").has_value());
  std::vector<std::string> seen;
  for (const xml::Attribute& at : a.attributes()) {
    seen.push_back(std::string(at.qualified_name()) + "|" + std::string(at.prefix()) + "|" +
                   std::string(at.name()) + "|" + std::string(at.ns()) + "|" +
                   std::string(at.value()));
  }
  CHECK(seen == std::vector<std::string>{"b||b||1", "p:c|p|c|urn:p|2"});
  // A prefix bound by the header.
  CHECK(s.element("<a stream:x='1'/>").attribute("x", kStreamNs) == "1");
}

TEST_CASE("the xml: prefix is always bound to the XML namespace") {
  OpenStream s;
  const xml::Element m = s.element("<message xml:lang='en'><body xml:lang='de'>x</body></message>");
  CHECK(m.attribute("lang", xml::kXmlNamespace) == "en");
  CHECK_FALSE(m.attribute("lang").has_value());
  const xml::Attribute lang = *m.attributes().begin();
  CHECK(lang.prefix() == "xml");
  CHECK(lang.name() == "lang");
  CHECK(lang.ns() == xml::kXmlNamespace);
  CHECK(m.child("body").attribute("lang", xml::kXmlNamespace) == "de");
  CHECK(m.namespace_declarations().empty());
  CHECK(s.element("<xml:a/>").is("a", xml::kXmlNamespace));

  OpenStream h(
      "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
      "xml:lang='fr'>");
  CHECK(h.parser.header().attribute("lang", xml::kXmlNamespace) == "fr");
}

TEST_CASE("prefixed elements and prefix scoping") {
  OpenStream s;
  const xml::Element a =
      s.element("<p:a xmlns:p='urn:1'><p:b xmlns:p='urn:2'><p:d/></p:b><p:c/><e/></p:a>");
  CHECK(a.is("a", "urn:1"));
  CHECK(a.prefix() == "p");
  CHECK(a.qualified_name() == "p:a");
  const xml::Element b = a.first_child_element();
  REQUIRE(b);
  CHECK(b.is("b", "urn:2"));
  CHECK(b.child("d", "urn:2"));
  CHECK(a.child("c", "urn:1"));
  CHECK(a.child("e", kClientNs));
  // A prefix and the default namespace bound to the same URI.
  const xml::Element x = s.element("<x xmlns='urn:s' xmlns:s='urn:s'><s:y/><y/></x>");
  CHECK(x.child_element_count() == 2);
  CHECK(x.first_child_element().is("y", "urn:s"));
  CHECK(x.first_child_element().next_sibling_element().is("y", "urn:s"));
}

TEST_CASE("namespace declarations are listed separately from attributes") {
  OpenStream s;
  const xml::Element a = s.element("<a xmlns='urn:a' b='1' xmlns:p='urn:p'/>");
  CHECK(decls(a) == "[=urn:a][p=urn:p]");
  int n = 0;
  for (const xml::Attribute& at : a.attributes()) {
    ++n;
    CHECK(at.name() == "b");
  }
  CHECK(n == 1);
  CHECK_FALSE(a.attribute("xmlns").has_value());
  CHECK_FALSE(a.attribute("p", "http://www.w3.org/2000/xmlns/").has_value());
  CHECK(decls(s.parser.header()) == "[=jabber:client][stream=http://etherx.jabber.org/streams]");
}
