// Tests of src/stream/output_buffer: stable views, the byte limit, block reuse, consume misuse.
#include "stream/output_buffer.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <utility>

using xmpp::stream::OutputBuffer;

namespace {

// Drains everything by consuming front() until empty.
std::string drain(OutputBuffer& buffer) {
  std::string out;
  while (!buffer.empty()) {
    const std::string_view run = buffer.front();
    REQUIRE_FALSE(run.empty());
    out.append(run);
    REQUIRE(buffer.consume(run.size()));
  }
  return out;
}

}  // namespace

TEST_CASE("output buffer: starts empty") {
  const OutputBuffer buffer(100, 16);
  CHECK(buffer.empty());
  CHECK(buffer.size() == 0);
  CHECK(buffer.front().empty());
  CHECK(buffer.max_bytes() == 100);
  CHECK(buffer.block_size() == 16);
  CHECK(buffer.heap_bytes() == 0);
  CHECK(buffer.blocks_allocated() == 0);
}

TEST_CASE("output buffer: a block size of 0 is treated as 1") {
  OutputBuffer buffer(10, 0);
  CHECK(buffer.block_size() == 1);
  REQUIRE(buffer.append("abc"));
  CHECK(buffer.front() == "a");
  CHECK(drain(buffer) == "abc");
}

TEST_CASE("output buffer: views stay valid across appends and partial consumes") {
  OutputBuffer buffer(1000, 8);
  REQUIRE(buffer.append("abcd"));
  const std::string_view view = buffer.front();
  const char* const data = view.data();
  REQUIRE(view == "abcd");

  // Fill the rest of the block and spill into several more.
  REQUIRE(buffer.append("efgh"));
  REQUIRE(buffer.append("0123456789ABCDEFGHIJ"));
  CHECK(view.data() == data);
  CHECK(view == "abcd");
  CHECK(buffer.front().data() == data);
  CHECK(buffer.front() == "abcdefgh");

  // A partial consume: the rest of the old view is still the same memory and bytes.
  REQUIRE(buffer.consume(2));
  CHECK(buffer.front().data() == data + 2);
  CHECK(view.substr(2) == "cd");
  const std::string_view later = buffer.front();
  REQUIRE(buffer.append(std::string(50, 'z')));
  CHECK(later.data() == data + 2);
  CHECK(later == "cdefgh");
  CHECK(view.substr(2) == "cd");

  // The second block's view survives appends too.
  REQUIRE(buffer.consume(6));
  const std::string_view second = buffer.front();
  REQUIRE(second == "01234567");
  REQUIRE(buffer.append("tail"));
  CHECK(second == "01234567");
  CHECK(buffer.front().data() == second.data());
  CHECK(buffer.size() == (4 + 4 + 20 + 50 + 4) - 8);
}

TEST_CASE("output buffer: a refused append leaves the buffer unchanged") {
  OutputBuffer buffer(10, 4);
  REQUIRE(buffer.append("abcdef"));
  const std::string_view view = buffer.front();
  const std::size_t heap = buffer.heap_bytes();
  const auto allocated = buffer.blocks_allocated();

  CHECK_FALSE(buffer.append("12345"));  // 6 + 5 > 10
  CHECK(buffer.size() == 6);
  CHECK(buffer.front().data() == view.data());
  CHECK(buffer.front() == "abcd");
  CHECK(buffer.heap_bytes() == heap);
  CHECK(buffer.blocks_allocated() == allocated);

  CHECK(buffer.append("1234"));  // exactly at the limit
  CHECK(buffer.size() == 10);
  CHECK_FALSE(buffer.append("x"));
  CHECK(buffer.append(""));  // no bytes always fits
  CHECK(drain(buffer) == "abcdef1234");
  CHECK(buffer.append("0123456789"));
}

TEST_CASE("output buffer: an append larger than the limit is refused on an empty buffer") {
  OutputBuffer buffer(3, 4);
  CHECK_FALSE(buffer.append("abcd"));
  CHECK(buffer.empty());
  CHECK(buffer.heap_bytes() == 0);
  OutputBuffer none(0, 4);
  CHECK_FALSE(none.append("a"));
  CHECK(none.append(""));
  CHECK(none.empty());
}

TEST_CASE("output buffer: block-spanning appends reassemble in order") {
  OutputBuffer buffer(10000, 7);
  std::string expected;
  for (int i = 0; i < 20; ++i) {
    std::string piece;
    for (int j = 0; j < i * 3 + 1; ++j)
      piece.push_back(static_cast<char>('a' + (i + j) % 26));
    REQUIRE(buffer.append(piece));
    expected += piece;
  }
  CHECK(buffer.size() == expected.size());
  CHECK(buffer.front().size() == 7);  // front() is one block at most
  CHECK(drain(buffer) == expected);
  CHECK(buffer.empty());
}

