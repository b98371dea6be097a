#include "inbound.hpp"

#include "output.hpp"
#include "xmpp/xml/writer.hpp"

namespace xmpp::chat {

std::string inbound_event(xml::Element stanza, Mode mode) {
  const std::string_view ns = stanza_namespace(mode);
  if (stanza.is("message", ns)) {
    const std::string_view type = stanza.attribute("type").value_or("normal");
    const xml::Element body = stanza.child("body", ns);
    if (body && type != "error") {
      std::string text;
      body.append_text(text);
      return output::message(stanza.attribute_or_empty("from"), stanza.attribute_or_empty("id"),
                             type, text);
    }
  }
  xml::WriteScope scope;
  scope.default_ns = ns;
  std::string xml;
  const xml::WriteStatus status = xml::write(stanza, xml, scope);
  if (status != xml::WriteStatus::ok) {
    return output::error("unserializable", "a received stanza cannot be written as XML: " +
                                               std::string(xml::to_string(status)));
  }
  return output::stanza(xml);
}

}  // namespace xmpp::chat
