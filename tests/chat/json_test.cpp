// examples/xmpp-chat/json.hpp: the strict reader (RFC 8259) and the writer.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "json.hpp"

namespace xmpp::chat::json {
namespace {

using namespace std::string_literals;

Object parse_ok(std::string_view line, const Limits& limits = {}) {
  auto r = parse_object(line, limits);
  if (const auto* e = std::get_if<Error>(&r)) {
    FAIL_CHECK("unexpected error for " << std::string(line) << ": " << to_string(*e));
    return {};
  }
  return std::get<Object>(std::move(r));
}

// The string value of the only member of `{"k": ...}`-style lines.
std::string only_string(std::string_view line) {
  const Object o = parse_ok(line);
  REQUIRE(o.size() == 1);
  const auto* s = std::get_if<std::string>(&o[0].value.v);
  REQUIRE(s != nullptr);
  return *s;
}

std::string only_number(std::string_view line) {
  const Object o = parse_ok(line);
  REQUIRE(o.size() == 1);
  const auto* n = std::get_if<Number>(&o[0].value.v);
  REQUIRE(n != nullptr);
  return n->text;
}

struct Bad {
  std::string line;
  std::size_t offset;
  std::string_view message;  // a substring of the message
};

void check_bad(const Bad& b, const Limits& limits = {}) {
  CAPTURE(b.line);
  auto r = parse_object(b.line, limits);
  const auto* e = std::get_if<Error>(&r);
  REQUIRE(e != nullptr);
  CHECK(e->offset == b.offset);
  CHECK_MESSAGE(e->message.find(b.message) != std::string::npos, e->message);
  CHECK(to_string(*e) == e->message + " at byte " + std::to_string(e->offset));
}

std::string written(std::string_view s) {
  std::string out;
  append_string(out, s);
  return out;
}

}  // namespace

TEST_CASE("json: objects with every kind of value") {
  CHECK(parse_ok("{}").empty());
  CHECK(parse_ok(" \t\r\n{ \t\r\n} \t\r\n").empty());  // RFC 8259 §2: four whitespace bytes
  const Object o = parse_ok(
      R"({"s":"x","n":-1.5e3,"t":true,"f":false,"z":null,"a":[1,"2",[],{}],"o":{"k":"v"}})");
  REQUIRE(o.size() == 7);
  CHECK(o[0].key == "s");
  CHECK(std::get<std::string>(o[0].value.v) == "x");
  CHECK(std::get<Number>(o[1].value.v).text == "-1.5e3");
  CHECK(std::get<bool>(o[2].value.v) == true);
  CHECK(std::get<bool>(o[3].value.v) == false);
  CHECK(std::holds_alternative<Null>(o[4].value.v));
  const Array& a = std::get<Array>(o[5].value.v);
  REQUIRE(a.size() == 4);
  CHECK(std::get<Number>(a[0].v).text == "1");
  CHECK(std::get<std::string>(a[1].v) == "2");
  CHECK(std::get<Array>(a[2].v).empty());
  CHECK(std::get<Object>(a[3].v).empty());
  const Object& inner = std::get<Object>(o[6].value.v);
  REQUIRE(inner.size() == 1);
  CHECK(inner[0].key == "k");
  CHECK(find(o, "t") == &o[2].value);
  CHECK(find(o, "missing") == nullptr);
  CHECK(find(o, "k") == nullptr);  // only this object's own keys
}

TEST_CASE("json: numbers are checked against the grammar and kept as written, however large") {
  for (const char* n : {"0", "-0", "1", "-1", "10", "1.5", "0.25", "-0.0", "1e5", "1E5", "1e+5",
                        "1e-5", "1.5E-05", "123456789012345678901234567890123456789", "1e999999999",
                        "-0.000000000000000000000000001"}) {
    CAPTURE(n);
    CHECK(only_number("{\"n\":"s + n + "}") == n);
  }
}

TEST_CASE("json: string escapes, \\u escapes and surrogate pairs") {
  CHECK(only_string(R"({"s":""})") == "");
  CHECK(only_string(R"({"s":"\"\\\/\b\f\n\r\t"})") == "\"\\/\b\f\n\r\t");
  CHECK(only_string(R"({"s":"\u0041\u00e9\u00E9\u20AC"})") == "A\xC3\xA9\xC3\xA9\xE2\x82\xAC");
  CHECK(only_string(R"({"s":"\u0000"})") == "\0"s);  // legal JSON; input.cpp refuses it for XML
  CHECK(only_string(R"({"s":"\u001f\u007f"})") == "\x1f\x7f");
  CHECK(only_string(R"({"s":"\uD83D\uDE00"})") == "\xF0\x9F\x98\x80");
  CHECK(only_string(R"({"s":"\ud83d\ude00"})") == "\xF0\x9F\x98\x80");
  CHECK(only_string(R"({"s":"\uD800\uDC00"})") == "\xF0\x90\x80\x80");  // U+10000
  CHECK(only_string(R"({"s":"\uDBFF\uDFFF"})") == "\xF4\x8F\xBF\xBF");  // U+10FFFF
  CHECK(only_string(R"({"s":"\uFFFF\uFFFE"})") == "\xEF\xBF\xBF\xEF\xBF\xBE");
  // Raw UTF-8 passes through, noncharacters and U+2028 included.
  CHECK(only_string("{\"s\":\"caf\xC3\xA9 \xE2\x80\xA8 \xEF\xBF\xBF \xF0\x9F\x98\x80\"}") ==
        "caf\xC3\xA9 \xE2\x80\xA8 \xEF\xBF\xBF \xF0\x9F\x98\x80");
  CHECK(only_string("{\"s\":\"\x7f\"}") == "\x7f");  // DEL is not a JSON control character
  // Keys are strings like any other.
  CHECK(parse_ok(R"({"\u0061\n":1})")[0].key == "a\n");
}

