// xmpp::Session: the Sans-IO convenience layer adapters drive. It owns a Client and a
// ReconnectPolicy, tells the adapter when and where to open a transport, reconnects and resumes,
// tracks IQ requests and calls the application's hooks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "xmpp/client.hpp"
#include "xmpp/iq_request.hpp"
#include "xmpp/reconnect.hpp"
#include "xmpp/roster.hpp"
#include "xmpp/router.hpp"
#include "xmpp/session_config.hpp"
#include "xmpp/session_hooks.hpp"

namespace xmpp {

/// Where a Session stands with its transport.
enum class SessionState : std::uint8_t {
  idle,           ///< constructed: call start()
  waiting,        ///< no transport; an attempt is due at next_deadline()
  opening,        ///< handle_timeout() returned a target: the adapter is opening the transport;
                  ///< report transport_connected() or transport_closed()
  connected,      ///< the transport is open and the engine runs on it (negotiating or online)
  disconnecting,  ///< the engine is done with this transport: write out output(), close the
                  ///< transport, then call transport_closed()
  stopped,        ///< no more attempts (reconnect_policy().stop_reason()); start() begins again
};

std::string_view to_string(SessionState state) noexcept;

/// A client session that lasts across connections, as a pure state machine: transport facts,
/// bytes and time in; bytes, "open a transport to X", "close the transport", the next deadline
/// and hook calls out. It never touches a socket, a clock, a thread or a random source (entropy
/// comes from ClientConfig::entropy).
///
/// ## The adapter's loop
/// After every call below: write out output() (consume_output() what was written), then look
/// at state(), then wait until next_deadline() for the transport.
///
///     session.start(now);                                  // the first attempt is due at once
///     loop:
///       flush(session.output())                            // consume_output(n) per write
///       disconnecting → close the transport; session.transport_closed(now)
///       stopped       → done (the on_stopped hook said why)
///       wait for bytes / EOF / the timer at session.next_deadline()
///       timer:   if (auto target = session.handle_timeout(now))
///                  open a transport to *target (see below), then
///                  session.transport_connected(now)  or, on failure, session.transport_closed(now)
///                  (direct TLS, XEP-0368: do the handshake, then session.tls_established())
///       bytes:   r = session.receive(bytes, now)
///                  tls_handoff  → give bytes[r.consumed:] and the transport to TLS; when the
///                                 handshake is done: session.tls_established(info, now)
///                  drain_needed → flush output(), then receive(bytes[r.consumed:], now) again
///                  closed, stream_error → flush; state() is disconnecting
///       EOF or error: session.transport_closed(now)
///
/// Exactly one transport exists at a time: handle_timeout() offers no attempt before the
/// previous transport was reported closed, and the ReconnectPolicy never has two in flight.
///
/// ## Where to connect (ConnectTarget)
/// The first that applies: the server's `<see-other-host/>` redirect (once, by the policy) >
/// the `location` of `<enabled/>` when a session is being resumed (until an attempt there fails
/// before going online) > SessionConfig::server (empty: the JID's domain, by DNS SRV). The
/// stream goes `to` the configured domain and the certificate is verified against it whatever
/// the target.
///
/// ## Reconnecting
/// Every end of a connection (the engine's Closed, or a transport that could not be opened) goes
/// to the ReconnectPolicy with the StreamErrorReceived and AuthenticationFailed events of that
/// attempt; it schedules the next attempt (next_deadline()) or stops: permanent failures
/// (authentication, conflict, ...) are never retried. A new attempt reuses the same Client:
/// after a lost link it resumes the XEP-0198 session (on_resume), else it starts a new one
/// (on_connect). When the Session stops with a session still kept for resumption, it abandons
/// it, so every unacknowledged stanza is reported (on_unconfirmed) before on_stopped.
///
/// ## Hooks and re-entrancy
/// See SessionHooks. Hooks run after the engine call that produced their events returned, in
/// order, from one loop: a hook may call send(), send_iq(), close() and start(); what those
/// produce is delivered after the hook returns (never nested). From a hook (or from on_traffic)
/// the inputs (receive, handle_timeout, tls_established, transport_*) and set_hooks() are
/// refused with invalid_state. close() from a hook: the events already received are still
/// delivered, the closing handshake runs, then on_closed and on_stopped.
///
/// ## IQ requests
/// send_iq() sends an `<iq type='get|set'/>` and calls its callback exactly once: with the
/// response, correlated by id and by sender (it must come from the request's `to`; for a request
/// without `to`, from the account's bare JID, its domain, or without `from`, RFC 6120 §8.1.2.1;
/// anything else is not a response and goes to on_stanza), or with timeout, session_replaced or
/// stopped (IqOutcome). Requests survive a resumption.
///
/// ## The application layer
/// An inbound stanza that does not answer a pending request goes to the first of these that
/// takes it (SessionConfig::app switches each duty off):
///   1. A roster push (RFC 6121 §2.1.6): applied to roster() and answered with a result only when
///      it comes from the account itself (no `from`, or the account's bare JID), then on_roster;
///      from anyone else it is refused with service-unavailable and changes nothing
///      (CVE-2014-0364). A malformed push is answered with bad-request.
///   2. A subscription presence (subscribe, subscribed, unsubscribe, unsubscribed), when
///      on_subscription is set.
///   3. An IQ get that a duty answers: XEP-0199 ping, XEP-0030 disco#info (without a node),
///      XEP-0092 software version (off by default). An IQ get/set breaking RFC 6120 §8.2.3 (no
///      payload, several) is shown to on_stanza and answered with bad-request, never routed.
///   4. The first route of router() that matches.
///   5. on_stanza; then an IQ get/set is answered with service-unavailable (RFC 6120 §8.4).
/// IQ results and errors, messages and presence are never answered automatically. When a fresh
/// session comes online the Session asks for the roster (fetch_roster), sends initial presence
/// (send_initial_presence) and `<inactive/>` when the application chose it (XEP-0352: a stream
/// starts active, a resumed one too), then calls on_connect; after a resumption only the CSI
/// state is sent again, then on_resume. The keepalive ping (ApplicationConfig::keepalive) is
/// one of the Session's deadlines; an unanswered one ends the connection as lost (on_link_dead,
/// on_closed) and the reconnect policy resumes the session.
///
/// ## Errors
/// API misuse returns an error status (invalid_state, ...) and changes nothing.
///
/// Not thread-safe: one thread (or strand) drives a Session. Movable (not while one of its hooks
/// runs; a moved-from Session may only be destroyed or assigned to), not copyable; hooks are
/// given the Session they run on, so they need not capture it.
class Session {
 public:
  /// Copies `config` (validated by start()) and keeps `hooks`.
  explicit Session(SessionConfig config, SessionHooks hooks = {});
  ~Session();
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // -- Inputs (the adapter) ---------------------------------------------------------------------

