// examples/xmpp-chat/line_splitter.hpp: lines from chunks, bounded memory.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "line_splitter.hpp"

namespace xmpp::chat {
namespace {

// Every line of `input` fed in chunks of `chunk` bytes, then finish(); too-long lines as "!".
std::vector<std::string> split(std::string_view input, std::size_t chunk, std::size_t max) {
  LineSplitter s(max);
  std::vector<std::string> lines;
  const auto take = [&](const LineSplitter::Line& l) {
    if (l.too_long) CHECK(l.text.empty());
    lines.push_back(l.too_long ? "!" : l.text);
  };
  for (std::size_t i = 0; i < input.size(); i += chunk) {
    s.feed(input.substr(i, chunk));
    while (auto l = s.next())
      take(*l);
  }
  if (auto l = s.finish()) take(*l);
  CHECK_FALSE(s.next());
  CHECK_FALSE(s.finish());
  return lines;
}

using Lines = std::vector<std::string>;

}  // namespace

TEST_CASE("line splitter: lines come out whole whatever the chunking") {
  const std::string input = "{\"cmd\":\"quit\"}\n\nab\r\nlast";
  for (std::size_t chunk : {1u, 2u, 3u, 7u, 100u}) {
    CAPTURE(chunk);
    CHECK(split(input, chunk, 100) == Lines{"{\"cmd\":\"quit\"}", "", "ab\r", "last"});
  }
  CHECK(split("a\n", 1, 10) == Lines{"a"});  // a final newline gives no empty line
  CHECK(split("", 1, 10).empty());
  CHECK(split("\n\n", 1, 10) == Lines{"", ""});
}

TEST_CASE("line splitter: a line over the limit is reported in its place and dropped") {
  for (std::size_t chunk : {1u, 3u, 50u}) {
    CAPTURE(chunk);
    CHECK(split("12345\n123456\nok\n", chunk, 5) == Lines{"12345", "!", "ok"});
    CHECK(split("1234567890123\n", chunk, 5) == Lines{"!"});
    CHECK(split("ok\n123456", chunk, 5) == Lines{"ok", "!"});  // unterminated at the end
    CHECK(split("123456\n123456\n", chunk, 5) == Lines{"!", "!"});
  }
  CHECK(split("\n", 1, 0) == Lines{""});
  CHECK(split("x\n", 1, 0) == Lines{"!"});
}

TEST_CASE("line splitter: next() gives nothing until a line is complete") {
  LineSplitter s(10);
  s.feed("ab");
  CHECK_FALSE(s.next());
  s.feed("c\nde");
  auto l = s.next();
  REQUIRE(l);
  CHECK(l->text == "abc");
  CHECK_FALSE(l->too_long);
  CHECK_FALSE(s.next());
  s.feed("\n");
  CHECK(s.next()->text == "de");
}

}  // namespace xmpp::chat
