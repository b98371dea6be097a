// docs/xml-stream-rules.md, "Limits": every Limits field ends the stream with policy-violation
// at the documented byte.
#include <doctest/doctest.h>

#include <string>

#include "stream_test_util.hpp"
#include "xmpp/xml/limits.hpp"
#include "xmpp/xml/stream_parser.hpp"

using namespace xmpp::test;
namespace xml = xmpp::xml;
using C = xmpp::StreamErrorCondition;

namespace {
const std::string H(kMinimalHeader);

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i)
    out += s;
  return out;
}
}  // namespace

TEST_CASE("default limits are the documented ones") {
  const xml::Limits l;
  CHECK(l.max_element_bytes == 256 * 1024);
  CHECK(l.max_tree_bytes == 1024 * 1024);
  CHECK(l.max_depth == 64);
  CHECK(l.max_attributes == 256);
  CHECK(l.max_name_bytes == 1024);
  CHECK(l.max_header_bytes == 16 * 1024);
  xml::Limits custom;
  custom.max_depth = 7;
  const xml::StreamParser p(custom);
  CHECK(p.limits().max_depth == 7);
  CHECK(p.limits().max_element_bytes == l.max_element_bytes);
}

TEST_CASE("max_element_bytes: raw bytes of one top-level element") {
  const std::string el = "<message><body>hello &amp; bye</body></message>";
  xml::Limits l;
  l.max_element_bytes = el.size();
  // Exactly at the limit, several times (the count is per element), whitespace not counted.
  const Log ok = check_ok(H + el + "  \n  " + el + repeat(" ", 200) + el, l);
  CHECK(ok.count(xml::ParseEvent::element) == 3);
  l.max_element_bytes = el.size() - 1;
  check_error(H + el, C::policy_violation, H.size() + el.size() - 1, l);
  check_error(H + "  " + el, C::policy_violation, H.size() + 2 + el.size() - 1, l);
  l.max_element_bytes = 100;
  const std::string big = "<a>" + std::string(1000, 'x') + "</a>";
  check_error(H + big, C::policy_violation, H.size() + 100, l);
  const std::string big_attr = "<a b='" + std::string(1000, 'x') + "'/>";
  check_error(H + big_attr, C::policy_violation, H.size() + 100, l);
  const std::string deep = repeat("<a>", 200);
  check_error(H + deep, C::policy_violation, H.size() + 100, l);
}

TEST_CASE("max_header_bytes: from the stream start to the header's '>'") {
  xml::Limits l;
  l.max_header_bytes = H.size();
  check_ok(H + "<a/>", l);
  l.max_header_bytes = H.size() - 1;
  check_error(H, C::policy_violation, H.size() - 1, l);
  const std::string prolog = "<?xml version='1.0'?>\n  ";
  l.max_header_bytes = prolog.size() + H.size();
  check_ok(prolog + H, l);
  l.max_header_bytes = prolog.size() + H.size() - 1;
  check_error(prolog + H, C::policy_violation, prolog.size() + H.size() - 1, l);
  // Whitespace before the header counts.
  l.max_header_bytes = 100;
  check_error(std::string(1000, ' ') + H, C::policy_violation, 100, l);
  // A header with a huge attribute.
  const std::string huge = "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' to='" +
                           std::string(1000, 'a') + "'>";
  check_error(huge, C::policy_violation, 100, l);
}

TEST_CASE("max_header_bytes counts again from zero after reset()") {
  xml::Limits l;
  l.max_header_bytes = H.size();
  xml::StreamParser p(l);
  CHECK(event_name(p.parse(H).event) == "stream_open");
  p.reset();
  const xml::ParseResult r = p.parse(H);
  CHECK(event_name(r.event) == "stream_open");
  CHECK(r.consumed == H.size());
}

TEST_CASE("max_name_bytes: one qualified name") {
  xml::Limits l;
  l.max_name_bytes = 16;
  const std::string n16 = "abcdefghijklmnop";
  const std::string n17 = n16 + "q";
  check_ok(H + "<" + n16 + " " + n16 + "='1'></" + n16 + ">", l);
  {
    const std::string s = "<" + n17 + "/>";
    check_error(H + s, C::policy_violation, H.size() + 1 + 16, l);
  }
  {
    const std::string s = "<a " + n17 + "='1'/>";
    check_error(H + s, C::policy_violation, H.size() + 3 + 16, l);
  }
  {
    const std::string s = "<a><b><" + n17 + "/></b></a>";
    check_error(H + s, C::policy_violation, H.size() + at(s, n17, 16), l);
  }
  {
    // Prefix and colon count: "pppppppp:aaaaaaa" is 16 bytes, one more is too many.
    check_ok(H + "<pppppppp:aaaaaaa xmlns:pppppppp='u'/>", l);
    const std::string s = "<pppppppp:aaaaaaaa xmlns:pppppppp='u'/>";
    check_error(H + s, C::policy_violation, H.size() + 1 + 16, l);
  }
  {
    // Bytes, not characters: the 9th two-byte character starts at byte 16.
    const std::string e9 = repeat("\xC3\xA9", 9);
    check_error(H + "<" + e9 + "/>", C::policy_violation, H.size() + 1 + 16, l);
  }
  {
    // Namespace declarations are names too.
    const std::string s = "<a xmlns:pppppppppppp='u'/>";
    check_error(H + s, C::policy_violation, H.size() + 3 + 16, l);
  }
  {
    // End tag names are bounded as well (even though they cannot match).
    const std::string s = "<a></" + n17 + ">";
    const Log log = run(H + s, {}, l);
    CHECK(log.failed);
  }
  // The header's names.
  l.max_name_bytes = 12;  // "stream:stream" is 13 bytes
  check_error(H, C::policy_violation, 13, l);
}

