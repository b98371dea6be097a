// The XEP-0198 nonzas: strict readers for what a server sends (`<enabled/>`, `<resumed/>`,
// `<failed/>`, `<a/>`, `<r/>`, the `<handled-count-too-high/>` stream error) and builders for what
// a client sends (`<enable/>`, `<resume/>`, `<r/>`, `<a/>`, that stream error).
//
// Every reader refuses hostile input with a reason: a string in static storage that names the
// rule broken, fit for a stream error's `<text/>`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "xmpp/stream_error.hpp"
#include "xmpp/stream_management.hpp"
#include "xmpp/stream_management_state.hpp"
#include "xmpp/xml/arena.hpp"
#include "xmpp/xml/element.hpp"

namespace xmpp::sm {

/// A reader's answer: the value, or why the element was refused.
template <class T>
struct Parsed {
  std::optional<T> value;
  /// Empty on success; otherwise the reason, in static storage.
  std::string_view error;

  explicit operator bool() const noexcept { return value.has_value(); }
};

/// `<resumed/>` (XEP-0198 §5).
struct Resumed {
  std::string previd;
  std::uint32_t h = 0;
};

/// `<failed/>` (XEP-0198 §5, §6).
struct Failed {
  /// The number of our stanzas the server handled, when it said (a timed-out session, §5).
  std::optional<std::uint32_t> h;
  /// The stanza error condition (RFC 6120 §8.3.3), e.g. "item-not-found"; in static storage.
  /// "undefined-condition" for a name RFC 6120 does not define; empty when there is none.
  std::string_view condition;
  /// The `<text/>` of the error, if any (diagnostic only, RFC 6120 §8.3.2).
  std::string text;
};

/// The `<handled-count-too-high/>` application condition of a stream error (XEP-0198 §6).
struct HandledCountTooHigh {
  std::uint32_t h = 0;           ///< the `h` that was received
  std::uint32_t send_count = 0;  ///< how many stanzas had been sent
};

// -- Reading ------------------------------------------------------------------------------------

/// An `h` value (an xs:unsignedInt, XEP-0198 §12): 1 to 10 ASCII digits with a value of at most
/// 4294967295. Signs, spaces, decimal points and the empty string are refused; leading zeros are
/// not (xs:unsignedInt's lexical space allows them).
std::optional<std::uint32_t> parse_h(std::string_view text) noexcept;

/// A reconnection address as XEP-0198 §3 defines `location` (RFC 6120 §4.9.3.19's form): a
/// domainpart, an IPv4 address or a bracketed IPv6 address, then optionally ':' and a port
/// 1-65535; at most kMaxLocationBytes.
bool is_valid_location(std::string_view location) noexcept;

Parsed<Enabled> parse_enabled(xml::Element element);
Parsed<Resumed> parse_resumed(xml::Element element);
Parsed<Failed> parse_failed(xml::Element element);
/// `<a h/>`: the value of `h`.
Parsed<std::uint32_t> parse_ack(xml::Element element);
/// `<r/>`: true when `element` is one.
Parsed<bool> parse_request(xml::Element element);
/// The `<handled-count-too-high/>` condition of a received `<stream:error/>`.
Parsed<HandledCountTooHigh> parse_handled_count_too_high(xml::Element stream_error);

// -- Building (trees live in `arena` until it is reset) -----------------------------------------

/// `<enable xmlns='urn:xmpp:sm:3' [resume='true'] [max='..']/>` (XEP-0198 §3, §5).
xml::Element build_enable(xml::Arena& arena, bool resume, std::optional<std::uint32_t> max);
/// `<resume xmlns='urn:xmpp:sm:3' previd='..' h='..'/>` (XEP-0198 §5).
xml::Element build_resume(xml::Arena& arena, std::string_view previd, std::uint32_t h);
/// `<r xmlns='urn:xmpp:sm:3'/>`.
xml::Element build_request(xml::Arena& arena);
/// `<a xmlns='urn:xmpp:sm:3' h='..'/>`.
xml::Element build_ack(xml::Arena& arena, std::uint32_t h);

/// The stream error XEP-0198 §6 defines for an `h` acknowledging more than was sent, as a
/// StreamError (for event::StreamErrorSent): undefined-condition, a `<text/>` with both numbers,
/// and the application condition's name and namespace. StreamError keeps no attributes of the
/// application condition, so build_stream_error() cannot write `h` and `send-count`: send the
/// element from build_handled_count_too_high() instead.
StreamError handled_count_too_high_error(HandledCountTooHigh counts);
/// `<stream:error>` with `<undefined-condition/>`, the `<text/>` and
/// `<handled-count-too-high xmlns='urn:xmpp:sm:3' h='..' send-count='..'/>`, in the order of
/// RFC 6120 §4.9.2 (condition, text, application condition).
xml::Element build_handled_count_too_high(xml::Arena& arena, HandledCountTooHigh counts);

}  // namespace xmpp::sm
