// What the Session does when a session comes online (roster, initial presence, CSI), and the
// application's presence commands: roster requests, subscription replies, Client State
// Indication.
#include <algorithm>

#include "session/session_impl.hpp"
#include "xmpp/stanza/iq.hpp"
#include "xmpp/stanza/namespaces.hpp"
#include "xmpp/xml/builder.hpp"

namespace xmpp {

// ---------------------------------------------------------------------------------------------
// Impl

void Session::Impl::online_duties(const event::Online& online) {
  // XEP-0352 §4.2, §5.2: every stream starts active, a resumed one too.
  csi_stream = ClientState::active;
  last_received = now;
  ping_id.clear();
  if (!online.resumed) {
    roster.clear();
    // RFC 6121 §2.2: the roster before initial presence, so that the presence the server then
    // sends is about contacts the client knows.
    if (app.fetch_roster) (void)owner->request_roster();
    if (app.send_initial_presence) {
      (void)send_built([](xml::Arena& arena) {
        return xml::Builder(arena, "presence", stanza::ns::kClient).root();
      });
    }
  }
  (void)sync_client_state();
}

CsiStatus Session::Impl::sync_client_state() {
  if (client.phase() != ClientPhase::online) return CsiStatus::deferred;
  if (!client.features().csi) return CsiStatus::unsupported;  // XEP-0352 §4.1
  if (csi_stream == csi_wanted) return CsiStatus::unchanged;
  const SendStatus sent = send_built([&](xml::Arena& arena) {
    return xml::Builder(arena, csi_wanted == ClientState::active ? "active" : "inactive",
                        stanza::ns::kCsi)
        .root();
  });
  if (sent == SendStatus::would_block) return CsiStatus::would_block;
  if (sent != SendStatus::ok) return CsiStatus::deferred;
  csi_stream = csi_wanted;
  return CsiStatus::sent;
}

SendStatus Session::Impl::send_presence(const Jid& contact, std::string_view type) {
  if (logging) return SendStatus::would_block;
  const SendStatus sent = send_built([&](xml::Arena& arena) {
    xml::Builder b(arena, "presence", stanza::ns::kClient);
    // RFC 6121 §3.1.1: subscription stanzas go to the contact's bare JID.
    b.attribute("to", contact.bare_str()).attribute("type", type);
    return b.root();
  });
  pump();
  return sent;
}

void Session::Impl::apply_roster_result(const IqResponse& response) {
  if (response.outcome != IqOutcome::result) return;
  const auto iq = stanza::Iq::view(response.stanza);
  const xml::Element payload = iq ? iq->payload() : xml::Element{};
  // RFC 6121 §2.6.3: an empty result (roster versioning) means "no change".
  if (!payload) return;
  RosterQuery result = parse_roster_query(payload, false);
  if (result.problem != RosterProblem::ok) return;
  roster.replace(result.items, std::move(result.version));
  if (hooks.on_roster) {
    RosterUpdate update;
    update.full = true;
    update.items = std::move(result.items);
    hooks.on_roster(*owner, update);
  }
}

// ---------------------------------------------------------------------------------------------
// Commands

Router& Session::router() noexcept {
  return impl_->router;
}
const Router& Session::router() const noexcept {
  return impl_->router;
}
const Roster& Session::roster() const noexcept {
  return impl_->roster;
}
ClientState Session::client_state() const noexcept {
  return impl_->csi_wanted;
}

IqSendResult Session::request_roster(IqCallback done) {
  Impl& s = *impl_;
  if (s.logging) return {IqSendStatus::invalid_state, {}};
  xml::Arena arena(256);
  xml::Builder query(arena, "query", stanza::ns::kRoster);
  const xml::Element iq = stanza::build_request(arena, stanza::IqType::get, query.root());
  Impl* impl = &s;  // stable across moves of the Session (it owns Impl through a pointer)
  return s.send_iq(
      iq,
      [impl, done = std::move(done)](Session& self, const IqResponse& response) {
        impl->apply_roster_result(response);
        if (done) done(self, response);
      },
      s.now, s.iq_timeout, 0);
}

SendStatus Session::approve_subscription(const Jid& contact) {
  return impl_->send_presence(contact, "subscribed");
}
SendStatus Session::deny_subscription(const Jid& contact) {
  return impl_->send_presence(contact, "unsubscribed");
}
SendStatus Session::subscribe(const Jid& contact) {
  return impl_->send_presence(contact, "subscribe");
}
SendStatus Session::unsubscribe(const Jid& contact) {
  return impl_->send_presence(contact, "unsubscribe");
}

namespace {

// The application's choice is kept even when it cannot be sent yet; only a full output buffer
// leaves everything as it was (CsiStatus::would_block).
CsiStatus choose_client_state(Session::Impl& s, ClientState state) {
  if (s.logging) return CsiStatus::invalid_state;
  const ClientState before = s.csi_wanted;
  s.csi_wanted = state;
  const CsiStatus status = s.sync_client_state();
  if (status == CsiStatus::would_block) s.csi_wanted = before;
  s.pump();
  return status;
}

}  // namespace

CsiStatus Session::set_active() {
  return choose_client_state(*impl_, ClientState::active);
}
CsiStatus Session::set_inactive() {
  return choose_client_state(*impl_, ClientState::inactive);
}

CommandStatus Session::add_disco_feature(std::string_view feature) {
  Impl& s = *impl_;
  if (feature.empty()) return CommandStatus::invalid_input;
  auto& features = s.app.features;
  if (std::find(features.begin(), features.end(), feature) == features.end()) {
    features.emplace_back(feature);
  }
  return CommandStatus::ok;
}

}  // namespace xmpp
