// <stream:error> elements (RFC 6120 §4.9.2) read from and built into element trees.
#include <string>

#include "xmpp/jid.hpp"
#include "xmpp/stream_error.hpp"
#include "xmpp/xml/arena.hpp"
#include "xmpp/xml/builder.hpp"
#include "xmpp/xml/element.hpp"

namespace xmpp {
namespace {

std::string_view trim_xml_space(std::string_view s) noexcept {
  constexpr std::string_view kSpace = " \t\r\n";  // XML 1.0 §2.3 S
  const std::size_t first = s.find_first_not_of(kSpace);
  if (first == s.npos) return {};
  return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

// RFC 6120 §4.9.3.19: the target "MUST be a valid domainpart or a domainpart plus port number
// (separated by the ':' character in the form "domainpart:port")"; an IPv6 domainpart is in
// brackets (RFC 7622 §3.2).
bool is_usable_host(std::string_view target) noexcept {
  std::string_view host = target, port;
  if (target.starts_with('[')) {
    const std::size_t close = target.find(']');
    if (close == target.npos) return false;
    host = target.substr(0, close + 1);
    port = target.substr(close + 1);
    if (!port.empty() && !port.starts_with(':')) return false;
  } else if (const std::size_t colon = target.find(':'); colon != target.npos) {
    host = target.substr(0, colon);
    port = target.substr(colon);
  }
  if (!port.empty()) {
    port.remove_prefix(1);  // the ':'
    if (port.empty() || port.size() > 5) return false;
    unsigned value = 0;
    for (char c : port) {
      if (c < '0' || c > '9') return false;
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value == 0 || value > 65535) return false;
  }
  // A host is exactly what a domainpart may be; '@' and '/' would make it a wider JID.
  return host.find_first_of("@/") == host.npos && Jid::check(host) == JidError::ok;
}

}  // namespace

std::optional<StreamError> parse_stream_error(xml::Element e) {
  if (!e || !e.is("error", kStreamNamespace)) return std::nullopt;
  StreamError out;
  xml::Element condition, text, app;
  for (xml::Element c = e.first_child_element(); c; c = c.next_sibling_element()) {
    if (c.ns() == kStreamErrorNamespace) {
      xml::Element& slot = c.name() == "text" ? text : condition;
      if (!slot) slot = c;
    } else if (!app) {
      app = c;
    }
  }
  if (condition) {
    // RFC 6120 §4.9.3.21: an unknown condition is treated as undefined-condition.
    out.condition = stream_error_condition_from_string(condition.name())
                        .value_or(StreamErrorCondition::undefined_condition);
    if (out.condition == StreamErrorCondition::see_other_host) {
      std::string target;
      condition.append_text(target);
      const std::string_view host = trim_xml_space(target);
      if (is_usable_host(host)) {
        out.see_other_host.assign(host);
      } else {
        out.condition = StreamErrorCondition::undefined_condition;
      }
    }
  }
  if (text) {
    out.text.emplace();
    text.append_text(*out.text);
    out.text_lang.assign(text.attribute_or_empty("lang", xml::kXmlNamespace));
  }
  if (app) {
    out.app_condition_name.assign(app.name());
    out.app_condition_ns.assign(app.ns());
  }
  return out;
}

xml::Element build_stream_error(const StreamError& error, xml::Arena& arena) {
  xml::Builder b(arena, "error", kStreamNamespace);
  b.prefix("stream");
  b.start(to_string(error.condition), kStreamErrorNamespace);
  if (error.condition == StreamErrorCondition::see_other_host && !error.see_other_host.empty()) {
    b.text(error.see_other_host);
  }
  b.end();
  if (error.text) {
    b.start("text", kStreamErrorNamespace);
    if (!error.text_lang.empty()) b.attribute("lang", xml::kXmlNamespace, error.text_lang, "xml");
    b.text(*error.text).end();
  }
  if (!error.app_condition_name.empty()) {
    b.start(error.app_condition_name, error.app_condition_ns).end();
  }
  return b.root();
}

}  // namespace xmpp
