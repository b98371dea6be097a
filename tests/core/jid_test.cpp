// xmpp::Jid: RFC 7622 structure, per-part validation, trailing dot, IP literals, comparison and
// hashing.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "stream_test_util.hpp"
#include "xmpp/jid.hpp"

using xmpp::Jid;
using xmpp::JidError;
using xmpp::test::printable;
using xmpp::test::utf8;

namespace {

std::string error_name(JidError e) {
  return std::string(to_string(e));
}

// Parses `text`, REQUIREs success and checks the three parts and the stored form.
Jid parse_ok(std::string_view text) {
  JidError error = JidError::domainpart_empty;  // anything but ok: parse() must set it
  std::optional<Jid> jid = Jid::parse(text, &error);
  INFO("input: " << printable(text));
  CHECK(error_name(error) == error_name(JidError::ok));
  CHECK(error_name(Jid::check(text)) == error_name(JidError::ok));
  REQUIRE(jid.has_value());
  return *jid;
}

void check_parts(std::string_view text, std::string_view local, std::string_view domain,
                 std::string_view resource) {
  INFO("input: " << printable(text));
  const Jid jid = parse_ok(text);
  CHECK(printable(jid.local()) == printable(local));
  CHECK(printable(jid.domain()) == printable(domain));
  CHECK(printable(jid.resource()) == printable(resource));
  CHECK(jid.has_local() == !local.empty());
  CHECK(jid.is_bare() == resource.empty());
}

void check_error(std::string_view text, JidError expected) {
  INFO("input: " << printable(text));
  JidError error = JidError::ok;
  const std::optional<Jid> jid = Jid::parse(text, &error);
  CHECK_FALSE(jid.has_value());
  CHECK(error_name(error) == error_name(expected));
  CHECK(error_name(Jid::check(text)) == error_name(expected));
}

struct Valid {
  std::string_view text, local, domain, resource;
};
struct Invalid {
  std::string_view text;
  JidError error;
};

}  // namespace

TEST_CASE("RFC 7622 §3.5 examples of valid JIDs") {
  const Valid cases[] = {
      {"juliet@example.com", "juliet", "example.com", ""},
      {"juliet@example.com/foo", "juliet", "example.com", "foo"},
      {"juliet@example.com/foo bar", "juliet", "example.com", "foo bar"},
      {"juliet@example.com/foo@bar", "juliet", "example.com", "foo@bar"},
      {"foo\\20bar@example.com", "foo\\20bar", "example.com", ""},
      {"fussball@example.com", "fussball", "example.com", ""},
      {"fu\xC3\x9F"
       "ball@example.com",
       "fu\xC3\x9F"
       "ball",
       "example.com", ""},
      {"\xCF\x80@example.com", "\xCF\x80", "example.com", ""},                   // π
      {"\xCE\xA3@example.com/foo", "\xCE\xA3", "example.com", "foo"},            // Σ
      {"\xCF\x83@example.com/foo", "\xCF\x83", "example.com", "foo"},            // σ
      {"\xCF\x82@example.com/foo", "\xCF\x82", "example.com", "foo"},            // ς
      {"king@example.com/\xE2\x99\x9A", "king", "example.com", "\xE2\x99\x9A"},  // ♚
      {"example.com", "", "example.com", ""},
      {"example.com/foobar", "", "example.com", "foobar"},
      {"a.example.com/b@example.net", "", "a.example.com", "b@example.net"},
  };
  for (const Valid& c : cases) {
    check_parts(c.text, c.local, c.domain, c.resource);
    CHECK(parse_ok(c.text).str() == c.text);
  }
}

TEST_CASE("RFC 7622 §3.5 examples of invalid JIDs that need no PRECIS") {
  const Invalid cases[] = {
      {"\"juliet\"@example.com", JidError::localpart_forbidden_character},
      {"foo bar@example.com", JidError::localpart_forbidden_character},
      {"@example.com/", JidError::localpart_empty},
      {"juliet@", JidError::domainpart_empty},
      {"/foobar", JidError::domainpart_empty},
  };
  for (const Invalid& c : cases)
    check_error(c.text, c.error);
}

