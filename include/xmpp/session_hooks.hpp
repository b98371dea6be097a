// The application's callbacks on an xmpp::Session: the post-connect and post-resume hooks, the
// stanza and stream-management handlers, the end of each connection and of the Session, and the
// traffic log.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "xmpp/engine.hpp"
#include "xmpp/reconnect.hpp"
#include "xmpp/roster.hpp"
#include "xmpp/xml/element.hpp"

namespace xmpp {

class Session;

/// Which way logged bytes went.
enum class TrafficDirection : std::uint8_t {
  received,  ///< from the server, as given to the engine (after TLS)
  sent,      ///< to the server, as the adapter wrote them (after consume_output(), before TLS)
};

std::string_view to_string(TrafficDirection direction) noexcept;

/// The callbacks a Session calls; any may be left empty.
///
/// Every hook but on_traffic gets the Session and may call its commands: send(), send_iq(),
/// close(), start(). Hooks are never called while the engine is inside one of its calls: the
/// Session first collects what an input produced, then calls the hooks one after the other, in
/// the order the engine reported the events. What a hook's command produces (an IQ callback, a
/// Closed, on_stopped) is queued behind what is already waiting and delivered by the same loop,
/// after the hook returns: hooks never nest, however many sends they make. A hook must not
/// throw: if one does, the exception leaves the Session call that was dispatching, and what was
/// not delivered yet is dropped (IQ callbacks included).
///
/// Event payloads are valid during the call only; a stanza element can be kept with xml::clone.
struct SessionHooks {
  /// Every event the engine reports, before the hook for its kind below (an XML console, the
  /// Authenticated event's SCRAM keys to store, StreamErrorReceived to show).
  std::function<void(Session&, const Event&)> on_event;
  /// A fresh session is online (event::Online with resumed == false): send initial presence,
  /// fetch the roster. Pending IQ requests of a previous session have been failed just before
  /// (IqOutcome::session_replaced). go-xmpp's PostConnectHook.
  std::function<void(Session&, const event::Online&)> on_connect;
  /// A session was resumed (XEP-0198, resumed == true): nothing was lost, nothing is re-sent
  /// by the application; pending IQ requests are still pending. go-xmpp's PostResumeHook.
  std::function<void(Session&, const event::Online&)> on_resume;
  /// A stanza that is not the response to a pending send_iq() request, that no automatic duty
  /// took and that no route of Session::router() matched (the Session's class comment, "The
  /// application layer"). An IQ get or set arriving here has already been answered with
  /// service-unavailable unless ApplicationConfig::answer_unhandled_iqs is off.
  std::function<void(Session&, xml::Element)> on_stanza;
  /// The roster changed: a roster result arrived (Session::request_roster(), or
  /// ApplicationConfig::fetch_roster), or the account's server pushed an item (RFC 6121 §2.1.6;
  /// already answered). Session::roster() holds the new state.
  std::function<void(Session&, const RosterUpdate&)> on_roster;
  /// A contact asked to subscribe to the user's presence, approved or denied the user's request,
  /// or cancelled (RFC 6121 §3): answer a request with Session::approve_subscription() or
  /// deny_subscription(). When empty, these presence stanzas go to the router and on_stanza.
  std::function<void(Session&, const SubscriptionEvent&)> on_subscription;
  /// The server acknowledged these stanzas (XEP-0198).
  std::function<void(Session&, const event::Acked&)> on_acked;
  /// These stanzas can no longer be confirmed: re-send or report them (XEP-0198).
  std::function<void(Session&, const event::Unconfirmed&)> on_unconfirmed;
  /// An acknowledgement request went unanswered; the connection ends at once (on_closed follows)
  /// and the Session reconnects to resume.
  std::function<void(Session&, const event::LinkDead&)> on_link_dead;
  /// A connection attempt or a session ended (the engine's Closed; for a transport that could
  /// not be opened, Closed{connection_lost} made by the Session). The reconnect policy has
  /// decided already: Session::reconnect_policy().next_deadline() is when the next attempt is due.
  std::function<void(Session&, const event::Closed&)> on_closed;
  /// The Session stopped for good (the reason is ReconnectPolicy::stop_reason()): the last
  /// callback; everything else, Unconfirmed stanzas and failed IQ requests included, came before.
  /// Session::start() may be called from it to begin again (a hook that calls start() before
  /// on_stopped was due cancels it).
  std::function<void(Session&, StopReason)> on_stopped;
  /// Bytes exchanged with the server after TLS, in order per direction, for an XML console. An
  /// observer: it must not call the Session (such calls are refused).
  std::function<void(TrafficDirection, std::string_view)> on_traffic;
};

}  // namespace xmpp