TEST_CASE("json: nesting up to the limit is fine, one more is an error at the opening byte") {
  Limits limits;
  limits.max_depth = 32;
  // The object is depth 1; 31 arrays inside it reach depth 32.
  const std::string ok = "{\"a\":" + std::string(31, '[') + std::string(31, ']') + "}";
  CHECK(parse_ok(ok, limits).size() == 1);
  const std::string deep = "{\"a\":" + std::string(32, '[') + std::string(32, ']') + "}";
  check_bad({deep, 5 + 31, "nesting deeper than 32"}, limits);
  // A depth bomb is refused at the same place, without recursing any further.
  check_bad({"{\"a\":" + std::string(500000, '['), 5 + 31, "nesting deeper than 32"}, limits);
  std::string objects = "{";
  for (int i = 0; i < 40; ++i)
    objects += "\"k\":{";
  check_bad({objects, 1 + 5 * 31 + 4, "nesting deeper"}, limits);
  limits.max_depth = 1;
  CHECK(parse_ok(R"({"a":1})", limits).size() == 1);
  check_bad({R"({"a":[]})", 5, "nesting deeper than 1"}, limits);
}

TEST_CASE("json: the length limit is checked before anything else") {
  Limits limits;
  limits.max_bytes = 10;
  CHECK(parse_ok("{\"a\":\"bc\"}", limits).size() == 1);  // exactly 10 bytes
  check_bad({"{\"a\":\"bcd\"}", 10, "line longer than 10 bytes"}, limits);
  check_bad({std::string(11, '{'), 10, "line longer than 10 bytes"}, limits);
}

