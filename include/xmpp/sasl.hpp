// SASL in XMPP (RFC 6120 §6): the mechanisms, credentials, channel binding, mechanism selection,
// the errors of a client exchange and the <failure/> conditions a server reports.
//
// The mechanisms themselves are pure state objects inside the engine (src/sasl/); this header
// holds what an application configures (Credentials, ScramPolicy, a mechanism preference) and
// what the engine reports (Error, Failure, ScramKeyCache after a successful login).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "xmpp/xml/element.hpp"

namespace xmpp::sasl {

/// The namespace of <mechanisms/>, <auth/>, <challenge/>, <response/>, <success/>, <failure/>
/// and <abort/> (RFC 6120 §6.4).
inline constexpr std::string_view kNamespace = "urn:ietf:params:xml:ns:xmpp-sasl";
/// The namespace of the <sasl-channel-binding/> stream feature (XEP-0440).
inline constexpr std::string_view kChannelBindingNamespace = "urn:xmpp:sasl-cb:0";

// ---------------------------------------------------------------------------------------------
// Mechanisms

/// The mechanisms the client implements. The enumerator order is stable API.
enum class Mechanism : std::uint8_t {
  scram_sha_512_plus,  ///< draft-melnikov-scram-sha-512 with channel binding
  scram_sha_256_plus,  ///< RFC 7677
  scram_sha_1_plus,    ///< RFC 5802
  scram_sha_512,       ///< draft-melnikov-scram-sha-512
  scram_sha_256,       ///< RFC 7677
  scram_sha_1,         ///< RFC 5802
  plain,               ///< RFC 4616 (only over TLS unless explicitly allowed)
  external,            ///< RFC 4422 Appendix A (e.g. a TLS client certificate, XEP-0178)
  anonymous,           ///< RFC 4505
};

/// The registered mechanism name, e.g. "SCRAM-SHA-256-PLUS". Points to static storage.
std::string_view to_string(Mechanism mechanism) noexcept;
/// The mechanism of a registered name (exact, case-sensitive: RFC 4422 §3.1 names are upper
/// case); nullopt for a name this library does not implement.
std::optional<Mechanism> mechanism_from_string(std::string_view name) noexcept;

/// The hash of a SCRAM mechanism.
enum class ScramHash : std::uint8_t { sha1, sha256, sha512 };

/// The hash of `mechanism`, or nullopt when it is not a SCRAM mechanism.
std::optional<ScramHash> scram_hash(Mechanism mechanism) noexcept;
/// Whether `mechanism` is a -PLUS (channel-binding) variant.
bool is_plus(Mechanism mechanism) noexcept;

/// The default client preference: the strongest first, PLAIN last; EXTERNAL and ANONYMOUS only
/// when an application asks for them.
inline constexpr std::array<Mechanism, 7> kDefaultPreference = {
    Mechanism::scram_sha_512_plus,
    Mechanism::scram_sha_256_plus,
    Mechanism::scram_sha_1_plus,
    Mechanism::scram_sha_512,
    Mechanism::scram_sha_256,
    Mechanism::scram_sha_1,
    Mechanism::plain,
};

// ---------------------------------------------------------------------------------------------
// Channel binding

/// Channel-binding types, in the client's order of preference.
enum class ChannelBindingType : std::uint8_t {
  tls_exporter,          ///< RFC 9266; TLS 1.3
  tls_unique,            ///< RFC 5929 §3; TLS 1.2 only (not defined for TLS 1.3, RFC 9266)
  tls_server_end_point,  ///< RFC 5929 §4; any version (binds only the server certificate)
};

/// The cb-name, e.g. "tls-exporter". Points to static storage.
std::string_view to_string(ChannelBindingType type) noexcept;
/// The type of a cb-name; nullopt for names this library does not implement.
std::optional<ChannelBindingType> channel_binding_type_from_string(std::string_view name) noexcept;

/// The negotiated TLS version, as far as channel binding cares.
enum class TlsVersion : std::uint8_t { tls_1_2, tls_1_3, other };

/// What the TLS layer of a connection could extract for channel binding (the engine gets it
/// with the TLS hand-off). An empty string means "not available".
struct TlsChannel {
  TlsVersion version = TlsVersion::tls_1_3;
  /// RFC 9266 §2: 32 bytes of the exporter with label "EXPORTER-Channel-Binding", no context.
  std::string tls_exporter;
  /// RFC 5929 §4.1: the hash of the server's certificate.
  std::string tls_server_end_point;
  /// RFC 5929 §3.1: the first Finished message of the latest handshake (TLS 1.2).
  std::string tls_unique;

