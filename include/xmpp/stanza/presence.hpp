// Typed view and builder for `<presence/>` (RFC 6121 §4.7): availability, subscriptions, show,
// status and priority.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "xmpp/stanza/namespaces.hpp"
#include "xmpp/stanza/stanza_view.hpp"
#include "xmpp/xml/arena.hpp"
#include "xmpp/xml/element.hpp"

namespace xmpp::stanza {

/// RFC 6121 §4.7.1. `available` is the absence of a `type` attribute: it has no wire value.
enum class PresenceType : std::uint8_t {
  available,
  unavailable,
  subscribe,
  subscribed,
  unsubscribe,
  unsubscribed,
  probe,
  error,
};

/// "available" (for logs: on the wire it is the absent attribute), "unavailable", ...
std::string_view to_string(PresenceType type) noexcept;
/// The value of a `type` attribute: one of the seven §4.7.1 defines; nothing for anything else,
/// "available" included (it is not a value of the attribute).
std::optional<PresenceType> presence_type_from_string(std::string_view name) noexcept;
/// subscribe, subscribed, unsubscribe or unsubscribed (RFC 6121 §3).
bool is_subscription(PresenceType type) noexcept;

/// RFC 6121 §4.7.2.1.
enum class Show : std::uint8_t { away, chat, dnd, xa };

/// "away", "chat", "dnd", "xa".
std::string_view to_string(Show show) noexcept;
std::optional<Show> show_from_string(std::string_view name) noexcept;

/// A zero-copy view of a `<presence/>` stanza; the views it returns live as long as the tree.
class Presence : public StanzaView {
 public:
  /// Nothing unless `element` is `<presence/>` in jabber:client or jabber:component:accept.
  static std::optional<Presence> view(xml::Element element) noexcept;

  /// available when the attribute is absent; nothing when it holds a value §4.7.1 does not
  /// define (type_attribute() gives it).
  std::optional<PresenceType> type() const noexcept;
  /// RFC 6121 §4.7.2.1: nothing when `<show/>` is absent (plain available) or not one of the
  /// four values.
  std::optional<Show> show() const noexcept;
  /// RFC 6121 §4.7.2.2: the `<status/>` text, chosen by language like Message::body().
  std::optional<std::string_view> status(std::string_view lang = {}) const noexcept;
  /// RFC 6121 §4.7.2.3: the `<priority/>`, an xs:byte: an optional sign, decimal digits (leading
  /// zeros allowed, so "+5" and "007" are 5 and 7), surrounding XML whitespace ignored (the
  /// type's whiteSpace facet is collapse). 0 when absent, and 0 when the text is not an xs:byte
  /// (outside -128..127, empty, "abc", "1.5"): priority_valid() tells that case apart.
  std::int8_t priority() const noexcept;
  /// False only when `<priority/>` is present and not an xs:byte.
  bool priority_valid() const noexcept;

 private:
  explicit Presence(xml::Element element) noexcept : StanzaView(element) {}
};

/// Builds a `<presence/>` in an arena (see StanzaBuilder for to(), from(), id(), lang(),
/// payload(), raw() and element()). Children appear in the order of the calls.
class PresenceBuilder : public StanzaBuilder<PresenceBuilder> {
 public:
  explicit PresenceBuilder(xml::Arena& arena, std::string_view ns = ns::kClient);

  /// Writes the `type` attribute; available writes nothing — and, as the builder cannot remove
  /// an attribute, does not undo a type written before.
  PresenceBuilder& type(PresenceType type);
  /// `<show>away|chat|dnd|xa</show>`.
  PresenceBuilder& show(Show show);
  /// `<status [xml:lang]>text</status>`; call once a language.
  PresenceBuilder& status(std::string_view text, std::string_view lang = {});
  /// `<priority>n</priority>`.
  PresenceBuilder& priority(std::int8_t priority);
};

}  // namespace xmpp::stanza
