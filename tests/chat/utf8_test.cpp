// examples/xmpp-chat/utf8.hpp: decoding per Unicode Table 3-7 and maximal subparts.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "utf8.hpp"

namespace xmpp::chat {
namespace {

struct Case {
  std::string_view bytes;
  bool valid;
  std::size_t length;
  char32_t code_point;
};

}  // namespace

TEST_CASE("utf8: decode takes whole valid sequences and maximal subparts of invalid ones") {
  using namespace std::string_view_literals;
  const Case cases[] = {
      {"A"sv, true, 1, U'A'},
      {"\x00"sv, true, 1, 0},
      {"\x7F"sv, true, 1, 0x7F},
      {"\xC2\x80"sv, true, 2, 0x80},
      {"\xC3\xA9x"sv, true, 2, 0xE9},
      {"\xDF\xBF"sv, true, 2, 0x7FF},
      {"\xE0\xA0\x80"sv, true, 3, 0x800},
      {"\xE2\x82\xAC"sv, true, 3, 0x20AC},
      {"\xED\x9F\xBF"sv, true, 3, 0xD7FF},
      {"\xEE\x80\x80"sv, true, 3, 0xE000},
      {"\xEF\xBF\xBF"sv, true, 3, 0xFFFF},  // a noncharacter, but well-formed
      {"\xF0\x90\x80\x80"sv, true, 4, 0x10000},
      {"\xF0\x9F\x98\x80"sv, true, 4, 0x1F600},
      {"\xF4\x8F\xBF\xBF"sv, true, 4, 0x10FFFF},
      // Invalid: the length is the maximal subpart (Unicode §3.9, Table 3-8).
      {"\x80"sv, false, 1, 0xFFFD},  // lone continuation byte
      {"\xBF"sv, false, 1, 0xFFFD},
      {"\xC0\xAF"sv, false, 1, 0xFFFD},  // C0, C1 never occur (overlong)
      {"\xC1\xBF"sv, false, 1, 0xFFFD},
      {"\xC3"sv, false, 1, 0xFFFD},  // truncated
      {"\xC3x"sv, false, 1, 0xFFFD},
      {"\xE0\x80\x80"sv, false, 1, 0xFFFD},  // overlong 3-byte form
      {"\xE0\x9F\xBF"sv, false, 1, 0xFFFD},
      {"\xE1\x80"sv, false, 2, 0xFFFD},  // truncated after a valid prefix
      {"\xE2\x82x"sv, false, 2, 0xFFFD},
      {"\xED\xA0\x80"sv, false, 1, 0xFFFD},      // encoded surrogate U+D800
      {"\xED\xBF\xBF"sv, false, 1, 0xFFFD},      // encoded surrogate U+DFFF
      {"\xF0\x80\x80\x80"sv, false, 1, 0xFFFD},  // overlong 4-byte form
      {"\xF0\x90\x80"sv, false, 3, 0xFFFD},
      {"\xF1\x80\x41"sv, false, 2, 0xFFFD},
      {"\xF4\x90\x80\x80"sv, false, 1, 0xFFFD},  // above U+10FFFF
      {"\xF5\x80\x80\x80"sv, false, 1, 0xFFFD},
      {"\xFE"sv, false, 1, 0xFFFD},
      {"\xFF"sv, false, 1, 0xFFFD},
  };
  for (const Case& c : cases) {
    CAPTURE(std::string(c.bytes));
    const utf8::Step step = utf8::decode(c.bytes);
    CHECK(step.valid == c.valid);
    CHECK(step.length == c.length);
    CHECK(step.code_point == c.code_point);
    CHECK(utf8::is_valid(c.bytes.substr(0, c.length)) == c.valid);
  }
}

TEST_CASE("utf8: append encodes each length and round-trips through decode") {
  for (const char32_t cp : {U'\0', U'A', char32_t{0x7F}, char32_t{0x80}, char32_t{0x7FF},
                            char32_t{0x800}, char32_t{0xD7FF}, char32_t{0xE000}, char32_t{0xFFFD},
                            char32_t{0x10000}, char32_t{0x10FFFF}}) {
    std::string s;
    utf8::append(s, cp);
    CAPTURE(static_cast<std::uint32_t>(cp));
    const utf8::Step step = utf8::decode(s);
    CHECK(step.valid);
    CHECK(step.length == s.size());
    CHECK(step.code_point == cp);
  }
  std::string s;
  utf8::append(s, 0x20AC);
  CHECK(s == "\xE2\x82\xAC");
}

TEST_CASE("utf8: is_valid on whole strings") {
  CHECK(utf8::is_valid(""));
  CHECK(utf8::is_valid("plain ascii"));
  CHECK(utf8::is_valid("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
  CHECK_FALSE(utf8::is_valid("caf\xC3"));
  CHECK_FALSE(utf8::is_valid("a\xFF"));
  CHECK_FALSE(utf8::is_valid("\xED\xA0\x80\xED\xB0\x80"));  // CESU-8 surrogate pair
}

}  // namespace xmpp::chat