TEST_CASE("documented deviations: RFC 7622 §3.5 examples 18, 20, 21 are accepted") {
  // Example 18: no rule forbids a leading space in a resourcepart (OpaqueString allows spaces).
  check_parts("juliet@example.com/ foo", "juliet", "example.com", " foo");
  // Examples 20 and 21 are invalid only under PRECIS IdentifierClass, which is not applied.
  check_parts("henry\xE2\x85\xA3@example.com", "henry\xE2\x85\xA3", "example.com", "");  // Ⅳ
  check_parts("\xE2\x99\x9A@example.com", "\xE2\x99\x9A", "example.com", "");            // ♚
}

TEST_CASE("structure: first '/' then first '@'") {
  check_parts("a@b/c@d/e", "a", "b", "c@d/e");
  check_parts("b/c@d", "", "b", "c@d");
  check_parts("a/b@c", "", "a", "b@c");
  check_parts("a@b//", "a", "b", "/");
  check_parts("a@b/@", "a", "b", "@");
  check_parts("a@b/a@b/c", "a", "b", "a@b/c");
  // A second '@' before the '/' lands in the domainpart, where it is not allowed.
  check_error("a@b@example.com", JidError::domainpart_forbidden_character);
}

TEST_CASE("empty parts") {
  const Invalid cases[] = {
      {"", JidError::domainpart_empty},
      {"@", JidError::localpart_empty},
      {"@example.com", JidError::localpart_empty},
      {"example.com/", JidError::resourcepart_empty},
      {"juliet@example.com/", JidError::resourcepart_empty},
      {"juliet@/foo", JidError::domainpart_empty},
      {"/", JidError::domainpart_empty},
      {".", JidError::domainpart_empty},
      {"juliet@.", JidError::domainpart_empty},
      {"./r", JidError::domainpart_empty},
  };
  for (const Invalid& c : cases)
    check_error(c.text, c.error);
}

TEST_CASE("each part: exactly 1023 bytes is allowed, 1024 is not") {
  const std::string p1023(1023, 'x'), p1024(1024, 'x');
  SUBCASE("localpart") {
    check_parts(p1023 + "@example.com", p1023, "example.com", "");
    check_error(p1024 + "@example.com", JidError::localpart_too_long);
  }
  SUBCASE("domainpart") {
    check_parts(p1023, "", p1023, "");
    check_parts("a@" + p1023 + "/r", "a", p1023, "r");
    check_error(p1024, JidError::domainpart_too_long);
    check_error("a@" + p1024 + "/r", JidError::domainpart_too_long);
    // Dotted labels count in full.
    std::string dotted;
    while (dotted.size() < 1021)
      dotted += "abc.";
    dotted.resize(1023);
    REQUIRE(dotted.back() != '.');
    check_parts(dotted, "", dotted, "");
    check_error(dotted + "c", JidError::domainpart_too_long);
  }
  SUBCASE("resourcepart") {
    check_parts("a@b/" + p1023, "a", "b", p1023);
    check_error("a@b/" + p1024, JidError::resourcepart_too_long);
  }
  SUBCASE("limits are in bytes, not characters") {
    std::string euros;
    for (int i = 0; i < 341; ++i)
      euros += utf8(0x20AC);  // 3 bytes each: 1023 in all
    REQUIRE(euros.size() == 1023);
    check_parts("a@b/" + euros, "a", "b", euros);
    check_parts(euros + "@b", euros, "b", "");
    check_error("a@b/" + euros + "x", JidError::resourcepart_too_long);
    check_error(euros + "x@b", JidError::localpart_too_long);
  }
  SUBCASE("a maximal JID of three 1023-byte parts") {
    const std::string text = p1023 + "@" + p1023 + "/" + p1023;
    const Jid jid = parse_ok(text);
    CHECK(jid.local().size() == 1023);
    CHECK(jid.domain().size() == 1023);
    CHECK(jid.resource().size() == 1023);
    CHECK(jid.str() == text);
  }
}