TEST_CASE("output buffer: consume misuse is refused and changes nothing") {
  OutputBuffer buffer(100, 4);
  CHECK_FALSE(buffer.consume(1));  // nothing queued
  CHECK(buffer.consume(0));
  REQUIRE(buffer.append("abcdefgh"));
  CHECK(buffer.front() == "abcd");
  CHECK_FALSE(buffer.consume(5));  // more than front(), though less than size()
  CHECK_FALSE(buffer.consume(100));
  CHECK(buffer.size() == 8);
  CHECK(buffer.front() == "abcd");
  CHECK(buffer.consume(0));
  CHECK(buffer.consume(4));
  CHECK(buffer.front() == "efgh");
}

TEST_CASE("output buffer: a steady stream allocates no new block") {
  OutputBuffer buffer(1 << 20, 64);
  std::string expected;
  std::string produced;
  auto step = [&](int round) {
    const std::string piece(static_cast<std::size_t>(10 + round % 50),
                            static_cast<char>('A' + round % 26));
    REQUIRE(buffer.append(piece));
    expected += piece;
    // The writer takes a bounded bite of the front each round.
    const std::string_view run = buffer.front();
    const std::size_t n = std::min<std::size_t>(run.size(), 40);
    produced.append(run.substr(0, n));
    REQUIRE(buffer.consume(n));
  };
  for (int round = 0; round < 200; ++round)
    step(round);
  produced += drain(buffer);
  const auto allocated = buffer.blocks_allocated();
  const std::size_t heap = buffer.heap_bytes();
  for (int round = 0; round < 5000; ++round) {
    step(round);
    produced += drain(buffer);
  }
  CHECK(buffer.blocks_allocated() == allocated);
  CHECK(buffer.heap_bytes() == heap);
  CHECK(produced == expected);
}

TEST_CASE("output buffer: at most one spare block; release_memory frees it") {
  OutputBuffer buffer(1000, 4);
  REQUIRE(buffer.append(std::string(16, 'x')));  // four blocks
  const std::size_t per_block = buffer.heap_bytes() / 4;
  CHECK(buffer.heap_bytes() == 4 * per_block);
  CHECK(drain(buffer) == std::string(16, 'x'));
  // Three blocks were retired (one kept as spare, two freed); the last one is rewound in place.
  CHECK(buffer.heap_bytes() == 2 * per_block);
  buffer.release_memory();  // the spare, and the empty lone block: nothing is queued
  CHECK(buffer.heap_bytes() == 0);
  buffer.release_memory();  // nothing left to free
  CHECK(buffer.heap_bytes() == 0);
  REQUIRE(buffer.append("abcdef"));
  CHECK(drain(buffer) == "abcdef");
}

TEST_CASE("output buffer: release_memory keeps queued views valid") {
  OutputBuffer buffer(1000, 4);
  REQUIRE(buffer.append("abcdefghij"));
  REQUIRE(buffer.consume(4));  // first block becomes the spare
  const std::string_view view = buffer.front();
  buffer.release_memory();
  CHECK(view == "efgh");
  CHECK(buffer.front().data() == view.data());
  CHECK(drain(buffer) == "efghij");
}

TEST_CASE("output buffer: moving transfers the queued bytes and their views") {
  OutputBuffer source(100, 4);
  REQUIRE(source.append("abcdef"));
  const std::string_view view = source.front();
  OutputBuffer target(std::move(source));
  CHECK(target.front().data() == view.data());
  CHECK(target.size() == 6);
  CHECK(target.max_bytes() == 100);
  CHECK(source.empty());  // NOLINT(bugprone-use-after-move): documented state
  CHECK(source.append("xy"));
  CHECK(drain(source) == "xy");

  OutputBuffer other(10, 2);
  other = std::move(target);
  CHECK(other.max_bytes() == 100);
  CHECK(other.block_size() == 4);
  CHECK(drain(other) == "abcdef");
}

TEST_CASE("output buffer: release_memory keeps a block that still holds unconsumed bytes") {
  OutputBuffer buffer(1000, 8);
  REQUIRE(buffer.append("abc"));
  const std::string_view view = buffer.front();
  buffer.release_memory();
  CHECK(buffer.heap_bytes() > 0);
  CHECK(buffer.front().data() == view.data());
  CHECK(drain(buffer) == "abc");
  buffer.release_memory();
  CHECK(buffer.heap_bytes() == 0);
  REQUIRE(buffer.append("de"));  // a block is allocated again on demand
  CHECK(drain(buffer) == "de");
}
