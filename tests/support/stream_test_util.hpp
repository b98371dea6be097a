// Helpers shared by the XML tests: canonical dumps of trees, a driver that feeds a StreamParser
// with a given chunking and records everything it reports, and error checks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <source_location>
#include <string>
#include <string_view>
#include <vector>

#include "xmpp/stream_error.hpp"
#include "xmpp/xml/element.hpp"
#include "xmpp/xml/limits.hpp"
#include "xmpp/xml/stream_parser.hpp"
#include "xmpp/xml/writer.hpp"

namespace xmpp::test {

inline constexpr std::string_view kStreamNs = "http://etherx.jabber.org/streams";
inline constexpr std::string_view kClientNs = "jabber:client";
inline constexpr std::string_view kComponentNs = "jabber:component:accept";

/// A client-to-server stream header as servers send it.
inline constexpr std::string_view kClientHeader =
    "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
    "to='example.com' version='1.0'>";
/// A header with only the two namespace declarations (for the attribute and name limits).
inline constexpr std::string_view kMinimalHeader =
    "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";
/// XEP-0114 component stream header.
inline constexpr std::string_view kComponentHeader =
    "<stream:stream xmlns='jabber:component:accept' "
    "xmlns:stream='http://etherx.jabber.org/streams' to='component.example.com'>";
inline constexpr std::string_view kStreamClose = "</stream:stream>";

/// `s` with bytes outside printable ASCII (and backslash) shown as \xHH, for messages.
std::string printable(std::string_view s);

/// A canonical, complete description of a tree: qualified and expanded names, attributes,
/// namespace declarations and children, with strings shown by printable().
std::string dump(xml::Element e);

/// write(e, out, scope) as a string, or "<write failed: STATUS>".
std::string write_to_string(xml::Element e, const xml::WriteScope& scope = {});

std::string_view event_name(xml::ParseEvent event);

/// Everything a StreamParser reported for one input under one chunking.
struct Log {
  struct Event {
    xml::ParseEvent kind = xml::ParseEvent::need_more;
    std::uint64_t offset = 0;  // parser.offset() right after the event
    std::string detail;        // dump (and serialisation) of the header or element
  };
  std::vector<Event> events;
  bool failed = false;
  StreamErrorCondition condition = StreamErrorCondition::undefined_condition;
  std::uint64_t error_offset = 0;
  std::uint64_t consumed_total = 0;  // sum of ParseResult::consumed
  /// Broken API contracts noticed while driving the parser (need_more with bytes left, consumed
  /// larger than the input, offset() disagreeing with the bytes consumed, a non-sticky error...).
  std::vector<std::string> contract_violations;

  std::size_t count(xml::ParseEvent kind) const;
  /// A one-line-per-event description; two logs are the same iff their descriptions are.
  std::string describe() const;
};

/// How run() cuts the input: chunk sizes used in order, the last one repeated. {} means one chunk.
using Chunking = std::vector<std::size_t>;

/// Feeds `input` to a fresh StreamParser in chunks and records every event. After an event the
/// rest of the chunk is fed again; after the last chunk parse("") is called until need_more.
/// After an error, checks that the parser stays in the error state and stops.
Log run(std::string_view input, const Chunking& chunking = {}, const xml::Limits& limits = {});
inline Log run_bytewise(std::string_view input, const xml::Limits& limits = {}) {
  return run(input, Chunking{1}, limits);
}

/// Runs `input` whole, byte by byte and in a few other chunkings; checks (doctest CHECKs) that
/// every run reports the same log and no contract violations, and returns the whole-input log.
Log run_all_chunkings(std::string_view input, const xml::Limits& limits = {},
                      std::source_location where = std::source_location::current());

/// Checks that `input` ends in exactly this error at exactly this offset, whatever the chunking.
void check_error(std::string_view input, StreamErrorCondition condition, std::uint64_t offset,
                 const xml::Limits& limits = {},
                 std::source_location where = std::source_location::current());

/// Checks that `input` parses without an error (whatever the chunking) and returns the log.
Log check_ok(std::string_view input, const xml::Limits& limits = {},
             std::source_location where = std::source_location::current());

/// Offset of the first occurrence of `needle` in `haystack` at or after `from`, plus `plus`.
/// Fails the test (REQUIRE) when `needle` is absent.
std::uint64_t at(std::string_view haystack, std::string_view needle, std::size_t plus = 0,
                 std::size_t from = 0);
/// Like at(), for the last occurrence.
std::uint64_t at_last(std::string_view haystack, std::string_view needle, std::size_t plus = 0);

/// A parser fed with `kClientHeader` (REQUIREs the stream_open event).
struct OpenStream {
  explicit OpenStream(std::string_view header = kClientHeader, const xml::Limits& limits = {});
  /// Feeds `bytes` and REQUIREs that they form exactly one element event consuming all of them;
  /// returns the element.
  xml::Element element(std::string_view bytes);
  xml::StreamParser parser;
};

/// One element parsed from `text` in a stream opened with `header` (REQUIREs success).
/// `element` stays valid as long as this object.
struct Parsed {
  explicit Parsed(std::string_view text, std::string_view header = kClientHeader)
      : stream(header), element(stream.element(text)) {}
  OpenStream stream;
  xml::Element element;
};

/// Parses header + `stanza` and returns a canonical dump of the stanza (REQUIREs success).
std::string parse_stanza_dump(std::string_view stanza, std::string_view header = kClientHeader);

/// Encodes a code point as UTF-8 (no validation: surrogates are encoded too).
std::string utf8(char32_t cp);

}  // namespace xmpp::test
