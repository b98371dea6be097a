// The libstrophe side of the scale benchmark: N connections (accounts alice0..aliceN-1) on one
// xmpp_ctx_t, driven by xmpp_run_once(), logged in with a bounded number in flight, each sending
// initial presence once connected (as the xmpp::Session's application layer does), then idle.
#pragma once

#include <strophe.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace xmpp::bench {

struct StropheCounts {
  std::uint64_t connected = 0;
  std::uint64_t disconnected = 0;
  std::uint64_t failed_connects = 0;  ///< xmpp_connect_client() refused
};

class StropheFleet {
 public:
  StropheFleet(std::size_t sessions, std::vector<std::uint16_t> ports, std::size_t in_flight);
  ~StropheFleet();
  StropheFleet(const StropheFleet&) = delete;
  StropheFleet& operator=(const StropheFleet&) = delete;

  /// Starts connections while fewer than `in_flight` are logging in, up to `limit` in all.
  void add_more(std::size_t limit);
  std::size_t added() const noexcept { return conns_.size(); }
  std::size_t online() const noexcept { return online_; }
  /// One xmpp_run_once() (waits at most `timeout_ms`).
  void run_once(unsigned long timeout_ms);
  /// Connections libstrophe reports as connected (a scan).
  std::size_t count_connected() const;
  const StropheCounts& counts() const noexcept { return counts_; }
  std::uint64_t last_online_us() const noexcept { return last_online_us_; }

 private:
  static void on_connection(xmpp_conn_t* conn, xmpp_conn_event_t event, int error,
                            xmpp_stream_error_t* stream_error, void* userdata);

  /// The user data of one connection's handler (reserved up front: the addresses stay valid).
  struct Slot {
    StropheFleet* fleet;
    std::size_t index;
  };

  std::size_t sessions_;
  std::vector<std::uint16_t> ports_;
  std::size_t in_flight_;
  xmpp_ctx_t* ctx_ = nullptr;
  std::vector<xmpp_conn_t*> conns_;
  std::vector<Slot> slots_;
  std::vector<std::uint8_t> is_online_;
  std::size_t online_ = 0;
  std::uint64_t last_online_us_ = 0;
  StropheCounts counts_;
};

}  // namespace xmpp::bench
