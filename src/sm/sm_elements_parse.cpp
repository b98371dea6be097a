// Strict readers of the XEP-0198 elements a server sends. Each refusal names the rule broken.
#include "sm/sm_elements.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/stanza/namespaces.hpp"
#include "xmpp/stanza/stanza_error.hpp"

namespace xmpp::sm {
namespace {

// XEP-0198 §6: a <failed/> condition MUST be one of RFC 6120 §8.3.3's stanza error conditions.
// Returns the condition's name in static storage; an undefined name counts as
// undefined-condition, as an unknown stream error condition does (RFC 6120 §4.9.3.21).
std::string_view known_condition(std::string_view name) noexcept {
  return stanza::to_string(stanza::error_condition_from_string(name).value_or(
      stanza::ErrorCondition::undefined_condition));
}

constexpr std::string_view kBadH = "h is not an unsignedInt (1 to 10 digits, at most 4294967295)";

// An SM-ID as <enabled id/> and <resumed previd/> carry it (XEP-0198 §5).
std::string_view check_id(std::string_view id, std::string_view empty_error,
                          std::string_view long_error) noexcept {
  if (id.empty()) return empty_error;
  if (id.size() > kMaxIdBytes) return long_error;
  return {};
}

bool parse_port(std::string_view port) noexcept {
  if (port.empty() || port.size() > 5) return false;
  std::uint32_t value = 0;
  for (const char c : port) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<std::uint32_t>(c - '0');
  }
  return value >= 1 && value <= 65535;
}

}  // namespace

std::optional<std::uint32_t> parse_h(std::string_view text) noexcept {
  if (text.empty() || text.size() > 10) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value > UINT32_MAX) return std::nullopt;
  return static_cast<std::uint32_t>(value);
}

bool is_valid_location(std::string_view location) noexcept {
  if (location.empty() || location.size() > kMaxLocationBytes) return false;
  std::string_view host = location;
  std::optional<std::string_view> port;
  if (location.front() == '[') {
    // An IPv6 literal must be bracketed, so a ':' outside the brackets starts the port.
    const std::size_t close = location.find(']');
    if (close == location.npos) return false;
    host = location.substr(0, close + 1);
    const std::string_view rest = location.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return false;
      port = rest.substr(1);
    }
  } else if (const std::size_t colon = location.find(':'); colon != location.npos) {
    host = location.substr(0, colon);
    port = location.substr(colon + 1);
  }
  if (port && !parse_port(*port)) return false;
  // A host is what a domainpart may be; '@' and '/' would make it a wider JID.
  return host.find_first_of("@/") == host.npos && Jid::check(host) == JidError::ok;
}

Parsed<Enabled> parse_enabled(xml::Element element) {
  if (!element || !element.is("enabled", kStreamManagementNamespace)) {
    return {std::nullopt, "not <enabled xmlns='urn:xmpp:sm:3'/>"};
  }
  Enabled out;
  // XEP-0198 §3: resume is an xs:boolean whose true is "true" or "1"; it defaults to false.
  if (const auto resume = element.attribute("resume")) {
    if (*resume == "true" || *resume == "1") {
      out.resume = true;
    } else if (*resume != "false" && *resume != "0") {
      return {std::nullopt, "resume of <enabled/> is not 'true', '1', 'false' or '0'"};
    }
  }
  if (const auto id = element.attribute("id")) {
    const std::string_view error =
        check_id(*id, "id of <enabled/> is empty", "id of <enabled/> is longer than 1024 bytes");
    if (!error.empty()) return {std::nullopt, error};
    out.id.assign(*id);
  } else if (out.resume) {
    // XEP-0198 §5: a server allowing resumption MUST include an id.
    return {std::nullopt, "<enabled resume='true'/> without an id (XEP-0198 §5)"};
  }
  if (const auto max = element.attribute("max")) {
    // XEP-0198 §12: xs:positiveInteger; values beyond 32 bits are refused.
    const auto seconds = parse_h(*max);
    if (!seconds || *seconds == 0) {
      return {std::nullopt, "max of <enabled/> is not an integer from 1 to 4294967295"};
    }
    out.max = *seconds;
  }
  if (const auto location = element.attribute("location")) {
    if (location->size() > kMaxLocationBytes) {
      return {std::nullopt, "location of <enabled/> is longer than 1024 bytes"};
    }
    if (!is_valid_location(*location)) {
      return {std::nullopt,
              "location of <enabled/> is not a host with an optional port (XEP-0198 §3)"};
    }
    out.location.assign(*location);
  }
  return {std::move(out), {}};
}

