// RFC 2782 ordering of SRV records: exact orders under scripted and seeded draws, and
// properties over generated record sets.
#include <doctest/doctest.h>
#include <rapidcheck.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "rc_doctest.hpp"
#include "xmpp/adapters/dns.hpp"

namespace xmpp::dns {
namespace {

SrvRecord rec(std::uint16_t priority, std::uint16_t weight, std::string target) {
  return SrvRecord{priority, weight, 5222, std::move(target)};
}

std::vector<std::string> targets(const std::vector<SrvRecord>& records) {
  std::vector<std::string> out;
  for (const SrvRecord& r : records)
    out.push_back(r.target);
  return out;
}

// A RandomUpTo that hands out `draws` in turn and records the bounds it was asked for.
struct Scripted {
  explicit Scripted(std::vector<std::uint32_t> d) : draws(std::move(d)) {}
  std::vector<std::uint32_t> draws;
  std::vector<std::uint32_t> bounds;
  std::size_t next = 0;
  RandomUpTo fn() {
    return [this](std::uint32_t bound) {
      bounds.push_back(bound);
      REQUIRE(next < draws.size());
      return draws[next++];
    };
  }
};

RandomUpTo never_called() {
  return [](std::uint32_t) -> std::uint32_t {
    FAIL("random asked although there was no choice");
    return 0;
  };
}

// Draws from a seeded std::mt19937, whose output sequence the standard fixes.
RandomUpTo seeded(std::mt19937& rng) {
  return [&rng](std::uint32_t bound) {
    return static_cast<std::uint32_t>(rng() % (std::uint64_t{bound} + 1));
  };
}

TEST_CASE("srv order: ascending priority, input order kept when every weight is 0") {
  const std::vector<SrvRecord> in = {rec(20, 0, "c"), rec(10, 0, "a"), rec(30, 0, "d"),
                                     rec(10, 0, "b"), rec(20, 0, "e")};
  // All weights 0: every draw could only be 0, which picks the first remaining record.
  CHECK(targets(order_srv_records(in, never_called())) ==
        std::vector<std::string>{"a", "b", "c", "e", "d"});
}

TEST_CASE("srv order: empty and single inputs need no randomness") {
  CHECK(order_srv_records({}, never_called()).empty());
  const std::vector<SrvRecord> one = {rec(1, 50, "only")};
  CHECK(order_srv_records(one, never_called()) == one);
  // One record per priority: no choice anywhere.
  const std::vector<SrvRecord> spread = {rec(3, 9, "c"), rec(1, 5, "a"), rec(2, 0, "b")};
  CHECK(targets(order_srv_records(spread, never_called())) ==
        std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("srv order: the running-sum selection, draw by draw") {
  // One priority, input [a(10) b(0) c(30)]. The weight-0 record goes first in the list:
  // [b(0) a(10) c(30)], running sums [0 10 40], bound 40.
  const std::vector<SrvRecord> in = {rec(5, 10, "a"), rec(5, 0, "b"), rec(5, 30, "c")};
  SUBCASE("draw 0 selects the weight-0 record") {
    Scripted s{{0, 0}};
    // Left [a(10) c(30)], sums [10 40]; draw 0 -> a; c is alone.
    CHECK(targets(order_srv_records(in, s.fn())) == std::vector<std::string>{"b", "a", "c"});
    CHECK(s.bounds == std::vector<std::uint32_t>{40, 40});
  }
  SUBCASE("draw 1..10 selects the first weighted record") {
    Scripted s{{1, 0}};
    // Left [b(0) c(30)], sums [0 30], bound 30; draw 0 -> b.
    CHECK(targets(order_srv_records(in, s.fn())) == std::vector<std::string>{"a", "b", "c"});
    CHECK(s.bounds == std::vector<std::uint32_t>{40, 30});
  }
  SUBCASE("the running sum is compared with >=") {
    Scripted s{{10, 30}};
    // 10 >= 10: a. Then [b(0) c(30)], draw 30 -> c, and b is last.
    CHECK(targets(order_srv_records(in, s.fn())) == std::vector<std::string>{"a", "c", "b"});
  }
  SUBCASE("draw 11 selects the next one") {
    Scripted s{{11, 1}};
    CHECK(targets(order_srv_records(in, s.fn())) == std::vector<std::string>{"c", "a", "b"});
    CHECK(s.bounds == std::vector<std::uint32_t>{40, 10});
  }
  SUBCASE("a draw above the bound counts as the bound") {
    Scripted s{{4000000000u, 999}};
    CHECK(targets(order_srv_records(in, s.fn())) == std::vector<std::string>{"c", "a", "b"});
  }
}

TEST_CASE("srv order: priorities are ordered first, weights only within one priority") {
  const std::vector<SrvRecord> in = {rec(20, 1, "backup-x"), rec(10, 60, "big"),
                                     rec(10, 20, "small1"), rec(20, 1, "backup-y"),
                                     rec(10, 20, "small2")};
  // Priority 10: [big(60) small1(20) small2(20)], sums [60 80 100]; draw 70 -> small1.
  // Left [big small2], sums [60 80]; draw 61 -> small2; big last.
  // Priority 20: [backup-x(1) backup-y(1)], sums [1 2]; draw 2 -> backup-y.
  Scripted s{{70, 61, 2}};
  CHECK(targets(order_srv_records(in, s.fn())) ==
        std::vector<std::string>{"small1", "small2", "big", "backup-y", "backup-x"});
  CHECK(s.bounds == std::vector<std::uint32_t>{100, 80, 2});
}

TEST_CASE("srv order: exact order from a seeded mt19937") {
  std::mt19937 rng;  // default seed 5489: 3499211612, 581869302, 3890346734, ...
  const std::vector<SrvRecord> in = {rec(0, 1, "a"), rec(0, 2, "b"), rec(0, 3, "c"), rec(0, 0, "d"),
                                     rec(1, 7, "e")};
  // [d(0) a(1) b(2) c(3)] sums [0 1 3 6]: 3499211612 % 7 = 1 -> a.
  // [d(0) b(2) c(3)] sums [0 2 5]: 581869302 % 6 = 0 -> d.
  // [b(2) c(3)] sums [2 5]: 3890346734 % 6 = 2 -> b. Then c, then e (alone at priority 1).
  CHECK(targets(order_srv_records(in, seeded(rng))) ==
        std::vector<std::string>{"a", "d", "b", "c", "e"});
  CHECK(rng() == 3586334585u);  // exactly three draws were taken
}

TEST_CASE("srv order: first picks follow RFC 2782's weights over many seeded draws") {
  // RFC 2782 draws from [0, sum] inclusive: sum+1 equally likely values. For weights
  // [a(1) b(2) c(3)] the first pick is a for draws 0-1, b for 2-3, c for 4-6: 2/7, 2/7, 3/7.
  // For [z(0) w(3)] the weight-0 record is first only on draw 0: 1/4.
  std::mt19937 rng(20240611u);
  constexpr int kRuns = 20000;
  std::map<std::string, int> first;
  int zero_first = 0;
  for (int i = 0; i < kRuns; ++i) {
    ++first[order_srv_records({rec(0, 1, "a"), rec(0, 2, "b"), rec(0, 3, "c")}, seeded(rng))
                .front()
                .target];
    if (order_srv_records({rec(0, 3, "w"), rec(0, 0, "z")}, seeded(rng)).front().target == "z") {
      ++zero_first;
    }
  }
  const auto share = [&](int n) { return static_cast<double>(n) / kRuns; };
  CHECK(share(first["a"]) == doctest::Approx(2.0 / 7).epsilon(0.1));
  CHECK(share(first["b"]) == doctest::Approx(2.0 / 7).epsilon(0.1));
  CHECK(share(first["c"]) == doctest::Approx(3.0 / 7).epsilon(0.1));
  CHECK(share(zero_first) == doctest::Approx(0.25).epsilon(0.1));
}

// --- properties -----------------------------------------------------------------------------

rc::Gen<SrvRecord> gen_record() {
  return rc::gen::apply(
      [](std::uint16_t priority, std::uint16_t weight, std::uint16_t port, int name) {
        return SrvRecord{priority, weight, port, "h" + std::to_string(name) + ".example"};
      },
      rc::gen::inRange<std::uint16_t>(0, 4),  // few priorities: groups with several records
      rc::gen::oneOf(rc::gen::just<std::uint16_t>(0), rc::gen::inRange<std::uint16_t>(1, 10),
                     rc::gen::arbitrary<std::uint16_t>()),
      rc::gen::arbitrary<std::uint16_t>(), rc::gen::inRange(0, 6));
}

auto key(const SrvRecord& r) {
  return std::tie(r.priority, r.weight, r.port, r.target);
}

std::vector<SrvRecord> sorted(std::vector<SrvRecord> v) {
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return key(a) < key(b); });
  return v;
}

// Draws taken from a generated list in turn (0 when it runs out), any value, in or out of range.
struct GeneratedDraws {
  explicit GeneratedDraws(std::vector<std::uint32_t> d) : draws(std::move(d)) {}
  std::vector<std::uint32_t> draws;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> calls;  // (bound, draw)
  std::size_t next = 0;
  RandomUpTo fn() {
    return [this](std::uint32_t bound) {
      const std::uint32_t d = next < draws.size() ? draws[next++] : 0;
      calls.emplace_back(bound, d);
      return d;
    };
  }
};

TEST_CASE("property: the order is a permutation with non-decreasing priorities") {
  xmpp::test::check_property("srv order permutes and sorts priorities", [] {
    const auto in = *rc::gen::container<std::vector<SrvRecord>>(gen_record());
    GeneratedDraws g{*rc::gen::arbitrary<std::vector<std::uint32_t>>()};
    const std::vector<SrvRecord> out = order_srv_records(in, g.fn());
    RC_ASSERT(sorted(out) == sorted(in));
    for (std::size_t i = 1; i < out.size(); ++i)
      RC_ASSERT(out[i - 1].priority <= out[i].priority);
  });
}

TEST_CASE("property: every pick is the RFC 2782 running-sum choice for its draw") {
  xmpp::test::check_property("srv order follows the running sums", [] {
    const auto in = *rc::gen::container<std::vector<SrvRecord>>(gen_record());
    // Draws within range most of the time, so that every record can be selected.
    GeneratedDraws g{
        *rc::gen::container<std::vector<std::uint32_t>>(rc::gen::inRange<std::uint32_t>(0, 70000))};
    const std::vector<SrvRecord> out = order_srv_records(in, g.fn());
    RC_ASSERT(out.size() == in.size());
    std::size_t call = 0;
    for (std::size_t start = 0; start < out.size();) {
      const std::uint16_t priority = out[start].priority;
      // Remaining records of this priority in input order, the weight-0 ones first.
      std::vector<SrvRecord> left;
      for (const SrvRecord& r : in) {
        if (r.priority == priority && r.weight == 0) left.push_back(r);
      }
      for (const SrvRecord& r : in) {
        if (r.priority == priority && r.weight != 0) left.push_back(r);
      }
      std::size_t k = start;
      while (!left.empty()) {
        std::uint64_t sum = 0;
        for (const SrvRecord& r : left)
          sum += r.weight;
        std::size_t pick = 0;
        if (left.size() > 1 && sum > 0) {
          RC_ASSERT(call < g.calls.size());
          const auto [bound, draw] = g.calls[call++];
          RC_ASSERT(bound == sum);
          const std::uint64_t d = std::min<std::uint64_t>(draw, bound);
          std::uint64_t running = 0;
          for (pick = 0; pick < left.size(); ++pick) {
            running += left[pick].weight;
            if (running >= d) break;
          }
        }
        RC_ASSERT(k < out.size());
        RC_ASSERT(out[k] == left[pick]);
        left.erase(left.begin() + static_cast<std::ptrdiff_t>(pick));
        ++k;
      }
      start = k;
    }
    RC_ASSERT(call == g.calls.size());  // random asked only when there was a choice
  });
}

TEST_CASE("property: a weight-0 record beats a weighted one exactly when the draw is 0") {
  xmpp::test::check_property("weight 0 first only on draw 0", [] {
    const auto weight = *rc::gen::inRange<std::uint16_t>(1, 65535);
    const auto draw = *rc::gen::inRange<std::uint32_t>(0, std::uint32_t{weight} + 1);
    const auto zero_listed_first = *rc::gen::arbitrary<bool>();
    const auto priority = *rc::gen::arbitrary<std::uint16_t>();
    std::vector<SrvRecord> in = {SrvRecord{priority, weight, 1, "weighted"},
                                 SrvRecord{priority, 0, 2, "zero"}};
    if (zero_listed_first) std::swap(in[0], in[1]);
    std::vector<std::uint32_t> bounds;
    const auto out = order_srv_records(in, [&](std::uint32_t bound) {
      bounds.push_back(bound);
      return draw;
    });
    RC_ASSERT(bounds == std::vector<std::uint32_t>{weight});
    RC_ASSERT((out.front().target == "zero") == (draw == 0));
  });
}

}  // namespace
}  // namespace xmpp::dns
