// docs/xml-stream-rules.md, "Well-formedness".
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

// Checks the error for H + stanza at the offset of `needle` (+ plus) inside the stanza.
void check_stanza_error(const std::string& stanza, C condition, std::string_view needle,
                        std::size_t plus = 0) {
  check_error(H + stanza, condition, H.size() + at(stanza, needle, plus));
}
}  // namespace

TEST_CASE("']]>' in text is not-well-formed at the '>'") {
  check_stanza_error("<a>]]></a>", C::not_well_formed, "]]>", 2);
  check_stanza_error("<a>x]]>y</a>", C::not_well_formed, "]]>", 2);
  check_stanza_error("<a>]]]></a>", C::not_well_formed, "]]>", 2);
  check_stanza_error("<a><b/>]]></a>", C::not_well_formed, "]]>", 2);
  check_stanza_error("<a><![CDATA[x]]>]]></a>", C::not_well_formed, "]]></a>", 2);
  // Not an error: separated, or escaped, or in an attribute value.
  OpenStream s;
  CHECK(s.element("<a>] ]> ]]&gt; ]&#93;> ]]</a>").text() == "] ]> ]]> ]]> ]]");
  CHECK(s.element("<a b=']]>' c=\"]]>\"/>").attribute("b") == "]]>");
}

TEST_CASE("'<' in an attribute value is not-well-formed at the '<'") {
  check_stanza_error("<a b='x<y'/>", C::not_well_formed, "<y");
  check_stanza_error("<a b=\"<\"/>", C::not_well_formed, "<\"");
  check_stanza_error("<a c='1' b='&amp;<'/>", C::not_well_formed, "<'");
  const std::string hdr = "<stream:stream xmlns='jabber:client' to='<'>";
  check_error(hdr, C::not_well_formed, at(hdr, "<'"));
}

TEST_CASE("'&' not followed by a name or '#', or a name not ended by ';'") {
  check_stanza_error("<a>& b</a>", C::not_well_formed, "& ", 1);
  check_stanza_error("<a>&;</a>", C::not_well_formed, "&;", 1);
  check_stanza_error("<a>&1;</a>", C::not_well_formed, "&1", 1);
  check_stanza_error("<a>&-x;</a>", C::not_well_formed, "&-", 1);
  check_stanza_error("<a>&</a>", C::not_well_formed, "&<", 1);
  check_stanza_error("<a>&lt </a>", C::not_well_formed, "&lt ", 3);
  check_stanza_error("<a>&lt</a>", C::not_well_formed, "&lt<", 3);
  check_stanza_error("<a>&amp=</a>", C::not_well_formed, "&amp=", 4);
  check_stanza_error("<a>&foo bar;</a>", C::not_well_formed, "&foo ", 4);
  check_stanza_error("<a b='a & b'/>", C::not_well_formed, "& ", 1);
  check_stanza_error("<a b='&'/>", C::not_well_formed, "&'", 1);
  check_stanza_error("<a b='&quot'/>", C::not_well_formed, "&quot'", 5);
  // Character references: '#' must be followed by digits (or 'x' and hex digits), then ';'.
  check_stanza_error("<a>&#;</a>", C::not_well_formed, "&#;", 2);
  check_stanza_error("<a>&#x;</a>", C::not_well_formed, "&#x;", 3);
  check_stanza_error("<a>&#12a;</a>", C::not_well_formed, "a;", 0);
  check_stanza_error("<a>&#xZ1;</a>", C::not_well_formed, "Z1", 0);
  check_stanza_error("<a>&#X41;</a>", C::not_well_formed, "X41", 0);
  check_stanza_error("<a>&#65 </a>", C::not_well_formed, "&#65 ", 4);
  check_stanza_error("<a>&# 65;</a>", C::not_well_formed, "&# ", 2);
  check_stanza_error("<a b='&#x41'/>", C::not_well_formed, "&#x41'", 5);
}

TEST_CASE("character references to non-Chars are not-well-formed at the ';'") {
  for (const char* ref : {"&#0;", "&#x0;", "&#00;", "&#1;", "&#x8;", "&#x1F;", "&#xD800;",
                          "&#xDFFF;", "&#55296;", "&#xFFFE;", "&#xFFFF;", "&#65535;", "&#x0000;"}) {
    INFO("reference " << ref);
    check_stanza_error("<a>x"s + ref + "y</a>", C::not_well_formed, ";");
    check_stanza_error("<a b='x"s + ref + "y'/>", C::not_well_formed, ";");
  }
}

