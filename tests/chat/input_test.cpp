// examples/xmpp-chat/input.hpp: every rule of input lines.
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "conditions.hpp"
#include "input.hpp"

namespace xmpp::chat {
namespace {

using namespace std::string_literals;

template <class T>
T expect(std::string_view line, Mode mode = Mode::client, std::string_view domain = {}) {
  InputCommand c = parse_input_line(line, mode, domain);
  if (const auto* e = std::get_if<InputError>(&c)) {
    FAIL("unexpected error for " << std::string(line) << ": " << e->condition << ": " << e->text);
  }
  REQUIRE(std::holds_alternative<T>(c));
  return std::get<T>(std::move(c));
}

InputError error(std::string_view line, Mode mode = Mode::client, std::string_view domain = {}) {
  InputCommand c = parse_input_line(line, mode, domain);
  const auto* e = std::get_if<InputError>(&c);
  REQUIRE_MESSAGE(e != nullptr, "no error for " << std::string(line));
  CHECK(!e->text.empty());
  return *e;
}

void check_error(std::string_view line, std::string_view condition, std::string_view text_part,
                 Mode mode = Mode::client, std::string_view domain = {}) {
  CAPTURE(std::string(line));
  const InputError e = error(line, mode, domain);
  CHECK(e.condition == condition);
  CHECK_MESSAGE(e.text.find(text_part) != std::string::npos, e.text);
}

}  // namespace

TEST_CASE("input: empty and whitespace-only lines are Nothing") {
  for (const char* line : {"", " ", "\t", "\r", "  \t \r"}) {
    CAPTURE(line);
    CHECK(std::holds_alternative<Nothing>(parse_input_line(line, Mode::client)));
  }
}

TEST_CASE("input: a message line") {
  SendMessage m = expect<SendMessage>(R"({"to":"bob@localhost","body":"hi","id":"m1"})");
  CHECK(m.to.str() == "bob@localhost");
  CHECK(m.body == "hi");
  REQUIRE(m.id);
  CHECK(*m.id == "m1");
  CHECK(m.type == "chat");  // the default
  CHECK_FALSE(m.from);

  m = expect<SendMessage>(R"({"body":"","to":"localhost/r"})");  // any order; empty body
  CHECK(m.to.str() == "localhost/r");
  CHECK(m.body.empty());
  CHECK_FALSE(m.id);

  for (const char* type : {"chat", "normal", "groupchat", "headline"}) {
    CAPTURE(type);
    m = expect<SendMessage>(R"({"to":"room@muc.localhost","body":"x","type":")"s + type + "\"}");
    CHECK(m.type == type);
  }
  // Escapes, non-ASCII and a trailing CR (JSON whitespace) are fine.
  m = expect<SendMessage>("{\"to\":\"b\xC3\xBC\x62@localhost\",\"body\":\"a\\nb \\u20ac\"}\r");
  CHECK(m.to.str() == "b\xC3\xBC\x62@localhost");
  CHECK(m.body == "a\nb \xE2\x82\xAC");
  // Tab, CR and LF are XML characters.
  CHECK(expect<SendMessage>(R"({"to":"a@b","body":"\t\r\n"})").body == "\t\r\n");
}

TEST_CASE("input: commands") {
  expect<Drop>(R"({"cmd":"drop"})");
  expect<Quit>(R"({"cmd":"quit"})");
  expect<Quit>(" {\"cmd\" : \"quit\"} ");
  check_error(R"({"cmd":"exit"})", condition::bad_request, "unknown cmd \"exit\"");
  check_error(R"({"cmd":"QUIT"})", condition::bad_request, "unknown cmd");
  check_error(R"({"cmd":""})", condition::bad_request, "unknown cmd");
  check_error(R"({"cmd":1})", condition::bad_request, "\"cmd\" must be a string");
  check_error(R"({"cmd":["quit"]})", condition::bad_request, "\"cmd\" must be a string");
  check_error(R"({"cmd":"quit","to":"a@b"})", condition::bad_request, "only key");
  check_error(R"({"cmd":"quit","raw":"<presence/>"})", condition::bad_request, "only key");
}

