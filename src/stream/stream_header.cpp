// Stream headers: the one we send (RFC 6120 §4.7, XEP-0114) and the checks of the server's.
#include "stream/stream_header.hpp"

#include <limits>

#include "xmpp/jid.hpp"

namespace xmpp::stream {

namespace {

// Appends ` name='escaped value'`; false (with `out` possibly partly written) on a bad value.
bool append_attribute(std::string& out, std::string_view name, std::string_view value,
                      xml::WriteStatus& status) {
  out += ' ';
  out += name;
  out += "='";
  status = xml::write_escaped_attribute(value, out);
  if (status != xml::WriteStatus::ok) return false;
  out += '\'';
  return true;
}

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

// A run of ASCII digits as a number, saturating at the maximum.
std::optional<std::uint32_t> parse_number(std::string_view digits) noexcept {
  if (digits.empty()) return std::nullopt;
  std::uint64_t value = 0;
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint32_t>::max();
  for (char c : digits) {
    if (!is_digit(c)) return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
    if (value > kMax) value = kMax;  // saturate; keeps going to check the remaining digits
  }
  return static_cast<std::uint32_t>(value);
}

HeaderCheck fail(StreamErrorCondition condition, std::string_view message) {
  HeaderCheck check;
  check.error = HeaderError{condition, message};
  return check;
}

}  // namespace

xml::WriteStatus write_stream_header(const OutgoingHeader& header, std::string& out) {
  const std::size_t mark = out.size();
  xml::WriteStatus status = xml::WriteStatus::ok;
  out += "<?xml version='1.0'?><stream:stream";
  // RFC 6120 §4.7.1: `from` only when the caller asks for it (e.g. over TLS); §4.7.3: never `id`.
  const bool written =
      (header.from.empty() || append_attribute(out, "from", header.from, status)) &&
      append_attribute(out, "to", header.to, status) &&
      (header.kind != StreamKind::client || append_attribute(out, "version", "1.0", status)) &&
      (header.lang.empty() || append_attribute(out, "xml:lang", header.lang, status));
  if (!written) {
    out.resize(mark);
    return status;
  }
  out += " xmlns='";
  out += content_namespace(header.kind);
  out += "' xmlns:stream='";
  out += kStreamNamespace;
  out += "'>";
  return xml::WriteStatus::ok;
}

std::optional<StreamVersion> parse_stream_version(std::string_view text) noexcept {
  // RFC 6120 §4.7.5: "<major>.<minor>", each a separate integer; leading zeros MUST be ignored.
  const std::size_t dot = text.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const auto major = parse_number(text.substr(0, dot));
  const auto minor = parse_number(text.substr(dot + 1));  // a second '.' is not a digit
  if (!major || !minor) return std::nullopt;
  return StreamVersion{*major, *minor};
}

HeaderCheck check_server_header(xml::Element header, const HeaderExpectations& expectations) {
  if (!header) return fail(StreamErrorCondition::bad_format, "no stream header");

  // RFC 6120 §4.8.2: the content namespace is the default namespace of the stream; anything
  // else (including none) is invalid-namespace (§4.9.3.10). The parser already checked
  // {http://etherx.jabber.org/streams}stream (§4.8.1).
  if (header.node()->default_ns != content_namespace(expectations.kind)) {
    return fail(StreamErrorCondition::invalid_namespace,
                expectations.kind == StreamKind::client
                    ? "stream default namespace is not jabber:client (RFC 6120 §4.8.2)"
                    : "stream default namespace is not jabber:component:accept (XEP-0114)");
  }

  // RFC 6120 §4.7.5. The server answers with the highest version it supports that is not above
  // ours (we send 1.0). No version means a pre-RFC 3920 server: no stream features, nothing this
  // engine negotiates. A major above ours breaks that rule and is not a protocol we speak.
  // Minor versions are compatible by definition (§4.7.5: "1.1" is still XMPP 1).
  std::optional<StreamVersion> version;
  if (const auto text = header.attribute("version")) {
    version = parse_stream_version(*text);
    if (!version) {
      return fail(StreamErrorCondition::unsupported_version,
                  "stream version is not <major>.<minor> (RFC 6120 §4.7.5)");
    }
    if (version->major > 1) {
      return fail(StreamErrorCondition::unsupported_version,
                  "stream version major above 1 (RFC 6120 §4.7.5)");
    }
    if (version->major < 1 && expectations.require_version) {
      return fail(StreamErrorCondition::unsupported_version,
                  "stream version below 1.0 (RFC 6120 §4.7.5)");
    }
  } else if (expectations.require_version) {
    return fail(StreamErrorCondition::unsupported_version,
                "stream header without version: not XMPP 1.0 (RFC 6120 §4.7.5)");
  }

  // RFC 6120 §4.7.3: the receiving entity MUST include an id in its response header; the SASL
  // and component handshakes depend on it (XEP-0114: SHA-1 of id + secret), so fail closed.
  // Which condition: the RFC schema (Appendix A.1) makes `id` optional, so a validating parser
  // would accept the header and invalid-xml (§4.9.3.11, "invalid XML ... to a server that
  // performs validation") does not describe it; bad-format (§4.9.3.1, "XML that cannot be
  // processed") does, and is the general condition the RFC offers when no specific one fits.
  const std::string_view id = header.attribute_or_empty("id");
  if (id.empty()) {
    return fail(StreamErrorCondition::bad_format, "stream header without id (RFC 6120 §4.7.3)");
  }

  // RFC 6120 §4.7.1: the server's `from` SHOULD be the domain we put in `to`. A different one
  // means we reached another service than the one we named. invalid-from (§4.9.3.9: "the data
  // provided in a 'from' attribute does not match an authorized JID or validated domain") is the
  // condition about a peer's `from`; host-unknown (§4.9.3.6) is what a receiving entity says
  // about an initiating entity's `to`, the wrong direction here.
  const auto from = header.attribute("from");
  if (from && !expectations.domain.empty()) {
    const auto theirs = Jid::parse(*from);
    const auto ours = Jid::parse(expectations.domain);
    // Jid equality folds ASCII case and ignores a trailing dot; a localpart or resourcepart in
    // `from` makes it differ from the bare domain.
    if (!theirs || !ours || !(*theirs == *ours)) {
      return fail(StreamErrorCondition::invalid_from,
                  "stream from is not the domain we connected to (RFC 6120 §4.7.1)");
    }
  }

  HeaderCheck check;
  check.header.id = id;
  check.header.from = from.value_or(std::string_view{});
  check.header.lang = header.attribute_or_empty("lang", xml::kXmlNamespace);
  check.header.version = version;
  return check;
}

}  // namespace xmpp::stream
