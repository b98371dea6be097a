// Strict reading of the XEP-0198 elements a server sends, hostile input included.
#include <doctest/doctest.h>

#include <initializer_list>
#include <string>

#include "sm/sm_elements.hpp"
#include "stream_test_util.hpp"

using namespace xmpp;
using namespace xmpp::test;

namespace {

constexpr std::string_view kBadH = "h is not an unsignedInt (1 to 10 digits, at most 4294967295)";

// Parses `bytes` as one top-level element of a client stream and reads it with `reader`.
template <class Reader>
auto read(std::string_view bytes, Reader reader) {
  OpenStream stream;
  INFO("input: " << printable(bytes));
  return reader(stream.element(bytes));
}

sm::Parsed<sm::Enabled> enabled(std::string_view attributes) {
  return read("<enabled xmlns='urn:xmpp:sm:3' " + std::string(attributes) + "/>",
              sm::parse_enabled);
}

std::string attr(std::string_view name, std::string_view value) {
  return std::string(name) + "='" + std::string(value) + "'";
}

}  // namespace

TEST_CASE("parse_h takes 1 to 10 ASCII digits up to 4294967295") {
  CHECK(sm::parse_h("0") == 0u);
  CHECK(sm::parse_h("1") == 1u);
  CHECK(sm::parse_h("42") == 42u);
  CHECK(sm::parse_h("4294967295") == 4294967295u);
  CHECK(sm::parse_h("0000000007") == 7u);  // leading zeros are xs:unsignedInt lexical forms
}

TEST_CASE("parse_h refuses everything else") {
  const std::string_view bad_values[] = {"",
                                         "-1",
                                         "+1",
                                         " 1",
                                         "1 ",
                                         "\t1",
                                         "4294967296",
                                         "9999999999",
                                         "99999999999",
                                         "00000000001",
                                         "1.0",
                                         "1e3",
                                         "0x10",
                                         "one",
                                         "\xEF\xBC\x91" /* fullwidth 1 */,
                                         "1,000",
                                         std::string_view("1\0", 2)};
  for (const std::string_view bad : bad_values) {
    CAPTURE(printable(bad));
    CHECK_FALSE(sm::parse_h(bad).has_value());
  }
}

TEST_CASE("<enabled/> without attributes: acks only") {
  const auto r = enabled("");
  REQUIRE(r);
  CHECK(r.error.empty());
  CHECK(r.value->id.empty());
  CHECK_FALSE(r.value->resume);
  CHECK_FALSE(r.value->max);
  CHECK(r.value->location.empty());
}

TEST_CASE("<enabled/> with resumption, max and location (XEP-0198 §5 example)") {
  const auto r = enabled(
      "id='some-long-sm-id' location='[2001:41D0:1:A49b::1]:9222' "
      "resume='true' max='600'");
  REQUIRE(r);
  CHECK(r.value->id == "some-long-sm-id");
  CHECK(r.value->resume);
  CHECK(r.value->max == 600u);
  CHECK(r.value->location == "[2001:41D0:1:A49b::1]:9222");
}

TEST_CASE("<enabled resume/> is 'true', '1', 'false' or '0' and nothing else") {
  CHECK(enabled("id='x' resume='true'").value->resume);
  CHECK(enabled("id='x' resume='1'").value->resume);
  CHECK_FALSE(enabled("id='x' resume='false'").value->resume);
  CHECK_FALSE(enabled("resume='0'").value->resume);
  for (const std::string_view bad : {"yes", "TRUE", "True", " true", "true ", "", "2", "on"}) {
    CAPTURE(bad);
    const auto r = enabled("id='x' " + attr("resume", bad));
    CHECK_FALSE(r);
    CHECK(r.error == "resume of <enabled/> is not 'true', '1', 'false' or '0'");
  }
}