TEST_CASE("one trailing dot of the domainpart is stripped (RFC 7622 §3.2)") {
  check_parts("example.com.", "", "example.com", "");
  check_parts("juliet@example.com./res.", "juliet", "example.com", "res.");
  CHECK(parse_ok("example.com.").str() == "example.com");
  CHECK(parse_ok("juliet@example.com./res").str() == "juliet@example.com/res");
  CHECK(parse_ok("juliet@example.com./res").bare_str() == "juliet@example.com");
  CHECK(parse_ok("juliet.@example.com").local() == "juliet.");  // only the domain's dot
  CHECK(parse_ok("example.com.") == parse_ok("example.com"));
  CHECK(parse_ok("example.com.").hash() == parse_ok("example.com").hash());
  // Stripped before the length check: 1023 bytes and a dot is fine.
  const std::string p1023(1023, 'x');
  check_parts(p1023 + ".", "", p1023, "");
  check_error(std::string(1024, 'x') + ".", JidError::domainpart_too_long);
  // Only one.
  check_error("example.com..", JidError::domainpart_empty_label);
  check_error("..", JidError::domainpart_empty_label);
}

TEST_CASE("domainpart: labels and characters") {
  check_parts("xmpp-server_1.EXAMPLE.org", "", "xmpp-server_1.EXAMPLE.org", "");
  check_parts("1.2.3.example", "", "1.2.3.example", "");
  check_parts("localhost", "", "localhost", "");
  check_parts(
      "b\xC3\xBC"
      "cher.example",
      "",
      "b\xC3\xBC"
      "cher.example",
      "");  // U-label kept
  const Invalid cases[] = {
      {".example.com", JidError::domainpart_empty_label},
      {"example..com", JidError::domainpart_empty_label},
      {"a@.example.com/r", JidError::domainpart_empty_label},
      {"exa mple.com", JidError::domainpart_forbidden_character},
      {"example.com:5222", JidError::domainpart_forbidden_character},
      {"exa<mple.com", JidError::domainpart_forbidden_character},
      {"*.example.com", JidError::domainpart_forbidden_character},
      {"example.com\t", JidError::domainpart_forbidden_character},
      {"exam\x01ple.com", JidError::domainpart_forbidden_character},
      {"example.com]", JidError::domainpart_forbidden_character},
      {"example\x7F.com", JidError::domainpart_forbidden_character},
  };
  for (const Invalid& c : cases)
    check_error(c.text, c.error);
}

