// Tests of src/stream/timer_table.hpp.
#include "stream/timer_table.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <vector>

namespace {

enum class Timer : std::uint8_t { negotiation, keepalive, close, count };
using Table = xmpp::stream::TimerTable<Timer, static_cast<std::size_t>(Timer::count)>;
using std::chrono::seconds;
const Table::time_point t0{seconds(1000)};

std::vector<Timer> expire_all(Table& table, Table::time_point now) {
  std::vector<Timer> fired;
  const std::size_t n = table.expire(now, [&](Timer kind) { fired.push_back(kind); });
  CHECK(n == fired.size());
  return fired;
}

// Usable at compile time.
constexpr bool constexpr_check() {
  Table table;
  table.set(Timer::close, Table::time_point{seconds(5)});
  table.set(Timer::keepalive, Table::time_point{seconds(3)});
  std::size_t count = 0;
  table.expire(Table::time_point{seconds(4)}, [&](Timer) { ++count; });
  return count == 1 && table.next_deadline() == Table::time_point{seconds(5)} &&
         !table.is_set(Timer::keepalive);
}
static_assert(constexpr_check());

}  // namespace

TEST_CASE("timer table: empty") {
  Table table;
  CHECK(Table::size() == 3);
  CHECK_FALSE(table.next_deadline());
  CHECK_FALSE(table.is_set(Timer::negotiation));
  CHECK_FALSE(table.get(Timer::keepalive));
  CHECK(expire_all(table, t0).empty());
}

TEST_CASE("timer table: set, get, clear and the next deadline is the minimum") {
  Table table;
  CHECK(table.set(Timer::keepalive, t0 + seconds(30)));
  CHECK(table.next_deadline() == t0 + seconds(30));
  CHECK(table.set(Timer::close, t0 + seconds(10)));
  CHECK(table.set(Timer::negotiation, t0 + seconds(20)));
  CHECK(table.next_deadline() == t0 + seconds(10));
  CHECK(table.get(Timer::negotiation) == t0 + seconds(20));
  CHECK(table.is_set(Timer::close));

  table.clear(Timer::close);
  CHECK_FALSE(table.is_set(Timer::close));
  CHECK(table.next_deadline() == t0 + seconds(20));
  table.clear(Timer::close);                               // clearing twice is harmless
  CHECK(table.set(Timer::negotiation, t0 + seconds(40)));  // re-arming replaces
  CHECK(table.next_deadline() == t0 + seconds(30));
  table.clear_all();
  CHECK_FALSE(table.next_deadline());
}

TEST_CASE("timer table: out-of-range kinds are ignored") {
  Table table;
  CHECK_FALSE(table.set(Timer::count, t0));
  CHECK_FALSE(table.is_set(Timer::count));
  table.clear(Timer::count);
  CHECK_FALSE(table.next_deadline());

  enum class Signed : int { a, b };
  xmpp::stream::TimerTable<Signed, 2> signed_table;
  CHECK_FALSE(signed_table.set(static_cast<Signed>(-1), t0));
  CHECK(signed_table.set(Signed::b, t0));
  CHECK_FALSE(signed_table.get(static_cast<Signed>(-1)));
}

TEST_CASE("timer table: expire fires expired kinds in enum order and clears them first") {
  Table table;
  table.set(Timer::close, t0 + seconds(1));
  table.set(Timer::keepalive, t0 + seconds(5));
  table.set(Timer::negotiation, t0 + seconds(3));

  std::vector<Timer> fired;
  std::vector<bool> still_set;
  table.expire(t0 + seconds(3), [&](Timer kind) {
    fired.push_back(kind);
    still_set.push_back(table.is_set(kind));
  });
  CHECK(fired == std::vector<Timer>{Timer::negotiation, Timer::close});  // enum order, not time
  CHECK(still_set == std::vector<bool>{false, false});
  CHECK_FALSE(table.is_set(Timer::negotiation));
  CHECK_FALSE(table.is_set(Timer::close));
  CHECK(table.get(Timer::keepalive) == t0 + seconds(5));
  CHECK(table.next_deadline() == t0 + seconds(5));
}

TEST_CASE("timer table: a deadline exactly at now has expired") {
  Table table;
  table.set(Timer::keepalive, t0);
  CHECK(table.is_expired(Timer::keepalive, t0));
  CHECK_FALSE(table.is_expired(Timer::keepalive, t0 - seconds(1)));
  CHECK(expire_all(table, t0) == std::vector<Timer>{Timer::keepalive});
}

TEST_CASE("timer table: a spurious call does nothing") {
  Table table;
  table.set(Timer::negotiation, t0 + seconds(10));
  table.set(Timer::close, t0 + seconds(20));
  CHECK(expire_all(table, t0 + seconds(9)).empty());
  CHECK(table.get(Timer::negotiation) == t0 + seconds(10));
  CHECK(table.get(Timer::close) == t0 + seconds(20));
  CHECK(table.next_deadline() == t0 + seconds(10));
}

TEST_CASE("timer table: re-arming after and during expire") {
  Table table;
  table.set(Timer::keepalive, t0);
  CHECK(expire_all(table, t0) == std::vector<Timer>{Timer::keepalive});
  CHECK(expire_all(table, t0).empty());  // already fired once

  table.set(Timer::keepalive, t0 + seconds(60));  // re-set after expire
  CHECK(table.next_deadline() == t0 + seconds(60));
  CHECK(expire_all(table, t0 + seconds(59)).empty());
  CHECK(expire_all(table, t0 + seconds(60)) == std::vector<Timer>{Timer::keepalive});

  // A callback re-arming its own kind (a periodic keepalive) does not fire it again in the pass.
  table.set(Timer::keepalive, t0);
  std::size_t calls = 0;
  table.expire(t0, [&](Timer kind) {
    ++calls;
    table.set(kind, t0);
  });
  CHECK(calls == 1);
  CHECK(table.get(Timer::keepalive) == t0);

  // A callback arming a later kind with an expired deadline sees it fire in the same pass.
  table.clear_all();
  table.set(Timer::negotiation, t0);
  const auto fired = [&] {
    std::vector<Timer> out;
    table.expire(t0, [&](Timer kind) {
      out.push_back(kind);
      if (kind == Timer::negotiation) table.set(Timer::close, t0);
    });
    return out;
  }();
  CHECK(fired == std::vector<Timer>{Timer::negotiation, Timer::close});
  CHECK_FALSE(table.next_deadline());
}
