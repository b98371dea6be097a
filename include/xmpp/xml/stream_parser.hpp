// The restricted XML stream parser (RFC 6120 §11): bytes in, stream events out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "xmpp/stream_error.hpp"
#include "xmpp/xml/element.hpp"
#include "xmpp/xml/limits.hpp"

namespace xmpp::xml {

/// What one call of StreamParser::parse() ended with.
enum class ParseEvent : std::uint8_t {
  /// Every byte given was consumed and no event is complete; call again with more bytes.
  need_more,
  /// The stream header's start tag is complete: read it with StreamParser::header().
  stream_open,
  /// A top-level element (stanza or nonza) is complete: read it with StreamParser::element().
  element,
  /// The peer closed the stream (`</stream:stream>`). Only whitespace may follow.
  stream_close,
  /// The input broke a rule: read StreamParser::error(). The parser stays in this state (every
  /// later parse() returns error and consumes nothing) until reset().
  error,
};

/// A violation of the XML rules of RFC 6120 §11 (or of the Limits) by the peer.
struct ParseError {
  /// The stream error to send (RFC 6120 §4.9.3): not_well_formed, restricted_xml,
  /// unsupported_encoding, invalid_namespace, bad_namespace_prefix or policy_violation.
  StreamErrorCondition condition = StreamErrorCondition::undefined_condition;
  /// Offset of the offending byte from the start of the stream (counting from the last reset()).
  /// Unlike ParseResult::consumed on the failing call (and offset() after it), this does not
  /// depend on how the input was split.
  std::uint64_t offset = 0;
  /// A specific human-readable reason, e.g. "comment (RFC 6120 §11.1)"; static storage.
  std::string_view message;
};

struct ParseResult {
  /// Bytes consumed from the input given; the rest belongs to a later call (or, after
  /// stream_open of a stream about to be restarted or an element like `<proceed/>`, to whatever
  /// comes next: TLS or a new stream).
  std::size_t consumed = 0;
  ParseEvent event = ParseEvent::need_more;
};

/// A push parser for one XMPP stream (one direction), written for RFC 6120 §11 rather than for
/// XML documents in general.
///
/// Feed it bytes as they arrive, in chunks of any size; the events and errors are the same
/// whatever the chunking, and no byte is ever examined twice. Each call returns at the first
/// event, reporting how many bytes it consumed, so the caller can stop at the exact byte where a
/// top-level element ends (STARTTLS `<proceed/>`, SASL `<success/>`) and hand the rest elsewhere:
///
///     while (!input.empty()) {
///       auto [consumed, event] = parser.parse(input);
///       input.remove_prefix(consumed);
///       switch (event) {
///         case ParseEvent::need_more:    break;  // all consumed; wait for more bytes
///         case ParseEvent::stream_open:  on_header(parser.header()); break;
///         case ParseEvent::element:      on_element(parser.element()); break;
///         case ParseEvent::stream_close: on_close(); break;
///         case ParseEvent::error:        on_error(parser.error()); return;
///       }
///     }
///
/// Memory: a parser holds two arenas, one for the stream header (kept until reset()) and one for
/// the current top-level element (reused for the next; its largest block is kept so a steady
/// stream of stanzas allocates nothing). release_memory() gives the element arena back when idle.
/// All of it is bounded by Limits.
///
/// Not thread-safe; one parser per stream direction.
class StreamParser {
 public:
  explicit StreamParser(const Limits& limits = {});
  ~StreamParser();
  StreamParser(StreamParser&&) noexcept;
  StreamParser& operator=(StreamParser&&) noexcept;

  /// Consumes bytes up to and including the next event, or all of `input`.
  /// Invalidates the Element returned by element() before this call.
  ParseResult parse(std::string_view input);

  /// Starts a new stream (RFC 6120 §4.3.3: after TLS negotiation and after SASL success): the
  /// next bytes must be a new stream header, optionally preceded by an XML declaration. Clears
  /// an error. Invalidates header() and element().
  void reset();

  /// The stream header, valid after stream_open until reset(). Its namespace declarations are
  /// the ones the stream's elements inherit.
  Element header() const noexcept;
  /// The element just completed; valid after an `element` event until the next parse(), reset()
  /// or destruction. Copy it (xml::clone) to keep it longer.
  Element element() const noexcept;
  /// The error; meaningful after an `error` event.
  const ParseError& error() const noexcept;

  /// True between stream_open and stream_close.
  bool stream_open() const noexcept;
  /// True once stream_close was reported.
  bool stream_closed() const noexcept;
  /// Bytes consumed since construction or the last reset().
  std::uint64_t offset() const noexcept;
  const Limits& limits() const noexcept;

  /// Frees the element arena's memory (it is allocated again for the next element). Useful when
  /// a connection goes idle. Invalidates element(). Does nothing while an element is only partly
  /// received (its tree lives in that memory).
  void release_memory() noexcept;
  /// Heap bytes this parser holds (its state and arena blocks), for memory accounting.
  std::size_t heap_bytes() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace xmpp::xml
