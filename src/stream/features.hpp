// Reading <stream:features/> (RFC 6120 §4.3.2) into a plain struct.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xmpp/stream_features.hpp"
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

using Features = xmpp::StreamFeatures;

/// True when `e` is {http://etherx.jabber.org/streams}features.
bool is_features(xml::Element e) noexcept;

/// Reads `e` when it is <stream:features/>; nullopt otherwise. Each known feature is recognised
/// by its element name and namespace; a repeated one counts once (the first wins for SASL, via
/// sasl::offered_mechanisms()). <mechanisms/> and <sasl-channel-binding/> are read with
/// sasl::offered_mechanisms() and sasl::offered_channel_bindings().
std::optional<Features> parse_features(xml::Element e);

}  // namespace xmpp::stream