TEST_CASE("json: invalid lines give the offending byte and a specific reason") {
  const Bad cases[] = {
      {"", 0, "empty line"},
      {"   ", 3, "empty line"},
      {"[]", 0, "expected '{'"},
      {"\"x\"", 0, "expected '{'"},
      {"1", 0, "expected '{'"},
      {"null", 0, "expected '{'"},
      {"\xEF\xBB\xBF{}", 0, "expected '{'"},  // a byte order mark
      {"{", 1, "unexpected end of line"},
      {"{\"a\"", 4, "unexpected end of line"},
      {"{\"a\":", 5, "unexpected end of line"},
      {"{\"a\":1", 6, "unexpected end of line"},
      {"{\"a\":[1", 7, "unexpected end of line"},
      {"{\"a\":[1,", 8, "unexpected end of line"},
      {"{\"a\"}", 4, "expected ':'"},
      {"{\"a\" 1}", 5, "expected ':'"},
      {"{\"a\":}", 5, "expected a value"},
      {"{\"a\":1,}", 7, "expected a string key"},
      {"{,}", 1, "expected a string key"},
      {"{\"a\":1 \"b\":2}", 7, "expected ',' or '}'"},
      {"{\"a\":[1 2]}", 8, "expected ',' or ']'"},
      {"{\"a\":[1,]}", 8, "expected a value"},
      {"{\"a\":[,1]}", 6, "expected a value"},
      {"{'a':1}", 1, "expected a string key"},
      {"{a:1}", 1, "expected a string key"},
      {"{1:1}", 1, "expected a string key"},
      {"{/* c */}", 1, "expected a string key"},
      {"{\"a\":1}//c", 7, "unexpected data after the object"},
      {"{\"a\":'x'}", 5, "expected a value"},
      // Numbers (RFC 8259 §6).
      {"{\"a\":01}", 6, "leading zero"},
      {"{\"a\":-01}", 7, "leading zero"},
      {"{\"a\":-}", 6, "digit expected"},
      {"{\"a\":-x}", 6, "digit expected"},
      {"{\"a\":1.}", 7, "after '.'"},
      {"{\"a\":1.e5}", 7, "after '.'"},
      {"{\"a\":.5}", 5, "expected a value"},
      {"{\"a\":1e}", 7, "exponent"},
      {"{\"a\":1e+}", 8, "exponent"},
      {"{\"a\":+1}", 5, "expected a value"},
      {"{\"a\":0x10}", 6, "expected ',' or '}'"},
      {"{\"a\":NaN}", 5, "expected a value"},
      {"{\"a\":Infinity}", 5, "expected a value"},
      {"{\"a\":-Infinity}", 6, "digit expected"},
      // Literals.
      {"{\"a\":tru}", 8, "invalid literal"},
      {"{\"a\":nul", 8, "unexpected end of line"},
      {"{\"a\":falsy}", 9, "invalid literal"},
      {"{\"a\":True}", 5, "expected a value"},
      {"{\"a\":truex}", 9, "expected ',' or '}'"},
      // Strings.
      {"{\"a\":\"x}", 8, "unexpected end of line"},
      {"{\"a\":\"x\x01\"}", 7, "control character"},
      {"{\"a\":\"\n\"}", 6, "control character"},
      {"{\"a\":\"\t\"}", 6, "control character"},
      {"{\"a\":\"\0\"}"s, 6, "control character"},
      {"{\"a\":\"\\q\"}", 6, "invalid escape"},
      {"{\"a\":\"\\x41\"}", 6, "invalid escape"},
      {"{\"a\":\"\\'\"}", 6, "invalid escape"},
      {"{\"a\":\"\\", 7, "unexpected end of line"},
      {"{\"a\":\"\\u12\"}", 10, "four hex digits"},
      {"{\"a\":\"\\u12G4\"}", 10, "four hex digits"},
      {"{\"a\":\"\\U0041\"}", 6, "invalid escape"},
      {"{\"a\":\"\\uD800\"}", 6, "lone high surrogate"},
      {"{\"a\":\"\\uDBFFx\"}", 6, "lone high surrogate"},
      {"{\"a\":\"\\uD800\\u0041\"}", 6, "lone high surrogate"},
      {"{\"a\":\"\\uD800\\uD800\"}", 6, "lone high surrogate"},
      {"{\"a\":\"\\uD800\\n\"}", 6, "lone high surrogate"},
      {"{\"a\":\"\\uD800\\uDC0\"}", 17, "four hex digits"},
      {"{\"a\":\"\\uDC00\"}", 6, "lone low surrogate"},
      {"{\"a\":\"\\uDFFF\\uD800\"}", 6, "lone low surrogate"},
      {"{\"a\\uDC00\":1}", 3, "lone low surrogate"},
      // Invalid UTF-8 inside strings and out.
      {"{\"a\":\"\xC3\"}", 6, "invalid UTF-8"},
      {"{\"a\":\"ok\xC3(\"}", 8, "invalid UTF-8"},
      {"{\"a\":\"\xC0\xAF\"}", 6, "invalid UTF-8"},
      {"{\"a\":\"\xE0\x80\xAF\"}", 6, "invalid UTF-8"},
      {"{\"a\":\"\xED\xA0\x80\"}", 6, "invalid UTF-8"},
      {"{\"a\":\"\xF4\x90\x80\x80\"}", 6, "invalid UTF-8"},
      {"{\"a\":\"\x80\"}", 6, "invalid UTF-8"},
      {"{\"a\":\"\xFF\"}", 6, "invalid UTF-8"},
      {"{\"\xFE\":1}", 2, "invalid UTF-8"},
      {"{\xC3\xA9:1}", 1, "expected a string key"},
      // Trailing data.
      {"{} x", 3, "unexpected data after the object"},
      {"{}{}", 2, "unexpected data after the object"},
      {"{\"a\":1}}", 7, "unexpected data after the object"},
      {"{}\0"s, 2, "unexpected data after the object"},
      {"{}\v", 2, "unexpected data after the object"},  // not JSON whitespace
      {"\f{}", 0, "expected '{'"},
      // Duplicate keys, compared after unescaping, in any object.
      {"{\"a\":1,\"a\":2}", 7, "duplicate key \"a\""},
      {"{\"a\":1,\"b\":2,\"\\u0061\":3}", 13, "duplicate key \"a\""},
      {"{\"x\":{\"b\":1,\"b\":2}}", 12, "duplicate key \"b\""},
      {"{\"x\":[{\"b\":1,\"b\":2}]}", 13, "duplicate key"},
      {"{\"\":1,\"\":2}", 6, "duplicate key \"\""},
      {"{\"" + std::string(100, 'k') + "\":1,\"" + std::string(100, 'k') + "\":2}", 106,
       "duplicate key"},
  };
  for (const Bad& b : cases)
    check_bad(b);
}