TEST_CASE("character references to Chars are expanded") {
  OpenStream s;
  const xml::Element a = s.element(
      "<a b='&#9;&#x41;&#x10FFFF;'>&#9;&#xA;&#13;&#x20;&#65;&#x41;&#xe9;&#xE9;&#233;&#xD7FF;"
      "&#xE000;&#xFFFD;&#x10000;&#x1F600;&#1114111;&#x0000000041;&#0000065;</a>");
  CHECK(a.text() ==
        "\t\n\r AA\xC3\xA9\xC3\xA9\xC3\xA9\xED\x9F\xBF\xEE\x80\x80\xEF\xBF\xBD"
        "\xF0\x90\x80\x80\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF"
        "AA");
  CHECK(a.attribute("b") == "\tA\xF4\x8F\xBF\xBF");
}

TEST_CASE("character references above U+10FFFF are not-well-formed at the digit that exceeds") {
  struct Case {
    const char* ref;
    std::size_t bad;  // index in ref
  };
  const Case cases[] = {
      {"&#x110000;", 8},            // 0x11000 then 0 -> 0x110000
      {"&#x100000041;", 9},         // wraps to 0x41 in 32 bits, must not
      {"&#xFFFFFFFF00000041;", 8},  // 0xFFFFF then F
      {"&#x7FFFFFFF;", 8},          //
      {"&#1114112;", 8},            // 111411 then 2 -> 1114112
      {"&#99999999999;", 8},        // 999999 then 9
      {"&#4294967361;", 8},         // 2^32 + 65: 429496 then 7
      {"&#x00000110000;", 13},      // leading zeros do not count
  };
  for (const Case& c : cases) {
    INFO("reference " << c.ref);
    check_stanza_error("<a>"s + c.ref + "</a>", C::not_well_formed, "&", c.bad);
    check_stanza_error("<a b='"s + c.ref + "'/>", C::not_well_formed, "&", c.bad);
  }
}

TEST_CASE("end tag not matching the start tag, prefix included") {
  // At the first byte where the end tag's name departs from the start tag's; for a longer or
  // shorter name, at the byte after the common part.
  check_stanza_error("<a></b>", C::not_well_formed, "</b>", 2);
  check_stanza_error("<a></b >", C::not_well_formed, "</b ", 2);
  check_stanza_error("<ab></a>", C::not_well_formed, "</a>", 3);
  check_stanza_error("<ab></a >", C::not_well_formed, "</a ", 3);
  check_stanza_error("<a></ab>", C::not_well_formed, "</ab>", 3);
  check_stanza_error("<abc></abd>", C::not_well_formed, "</abd>", 4);
  check_stanza_error("<a></A>", C::not_well_formed, "</A>", 2);
  check_stanza_error("<a><b></a></b>", C::not_well_formed, "</a>", 2);
  check_stanza_error("<p:a xmlns:p='u'></a>", C::not_well_formed, "</a>", 2);
  check_stanza_error("<p:a xmlns:p='u'></p>", C::not_well_formed, "</p>", 3);
  check_stanza_error("<a xmlns:p='u'></p:a>", C::not_well_formed, "</p:a>", 2);
  check_stanza_error("<p:a xmlns:p='u' xmlns:q='u'></q:a>", C::not_well_formed, "</q:a>", 2);
  check_stanza_error("<p:a xmlns:p='u' xmlns:pq='u'></pq:a>", C::not_well_formed, "</pq:a>", 3);
  // At stream level, an end tag must close the stream: "message" departs from "stream:stream" at
  // its first byte.
  check_error(H + "</message>", C::not_well_formed, H.size() + 2);
  check_error(H + "</st>", C::not_well_formed, H.size() + 4);
  // Matching end tags may have whitespace before the '>'.
  check_ok(H + "<a><b></b\n></a \t>");
}

TEST_CASE("attribute syntax: separation, '=' and quotes") {
  check_stanza_error("<a b='1'c='2'/>", C::not_well_formed, "c=");
  check_stanza_error("<a b=\"1\"c='2'/>", C::not_well_formed, "c=");
  check_stanza_error("<a b '1'/>", C::not_well_formed, "'1'");
  check_stanza_error("<a b/>", C::not_well_formed, "/>");
  check_stanza_error("<a b>", C::not_well_formed, ">");
  check_stanza_error("<a b=1/>", C::not_well_formed, "1/>");
  check_stanza_error("<a b=/>", C::not_well_formed, "/>");
  check_stanza_error("<a b='1' ='2'/>", C::not_well_formed, "='2'");
  check_stanza_error("<a/ >", C::not_well_formed, " >");
  check_stanza_error("<a b='1'/ >", C::not_well_formed, " >");
  // Whitespace around '=' and before the end of the tag is allowed.
  OpenStream s;
  const xml::Element a = s.element("<a b = '1'\n\tc\r\n=\"2\"  d\t=\t'3' \r\n/>");
  CHECK(a.attribute("b") == "1");
  CHECK(a.attribute("c") == "2");
  CHECK(a.attribute("d") == "3");
  CHECK(s.element("<a b='it\"s' c=\"it's\" ></a>").attribute("b") == "it\"s");
}

