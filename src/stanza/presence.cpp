// RFC 6121 §4.7: the presence view and builder.
#include "xmpp/stanza/presence.hpp"

#include <array>
#include <charconv>

#include "core/name_table.hpp"
#include "xmpp/stanza/kind.hpp"

namespace xmpp::stanza {

namespace {

constexpr std::array<std::string_view, 8> kTypeNames{
    "available",   "unavailable",  "subscribe", "subscribed",
    "unsubscribe", "unsubscribed", "probe",     "error",
};

constexpr std::array<std::string_view, 4> kShowNames{"away", "chat", "dnd", "xa"};

bool is_xml_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// XML Schema Part 2 §3.3.19 (xs:byte, derived from xs:integer): [+-]?[0-9]+ after whitespace
// collapse, in -128..127.
std::optional<std::int8_t> parse_xs_byte(std::string_view text) noexcept {
  while (!text.empty() && is_xml_space(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_xml_space(text.back()))
    text.remove_suffix(1);
  bool negative = false;
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text.empty()) return std::nullopt;
  int magnitude = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    magnitude = magnitude * 10 + (c - '0');
    if (magnitude > 128) return std::nullopt;  // out of range whatever follows
  }
  const int value = negative ? -magnitude : magnitude;
  if (value > 127) return std::nullopt;
  return static_cast<std::int8_t>(value);
}

}  // namespace

std::string_view to_string(PresenceType type) noexcept {
  return core::name_of(kTypeNames, type, "unknown");
}

std::optional<PresenceType> presence_type_from_string(std::string_view name) noexcept {
  const auto type = core::value_of<PresenceType>(kTypeNames, name);
  return type == PresenceType::available ? std::nullopt : type;
}

bool is_subscription(PresenceType type) noexcept {
  return type == PresenceType::subscribe || type == PresenceType::subscribed ||
         type == PresenceType::unsubscribe || type == PresenceType::unsubscribed;
}

std::string_view to_string(Show show) noexcept {
  return core::name_of(kShowNames, show, "unknown");
}

std::optional<Show> show_from_string(std::string_view name) noexcept {
  return core::value_of<Show>(kShowNames, name);
}

std::optional<Presence> Presence::view(xml::Element element) noexcept {
  if (kind_of(element) != Kind::presence) return std::nullopt;
  return Presence(element);
}

std::optional<PresenceType> Presence::type() const noexcept {
  const auto name = type_attribute();
  return name ? presence_type_from_string(*name) : PresenceType::available;
}

std::optional<Show> Presence::show() const noexcept {
  const auto text = child_text("show");
  return text ? show_from_string(*text) : std::nullopt;
}

std::optional<std::string_view> Presence::status(std::string_view lang) const noexcept {
  return localized_text("status", lang);
}

std::int8_t Presence::priority() const noexcept {
  const auto text = child_text("priority");
  return text ? parse_xs_byte(*text).value_or(0) : 0;
}

bool Presence::priority_valid() const noexcept {
  const auto text = child_text("priority");
  return !text || parse_xs_byte(*text).has_value();
}

PresenceBuilder::PresenceBuilder(xml::Arena& arena, std::string_view ns)
    : StanzaBuilder(arena, "presence", ns) {}

PresenceBuilder& PresenceBuilder::type(PresenceType type) {
  if (type == PresenceType::available) return *this;
  return root_attribute("type", to_string(type));
}

PresenceBuilder& PresenceBuilder::show(Show show) {
  return text_child("show", to_string(show));
}

PresenceBuilder& PresenceBuilder::status(std::string_view text, std::string_view lang) {
  return text_child("status", text, lang);
}

PresenceBuilder& PresenceBuilder::priority(std::int8_t priority) {
  std::array<char, 8> digits{};
  const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), int{priority}).ptr;
  return text_child("priority",
                    std::string_view(digits.data(), static_cast<std::size_t>(end - digits.data())));
}

}  // namespace xmpp::stanza
