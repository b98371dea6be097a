// The state of a Session. The public methods live in session.cpp (data and getters),
// connection.cpp (transports, attempts, close) and iq_send.cpp; the loop that turns engine
// events into hook calls in dispatch.cpp; the application layer in routing.cpp (inbound
// stanzas), presence.cpp (online duties, roster, subscriptions, CSI) and keepalive.cpp.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>

#include "session/iq_tracker.hpp"
#include "xmpp/application_config.hpp"
#include "xmpp/client.hpp"
#include "xmpp/reconnect.hpp"
#include "xmpp/roster.hpp"
#include "xmpp/router.hpp"
#include "xmpp/session.hpp"
#include "xmpp/stanza/stanza_error.hpp"
#include "xmpp/xml/arena.hpp"

namespace xmpp {

/// One thing to tell the application, in the order it happened: an engine event (on_event,
/// then the hook of its kind), and/or the end of an IQ request (its callback instead of that
/// hook). A note without `engine` carries a Closed the Session made (a transport that could not
/// be opened): it goes to on_closed only.
struct Note {
  std::optional<Event> event;
  bool engine = true;
  std::optional<session::PendingIq> request;
  IqOutcome outcome = IqOutcome::result;
};

struct Session::Impl {
  Impl(SessionConfig config, SessionHooks hooks);

  // -- dispatch.cpp ------------------------------------------------------------------------------
  /// Delivers every note and engine event, oldest first, until none is left (then on_stopped
  /// when it is due). Does nothing when already running (a hook's command) or from on_traffic.
  void pump();
  /// The Session's bookkeeping for one engine event; queues the notes that report it.
  void account(Event event);
  void deliver(Note& note);
  void on_online(const event::Online& online);
  void on_closed(const event::Closed& closed);
  /// Every pending request ends with `outcome` (queued as notes).
  void fail_all_iqs(IqOutcome outcome);
  void queue_iq(session::PendingIq request, IqOutcome outcome, std::optional<Event> response);

  // -- iq_send.cpp -------------------------------------------------------------------------------
  /// Session::send_iq() without the from-on_traffic check: also the Session's own requests.
  IqSendResult send_iq(xml::Element iq, IqCallback callback, TimePoint at, Duration timeout,
                       std::uint64_t tag);

  // -- routing.cpp -------------------------------------------------------------------------------
  /// An inbound stanza that answers no pending request: duties, routes, on_stanza, then the
  /// automatic answer (Session's class comment, "The application layer").
  void route(xml::Element stanza);
  /// Roster push (RFC 6121 §2.1.6): true when `stanza` was one and has been dealt with.
  bool take_roster_push(xml::Element stanza);
  /// Subscription presence with on_subscription set: true when delivered there.
  bool take_subscription(xml::Element stanza);
  /// A duty's answer, or bad-request for a malformed request: true when answered.
  bool take_iq_duty(xml::Element stanza);
  /// Sends the error reply to `request` (when RFC 6120 §8.3.1 allows one).
  void reply_error(xml::Element request, stanza::ErrorCondition condition, std::string_view text);

  // -- presence.cpp ------------------------------------------------------------------------------
  /// What the Session does when a session comes online, before on_connect / on_resume.
  void online_duties(const event::Online& online);
  /// Sends the CSI state the application chose when the stream has another one.
  CsiStatus sync_client_state();
  SendStatus send_presence(const Jid& contact, std::string_view type);
  void apply_roster_result(const IqResponse& response);

  // -- keepalive.cpp -----------------------------------------------------------------------------
  bool keepalive_on() const noexcept { return app.keepalive.interval > Duration::zero(); }
  /// When the next keepalive ping is due; nothing when none can be (off, not online, one out).
  std::optional<TimePoint> next_ping() const noexcept;
  /// Sends the ping when due; ends the connection when the one out went unanswered.
  void keepalive(TimePoint at);

  // -- connection.cpp ----------------------------------------------------------------------------
  /// The policy's attempt is due: it starts; returns where to connect.
  ConnectTarget start_attempt(TimePoint at);
  ConnectTarget choose_target() const;
  /// The transport is gone and the engine's session over: waiting for the next attempt, or
  /// stopped when the policy stopped.
  void after_transport_gone();
  void enter_stopped();

  // -- session.cpp -------------------------------------------------------------------------------
  /// Shows `bytes` to on_traffic (nothing else may happen meanwhile).
  void log(TrafficDirection direction, std::string_view bytes);
  bool busy() const noexcept { return pumping || logging; }
  bool transport_open() const noexcept {
    return !transport_lost &&
           (state == SessionState::connected || state == SessionState::disconnecting);
  }

  Session* owner = nullptr;  ///< given to hooks; updated when the Session moves
  Client client;
  ReconnectPolicy policy;
  SessionHooks hooks;
  // The Session's own settings (the rest of SessionConfig lives in the client and the policy).
  SessionConfigError config_error;
  Jid account_jid;  ///< the account's bare JID: who answers requests sent without `to`
  std::string server;
  bool follow_sm_location;
  Duration iq_timeout;
  std::size_t max_pending_iqs;

  SessionState state = SessionState::idle;
  TimePoint now{};
  /// The attempt in flight: where it goes, whether it reached online.
  std::optional<ConnectTarget> target;
  bool attempt_online = false;
  /// transport_closed() while connected: the engine's Closed is still to come, and then there is
  /// no transport left to close.
  bool transport_lost = false;
  /// An attempt at the SM location failed before online: use the configured server instead.
  bool location_failed = false;
  /// close() was called: no more attempts; the transport is closed as soon as it can be.
  bool close_requested = false;
  /// The events of the attempt in flight the policy needs (ReconnectPolicy::on_session_ended).
  std::optional<StreamError> stream_error;
  std::optional<event::AuthenticationFailed> auth_failure;

  // The application layer (SessionConfig::app).
  ApplicationConfig app;
  Router router;
  Roster roster;
  /// The state the application chose, and the one the current stream has (XEP-0352 §4.2: every
  /// stream, a resumed one too, starts active).
  ClientState csi_wanted = ClientState::active;
  ClientState csi_stream = ClientState::active;
  /// When bytes last arrived, and the keepalive ping in flight (id empty: none) with its
  /// deadline.
  TimePoint last_received{};
  std::string ping_id;
  TimePoint ping_deadline{};
  xml::Arena app_scratch{512};  ///< automatic answers, until Client::send() copied them
  /// Builds an element in app_scratch with `build(arena)` (returning the xml::Element), sends
  /// it (Client::send() copies it) and frees the arena again: the one way the Session's own
  /// answers and nonzas are written.
  template <typename Build>
  SendStatus send_built(Build&& build) {
    app_scratch.reset();
    const SendStatus sent = client.send(build(app_scratch));
    app_scratch.reset();
    return sent;
  }

  session::IqTracker iqs;
  /// Notes not delivered yet. Bounded: account() adds at most one engine event's notes and runs
  /// only when this is empty, and IQ notes count against max_pending_iqs (iq_notes), so it
  /// never holds more than max_pending_iqs + 1 notes.
  std::deque<Note> notes;
  std::size_t iq_notes = 0;
  bool stop_pending = false;  ///< on_stopped is due once everything else was delivered
  bool pumping = false;
  bool logging = false;
  xml::Arena scratch{512};  ///< a request rebuilt with its id, until Client::send() copied it
};

}  // namespace xmpp