TEST_CASE("duplicate attributes are not-well-formed at the start tag's closing '>'") {
  check_stanza_error("<a b='1' b='2'/>", C::not_well_formed, "/>", 1);
  check_stanza_error("<a b='1' c='0' b='1'>x</a>", C::not_well_formed, ">x");
  check_stanza_error("<a xmlns:p='u' xmlns:q='u' p:b='1' q:b='2'/>", C::not_well_formed, "/>", 1);
  check_stanza_error("<a p:b='1' xmlns:p='u' xmlns:q='u' q:b='2'></a>", C::not_well_formed,
                     "></a>");
  check_stanza_error("<a xml:lang='en' xml:lang='de'/>", C::not_well_formed, "/>", 1);
  check_stanza_error("<a xmlns='x' xmlns='y'/>", C::not_well_formed, "/>", 1);
  check_stanza_error("<a xmlns:p='x' xmlns:p='y'/>", C::not_well_formed, "/>", 1);
  check_stanza_error("<a><b c='1' c='1' /></a>", C::not_well_formed, "/></a>", 1);
  // Not duplicates: different namespaces after expansion.
  OpenStream s;
  const xml::Element a = s.element("<a b='1' p:b='2' xmlns:p='u' q:b='3' xmlns:q='v'/>");
  CHECK(a.attribute("b") == "1");
  CHECK(a.attribute("b", "u") == "2");
  CHECK(a.attribute("b", "v") == "3");
}

TEST_CASE("bad names") {
  // Bad start character or empty: at the offending byte.
  check_stanza_error("<1a/>", C::not_well_formed, "1a");
  check_stanza_error("<-a/>", C::not_well_formed, "-a");
  check_stanza_error("<.a/>", C::not_well_formed, ".a");
  check_stanza_error("< a/>", C::not_well_formed, " a");
  check_stanza_error("<>", C::not_well_formed, ">");
  check_stanza_error("<a 1b='1'/>", C::not_well_formed, "1b");
  check_stanza_error("<a -b='1'/>", C::not_well_formed, "-b");
  check_stanza_error("<a><b></1b></a>", C::not_well_formed, "1b");
  check_stanza_error("<a></ a>", C::not_well_formed, " a>");
  check_stanza_error("<\xC3\x97/>", C::not_well_formed, "\xC3\x97");   // U+00D7
  check_stanza_error("<a\xC3\x97/>", C::not_well_formed, "\xC3\x97");  // not a NameChar
  check_stanza_error(
      "<\xC2\xB7"
      "a/>",
      C::not_well_formed, "\xC2\xB7");  // NameChar only
  check_stanza_error(
      "<\xCC\x80"
      "a/>",
      C::not_well_formed, "\xCC\x80");  // U+0300
  check_stanza_error("<a%b/>", C::not_well_formed, "%");
  // Colons. A second ':' and an empty prefix are wrong at the ':' itself (the offending byte);
  // an empty local part shows only at the byte ending the name (a name-level check).
  check_stanza_error("<a:b:c xmlns:a='u'/>", C::not_well_formed, ":c");
  check_stanza_error("<:a/>", C::not_well_formed, ":a");
  check_stanza_error("<a b:c:d='1' xmlns:b='u'/>", C::not_well_formed, ":d");
  check_stanza_error("<a :b='1'/>", C::not_well_formed, ":b");
  check_stanza_error("<a:/>", C::not_well_formed, "/>");
  check_stanza_error("<a:>x</a:>", C::not_well_formed, ">x");
  check_stanza_error("<a b:='1'/>", C::not_well_formed, "='1'");
  check_stanza_error("<a xmlns:='u'/>", C::not_well_formed, "='u'");
  // Good names: NameChars after the start, non-ASCII.
  OpenStream s;
  CHECK(s.element("<a\xC2\xB7"
                  "b.c-d_e9\xCC\x80/>")
            .name() ==
        "a\xC2\xB7"
        "b.c-d_e9\xCC\x80");
  CHECK(s.element("<_x/>").name() == "_x");
}
