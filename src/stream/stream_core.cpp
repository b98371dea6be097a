#include "stream/stream_core.hpp"

#include <array>
#include <utility>

#include "stream/features.hpp"
#include "xmpp/sasl.hpp"
#include "xmpp/xml/builder.hpp"
#include "xmpp/xml/writer.hpp"

namespace xmpp::stream {
namespace {

constexpr std::string_view kCloseTag = "</stream:stream>";
// Beyond this, the serialisation buffer is given back after use instead of kept for the next
// element: one large stanza should not pin its size for the life of the connection.
constexpr std::size_t kKeptSerialisationCapacity = 16 * 1024;

// Namespaces in which the engine itself speaks at the top level of the stream; an application
// element in one of them would corrupt the negotiation or the stream's state.
constexpr std::array<std::string_view, 6> kReservedNamespaces = {
    kStreamNamespace, kTlsNamespace,     sasl::kNamespace,
    kBindNamespace,   kSessionNamespace, kSmNamespace,
};

xml::WriteScope stream_scope(StreamKind kind) noexcept {
  xml::WriteScope scope;
  scope.default_ns = content_namespace(kind);
  scope.bind("stream", kStreamNamespace);
  return scope;
}

bool is_reserved(xml::Element element, StreamKind kind) noexcept {
  for (const auto ns : kReservedNamespaces) {
    if (element.ns() == ns) return true;
  }
  // XEP-0114 §3: the handshake belongs to the engine.
  return element.is("handshake", content_namespace(kind));
}

}  // namespace

StreamCore::StreamCore(StreamKind kind, const EngineLimits& limits)
    : kind_(kind),
      limits_(limits),
      parser_(limits.parser),
      output_(limits.max_output_bytes, limits.output_block_bytes),
      scratch_arena_(512),
      event_arena_(1024) {}

// ---------------------------------------------------------------------------------------------
// Receiving

ReceiveResult StreamCore::receive(std::string_view bytes, StreamHandler& handler) {
  std::size_t pos = 0;
  for (;;) {
    if (closed_)
      return {pos, protocol_failed_ ? ReceiveStatus::stream_error : ReceiveStatus::closed};
    if (pos == bytes.size()) return {pos, ReceiveStatus::all_consumed};
    if (backpressure()) return {pos, ReceiveStatus::drain_needed};

    const auto [consumed, event] = parser_.parse(bytes.substr(pos));
    pos += consumed;
    Flow flow = Flow::proceed;
    switch (event) {
      case xml::ParseEvent::need_more:
        return {pos, ReceiveStatus::all_consumed};
      case xml::ParseEvent::stream_open:
        flow = handler.on_stream_open(parser_.header());
        break;
      case xml::ParseEvent::element: {
        const xml::Element element = parser_.element();
        // RFC 6120 §4.9: a stream error may come at any point and ends the stream.
        if (element.is("error", kStreamNamespace)) {
          on_stream_error(element);
        } else {
          flow = handler.on_element(element);
        }
        break;
      }
      case xml::ParseEvent::stream_close:
        on_peer_close();
        break;
      case xml::ParseEvent::error:
        fail_protocol(parser_.error().condition, parser_.error().message);
        break;
    }
    if (flow == Flow::tls_handoff && !closed_) return {pos, ReceiveStatus::tls_handoff};
  }
}

void StreamCore::reset_for_reconnect() noexcept {
  parser_.reset();
  output_.clear();
  serialised_.clear();
  scratch_arena_.reset();
  timers_.clear_all();
  server_header_ = {};
  header_sent_ = false;
  close_sent_ = false;
  closed_ = false;
  protocol_failed_ = false;
  output_activity_ = false;
}

void StreamCore::restart_stream() noexcept {
  parser_.reset();
  server_header_ = {};
  // The old stream in our direction is replaced, not closed (RFC 6120 §4.3.3): no closing tag
  // may be sent for it. The next write_header() opens the new one.
  header_sent_ = false;
}

bool StreamCore::backpressure() const noexcept {
  return pending_events() >= limits_.max_events ||
         event_arena_.bytes_used() >= limits_.max_event_bytes ||
         output_.size() >= limits_.max_output_bytes / 2;
}

// ---------------------------------------------------------------------------------------------
// Output

bool StreamCore::write_header(const OutgoingHeader& header) {
  serialised_.clear();
  if (write_stream_header(header, serialised_) != xml::WriteStatus::ok) return false;
  if (!write_raw(serialised_)) return false;
  header_sent_ = true;
  return true;
}

bool StreamCore::write_element(xml::Element element) {
  serialised_.clear();
  if (xml::write(element, serialised_, stream_scope(kind_)) != xml::WriteStatus::ok) return false;
  const bool ok = write_raw(serialised_);
  if (serialised_.capacity() > kKeptSerialisationCapacity) std::string().swap(serialised_);
  return ok;
}

bool StreamCore::write_raw(std::string_view bytes) {
  if (!output_.append(bytes)) return false;
  output_activity_ = true;
  return true;
}

SendStatus StreamCore::prepare_send(xml::Element element) {
  serialised_.clear();
  if (!element || is_reserved(element, kind_)) return SendStatus::reserved_element;
  if (xml::write(element, serialised_, stream_scope(kind_)) != xml::WriteStatus::ok) {
    return SendStatus::unserializable;
  }
  if (serialised_.size() > limits_.max_send_bytes) return SendStatus::too_large;
  return SendStatus::ok;
}

bool StreamCore::output_has_room(std::size_t bytes) const noexcept {
  return output_.size() + bytes + kEngineReserve <= limits_.max_output_bytes;
}

void StreamCore::trim_serialised() noexcept {
  if (serialised_.capacity() > kKeptSerialisationCapacity) std::string().swap(serialised_);
}

SendStatus StreamCore::send(xml::Element element) {
  SendStatus status = prepare_send(element);
  if (status == SendStatus::ok &&
      (!output_has_room(serialised_.size()) || !write_raw(serialised_))) {
    status = SendStatus::would_block;
  }
  trim_serialised();
  return status;
}

bool StreamCore::take_output_activity() noexcept {
  return std::exchange(output_activity_, false);
}

// ---------------------------------------------------------------------------------------------
// Timers

void StreamCore::handle_timeout(TimePoint now, Duration keepalive_interval,
                                std::string_view phase) {
  timers_.expire(now, [&](Timer timer) {
    if (closed_) return;  // an earlier timer of this pass ended the session
    switch (timer) {
      case Timer::negotiation: {
        std::string detail = "no answer from the peer in phase ";
        detail += phase;
        finish(CloseReason::timeout, detail);
        break;
      }
      case Timer::close:
        finish(CloseReason::timeout, "the peer did not answer our closing tag");
        break;
      case Timer::keepalive:
        on_keepalive_timer(now, keepalive_interval);
        break;
      case Timer::ack_request:
      case Timer::ack_timeout:
        if (handler_) handler_->on_timer(timer, now);
        break;
      case Timer::count:
        break;
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Whitespace keepalive

void StreamCore::start_keepalive(TimePoint now, Duration interval) {
  if (interval.count() <= 0) return;
  take_output_activity();  // the interval starts now, whatever the negotiation wrote before
  timers_.set(Timer::keepalive, now + interval);
}

void StreamCore::on_keepalive_timer(TimePoint now, Duration interval) {
  // RFC 6120 §4.6.1: whitespace keeps NATs and the peer's idle timer from ending a stream on
  // which nothing was sent for a whole interval.
  if (!take_output_activity()) write_raw(" ");
  take_output_activity();
  timers_.set(Timer::keepalive, now + interval);
}

// ---------------------------------------------------------------------------------------------
// Events

void StreamCore::begin_input() noexcept {
  scratch_arena_.reset();
  if (pending_events() == 0) event_arena_.reset();
}

void StreamCore::push_event(Event event) {
  events_.push_back(std::move(event));
}

void StreamCore::push_stanza(xml::Element element) {
  push_event(event::Stanza{xml::clone(element, event_arena_)});
}

std::optional<Event> StreamCore::poll_event() {
  if (events_head_ == events_.size()) return std::nullopt;
  std::optional<Event> event(std::move(events_[events_head_++]));
  if (events_head_ == events_.size()) {
    events_.clear();  // keeps the capacity for the next burst
    events_head_ = 0;
  }
  return event;
}

// ---------------------------------------------------------------------------------------------
// Ending the session

bool StreamCore::append_close_tag() {
  if (!header_sent_ || close_sent_) return true;
  close_sent_ = true;
  return write_raw(kCloseTag);
}

void StreamCore::reject_element(xml::Element element, std::string_view why) {
  std::string text = "<";
  text.append(element.name());
  text.append(" xmlns='");
  text.append(element.ns());
  text.append("'/> ");
  text.append(why);
  fail_protocol(StreamErrorCondition::unsupported_stanza_type, text);
}

void StreamCore::fail_protocol(StreamErrorCondition condition, std::string_view text) {
  if (closed_) return;
  // RFC 6120 §4.4: after our closing tag nothing may be sent, not even an error: what the peer
  // still sends ends the closing handshake the application asked for.
  if (close_sent_) return finish(CloseReason::local_close, text);
  StreamError error;
  error.condition = condition;
  error.text = std::string(text);
  // RFC 6120 §4.4: nothing may follow our closing tag, not even an error.
  if (header_sent_ && !close_sent_) write_element(build_stream_error(error, scratch_arena_));
  push_event(event::StreamErrorSent{std::move(error)});
  protocol_failed_ = true;
  finish(CloseReason::stream_error_sent, text);
}

void StreamCore::fail_protocol(StreamError error, xml::Element element) {
  if (closed_) return;
  if (close_sent_) return finish(CloseReason::local_close, error.text.value_or(""));
  if (header_sent_ && !close_sent_) write_element(element);
  std::string text = error.text.value_or(std::string(to_string(error.condition)));
  push_event(event::StreamErrorSent{std::move(error)});
  protocol_failed_ = true;
  finish(CloseReason::stream_error_sent, text);
}

void StreamCore::finish(CloseReason reason, std::string_view detail) {
  if (closed_) return;
  append_close_tag();
  end(reason, detail);
}

void StreamCore::abandon(CloseReason reason, std::string_view detail) {
  if (closed_) return;
  close_sent_ = true;  // nothing more may be written on this transport
  end(reason, detail);
}

void StreamCore::end(CloseReason reason, std::string_view detail) {
  closed_ = true;
  timers_.clear_all();
  if (handler_) handler_->on_session_end(reason);
  push_event(event::Closed{reason, std::string(detail)});
}

void StreamCore::begin_close(TimePoint deadline) {
  append_close_tag();
  timers_.clear_all();
  timers_.set(Timer::close, deadline);
}

void StreamCore::on_eof() {
  if (closed_) return;
  const bool we_closed = close_sent_;
  close_sent_ = true;  // the transport is gone: nothing more can be written
  if (we_closed) {
    finish(CloseReason::local_close, "the peer closed the transport after our closing tag");
  } else {
    finish(CloseReason::connection_lost, "the transport ended without a closing tag");
  }
}

void StreamCore::on_peer_close() {
  if (close_sent_) {
    finish(CloseReason::local_close, "the peer answered our closing tag");
  } else {
    // RFC 6120 §4.4: answer the peer's closing tag with ours.
    finish(CloseReason::peer_closed, "the peer closed the stream");
  }
}

void StreamCore::on_stream_error(xml::Element element) {
  auto error = parse_stream_error(element);
  if (!error) return;  // cannot happen: the caller checked the name
  std::string detail(to_string(error->condition));
  push_event(event::StreamErrorReceived{std::move(*error)});
  // RFC 6120 §4.9.1.1: the stream is over; answer with our closing tag.
  finish(CloseReason::stream_error_received, detail);
}

// ---------------------------------------------------------------------------------------------
// Memory

std::size_t StreamCore::heap_bytes() const noexcept {
  std::size_t bytes = parser_.heap_bytes() + output_.heap_bytes() +
                      scratch_arena_.bytes_reserved() + event_arena_.bytes_reserved() +
                      events_.capacity() * sizeof(Event);
  // std::string keeps short strings inline; count only heap buffers.
  const auto string_heap = [](const std::string& s) {
    return s.capacity() > std::string().capacity() ? s.capacity() + 1 : 0;
  };
  bytes += string_heap(serialised_) + string_heap(server_header_.id) +
           string_heap(server_header_.from) + string_heap(server_header_.lang);
  return bytes;
}

void StreamCore::release_memory() noexcept {
  parser_.release_memory();
  output_.release_memory();
  std::string().swap(serialised_);
  scratch_arena_.release();
  if (pending_events() == 0) {
    event_arena_.release();
    std::vector<Event>().swap(events_);
    events_head_ = 0;
  }
}

}  // namespace xmpp::stream
