#include "auto_reply.hpp"

#include "xmpp/stanza/iq.hpp"
#include "xmpp/stanza/namespaces.hpp"
#include "xmpp/stanza/stanza_error.hpp"
#include "xmpp/xml/arena.hpp"

namespace xmpp::chat {

std::optional<AutoReply> automatic_reply(xml::Element stanza, Mode mode) {
  const auto iq = stanza::Iq::view(stanza);
  if (!iq || stanza.ns() != stanza_namespace(mode) || !iq->is_request()) return std::nullopt;
  const stanza::ReplyFrom from =
      mode == Mode::component ? stanza::ReplyFrom::request_to : stanza::ReplyFrom::omit;
  xml::Arena arena;
  const bool ping = iq->type() == stanza::IqType::get &&
                    static_cast<bool>(stanza.child("ping", stanza::ns::kPing));
  if (ping) return AutoReply{OwnedElement(stanza::build_result(arena, stanza, {}, from)), false};
  stanza::ErrorReply refusal;
  refusal.condition = stanza::ErrorCondition::service_unavailable;
  refusal.from = from;
  return AutoReply{OwnedElement(stanza::build_error_reply(arena, stanza, refusal)), true};
}

}  // namespace xmpp::chat
