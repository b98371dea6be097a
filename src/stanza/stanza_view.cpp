// What the message and presence views share.
#include "xmpp/stanza/stanza_view.hpp"

#include <cstddef>

namespace xmpp::stanza {

namespace {

char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// BCP 47 language tags compare case-insensitively (RFC 5646 §2.1.1).
bool same_language(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

}  // namespace

std::string_view StanzaView::id() const noexcept {
  return element_.attribute_or_empty("id");
}
std::string_view StanzaView::to() const noexcept {
  return element_.attribute_or_empty("to");
}
std::string_view StanzaView::from() const noexcept {
  return element_.attribute_or_empty("from");
}
bool StanzaView::has_id() const noexcept {
  return element_.attribute("id").has_value();
}
bool StanzaView::has_to() const noexcept {
  return element_.attribute("to").has_value();
}
bool StanzaView::has_from() const noexcept {
  return element_.attribute("from").has_value();
}

std::optional<std::string_view> StanzaView::type_attribute() const noexcept {
  return element_.attribute("type");
}

std::string_view StanzaView::lang() const noexcept {
  return element_.attribute_or_empty("lang", xml::kXmlNamespace);
}

ErrorParseResult StanzaView::error() const noexcept {
  return parse_error(element_);
}

xml::Element StanzaView::payload(std::string_view name, std::string_view ns) const noexcept {
  return element_.child(name, ns);
}

std::optional<std::string_view> StanzaView::localized_text(std::string_view name,
                                                           std::string_view lang) const noexcept {
  xml::Element first;
  for (xml::Element child = element_.first_child_element(); child;
       child = child.next_sibling_element()) {
    if (!child.is(name, element_.ns())) continue;
    const auto child_lang = child.attribute("lang", xml::kXmlNamespace);
    if (lang.empty()) {
      if (!child_lang) return child.text();
      if (!first) first = child;
    } else if (same_language(child_lang.value_or(this->lang()), lang)) {
      return child.text();
    }
  }
  if (first) return first.text();
  return std::nullopt;
}

std::optional<std::string_view> StanzaView::child_text(std::string_view name) const noexcept {
  if (const xml::Element child = element_.child(name)) return child.text();
  return std::nullopt;
}

}  // namespace xmpp::stanza
