// Reading the SASL elements a server sends: <mechanisms/> and XEP-0440 <sasl-channel-binding/>
// in the stream features, and <failure/> (RFC 6120 §6.4.5, §6.5).
#include "xmpp/sasl.hpp"

namespace xmpp::sasl {

std::vector<std::string_view> offered_mechanisms(xml::Element features) {
  std::vector<std::string_view> names;
  // RFC 6120 §6.4.1: <mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'> with one
  // <mechanism/> child per offered mechanism.
  const xml::Element mechanisms = features.child("mechanisms", kNamespace);
  if (!mechanisms) return names;
  for (xml::Element m = mechanisms.first_child_element(); m; m = m.next_sibling_element()) {
    if (m.is("mechanism", kNamespace)) names.push_back(m.text());
  }
  return names;
}

std::optional<std::vector<std::string_view>> offered_channel_bindings(xml::Element features) {
  // XEP-0440: <sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'> with one
  // <channel-binding type='...'/> child per supported type.
  const xml::Element list = features.child("sasl-channel-binding", kChannelBindingNamespace);
  if (!list) return std::nullopt;
  std::vector<std::string_view> types;
  for (xml::Element cb = list.first_child_element(); cb; cb = cb.next_sibling_element()) {
    if (!cb.is("channel-binding", kChannelBindingNamespace)) continue;
    if (auto type = cb.attribute("type")) types.push_back(*type);
  }
  return types;
}

std::optional<Failure> parse_failure(xml::Element element) noexcept {
  if (!element || !element.is("failure", kNamespace)) return std::nullopt;
  Failure failure;
  for (xml::Element child = element.first_child_element(); child;
       child = child.next_sibling_element()) {
    if (child.ns() != kNamespace) continue;
    if (child.name() == "text") {
      // RFC 6120 §6.4.5: an optional <text/> with xml:lang.
      if (failure.text.empty()) {
        failure.text = child.text();
        failure.text_lang = child.attribute_or_empty("lang", xml::kXmlNamespace);
      }
    } else if (failure.condition_name.empty()) {
      failure.condition_name = child.name();
      failure.condition = failure_condition_from_string(child.name());
    }
  }
  return failure;
}

}  // namespace xmpp::sasl
