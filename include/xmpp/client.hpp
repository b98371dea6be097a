// xmpp::Client: the Sans-IO client engine (RFC 6120 negotiation, TLS hand-off, SASL, binding).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "xmpp/client_config.hpp"
#include "xmpp/engine.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/stream_features.hpp"
#include "xmpp/stream_management_state.hpp"
#include "xmpp/xml/element.hpp"

namespace xmpp {

/// Where a client session stands. The allowed steps between phases are listed in one table in
/// src/client/negotiation_table.cpp; docs/engine-design.md draws it.
enum class ClientPhase : std::uint8_t {
  idle,                  ///< constructed; call connect()
  awaiting_tls,          ///< direct TLS: waiting for tls_established() before anything is sent
  awaiting_stream,       ///< our header is out; waiting for the server's header
  awaiting_features,     ///< the server's header arrived; waiting for its features
  starttls_requested,    ///< `<starttls/>` sent; waiting for `<proceed/>`
  tls_handoff,           ///< `<proceed/>` received; the transport belongs to TLS until
                         ///< tls_established()
  authenticating,        ///< `<auth/>` sent; SASL challenges and responses
  resuming,              ///< `<resume/>` sent (XEP-0198 §5); waiting for `<resumed/>` or
                         ///< `<failed/>`; nothing else goes out meanwhile
  binding,               ///< the bind request is out (RFC 6120 §7)
  establishing_session,  ///< the legacy session request is out (RFC 3921 §3)
  online,                ///< stanzas flow both ways
  closing,               ///< close() sent our closing tag; waiting for the peer's
  closed,                ///< over; a Closed event says why
};

std::string_view to_string(ClientPhase phase) noexcept;

/// A client session as a pure state machine: bytes, time and entropy in; bytes, events and a
/// deadline out. It never touches a socket, a thread, a clock or a random source.
///
/// ## The caller's loop
/// After every input (receive, receive_eof, handle_timeout, tls_established) and every command
/// (connect, send, close):
///   1. write out output() and consume_output() what the transport accepted (repeat until
///      output() is empty, or keep the view for an asynchronous write: it stays valid);
///   2. poll_event() until it returns nothing, handling each event;
///   3. re-arm the timer at next_deadline() (none: no timer needed), and call handle_timeout()
///      when it passes.
/// Nothing else is needed. A typical adapter:
///
///     client.connect(now);
///     loop:
///       flush(client.output()); drain events; arm(client.next_deadline())
///       wait for bytes / timer / EOF
///       bytes:   r = client.receive(bytes, now)
///                  tls_handoff → give bytes[r.consumed:] and the socket to TLS; when the
///                                handshake is done: client.tls_established(info, now)
///                  drain_needed → drain, then receive(bytes[r.consumed:], now) again
///                  closed → flush, close the socket
///       timer:   client.handle_timeout(now)
///       EOF:     client.receive_eof(now)
///
/// ## Errors (as h11 splits them)
/// - The peer breaking the protocol: a StreamErrorSent event, the `<stream:error/>` and closing
///   tag queued in output(), then Closed{stream_error_sent}.
/// - The peer reporting an error: StreamErrorReceived, then Closed{stream_error_received}.
/// - Local policy failures (no TLS offered, authentication refused, timeouts): Closed with the
///   reason, our closing tag queued when a stream was open.
/// - API misuse: an error return (invalid_state, ...) and no change at all.
///
/// ## Timers
/// One deadline per kind (negotiation step, keepalive, close); next_deadline() is the earliest.
/// handle_timeout() fires every kind that is due; calling it early does nothing. Keepalive: a
/// single space goes out once online when no output was produced during a whole
/// keepalive_interval (so the gap between two outputs is at most twice the interval).
///
/// ## Stream management (XEP-0198) and reconnecting
/// With ClientConfig::stream_management.enable (the default) and a server offering `<sm/>`, the
/// engine sends `<enable resume='true'/>` right after binding and goes Online at once (stanzas
/// sent before `<enabled/>` are tracked too). From then on every stanza given to send() is
/// reported exactly once: in an Acked event when the server acknowledged it, or in an Unconfirmed
/// event when that became impossible (the session ended for good, or resumption failed). The
/// engine answers `<r/>` itself and asks for acknowledgements by StreamManagementConfig's policy.
///
/// When the transport is lost (receive_eof, or a LinkDead event) the engine reports
/// Closed{connection_lost} but keeps a resumable session: call connect() again on a new transport
/// (a ReconnectPolicy says when). After TLS and SASL the engine sends `<resume/>` instead of
/// binding; on `<resumed/>` it re-sends what the server had not acknowledged, in order, and
/// reports Online{resumed=true}; on `<failed/>` it hands those stanzas back (Unconfirmed), binds
/// afresh, enables again and reports Online{resumed=false}. Between the loss and the answer,
/// send() keeps accepting stanzas into the queue (they go out after `<resumed/>`). A connection
/// that fails before that answer (refused, timed out, authentication failed...) keeps the
/// session as it was; to give it up (e.g. when the ReconnectPolicy stops), call
/// abandon_session(). A session ends for good, with its stanzas handed back, on close(), on a
/// stream error either way or the server's closing tag while online, and on `<failed/>`.
/// save_stream_management() and restore_stream_management() carry a session across a restart of the
/// application.
///
/// Not thread-safe: one thread (or strand) drives a Client. Movable, not copyable.
class Client {
 public:
  /// Copies `config`; validate() is checked by connect().
  explicit Client(ClientConfig config);
  ~Client();
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // -- Inputs -----------------------------------------------------------------------------------

