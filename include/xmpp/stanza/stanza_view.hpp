// What the typed views of `<message/>` and `<presence/>` share (addresses, id, language, error,
// any payload), and the builder base that writes those parts.
#pragma once

#include <optional>
#include <string_view>

#include "xmpp/stanza/stanza_error.hpp"
#include "xmpp/xml/arena.hpp"
#include "xmpp/xml/builder.hpp"
#include "xmpp/xml/element.hpp"

namespace xmpp::stanza {

/// A zero-copy view of a stanza. Every view it returns points into the stanza's tree and lives
/// as long as that tree (for a parsed stanza: until the parser's next parse()).
class StanzaView {
 public:
  /// "" when absent.
  std::string_view id() const noexcept;
  std::string_view to() const noexcept;
  std::string_view from() const noexcept;
  bool has_id() const noexcept;
  bool has_to() const noexcept;
  bool has_from() const noexcept;
  /// The `type` attribute as written; nothing when absent.
  std::optional<std::string_view> type_attribute() const noexcept;
  /// The stanza's xml:lang (RFC 6120 §8.1.5); "" when absent.
  std::string_view lang() const noexcept;
  /// The stanza error (RFC 6120 §8.3) of a type='error' stanza; problem not_an_error otherwise.
  ErrorParseResult error() const noexcept;
  /// The escape hatch: the first child `{ns}name` (any extension), or an empty Element.
  xml::Element payload(std::string_view name, std::string_view ns) const noexcept;
  xml::Element element() const noexcept { return element_; }

 protected:
  explicit StanzaView(xml::Element element) noexcept : element_(element) {}

  /// The text of the child `name` in the stanza's namespace chosen by language (RFC 6121
  /// §5.2.3, §4.7.2.2): with `lang` empty, the child without xml:lang, else the first; with a
  /// `lang`, the first child whose language is `lang` (compared case-insensitively, BCP 47), a
  /// child without xml:lang having the stanza's xml:lang. Nothing when there is no such child;
  /// an empty child gives "".
  std::optional<std::string_view> localized_text(std::string_view name,
                                                 std::string_view lang) const noexcept;
  /// The text of the first child `name` in the stanza's namespace; nothing when absent.
  std::optional<std::string_view> child_text(std::string_view name) const noexcept;

  xml::Element element_;
};

/// The part of MessageBuilder and PresenceBuilder that any stanza has. Every method writes on
/// the stanza's root element, wherever raw() left the builder's cursor. Strings are copied into
/// the arena at once. Setting an attribute twice keeps the last value.
template <class Derived>
class StanzaBuilder {
 public:
  Derived& to(std::string_view jid) { return root_attribute("to", jid); }
  Derived& from(std::string_view jid) { return root_attribute("from", jid); }
  Derived& id(std::string_view id) { return root_attribute("id", id); }
  /// The stanza's xml:lang (RFC 6120 §8.1.5).
  Derived& lang(std::string_view lang) {
    at_root().attribute("lang", xml::kXmlNamespace, lang, "xml");
    return self();
  }
  /// The escape hatch: appends a deep copy of `element` (any extension) as a child of the
  /// stanza. An empty element adds nothing.
  Derived& payload(xml::Element element) {
    if (element) at_root().copy(element);
    return self();
  }
  /// The underlying builder, for anything else; its cursor is on the root when a method of this
  /// class returned.
  xml::Builder& raw() noexcept { return builder_; }
  /// The stanza built so far; it lives as long as the arena.
  xml::Element element() const noexcept { return builder_.root(); }

 protected:
  StanzaBuilder(xml::Arena& arena, std::string_view name, std::string_view ns)
      : builder_(arena, name, ns) {}

  Derived& self() noexcept { return static_cast<Derived&>(*this); }

  xml::Builder& at_root() {
    while (builder_.current().node() != builder_.root().node())
      builder_.end();
    return builder_;
  }

  Derived& root_attribute(std::string_view name, std::string_view value) {
    at_root().attribute(name, value);
    return self();
  }

  /// Appends `<name [xml:lang='lang']>text</name>` in the stanza's namespace.
  Derived& text_child(std::string_view name, std::string_view text, std::string_view lang = {}) {
    at_root().start(name);
    if (!lang.empty()) builder_.attribute("lang", xml::kXmlNamespace, lang, "xml");
    if (!text.empty()) builder_.text(text);
    builder_.end();
    return self();
  }

  xml::Builder builder_;
};

}  // namespace xmpp::stanza