TEST_CASE("domainpart: IP literals") {
  for (std::string_view ok :
       {"[::1]", "[::]", "[1:2:3:4:5:6:7:8]", "[2001:db8::1]", "[2001:DB8:0:0:8:800:200C:417A]",
        "[::ffff:192.0.2.1]", "[1:2:3:4:5:6:192.0.2.1]", "[1::]", "[1:2:3:4:5:6:7::]",
        "[::2:3:4:5:6:7:8]", "[2001:41D0:1:A49b::1]", "192.0.2.1", "0.0.0.0", "255.255.255.255"}) {
    check_parts(ok, "", ok, "");
  }
  check_parts("juliet@[2001:db8::1]/r", "juliet", "[2001:db8::1]", "r");
  check_parts("[::1].", "", "[::1]", "");
  check_parts("192.0.2.1./r", "", "192.0.2.1", "r");
  const Invalid cases[] = {
      {"[::1", JidError::domainpart_invalid_ipv6},
      {"[]", JidError::domainpart_invalid_ipv6},
      {"[", JidError::domainpart_invalid_ipv6},
      {"[1:2:3:4:5:6:7:8:9]", JidError::domainpart_invalid_ipv6},
      {"[1:2:3:4:5:6:7]", JidError::domainpart_invalid_ipv6},
      {"[1:2:3:4:5:6:7:8::]", JidError::domainpart_invalid_ipv6},
      {"[1::2::3]", JidError::domainpart_invalid_ipv6},
      {"[:::]", JidError::domainpart_invalid_ipv6},
      {"[:1]", JidError::domainpart_invalid_ipv6},
      {"[1:]", JidError::domainpart_invalid_ipv6},
      {"[1::2:]", JidError::domainpart_invalid_ipv6},
      {"[1:2:3:4:5:6:7:8:]", JidError::domainpart_invalid_ipv6},
      {"[12345::]", JidError::domainpart_invalid_ipv6},
      {"[g::]", JidError::domainpart_invalid_ipv6},
      {"[192.0.2.1]", JidError::domainpart_invalid_ipv6},
      {"[::192.0.2.1:1]", JidError::domainpart_invalid_ipv6},
      {"[192.0.2.1::]", JidError::domainpart_invalid_ipv6},
      {"[::256.0.0.1]", JidError::domainpart_invalid_ipv6},
      {"[::1]:5222", JidError::domainpart_invalid_ipv6},
      {"[fe80::1%25eth0]", JidError::domainpart_invalid_ipv6},
      {"[v1.fe]", JidError::domainpart_invalid_ipv6},
      {"256.0.0.1", JidError::domainpart_invalid_ipv4},
      {"1.2.3", JidError::domainpart_invalid_ipv4},
      {"1.2.3.4.5", JidError::domainpart_invalid_ipv4},
      {"01.2.3.4", JidError::domainpart_invalid_ipv4},
      {"1234.1.1.1", JidError::domainpart_invalid_ipv4},
      {"12345", JidError::domainpart_invalid_ipv4},
      {"x@1.2.3.4.5/r", JidError::domainpart_invalid_ipv4},
  };
  for (const Invalid& c : cases)
    check_error(c.text, c.error);
}

TEST_CASE("localpart: the characters RFC 7622 §3.3.1 forbids, space and controls") {
  for (char c : {'"', '&', '\'', ':', '<', '>', ' ', '\t', '\n', '\r', '\x01', '\x1F', '\x7F'}) {
    const std::string text = std::string("ju") + c + "liet@example.com";
    check_error(text, JidError::localpart_forbidden_character);
  }
  check_error(std::string_view("ju\0liet@example.com", 19),
              JidError::localpart_forbidden_character);
  // Everything else printable is fine (XEP-0106 escapes are plain characters).
  check_parts("!#$%()*+,-.;=?[\\]^_`{|}~@example.com", "!#$%()*+,-.;=?[\\]^_`{|}~", "example.com",
              "");
}

TEST_CASE("resourcepart: controls are forbidden, everything else printable is allowed") {
  for (char c : {'\t', '\n', '\r', '\x01', '\x1B', '\x7F'}) {
    check_error(std::string("a@b/x") + c, JidError::resourcepart_forbidden_character);
  }
  check_error(std::string_view("a@b/x\0", 6), JidError::resourcepart_forbidden_character);
  check_parts("a@b/ \"&'<>:@/ ", "a", "b", " \"&'<>:@/ ");
}

