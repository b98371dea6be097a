#include "auto_reply.hpp"

#include "xmpp/xml/arena.hpp"
#include "xmpp/xml/builder.hpp"

namespace xmpp::chat {

namespace {

constexpr std::string_view kPingNamespace = "urn:xmpp:ping";
constexpr std::string_view kStanzaErrorNamespace = "urn:ietf:params:xml:ns:xmpp-stanzas";

}  // namespace

std::optional<AutoReply> automatic_reply(xml::Element stanza, Mode mode) {
  const std::string_view ns = stanza_namespace(mode);
  if (!stanza.is("iq", ns)) return std::nullopt;
  const std::string_view type = stanza.attribute_or_empty("type");
  if (type != "get" && type != "set") return std::nullopt;

  xml::Arena arena;
  xml::Builder reply(arena, "iq", ns);
  const bool ping = type == "get" && static_cast<bool>(stanza.child("ping", kPingNamespace));
  reply.attribute("type", ping ? "result" : "error");
  reply.attribute("id", stanza.attribute_or_empty("id"));
  if (const auto from = stanza.attribute("from")) reply.attribute("to", *from);
  if (mode == Mode::component) {
    if (const auto to = stanza.attribute("to")) reply.attribute("from", *to);
  }
  if (!ping) {
    reply.start("error").attribute("type", "cancel");
    reply.start("service-unavailable", kStanzaErrorNamespace).end();
    reply.end();
  }
  return AutoReply{OwnedElement(reply.root()), !ping};
}

}  // namespace xmpp::chat