TEST_CASE("<enabled resume='true'/> needs an id (XEP-0198 §5)") {
  const auto r = enabled("resume='true'");
  CHECK_FALSE(r);
  CHECK(r.error == "<enabled resume='true'/> without an id (XEP-0198 §5)");
  CHECK_FALSE(enabled("resume='1'"));
}

TEST_CASE("<enabled id/> is 1 to 1024 bytes") {
  CHECK(enabled(attr("id", std::string(1024, 'x'))).value->id.size() == 1024);
  auto r = enabled(attr("id", std::string(1025, 'x')));
  CHECK_FALSE(r);
  CHECK(r.error == "id of <enabled/> is longer than 1024 bytes");
  CHECK_FALSE(enabled("resume='true' " + attr("id", std::string(4001, 'x'))));
  r = enabled("id='' resume='true'");
  CHECK_FALSE(r);
  CHECK(r.error == "id of <enabled/> is empty");
  // An id without resumption is kept: any character an attribute can carry is allowed (§5).
  CHECK(enabled("id='a&lt;b c'").value->id == "a<b c");
}

TEST_CASE("<enabled max/> is an integer from 1 to 4294967295") {
  CHECK(enabled("max='1'").value->max == 1u);
  CHECK(enabled("max='4294967295'").value->max == 4294967295u);
  for (const std::string_view bad : {"0", "", "-1", "+5", "4294967296", "1.5", " 60"}) {
    CAPTURE(bad);
    const auto r = enabled(attr("max", bad));
    CHECK_FALSE(r);
    CHECK(r.error == "max of <enabled/> is not an integer from 1 to 4294967295");
  }
}

TEST_CASE("<enabled location/> is a host with an optional port") {
  for (const std::string_view good :
       {"example.net", "example.net:5222", "xmpp.example.net:1", "c2s.example.net:65535",
        "192.0.2.1", "192.0.2.1:5223", "[2001:db8::1]", "[2001:41D0:1:A49b::1]:9222",
        "example.net."}) {
    CAPTURE(good);
    CHECK(sm::is_valid_location(good));
    CHECK(enabled(attr("location", good)).value->location == good);
  }
  for (const std::string_view bad :
       {"", "example.net:", "example.net:0", "example.net:65536", "example.net:123456",
        "example.net:52a", "example.net:+52", ":5222", "[2001:db8::1", "[2001:db8::1]5222",
        "[2001:db8::1]:", "2001:db8::1", "user@example.net", "example.net/res", "two words",
        "host:1:2", "[not-v6]:5222", "exa mple.net", "a..b"}) {
    CAPTURE(bad);
    CHECK_FALSE(sm::is_valid_location(bad));
    const auto r = enabled(attr("location", bad));
    CHECK_FALSE(r);
    CHECK(r.error == "location of <enabled/> is not a host with an optional port (XEP-0198 §3)");
  }
  const std::string longest = std::string(1017, 'h') + ".net:52";
  CHECK(sm::is_valid_location(longest));
  const std::string too_long = std::string(1018, 'h') + ".net:52";
  CHECK_FALSE(sm::is_valid_location(too_long));
  const auto r = enabled(attr("location", too_long));
  CHECK_FALSE(r);
  CHECK(r.error == "location of <enabled/> is longer than 1024 bytes");
}

TEST_CASE("attributes in other namespaces are not the XEP's") {
  const auto r = enabled("xmlns:x='urn:example' x:resume='true' x:id='y'");
  REQUIRE(r);
  CHECK_FALSE(r.value->resume);
  CHECK(r.value->id.empty());
}

