// Every step a client session may take, in one table (h11's _state.py is the model): a
// top-level element the table does not list for the current phase is a protocol error by
// construction.
#include <array>
#include <string>

#include "client/client_impl.hpp"
#include "stream/features.hpp"
#include "stream/stream_header.hpp"
#include "xmpp/sasl.hpp"

namespace xmpp {
namespace {

using Step = stream::Flow (Client::Impl::*)(xml::Element);

struct Transition {
  ClientPhase phase;
  ClientInput input;
  Step step;
};

// clang-format off
constexpr std::array kTransitions = {
  // phase                              input                        step                            → next phase
  Transition{ClientPhase::awaiting_features,    ClientInput::features,       &Client::Impl::on_features},       // starttls_requested | authenticating | binding | closed
  Transition{ClientPhase::starttls_requested,   ClientInput::tls_proceed,    &Client::Impl::on_tls_proceed},    // tls_handoff
  Transition{ClientPhase::starttls_requested,   ClientInput::tls_failure,    &Client::Impl::on_tls_failure},    // closed
  Transition{ClientPhase::authenticating,       ClientInput::sasl_challenge, &Client::Impl::on_sasl_challenge}, // authenticating | closed
  Transition{ClientPhase::authenticating,       ClientInput::sasl_success,   &Client::Impl::on_sasl_success},   // awaiting_stream | closed
  Transition{ClientPhase::authenticating,       ClientInput::sasl_failure,   &Client::Impl::on_sasl_failure},   // closed
  Transition{ClientPhase::resuming,             ClientInput::sm_resumed,     &Client::Impl::on_sm_resumed},     // online | closed
  Transition{ClientPhase::resuming,             ClientInput::sm_failed,      &Client::Impl::on_sm_failed},      // binding | closed
  Transition{ClientPhase::binding,              ClientInput::stanza,         &Client::Impl::on_bind_result},    // establishing_session | online | closed
  Transition{ClientPhase::establishing_session, ClientInput::stanza,         &Client::Impl::on_session_result}, // online | closed
  Transition{ClientPhase::online,               ClientInput::stanza,         &Client::Impl::on_stanza},         // online
  Transition{ClientPhase::online,               ClientInput::sm_enabled,     &Client::Impl::on_sm_enabled},     // online | closed
  Transition{ClientPhase::online,               ClientInput::sm_failed,      &Client::Impl::on_sm_failed},      // online | closed
  Transition{ClientPhase::online,               ClientInput::sm_ack,         &Client::Impl::on_sm_ack},         // online | closed
  Transition{ClientPhase::online,               ClientInput::sm_request,     &Client::Impl::on_sm_request},     // online | closed
  Transition{ClientPhase::closing,              ClientInput::stanza,         &Client::Impl::on_stanza},         // closing
  Transition{ClientPhase::closing,              ClientInput::sm_ack,         &Client::Impl::on_sm_ack},         // closing | closed
};
// The stream header itself is the one input outside the table: the parser yields it exactly
// once per stream, and every restart puts the session in awaiting_stream
// (on_stream_open → awaiting_features | closed).
// Inputs the phases tls_handoff and awaiting_tls never see: receive() refuses bytes there.
// clang-format on

}  // namespace

ClientInput classify(xml::Element element) noexcept {
  const std::string_view name = element.name();
  const std::string_view ns = element.ns();
  if (ns == stream::kClientNamespace) {
    if (name == "message" || name == "presence" || name == "iq") return ClientInput::stanza;
  } else if (ns == kStreamNamespace) {
    if (name == "features") return ClientInput::features;
  } else if (ns == stream::kTlsNamespace) {
    if (name == "proceed") return ClientInput::tls_proceed;
    if (name == "failure") return ClientInput::tls_failure;
  } else if (ns == stream::kSmNamespace) {
    if (name == "a") return ClientInput::sm_ack;
    if (name == "r") return ClientInput::sm_request;
    if (name == "enabled") return ClientInput::sm_enabled;
    if (name == "resumed") return ClientInput::sm_resumed;
    if (name == "failed") return ClientInput::sm_failed;
  } else if (ns == sasl::kNamespace) {
    if (name == "challenge") return ClientInput::sasl_challenge;
    if (name == "success") return ClientInput::sasl_success;
    if (name == "failure") return ClientInput::sasl_failure;
  }
  return ClientInput::other;
}

stream::Flow Client::Impl::on_stream_open(xml::Element header) {
  // close() came first: our closing tag is out, and nothing may follow it (RFC 6120 §4.4), so
  // the negotiation does not go on; the peer's closing tag is all that is awaited.
  if (phase == ClientPhase::closing) return stream::Flow::proceed;
  stream::HeaderExpectations expect;
  expect.kind = stream::StreamKind::client;
  expect.domain = config.jid.domain();
  auto check = stream::check_server_header(header, expect);
  if (!check.ok()) {
    core.fail_protocol(check.error->condition, check.error->message);
    return stream::Flow::proceed;
  }
  core.server_header() = std::move(check.header);
  enter(ClientPhase::awaiting_features);
  return stream::Flow::proceed;
}

stream::Flow Client::Impl::on_element(xml::Element element) {
  const ClientInput input = classify(element);
  for (const Transition& t : kTransitions) {
    if (t.phase == phase && t.input == input) return (this->*t.step)(element);
  }
  // RFC 6120 §4.4: after our closing tag nothing may be sent, not even an error; whatever the
  // peer still sends that is not a stanza is dropped until its closing tag.
  if (phase == ClientPhase::closing) return stream::Flow::proceed;
  // RFC 6120 §4.9.3.24: a first-level child the receiver does not accept (here: not in this
  // phase of the negotiation).
  std::string why = input == ClientInput::other ? "is not understood" : "is not allowed while ";
  if (input != ClientInput::other) why += to_string(phase);
  core.reject_element(element, why);
  return stream::Flow::proceed;
}

// The order is RFC 6120's: TLS (§5), then SASL (§6), then binding (§7); each guard says why.
stream::Flow Client::Impl::on_features(xml::Element element) {
  auto parsed = stream::parse_features(element);
  features = parsed ? std::move(*parsed) : StreamFeatures{};

  if (secure && features.starttls) {
    // RFC 6120 §5.4.3.3: after TLS the server must not offer STARTTLS again; a server that does
    // is broken or an attacker is replaying the pre-TLS features.
    core.fail_protocol(StreamErrorCondition::undefined_condition,
                       "STARTTLS offered again on a TLS-protected stream (RFC 6120 §5.4.3.3)");
    return stream::Flow::proceed;
  }
  if (!secure) {
    if (features.starttls && config.tls != TlsPolicy::disabled) return request_starttls();
    if (config.tls == TlsPolicy::required) {
      // Fail closed: nothing about the account ever goes out in the clear.
      core.finish(CloseReason::tls_unavailable,
                  "the server does not offer STARTTLS and the TLS policy requires it");
      return stream::Flow::proceed;
    }
    if (features.starttls_required) {
      core.finish(CloseReason::tls_required_by_server,
                  "the server requires STARTTLS and the TLS policy disables it");
      return stream::Flow::proceed;
    }
  }
  if (!authenticated) return start_authentication();
  // XEP-0198 §5: a kept session is resumed instead of binding a new one.
  if (try_resumption()) return stream::Flow::proceed;
  if (!features.bind) {
    // RFC 6120 §7.2: the server must offer binding after SASL.
    core.fail_protocol(StreamErrorCondition::undefined_condition,
                       "no resource binding offered after authentication (RFC 6120 §7.2)");
    return stream::Flow::proceed;
  }
  return start_binding();
}

}  // namespace xmpp
