// Resource binding (RFC 6120 §7), legacy session establishment (RFC 3921 §3) and going online.
#include <string>

#include "client/client_impl.hpp"
#include "stream/features.hpp"
#include "xmpp/xml/builder.hpp"

namespace xmpp {
namespace {

constexpr std::string_view kStanzaErrorNamespace = "urn:ietf:params:xml:ns:xmpp-stanzas";

bool ascii_iequal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool is_ascii(std::string_view s) noexcept {
  for (const char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// The defined condition of an IQ error (RFC 6120 §8.3.2), or "undefined-condition".
std::string stanza_error_condition(xml::Element iq) {
  const xml::Element error = iq.child("error", stream::kClientNamespace);
  if (error) {
    for (xml::Element c = error.first_child_element(); c; c = c.next_sibling_element()) {
      if (c.ns() == kStanzaErrorNamespace && c.name() != "text") return std::string(c.name());
    }
  }
  return "undefined-condition";
}

}  // namespace

bool Client::Impl::from_account_or_server(xml::Element response) const noexcept {
  const auto from = response.attribute("from");
  if (!from) return true;
  const auto jid = Jid::parse(*from);
  if (!jid || !jid->is_bare()) return false;
  if (!jid->has_local()) return ascii_iequal(jid->domain(), config.jid.domain());
  return *jid == config.jid.bare();
}

stream::Flow Client::Impl::start_binding() {
  pending_request_id = next_request_id();
  xml::Builder iq(core.scratch_arena(), "iq", stream::kClientNamespace);
  iq.attribute("type", "set").attribute("id", pending_request_id);
  iq.start("bind", stream::kBindNamespace);
  // RFC 6120 §7.5: a client-chosen resource; §7.6: none lets the server choose.
  if (!config.resource.empty()) iq.start("resource").text(config.resource).end();
  if (write(iq.root())) enter(ClientPhase::binding);
  return stream::Flow::proceed;
}

stream::Flow Client::Impl::on_bind_result(xml::Element element) {
  // RFC 6120 §7.6.1: nothing but the response to our request may arrive before binding is done.
  if (element.name() != "iq" || element.attribute_or_empty("id") != pending_request_id) {
    core.fail_protocol(StreamErrorCondition::unsupported_stanza_type,
                       "a stanza other than the bind result arrived while binding (RFC 6120 §7.1)");
    return stream::Flow::proceed;
  }
  if (!from_account_or_server(element)) {
    core.fail_protocol(StreamErrorCondition::invalid_from,
                       "the bind result comes from neither the server nor the account");
    return stream::Flow::proceed;
  }
  const std::string_view type = element.attribute_or_empty("type");
  if (type == "error") {
    // RFC 6120 §7.6.2: e.g. not-allowed, conflict (§7.7.2.2), resource-constraint.
    core.finish(CloseReason::bind_failed, stanza_error_condition(element));
    return stream::Flow::proceed;
  }
  const xml::Element jid_element =
      element.child("bind", stream::kBindNamespace).child("jid", stream::kBindNamespace);
  if (type != "result" || !jid_element) {
    core.fail_protocol(StreamErrorCondition::bad_format,
                       "the bind result has no <jid/> (RFC 6120 §7.6.1)");
    return stream::Flow::proceed;
  }
  JidError jid_error = JidError::ok;
  auto jid = Jid::parse(jid_element.text(), &jid_error);
  if (!jid) {
    std::string text = "the bound JID is invalid: ";
    text += to_string(jid_error);
    core.fail_protocol(StreamErrorCondition::bad_format, text);
    return stream::Flow::proceed;
  }
  // RFC 6120 §7.6.1: a full JID of the account just authenticated. Only ASCII localparts are
  // compared: without PRECIS the server's case mapping of other characters is unknown.
  const std::string_view username =
      config.credentials.username.empty() ? config.jid.local() : config.credentials.username;
  const bool identity_known = mechanism != sasl::Mechanism::anonymous &&
                              mechanism != sasl::Mechanism::external &&
                              config.credentials.authzid.empty() && is_ascii(username);
  if (jid->is_bare() || !ascii_iequal(jid->domain(), config.jid.domain()) ||
      (identity_known && !ascii_iequal(jid->local(), username))) {
    core.fail_protocol(StreamErrorCondition::bad_format,
                       "the bound JID is not a full JID of the authenticated account "
                       "(RFC 6120 §7.6.1)");
    return stream::Flow::proceed;
  }
  bound_jid = std::move(jid);
  pending_request_id.clear();
  if (features.session && features.session_required) return start_session();
  return go_online();
}

stream::Flow Client::Impl::start_session() {
  pending_request_id = next_request_id();
  xml::Builder iq(core.scratch_arena(), "iq", stream::kClientNamespace);
  iq.attribute("type", "set").attribute("id", pending_request_id);
  iq.start("session", stream::kSessionNamespace);
  if (write(iq.root())) enter(ClientPhase::establishing_session);
  return stream::Flow::proceed;
}

stream::Flow Client::Impl::on_session_result(xml::Element element) {
  if (element.name() != "iq" || element.attribute_or_empty("id") != pending_request_id) {
    core.fail_protocol(StreamErrorCondition::unsupported_stanza_type,
                       "a stanza other than the session result arrived (RFC 3921 §3)");
    return stream::Flow::proceed;
  }
  if (!from_account_or_server(element)) {
    core.fail_protocol(StreamErrorCondition::invalid_from,
                       "the session result comes from neither the server nor the account");
    return stream::Flow::proceed;
  }
  const std::string_view type = element.attribute_or_empty("type");
  if (type == "error") {
    core.finish(CloseReason::session_failed, stanza_error_condition(element));
    return stream::Flow::proceed;
  }
  if (type != "result") {
    core.fail_protocol(StreamErrorCondition::bad_format,
                       "the session response is neither result nor error (RFC 6120 §8.2.3)");
    return stream::Flow::proceed;
  }
  pending_request_id.clear();
  return go_online();
}

// Stream management (XEP-0198) enables or resumes here, between binding and Online.
stream::Flow Client::Impl::go_online() {
  enter(ClientPhase::online);
  if (config.keepalive_interval.count() > 0) {
    core.take_output_activity();
    core.timers().set(stream::Timer::keepalive, now + config.keepalive_interval);
  }
  core.push_event(event::Online{*bound_jid, false});
  return stream::Flow::proceed;
}

stream::Flow Client::Impl::on_stanza(xml::Element element) {
  core.push_stanza(element);
  return stream::Flow::proceed;
}

}  // namespace xmpp
