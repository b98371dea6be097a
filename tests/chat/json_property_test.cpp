// Properties of examples/xmpp-chat/json.hpp over generated strings and bytes.
#include <doctest/doctest.h>
#include <rapidcheck.h>

#include <cstdint>
#include <string>
#include <vector>

#include "json.hpp"
#include "rc_doctest.hpp"
#include "utf8.hpp"

namespace xmpp::chat::json {
namespace {

// Any Unicode scalar value, biased towards the interesting ranges: ASCII (controls, quote,
// backslash), the 2-, 3- and 4-byte forms, the edges around the surrogates and the maximum.
rc::Gen<char32_t> scalar_value() {
  return rc::gen::oneOf(
      rc::gen::inRange<char32_t>(0, 0x80), rc::gen::inRange<char32_t>(0x80, 0x800),
      rc::gen::inRange<char32_t>(0x800, 0xD800), rc::gen::inRange<char32_t>(0xE000, 0x10000),
      rc::gen::inRange<char32_t>(0x10000, 0x110000),
      rc::gen::element<char32_t>(0, '"', '\\', '/', 0x1F, 0x7F, 0xD7FF, 0xE000, 0xFFFD, 0xFFFE,
                                 0xFFFF, 0x10000, 0x10FFFF));
}

rc::Gen<std::string> valid_utf8() {
  return rc::gen::map(rc::gen::container<std::vector<char32_t>>(scalar_value()),
                      [](const std::vector<char32_t>& cps) {
                        std::string s;
                        for (char32_t cp : cps)
                          utf8::append(s, cp);
                        return s;
                      });
}

// The string value of `{"k": <literal>}`, or a description of the error.
std::string read_back(const std::string& literal, bool& ok) {
  auto r = parse_object("{\"k\":" + literal + "}");
  ok = false;
  if (const auto* e = std::get_if<Error>(&r)) return to_string(*e);
  const Object& o = std::get<Object>(r);
  if (o.size() != 1 || o[0].key != "k") return "wrong shape";
  const auto* s = std::get_if<std::string>(&o[0].value.v);
  if (!s) return "not a string";
  ok = true;
  return *s;
}

// `s` written with every character as a \u escape (surrogate pairs above the BMP), in random
// hex case: the reader must decode what any other writer may produce.
std::string all_escaped(const std::string& s, bool upper) {
  const char* hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out = "\"";
  const auto unit = [&](std::uint32_t u) {
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4)
      out += hex[(u >> shift) & 0xF];
  };
  std::string_view rest = s;
  while (!rest.empty()) {
    const utf8::Step step = utf8::decode(rest);
    const std::uint32_t cp = step.code_point;
    if (cp >= 0x10000) {
      unit(0xD800 + ((cp - 0x10000) >> 10));
      unit(0xDC00 + ((cp - 0x10000) & 0x3FF));
    } else {
      unit(cp);
    }
    rest.remove_prefix(step.length);
  }
  return out + "\"";
}

}  // namespace

TEST_CASE("json property: write then read gives back any valid UTF-8 string") {
  test::check_property("round trip of valid UTF-8", [] {
    const std::string s = *valid_utf8();
    std::string literal;
    append_string(literal, s);
    RC_ASSERT(utf8::is_valid(literal));
    bool ok = false;
    const std::string back = read_back(literal, ok);
    RC_ASSERT(ok);
    RC_ASSERT(back == s);
  });
}

TEST_CASE("json property: the reader decodes strings written entirely as \\u escapes") {
  test::check_property("all-escaped strings", [] {
    const std::string s = *valid_utf8();
    bool ok = false;
    const std::string back = read_back(all_escaped(s, *rc::gen::arbitrary<bool>()), ok);
    RC_ASSERT(ok);
    RC_ASSERT(back == s);
  });
}

TEST_CASE("json property: the writer's output is valid JSON whatever the bytes") {
  test::check_property("arbitrary bytes", [] {
    const std::string bytes = *rc::gen::arbitrary<std::string>();
    std::string literal;
    append_string(literal, bytes);
    RC_ASSERT(utf8::is_valid(literal));
    for (char c : literal)
      RC_ASSERT(static_cast<unsigned char>(c) >= 0x20);  // no raw control characters
    bool ok = false;
    const std::string back = read_back(literal, ok);
    RC_ASSERT(ok);
    RC_ASSERT(utf8::is_valid(back));
    // Valid input comes back unchanged; otherwise only U+FFFD replaced something.
    if (utf8::is_valid(bytes)) {
      RC_ASSERT(back == bytes);
    } else {
      RC_ASSERT(back.find("\xEF\xBF\xBD") != std::string::npos);
    }
  });
}

TEST_CASE("json property: the reader never fails outside the line, and a valid line splits") {
  test::check_property("arbitrary lines", [] {
    const std::string line = *rc::gen::oneOf(
        rc::gen::arbitrary<std::string>(),
        rc::gen::map(rc::gen::container<std::vector<std::string>>(rc::gen::element<std::string>(
                         "{", "}", "[", "]", "\"", ":", ",", "\\", "\\u", "D800", "DC00", "0", "-",
                         "1e", ".5", "true", "null", " ", "\"k\"", "\xC3", "\xA9")),
                     [](const std::vector<std::string>& parts) {
                       std::string s;
                       for (const std::string& p : parts)
                         s += p;
                       return s;
                     }));
    auto r = parse_object(line);
    if (const auto* e = std::get_if<Error>(&r)) {
      RC_ASSERT(e->offset <= line.size());
      RC_ASSERT(!e->message.empty());
    } else {
      // Accepted lines are valid UTF-8, start with '{' after whitespace and hold no raw
      // control character other than whitespace.
      RC_ASSERT(utf8::is_valid(line));
      RC_ASSERT(line.find('{') != std::string::npos);
    }
  });
}

}  // namespace xmpp::chat::json
