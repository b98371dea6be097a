// The simulated link (tests/support/server/link.hpp) and its generator: delays keep bytes in
// order, stalls hold them, cuts lose exactly the bytes after the offset, and a seed replays.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "server/link.hpp"

using namespace std::chrono_literals;
using xmpp::TimePoint;
using xmpp::testing::Direction;
using xmpp::testing::Link;
using xmpp::testing::LinkShape;
using xmpp::testing::Prng;

namespace {

const TimePoint kStart{std::chrono::seconds(50)};

// Every arrival of `direction` until nothing is in flight: (time, bytes), jumping the clock
// from event to event.
std::vector<std::pair<TimePoint, std::string>> drain(Link& link, Direction direction) {
  std::vector<std::pair<TimePoint, std::string>> arrivals;
  while (const auto next = link.next_event_time()) {
    const std::string bytes = link.deliverable(direction, *next);
    REQUIRE_FALSE(bytes.empty());
    arrivals.emplace_back(*next, bytes);
  }
  return arrivals;
}

std::string concatenated(const std::vector<std::pair<TimePoint, std::string>>& arrivals) {
  std::string out;
  for (const auto& [time, bytes] : arrivals)
    out += bytes;
  return out;
}

}  // namespace

TEST_CASE("Prng: SplitMix64's sequence, bounds, and one sequence per seed") {
  Prng zero(0);
  CHECK(zero.next() == 0xe220a8397b1dcdafu);
  CHECK(zero.next() == 0x6e789e6aa1b965f4u);
  Prng a(99);
  Prng b(99);
  for (int i = 0; i < 1000; ++i) {
    const std::uint64_t x = a.between(3, 7);
    CHECK(x == b.between(3, 7));
    CHECK(x >= 3);
    CHECK(x <= 7);
    CHECK(a.below(10) < 10);
    b.below(10);
  }
  CHECK(a.below(0) == 0);
  CHECK(a.between(5, 5) == 5);
  CHECK(a.between(9, 2) == 9);
  a.between(0, UINT64_MAX);
  int heads = 0;
  for (int i = 0; i < 1000; ++i)
    heads += a.chance(1, 2) ? 1 : 0;
  CHECK(heads > 400);
  CHECK(heads < 600);
  CHECK_FALSE(a.chance(0, 5));
}

TEST_CASE("no delay: bytes are there at once, in each direction separately") {
  Link link(1);
  CHECK_FALSE(link.next_event_time().has_value());
  link.send(Direction::to_server, "hello", kStart);
  link.send(Direction::to_client, "world", kStart);
  CHECK(link.next_event_time() == kStart);
  CHECK(link.deliverable(Direction::to_server, kStart) == "hello");
  CHECK(link.deliverable(Direction::to_server, kStart).empty());
  CHECK(link.deliverable(Direction::to_client, kStart) == "world");
  CHECK_FALSE(link.next_event_time().has_value());
  CHECK(link.sent(Direction::to_server) == 5);
  CHECK(link.delivered(Direction::to_client) == 5);
  CHECK_FALSE(link.dead());
  CHECK_FALSE(link.eof(Direction::to_server));
  link.send(Direction::to_server, "", kStart);
  CHECK_FALSE(link.next_event_time().has_value());
}

TEST_CASE("a fixed delay: nothing before it, everything at it") {
  Link link(1);
  link.shape(Direction::to_client, {10ms, 10ms, 0});
  link.send(Direction::to_client, "abc", kStart);
  link.send(Direction::to_client, "def", kStart + 1ms);
  CHECK(link.next_event_time() == kStart + 10ms);
  CHECK(link.deliverable(Direction::to_client, kStart + 9ms).empty());
  CHECK(link.deliverable(Direction::to_client, kStart + 10ms) == "abc");
  CHECK(link.next_event_time() == kStart + 11ms);
  CHECK(link.deliverable(Direction::to_client, kStart + 20ms) == "def");
}

TEST_CASE("random delays and segments keep the bytes in order, and a seed replays exactly") {
  const auto run = [](std::uint64_t seed) {
    Link link(seed);
    link.shape(Direction::to_server, {0ms, 50ms, 7});
    std::string sent;
    for (int i = 0; i < 40; ++i) {
      const std::string piece = "<message id='" + std::to_string(i) + "'/>";
      link.send(Direction::to_server, piece, kStart + std::chrono::milliseconds(i * 3));
      sent += piece;
    }
    auto arrivals = drain(link, Direction::to_server);
    CHECK(concatenated(arrivals) == sent);
    for (std::size_t i = 1; i < arrivals.size(); ++i)
      CHECK(arrivals[i - 1].first < arrivals[i].first);
    CHECK(link.delivered(Direction::to_server) == sent.size());
    return arrivals;
  };
  const auto first = run(7);
  CHECK(first.size() > 1);
  // The sends were split: some arrival ends inside a stanza.
  CHECK(std::any_of(first.begin(), first.end(),
                    [](const auto& arrival) { return !arrival.second.ends_with("/>"); }));
  CHECK(run(7) == first);
  CHECK(run(8) != first);
}