  /// Fires what is due at `now`: the engine's timers, IQ timeouts, the next attempt. When an
  /// attempt starts, returns where to open the transport (state() is then opening); nothing
  /// otherwise. A spurious call does nothing; refused (nothing) from a hook.
  std::optional<ConnectTarget> handle_timeout(TimePoint now);
  /// The transport asked for by handle_timeout() is open: the engine connects (or, when close()
  /// came meanwhile, state() becomes disconnecting). invalid_state unless opening.
  CommandStatus transport_connected(TimePoint now);
  /// transport_connected() for a transport that starts as `security` says (Client::connect()
  /// with a TransportSecurity): an adapter following XEP-0368 SRV records, where a
  /// `_xmpps-client` target is TLS from the first byte whatever the TlsPolicy's default.
  /// invalid_config (nothing changes) when `security` contradicts the TlsPolicy.
  CommandStatus transport_connected(TimePoint now, TransportSecurity security);
  /// Bytes from the transport (after TLS). Returns how many the engine took and why it stopped,
  /// as Client::receive() does, with drain_needed only when output() must be written first (the
  /// Session drains events itself). In disconnecting: {0, closed}, the bytes are dropped.
  /// invalid_state when no transport is connected, or from a hook.
  ReceiveResult receive(std::string_view bytes, TimePoint now);
  /// The TLS handshake finished (after receive() said tls_handoff, or for direct TLS after
  /// transport_connected()). invalid_state when the engine does not wait for it.
  CommandStatus tls_established(const TlsInfo& info, TimePoint now);
  /// The transport ended (EOF, error, or closed by the adapter as disconnecting asked), or could
  /// not be opened. Output not yet written is dropped. invalid_state when no transport exists
  /// (idle, waiting, stopped), or from a hook.
  CommandStatus transport_closed(TimePoint now);

  // -- Commands (the application, hooks included) -----------------------------------------------

