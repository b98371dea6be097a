// What the test server engine can be told to do: its phases, the writes a test can rewrite, and
// its configuration (domain, accounts, TLS, SASL, binding, the shape of its writes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xmpp/sasl.hpp"
#include "xmpp/xml/limits.hpp"

namespace xmpp::testing {

/// Where the server stands in the negotiation (the server side of the client's table in
/// docs/engine-design.md). Each phase has one handler for the client's top-level elements.
enum class ServerPhase : std::uint8_t {
  awaiting_tls,       ///< direct TLS (XEP-0368): tls_established() comes before any byte
  awaiting_header,    ///< a new client stream header is expected (start, TLS, SASL success)
  awaiting_starttls,  ///< pre-TLS features sent: <starttls/> (or <auth/> if SASL was offered)
  tls_handoff,        ///< <proceed/> sent: no byte may be given until tls_established()
  awaiting_auth,      ///< <mechanisms/> offered: <auth/>
  sasl,               ///< an exchange runs: <response/> or <abort/>
  awaiting_bind,      ///< authenticated, <bind/> offered: the bind request
  online,             ///< bound: stanzas are recorded, a legacy session request is answered
  closing,            ///< our closing tag is sent; waiting for the client's
  closed,             ///< over: both closing tags, a stream error, or the end of the transport
};

/// Every write the server makes on its own, named for Config::rewrite.
enum class ServerStep : std::uint8_t {
  header,          ///< our stream header (RFC 6120 §4.7)
  features,        ///< <stream:features/> (RFC 6120 §4.3.2)
  proceed,         ///< STARTTLS <proceed/> (RFC 6120 §5.4.2.3)
  tls_failure,     ///< STARTTLS <failure/> (RFC 6120 §5.4.2.2)
  sasl_challenge,  ///< <challenge/> (RFC 6120 §6.4.3)
  sasl_success,    ///< <success/> (RFC 6120 §6.4.6)
  sasl_failure,    ///< <failure/> (RFC 6120 §6.4.5)
  bind_result,     ///< the bind result with the full JID (RFC 6120 §7.6.1)
  bind_error,      ///< the bind request refused (RFC 6120 §7.7.2)
  session_result,  ///< the answer to a legacy session request (RFC 3921 §3)
  stream_error,    ///< <stream:error/> and our closing tag (RFC 6120 §4.9.1.1)
  close,           ///< our closing tag alone (RFC 6120 §4.4)
  sm_enabled,      ///< <enabled/> (XEP-0198 §3)
  sm_failed,       ///< <failed/> to <enable/> or <resume/> (XEP-0198 §3, §5)
  sm_resumed,      ///< <resumed/> (XEP-0198 §5); the stanzas re-sent after it are not steps
  sm_ack,          ///< <a h/> answering the client's <r/> (XEP-0198 §4)
  sm_request,      ///< our own <r/> (XEP-0198 §4)
};

std::string_view to_string(ServerPhase phase) noexcept;
std::string_view to_string(ServerStep step) noexcept;

/// Whether and how STARTTLS is offered before TLS (RFC 6120 §5.3.1).
enum class StartTlsOffer : std::uint8_t {
  none,      ///< not offered: the stream stays in the clear unless direct TLS is used
  optional,  ///< <starttls/>
  required,  ///< <starttls><required/></starttls>
};

/// The legacy session feature (RFC 3921 §3; draft-cridland-xmpp-session-01 adds <optional/>).
enum class SessionOffer : std::uint8_t { none, required, optional };

struct ServerConfig {
  /// The domain served: the client's `to` must name it (else host-unknown), and it is our
  /// `from` and the domain of every bound JID.
  std::string domain = "example.com";
  /// Our xml:lang (RFC 6120 §4.7.4).
  std::string lang = "en";
  /// Accounts: localpart → password, both as the user would type them (the server prepares
  /// passwords with SASLprep, RFC 4013). The localpart is compared with the prepared username.
  std::map<std::string, std::string, std::less<>> users = {{"alice", "s3cret"}};

  // --- TLS ---
  StartTlsOffer starttls = StartTlsOffer::required;
  /// XEP-0368: the connection is TLS from the first byte; call tls_established() first.
  bool direct_tls = false;
  /// Answer <starttls/> with <failure/> and our closing tag (RFC 6120 §5.4.2.2).
  bool refuse_starttls = false;

