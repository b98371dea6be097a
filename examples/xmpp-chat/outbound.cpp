#include "outbound.hpp"

#include "xmpp/xml/builder.hpp"

namespace xmpp::chat {

xml::Element build_message(const SendMessage& message, Mode mode, xml::Arena& arena) {
  xml::Builder b(arena, "message", stanza_namespace(mode));
  b.attribute("to", message.to.str());
  if (message.from) b.attribute("from", message.from->str());
  b.attribute("type", message.type);
  if (message.id) b.attribute("id", *message.id);
  b.start("body").text(message.body).end();
  return b.root();
}

}  // namespace xmpp::chat
