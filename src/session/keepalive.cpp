// XEP-0199 §4.1 client-to-server pings as the keepalive (ApplicationConfig::keepalive): one ping
// when nothing arrived for `interval`, the link declared dead when it goes unanswered.
#include <string>

#include "session/session_impl.hpp"
#include "xmpp/stanza/iq.hpp"
#include "xmpp/stanza/namespaces.hpp"
#include "xmpp/xml/builder.hpp"

namespace xmpp {

std::optional<TimePoint> Session::Impl::next_ping() const noexcept {
  if (!keepalive_on() || !transport_open() || client.phase() != ClientPhase::online) {
    return std::nullopt;
  }
  if (!ping_id.empty()) return ping_deadline;
  return last_received + app.keepalive.interval;
}

void Session::Impl::keepalive(TimePoint at) {
  const std::optional<TimePoint> due = next_ping();
  if (!due || at < *due) return;
  if (!ping_id.empty()) {
    // XEP-0199 §4.1: no answer within the timeout; the connection is considered dead. The ping
    // itself ends as timeout with the other expired requests.
    const std::string detail = "no answer to a keepalive ping (XEP-0199) within " +
                               std::to_string(app.keepalive.timeout.count()) + " ms";
    ping_id.clear();
    (void)client.declare_link_dead(at, detail);
    return;
  }
  xml::Arena arena(256);
  const xml::Element ping = stanza::build_request(
      arena, stanza::IqType::get, xml::Builder(arena, "ping", stanza::ns::kPing).root(),
      account_jid.domain());
  const IqSendResult sent = send_iq(
      ping,
      [this](Session&, const IqResponse& response) {
        // Any answer, an error too, shows the server is there (XEP-0199 §4.1).
        if (response.id == ping_id) ping_id.clear();
      },
      at, app.keepalive.timeout, 0);
  if (sent.status == IqSendStatus::ok) {
    ping_id = sent.id;
    ping_deadline = at + app.keepalive.timeout;
  } else {
    // The output is full or too many requests are pending: traffic is flowing or the application
    // is busy; try again one interval later.
    last_received = at;
  }
}

}  // namespace xmpp
