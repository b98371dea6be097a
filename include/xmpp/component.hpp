// xmpp::Component: the Sans-IO external component engine (XEP-0114, jabber:component:accept).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "xmpp/component_config.hpp"
#include "xmpp/engine.hpp"
#include "xmpp/xml/element.hpp"

namespace xmpp {

/// Where a component session stands. The allowed steps between phases are listed in one table in
/// src/component/handshake_table.cpp.
enum class ComponentPhase : std::uint8_t {
  idle,             ///< constructed; call connect()
  awaiting_stream,  ///< our header is out; waiting for the server's header (with its id)
  handshaking,      ///< `<handshake>` sent; waiting for the server's empty `<handshake/>`
  online,           ///< stanzas flow both ways
  closing,          ///< close() sent our closing tag; waiting for the peer's
  closed,           ///< over; a Closed event says why
};

std::string_view to_string(ComponentPhase phase) noexcept;

/// An external component's session with a server (XEP-0114 §3) as a pure state machine: bytes
/// and time in; bytes, events and a deadline out. It never touches a socket, a thread, a clock or
/// a random source (the protocol needs none: the server chooses the stream id).
///
/// ## The caller's loop
/// Exactly xmpp::Client's (see its class comment), without the TLS hand-off: XEP-0114 has no
/// STARTTLS, so receive() never returns tls_handoff. After every input (receive, receive_eof,
/// handle_timeout) and every command (connect, send, close): write out output() and
/// consume_output() what was written; poll_event() until empty; re-arm the timer at
/// next_deadline().
///
/// ## The session
///   connect → our header (to = the component's domain, no version) → the server's header, which
///   must carry an id → `<handshake>hex(SHA-1(id + secret))</handshake>` → the server's empty
///   `<handshake/>` → Online{jid = the component's domain}. From then on `<message/>`,
///   `<presence/>` and `<iq/>` in jabber:component:accept become Stanza events.
///
/// ## Errors (as Client's)
/// - The peer breaking the protocol (a header without id, a stanza before the handshake
///   succeeded, a `<handshake>` with content, an element the component protocol does not know):
///   StreamErrorSent, the `<stream:error/>` and closing tag queued, then Closed{stream_error_sent}.
/// - The server refusing the secret: it sends `<stream:error><not-authorized/>`
///   (StreamErrorReceived, then Closed{stream_error_received}).
/// - Timeouts: Closed{timeout}, our closing tag queued.
/// - API misuse: an error return (invalid_state, ...) and no change at all.
///
/// ## Timers
/// As Client's: one deadline per kind (negotiation step, keepalive, close); handle_timeout()
/// fires every kind that is due; calling it early does nothing.
///
/// Not thread-safe: one thread (or strand) drives a Component. Movable, not copyable.
class Component {
 public:
  /// Copies `config`; validate() is checked by connect().
  explicit Component(ComponentConfig config);
  ~Component();
  Component(Component&&) noexcept;
  Component& operator=(Component&&) noexcept;
  Component(const Component&) = delete;
  Component& operator=(const Component&) = delete;

  // -- Inputs -----------------------------------------------------------------------------------

  /// Bytes read from the transport. Consumes them up to the end of the input or to the first
  /// reason to stop (see ReceiveStatus; never tls_handoff). The bytes are not kept.
  /// invalid_state before connect() and after Closed.
  ReceiveResult receive(std::string_view bytes, TimePoint now);
  /// The transport reached end-of-file (or failed): Closed{local_close} when close() was waiting
  /// for it, Closed{connection_lost} otherwise. invalid_state before connect() or after Closed.
  CommandStatus receive_eof(TimePoint now);
  /// Fires the timers due at `now`. A spurious call does nothing.
  void handle_timeout(TimePoint now);

  // -- Commands ---------------------------------------------------------------------------------

  /// Starts the session: sends the stream header. invalid_state unless idle; invalid_config when
  /// validate() fails.
  CommandStatus connect(TimePoint now);
  /// Queues a top-level element, normally a stanza in jabber:component:accept (written without
  /// an xmlns, as the stream's default namespace). The element is serialised at once; the
  /// caller's tree is not kept. `<handshake/>` is the engine's (reserved_element). See SendStatus
  /// for the other refusals.
  SendStatus send(xml::Element element);
  /// Closes gracefully: sends `</stream:stream>` and waits (ComponentTimeouts::close) for the
  /// peer's. Stanzas still arriving meanwhile are delivered. invalid_state before connect(),
  /// while closing and after Closed.
  CommandStatus close(TimePoint now);

  // -- Drains (the same guarantees as Client's) -------------------------------------------------

  /// Bytes to write to the transport. The view stays valid and the bytes unmoved until
  /// consume_output() covers them; only destroying or moving the engine ends it early.
  std::string_view output() const noexcept;
  /// Marks the first `n` bytes of output() as written. invalid_state (and no change) when
  /// n > output().size().
  CommandStatus consume_output(std::size_t n) noexcept;
  /// The next event, oldest first; nothing when the queue is empty. The element of a Stanza
  /// event stays valid until the next input after it was polled (see event::Stanza).
  std::optional<Event> poll_event();
  /// When handle_timeout() should be called next; nothing when no timer is armed.
  std::optional<TimePoint> next_deadline() const noexcept;

  // -- Getters ----------------------------------------------------------------------------------

  ComponentPhase phase() const noexcept;
  /// The id of the server's stream header; empty before it arrives. Valid until the engine is
  /// destroyed or moved.
  std::string_view stream_id() const noexcept;
  const ComponentConfig& config() const noexcept;

  /// Heap bytes the engine holds (parser, buffers, queues, state), for memory accounting.
  std::size_t heap_bytes() const noexcept;
  /// Gives back memory kept for reuse; changes no state, but ends the validity of the elements
  /// of Stanza events already polled (as the next input would).
  void release_memory() noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace xmpp
