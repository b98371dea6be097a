#include "raw_stanza.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>

#include "address.hpp"
#include "conditions.hpp"
#include "xmpp/xml/stream_parser.hpp"

namespace xmpp::chat {
namespace {

constexpr std::string_view kStreamsNamespace = "http://etherx.jabber.org/streams";

bool is_xml_whitespace(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';  // XML 1.0 §2.3 [3] S
}

// Offset of the first non-whitespace byte at or after `from`, or npos.
std::size_t first_non_whitespace(std::string_view s, std::size_t from) noexcept {
  for (std::size_t i = from; i < s.size(); ++i) {
    if (!is_xml_whitespace(s[i])) return i;
  }
  return std::string_view::npos;
}

std::string at_byte(std::string_view message, std::uint64_t offset) {
  return std::string(message) + " at byte " + std::to_string(offset);
}

RawStanzaError bad_xml(std::string text) {
  return {condition::bad_xml, std::move(text)};
}

// The values RFC 6121 §4.7.1 (presence), RFC 6121 §5.2.2 (message) and RFC 6120 §8.2.3 (iq)
// define for `type`.
bool known_type(std::string_view kind, std::string_view type) {
  static constexpr std::array<std::string_view, 7> kPresence = {
      "error", "probe", "subscribe", "subscribed", "unavailable", "unsubscribe", "unsubscribed"};
  static constexpr std::array<std::string_view, 5> kMessage = {"chat", "error", "groupchat",
                                                               "headline", "normal"};
  static constexpr std::array<std::string_view, 4> kIq = {"get", "set", "result", "error"};
  const auto in = [&](const auto& values) {
    return std::find(values.begin(), values.end(), type) != values.end();
  };
  if (kind == "presence") return in(kPresence);
  if (kind == "message") return in(kMessage);
  return in(kIq);
}

// Empty when `stanza` (a message, presence or iq) follows the rules parse_raw_stanza lists.
std::optional<RawStanzaError> check_stanza(xml::Element stanza, std::string_view component_domain) {
  const std::string_view kind = stanza.name();
  const std::optional<std::string_view> type = stanza.attribute("type");
  const auto bad = [](std::string text) {
    return RawStanzaError{condition::bad_stanza, std::move(text)};
  };
  if (type && !known_type(kind, *type)) {
    return bad("type '" + std::string(*type) + "' is not " + (kind == "iq" ? "an " : "a ") +
               std::string(kind) + " type (RFC 6120 §8.2.3, RFC 6121 §4.7.1, §5.2.2)");
  }
  if (kind == "iq") {
    if (!stanza.attribute("id")) return bad("an iq must have an id (RFC 6120 §8.2.3)");
    if (!type) return bad("an iq must have a type (RFC 6120 §8.2.3)");
    const std::size_t children = stanza.child_element_count();
    if ((*type == "get" || *type == "set") && children != 1) {
      return bad("an iq of type " + std::string(*type) +
                 " must have exactly one child element (RFC 6120 §8.2.3)");
    }
    if (*type == "result" && children > 1) {
      return bad("an iq of type result may have at most one child element (RFC 6120 §8.2.3)");
    }
  }
  if (type == "error" && !stanza.child("error")) {
    return bad("a stanza of type error must have an <error/> child (RFC 6120 §8.3.1)");
  }
  if (const auto to = stanza.attribute("to")) {
    if (std::string p = address_problem("'to'", *to); !p.empty()) {
      return RawStanzaError{condition::bad_jid, std::move(p)};
    }
  }
  if (const auto from = stanza.attribute("from")) {
    if (std::string p = address_problem("'from'", *from, component_domain); !p.empty()) {
      return RawStanzaError{condition::bad_jid, std::move(p)};
    }
  }
  return std::nullopt;
}

}  // namespace

std::variant<OwnedElement, RawStanzaError> parse_raw_stanza(std::string_view xml, Mode mode,
                                                            std::string_view component_domain,
                                                            const xml::Limits& limits) {
  const std::string_view ns = stanza_namespace(mode);
  const std::string header = "<stream:stream xmlns='" + std::string(ns) + "' xmlns:stream='" +
                             std::string(kStreamsNamespace) + "'>";
  xml::StreamParser parser(limits);
  const xml::ParseResult opened = parser.parse(header);
  if (opened.event != xml::ParseEvent::stream_open || opened.consumed != header.size()) {
    return bad_xml("internal error: the synthetic stream header was refused");
  }

  OwnedElement element;
  std::size_t pos = 0;          // bytes of `xml` consumed
  std::size_t element_end = 0;  // just after the element, once there is one
  while (pos < xml.size()) {
    const std::size_t start = pos;
    const xml::ParseResult r = parser.parse(xml.substr(pos));
    pos += r.consumed;
    switch (r.event) {
      case xml::ParseEvent::need_more:
        break;
      case xml::ParseEvent::element:
        if (element.get()) {
          return bad_xml(at_byte("more than one element (only whitespace may follow the first)",
                                 first_non_whitespace(xml, element_end)));
        }
        element = OwnedElement(parser.element());
        element_end = pos;
        break;
      case xml::ParseEvent::stream_close:
        return bad_xml(
            at_byte("a closing stream tag is not a stanza", first_non_whitespace(xml, start)));
      case xml::ParseEvent::error:
        return bad_xml(at_byte(parser.error().message, parser.error().offset - header.size()));
      case xml::ParseEvent::stream_open:
        return bad_xml("internal error: a second stream header");
    }
  }
  // The parser reports character data at stream level at once, so anything but whitespace left
  // over after the last element is the start of an element that never ends.
  const std::size_t rest = first_non_whitespace(xml, element_end);
  if (rest != std::string_view::npos) {
    return bad_xml(at_byte(element.get() ? "more than one element (the second is left open)"
                                         : "the XML ends inside an element",
                           rest));
  }
  if (!element.get()) return bad_xml("no element (the XML is empty or only whitespace)");

  const xml::Element e = element.get();
  if (e.ns() != ns || (e.name() != "message" && e.name() != "presence" && e.name() != "iq")) {
    return RawStanzaError{condition::not_a_stanza,
                          "<" + std::string(e.name()) + "> in namespace '" + std::string(e.ns()) +
                              "' is not a stanza (message, presence or iq in " + std::string(ns) +
                              ")"};
  }
  if (auto problem = check_stanza(e, mode == Mode::component ? component_domain : "")) {
    return std::move(*problem);
  }
  return element;
}

}  // namespace xmpp::chat