TEST_CASE("a stall holds every byte until its end") {
  Link link(3);
  link.stall(Direction::to_server, kStart + 100ms);
  link.send(Direction::to_server, "held", kStart);
  CHECK(link.next_event_time() == kStart + 100ms);
  CHECK(link.deliverable(Direction::to_server, kStart + 99ms).empty());
  link.send(Direction::to_server, " too", kStart + 50ms);
  CHECK(link.deliverable(Direction::to_server, kStart + 100ms) == "held too");
  // The other direction is not held.
  link.send(Direction::to_client, "free", kStart);
  CHECK(link.deliverable(Direction::to_client, kStart) == "free");
}

TEST_CASE("a cut ahead: the bytes before the offset arrive, the rest of both directions is lost") {
  Link link(4);
  link.shape(Direction::to_server, {5ms, 5ms, 0});
  link.cut_at(Direction::to_server, 15);
  link.send(Direction::to_server, "0123456789", kStart);
  CHECK_FALSE(link.dead());
  link.send(Direction::to_server, "abcdefghij", kStart + 1ms);
  CHECK(link.dead());
  CHECK(link.sent(Direction::to_server) == 15);
  CHECK(link.lost(Direction::to_server) == 5);
  link.send(Direction::to_client, "reply", kStart + 2ms);
  link.send(Direction::to_server, "more", kStart + 2ms);
  CHECK(link.lost(Direction::to_client) == 5);
  CHECK(link.lost(Direction::to_server) == 9);
  // The client's receiver has nothing in flight: EOF at once; the server's after the bytes.
  CHECK(link.eof(Direction::to_client));
  CHECK_FALSE(link.eof(Direction::to_server));
  CHECK(concatenated(drain(link, Direction::to_server)) == "0123456789abcde");
  CHECK(link.eof(Direction::to_server));

  // A cut exactly at the end of a send lets all of it through, then the link is dead.
  Link exact(4);
  exact.cut_at(Direction::to_client, 3);
  exact.send(Direction::to_client, "abc", kStart);
  CHECK(exact.dead());
  CHECK(exact.deliverable(Direction::to_client, kStart) == "abc");
  CHECK(exact.eof(Direction::to_client));
}

TEST_CASE(
    "a cut behind: the link dies at once, bytes beyond the offset not yet delivered are lost") {
  Link link(5);
  link.shape(Direction::to_client, {10ms, 10ms, 3});
  link.send(Direction::to_client, "0123456789", kStart);
  link.cut_at(Direction::to_client, 4);
  CHECK(link.dead());
  CHECK(link.sent(Direction::to_client) == 4);
  CHECK(link.lost(Direction::to_client) == 6);
  CHECK(concatenated(drain(link, Direction::to_client)) == "0123");

  // What was delivered stays delivered.
  Link partly(5);
  partly.send(Direction::to_server, "01234", kStart);
  CHECK(partly.deliverable(Direction::to_server, kStart) == "01234");
  partly.shape(Direction::to_server, {10ms, 10ms, 0});
  partly.send(Direction::to_server, "56789", kStart);
  partly.cut_at(Direction::to_server, 2);
  CHECK(partly.lost(Direction::to_server) == 5);
  CHECK_FALSE(partly.next_event_time().has_value());
  CHECK(partly.eof(Direction::to_server));
  partly.cut_at(Direction::to_client, 0);  // already dead: nothing changes
  CHECK(partly.lost(Direction::to_client) == 0);
}

TEST_CASE("kill: nothing new gets through, bytes in flight still arrive") {
  Link link(6);
  link.shape(Direction::to_server, {3ms, 3ms, 0});
  link.send(Direction::to_server, "in flight", kStart);
  link.kill();
  link.send(Direction::to_server, "late", kStart);
  CHECK(link.lost(Direction::to_server) == 4);
  CHECK_FALSE(link.eof(Direction::to_server));
  CHECK(link.deliverable(Direction::to_server, kStart + 3ms) == "in flight");
  CHECK(link.eof(Direction::to_server));
  CHECK(xmpp::testing::to_string(Direction::to_client) == "to_client");
}
