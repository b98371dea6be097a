// The stream header a client or component sends (RFC 6120 §4.7, XEP-0114), and the checks of the
// header the server answers with (RFC 6120 §4.7-§4.8).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "xmpp/stanza/namespaces.hpp"
#include "xmpp/stream_error.hpp"
#include "xmpp/xml/element.hpp"
#include "xmpp/xml/writer.hpp"

namespace xmpp::stream {

/// Content namespaces (RFC 6120 §4.8.2, XEP-0114 §3): the public constants, under the names the
/// engine's stream code uses.
inline constexpr std::string_view kClientNamespace = stanza::ns::kClient;
inline constexpr std::string_view kComponentNamespace = stanza::ns::kComponent;

enum class StreamKind : std::uint8_t {
  client,     ///< jabber:client, version='1.0' (RFC 6120)
  component,  ///< jabber:component:accept (XEP-0114), no version attribute
};

/// The content namespace of a stream of this kind.
constexpr std::string_view content_namespace(StreamKind kind) noexcept {
  return kind == StreamKind::client ? kClientNamespace : kComponentNamespace;
}

/// What goes into the initial stream header. The initiating entity never sends an `id`
/// (RFC 6120 §4.7.3).
struct OutgoingHeader {
  StreamKind kind = StreamKind::client;
  /// The domain served by the receiving entity (client) or the component's name (XEP-0114).
  std::string_view to;
  /// Our bare JID; empty means no `from` attribute. RFC 6120 §4.7.1: a client SHOULD include it
  /// once the stream is protected by TLS (the engine decides; this writer only obeys).
  std::string_view from;
  /// Default language of the stream (RFC 6120 §4.7.4); empty means no xml:lang.
  std::string_view lang = "en";
};

/// Appends the XML declaration and the opening tag of the stream to `out`:
///
///     <?xml version='1.0'?><stream:stream from='…' to='…' version='1.0' xml:lang='…'
///     xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>
///
/// (one line; the attribute order is the one of RFC 6120 §9.1.1). A component header has no
/// `version` (XEP-0114 §3 predates it; servers answer such streams without features). Values are
/// escaped with xml::write_escaped_attribute(); when one cannot be carried by XML
/// (invalid_utf8, illegal_character) that status is returned and `out` is left unchanged.
xml::WriteStatus write_stream_header(const OutgoingHeader& header, std::string& out);

/// What the received header must satisfy.
struct HeaderExpectations {
  StreamKind kind = StreamKind::client;
  /// The `to` we sent. When non-empty and the server sends `from`, the two must name the same
  /// domain (compared as JIDs: ASCII case-insensitive, trailing dot ignored). Empty: unchecked.
  std::string_view domain;
  /// Require version 1.x (RFC 6120 features). True for clients; components (XEP-0114) do not.
  bool require_version = true;
};

/// The stream version (RFC 6120 §4.7.5): major and minor as separate integers.
struct StreamVersion {
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
  friend bool operator==(const StreamVersion&, const StreamVersion&) = default;
};

/// Parses "major.minor" as RFC 6120 §4.7.5 defines it: two non-empty runs of ASCII digits,
/// leading zeros ignored ("01.0" is 1.0). Values beyond 2^32-1 saturate (they are "too high"
/// anyway). nullopt for anything else ("1", "1.0.0", "1.x", " 1.0", "").
std::optional<StreamVersion> parse_stream_version(std::string_view text) noexcept;

/// What the engine keeps of the server's header. Owns its strings: the parser's header tree
/// goes away at the next stream restart.
struct ServerHeader {
  std::string id;    ///< the stream id (RFC 6120 §4.7.3); never empty after a successful check
  std::string from;  ///< empty when absent
  std::string lang;  ///< xml:lang, empty when absent
  /// nullopt when the header has no version attribute (only accepted when !require_version).
  std::optional<StreamVersion> version;
};

/// Why a received header was refused: the stream error to send, and a specific reason (static
/// storage) for logs and events.
struct HeaderError {
  StreamErrorCondition condition = StreamErrorCondition::undefined_condition;
  std::string_view message;
};

/// The result of check_server_header(): `header` is meaningful only when `error` is empty.
struct HeaderCheck {
  ServerHeader header;
  std::optional<HeaderError> error;
  bool ok() const noexcept { return !error.has_value(); }
};

/// Validates the header StreamParser::header() returned (the parser already guarantees that it
/// is {http://etherx.jabber.org/streams}stream) and extracts id, from, version and xml:lang.
/// Checks, in this order:
///  1. default namespace == content_namespace(kind), else invalid-namespace (RFC 6120 §4.8.2,
///     §4.9.3.10);
///  2. version: malformed, missing (when required) or major < 1 (when required), or major > 1 →
///     unsupported-version (RFC 6120 §4.7.5, §4.9.3.25); any 1.x is accepted;
///  3. id present and non-empty, else bad-format (RFC 6120 §4.7.3 "MUST"; see the .cpp for why
///     not invalid-xml);
///  4. `from`, when present and expectations.domain is set, names that domain, else invalid-from
///     (RFC 6120 §4.9.3.9; host-unknown is the receiving entity's complaint about our `to`).
HeaderCheck check_server_header(xml::Element header, const HeaderExpectations& expectations);

}  // namespace xmpp::stream
