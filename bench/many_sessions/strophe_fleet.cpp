#include "strophe_fleet.hpp"

#include <algorithm>

#include "bench_args.hpp"

namespace xmpp::bench {

StropheFleet::StropheFleet(std::size_t sessions, std::vector<std::uint16_t> ports,
                           std::size_t in_flight)
    : sessions_(sessions), ports_(std::move(ports)), in_flight_(in_flight) {
  xmpp_initialize();
  ctx_ = xmpp_ctx_new(nullptr, nullptr);  // no logger: its output would cost more than XMPP
  conns_.reserve(sessions);
  is_online_.reserve(sessions);
  slots_.reserve(sessions);
}

StropheFleet::~StropheFleet() {
  for (xmpp_conn_t* conn : conns_)
    xmpp_conn_release(conn);
  xmpp_ctx_free(ctx_);
  xmpp_shutdown();
}

void StropheFleet::add_more(std::size_t limit) {
  limit = std::min(limit, sessions_);
  while (conns_.size() < limit &&
         conns_.size() - online_ - counts_.disconnected - counts_.failed_connects < in_flight_) {
    const std::size_t index = conns_.size();
    xmpp_conn_t* conn = xmpp_conn_new(ctx_);
    // Plaintext on loopback (the benchmark server offers no TLS); SASL PLAIN, XEP-0198 on.
    xmpp_conn_set_flags(conn, XMPP_CONN_FLAG_DISABLE_TLS);
    const std::string jid = "alice" + std::to_string(index) + "@localhost/bench";
    xmpp_conn_set_jid(conn, jid.c_str());
    xmpp_conn_set_pass(conn, "s3cret");
    conns_.push_back(conn);
    is_online_.push_back(0);
    slots_.push_back(Slot{this, index});
    if (xmpp_connect_client(conn, "127.0.0.1", ports_[index % ports_.size()], on_connection,
                            &slots_.back()) != XMPP_EOK) {
      ++counts_.failed_connects;
    }
  }
}

void StropheFleet::on_connection(xmpp_conn_t* conn, xmpp_conn_event_t event, int,
                                 xmpp_stream_error_t*, void* userdata) {
  auto* slot = static_cast<Slot*>(userdata);
  StropheFleet& fleet = *slot->fleet;
  if (event == XMPP_CONN_CONNECT) {
    ++fleet.counts_.connected;
    if (fleet.is_online_[slot->index] == 0) ++fleet.online_;
    fleet.is_online_[slot->index] = 1;
    fleet.last_online_us_ = now_us();
    // RFC 6121 §4.2: initial presence, as xmpp::Session sends by default.
    xmpp_stanza_t* presence = xmpp_presence_new(xmpp_conn_get_context(conn));
    xmpp_send(conn, presence);
    xmpp_stanza_release(presence);
    return;
  }
  ++fleet.counts_.disconnected;
  if (fleet.is_online_[slot->index] != 0) --fleet.online_;
  fleet.is_online_[slot->index] = 0;
}

void StropheFleet::run_once(unsigned long timeout_ms) {
  xmpp_run_once(ctx_, timeout_ms);
}

std::size_t StropheFleet::count_connected() const {
  return static_cast<std::size_t>(std::count_if(
      conns_.begin(), conns_.end(), [](xmpp_conn_t* c) { return xmpp_conn_is_connected(c) != 0; }));
}

}  // namespace xmpp::bench