Parsed<Resumed> parse_resumed(xml::Element element) {
  if (!element || !element.is("resumed", kStreamManagementNamespace)) {
    return {std::nullopt, "not <resumed xmlns='urn:xmpp:sm:3'/>"};
  }
  // XEP-0198 §5: both previd and h are REQUIRED.
  const auto previd = element.attribute("previd");
  if (!previd) return {std::nullopt, "<resumed/> has no previd (XEP-0198 §5)"};
  const std::string_view error = check_id(*previd, "previd of <resumed/> is empty",
                                          "previd of <resumed/> is longer than 1024 bytes");
  if (!error.empty()) return {std::nullopt, error};
  const auto h_text = element.attribute("h");
  if (!h_text) return {std::nullopt, "<resumed/> has no h (XEP-0198 §5)"};
  const auto h = parse_h(*h_text);
  if (!h) return {std::nullopt, kBadH};
  return {Resumed{std::string(*previd), *h}, {}};
}

Parsed<Failed> parse_failed(xml::Element element) {
  if (!element || !element.is("failed", kStreamManagementNamespace)) {
    return {std::nullopt, "not <failed xmlns='urn:xmpp:sm:3'/>"};
  }
  Failed out;
  // XEP-0198 §5: h is optional (a timed-out session the server still remembers).
  if (const auto h_text = element.attribute("h")) {
    const auto h = parse_h(*h_text);
    if (!h) return {std::nullopt, kBadH};
    out.h = *h;
  }
  // XEP-0198 §6: the condition SHOULD be present and MUST be a stanza error condition. Children
  // in other namespaces (application-specific conditions) are left alone; the first of each
  // kind counts.
  bool have_text = false;
  for (xml::Element c = element.first_child_element(); c; c = c.next_sibling_element()) {
    if (c.ns() != stanza::ns::kStanzas) continue;
    if (c.name() == "text") {
      if (!have_text) c.append_text(out.text);
      have_text = true;
    } else if (out.condition.empty()) {
      out.condition = known_condition(c.name());
    }
  }
  return {std::move(out), {}};
}

Parsed<std::uint32_t> parse_ack(xml::Element element) {
  if (!element || !element.is("a", kStreamManagementNamespace)) {
    return {std::nullopt, "not <a xmlns='urn:xmpp:sm:3'/>"};
  }
  // XEP-0198 §4: an <a/> element MUST possess an 'h' attribute.
  const auto h_text = element.attribute("h");
  if (!h_text) return {std::nullopt, "<a/> has no h (XEP-0198 §4)"};
  const auto h = parse_h(*h_text);
  if (!h) return {std::nullopt, kBadH};
  return {*h, {}};
}

Parsed<bool> parse_request(xml::Element element) {
  // XEP-0198 §4: <r/> has no defined attributes; any present are ignored.
  if (!element || !element.is("r", kStreamManagementNamespace)) {
    return {std::nullopt, "not <r xmlns='urn:xmpp:sm:3'/>"};
  }
  return {true, {}};
}

Parsed<HandledCountTooHigh> parse_handled_count_too_high(xml::Element stream_error) {
  if (!stream_error || !stream_error.is("error", kStreamNamespace)) {
    return {std::nullopt, "not <stream:error/>"};
  }
  const xml::Element condition =
      stream_error.child("handled-count-too-high", kStreamManagementNamespace);
  if (!condition) return {std::nullopt, "<stream:error/> has no <handled-count-too-high/>"};
  const auto h_text = condition.attribute("h");
  const auto count_text = condition.attribute("send-count");
  if (!h_text || !count_text) {
    return {std::nullopt, "<handled-count-too-high/> lacks h or send-count (XEP-0198 §6)"};
  }
  const auto h = parse_h(*h_text);
  const auto send_count = parse_h(*count_text);
  if (!h || !send_count) {
    return {std::nullopt, "h or send-count of <handled-count-too-high/> is not an unsignedInt"};
  }
  return {HandledCountTooHigh{*h, *send_count}, {}};
}

}  // namespace xmpp::sm
