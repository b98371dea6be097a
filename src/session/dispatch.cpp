// The loop that turns engine events into hook calls: bookkeeping first (policy, IQ tracking,
// state), then one note per thing to tell, delivered oldest first and never nested.
#include <utility>

#include "session/session_impl.hpp"

namespace xmpp {

void Session::Impl::pump() {
  if (busy()) return;
  pumping = true;
  try {
    for (;;) {
      if (!notes.empty()) {
        Note note = std::move(notes.front());
        notes.pop_front();
        deliver(note);
      } else if (std::optional<Event> event = client.poll_event()) {
        account(std::move(*event));
      } else if (stop_pending) {
        stop_pending = false;
        // Not when a hook called start() meanwhile: the Session is no longer stopped.
        if (state == SessionState::stopped && hooks.on_stopped) {
          hooks.on_stopped(*owner, policy.stop_reason());
        }
      } else {
        break;
      }
    }
  } catch (...) {
    // SessionHooks: a throwing hook drops what was not delivered yet.
    notes.clear();
    iq_notes = 0;
    pumping = false;
    throw;
  }
  pumping = false;
}

void Session::Impl::queue_iq(session::PendingIq request, IqOutcome outcome,
                             std::optional<Event> response) {
  Note note;
  note.event = std::move(response);
  note.request = std::move(request);
  note.outcome = outcome;
  notes.push_back(std::move(note));
  ++iq_notes;
}

void Session::Impl::fail_all_iqs(IqOutcome outcome) {
  for (session::PendingIq& request : iqs.take_all())
    queue_iq(std::move(request), outcome, std::nullopt);
}

void Session::Impl::account(Event event) {
  if (const auto* online = std::get_if<event::Online>(&event)) {
    on_online(*online);
  } else if (const auto* stanza = std::get_if<event::Stanza>(&event)) {
    if (auto answered = iqs.take_response(stanza->element, account_jid)) {
      queue_iq(std::move(answered->request), answered->outcome, std::move(event));
      return;
    }
  } else if (const auto* failure = std::get_if<event::AuthenticationFailed>(&event)) {
    auth_failure = *failure;
  } else if (const auto* error = std::get_if<event::StreamErrorReceived>(&event)) {
    stream_error = error->error;
  } else if (const auto* closed = std::get_if<event::Closed>(&event)) {
    // on_closed first, then what the end means for pending requests and the Session.
    const event::Closed ended = *closed;
    Note note;
    note.event = std::move(event);
    notes.push_back(std::move(note));
    on_closed(ended);
    return;
  }
  Note note;
  note.event = std::move(event);
  notes.push_back(std::move(note));
}

void Session::Impl::on_online(const event::Online& online) {
  policy.on_online(online.resumed);
  attempt_online = true;
  location_failed = false;
  // A fresh session: nothing sent on the previous one can be answered any more. Failed before
  // on_connect runs, so that requests the hook sends are not caught by it.
  if (!online.resumed) fail_all_iqs(IqOutcome::session_replaced);
}

void Session::Impl::on_closed(const event::Closed& closed) {
  if (target && target->source == TargetSource::sm_location && !attempt_online) {
    location_failed = true;
  }
  policy.on_session_ended(closed, stream_error ? &*stream_error : nullptr, auth_failure, now);
  if (policy.state() == ReconnectState::stopped) {
    fail_all_iqs(IqOutcome::stopped);
  } else if (!client.resumption_pending()) {
    fail_all_iqs(IqOutcome::session_replaced);
  }
  if (transport_lost) {
    after_transport_gone();  // the Closed of transport_closed()
  } else if (state == SessionState::connected) {
    state = SessionState::disconnecting;  // the adapter closes the transport
  }
}

void Session::Impl::deliver(Note& note) {
  Session& self = *owner;
  if (note.event && note.engine && hooks.on_event) hooks.on_event(self, *note.event);
  if (note.request) {
    --iq_notes;  // the slot is free for a request the callback sends
    IqResponse response;
    response.outcome = note.outcome;
    response.id = note.request->id;
    if (note.event) response.stanza = std::get<event::Stanza>(*note.event).element;
    if (note.request->callback) note.request->callback(self, response);
    return;
  }
  if (!note.event) return;
  const Event& event = *note.event;
  if (const auto* online = std::get_if<event::Online>(&event)) {
    online_duties(*online);
    const auto& hook = online->resumed ? hooks.on_resume : hooks.on_connect;
    if (hook) hook(self, *online);
  } else if (const auto* stanza = std::get_if<event::Stanza>(&event)) {
    route(stanza->element);
  } else if (const auto* acked = std::get_if<event::Acked>(&event)) {
    if (hooks.on_acked) hooks.on_acked(self, *acked);
  } else if (const auto* unconfirmed = std::get_if<event::Unconfirmed>(&event)) {
    if (hooks.on_unconfirmed) hooks.on_unconfirmed(self, *unconfirmed);
  } else if (const auto* dead = std::get_if<event::LinkDead>(&event)) {
    if (hooks.on_link_dead) hooks.on_link_dead(self, *dead);
  } else if (const auto* closed = std::get_if<event::Closed>(&event)) {
    if (hooks.on_closed) hooks.on_closed(self, *closed);
  }
}

}  // namespace xmpp
