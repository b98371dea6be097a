// The benchmark's client side: N xmpp::Sessions (accounts alice0..aliceN-1) on one
// xmpp::epoll::Loop, logged in with a bounded number of logins in flight (so the server and the
// listen backlog keep up), then sending messages to each other at a steady low rate and
// counting what the server acknowledged and what arrived.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "xmpp/adapters/epoll.hpp"
#include "xmpp/xml/arena.hpp"

namespace xmpp::bench {

struct FleetSettings {
  std::size_t sessions = 10'000;
  /// The server's loopback ports; session i uses ports[i % size].
  std::vector<std::uint16_t> ports;
  /// Logins started and not yet online, at most.
  std::size_t in_flight = 200;
};

/// What the hooks counted, over every session. Only the benchmark's messages (sent with tag 1)
/// are counted as sent, acked, unconfirmed and received.
struct FleetCounts {
  std::uint64_t connects = 0;
  std::uint64_t resumes = 0;
  std::uint64_t closes = 0;
  std::uint64_t stops = 0;
  std::uint64_t link_dead = 0;
  std::uint64_t sent = 0;
  std::uint64_t send_refused = 0;
  std::uint64_t acked = 0;
  std::uint64_t unconfirmed = 0;
  std::uint64_t received = 0;
};

class Fleet {
 public:
  Fleet(epoll::Loop& loop, FleetSettings settings);

  /// Adds sessions (in index order) while fewer than `in_flight` are logging in, up to `limit`
  /// sessions in all. False (with `error`) when the Loop refuses one.
  bool add_more(std::size_t limit, std::string* error);
  std::size_t added() const noexcept { return ids_.size(); }
  /// Sessions online now (on_connect or on_resume and no on_closed since).
  std::size_t online() const noexcept { return online_; }
  /// When the latest session came online.
  std::chrono::steady_clock::time_point last_online() const noexcept { return last_online_; }

  /// Sends message number `n` of the steady phase: from session n % N to session (n + 1) % N.
  void send_message(std::uint64_t n);

  /// Scans every session (only between phases): how many are online according to the Session
  /// itself (connected, engine online).
  std::size_t count_online_sessions();
  /// Scans every session (only between phases): the sum of Client::heap_bytes(), the part of
  /// the heap the engines report holding.
  std::uint64_t engine_heap_bytes();
  const FleetCounts& counts() const noexcept { return counts_; }

 private:
  bool add(std::size_t index, std::string* error);

  epoll::Loop& loop_;
  FleetSettings settings_;
  std::vector<epoll::SessionId> ids_;
  std::vector<std::uint8_t> is_online_;
  std::size_t online_ = 0;
  std::chrono::steady_clock::time_point last_online_{};
  FleetCounts counts_;
  xml::Arena arena_{1024};
};

}  // namespace xmpp::bench