  /// Bytes read from the transport (after TLS, when TLS is in use). Consumes them up to the end
  /// of the input or to the first reason to stop (see ReceiveStatus). The bytes are not kept:
  /// the caller may reuse its buffer at once.
  ReceiveResult receive(std::string_view bytes, TimePoint now);
  /// The transport reached end-of-file (or failed). Ends the session: Closed{local_close} when
  /// close() was waiting for it, Closed{connection_lost} otherwise. invalid_state before
  /// connect() or after Closed.
  CommandStatus receive_eof(TimePoint now);
  /// Fires the timers due at `now`. A spurious call does nothing.
  void handle_timeout(TimePoint now);
  /// The TLS handshake finished (after ReceiveStatus::tls_handoff, or in phase awaiting_tls for
  /// direct TLS). The engine restarts the stream over TLS (RFC 6120 §5.4.3.3), forgetting every
  /// feature learned before. invalid_state in any other phase.
  CommandStatus tls_established(const TlsInfo& info, TimePoint now);

  // -- Commands ---------------------------------------------------------------------------------

  /// Starts a session on a new transport: sends the stream header (or, for TlsPolicy::direct,
  /// waits for tls_established()). Allowed when idle, and after Closed to connect again: then
  /// output not yet consumed from the previous connection is discarded (it can no longer be
  /// written) and, when a stream management session is resumable, the engine resumes it (see
  /// above). invalid_state in any other phase; invalid_config when validate() fails.
  CommandStatus connect(TimePoint now);
  /// connect() on a transport that starts as `security` says, whatever TlsPolicy's own default:
  /// for adapters that follow XEP-0368 SRV records, which mix STARTTLS and direct-TLS targets.
  /// direct_tls satisfies TlsPolicy::required and optional; it is refused (invalid_config) with
  /// TlsPolicy::disabled, and `plain` is refused with TlsPolicy::direct. Otherwise as connect().
  CommandStatus connect(TimePoint now, TransportSecurity security);
  /// Queues a top-level element (a stanza: `<message/>`, `<presence/>`, `<iq/>` in
  /// jabber:client, or another application element such as a CSI nonza). The element is
  /// serialised at once; the caller's tree is not kept. See SendStatus for the refusals.
  ///
  /// With stream management active, a stanza (not a nonza) is also kept in the unacknowledged
  /// queue with `tag` (the caller's correlation value, returned in Acked / Unconfirmed) until the
  /// server acknowledges it. While a resumable session is disconnected or resuming, stanzas are
  /// accepted into that queue only (ok) and written after `<resumed/>`; nonzas are refused
  /// (not_online).
  SendStatus send(xml::Element element, std::uint64_t tag = 0);
  /// Closes gracefully: sends `</stream:stream>` and waits (NegotiationTimeouts::close) for the
  /// peer's. Stanzas still arriving meanwhile are delivered. invalid_state before connect(),
  /// while closing and after Closed.
  CommandStatus close(TimePoint now);
  /// Gives up a stream management session kept for resumption (phase closed or idle): every
  /// stanza still unacknowledged is handed back in an Unconfirmed event, and the next connect()
  /// starts a new session. invalid_state when there is no such session or while connected.
  CommandStatus abandon_session();
  /// The application's own keepalive found the link dead (a XEP-0199 ping went unanswered):
  /// LinkDead{ping_timeout}, then Closed{connection_lost, detail}, without writing anything more
  /// (a closing tag reaching the server would end a session that can still be resumed, XEP-0198
  /// §5). Close the transport, then connect() again to resume. An input: Stanza elements polled
  /// before are no longer valid. invalid_state when idle or closed.
  CommandStatus declare_link_dead(TimePoint now, std::string_view detail);
  /// The stream management state (counters, unacknowledged queue, SM-ID, location) to store,
  /// for restore_stream_management() in a later process. Timestamps are saved relative to `now`.
  std::string save_stream_management(TimePoint now) const;
  /// Adopts a saved stream management state before connect() (phase idle only), so that the
  /// session resumes. `downtime` is the wall-clock time since it was saved (zero when unknown).
  /// invalid_input when the bytes are refused (`error` says why; nothing changed); a restored
  /// state that can no longer be resumed hands its stanzas back (Unconfirmed) at once.
  CommandStatus restore_stream_management(std::string_view bytes, Duration downtime, TimePoint now,
                                          sm::RestoreError* error = nullptr);
  // -- Drains -----------------------------------------------------------------------------------

