// Reading <stream:features/> (RFC 6120 §4.3.2).
#include "stream/features.hpp"

#include "xmpp/sasl.hpp"
#include "xmpp/stream_error.hpp"

namespace xmpp::stream {

bool is_features(xml::Element e) noexcept {
  return e && e.is("features", kStreamNamespace);
}

std::optional<Features> parse_features(xml::Element e) {
  if (!is_features(e)) return std::nullopt;
  Features f;
  for (xml::Element child = e.first_child_element(); child; child = child.next_sibling_element()) {
    const std::string_view name = child.name();
    const std::string_view ns = child.ns();
    if (ns == kTlsNamespace && name == "starttls") {
      // RFC 6120 §5.3.1: <required/> inside <starttls/> means the server will not go on without.
      f.starttls = true;
      if (child.child("required", kTlsNamespace)) f.starttls_required = true;
    } else if (ns == sasl::kNamespace && name == "mechanisms") {
      // Read below with the SASL module's parser (the first <mechanisms/> is the one used).
    } else if (ns == sasl::kChannelBindingNamespace && name == "sasl-channel-binding") {
      // XEP-0440; read below.
    } else if (ns == kBindNamespace && name == "bind") {
      f.bind = true;
    } else if (ns == kSessionNamespace && name == "session") {
      // RFC 3921 §3 made session establishment mandatory when offered; RFC 6121 dropped it and
      // servers since mark it <optional/> (draft-cridland-xmpp-session-01).
      if (!f.session) f.session_required = !child.child("optional", kSessionNamespace);
      f.session = true;
    } else if (ns == kSmNamespace && name == "sm") {
      f.stream_management = true;
    } else if (ns == kCsiNamespace && name == "csi") {
      f.csi = true;
    } else if (ns == kRosterVersioningNamespace && name == "ver") {
      f.roster_versioning = true;
    } else if (ns == kRegisterFeatureNamespace && name == "register") {
      f.registration = true;
    } else if (ns == kPreApprovalNamespace && name == "sub") {
      f.pre_approval = true;
    } else {
      ++f.unknown;
    }
  }
  for (std::string_view m : sasl::offered_mechanisms(e))
    f.mechanisms.emplace_back(m);
  if (auto cb = sasl::offered_channel_bindings(e)) {
    f.channel_bindings.emplace();
    f.channel_bindings->reserve(cb->size());
    for (std::string_view type : *cb)
      f.channel_bindings->emplace_back(type);
  }
  return f;
}

}  // namespace xmpp::stream