TEST_CASE("non-ASCII: well-formed UTF-8 of characters XML can carry, no C1 controls") {
  struct Bad {
    std::string_view bytes, what;
  };
  const Bad invalid_utf8[] = {
      {"\xC3", "truncated"},
      {"\xC3(", "bad continuation"},
      {"\x80", "lone continuation"},
      {"\xC0\xAF", "overlong"},
      {"\xE0\x80\xAF", "overlong"},
      {"\xED\xA0\x80", "surrogate"},
      {"\xF4\x90\x80\x80", "above U+10FFFF"},
      {"\xFF", "never in UTF-8"},
  };
  for (const Bad& b : invalid_utf8) {
    INFO(b.what);
    const std::string bytes(b.bytes);
    check_error("x" + bytes + "@example.com", JidError::localpart_invalid_utf8);
    check_error("a@ex" + bytes + ".com", JidError::domainpart_invalid_utf8);
    check_error("a@example.com/r" + bytes, JidError::resourcepart_invalid_utf8);
  }
  const Bad forbidden[] = {
      {"\xC2\x80", "U+0080 (C1)"},
      {"\xC2\x85", "U+0085 NEL (C1)"},
      {"\xC2\x9F", "U+009F (C1)"},
      {"\xEF\xBF\xBE", "U+FFFE (not an XML Char)"},
      {"\xEF\xBF\xBF", "U+FFFF (not an XML Char)"},
  };
  for (const Bad& b : forbidden) {
    INFO(b.what);
    const std::string bytes(b.bytes);
    check_error("x" + bytes + "@example.com", JidError::localpart_forbidden_character);
    check_error("a@ex" + bytes + ".com", JidError::domainpart_forbidden_character);
    check_error("a@example.com/r" + bytes, JidError::resourcepart_forbidden_character);
  }
  // The first characters past the forbidden ranges pass, in every part.
  for (char32_t cp : {char32_t{0xA0}, char32_t{0xFFFD}, char32_t{0x10000}, char32_t{0x10FFFF}}) {
    const std::string s = utf8(cp);
    check_parts(s + "@ex" + s + ".com/" + s, s, "ex" + s + ".com", s);
  }
}

TEST_CASE("every error has its own message") {
  std::set<std::string> messages;
  const int count = static_cast<int>(JidError::resourcepart_forbidden_character) + 1;
  for (int i = 0; i < count; ++i) {
    const std::string m = error_name(static_cast<JidError>(i));
    INFO("error " << i << ": " << m);
    CHECK_FALSE(m.empty());
    CHECK(messages.insert(m).second);
  }
  CHECK(error_name(JidError::ok) == "ok");
  CHECK(error_name(JidError::localpart_too_long).find("1023") != std::string::npos);
  CHECK(error_name(JidError::localpart_forbidden_character).find("§3.3.1") != std::string::npos);
}

TEST_CASE("parse without an error pointer") {
  CHECK(Jid::parse("juliet@example.com").has_value());
  CHECK_FALSE(Jid::parse("juliet@").has_value());
}

TEST_CASE("bare(), str(), bare_str()") {
  const Jid full = parse_ok("Juliet@Example.com/Balcony/2");
  CHECK(full.str() == "Juliet@Example.com/Balcony/2");
  CHECK(full.bare_str() == "Juliet@Example.com");
  CHECK_FALSE(full.is_bare());
  const Jid bare = full.bare();
  CHECK(bare.is_bare());
  CHECK(bare.str() == "Juliet@Example.com");
  CHECK(bare.local() == "Juliet");
  CHECK(bare.domain() == "Example.com");
  CHECK(bare.resource().empty());
  CHECK(bare == parse_ok("juliet@example.com"));
  CHECK(bare != full);

  const Jid server = parse_ok("example.com/r");
  CHECK(server.bare().str() == "example.com");
  CHECK_FALSE(server.bare().has_local());
  CHECK(server.bare().domain() == "example.com");
  // A copy is independent of the original's storage.
  std::optional<Jid> tmp = Jid::parse("x@y/z");
  REQUIRE(tmp);
  const Jid copy = *tmp;
  tmp.reset();
  CHECK(copy.str() == "x@y/z");
  CHECK(copy.resource() == "z");
}

