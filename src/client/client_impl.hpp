// The state of a client session and the steps of its negotiation. The public methods live in
// client.cpp, the table of allowed steps in negotiation_table.cpp, and each group of steps in a
// file of its own (tls_step.cpp, sasl_step.cpp, bind_step.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sasl/authenticator.hpp"
#include "stream/stream_core.hpp"
#include "xmpp/client.hpp"
#include "xmpp/stream_management_state.hpp"

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
  sm_enabled,      ///< <enabled xmlns='urn:xmpp:sm:3'/>
  sm_resumed,      ///< <resumed/>
  sm_failed,       ///< <failed/>
  sm_ack,          ///< <a/>
  sm_request,      ///< <r/>
  other,           ///< anything else
};

/// Where stream management (XEP-0198) stands, across connections.
enum class SmMode : std::uint8_t {
  off,       ///< not used on this session: stanzas are not tracked
  enabling,  ///< `<enable/>` sent: stanzas are tracked, `<enabled/>` or `<failed/>` awaited
  active,    ///< `<enabled/>` or `<resumed/>` arrived: counting both ways
  parked,    ///< the link was lost with a resumable session: stanzas are queued, not written,
             ///< until `<resumed/>` (or handed back on `<failed/>`)
};

/// Which of the table's inputs `element` is.
ClientInput classify(xml::Element element) noexcept;
/// A `<message/>`, `<presence/>` or `<iq/>` in jabber:client: what XEP-0198 counts.
bool is_stanza(xml::Element element) noexcept;

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

  // -- Stream management (sm_step.cpp) ---------------------------------------------------------
  /// After SASL, with a session kept for resumption: `<resume/>` (XEP-0198 §5), or the hand-back
  /// when resuming is impossible; true when the step was taken (resuming or session ended).
  bool try_resumption();
  /// Gives up resuming (impossible, or `<failed/>`): the queue is handed back (or kept for the
  /// re-send with a delay stamp) and the next steps bind and enable afresh.
  void abandon_resumption(std::string_view reason);
  /// `<enable/>` after binding when configured and offered (XEP-0198 §3).
  void enable_stream_management();
  stream::Flow on_sm_enabled(xml::Element element);
  stream::Flow on_sm_resumed(xml::Element element);
  stream::Flow on_sm_failed(xml::Element element);
  stream::Flow on_sm_ack(xml::Element element);
  stream::Flow on_sm_request(xml::Element element);
  /// send() for a stanza while stream management tracks stanzas (enabling, active, parked).
  SendStatus send_tracked(xml::Element element, std::uint64_t tag);
  /// Applies an `h` (from `<a/>`, `<resumed/>` or `<failed/>`): Acked for what it covers; a
  /// protocol error (false) when it is too high or goes backwards (XEP-0198 §6).
  bool apply_h(std::uint32_t h, bool trim);
  /// Queues Unconfirmed for `stanzas` (nothing when empty).
  void hand_back(std::vector<UnackedStanza> stanzas, std::string_view reason);
  /// Ends stream management for good: everything unconfirmed is handed back, state reset.
  void end_stream_management(std::string_view reason);
  /// Sends `<r/>` when the request policy says so (XEP-0198 §4, at most one outstanding).
  void maybe_request_ack();
  void send_ack_request();
  /// Re-arms Timer::ack_request from the policy and the queue.
  void arm_ack_request_timer();
  /// close(): the final `<a h/>` (and an `<r/>` for what is unacknowledged) before the closing
  /// tag (XEP-0198 §4).
  void write_final_ack();
  void on_timer(stream::Timer timer, TimePoint now) override;
  void on_session_end(CloseReason reason) override;
  /// Forgets the previous connection before connect() starts another.
  void reset_connection();
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

  // Stream management (XEP-0198): the session state survives connections.
  sm::StreamManagementState sm;
  SmMode sm_mode = SmMode::off;
  bool ack_requested = false;          ///< an `<r/>` is outstanding
  std::size_t sent_since_request = 0;  ///< stanzas sent since the last `<r/>`
  TimePoint last_ack_at{};             ///< the last `<a/>` (or enabling/resuming): idle probe base
  TimePoint last_received_at{};        ///< the last bytes from the server (LinkDead)
  /// After a failed resumption with resend_unconfirmed_with_delay: re-sent after `<enable/>`.
  std::vector<UnackedStanza> to_resend;
  /// The sequence of the last tracked stanza written to a transport: stanzas queued while parked
  /// are counted (outbound_count) but not written before `<resumed/>`, so no `h` may cover them
  /// (XEP-0198 §6).
  std::uint32_t written_through = 0;
  /// The server answered our `<resume/>` on this connection (`<resumed/>` or `<failed/>`): from
  /// then on the kept session is this connection's, and ends with it.
  bool resume_answered = false;
};

}  // namespace xmpp