TEST_CASE("readers refuse other elements and empty ones") {
  CHECK(read("<enable xmlns='urn:xmpp:sm:3'/>", sm::parse_enabled).error ==
        "not <enabled xmlns='urn:xmpp:sm:3'/>");
  CHECK_FALSE(read("<enabled xmlns='urn:xmpp:sm:2'/>", sm::parse_enabled));
  CHECK_FALSE(read("<enabled/>", sm::parse_enabled));  // jabber:client
  CHECK_FALSE(sm::parse_enabled(xml::Element()));
  CHECK_FALSE(sm::parse_resumed(xml::Element()));
  CHECK_FALSE(sm::parse_failed(xml::Element()));
  CHECK_FALSE(sm::parse_ack(xml::Element()));
  CHECK_FALSE(sm::parse_request(xml::Element()));
  CHECK_FALSE(sm::parse_handled_count_too_high(xml::Element()));
  CHECK(read("<a xmlns='urn:xmpp:sm:3' h='1'/>", sm::parse_resumed).error ==
        "not <resumed xmlns='urn:xmpp:sm:3'/>");
  CHECK(read("<r xmlns='urn:xmpp:sm:3'/>", sm::parse_failed).error ==
        "not <failed xmlns='urn:xmpp:sm:3'/>");
  CHECK(read("<r xmlns='urn:xmpp:sm:3'/>", sm::parse_ack).error ==
        "not <a xmlns='urn:xmpp:sm:3'/>");
  CHECK(read("<a xmlns='urn:xmpp:sm:3' h='1'/>", sm::parse_request).error ==
        "not <r xmlns='urn:xmpp:sm:3'/>");
}

TEST_CASE("<resumed/> needs previd and a valid h (XEP-0198 §5)") {
  const auto ok =
      read("<resumed xmlns='urn:xmpp:sm:3' h='42' previd='some-long-sm-id'/>", sm::parse_resumed);
  REQUIRE(ok);
  CHECK(ok.value->previd == "some-long-sm-id");
  CHECK(ok.value->h == 42u);

  CHECK(read("<resumed xmlns='urn:xmpp:sm:3' h='1'/>", sm::parse_resumed).error ==
        "<resumed/> has no previd (XEP-0198 §5)");
  CHECK(read("<resumed xmlns='urn:xmpp:sm:3' previd='' h='1'/>", sm::parse_resumed).error ==
        "previd of <resumed/> is empty");
  CHECK(read("<resumed xmlns='urn:xmpp:sm:3' previd='" + std::string(1025, 'p') + "' h='1'/>",
             sm::parse_resumed)
            .error == "previd of <resumed/> is longer than 1024 bytes");
  CHECK(read("<resumed xmlns='urn:xmpp:sm:3' previd='x'/>", sm::parse_resumed).error ==
        "<resumed/> has no h (XEP-0198 §5)");
  for (const std::string_view bad : {"", "-1", "4294967296", "1.0", " 1"}) {
    CAPTURE(bad);
    CHECK(read("<resumed xmlns='urn:xmpp:sm:3' previd='x' " + attr("h", bad) + "/>",
               sm::parse_resumed)
              .error == kBadH);
  }
}

TEST_CASE("<failed/> with and without h and a condition") {
  auto r = read("<failed xmlns='urn:xmpp:sm:3'/>", sm::parse_failed);
  REQUIRE(r);
  CHECK_FALSE(r.value->h);
  CHECK(r.value->condition.empty());
  CHECK(r.value->text.empty());

  r = read(
      "<failed xmlns='urn:xmpp:sm:3' h='17'>"
      "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>",
      sm::parse_failed);
  REQUIRE(r);
  CHECK(r.value->h == 17u);
  CHECK(r.value->condition == "item-not-found");

  for (const std::string_view name :
       {"feature-not-implemented", "unexpected-request", "not-authorized", "bad-request"}) {
    CAPTURE(name);
    r = read("<failed xmlns='urn:xmpp:sm:3'><" + std::string(name) +
                 " xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>",
             sm::parse_failed);
    REQUIRE(r);
    CHECK(r.value->condition == name);
  }
}

