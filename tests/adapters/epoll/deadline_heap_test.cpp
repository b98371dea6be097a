// The epoll loop's timer heap (adapters/epoll/deadline_heap.hpp): earliest first, stale entries
// (re-armed or removed sessions) skipped lazily, compaction keeping the live ones.
#include <doctest/doctest.h>

#include <map>

#include "deadline_heap.hpp"
#include "harness.hpp"

namespace xmpp::epoll::test {
namespace {

TEST_CASE("deadline heap: earliest live entry first; re-armed and removed ones skipped") {
  detail::DeadlineHeap heap;
  const TimePoint t0 = Clock::now();
  std::map<std::uint64_t, std::uint64_t> generation;  // session id -> current generation
  const auto current = [&](const detail::DeadlineHeap::Entry& e) {
    const auto it = generation.find(e.id);
    return it != generation.end() && it->second == e.generation;
  };
  const auto arm = [&](std::uint64_t id, std::chrono::milliseconds in) {
    heap.push({t0 + in, id, ++generation[id]});
  };
  arm(1, 30ms);
  arm(2, 10ms);
  arm(3, 20ms);
  REQUIRE(heap.top(current));
  CHECK(heap.top(current)->id == 2);

  arm(2, 50ms);         // re-armed later: its 10 ms entry is stale
  generation.erase(3);  // removed
  CHECK(heap.top(current)->id == 1);
  CHECK(heap.size() == 2);  // the stale tops were dropped on the way
  heap.pop();
  CHECK(heap.top(current)->id == 2);
  CHECK(heap.top(current)->when == t0 + 50ms);

  for (int i = 0; i < 100; ++i)
    arm(4, std::chrono::milliseconds(100 + i));  // 99 stale entries of session 4
  CHECK(heap.size() == 101);
  heap.compact(current);
  CHECK(heap.size() == 2);
  heap.pop();
  CHECK(heap.top(current)->id == 4);
  CHECK(heap.top(current)->when == t0 + 199ms);
  heap.pop();
  CHECK_FALSE(heap.top(current));
}

}  // namespace
}  // namespace xmpp::epoll::test
