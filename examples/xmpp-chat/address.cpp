#include "address.hpp"

#include <optional>

#include "xmpp/jid.hpp"

namespace xmpp::chat {

std::string address_problem(std::string_view what, std::string_view text,
                            std::string_view required_domain) {
  JidError error = JidError::ok;
  const std::optional<Jid> jid = Jid::parse(text, &error);
  if (!jid) return std::string(what) + " is not a JID: " + std::string(to_string(error));
  if (required_domain.empty()) return {};
  // Comparing parsed JIDs applies RFC 7622's comparison (ASCII case folded, trailing dot gone).
  const std::optional<Jid> domain = Jid::parse(required_domain);
  const std::optional<Jid> own = Jid::parse(jid->domain());
  if (domain && own && *domain == *own) return {};
  return std::string(what) + " must be in the component's domain " + std::string(required_domain);
}

}  // namespace xmpp::chat