TEST_CASE("max_depth: the top-level element is depth 1") {
  xml::Limits l;
  l.max_depth = 3;
  check_ok(H + "<a><b><c/><c>x</c></b><b/></a>", l);
  const std::string s = "<a><b><c><d/></c></b></a>";
  check_error(H + s, C::policy_violation, H.size() + at(s, "d/>"), l);
  const std::string s2 = "<a><b><c><p:d xmlns:p='u'/></c></b></a>";
  check_error(H + s2, C::policy_violation, H.size() + at(s2, "p:d"), l);
  l.max_depth = 1;
  check_ok(H + "<a>text</a><b/>", l);
  const std::string s3 = "<a><b/></a>";
  check_error(H + s3, C::policy_violation, H.size() + 4, l);
}

TEST_CASE("max_attributes: attributes plus namespace declarations") {
  xml::Limits l;
  l.max_attributes = 3;
  check_ok(H + "<a b='1' c='2' d='3'><e xmlns='x' xmlns:p='y' p:f='1'/></a>", l);
  const std::string s = "<a b='1' c='2' d='3' e='4'/>";
  check_error(H + s, C::policy_violation, H.size() + at(s, "e="), l);
  const std::string s2 = "<a xmlns='u' b='1' xmlns:p='v' c='2'/>";
  check_error(H + s2, C::policy_violation, H.size() + at(s2, "c="), l);
  const std::string s3 = "<a><b b='1' c='2' d='3' xml:lang='en'/></a>";
  check_error(H + s3, C::policy_violation, H.size() + at(s3, "xml:lang"), l);
  // The header's attributes count too.
  l.max_attributes = 1;
  check_error(H, C::policy_violation, at(H, "xmlns:stream"), l);
}

TEST_CASE("max_tree_bytes: memory of one tree") {
  xml::Limits l;
  l.max_tree_bytes = 4096;
  // Small elements, many of them: the bound is per tree.
  const std::string small = "<message to='a'><body>" + std::string(500, 'x') + "</body></message>";
  const Log ok = check_ok(H + repeat(small, 20), l);
  CHECK(ok.count(xml::ParseEvent::element) == 20);

  struct Case {
    const char* what;
    std::string stanza;
  };
  const Case cases[] = {
      {"many empty children", "<a>" + repeat("<b/>", 2000) + "</a>"},
      {"many nested-and-closed children", "<a>" + repeat("<b><c/></b>", 1000) + "</a>"},
      {"long text", "<a>" + std::string(10000, 'x') + "</a>"},
      {"long attribute value", "<a v='" + std::string(10000, 'x') + "'/>"},
      {"many text runs", "<a>" + repeat("x<b/>", 2000) + "</a>"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    const std::string in = H + c.stanza;
    const Log log = run_all_chunkings(in, l);
    REQUIRE(log.failed);
    CHECK(to_string(log.condition) == "policy-violation");
    CHECK(log.error_offset > H.size());
    CHECK(log.error_offset < in.size());
    CHECK(log.count(xml::ParseEvent::element) == 0);
  }
}

TEST_CASE("max_tree_bytes: a larger bound is crossed later") {
  const std::string stanza = "<a>" + repeat("<b/>", 4000) + "</a>";
  std::uint64_t previous = 0;
  for (const std::size_t bound : {2048u, 4096u, 8192u, 16384u}) {
    xml::Limits l;
    l.max_tree_bytes = bound;
    const Log log = run(H + stanza, {}, l);
    INFO("max_tree_bytes " << bound);
    REQUIRE(log.failed);
    CHECK(to_string(log.condition) == "policy-violation");
    CHECK(log.error_offset > previous);
    previous = log.error_offset;
  }
  xml::Limits l;
  l.max_tree_bytes = 64 * 1024 * 1024;
  CHECK_FALSE(run(H + stanza, {}, l).failed);
}
