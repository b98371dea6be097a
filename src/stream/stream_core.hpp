// The part of an engine that does not depend on what is negotiated: parser, output queue, event
// queue, timers, stream errors and the closing handshake. xmpp::Client and xmpp::Component each
// own one and put their negotiation table on top.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stream/output_buffer.hpp"
#include "stream/stream_header.hpp"
#include "stream/timer_table.hpp"
#include "xmpp/engine.hpp"
#include "xmpp/stream_error.hpp"
#include "xmpp/xml/arena.hpp"
#include "xmpp/xml/element.hpp"
#include "xmpp/xml/stream_parser.hpp"

namespace xmpp::stream {

/// Every timer an engine has: one deadline each (quinn-proto's TimerTable). handle_timeout()
/// fires them in this order.
enum class Timer : std::uint8_t {
  negotiation,  ///< the current negotiation step (NegotiationTimeouts)
  close,        ///< close() waiting for the peer's closing tag
  keepalive,    ///< whitespace keepalive on an idle online stream (RFC 6120 §4.6.1)
  ack_request,  ///< XEP-0198 §4: time to ask for an acknowledgement (`<r/>`)
  ack_timeout,  ///< XEP-0198 §4: the outstanding `<r/>` went unanswered: the link is dead
  count,
};
using Timers = TimerTable<Timer, static_cast<std::size_t>(Timer::count)>;

/// What the negotiation table on top of a StreamCore decides after each top-level event.
enum class Flow : std::uint8_t {
  proceed,      ///< keep parsing
  tls_handoff,  ///< stop right after this element: the rest of the input belongs to TLS
};

/// The negotiation table's side of the receive loop.
class StreamHandler {
 public:
  /// The peer's stream header (RFC 6120 §4.7) of the current stream.
  virtual Flow on_stream_open(xml::Element header) = 0;
  /// A top-level element other than `<stream:error/>` (which the core handles itself). The
  /// element is valid during the call only.
  virtual Flow on_element(xml::Element element) = 0;
  /// A timer the core does not handle itself (Timer::ack_request, Timer::ack_timeout) is due.
  virtual void on_timer(Timer /*timer*/, TimePoint /*now*/) {}
  /// The session is ending for `reason`; called once, just before the Closed event is queued,
  /// so that events the handler queues here come before it.
  virtual void on_session_end(CloseReason /*reason*/) {}

 protected:
  ~StreamHandler() = default;
};

class StreamCore {
 public:
  static constexpr std::size_t kEngineReserve = kEngineOutputReserve;

  StreamCore(StreamKind kind, const EngineLimits& limits);

  /// The handler told about timers and the end of the session (the engine owning this core).
  void set_handler(StreamHandler* handler) noexcept { handler_ = handler; }
  /// Makes the core ready for a new connection after Closed: parser, output (not yet consumed
  /// bytes are dropped: their transport is gone), timers and the stream flags start afresh.
  /// Events not yet polled stay queued.
  void reset_for_reconnect() noexcept;

  // -- Receiving ------------------------------------------------------------------------------

  /// Parses `bytes`, handing each header and element to `handler`, until the input ends, the
  /// handler asks for the TLS hand-off, the stream ends, or a queue is full (see ReceiveStatus).
  ReceiveResult receive(std::string_view bytes, StreamHandler& handler);
  /// The next bytes start a new stream (RFC 6120 §4.3.3): resets the parser and forgets the
  /// server's header and our open stream. Our new header is written with write_header().
  void restart_stream() noexcept;

  // -- Output ---------------------------------------------------------------------------------

  /// Writes our stream header and remembers that a stream is open in our direction (so that
  /// ending the session sends `</stream:stream>`). False when the output buffer is full or the
  /// header cannot be written.
  bool write_header(const OutgoingHeader& header);
  /// Serialises an element the engine itself produces (negotiation, errors). send() leaves
  /// kEngineReserve bytes of the output limit for these, and receive() stops while the buffer is
  /// half full, so with validated limits this fails only for an unserialisable tree.
  bool write_element(xml::Element element);
  /// Queues raw bytes produced by the engine (e.g. the keepalive space).
  bool write_raw(std::string_view bytes);
  /// Serialises and queues an application element (send()). Refusals leave everything as it
  /// was.
  SendStatus send(xml::Element element);
  /// The first half of send(): serialises `element` into serialised() with every check of
  /// send() except the room in the output. Nothing is queued.
  SendStatus prepare_send(xml::Element element);
  /// What prepare_send() serialised; valid until the next write or prepare_send().
  std::string_view serialised() const noexcept { return serialised_; }
  /// Whether `bytes` more application bytes fit the output, leaving kEngineReserve.
  bool output_has_room(std::size_t bytes) const noexcept;
  /// Drops a large serialisation buffer after prepare_send() (see kKeptSerialisationCapacity).
  void trim_serialised() noexcept;
  /// True when anything was queued since the last call (for the keepalive's idleness check).
  bool take_output_activity() noexcept;

