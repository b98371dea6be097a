// RFC 6121 §5, XEP-0203, XEP-0184, XEP-0085: the message view and builder.
#include "xmpp/stanza/message.hpp"

#include <array>

#include "core/name_table.hpp"
#include "xmpp/stanza/kind.hpp"

namespace xmpp::stanza {

namespace {

constexpr std::array<std::string_view, 5> kTypeNames{"normal", "chat", "groupchat", "headline",
                                                     "error"};

constexpr std::array<std::string_view, 5> kChatStateNames{"active", "composing", "paused",
                                                          "inactive", "gone"};

}  // namespace

std::string_view to_string(MessageType type) noexcept {
  return core::name_of(kTypeNames, type, "unknown");
}

std::optional<MessageType> message_type_from_string(std::string_view name) noexcept {
  return core::value_of<MessageType>(kTypeNames, name);
}

std::string_view to_string(ChatState state) noexcept {
  return core::name_of(kChatStateNames, state, "unknown");
}

std::optional<ChatState> chat_state_from_string(std::string_view name) noexcept {
  return core::value_of<ChatState>(kChatStateNames, name);
}

std::optional<Message> Message::view(xml::Element element) noexcept {
  if (kind_of(element) != Kind::message) return std::nullopt;
  return Message(element);
}

MessageType Message::type() const noexcept {
  const auto name = type_attribute();
  return (name ? message_type_from_string(*name) : std::nullopt).value_or(MessageType::normal);
}

std::optional<std::string_view> Message::body(std::string_view lang) const noexcept {
  return localized_text("body", lang);
}

std::optional<std::string_view> Message::subject(std::string_view lang) const noexcept {
  return localized_text("subject", lang);
}

std::optional<std::string_view> Message::thread() const noexcept {
  return child_text("thread");
}

std::optional<std::string_view> Message::thread_parent() const noexcept {
  const xml::Element thread = element_.child("thread");
  return thread ? thread.attribute("parent") : std::nullopt;
}

std::optional<Delay> Message::delay() const noexcept {
  for (xml::Element child = element_.first_child_element(); child;
       child = child.next_sibling_element()) {
    if (!child.is("delay", ns::kDelay)) continue;
    const auto stamp = child.attribute("stamp");
    if (!stamp) continue;
    return Delay{*stamp, child.attribute_or_empty("from"), child.text()};
  }
  return std::nullopt;
}

bool Message::receipt_requested() const noexcept {
  return static_cast<bool>(element_.child("request", ns::kReceipts));
}

std::optional<std::string_view> Message::receipt_received() const noexcept {
  const xml::Element received = element_.child("received", ns::kReceipts);
  if (!received) return std::nullopt;
  return received.attribute_or_empty("id");
}

std::optional<ChatState> Message::chat_state() const noexcept {
  for (xml::Element child = element_.first_child_element(); child;
       child = child.next_sibling_element()) {
    if (child.ns() == ns::kChatStates) return chat_state_from_string(child.name());
  }
  return std::nullopt;
}

MessageBuilder::MessageBuilder(xml::Arena& arena, std::string_view ns)
    : StanzaBuilder(arena, "message", ns) {}

MessageBuilder& MessageBuilder::type(MessageType type) {
  return root_attribute("type", to_string(type));
}

MessageBuilder& MessageBuilder::body(std::string_view text, std::string_view lang) {
  return text_child("body", text, lang);
}

MessageBuilder& MessageBuilder::subject(std::string_view text, std::string_view lang) {
  return text_child("subject", text, lang);
}

MessageBuilder& MessageBuilder::thread(std::string_view id, std::string_view parent) {
  at_root().start("thread");
  if (!parent.empty()) builder_.attribute("parent", parent);
  if (!id.empty()) builder_.text(id);
  builder_.end();
  return *this;
}

MessageBuilder& MessageBuilder::request_receipt() {
  at_root().start("request", ns::kReceipts).end();
  return *this;
}

MessageBuilder& MessageBuilder::receipt_received(std::string_view id) {
  at_root().start("received", ns::kReceipts).attribute("id", id).end();
  return *this;
}

MessageBuilder& MessageBuilder::chat_state(ChatState state) {
  at_root().start(to_string(state), ns::kChatStates).end();
  return *this;
}

MessageBuilder& MessageBuilder::delay(std::string_view stamp, std::string_view from,
                                      std::string_view reason) {
  at_root().start("delay", ns::kDelay).attribute("stamp", stamp);
  if (!from.empty()) builder_.attribute("from", from);
  if (!reason.empty()) builder_.text(reason);
  builder_.end();
  return *this;
}

}  // namespace xmpp::stanza
