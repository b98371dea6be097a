// What the client and component engines share: time, the results of inputs and commands, the
// events they report, and the bounds on what they queue.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "xmpp/jid.hpp"
#include "xmpp/sasl.hpp"
#include "xmpp/stream_error.hpp"
#include "xmpp/stream_management.hpp"
#include "xmpp/xml/element.hpp"
#include "xmpp/xml/limits.hpp"

namespace xmpp {

/// The engines never read a clock: every input and command that depends on time takes `now`
/// from the caller, and next_deadline() answers in the same clock.
using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = std::chrono::milliseconds;

// ---------------------------------------------------------------------------------------------
// Results of inputs and commands

/// Why receive() stopped.
enum class ReceiveStatus : std::uint8_t {
  /// Every byte was consumed. Drain, then wait for more bytes.
  all_consumed,
  /// STARTTLS: `<proceed/>` ended at `consumed`. The bytes after it (already read, or still in
  /// the socket) belong to the TLS handshake: hand them to TLS, not to receive(). Call
  /// tls_established() when the handshake is done; receive() refuses bytes until then.
  tls_handoff,
  /// The stream is over (the peer closed it or reported an error, or a policy or limit ended
  /// it). Bytes after
  /// `consumed` are not XMPP; drop them. Drain the output (it may hold the closing tag or a
  /// stream error), then close the transport. A Closed event has been queued.
  closed,
  /// The peer broke the protocol: the engine queued the `<stream:error/>` and its closing tag
  /// and ended the session (a StreamErrorSent and a Closed event are queued). Bytes after
  /// `consumed` are not looked at. Drain the output, then close the transport.
  stream_error,
  /// The event queue or the output buffer reached its limit. Drain both, then call receive()
  /// again with the bytes after `consumed`. (Backpressure: the engine never grows past
  /// EngineLimits and never drops input.)
  drain_needed,
  /// API misuse: receive() is not allowed in this phase (before connect(), during the TLS
  /// hand-off, after Closed). Nothing was consumed and nothing changed.
  invalid_state,
};

std::string_view to_string(ReceiveStatus status) noexcept;

struct ReceiveResult {
  /// Bytes of the input consumed. Those after it were not looked at.
  std::size_t consumed = 0;
  ReceiveStatus status = ReceiveStatus::all_consumed;
};

/// The result of a command (connect, close, tls_established, receive_eof, set-up calls). Every
/// value other than ok is API misuse: the engine changed nothing.
enum class CommandStatus : std::uint8_t {
  ok,
  invalid_state,   ///< not allowed in the current phase (see the function's doc)
  invalid_config,  ///< connect(): the configuration is unusable (see validate())
  invalid_input,   ///< bytes given to the engine were refused (e.g. a damaged saved state)
};

std::string_view to_string(CommandStatus status) noexcept;

/// The result of send(). Every value other than ok means nothing was queued and nothing changed.
enum class SendStatus : std::uint8_t {
  ok,
  /// The session is not online (not yet, or no longer) and no stream management session is
  /// waiting to be resumed. Wait for the Online event.
  not_online,
  /// The output buffer, or the queue of stanzas awaiting the server's acknowledgement
  /// (StreamManagementConfig::max_unacked_*), cannot take the stanza now: write out what
  /// output() holds, or wait for an Acked event, then retry. The engine never blocks and never
  /// drops a stanza it accepted.
  would_block,
  /// The element is not a valid top-level element for this stream: it is null, or it is in a
  /// namespace the engine itself speaks on the stream (streams, TLS, SASL, bind, session, stream
  /// management, component handshake), which would corrupt the negotiation.
  reserved_element,
  /// XML cannot carry the element (invalid UTF-8, an illegal character, a bad name).
  unserializable,
  /// The serialised element is larger than EngineLimits::max_send_bytes.
  too_large,
};

std::string_view to_string(SendStatus status) noexcept;

// ---------------------------------------------------------------------------------------------
// Limits

/// Output bytes send() leaves free for what the engine itself must still be able to queue (acks,
/// a stream error, the closing tag): send() refuses with would_block beyond
/// max_output_bytes - kEngineOutputReserve.
inline constexpr std::size_t kEngineOutputReserve = 2048;

/// Every bound an engine enforces, in one place. Exceeding an inbound bound ends the stream with
/// policy-violation; an outbound bound makes the command fail (would_block / too_large) or makes
/// receive() ask for a drain.
struct EngineLimits {
  /// What one received element may cost (size, depth, attributes, names, header).
  xml::Limits parser;
  /// Bytes queued for the transport and not yet consumed. send() returns would_block beyond it;
  /// receive() stops with drain_needed once it is half full so that what the engine answers by
  /// itself (acks, errors) always fits.
  std::size_t max_output_bytes = 1024 * 1024;
  /// Block size of the output buffer (bytes never move once queued; see output()).
  std::size_t output_block_bytes = 4096;
  /// Serialised size of one element given to send(). At most
  /// max_output_bytes - kEngineOutputReserve.
  std::size_t max_send_bytes = 256 * 1024;
  /// Events queued and not yet polled. receive() stops with drain_needed when it is reached
  /// (one element adds at most three events, so the queue never exceeds this by more).
  std::size_t max_events = 256;
  /// Bytes of the storage holding the trees of Stanza events since the queue was last empty.
  /// receive() stops with drain_needed when it is reached; draining the queue completely lets
  /// the next input reuse the storage.
  std::size_t max_event_bytes = 1024 * 1024;
};

// ---------------------------------------------------------------------------------------------
// Events (drained with poll_event())

/// Why a session ended; carried by the final Closed event.
enum class CloseReason : std::uint8_t {
  /// close() was called and the peer answered with its closing tag (or closed the transport).
  local_close,
  /// The peer closed the stream (`</stream:stream>`) without an error.
  peer_closed,
  /// The transport ended (receive_eof) without a closing tag: the link was lost.
  connection_lost,
  /// The peer broke the protocol; the engine sent a stream error (see the StreamErrorSent event).
  stream_error_sent,
  /// The peer sent a stream error (see the StreamErrorReceived event).
  stream_error_received,
  /// A negotiation step or the close handshake took longer than its timeout (detail: which).
  timeout,
  /// TLS was required but the server does not offer STARTTLS; nothing was sent in the clear.
  tls_unavailable,
  /// TLS policy `disabled` but the server requires STARTTLS.
  tls_required_by_server,
  /// The server refused STARTTLS (`<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`).
  tls_failed,
  /// tls_established() reported an unverified certificate and the configuration requires a
  /// verified one.
  tls_unverified,
  /// No offered SASL mechanism is acceptable (detail: sasl::to_string(SelectionError)).
  no_acceptable_mechanism,
  /// SASL failed (see the AuthenticationFailed event). Do not retry the same credentials blindly.
  authentication_failed,
  /// Resource binding failed (detail: the stanza error condition). RFC 6120 §7.6.2.
  bind_failed,
  /// Legacy session establishment failed (detail: the stanza error condition).
  session_failed,
  /// The component handshake (XEP-0114) was refused.
  handshake_failed,
  /// The engine could not queue its own output (EngineLimits too small for the negotiation).
  output_overflow,
};

std::string_view to_string(CloseReason reason) noexcept;

namespace event {

/// SASL succeeded (the stream is about to restart). With SCRAM, `scram_keys` holds what the
/// application may store instead of the password (ClientConfig::credentials.scram_keys).
struct Authenticated {
  sasl::Mechanism mechanism = sasl::Mechanism::scram_sha_256;
  std::optional<sasl::ScramKeyCache> scram_keys;
};

/// Authentication failed: either the server said `<failure/>` (`server_condition` set), or the
/// engine found the exchange broken (`error` != ok, e.g. the server's SCRAM signature did not
/// verify). A Closed{authentication_failed} follows.
struct AuthenticationFailed {
  sasl::Mechanism mechanism = sasl::Mechanism::scram_sha_256;
  std::optional<sasl::FailureCondition> server_condition;
  /// The server's `<text/>`, or a description of `error`.
  std::string text;
  sasl::Error error = sasl::Error::ok;
  /// Whether retrying with the same credentials is pointless (everything but
  /// temporary-auth-failure, RFC 6120 §6.5.11).
  bool permanent = true;
};

/// The session is ready for stanzas: the post-connect (or post-resume) hook point.
struct Online {
  /// The full JID the server bound (client), or the component's domain.
  Jid jid;
  /// True when a previous session was resumed (XEP-0198) rather than started afresh.
  bool resumed = false;
};

/// A stanza (or any other top-level element the engine leaves to the application) arrived.
/// `element` points into the engine's event storage: it stays valid until the next input call
/// (receive, receive_eof, handle_timeout, tls_established) made after poll_event() returned
/// this event. Copy it (xml::clone) to keep it longer.
struct Stanza {
  xml::Element element;
};

/// The peer broke the protocol; the engine queued this `<stream:error/>` and the closing tag.
/// `error.text` says what exactly was wrong (it is also sent). A Closed event follows.
struct StreamErrorSent {
  StreamError error;
};

/// The peer sent `<stream:error/>`. For see-other-host, `error.see_other_host` is where to
/// reconnect. A Closed event follows.
struct StreamErrorReceived {
  StreamError error;
};

/// The session is over; the last event an engine reports for this connection. Write out the
/// remaining output, then close the transport. A client may connect() again on a new transport:
/// with a resumable stream management session (Client::stream_management()) it resumes, otherwise
/// it starts a new session; stanzas that can no longer be confirmed were handed back in an
/// Unconfirmed event before this one.
struct Closed {
  CloseReason reason = CloseReason::peer_closed;
  /// A specific human-readable explanation (e.g. which step timed out).
  std::string detail;
};

}  // namespace event

using Event = std::variant<event::Authenticated, event::AuthenticationFailed, event::Online,
                           event::Stanza, event::StreamErrorSent, event::StreamErrorReceived,
                           event::Closed, event::Acked, event::Unconfirmed, event::LinkDead>;

}  // namespace xmpp