  // -- Timers ---------------------------------------------------------------------------------

  /// Fires every timer due at `now` (handle_timeout() of both engines): a negotiation step or the
  /// closing handshake that took too long ends the session with Closed{timeout} (the detail
  /// names `phase`); the keepalive writes its space when due. A spurious call does nothing.
  void handle_timeout(TimePoint now, Duration keepalive_interval, std::string_view phase);
  /// Whether any output is queued (not yet consumed).
  bool output_pending() const noexcept { return !output_.empty(); }

  // -- Whitespace keepalive (RFC 6120 §4.6.1) -------------------------------------------------

  /// Arms Timer::keepalive one `interval` after `now`, counting from an idle output; a zero
  /// interval leaves it off. Called when the session goes online.
  void start_keepalive(TimePoint now, Duration interval);
  /// Timer::keepalive fired: queues a single space unless something was written during the whole
  /// interval, then re-arms the timer (so two outputs are at most 2 * interval apart).
  void on_keepalive_timer(TimePoint now, Duration interval);

  std::string_view output() const noexcept { return output_.front(); }
  bool consume_output(std::size_t n) noexcept { return output_.consume(n); }

  /// An arena for the trees the engine builds for its own output; reset at every input.
  xml::Arena& scratch_arena() noexcept { return scratch_arena_; }

  // -- Events ---------------------------------------------------------------------------------

  /// Call at the start of every input: gives back the event storage once the queue is empty
  /// (which ends the validity of elements in Stanza events polled before).
  void begin_input() noexcept;
  void push_event(Event event);
  /// Copies `element` into the event storage and queues a Stanza event for it.
  void push_stanza(xml::Element element);
  std::optional<Event> poll_event();
  std::size_t pending_events() const noexcept { return events_.size() - events_head_; }

  // -- Ending the session ----------------------------------------------------------------------

  /// A top-level element the negotiation table does not accept in the current phase:
  /// unsupported-stanza-type (RFC 6120 §4.9.3.24) through fail_protocol(), with a text naming
  /// the element ("<name xmlns='ns'/> ") followed by `why`.
  void reject_element(xml::Element element, std::string_view why);
  /// The peer broke the protocol: StreamErrorSent, the `<stream:error/>` and our closing tag
  /// (unless our closing tag is already out, RFC 6120 §4.4: nothing may follow it), then
  /// Closed{stream_error_sent}.
  void fail_protocol(StreamErrorCondition condition, std::string_view text);
  /// fail_protocol() with an error the engine built itself, for conditions whose application
  /// element carries attributes (XEP-0198 §6 `<handled-count-too-high/>`): `element` is the
  /// `<stream:error/>` written, `error` its description for StreamErrorSent.
  void fail_protocol(StreamError error, xml::Element element);
  /// Ends the session for `reason`: our closing tag when a stream is open in our direction and
  /// not yet closed, then Closed{reason, detail}.
  void finish(CloseReason reason, std::string_view detail);
  /// Ends the session for `reason` without writing anything more, not even our closing tag: the
  /// link is considered dead, and a closing tag reaching the server would end a session that can
  /// still be resumed (XEP-0198 §5).
  void abandon(CloseReason reason, std::string_view detail);
  /// close(): sends our closing tag and waits for the peer's (arming the close timer).
  void begin_close(TimePoint deadline);
  /// The transport ended.
  void on_eof();

  bool closed() const noexcept { return closed_; }
  /// True once our closing tag went out (close() or an error).
  bool close_sent() const noexcept { return close_sent_; }
  bool header_sent() const noexcept { return header_sent_; }

  // -- State ----------------------------------------------------------------------------------

  Timers& timers() noexcept { return timers_; }
  const Timers& timers() const noexcept { return timers_; }
  const EngineLimits& limits() const noexcept { return limits_; }
  StreamKind kind() const noexcept { return kind_; }
  /// The server's current header, as checked by the engine (empty id before it arrives).
  ServerHeader& server_header() noexcept { return server_header_; }
  const ServerHeader& server_header() const noexcept { return server_header_; }

  std::size_t heap_bytes() const noexcept;
  void release_memory() noexcept;

 private:
  void on_peer_close();
  void on_stream_error(xml::Element element);
  bool backpressure() const noexcept;
  bool append_close_tag();

  void end(CloseReason reason, std::string_view detail);

  StreamKind kind_;
  EngineLimits limits_;
  StreamHandler* handler_ = nullptr;
  xml::StreamParser parser_;
  OutputBuffer output_;
  std::string serialised_;  // reused for every element written
  xml::Arena scratch_arena_;
  xml::Arena event_arena_;
  std::vector<Event> events_;
  std::size_t events_head_ = 0;
  Timers timers_;
  ServerHeader server_header_;
  bool header_sent_ = false;
  bool close_sent_ = false;
  bool closed_ = false;
  bool protocol_failed_ = false;  // the session ended with fail_protocol()
  bool output_activity_ = false;
};

}  // namespace xmpp::stream