TEST_CASE("input: raw stanzas") {
  SendRaw r = expect<SendRaw>(R"({"raw":"<presence/>"})");
  CHECK(r.xml == "<presence/>");
  REQUIRE(r.stanza.get());
  CHECK(r.stanza.get().is("presence", "jabber:client"));
  r = expect<SendRaw>(R"({"raw":"<message to='a@b' id='x'><body>hi \"there\"</body></message>"})");
  CHECK(r.stanza.get().attribute_or_empty("id") == "x");
  CHECK(r.stanza.get().child("body").text() == "hi \"there\"");
  r = expect<SendRaw>(R"({"raw":"<presence/>"})", Mode::component, "c.localhost");
  CHECK(r.stanza.get().is("presence", "jabber:component:accept"));

  check_error(R"({"raw":"<presence/><presence/>"})", condition::bad_xml, "more than one");
  check_error(R"({"raw":"<presence>"})", condition::bad_xml, "ends inside an element");
  check_error(R"({"raw":""})", condition::bad_xml, "no element");
  check_error(R"({"raw":"<foo/>"})", condition::not_a_stanza, "<foo>");
  check_error(R"({"raw":"<iq type='get'/>"})", condition::bad_stanza, "id");
  check_error(R"({"raw":"<presence to='@x'/>"})", condition::bad_jid, "'to' is not a JID");
  check_error(R"({"raw":"<presence from='x@other'/>"})", condition::bad_jid, "domain",
              Mode::component, "c.localhost");
  check_error(R"({"raw":true})", condition::bad_request, "\"raw\" must be a string");
  check_error(R"({"raw":null})", condition::bad_request, "\"raw\" must be a string");
  // raw goes alone: mixing it with a message's keys is an error, whatever the order.
  check_error(R"({"raw":"<presence/>","to":"a@b"})", condition::bad_request, "only key");
  check_error(R"({"body":"x","raw":"<presence/>"})", condition::bad_request, "only key");
  check_error(R"({"raw":"<presence/>","id":"x"})", condition::bad_request, "only key");
}

TEST_CASE("input: message rules") {
  check_error(R"({"to":"a@b"})", condition::bad_request, "needs \"body\"");
  check_error(R"({"body":"x"})", condition::bad_request, "needs \"to\"");
  check_error(R"({"id":"x"})", condition::bad_request, "needs \"to\"");
  check_error(R"({"type":"chat"})", condition::bad_request, "needs \"to\"");
  check_error(R"({})", condition::bad_request, "empty object");
  // Every value is a string; null is not "absent".
  check_error(R"({"to":"a@b","body":1})", condition::bad_request, "\"body\" must be a string");
  check_error(R"({"to":"a@b","body":null})", condition::bad_request, "\"body\" must be a string");
  check_error(R"({"to":["a@b"],"body":"x"})", condition::bad_request, "\"to\" must be a string");
  check_error(R"({"to":"a@b","body":"x","id":7})", condition::bad_request,
              "\"id\" must be a string");
  check_error(R"({"to":"a@b","body":"x","id":null})", condition::bad_request,
              "\"id\" must be a string");
  check_error(R"({"to":"a@b","body":"x","type":false})", condition::bad_request,
              "\"type\" must be a string");
  // Type.
  for (const char* type : {"error", "Chat", "", "CHAT", "chat "}) {
    check_error(R"({"to":"a@b","body":"x","type":")"s + type + "\"}", condition::bad_request,
                "unknown message type");
  }
  // Id.
  check_error(R"({"to":"a@b","body":"x","id":""})", condition::bad_request, "must not be empty");
  check_error(R"({"to":"a@b","body":"x","id":"a\u0001"})", condition::bad_request,
              "\"id\" holds a character XML cannot carry");
  // Body: characters XML 1.0 §2.2 excludes, even escaped.
  for (const char* body : {R"(\u0000)", R"(a\u0008b)", R"(\u001f)", R"(\uFFFE)", R"(\uffff)"}) {
    check_error(R"({"to":"a@b","body":")"s + body + "\"}", condition::bad_request,
                "\"body\" holds a character XML cannot carry");
  }
  // To.
  check_error(R"({"to":"","body":"x"})", condition::bad_jid, "\"to\" is not a JID");
  check_error(R"({"to":"@localhost","body":"x"})", condition::bad_jid, "localpart");
  check_error(R"({"to":"a b@localhost","body":"x"})", condition::bad_jid, "localpart");
  check_error(R"({"to":"a@","body":"x"})", condition::bad_jid, "domainpart");
  check_error(R"({"to":"a@b/","body":"x"})", condition::bad_jid, "resourcepart");
  check_error(R"({"to":"a@b/\u0007","body":"x"})", condition::bad_jid, "resourcepart");
}

