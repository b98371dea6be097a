// The epoll loop's timers: one binary min-heap of (deadline, session, generation) with lazy
// invalidation. Re-arming a session pushes a new entry and bumps its generation; entries of an
// older generation (or of a removed session) are dropped when they reach the top. O(log n) per
// change, O(1) to find the earliest deadline; no scan of the sessions.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "xmpp/engine.hpp"

namespace xmpp::epoll::detail {

class DeadlineHeap {
 public:
  struct Entry {
    TimePoint when;
    std::uint64_t id = 0;
    std::uint64_t generation = 0;
  };

  void push(Entry entry) {
    entries_.push_back(entry);
    std::push_heap(entries_.begin(), entries_.end(), later);
  }

  /// The earliest entry for which `current(entry)` holds, dropping stale ones above it.
  template <class Current>
  std::optional<Entry> top(const Current& current) {
    while (!entries_.empty()) {
      if (current(entries_.front())) return entries_.front();
      pop();
    }
    return std::nullopt;
  }

  void pop() {
    std::pop_heap(entries_.begin(), entries_.end(), later);
    entries_.pop_back();
  }

  /// Drops every stale entry at once (O(n)); the owner calls it when stale entries outnumber
  /// live ones, so its cost is amortised over the pushes that made them.
  template <class Current>
  void compact(const Current& current) {
    std::erase_if(entries_, [&](const Entry& e) { return !current(e); });
    std::make_heap(entries_.begin(), entries_.end(), later);
  }

  std::size_t size() const noexcept { return entries_.size(); }

 private:
  static bool later(const Entry& a, const Entry& b) { return a.when > b.when; }
  std::vector<Entry> entries_;
};

}  // namespace xmpp::epoll::detail