TEST_CASE("json: the same key in different objects is not a duplicate") {
  const Object o = parse_ok(R"({"a":{"a":1},"b":[{"a":1},{"a":2}]})");
  CHECK(o.size() == 2);
  CHECK(parse_ok(R"({"a":1,"A":2})").size() == 2);  // keys are case-sensitive
}

TEST_CASE("json: many members are read without quadratic duplicate checks") {
  std::string line = "{";
  for (int i = 0; i < 50000; ++i)
    line += (i ? ",\"" : "\"") + std::to_string(i) + "\":0";
  line += "}";
  CHECK(parse_ok(line).size() == 50000);
  check_bad({line.substr(0, line.size() - 1) + ",\"49999\":1}", line.size(), "duplicate key"});
}

TEST_CASE("json: the writer escapes quotes, backslashes and control characters only") {
  CHECK(written("") == R"("")");
  CHECK(written("plain text") == R"("plain text")");
  CHECK(written("a\"b\\c") == R"("a\"b\\c")");
  CHECK(written("/") == R"("/")");
  CHECK(written("\n\r\t\b\f") == R"("\u000a\u000d\u0009\u0008\u000c")");
  CHECK(written("\0\x01\x1f"s) == R"("\u0000\u0001\u001f")");
  CHECK(written("\x7f ") == "\"\x7f \"");
  CHECK(written("caf\xC3\xA9 \xE2\x82\xAC \xE2\x80\xA8 \xF0\x9F\x98\x80") ==
        "\"caf\xC3\xA9 \xE2\x82\xAC \xE2\x80\xA8 \xF0\x9F\x98\x80\"");
  std::string out = "prefix:";
  append_string(out, "x");
  CHECK(out == "prefix:\"x\"");
}

TEST_CASE("json: the writer replaces each maximal invalid UTF-8 subpart by \\ufffd") {
  CHECK(written("\xFF") == R"("\ufffd")");
  CHECK(written("a\xFF\xFE"
                "b") == R"("a\ufffd\ufffdb")");
  CHECK(written("a\xE2\x82"
                "b") == R"("a\ufffdb")");                       // truncated €: one subpart
  CHECK(written("\xF0\x9F\x98") == R"("\ufffd")");              // truncated emoji
  CHECK(written("\xED\xA0\x80") == R"("\ufffd\ufffd\ufffd")");  // encoded surrogate
  CHECK(written("\xC0\xAF") == R"("\ufffd\ufffd")");            // overlong '/'
  CHECK(written("\xC3\xA9\xC3") == "\"\xC3\xA9\\ufffd\"");
}

TEST_CASE("json: ObjectWriter writes members in order") {
  CHECK(ObjectWriter().str() == "{}");
  CHECK(ObjectWriter()
            .string("s", "v\"")
            .number("n", 0)
            .number("max", UINT64_MAX)
            .boolean("t", true)
            .boolean("f", false)
            .str() == R"({"s":"v\"","n":0,"max":18446744073709551615,"t":true,"f":false})");
  ObjectWriter w;
  CHECK(w.string("a", "1").str() == R"({"a":"1"})");
  CHECK(w.string("b", "2").str() == R"({"b":"2"})");  // str() left it empty
  CHECK(ObjectWriter().string("k\n", "v").str() == R"({"k\u000a":"v"})");
}

TEST_CASE("json: what the writer writes, the reader reads back") {
  const std::string samples[] = {
      "", "x", "\"\\/", "\0\x01\x1f\x7f"s, "caf\xC3\xA9", "\xF0\x9F\x98\x80", "\xEF\xBF\xBF"};
  for (const std::string& s : samples) {
    CAPTURE(s);
    CHECK(only_string(ObjectWriter().string("k", s).str()) == s);
  }
  CHECK(only_string(ObjectWriter()
                        .string("k",
                                "a\xFF"
                                "b")
                        .str()) ==
        "a\xEF\xBF\xBD"
        "b");
}

}  // namespace xmpp::chat::json
