// docs/xml-stream-rules.md, "Restricted XML" (RFC 6120 §11.1).
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
const std::string kDecl = "<?xml version='1.0'?>";
}  // namespace

TEST_CASE("comments are restricted-xml at the '-', wherever they are") {
  check_error("<!-- hi -->" + H, C::restricted_xml, 2);
  check_error(" <!-- hi -->" + H, C::restricted_xml, 3);
  check_error(kDecl + "<!-- hi -->" + H, C::restricted_xml, kDecl.size() + 2);
  check_error(H + "<!-- hi -->", C::restricted_xml, H.size() + 2);
  check_error(H + "<a/> <!---->", C::restricted_xml, H.size() + 7);
  const std::string in = H + "<message><body>x<!-- hi --></body></message>";
  check_error(in, C::restricted_xml, at(in, "<!--", 2));
  const std::string in2 = H + "<message><!--";
  check_error(in2, C::restricted_xml, at(in2, "<!--", 2));
  // Reported as soon as the '-' arrives.
  check_error(H + "<a><!-", C::restricted_xml, H.size() + 5);
}

TEST_CASE("'<!' followed by anything but '-' or '[' is restricted-xml at that byte") {
  check_error("<!DOCTYPE stream>" + H, C::restricted_xml, 2);
  check_error(kDecl + "\n<!DOCTYPE stream [<!ENTITY x 'y'>]>" + H, C::restricted_xml,
              kDecl.size() + 3);
  check_error(H + "<!ENTITY x 'y'>", C::restricted_xml, H.size() + 2);
  const std::string in = H + "<message><!ATTLIST a b CDATA #IMPLIED></message>";
  check_error(in, C::restricted_xml, at(in, "ATTLIST"));
  const std::string in2 = H + "<message><body>x<!ELEMENT";
  check_error(in2, C::restricted_xml, at(in2, "ELEMENT"));
  check_error(H + "<a><!x", C::restricted_xml, H.size() + 5);
  check_error(H + "<a><! ", C::restricted_xml, H.size() + 5);
  check_error(H + "<a><!>", C::restricted_xml, H.size() + 5);
}

TEST_CASE("'<!D' is rejected without waiting for more input (nothing is buffered)") {
  xml::StreamParser p;
  CHECK(event_name(p.parse("<!").event) == "need_more");
  const xml::ParseResult r = p.parse("D");
  REQUIRE(event_name(r.event) == "error");
  CHECK(to_string(p.error().condition) == "restricted-xml");
  CHECK(p.error().offset == 2);
}

TEST_CASE("processing instructions are restricted-xml at the '?'") {
  check_error(H + "<?pi x?>", C::restricted_xml, H.size() + 1);
  check_error(H + "<?xml version='1.0'?>", C::restricted_xml, H.size() + 1);
  const std::string in = H + "<message><body>a<?pi?></body></message>";
  check_error(in, C::restricted_xml, at(in, "<?", 1));
  const std::string in2 = H + "<message><?xml version='1.0'?></message>";
  check_error(in2, C::restricted_xml, at(in2, "<?", 1));
  // Not at offset 0: after whitespace, after a declaration.
  check_error(" <?xml version='1.0'?>" + H, C::restricted_xml, 2);
  check_error("\n<?pi?>" + H, C::restricted_xml, 2);
  check_error(kDecl + "<?xml version='1.0'?>" + H, C::restricted_xml, kDecl.size() + 1);
  check_error(kDecl + "<?pi?>" + H, C::restricted_xml, kDecl.size() + 1);
}

TEST_CASE("at offset 0, '<?' is restricted-xml where '<?xml' + whitespace stops matching") {
  check_error("<?pi x?>" + H, C::restricted_xml, 2);
  check_error("<?xml-stylesheet href='a'?>" + H, C::restricted_xml, 5);
  check_error("<?xmlfoo?>" + H, C::restricted_xml, 5);
  check_error("<?xml?>" + H, C::restricted_xml, 5);
  check_error("<?XML version='1.0'?>" + H, C::restricted_xml, 2);
  check_error("<?xm version='1.0'?>" + H, C::restricted_xml, 4);
  check_error("<?x" + std::string("\xC3\xA9") + "?>" + H, C::restricted_xml, 3);
  check_error(
      "<?"
      "?>" +
          H,
      C::restricted_xml, 2);
}

TEST_CASE("entity references other than the predefined five are restricted-xml") {
  struct Case {
    const char* ref;
    std::size_t bad;  // index in ref of the offending byte
  };
  const Case cases[] = {
      {"&nbsp;", 5},       // at the ';'
      {"&foo;", 4},        //
      {"&a;", 2},          //
      {"&LT;", 3},         // names are case-sensitive
      {"&ampx;", 5},       //
      {"&lt2;", 4},        //
      {"&hellip;", 5},     // at the 5th name character
      {"&quote;", 5},      //
      {"&abcdefghij", 5},  // no ';' needed
      {"&\xC3\xA9;", 1},   // a non-ASCII byte in the name: at that byte
      {"&a\xC3\xA9;", 2},  //
  };
  for (const Case& c : cases) {
    INFO("reference " << printable(c.ref));
    const std::string text = H + "<message><body>x" + c.ref + " y</body></message>";
    check_error(text, C::restricted_xml, at(text, "&", c.bad));
    const std::string attr = H + "<message to='x" + c.ref + " y'/>";
    check_error(attr, C::restricted_xml, at(attr, "&", c.bad));
  }
  // Non-ASCII name characters fail at their first byte, before any count.
  const std::string multi = H + "<a>&ab\xC3\xA9\xC3\xA9\xC3\xA9;</a>";
  check_error(multi, C::restricted_xml, at(multi, "&", 3));
}

TEST_CASE("the five predefined entities are expanded") {
  OpenStream s;
  const xml::Element m = s.element(
      "<message to='&lt;&gt;&amp;&quot;&apos;'><body>&lt;&gt;&amp;&quot;&apos;</body>"
      "</message>");
  CHECK(m.attribute("to") == "<>&\"'");
  CHECK(m.child("body").text() == "<>&\"'");
}

TEST_CASE("CDATA sections inside a top-level element are text") {
  OpenStream s;
  const xml::Element m =
      s.element("<message><![CDATA[top]]><body><![CDATA[<b>&amp;</b> ]] ]> ]]]]></body></message>");
  CHECK(m.text() == "top");
  CHECK(m.child("body").text() == "<b>&amp;</b> ]] ]> ]]");
  CHECK(s.element("<a><![CDATA[]]></a>").child_element_count() == 0);
  CHECK(s.element("<a><![CDATA[<!-- not a comment --><?not a pi?>]]></a>").text() ==
        "<!-- not a comment --><?not a pi?>");
}