TEST_CASE("equality folds ASCII case in localpart and domainpart only") {
  const Jid a = parse_ok("Juliet@Example.COM/Balcony");
  CHECK(a == parse_ok("juliet@example.com/Balcony"));
  CHECK(a == parse_ok("JULIET@EXAMPLE.COM/Balcony"));
  CHECK(a != parse_ok("juliet@example.com/balcony"));  // resource is case-sensitive
  CHECK(a != parse_ok("juliet@example.com"));
  CHECK(a != parse_ok("juliet@example.org/Balcony"));
  CHECK(a != parse_ok("romeo@example.com/Balcony"));
  CHECK(parse_ok("example.com") != parse_ok("juliet@example.com"));
  CHECK(parse_ok("example.com") != parse_ok("example.com/r"));
  // Structure matters, not just the concatenation.
  CHECK(parse_ok("a@b/c") != parse_ok("a@bc"));
  // Non-ASCII is compared byte for byte: no Unicode case folding.
  CHECK(parse_ok("\xCE\xA3@example.com") != parse_ok("\xCF\x83@example.com"));  // Σ, σ
  CHECK(parse_ok("\xC3\x89@example.com") != parse_ok("\xC3\xA9@example.com"));  // É, é
  CHECK(parse_ok("[2001:DB8::1]") == parse_ok("[2001:db8::1]"));
  CHECK(parse_ok("[::1]") != parse_ok("[0::1]"));  // no address canonicalisation
  // Folding maps A-Z only: '[' + 32 is '{' and '^' + 32 is '~', yet they stay distinct.
  CHECK(parse_ok("a[@b") != parse_ok("a{@b"));
  CHECK(parse_ok("a^@b") != parse_ok("a~@b"));
}

TEST_CASE("ordering is consistent with equality") {
  std::vector<Jid> jids;
  for (std::string_view s : {"b@x", "A@x", "a@X/r", "x", "x/r", "a@x", "a@x/R", "B@x/r"})
    jids.push_back(parse_ok(s));
  std::sort(jids.begin(), jids.end());
  std::vector<std::string> order;
  for (const Jid& j : jids)
    order.emplace_back(j.str());
  // Domain-only first; A@x and a@x are equivalent (stable relative order not required).
  CHECK(order[0] == "x");
  CHECK(order[1] == "x/r");
  CHECK((order[2] == "A@x" || order[2] == "a@x"));
  CHECK((order[3] == "A@x" || order[3] == "a@x"));
  CHECK(order[4] == "a@x/R");
  CHECK(order[5] == "a@X/r");
  CHECK(order[6] == "b@x");
  CHECK(order[7] == "B@x/r");
  for (const Jid& x : jids) {
    for (const Jid& y : jids) {
      CHECK(((x <=> y) == 0) == (x == y));
      CHECK(((x <=> y) < 0) == ((y <=> x) > 0));
    }
  }
  // Bytes compare unsigned: non-ASCII sorts after ASCII.
  CHECK(parse_ok("z@x") < parse_ok("\xC3\xA9@x"));
}

TEST_CASE("hashing is consistent with equality; Jid works in unordered containers") {
  const Jid a = parse_ok("Juliet@Example.COM/Balcony");
  const Jid b = parse_ok("juliet@example.com/Balcony");
  CHECK(a.hash() == b.hash());
  CHECK(std::hash<Jid>{}(a) == a.hash());
  CHECK(a.hash() != parse_ok("juliet@example.com/balcony").hash());
  CHECK(parse_ok("a@b/c").hash() != parse_ok("a@bc").hash());
  CHECK(parse_ok("ab@c").hash() != parse_ok("a@bc").hash());

  std::unordered_set<Jid> set;
  CHECK(set.insert(a).second);
  CHECK_FALSE(set.insert(b).second);
  CHECK(set.count(parse_ok("JULIET@example.com/Balcony")) == 1);
  CHECK(set.count(parse_ok("juliet@example.com/balcony")) == 0);
  CHECK(set.count(parse_ok("juliet@example.com")) == 0);

  std::unordered_map<Jid, int> roster;
  roster[parse_ok("Romeo@Montague.lit")] = 1;
  roster[parse_ok("romeo@montague.lit")] += 1;
  roster[parse_ok("romeo@montague.lit/orchard")] = 5;
  CHECK(roster.size() == 2);
  CHECK(roster.at(parse_ok("ROMEO@MONTAGUE.LIT")) == 2);
}