TEST_CASE("<failed/>: text, unknown and misplaced conditions") {
  auto r = read(
      "<failed xmlns='urn:xmpp:sm:3'>"
      "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' xml:lang='en'>Unauthorized</text>"
      "<not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
      "<unexpected-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
      "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>second</text></failed>",
      sm::parse_failed);
  REQUIRE(r);
  CHECK(r.value->condition == "not-authorized");  // the first one counts
  CHECK(r.value->text == "Unauthorized");

  // XEP-0198 §6: the condition MUST be a stanza error condition; an undefined one is read as
  // undefined-condition.
  r = read(
      "<failed xmlns='urn:xmpp:sm:3'><bogus xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
      "</failed>",
      sm::parse_failed);
  CHECK(r.value->condition == "undefined-condition");

  // Stream error conditions (ejabberd once sent unsupported-version) and the XEP's own namespace
  // are not stanza error conditions.
  r = read(
      "<failed xmlns='urn:xmpp:sm:3'>"
      "<unsupported-version xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
      "<item-not-found/></failed>",
      sm::parse_failed);
  REQUIRE(r);
  CHECK(r.value->condition.empty());
}

TEST_CASE("<failed h/> must be an unsignedInt when present") {
  for (const std::string_view bad : {"", "-1", "4294967296", "x"}) {
    CAPTURE(bad);
    CHECK(read("<failed xmlns='urn:xmpp:sm:3' " + attr("h", bad) + "/>", sm::parse_failed).error ==
          kBadH);
  }
}

TEST_CASE("<a/> must possess h (XEP-0198 §4)") {
  CHECK(*read("<a xmlns='urn:xmpp:sm:3' h='0'/>", sm::parse_ack).value == 0u);
  CHECK(*read("<a xmlns='urn:xmpp:sm:3' h='4294967295'/>", sm::parse_ack).value == 4294967295u);
  CHECK(read("<a xmlns='urn:xmpp:sm:3'/>", sm::parse_ack).error == "<a/> has no h (XEP-0198 §4)");
  for (const std::string_view bad : {"", "-1", "+1", " 1", "4294967296", "1.0"}) {
    CAPTURE(bad);
    const auto r = read("<a xmlns='urn:xmpp:sm:3' " + attr("h", bad) + "/>", sm::parse_ack);
    CHECK_FALSE(r);
    CHECK(r.error == kBadH);
  }
}

TEST_CASE("<r/> is recognised; attributes on it are ignored") {
  CHECK(read("<r xmlns='urn:xmpp:sm:3'/>", sm::parse_request));
  CHECK(read("<r xmlns='urn:xmpp:sm:3' h='5'/>", sm::parse_request));
  CHECK_FALSE(read("<r xmlns='urn:xmpp:sm:2'/>", sm::parse_request));
}

TEST_CASE("<handled-count-too-high/> in a received stream error") {
  const std::string_view prefix =
      "<stream:error><undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>";
  auto r = read(std::string(prefix) +
                    "<handled-count-too-high xmlns='urn:xmpp:sm:3' h='10' send-count='8'/>"
                    "</stream:error>",
                sm::parse_handled_count_too_high);
  REQUIRE(r);
  CHECK(r.value->h == 10u);
  CHECK(r.value->send_count == 8u);

  r = read(std::string(prefix) + "</stream:error>", sm::parse_handled_count_too_high);
  CHECK(r.error == "<stream:error/> has no <handled-count-too-high/>");
  r = read(
      std::string(prefix) + "<handled-count-too-high xmlns='urn:xmpp:sm:3' h='10'/></stream:error>",
      sm::parse_handled_count_too_high);
  CHECK(r.error == "<handled-count-too-high/> lacks h or send-count (XEP-0198 §6)");
  r = read(std::string(prefix) +
               "<handled-count-too-high xmlns='urn:xmpp:sm:3' h='-1' send-count='8'/>"
               "</stream:error>",
           sm::parse_handled_count_too_high);
  CHECK(r.error == "h or send-count of <handled-count-too-high/> is not an unsignedInt");
  CHECK(read("<a xmlns='urn:xmpp:sm:3' h='1'/>", sm::parse_handled_count_too_high).error ==
        "not <stream:error/>");
}
