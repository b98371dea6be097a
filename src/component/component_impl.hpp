// The state of a component session and its steps. The public methods live in component.cpp,
// the table of allowed steps in handshake_table.cpp, the steps in handshake_step.cpp.
#pragma once

#include "stream/stream_core.hpp"
#include "xmpp/component.hpp"

namespace xmpp {

struct Component::Impl final : stream::StreamHandler {
  explicit Impl(ComponentConfig config);
  ~Impl();
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  // -- The table (handshake_table.cpp) ---------------------------------------------------------
  stream::Flow on_stream_open(xml::Element header) override;
  stream::Flow on_element(xml::Element element) override;

  // -- The steps (handshake_step.cpp) ----------------------------------------------------------
  /// Sends `<handshake>` with the digest of the server's stream id and the secret.
  stream::Flow send_handshake();
  /// The server's `<handshake/>`: empty means the secret was accepted.
  stream::Flow on_handshake(xml::Element element);
  /// The single point where a session becomes ready.
  stream::Flow go_online();
  stream::Flow on_stanza(xml::Element element);
  /// An element the protocol allows and the component has no use for.
  stream::Flow ignore(xml::Element element);

  // -- Shared helpers (component.cpp) ----------------------------------------------------------
  /// Writes our stream header (XEP-0114 §3) and waits for the server's.
  bool open_stream();
  /// Moves to `next` and arms the negotiation timer for it (or clears it).
  void enter(ComponentPhase next);
  /// Writes an element the engine built; on failure ends the session (output_overflow).
  bool write(xml::Element element);
  ComponentPhase current_phase() const noexcept;

  ComponentConfig config;
  stream::StreamCore core;
  ComponentPhase phase = ComponentPhase::idle;
  TimePoint now{};
};

}  // namespace xmpp
