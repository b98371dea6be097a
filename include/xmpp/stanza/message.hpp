// Typed view and builder for `<message/>` (RFC 6121 §5) with the extensions nearly every client
// reads: delayed delivery (XEP-0203), receipts (XEP-0184) and chat states (XEP-0085).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "xmpp/stanza/namespaces.hpp"
#include "xmpp/stanza/stanza_view.hpp"
#include "xmpp/xml/arena.hpp"
#include "xmpp/xml/element.hpp"

namespace xmpp::stanza {

/// RFC 6121 §5.2.2.
enum class MessageType : std::uint8_t { normal, chat, groupchat, headline, error };

/// "normal", "chat", "groupchat", "headline", "error".
std::string_view to_string(MessageType type) noexcept;
std::optional<MessageType> message_type_from_string(std::string_view name) noexcept;

/// XEP-0085 §2: the chat state notifications (elements in
/// http://jabber.org/protocol/chatstates).
enum class ChatState : std::uint8_t { active, composing, paused, inactive, gone };

/// "active", "composing", "paused", "inactive", "gone".
std::string_view to_string(ChatState state) noexcept;
std::optional<ChatState> chat_state_from_string(std::string_view name) noexcept;

/// XEP-0203: `<delay xmlns='urn:xmpp:delay' stamp='…' [from='…']>reason</delay>`.
struct Delay {
  std::string_view stamp;   ///< XEP-0082 DateTime, as written (not checked)
  std::string_view from;    ///< who delayed the stanza; "" when absent
  std::string_view reason;  ///< the element's text; "" when none
};

/// A zero-copy view of a `<message/>` stanza; the views it returns live as long as the tree.
class Message : public StanzaView {
 public:
  /// Nothing unless `element` is `<message/>` in jabber:client or jabber:component:accept.
  static std::optional<Message> view(xml::Element element) noexcept;

  /// RFC 6121 §5.2.2: absent means normal, and so does a value it does not define (a client
  /// "SHOULD treat it as normal"); type_attribute() tells them apart.
  MessageType type() const noexcept;

  /// RFC 6121 §5.2.3: the `<body/>` text. With `lang` empty: the body without xml:lang, else the
  /// first; with a `lang`: the first body in that language (a body without xml:lang is in the
  /// message's xml:lang), else nothing. Nothing when there is no body; "" for an empty one.
  std::optional<std::string_view> body(std::string_view lang = {}) const noexcept;
  /// RFC 6121 §5.2.4: the `<subject/>`, chosen like body().
  std::optional<std::string_view> subject(std::string_view lang = {}) const noexcept;
  /// RFC 6121 §5.2.5: the `<thread/>` identifier; nothing when absent.
  std::optional<std::string_view> thread() const noexcept;
  /// Its `parent` attribute; nothing when absent (or when there is no thread).
  std::optional<std::string_view> thread_parent() const noexcept;

  /// XEP-0203: the first `<delay/>` that carries its REQUIRED stamp; nothing otherwise.
  std::optional<Delay> delay() const noexcept;
  /// XEP-0184: whether the message carries `<request xmlns='urn:xmpp:receipts'/>`.
  bool receipt_requested() const noexcept;
  /// XEP-0184: the `id` of `<received xmlns='urn:xmpp:receipts'/>` ("" when the element has
  /// none); nothing when the message is not a receipt.
  std::optional<std::string_view> receipt_received() const noexcept;
  /// XEP-0085: the first chat state element; nothing when there is none (or its name is not a
  /// state XEP-0085 defines).
  std::optional<ChatState> chat_state() const noexcept;

 private:
  explicit Message(xml::Element element) noexcept : StanzaView(element) {}
};

/// Builds a `<message/>` in an arena (see StanzaBuilder for to(), from(), id(), lang(),
/// payload(), raw() and element()). Children appear in the order of the calls.
///
///     xml::Arena arena;
///     auto msg = stanza::MessageBuilder(arena).to("juliet@example.com").type(MessageType::chat)
///                    .body("Art thou not Romeo, and a Montague?").request_receipt().element();
class MessageBuilder : public StanzaBuilder<MessageBuilder> {
 public:
  /// `ns`: jabber:client, or jabber:component:accept for a component (which then sets from()).
  explicit MessageBuilder(xml::Arena& arena, std::string_view ns = ns::kClient);

  /// Writes `type` — normal included: a message without type() has no attribute (which means
  /// normal); type(MessageType::normal) writes type='normal'.
  MessageBuilder& type(MessageType type);
  /// `<body [xml:lang]>text</body>`; call once a language (RFC 6121 §5.2.3).
  MessageBuilder& body(std::string_view text, std::string_view lang = {});
  MessageBuilder& subject(std::string_view text, std::string_view lang = {});
  /// `<thread [parent]>id</thread>` (RFC 6121 §5.2.5).
  MessageBuilder& thread(std::string_view id, std::string_view parent = {});
  /// XEP-0184 `<request/>`; give the message an id() too (XEP-0184 §5).
  MessageBuilder& request_receipt();
  /// XEP-0184 `<received id='…'/>`.
  MessageBuilder& receipt_received(std::string_view id);
  /// XEP-0085: `<active/>`, `<composing/>`, ...
  MessageBuilder& chat_state(ChatState state);
  /// XEP-0203 `<delay stamp [from]>reason</delay>`; empty `from` and `reason` are left out.
  MessageBuilder& delay(std::string_view stamp, std::string_view from = {},
                        std::string_view reason = {});
};

}  // namespace xmpp::stanza
