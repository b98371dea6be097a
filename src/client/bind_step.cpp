// Resource binding (RFC 6120 §7), legacy session establishment (RFC 3921 §3) and going online.
#include <string>

#include "client/client_impl.hpp"
#include "stream/features.hpp"
#include "xmpp/stanza/namespaces.hpp"
#include "xmpp/xml/builder.hpp"

namespace xmpp {
namespace {

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
      if (c.ns() == stanza::ns::kStanzas && c.name() != "text") return std::string(c.name());
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

// Sends an IQ set with one empty payload child (bind or session) and waits for its result.
stream::Flow Client::Impl::send_request(std::string_view child, std::string_view ns,
                                        ClientPhase next) {
  pending_request_id = next_request_id();
  xml::Builder iq(core.scratch_arena(), "iq", stream::kClientNamespace);
  iq.attribute("type", "set").attribute("id", pending_request_id);
  iq.start(child, ns);
  // RFC 6120 §7.5: a client-chosen resource; §7.6: none lets the server choose.
  if (ns == stream::kBindNamespace && !config.resource.empty()) {
    iq.start("resource").text(config.resource).end();
  }
  if (write(iq.root())) enter(next);
  return stream::Flow::proceed;
}

std::optional<bool> Client::Impl::accept_response(xml::Element element, CloseReason on_error) {
  // RFC 6120 §7.1, §8.2.3: nothing but the response to our pending request may arrive now.
  if (element.name() != "iq" || element.attribute_or_empty("id") != pending_request_id) {
    std::string text = "a stanza other than the response to our request arrived while ";
    text += to_string(phase);
    core.fail_protocol(StreamErrorCondition::unsupported_stanza_type, text);
    return std::nullopt;
  }
  if (!from_account_or_server(element)) {
    core.fail_protocol(StreamErrorCondition::invalid_from,
                       "a response comes from neither the server nor the account "
                       "(RFC 6120 §8.1.2.1)");
    return std::nullopt;
  }
  const std::string_view type = element.attribute_or_empty("type");
  if (type == "error") {
    // RFC 6120 §7.6.2: e.g. not-allowed, conflict (§7.7.2.2), resource-constraint.
    core.finish(on_error, stanza_error_condition(element));
    return std::nullopt;
  }
  if (type != "result") {
    core.fail_protocol(StreamErrorCondition::bad_format,
                       "a response is neither result nor error (RFC 6120 §8.2.3)");
    return std::nullopt;
  }
  pending_request_id.clear();
  return true;
}

stream::Flow Client::Impl::start_binding() {
  return send_request("bind", stream::kBindNamespace, ClientPhase::binding);
}

stream::Flow Client::Impl::on_bind_result(xml::Element element) {
  if (!accept_response(element, CloseReason::bind_failed)) return stream::Flow::proceed;
  const xml::Element bind = element.child("bind", stream::kBindNamespace);
  const xml::Element jid_element = bind ? bind.child("jid", stream::kBindNamespace) : bind;
  if (!jid_element) {
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
  // RFC 6121 Appendix E: legacy session establishment only where the server still needs it.
  if (features.session && features.session_required) {
    return send_request("session", stream::kSessionNamespace, ClientPhase::establishing_session);
  }
  return go_online();
}

stream::Flow Client::Impl::on_session_result(xml::Element element) {
  if (!accept_response(element, CloseReason::session_failed)) return stream::Flow::proceed;
  return go_online();
}

// A new session is ready. Stream management (XEP-0198 §3) is enabled first, without waiting for
// <enabled/>: the application may send at once and its stanzas are tracked from <enable/> on.
// (A resumed session goes online in on_sm_resumed() instead.)
stream::Flow Client::Impl::go_online() {
  enter(ClientPhase::online);
  core.start_keepalive(now, config.keepalive_interval);
  enable_stream_management();
  if (core.closed()) return stream::Flow::proceed;
  core.push_event(event::Online{*bound_jid, false});
  return stream::Flow::proceed;
}

stream::Flow Client::Impl::on_stanza(xml::Element element) {
  // RFC 6120 §8.2.3: the response to our own bind or session request is ours, also when it
  // arrives after close() (phase closing).
  if (!pending_request_id.empty() && element.name() == "iq" &&
      element.attribute_or_empty("id") == pending_request_id) {
    pending_request_id.clear();
    return stream::Flow::proceed;
  }
  // XEP-0198 §4: a stanza counts once it is complete (the parser yields only complete ones) and
  // only after <enabled/> (or <resumed/>).
  if (sm_mode == SmMode::active) sm.on_inbound_stanza();
  core.push_stanza(element);
  return stream::Flow::proceed;
}

}  // namespace xmpp
