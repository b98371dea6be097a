// SASLprep (RFC 4013) through libidn: the examples of RFC 4013 §3 and the query/stored split.
#include <doctest/doctest.h>

#include <string>

#include "stream_test_util.hpp"
#include "xmpp/sasl.hpp"

using namespace xmpp::test;
using xmpp::sasl::PrepError;
using xmpp::sasl::PrepKind;

namespace {

std::string error_name(PrepError e) {
  return std::string(to_string(e));
}

// The prepared string, or "<error: ...>".
std::string prep(std::string_view in, PrepKind kind = PrepKind::query) {
  std::string out = "untouched";
  const PrepError e = xmpp::sasl::saslprep(in, kind, out);
  if (e != PrepError::ok) {
    CHECK(out == "untouched");
    return "<error: " + error_name(e) + ">";
  }
  return out;
}

std::string failure(PrepError e) {
  return "<error: " + error_name(e) + ">";
}

}  // namespace

TEST_CASE("the examples of RFC 4013 §3") {
  // #1 SOFT HYPHEN mapped to nothing
  CHECK(prep("I" + utf8(0x00AD) + "X") == "IX");
  // #2 no transformation
  CHECK(prep("user") == "user");
  // #3 case preserved
  CHECK(prep("USER") == "USER");
  // #4 output is NFKC
  CHECK(prep(utf8(0x00AA)) == "a");
  // #5 output is NFKC, matches #1
  CHECK(prep(utf8(0x2168)) == "IX");
  // #6 prohibited character
  CHECK(prep(utf8(0x0007)) == failure(PrepError::prohibited));
  // #7 bidirectional check
  CHECK(prep(utf8(0x0627) + utf8(0x0031)) == failure(PrepError::bidi));
}

TEST_CASE("the same examples as stored strings") {
  CHECK(prep("I" + utf8(0x00AD) + "X", PrepKind::stored) == "IX");
  CHECK(prep(utf8(0x2168), PrepKind::stored) == "IX");
  CHECK(prep(utf8(0x0007), PrepKind::stored) == failure(PrepError::prohibited));
}

TEST_CASE("non-ASCII space maps to SPACE (RFC 4013 §2.1), and a RandALCat string passes") {
  CHECK(prep("a" + utf8(0x00A0) + "b") == "a b");
  CHECK(prep("a" + utf8(0x3000) + "b") == "a b");
  CHECK(prep(utf8(0x0627) + utf8(0x0628)) == utf8(0x0627) + utf8(0x0628));
}

TEST_CASE("unassigned code points: allowed in query strings, refused in stored strings") {
  // U+0221 is unassigned in Unicode 3.2 (RFC 3454 Table A.1).
  const std::string s = "x" + utf8(0x0221);
  CHECK(prep(s, PrepKind::query) == s);
  CHECK(prep(s, PrepKind::stored) == failure(PrepError::unassigned));
}

TEST_CASE("prohibited characters, ASCII or not") {
  CHECK(prep(std::string("a\0b", 3)) == failure(PrepError::prohibited));
  CHECK(prep("a\x7F"
             "b") == failure(PrepError::prohibited));
  CHECK(prep("tab\there") == failure(PrepError::prohibited));
  CHECK(prep(utf8(0x00E9) + "\n") == failure(PrepError::prohibited));
  CHECK(prep("a" + utf8(0xE000)) == failure(PrepError::prohibited));  // private use (C.3)
  CHECK(prep("a" + utf8(0x2028)) == failure(PrepError::prohibited));  // non-ASCII control
}

TEST_CASE("ill-formed UTF-8 is refused before libidn sees it") {
  CHECK(prep("\xC3") == failure(PrepError::invalid_utf8));
  CHECK(prep("\xC0\x80") == failure(PrepError::invalid_utf8));      // overlong NUL
  CHECK(prep("\xED\xA0\x80") == failure(PrepError::invalid_utf8));  // surrogate
  CHECK(prep("ok\xFF") == failure(PrepError::invalid_utf8));
}

TEST_CASE("printable ASCII is unchanged and the empty string is fine") {
  std::string all;
  for (char c = 0x20; c < 0x7F; ++c)
    all += c;
  CHECK(prep(all) == all);
  CHECK(prep(all, PrepKind::stored) == all);
  CHECK(prep("").empty());
}

TEST_CASE("every PrepError has a distinct message") {
  for (int i = 0; i <= static_cast<int>(PrepError::failed); ++i) {
    for (int j = 0; j < i; ++j) {
      CHECK(to_string(static_cast<PrepError>(i)) != to_string(static_cast<PrepError>(j)));
    }
  }
}
