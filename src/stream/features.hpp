// Reading <stream:features/> (RFC 6120 §4.3.2) into a plain struct.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xmpp/xml/element.hpp"

namespace xmpp::stream {

// Namespaces of the features this engine knows.
inline constexpr std::string_view kTlsNamespace = "urn:ietf:params:xml:ns:xmpp-tls";  // RFC 6120 §5
inline constexpr std::string_view kBindNamespace = "urn:ietf:params:xml:ns:xmpp-bind";  // §7
inline constexpr std::string_view kSessionNamespace =
    "urn:ietf:params:xml:ns:xmpp-session";                           // RFC 3921 §3
inline constexpr std::string_view kSmNamespace = "urn:xmpp:sm:3";    // XEP-0198
inline constexpr std::string_view kCsiNamespace = "urn:xmpp:csi:0";  // XEP-0352
inline constexpr std::string_view kRosterVersioningNamespace =
    "urn:xmpp:features:rosterver";  // RFC 6121 §2.6
inline constexpr std::string_view kRegisterFeatureNamespace =
    "http://jabber.org/features/iq-register";  // XEP-0077
inline constexpr std::string_view kPreApprovalNamespace =
    "urn:xmpp:features:pre-approval";  // RFC 6121 §3.4

/// What a server offered in one <stream:features/>. Owns its strings (a few short names), so it
/// outlives the parser's element and can be exposed by the engine's features() getter.
struct Features {
  bool starttls = false;           ///< <starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>
  bool starttls_required = false;  ///< ... with a <required/> child (RFC 6120 §5.3.1)
  /// SASL mechanism names in the server's order (RFC 6120 §6.3.3), as sent. Empty when SASL is
  /// not offered.
  std::vector<std::string> mechanisms;
  /// The XEP-0440 channel-binding types, nullopt when the server sent no list (then nothing is
  /// known about what it supports).
  std::optional<std::vector<std::string>> channel_bindings;
  bool bind = false;  ///< RFC 6120 §7.2
  /// Legacy session establishment (RFC 3921 §3; RFC 6121 Appendix E): offered, and required
  /// unless marked <optional/> (draft-cridland-xmpp-session-01), as RFC 3921 servers meant it.
  bool session = false;
  bool session_required = false;
  bool stream_management = false;  ///< <sm xmlns='urn:xmpp:sm:3'/> (XEP-0198)
  bool csi = false;                ///< <csi xmlns='urn:xmpp:csi:0'/> (XEP-0352)
  bool roster_versioning = false;  ///< <ver xmlns='urn:xmpp:features:rosterver'/> (RFC 6121)
  bool registration = false;       ///< <register xmlns='http://jabber.org/features/iq-register'/>
  bool pre_approval = false;       ///< <sub xmlns='urn:xmpp:features:pre-approval'/> (RFC 6121)
  /// Child elements none of the above recognised (ignored, RFC 6120 §4.3.2 allows any).
  std::size_t unknown = 0;

  /// True when nothing at all was offered (RFC 6120 §4.3.2: an empty features element means
  /// the stream is ready, e.g. after binding on some servers, or a component stream).
  bool empty() const noexcept {
    return !starttls && mechanisms.empty() && !channel_bindings && !bind && !session &&
           !stream_management && !csi && !roster_versioning && !registration && !pre_approval &&
           unknown == 0;
  }
};

/// True when `e` is {http://etherx.jabber.org/streams}features.
bool is_features(xml::Element e) noexcept;

/// Reads `e` when it is <stream:features/>; nullopt otherwise. Each known feature is recognised
/// by its element name and namespace; a repeated one counts once (the first wins for SASL, via
/// sasl::offered_mechanisms()). <mechanisms/> and <sasl-channel-binding/> are read with
/// sasl::offered_mechanisms() and sasl::offered_channel_bindings().
std::optional<Features> parse_features(xml::Element e);

}  // namespace xmpp::stream
