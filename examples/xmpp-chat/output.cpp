#include "output.hpp"

#include "json.hpp"

namespace xmpp::chat::output {
namespace {

json::ObjectWriter event(std::string_view name) {
  json::ObjectWriter w;
  w.string("event", name);
  return w;
}

}  // namespace

std::string online(std::string_view jid, bool resumed) {
  return event("online").string("jid", jid).boolean("resumed", resumed).str();
}

std::string message(std::string_view from, std::string_view id, std::string_view type,
                    std::string_view body) {
  return event("message")
      .string("from", from)
      .string("id", id)
      .string("type", type)
      .string("body", body)
      .str();
}

std::string stanza(std::string_view xml) {
  return event("stanza").string("xml", xml).str();
}

std::string acked(std::string_view id) {
  return event("acked").string("id", id).str();
}

std::string unconfirmed(std::string_view id) {
  return event("unconfirmed").string("id", id).str();
}

std::string disconnected(std::string_view reason) {
  return event("disconnected").string("reason", reason).str();
}

std::string reconnecting(std::uint64_t in_ms) {
  return event("reconnecting").number("in_ms", in_ms).str();
}

std::string error(std::string_view condition, std::string_view text) {
  return event("error").string("condition", condition).string("text", text).str();
}

}  // namespace xmpp::chat::output
