// The state of a client session and the steps of its negotiation. The public methods live in
// client.cpp, the table of allowed steps in negotiation_table.cpp, and each group of steps in a
// file of its own (tls_step.cpp, sasl_step.cpp, bind_step.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sasl/authenticator.hpp"
#include "stream/stream_core.hpp"
#include "xmpp/client.hpp"

namespace xmpp {

/// The kinds of top-level input the negotiation table distinguishes.
enum class ClientInput : std::uint8_t {
  features,        ///< <stream:features/>
  tls_proceed,     ///< <proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>
  tls_failure,     ///< <failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>
  sasl_challenge,  ///< <challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>
  sasl_success,    ///< <success .../>
  sasl_failure,    ///< <failure .../>
  stanza,          ///< <message/>, <presence/>, <iq/> in jabber:client
  other,           ///< anything else
};

/// Which of the table's inputs `element` is.
ClientInput classify(xml::Element element) noexcept;

struct Client::Impl final : stream::StreamHandler {
  explicit Impl(ClientConfig config);

  // -- The table (negotiation_table.cpp) -------------------------------------------------------
  stream::Flow on_stream_open(xml::Element header) override;
  stream::Flow on_element(xml::Element element) override;
  /// The decisions on <stream:features/>, in RFC 6120's order of negotiation.
  stream::Flow on_features(xml::Element element);

  // -- TLS (tls_step.cpp) ----------------------------------------------------------------------
  stream::Flow request_starttls();
  stream::Flow on_tls_proceed(xml::Element element);
  stream::Flow on_tls_failure(xml::Element element);
  void on_tls_established(const TlsInfo& info);

  // -- SASL (sasl_step.cpp) --------------------------------------------------------------------
  stream::Flow start_authentication();
  stream::Flow on_sasl_challenge(xml::Element element);
  stream::Flow on_sasl_success(xml::Element element);
  stream::Flow on_sasl_failure(xml::Element element);
  /// Decodes the element's SASL data; bad base64 is a stream error (false).
  bool decode_sasl(xml::Element element, std::optional<std::string>& data);
  /// A mechanism error: <abort/> when `abort` (the exchange is still running, RFC 6120 §6.4.4),
  /// then the AuthenticationFailed and Closed events.
  void fail_authentication(sasl::Error error, std::string_view text, bool abort);

  // -- Binding and session (bind_step.cpp) -----------------------------------------------------
  stream::Flow start_binding();
  stream::Flow on_bind_result(xml::Element element);
  stream::Flow on_session_result(xml::Element element);
  /// Sends `<iq type='set'>` with the payload `child` and moves to `next` to await its result.
  stream::Flow send_request(std::string_view child, std::string_view ns, ClientPhase next);
  /// The checks every response to a pending request gets; true for a result, nothing when the
  /// session ended (an error response ends it with `on_error`, anything else is a stream error).
  std::optional<bool> accept_response(xml::Element element, CloseReason on_error);
  /// The single point where a session becomes ready (the seam for stream management).
  stream::Flow go_online();
  stream::Flow on_stanza(xml::Element element);

  // -- Shared helpers --------------------------------------------------------------------------
  /// Opens a new stream in our direction (RFC 6120 §4.7), expecting the server's header next.
  bool open_stream();
  /// Moves to `next` and arms the negotiation timer for it (or clears it).
  void enter(ClientPhase next);
  /// Writes an element the engine built; on failure ends the session (output_overflow).
  bool write(xml::Element element);
  /// A fresh request id: lowercase hex of 6 entropy bytes.
  std::string next_request_id();
  /// Whether `from` of a response may come from the server on behalf of our account
  /// (RFC 6120 §8.1.2.1: absent, our domain, or our bare JID).
  bool from_account_or_server(xml::Element response) const noexcept;
  ClientPhase current_phase() const noexcept;

  ClientConfig config;
  stream::StreamCore core;
  ClientPhase phase = ClientPhase::idle;
  TimePoint now{};
  bool secure = false;
  bool authenticated = false;
  /// The server's latest features; forgotten when the stream restarts (RFC 6120 §5.4.3.3).
  StreamFeatures features;
  TlsInfo tls;
  /// Only during the SASL exchange (it is large and holds secrets).
  std::unique_ptr<sasl::Authenticator> authenticator;
  std::optional<sasl::Mechanism> mechanism;
  std::string pending_request_id;  ///< the bind or session request awaiting its result
  std::optional<Jid> bound_jid;
};

}  // namespace xmpp
