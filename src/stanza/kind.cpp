#include "xmpp/stanza/kind.hpp"

#include "xmpp/stanza/namespaces.hpp"

namespace xmpp::stanza {

std::string_view to_string(Kind kind) noexcept {
  switch (kind) {
    case Kind::message:
      return "message";
    case Kind::presence:
      return "presence";
    case Kind::iq:
      return "iq";
  }
  return "unknown";
}

std::optional<Kind> kind_of(xml::Element element) noexcept {
  if (!element || (element.ns() != ns::kClient && element.ns() != ns::kComponent)) {
    return std::nullopt;
  }
  const std::string_view name = element.name();
  if (name == "message") return Kind::message;
  if (name == "presence") return Kind::presence;
  if (name == "iq") return Kind::iq;
  return std::nullopt;
}

}  // namespace xmpp::stanza
