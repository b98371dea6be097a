// Checking the XML of {"raw":"..."} input lines before it is handed to the engine.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "mode.hpp"
#include "owned_element.hpp"
#include "xmpp/xml/limits.hpp"

namespace xmpp::chat {

/// Why a raw stanza was refused.
struct RawStanzaError {
  /// condition::bad_xml, not_a_stanza, bad_stanza or bad_jid (conditions.hpp).
  std::string_view condition;
  /// Specific and human-readable; offsets count bytes of `xml` as given (after JSON unescaping).
  std::string text;
};

/// Parses `xml` as one stanza to send on a stream of `mode`.
///
/// The text is read by the library's own stream parser, after a synthetic stream header that
/// makes the stream's namespace the default one and binds the `stream` prefix, exactly as a
/// peer's stanza would be; so the rules are those of RFC 6120 §11 and of xml::Limits (no
/// comments, processing instructions, DTDs or XML declaration; well-formed and
/// namespace-well-formed; UTF-8).
///
/// Accepted: exactly one element, optionally surrounded by XML whitespace, that is
/// - `message`, `presence` or `iq` in stanza_namespace(mode) (else not_a_stanza): a stanza in
///   another namespace would be written with its own xmlns and is not a stanza of this stream;
/// - consistent with RFC 6120 §8 and RFC 6121 (else bad_stanza): `type`, when present, one of
///   those the RFCs define for its kind (RFC 6121 §4.7.1, §5.2.2; RFC 6120 §8.2.3); an iq has an
///   id and a type, get/set carry exactly one child element and result at most one (RFC 6120
///   §8.2.3); type='error' carries an `<error/>` child (RFC 6120 §8.3.1). A server answers each
///   of these with an error, so refusing them early points at the mistake;
/// - addressed with JIDs (else bad_jid): `to` and `from`, when present, valid per RFC 7622; in
///   component mode with a non-empty `component_domain`, `from` (when present) in that domain,
///   since servers end the component's stream for any other (RFC 6120 §4.9.3.9 invalid-from).
///
/// Refused as bad_xml: no element, an element left open, more than one element, character data
/// or a closing stream tag around it, and every parser error.
std::variant<OwnedElement, RawStanzaError> parse_raw_stanza(std::string_view xml, Mode mode,
                                                            std::string_view component_domain = {},
                                                            const xml::Limits& limits = {});

}  // namespace xmpp::chat
