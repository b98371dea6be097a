// What a server offered in <stream:features/> (RFC 6120 §4.3.2), as the engines expose it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace xmpp {

/// What a server offered in one <stream:features/>. Owns its strings (a few short names), so it
/// outlives the parser's element and can be exposed by the engine's features() getter.
struct StreamFeatures {
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

}  // namespace xmpp
