// Stream error conditions of RFC 6120 §4.9.3.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xmpp {

/// Every defined stream error condition (RFC 6120 §4.9.3). The enumerator order is stable API.
enum class StreamErrorCondition : std::uint8_t {
  bad_format,
  bad_namespace_prefix,
  conflict,
  connection_timeout,
  host_gone,
  host_unknown,
  improper_addressing,
  internal_server_error,
  invalid_from,
  invalid_namespace,
  invalid_xml,
  not_authorized,
  not_well_formed,
  policy_violation,
  remote_connection_failed,
  reset,
  resource_constraint,
  restricted_xml,
  see_other_host,
  system_shutdown,
  undefined_condition,
  unsupported_encoding,
  unsupported_feature,
  unsupported_stanza_type,
  unsupported_version,
};

/// The element name of the condition as it appears on the wire, e.g. "not-well-formed".
/// The returned view points to static storage.
std::string_view to_string(StreamErrorCondition condition) noexcept;

/// Parses a condition element name; unknown names give std::nullopt (callers map those to
/// undefined_condition, RFC 6120 §4.9.3.21).
std::optional<StreamErrorCondition> stream_error_condition_from_string(
    std::string_view name) noexcept;

/// The namespace of `<stream:stream>`, `<stream:features>` and `<stream:error>` (RFC 6120 §4.8.1).
inline constexpr std::string_view kStreamNamespace = "http://etherx.jabber.org/streams";
/// The namespace of stream error conditions and their `<text>` (RFC 6120 §4.9.2).
inline constexpr std::string_view kStreamErrorNamespace = "urn:ietf:params:xml:ns:xmpp-streams";

/// A stream error, received or to be sent (RFC 6120 §4.9.2). It owns its strings, so it outlives
/// the element it was parsed from.
struct StreamError {
  StreamErrorCondition condition = StreamErrorCondition::undefined_condition;
  /// The `<text>` child's character data, when there is one. RFC 6120 §4.9.2: diagnostic only;
  /// it SHOULD NOT be interpreted programmatically nor shown to a user as the error message.
  std::optional<std::string> text;
  /// The `xml:lang` of `<text>`; empty when it has none (the stream's language applies).
  std::string text_lang;
  /// For see_other_host only (RFC 6120 §4.9.3.19): where to reconnect, exactly as sent but for
  /// surrounding whitespace: a domain name, an IPv4 address or a bracketed IPv6 address, then
  /// optionally ':' and a port, e.g. "example.net", "[2001:db8::1]:5222". Empty for every other
  /// condition.
  std::string see_other_host;
  /// The application-specific condition element (RFC 6120 §4.9.4), if any: its local name and
  /// namespace (never kStreamErrorNamespace). Its attributes and content are not kept.
  std::string app_condition_name;
  std::string app_condition_ns;
};

}  // namespace xmpp

namespace xmpp::xml {
class Arena;
class Element;
}  // namespace xmpp::xml

namespace xmpp {

/// Reads a received `<stream:error>` (RFC 6120 §4.9.2). Returns nullopt when `e` is not
/// `{http://etherx.jabber.org/streams}error`.
///
/// - condition: the first child element in kStreamErrorNamespace other than `<text>`. An unknown
///   condition name, or no condition at all, gives undefined_condition (RFC 6120 §4.9.3.21).
///   Condition elements in another namespace (including the stream's content namespace, as a
///   server forgetting the xmlns would send) are not conditions.
/// - see_other_host: the trimmed character data of `<see-other-host/>`. When it is not a usable
///   host (empty; or the host is not a valid JID domainpart, or the port not 1-65535), the
///   condition becomes undefined_condition: there is nowhere to go. So condition ==
///   see_other_host always comes with a non-empty see_other_host.
/// - text, text_lang: from the first `<text>` in kStreamErrorNamespace.
/// - app_condition_*: the first child element in any other namespace.
/// Later duplicates of any of these are ignored.
std::optional<StreamError> parse_stream_error(xml::Element e);

/// Builds `<stream:error>` for `error` in `arena`: the element in kStreamNamespace with the
/// prefix "stream", then the condition (with see_other_host as its text for see_other_host),
/// `<text>` (with xml:lang when text_lang is set) and the application condition (when
/// app_condition_name is set), in the order RFC 6120 §4.9.2 gives. Strings are copied into the
/// arena; the tree lives until the arena is reset. Nothing is validated here: xml::write refuses
/// what XML cannot carry. Written with xml::WriteScope::of_stream_header() of a client stream,
/// `{not_well_formed}` gives
/// `<stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>`.
xml::Element build_stream_error(const StreamError& error, xml::Arena& arena);

}  // namespace xmpp