  /// Begins (or begins again after stopped): an attempt is due at `now`. In waiting, moves the
  /// next attempt to `now` ("the network is back"). invalid_config when validate() fails;
  /// invalid_state while a transport exists (opening, connected, disconnecting).
  CommandStatus start(TimePoint now);
  /// Client::send(): queued at once (also while a session waits to be resumed). would_block from
  /// on_traffic.
  SendStatus send(xml::Element stanza, std::uint64_t tag = 0);
  /// Sends `iq` (see IqSendStatus for the refusals) and tracks it until its callback is called,
  /// exactly once, from the dispatch loop (never from inside this call). When `iq` has no id, one
  /// is made from ClientConfig::entropy (16 hex digits; drawn before the engine accepts the
  /// stanza, so a refusal by the engine may have used entropy); the element is serialised at
  /// once, the caller's tree is not kept. The timeout runs from `now` (in a hook:
  /// Session::now()).
  IqSendResult send_iq(xml::Element iq, IqCallback callback, TimePoint now, IqOptions options = {});
  /// Ends the Session gracefully: the reconnect policy stops (StopReason::application); a
  /// connected stream is closed (Client::close(): a final ack, the closing handshake), a session
  /// kept for resumption is abandoned (on_unconfirmed), pending IQ requests end (stopped); then
  /// on_closed (when a stream was open) and on_stopped. While opening, the adapter finishes or
  /// drops the transport as usual and the Session stops when it is reported closed.
  /// invalid_state when idle, stopped, or already closing.
  CommandStatus close(TimePoint now);
  /// Replaces the hooks. invalid_state from a hook.
  CommandStatus set_hooks(SessionHooks hooks);
  /// Client::restore_stream_management(), before start() (idle only, else invalid_state).
  CommandStatus restore_stream_management(std::string_view bytes, Duration downtime, TimePoint now,
                                          sm::RestoreError* error = nullptr);

  // -- The application layer (hooks included) ---------------------------------------------------

  /// The routes for inbound stanzas (see "The application layer"). Routes may be added and
  /// removed at any time, from hooks and handlers too; a handler runs like a hook.
  Router& router() noexcept;
  const Router& router() const noexcept;
  /// Asks for the roster (RFC 6121 §2.1.3). When the result arrives, roster() is replaced and
  /// on_roster called, then `done` (if any) with the response or how the request ended. Statuses
  /// as send_iq().
  IqSendResult request_roster(IqCallback done = {});
  /// The roster as last received; cleared when a fresh session replaces the previous one (a
  /// resumption keeps it). Valid until the next call that may deliver events.
  const Roster& roster() const noexcept;
  /// Presence subscription replies and requests (RFC 6121 §3), each one presence stanza to
  /// `contact`'s bare JID: approve (subscribed), deny or revoke (unsubscribed), ask (subscribe),
  /// cancel (unsubscribe). Statuses as send().
  SendStatus approve_subscription(const Jid& contact);
  SendStatus deny_subscription(const Jid& contact);
  SendStatus subscribe(const Jid& contact);
  SendStatus unsubscribe(const Jid& contact);
  /// Client State Indication (XEP-0352): the application's state is remembered (across
  /// resumption and fresh sessions) and sent when the server advertises urn:xmpp:csi:0. See
  /// CsiStatus for what happened.
  CsiStatus set_active();
  CsiStatus set_inactive();
  /// The state the application last chose (active until set_inactive()).
  ClientState client_state() const noexcept;
  /// Adds a feature (a namespace the application implements) to the disco#info answer.
  /// invalid_input when `feature` is empty; ok (nothing changes) when already present.
  CommandStatus add_disco_feature(std::string_view feature);

  // -- Drains -----------------------------------------------------------------------------------

  /// Bytes to write to the transport (connected, disconnecting; empty otherwise). The view stays
  /// valid until consume_output() covers it (Client::output()).
  std::string_view output() const noexcept;
  /// Marks the first `n` bytes of output() as written and shows them to on_traffic.
  /// invalid_state (nothing changes) when n > output().size(), or from on_traffic.
  CommandStatus consume_output(std::size_t n);
  /// When handle_timeout() is due next: the earliest of the engine's timers (with a transport),
  /// the next attempt (waiting) and the IQ timeouts; nothing when none is armed.
  std::optional<TimePoint> next_deadline() const noexcept;

  /// Gives back the memory the engine keeps for reuse (Client::release_memory(): parser arena,
  /// empty output block, event storage). Adapters call it when the transport has gone quiet
  /// (all input taken, all output written), so that thousands of idle sessions hold only their
  /// state. Changes no state. Does nothing while hooks run (the elements they were given are
  /// still in use).
  void release_memory() noexcept;

  // -- Getters ----------------------------------------------------------------------------------

  SessionState state() const noexcept;
  /// The engine (phase, bound JID, stream management state, save_stream_management()).
  const Client& client() const noexcept;
  const ReconnectPolicy& reconnect_policy() const noexcept;
  /// The target of the attempt in flight (opening, connected, disconnecting); null otherwise.
  /// Valid until the next non-const call.
  const ConnectTarget* target() const noexcept;
  /// The `now` of the latest call given one: the time for commands called from hooks.
  TimePoint now() const noexcept;
  /// IQ requests whose callback has not been called yet.
  std::size_t pending_iqs() const noexcept;
  /// The stream error the server sent in the latest attempt; null when none. Valid until the
  /// next attempt starts.
  const StreamError* last_stream_error() const noexcept;
  /// The authentication failure of the latest attempt; null when none. Valid until the next
  /// attempt starts.
  const event::AuthenticationFailed* last_authentication_failure() const noexcept;
  /// True while hooks are being called.
  bool dispatching() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace xmpp
