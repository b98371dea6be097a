// docs/xml-stream-rules.md, "Normalisation" (XML 1.0 §2.11 line ends, §3.3.3 attribute values).
#include <doctest/doctest.h>

#include <string>

#include "stream_test_util.hpp"
#include "xmpp/xml/stream_parser.hpp"

using namespace xmpp::test;
namespace xml = xmpp::xml;

namespace {
const std::string H(kClientHeader);

// Parses H + stanza under every chunking (so CRs at chunk ends are covered) and returns the
// stanza's first text run.
std::string text_of(const std::string& stanza) {
  check_ok(H + stanza);
  OpenStream s;
  return std::string(s.element(stanza).text());
}
std::string attribute_of(const std::string& stanza) {
  check_ok(H + stanza);
  OpenStream s;
  return std::string(s.element(stanza).attribute_or_empty("v"));
}
}  // namespace

TEST_CASE("text: CR LF and lone CR become LF") {
  CHECK(text_of("<a>a\r\nb\rc\nd</a>") == "a\nb\nc\nd");
  CHECK(text_of("<a>\r\r\n\n\r</a>") == "\n\n\n\n");
  CHECK(text_of("<a>\r</a>") == "\n");
  CHECK(text_of("<a>x\r<b/></a>") == "x\n");
  CHECK(text_of("<a>x\r&amp;</a>") == "x\n&");
  CHECK(text_of("<a>x\r<![CDATA[\ny]]></a>") == "x\n\ny");
  CHECK(text_of("<a>\r\n\r\n</a>") == "\n\n");
}

TEST_CASE("text: line ends inside CDATA are normalised too") {
  CHECK(text_of("<a><![CDATA[a\r\nb\rc\r]]></a>") == "a\nb\nc\n");
  CHECK(text_of("<a><![CDATA[\r]]>\n</a>") == "\n\n");
}

TEST_CASE("text: character references are not normalised") {
  CHECK(text_of("<a>&#13;&#10;</a>") == "\r\n");
  CHECK(text_of("<a>&#13;</a>") == "\r");
  CHECK(text_of("<a>a&#13;\nb</a>") == "a\r\nb");
  CHECK(text_of("<a>&#xD;\r\n&#xd;</a>") == "\r\n\r");
}

TEST_CASE("attribute values: literal TAB, LF and CR become a space, CR LF one space") {
  CHECK(attribute_of("<a v='a\tb\nc\rd'/>") == "a b c d");
  CHECK(attribute_of("<a v='a\r\nb'/>") == "a b");
  CHECK(attribute_of("<a v=\"a\r\nb\"/>") == "a b");
  CHECK(attribute_of("<a v='\r\r\n'/>") == "  ");
  CHECK(attribute_of("<a v='\r\n\r\n'/>") == "  ");
  CHECK(attribute_of("<a v='\n\r'/>") == "  ");
  // No further normalisation (attributes are CDATA): spaces stay as they are.
  CHECK(attribute_of("<a v='  a  b  '/>") == "  a  b  ");
}

TEST_CASE("attribute values: &#9; &#10; &#13; stay as those characters") {
  CHECK(attribute_of("<a v='&#9;&#10;&#13;'/>") == "\t\n\r");
  CHECK(attribute_of("<a v='&#13;&#10;'/>") == "\r\n");
  CHECK(attribute_of("<a v='&#xD;\r\n&#xA;\t'/>") == "\r \n ");
}

TEST_CASE("adjacent character data is one text child") {
  OpenStream s;
  const xml::Element a = s.element("<a>x&amp;y<![CDATA[z]]>w&#65;<![CDATA[<]]>\r\n</a>");
  int runs = 0;
  for (const xml::Child& c : a.children()) {
    ++runs;
    CHECK(c.is_text());
    CHECK(c.text() == "x&yzwA<\n");
  }
  CHECK(runs == 1);

  const xml::Element b = s.element("<a><![CDATA[x]]><![CDATA[y]]>&lt;</a>");
  runs = 0;
  for (const xml::Child& c : b.children()) {
    ++runs;
    CHECK(c.text() == "xy<");
  }
  CHECK(runs == 1);

  const xml::Element m = s.element("<a>x<b/>y&amp;<c/><![CDATA[z]]></a>");
  std::string kinds;
  for (const xml::Child& c : m.children()) {
    kinds += c.is_element() ? "E(" + std::string(c.element().name()) + ")"
                            : "T(" + std::string(c.text()) + ")";
  }
  CHECK(kinds == "T(x)E(b)T(y&)E(c)T(z)");
}
