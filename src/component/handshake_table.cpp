// Every step a component session may take, in one table (as src/client/negotiation_table.cpp):
// a top-level element the table does not list for the current phase is a protocol error by
// construction.
#include <array>
#include <cstdint>
#include <string>

#include "component/component_impl.hpp"
#include "stream/stream_header.hpp"

namespace xmpp {
namespace {

/// The kinds of top-level input the table distinguishes.
enum class Input : std::uint8_t {
  handshake,  ///< <handshake xmlns='jabber:component:accept'/>
  features,   ///< <stream:features/>
  stanza,     ///< <message/>, <presence/>, <iq/> in jabber:component:accept
  other,      ///< anything else
};

Input classify(xml::Element element) noexcept {
  const std::string_view name = element.name();
  const std::string_view ns = element.ns();
  if (ns == stream::kComponentNamespace) {
    if (name == "handshake") return Input::handshake;
    if (name == "message" || name == "presence" || name == "iq") return Input::stanza;
  } else if (ns == kStreamNamespace) {
    if (name == "features") return Input::features;
  }
  return Input::other;
}

using Step = stream::Flow (Component::Impl::*)(xml::Element);

struct Transition {
  ComponentPhase phase;
  Input input;
  Step step;
};

// XEP-0114 §3 defines no stream features, but servers that answer with version='1.0' may send an
// empty <stream:features/>; it carries nothing for a component, so it is ignored.
// clang-format off
constexpr std::array kTransitions = {
  // phase                        input             step                                 → next phase
  Transition{ComponentPhase::handshaking, Input::handshake, &Component::Impl::on_handshake}, // online | closed
  Transition{ComponentPhase::handshaking, Input::features,  &Component::Impl::ignore},       // handshaking
  Transition{ComponentPhase::online,      Input::stanza,    &Component::Impl::on_stanza},    // online
  Transition{ComponentPhase::online,      Input::features,  &Component::Impl::ignore},       // online
  Transition{ComponentPhase::closing,     Input::stanza,    &Component::Impl::on_stanza},    // closing
};
// The stream header is the one input outside the table: the parser yields it exactly once, in
// awaiting_stream (on_stream_open → handshaking | closed), or in closing when close() came first.
// clang-format on

}  // namespace

stream::Flow Component::Impl::on_stream_open(xml::Element header) {
  stream::HeaderExpectations expect;
  expect.kind = stream::StreamKind::component;
  expect.domain = config.domain.domain();
  // XEP-0114 §3: the server's header has no version; one it sends anyway is accepted.
  expect.require_version = false;
  // check_server_header() refuses a header without id (bad-format): the handshake digest is
  // computed over it, so without one there is nothing safe to send.
  auto check = stream::check_server_header(header, expect);
  if (!check.ok()) {
    core.fail_protocol(check.error->condition, check.error->message);
    return stream::Flow::proceed;
  }
  core.server_header() = std::move(check.header);
  // close() before the server's header: our closing tag is out, so no handshake may follow it
  // (RFC 6120 §4.4).
  if (phase == ComponentPhase::closing) return stream::Flow::proceed;
  return send_handshake();
}

stream::Flow Component::Impl::on_element(xml::Element element) {
  const Input input = classify(element);
  for (const Transition& t : kTransitions) {
    if (t.phase == phase && t.input == input) return (this->*t.step)(element);
  }
  // RFC 6120 §4.4: after our closing tag nothing may be sent, not even an error; whatever the
  // peer still sends that is not a stanza is dropped until its closing tag.
  if (phase == ComponentPhase::closing) return stream::Flow::proceed;
  // RFC 6120 §4.9.3.24: a first-level child the receiver does not accept (here: not in this
  // phase; XEP-0114 §3: no stanza may be exchanged before the handshake succeeded).
  std::string why = "is not understood on a component stream";
  if (input != Input::other) {
    why = "is not allowed while ";
    why += to_string(phase);
  }
  core.reject_element(element, why);
  return stream::Flow::proceed;
}

}  // namespace xmpp