  /// The data for `type` (empty when not extracted).
  std::string_view data(ChannelBindingType type) const noexcept;
  /// Whether `type` can be used on this connection: its data was extracted and the TLS version
  /// allows it (tls-exporter only on TLS 1.3: with TLS 1.2 it is safe only with the extended
  /// master secret, which the engine cannot see (RFC 9266); tls-unique only on TLS 1.2).
  bool usable(ChannelBindingType type) const noexcept;
};

/// The gs2-cbind-flag of a SCRAM exchange (RFC 5802 §6, §7).
enum class Gs2Flag : std::uint8_t {
  n,  ///< the client does not support channel binding
  y,  ///< the client supports it but the server seems not to (no -PLUS mechanism offered), so
      ///< a server that does support it detects a stripped -PLUS list
  p,  ///< channel binding in use ("p=<cb-name>")
};

// ---------------------------------------------------------------------------------------------
// Mechanism selection (a pure function of what the server offered and the client's policy)

/// The chosen mechanism and its channel-binding parameters.
struct Selection {
  Mechanism mechanism = Mechanism::scram_sha_256;
  /// Set exactly when `mechanism` is a -PLUS variant.
  std::optional<ChannelBindingType> channel_binding;
  /// For SCRAM: p with -PLUS, otherwise y or n. Meaningless for other mechanisms (n).
  Gs2Flag gs2_flag = Gs2Flag::n;
};

/// Everything select_mechanism() decides on. The spans are only read during the call.
struct SelectionInput {
  /// The <mechanism/> names of the server's <mechanisms/> feature, as sent.
  std::span<const std::string_view> offered;
  /// The mechanisms the client allows, most preferred first. The client's order decides, never
  /// the server's.
  std::span<const Mechanism> preference = kDefaultPreference;
  /// The TLS layer's report; null when the stream is not TLS-protected.
  const TlsChannel* tls = nullptr;
  /// The cb-names of the server's XEP-0440 <sasl-channel-binding/> feature; nullopt when the
  /// server sent none. When present, only the types listed are used.
  std::optional<std::span<const std::string_view>> server_channel_bindings;
  /// Whether PLAIN may be used on a stream without TLS (RFC 4616 warns against it).
  bool allow_plain_without_tls = false;
};

/// Why select_mechanism() found nothing. In every case the engine must not authenticate (and
/// fails the connection); the value says which configuration or server policy stood in the way.
enum class SelectionError : std::uint8_t {
  ok,
  nothing_offered,            ///< the server offered no mechanism at all
  no_common_mechanism,        ///< none of the client's allowed mechanisms is offered
  plain_needs_tls,            ///< only PLAIN is common, and the stream has no TLS
  external_needs_tls,         ///< only EXTERNAL is common, and the stream has no TLS
  no_usable_channel_binding,  ///< only -PLUS is common, and no channel-binding type fits (no
                              ///< TLS, no data extracted, wrong TLS version, or not in the
                              ///< server's XEP-0440 list)
};

std::string_view to_string(SelectionError error) noexcept;

/// Picks the first mechanism of `input.preference` that the server offered and that can be used
/// on this stream. Rules:
/// - -PLUS needs a usable channel-binding type (TlsChannel::usable). With a XEP-0440 list, the
///   first of tls-exporter, tls-unique, tls-server-end-point that the server lists; without one,
///   only tls-unique on TLS 1.2 (RFC 5802 §6). Not tls-exporter on TLS 1.3 without a list,
///   although RFC 9266 makes it the default: deployed servers (ejabberd 23.01) advertise -PLUS
///   on TLS 1.3 and refuse tls-exporter, and a refused login is permanent.
/// - PLAIN needs TLS unless `allow_plain_without_tls`; EXTERNAL always needs TLS.
/// - SCRAM without -PLUS uses gs2 flag `y` when the client could bind (TLS, a usable type, and
///   some -PLUS mechanism allowed) but the server offered no -PLUS mechanism at all (RFC 5802
///   §6); `n` otherwise.
/// On failure, the error describes the most preferred mechanism the server offered but that
/// could not be used (or nothing_offered / no_common_mechanism); `out` is left unchanged.
SelectionError select_mechanism(const SelectionInput& input, Selection& out) noexcept;

/// The mechanism names of the <mechanisms/> child of a <stream:features/> element (empty when
/// there is none). The views point into the element's tree and live as long as it.
std::vector<std::string_view> offered_mechanisms(xml::Element features);
/// The cb-names of the XEP-0440 <sasl-channel-binding/> child of <stream:features/>, or nullopt
/// when there is none. The views live as long as the element's tree.
std::optional<std::vector<std::string_view>> offered_channel_bindings(xml::Element features);

// ---------------------------------------------------------------------------------------------
// Credentials

/// A SCRAM key of up to 64 bytes (a SHA-512 output), held inline.
struct ScramKey {
  std::array<std::uint8_t, 64> bytes{};
  std::uint8_t size = 0;