  /// Bytes to write to the transport: the longest contiguous run at the head of the queue (call
  /// again after consuming it to get the next). The view stays valid and the bytes unmoved until
  /// consume_output() covers them, whatever other calls happen in between; only destroying or
  /// moving the engine ends it early.
  std::string_view output() const noexcept;
  /// Marks the first `n` bytes of output() as written. invalid_state (and no change) when
  /// n > output().size().
  CommandStatus consume_output(std::size_t n) noexcept;
  /// The next event, oldest first; nothing when the queue is empty.
  std::optional<Event> poll_event();
  /// When handle_timeout() should be called next; nothing when no timer is armed.
  std::optional<TimePoint> next_deadline() const noexcept;

  // -- Getters ----------------------------------------------------------------------------------

  ClientPhase phase() const noexcept;
  /// True once TLS protects the stream.
  bool secure() const noexcept;
  /// True once SASL succeeded.
  bool authenticated() const noexcept;
  /// The full JID the server bound; null until then. Valid as long as the engine.
  const Jid* bound_jid() const noexcept;
  /// The id of the server's current stream header; empty before it arrives.
  std::string_view stream_id() const noexcept;
  /// The features of the server's latest `<stream:features/>` (empty before any).
  const StreamFeatures& features() const noexcept;
  /// The mechanism chosen for the current or last SASL exchange (also when it failed before
  /// `<auth/>` went out); nothing before one was chosen.
  std::optional<sasl::Mechanism> mechanism() const noexcept;
  const ClientConfig& config() const noexcept;
  /// The stream management state (XEP-0198): whether it is enabled and resumable, the SM-ID,
  /// the server's preferred reconnect `location()`, counters and the unacknowledged queue.
  /// Valid as long as the engine; changes with every input and command.
  const sm::StreamManagementState& stream_management() const noexcept;
  /// True when a stream management session is kept for resumption: connect() will try
  /// `<resume/>`, and send() queues stanzas for it.
  bool resumption_pending() const noexcept;
  /// Heap bytes the engine holds (parser, buffers, queues, state), for memory accounting.
  std::size_t heap_bytes() const noexcept;
  /// Gives back memory kept for reuse (parser element arena, empty output block, event storage).
  /// Worth calling when a connection goes idle; changes no state, but ends the validity of the
  /// elements of Stanza events already polled (as the next input would).
  void release_memory() noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace xmpp