  // --- SASL ---
  /// The mechanisms offered once the stream is secure, in this order. -PLUS and EXTERNAL are
  /// only offered on a secure stream.
  std::vector<sasl::Mechanism> mechanisms = {sasl::Mechanism::scram_sha_256,
                                             sasl::Mechanism::scram_sha_1, sasl::Mechanism::plain};
  /// Also offer <mechanisms/> before TLS (next to <starttls/>), without -PLUS and EXTERNAL.
  bool sasl_before_tls = false;
  /// The XEP-0440 <sasl-channel-binding/> list sent with the mechanisms on a secure stream;
  /// nullopt sends none. When set, -PLUS accepts only the types listed.
  std::optional<std::vector<sasl::ChannelBindingType>> channel_binding_types;
  /// SCRAM: the salt (raw bytes; sent base64-encoded) and the iteration count (RFC 5802 §5.1).
  std::string scram_salt = "salt-of-the-test-server";
  std::uint32_t scram_iterations = 4096;
  /// SCRAM: entropy bytes appended (base64) to the client's nonce (RFC 5802 §5.1 s-nonce).
  std::size_t scram_nonce_bytes = 18;
  /// SCRAM: send the server-final-message (v=) in a <challenge/> followed, after the client's
  /// empty <response/>, by an empty <success/>, instead of inside <success/> (RFC 6120 §6.3.10
  /// allows both).
  bool scram_final_in_challenge = false;
  /// EXTERNAL: accept it, authenticating as this localpart (as if a client certificate
  /// identified it; XEP-0178).
  bool accept_external = false;
  std::string external_user = "alice";

  // --- after authentication ---
  SessionOffer session = SessionOffer::none;
  /// Raw XML appended to the features after authentication, after <bind/> and <session/>
  /// (e.g. "<sm xmlns='urn:xmpp:sm:3'/>").
  std::vector<std::string> extra_features;
  /// The resource the server assigns whatever the client asked for (RFC 6120 §7.7.2.2 lets it
  /// override); nullopt grants the requested one, or generates one when none was asked for.
  std::optional<std::string> assigned_resource;

  // --- stream management (XEP-0198) ---
  /// Offer <sm xmlns='urn:xmpp:sm:3'/> after authentication (XEP-0198 §2) and speak it: enable,
  /// acks both ways, resumption through the Server's SessionStore. When false, elements of
  /// urn:xmpp:sm:3 are not understood (recorded as stanzas once online, as before).
  bool sm = false;
  /// Allow resumption when the client asks for it (XEP-0198 §3); else <enabled/> carries no id
  /// and <resume/> is answered with <failed><feature-not-implemented/></failed> (§5).
  bool sm_resume = true;
  /// How long a lost session hibernates: the `max` of <enabled/>, lowered to the client's
  /// preferred `max` when it asks for less (XEP-0198 §3).
  std::uint32_t sm_max_resume_seconds = 300;
  /// The `location` of <enabled/> for resumable sessions (XEP-0198 §3); empty: none.
  std::string sm_location;
  /// Send our own <r/> after every this many stanzas sent with send_stanza() (and after the
  /// stanzas re-sent on resumption); 0: only when request_ack() is called (XEP-0198 §4).
  std::uint32_t sm_request_every = 0;

  // --- the shape of the output ---
  /// Write our header and the features as two writes (as ejabberd does) instead of one
  /// (Prosody).
  bool split_header_and_features = false;
  /// Stream ids are this prefix and a counter from 1 ("s1", "s2", ...).
  std::string stream_id_prefix = "s";
  /// Called before each write listed in ServerStep with its bytes, which it may change; a write
  /// left empty is not made. The server's state is not affected (it still believes it sent the
  /// original), so a test can script a misbehaving server.
  std::function<void(ServerStep step, std::string& bytes)> rewrite;

  /// Unpredictable bytes (SCRAM nonce suffix, generated resources and anonymous users). Empty:
  /// a counter, so runs are reproducible either way.
  sasl::Entropy entropy;
  /// Bounds of the parser reading the client.
  xml::Limits parser_limits;
};

}  // namespace xmpp::testing