  bool empty() const noexcept { return size == 0; }
  std::span<const std::uint8_t> view() const noexcept { return {bytes.data(), size}; }
  /// A key holding the first min(64, data.size()) bytes of `data`.
  static ScramKey from(std::span<const std::uint8_t> data) noexcept;
};

/// What an application can keep instead of the plaintext password (RFC 5802 §3): either the
/// salted password, or the client key and server key derived from it. It is valid only for the
/// hash, salt and iteration count it was derived with; a server that changes them (e.g. after a
/// password change) needs the password again.
struct ScramKeyCache {
  ScramHash hash = ScramHash::sha256;
  std::string salt;  ///< the decoded salt bytes (the server's s=)
  std::uint32_t iterations = 0;
  ScramKey salted_password;  ///< SaltedPassword; may be empty when both keys below are set
  ScramKey client_key;       ///< ClientKey = HMAC(SaltedPassword, "Client Key")
  ScramKey server_key;       ///< ServerKey = HMAC(SaltedPassword, "Server Key")
};

/// The application's credentials. A mechanism copies what it needs when it starts (nothing keeps
/// referring to this struct) and wipes its own copies of secrets once they are used; the PLAIN
/// initial response it hands back holds the password, for the engine to wipe once written.
struct Credentials {
  /// The authentication identity: for XMPP, the localpart of the account JID (RFC 6120 §6.3.7).
  /// UTF-8; prepared with SASLprep as a query string (RFC 5802 §5.1, RFC 4013).
  std::string username;
  /// UTF-8; prepared with SASLprep (as a stored string for SCRAM, RFC 5802 §2.2). May be empty
  /// when `scram_keys` fits the SCRAM mechanism in use.
  std::string password;
  /// Cached SCRAM keys; used instead of the password when the server's salt and iteration count
  /// match (saving the PBKDF2 work), and instead of a missing password.
  std::optional<ScramKeyCache> scram_keys;
  /// The authorization identity; normally empty (RFC 6120 §6.3.8: only to act as another
  /// entity). Sent as is (it is a JID, not prepared with SASLprep).
  std::string authzid;
  /// The ANONYMOUS trace information (RFC 4505 §2); normally empty.
  std::string anonymous_trace;
};

/// Bounds a SCRAM exchange enforces. Part of the engine configuration.
struct ScramPolicy {
  /// Smallest iteration count accepted from the server (RFC 7677 §3: at least 4096).
  std::uint32_t min_iterations = 4096;
  /// Largest iteration count accepted: a cap on the PBKDF2 work a server can demand. At most
  /// INT32_MAX.
  std::uint32_t max_iterations = 1'000'000;
  /// Entropy bytes in the client nonce (the nonce is their base64 form), 12..96.
  std::size_t nonce_entropy_bytes = 24;
};

/// Fills the span with unpredictable bytes (the application's CSPRNG; tests pass a seeded one).
/// The engine never produces randomness itself.
using Entropy = std::function<void(std::span<std::uint8_t>)>;

// ---------------------------------------------------------------------------------------------
// SASLprep (RFC 4013), through libidn's stringprep

/// RFC 3454 §7: query strings may contain unassigned code points, stored strings may not.
enum class PrepKind : std::uint8_t { query, stored };

/// Why a string was refused by SASLprep (or by a mechanism after preparing it).
enum class PrepError : std::uint8_t {
  ok,
  empty,         ///< empty (before or after preparation) where the mechanism needs a value
  invalid_utf8,  ///< not well-formed UTF-8
  prohibited,    ///< contains a prohibited character (RFC 4013 §2.3), e.g. a control character
  bidi,          ///< fails the bidirectional check (RFC 4013 §2.4, RFC 3454 §6)
  unassigned,    ///< contains a code point unassigned in Unicode 3.2 (stored strings only)
  failed,        ///< libidn failed for another reason (e.g. memory)
};

std::string_view to_string(PrepError error) noexcept;

/// Prepares `in` with the SASLprep profile of stringprep (RFC 4013) and stores the result in
/// `out` (replacing its contents). Printable ASCII is returned unchanged without calling libidn.
/// On an error `out` is left unchanged. An empty input gives an empty output and ok.
PrepError saslprep(std::string_view in, PrepKind kind, std::string& out);

// ---------------------------------------------------------------------------------------------
// Errors of a client exchange

/// Why a mechanism step failed (origin() says whose fault it is).
/// - caller: the engine misused the API; nothing changed and the exchange can still be used.
/// - credentials: the application must fix its configuration (mostly found by start(), before
///   anything is sent; scram_key_cache_mismatch only once the server's salt is known).
/// - server: the server broke the mechanism or failed to authenticate itself.
/// Every error other than a caller error ends the exchange: the engine sends <abort/> (RFC 6120
/// §6.4.4) when a challenge caused it, or closes the stream when a <success/> did, and never
/// falls back to another mechanism on its own.
enum class Error : std::uint8_t {
  ok,
  // caller
  invalid_state,    ///< caller: a call that the exchange's state does not allow
  invalid_policy,   ///< caller: a ScramPolicy value out of range
  missing_entropy,  ///< caller: no Entropy function for a SCRAM nonce
  // credentials
  missing_credentials,  ///< credentials: no password (nor fitting SCRAM keys)
  invalid_username,     ///< credentials: refused by SASLprep (see prep_error())
  invalid_password,     ///< credentials: refused by SASLprep (see prep_error())
  invalid_authzid,      ///< credentials: not UTF-8, or contains NUL
  invalid_trace,        ///< credentials: ANONYMOUS trace not UTF-8, NUL, or > 255 characters
  invalid_key_cache,    ///< credentials: ScramKeyCache without salt, iterations or keys of
                        ///< the hash's size
  channel_binding_unavailable,  ///< credentials: -PLUS selected without channel-binding data
  // server
  unexpected_challenge,       ///< server: a challenge the mechanism does not expect
  unexpected_success_data,    ///< server: additional data with <success/> the mechanism does not
                              ///< define (or a second server-final message)
  premature_success,          ///< server: <success/> before the mechanism completed (no mutual
                              ///< authentication)
  scram_missing_attribute,    ///< server: an attribute RFC 5802 §7 requires at this position is
                              ///< absent (missing, or another attribute stands in its place)
  scram_malformed_attribute,  ///< server: an attribute breaks the RFC 5802 §7 grammar (empty,
                              ///< bad characters, bad number, bad base64, a repeated or
                              ///< reserved name, trailing junk)
  scram_mandatory_extension,  ///< server: "m=" (RFC 5802 §5.1: the client must fail)
  scram_nonce_mismatch,       ///< server: the nonce does not start with and extend the client's
  scram_invalid_salt,         ///< server: the salt is not strict base64, or is empty
  scram_iterations_too_low,   ///< server: iteration count below ScramPolicy::min_iterations
  scram_iterations_too_high,  ///< server: iteration count above ScramPolicy::max_iterations
  scram_key_cache_mismatch,   ///< credentials: the server's salt or iteration count differ from
                              ///< the cached keys and there is no password (supply it again)
  scram_server_error,         ///< server: "e=" (see server_error())
  scram_server_signature_mismatch,  ///< server: "v=" does not prove knowledge of the key; the
                                    ///< server is not who it claims (do not retry blindly)
  scram_missing_server_signature,   ///< server: <success/> without the server-final message
  // local
  crypto_failure,  ///< libcrypto failed (memory or provider configuration)
};

std::string_view to_string(Error error) noexcept;

/// Who must act on an error.
enum class ErrorOrigin : std::uint8_t { none, caller, credentials, server, local };
ErrorOrigin origin(Error error) noexcept;

// ---------------------------------------------------------------------------------------------
// <failure/> (RFC 6120 §6.5)

/// The SASL failure conditions of RFC 6120 §6.5.1–§6.5.11, and `unknown` for any other (or a
/// missing) condition element. The enumerator order is stable API.
enum class FailureCondition : std::uint8_t {
  aborted,
  account_disabled,
  credentials_expired,
  encryption_required,
  incorrect_encoding,
  invalid_authzid,
  invalid_mechanism,
  malformed_request,
  mechanism_too_weak,
  not_authorized,
  temporary_auth_failure,
  unknown,
};

/// The element name, e.g. "not-authorized"; "unknown" for FailureCondition::unknown (not a
/// protocol name). Points to static storage.
std::string_view to_string(FailureCondition condition) noexcept;
/// The condition of an element name; unknown for names RFC 6120 does not define.
FailureCondition failure_condition_from_string(std::string_view name) noexcept;

/// Whether retrying later with the same credentials and mechanism is pointless: every condition
/// except temporary-auth-failure (RFC 6120 §6.5.11). An authentication failure is permanent, so
/// a reconnecting client stops, and never falls back to a weaker mechanism on its own.
constexpr bool is_permanent(FailureCondition condition) noexcept {
  return condition != FailureCondition::temporary_auth_failure;
}

/// A parsed <failure/>. The views point into the element's tree and live as long as it.
struct Failure {
  FailureCondition condition = FailureCondition::unknown;
  /// The condition element's name as received (also for unknown ones); empty when none.
  std::string_view condition_name;
  /// The <text/> child's character data (RFC 6120 §6.5), empty when absent.
  std::string_view text;
  /// The <text/> child's xml:lang, empty when absent.
  std::string_view text_lang;
};

/// Parses `element` when it is a <failure/> in kNamespace; nullopt otherwise. The condition is
/// the first child element in kNamespace other than <text/>.
std::optional<Failure> parse_failure(xml::Element element) noexcept;

}  // namespace xmpp::sasl
