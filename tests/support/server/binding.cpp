// The test server after authentication: resource binding (RFC 6120 §7), the legacy session
// (RFC 3921 §3) and the stanzas of an established stream.
#include "server/server.hpp"
#include "stream/features.hpp"
#include "stream/stream_header.hpp"
#include "xmpp/xml/builder.hpp"

namespace xmpp::testing {
namespace {

constexpr std::string_view kStanzaErrorNamespace = "urn:ietf:params:xml:ns:xmpp-stanzas";

// The payload `name` in `ns` of an IQ set, or an empty Element when `element` is not one.
xml::Element iq_set_payload(xml::Element element, std::string_view name, std::string_view ns) {
  if (!element.is("iq", stream::kClientNamespace) || element.attribute_or_empty("type") != "set") {
    return {};
  }
  return element.child(name, ns);
}

}  // namespace

void Server::in_awaiting_bind(xml::Element element) {
  // XEP-0198 §3 and §5: <enable/> is refused and <resume/> answered before binding.
  if (handle_sm(element)) return;
  const xml::Element bind = iq_set_payload(element, "bind", stream::kBindNamespace);
  // RFC 6120 §7.1: nothing but the bind request is processed before a resource is bound.
  if (!bind) return reject(element);
  const auto id = element.attribute("id");
  if (!id) {
    return fail_stream(StreamErrorCondition::bad_format, "an IQ without an id (RFC 6120 §8.1.3)");
  }
  const xml::Element requested = bind.child("resource", stream::kBindNamespace);
  std::string resource(requested ? requested.text() : std::string_view{});
  if (config_.assigned_resource) {
    // RFC 6120 §7.7.2.2: the server may override the resource the client asked for.
    resource = *config_.assigned_resource;
  } else if (resource.empty()) {
    // RFC 6120 §7.6: without a requested resource the server generates one.
    resource = draw_hex(6);
  }
  auto jid = Jid::parse(*user_ + "@" + config_.domain + "/" + resource);
  xml::Builder iq(arena_, "iq", stream::kClientNamespace);
  iq.attribute("type", jid ? "result" : "error").attribute("id", *id);
  if (!jid) {
    // RFC 6120 §7.7.2.1: a resource that cannot be processed is a bad-request (modify).
    iq.start("error").attribute("type", "modify");
    iq.start("bad-request", kStanzaErrorNamespace).end().end();
    write(ServerStep::bind_error, serialise(iq.root()));
    return;
  }
  // RFC 6120 §7.6.1: the result carries the full JID.
  iq.start("bind", stream::kBindNamespace).start("jid").text(jid->str()).end().end();
  write(ServerStep::bind_result, serialise(iq.root()));
  bound_jid_ = std::move(jid);
  phase_ = ServerPhase::online;
}

bool Server::answer_session(xml::Element element) {
  if (!iq_set_payload(element, "session", stream::kSessionNamespace)) return false;
  // RFC 3921 §3: the session is established with an empty result.
  xml::Builder iq(arena_, "iq", stream::kClientNamespace);
  iq.attribute("type", "result").attribute("id", element.attribute_or_empty("id"));
  write(ServerStep::session_result, serialise(iq.root()));
  session_established_ = true;
  return true;
}

void Server::in_online(xml::Element element) {
  if (handle_sm(element)) return;
  if (answer_session(element)) {
    // Handled by the server itself: counted once stream management runs, but not delivered.
    count_stanza(element, {});
    return;
  }
  std::string xml = serialise(element);
  count_stanza(element, xml);
  stanzas_.push_back(std::move(xml));
}

void Server::in_closing(xml::Element element) {
  // RFC 6120 §4.4: after our closing tag the client may still send until it closes; what a
  // bound client sends is kept (and counted, XEP-0198 §4), anything else is of no interest.
  if (handle_sm(element) || !bound_jid_) return;
  std::string xml = serialise(element);
  count_stanza(element, xml);
  stanzas_.push_back(std::move(xml));
}

}  // namespace xmpp::testing