TEST_CASE("input: from is for component mode, in the component's domain") {
  check_error(R"({"to":"a@b","body":"x","from":"me@localhost"})", condition::bad_request,
              "only for component mode");
  SendMessage m = expect<SendMessage>(R"({"to":"a@b","body":"x","from":"bot@C.localhost/r"})",
                                      Mode::component, "c.localhost");
  REQUIRE(m.from);
  CHECK(m.from->str() == "bot@C.localhost/r");
  m = expect<SendMessage>(R"({"to":"a@b","body":"x","from":"c.localhost"})", Mode::component,
                          "c.localhost");
  CHECK(m.from->str() == "c.localhost");
  // Absent: the component's own domain.
  m = expect<SendMessage>(R"({"to":"a@b","body":"x"})", Mode::component, "c.localhost");
  REQUIRE(m.from);
  CHECK(m.from->str() == "c.localhost");
  // Without a domain given, from is checked as a JID only and not defaulted.
  m = expect<SendMessage>(R"({"to":"a@b","body":"x"})", Mode::component);
  CHECK_FALSE(m.from);
  check_error(R"({"to":"a@b","body":"x","from":"bot@localhost"})", condition::bad_jid,
              "component's domain", Mode::component, "c.localhost");
  check_error(R"({"to":"a@b","body":"x","from":"bot@x.c.localhost"})", condition::bad_jid,
              "component's domain", Mode::component, "c.localhost");
  check_error(R"({"to":"a@b","body":"x","from":"bot@@c.localhost"})", condition::bad_jid,
              "\"from\" is not a JID", Mode::component, "c.localhost");
  check_error(R"({"to":"a@b","body":"x","from":3})", condition::bad_request,
              "\"from\" must be a string", Mode::component, "c.localhost");
}

TEST_CASE("input: unknown keys are errors, so typos are caught") {
  check_error(R"({"to":"a@b","body":"x","Body":"y"})", condition::bad_request,
              "unknown key \"Body\"");
  check_error(R"({"to":"a@b","bdy":"x"})", condition::bad_request, "unknown key \"bdy\"");
  check_error(R"({"cmd":"quit","force":true})", condition::bad_request, "unknown key \"force\"");
  check_error(R"({"":1})", condition::bad_request, "unknown key \"\"");
  check_error(R"({"a\u0000":1})", condition::bad_request, R"(unknown key "a\u0000")");
  check_error("{\"" + std::string(100, 'k') + "\":1}", condition::bad_request,
              "unknown key \"(long)\"");
}

TEST_CASE("input: lines that are not one JSON object are bad-json, with the offset") {
  check_error("hello", condition::bad_json,
              "expected '{' (a line holds one JSON object) at byte 0");
  check_error("[]", condition::bad_json, "at byte 0");
  check_error(R"({"to":"a@b","body":"x",})", condition::bad_json, "at byte 23");
  check_error(R"({"to":"a@b","to":"c@d","body":"x"})", condition::bad_json,
              "duplicate key \"to\" at byte 12");
  check_error(R"({"cmd":"quit"} {"cmd":"drop"})", condition::bad_json, "unexpected data");
  check_error("{\"body\":\"\xFF\"}", condition::bad_json,
              "invalid UTF-8 (RFC 8259 §8.1) at byte 9");
  check_error(R"({"body":"\uD800"})", condition::bad_json, "surrogate");
  check_error("{\"x\":" + std::string(40, '['), condition::bad_json, "nesting deeper than 32");
}

TEST_CASE("input: a line longer than kMaxLineBytes is too-long") {
  const std::string prefix = R"({"to":"a@b","body":")";
  std::string body(kMaxLineBytes - prefix.size() - 2, 'x');
  const std::string fits = prefix + body + "\"}";
  REQUIRE(fits.size() == kMaxLineBytes);
  CHECK(expect<SendMessage>(fits).body.size() == body.size());
  const InputError e = error(prefix + body + "x\"}");
  CHECK(e.condition == condition::too_long);
  CHECK(e.text == "line longer than 1048576 bytes");
}

}  // namespace xmpp::chat
