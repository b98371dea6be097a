#include "xmpp/jid.hpp"

#include <array>

#include "xml/char_class.hpp"

namespace xmpp {
namespace {

// What each ASCII byte may be part of. Bytes 0x80 and above are decoded as UTF-8 instead.
enum : std::uint8_t { kLocal = 1, kDomain = 2, kResource = 4 };
constexpr std::array<std::uint8_t, 128> kAsciiClass = [] {
  std::array<std::uint8_t, 128> t{};
  // RFC 7622 §3.4.1 (OpaqueString, RFC 8265 §4.2): printable ASCII and space; no controls.
  for (int c = 0x20; c < 0x7F; ++c)
    t[c] = kResource;
  // RFC 7622 §3.3.1: the localpart MUST NOT contain " & ' / : < > @; the IdentifierClass of
  // PRECIS (RFC 8264 §4.2) has no space.
  for (int c = 0x21; c < 0x7F; ++c)
    t[c] |= kLocal;
  for (char c : {'"', '&', '\'', '/', ':', '<', '>', '@'})
    t[static_cast<unsigned char>(c)] &= static_cast<std::uint8_t>(~kLocal);
  // DNS names (RFC 1034 §3.5 letters, digits, hyphen; '_' as deployed), '.' between labels.
  for (int c = 'a'; c <= 'z'; ++c)
    t[c] |= kDomain;
  for (int c = 'A'; c <= 'Z'; ++c)
    t[c] |= kDomain;
  for (int c = '0'; c <= '9'; ++c)
    t[c] |= kDomain;
  t['-'] |= kDomain;
  t['_'] |= kDomain;
  t['.'] |= kDomain;
  return t;
}();

// Checks every character of `part`: ASCII ones against `allowed`, the others for well-formed
// UTF-8 (RFC 7622 §3.1) encoding a character XML 1.0 can carry that is not a C1 control.
// Returns ok, or the error given for the first offence.
JidError scan(std::string_view part, std::uint8_t allowed, JidError invalid_utf8,
              JidError forbidden) noexcept {
  auto* p = reinterpret_cast<const unsigned char*>(part.data());
  auto* end = p + part.size();
  while (p < end) {
    if (*p < 0x80) {
      if (!(kAsciiClass[*p] & allowed)) return forbidden;
      ++p;
      continue;
    }
    char32_t cp = 0;
    std::size_t bad = 0;
    const std::size_t n = xml::detail::decode_utf8(p, end, cp, bad);
    if (n == 0) return invalid_utf8;
    if (cp <= 0x9F || !xml::detail::is_xml_char(cp)) return forbidden;
    p += n;
  }
  return JidError::ok;
}

constexpr bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}
constexpr bool is_hex(char c) noexcept {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// RFC 3986 §3.2.2 IPv4address: four dec-octets (0-255, no leading zeros) separated by '.'.
bool is_ipv4(std::string_view s) noexcept {
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (s.empty() || s.front() != '.') return false;
      s.remove_prefix(1);
    }
    std::size_t len = 0;
    unsigned value = 0;
    while (len < s.size() && len < 4 && is_digit(s[len])) {
      value = value * 10 + static_cast<unsigned>(s[len] - '0');
      ++len;
    }
    if (len == 0 || len > 3 || value > 255 || (len > 1 && s.front() == '0')) return false;
    s.remove_prefix(len);
  }
  return s.empty();
}

// Number of 16-bit pieces in `s` = h16 *(":" h16), where the last piece may be an IPv4address
// (two pieces) when `ipv4_last`; 0 for an empty `s`, -1 when malformed (RFC 3986 §3.2.2).
int count_h16(std::string_view s, bool ipv4_last) noexcept {
  int pieces = 0;
  while (!s.empty()) {
    const std::size_t colon = s.find(':');
    const std::string_view piece = s.substr(0, colon);
    if (colon == std::string_view::npos && ipv4_last && piece.find('.') != piece.npos) {
      return is_ipv4(piece) ? pieces + 2 : -1;
    }
    if (piece.empty() || piece.size() > 4 || pieces == 8) return -1;
    for (char c : piece) {
      if (!is_hex(c)) return -1;
    }
    ++pieces;
    if (colon == std::string_view::npos) break;
    s.remove_prefix(colon + 1);
    if (s.empty()) return -1;  // a trailing ':'
  }
  return pieces;
}

// RFC 3986 §3.2.2 IPv6address: eight pieces, or fewer with one "::" standing for at least one.
bool is_ipv6(std::string_view s) noexcept {
  const std::size_t gap = s.find("::");
  if (gap == std::string_view::npos) return count_h16(s, true) == 8;
  const std::string_view head = s.substr(0, gap), tail = s.substr(gap + 2);
  const int h = count_h16(head, false), t = count_h16(tail, true);
  return h >= 0 && t >= 0 && h + t <= 7;
}

JidError check_domain(std::string_view d) noexcept {
  if (d.empty()) return JidError::domainpart_empty;
  if (d.size() > Jid::kMaxPartBytes) return JidError::domainpart_too_long;
  // RFC 7622 §3.2: an IP literal (RFC 3986 §3.2.2 IP-literal, IPv6 only).
  if (d.front() == '[') {
    return d.size() >= 2 && d.back() == ']' && is_ipv6(d.substr(1, d.size() - 2))
               ? JidError::ok
               : JidError::domainpart_invalid_ipv6;
  }
  if (JidError e = scan(d, kDomain, JidError::domainpart_invalid_utf8,
                        JidError::domainpart_forbidden_character);
      e != JidError::ok) {
    return e;
  }
  if (d.front() == '.' || d.back() == '.' || d.find("..") != d.npos) {
    return JidError::domainpart_empty_label;
  }
  // Only digits and dots: it can only be a dotted-quad IPv4 address (RFC 3696 §2).
  if (d.find_first_not_of("0123456789.") == d.npos && !is_ipv4(d)) {
    return JidError::domainpart_invalid_ipv4;
  }
  return JidError::ok;
}

struct Parts {
  std::string_view local, domain, resource;
  bool has_local = false, has_resource = false, stripped_dot = false;
};

// Splits (RFC 7622 §3.1: first '/', then first '@') and checks every part.
JidError split_and_check(std::string_view text, Parts& parts) noexcept {
  const std::size_t slash = text.find('/');
  std::string_view head = text.substr(0, slash);
  if (slash != text.npos) {
    parts.has_resource = true;
    parts.resource = text.substr(slash + 1);
  }
  const std::size_t at = head.find('@');
  if (at != head.npos) {
    parts.has_local = true;
    parts.local = head.substr(0, at);
    head.remove_prefix(at + 1);
  }
  parts.domain = head;

  if (parts.has_local) {
    if (parts.local.empty()) return JidError::localpart_empty;
    if (parts.local.size() > Jid::kMaxPartBytes) return JidError::localpart_too_long;
    if (JidError e = scan(parts.local, kLocal, JidError::localpart_invalid_utf8,
                          JidError::localpart_forbidden_character);
        e != JidError::ok) {
      return e;
    }
  }
  // RFC 7622 §3.2: a final label separator MUST be stripped before the JID is used.
  if (!parts.domain.empty() && parts.domain.back() == '.') {
    parts.domain.remove_suffix(1);
    parts.stripped_dot = true;
  }
  if (JidError e = check_domain(parts.domain); e != JidError::ok) return e;
  if (parts.has_resource) {
    if (parts.resource.empty()) return JidError::resourcepart_empty;
    if (parts.resource.size() > Jid::kMaxPartBytes) return JidError::resourcepart_too_long;
    if (JidError e = scan(parts.resource, kResource, JidError::resourcepart_invalid_utf8,
                          JidError::resourcepart_forbidden_character);
        e != JidError::ok) {
      return e;
    }
  }
  return JidError::ok;
}

constexpr unsigned char fold(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return u >= 'A' && u <= 'Z' ? static_cast<unsigned char>(u + ('a' - 'A')) : u;
}

bool equal_folded(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (fold(a[i]) != fold(b[i])) return false;
  }
  return true;
}

std::weak_ordering compare_folded(std::string_view a, std::string_view b) noexcept {
  const std::size_t n = a.size() < b.size() ? a.size() : b.size();
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char x = fold(a[i]), y = fold(b[i]);
    if (x != y) return x < y ? std::weak_ordering::less : std::weak_ordering::greater;
  }
  return a.size() <=> b.size();
}

// FNV-1a, 64 bits.
constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325u;
constexpr std::uint64_t kFnvPrime = 0x100000001b3u;
std::uint64_t fnv(std::uint64_t h, std::string_view s, bool folded) noexcept {
  for (char c : s) {
    h ^= folded ? fold(c) : static_cast<unsigned char>(c);
    h *= kFnvPrime;
  }
  return h;
}

}  // namespace

std::string_view to_string(JidError error) noexcept {
  switch (error) {
    case JidError::ok:
      return "ok";
    case JidError::localpart_empty:
      return "empty localpart before '@' (RFC 7622 §3.3)";
    case JidError::localpart_too_long:
      return "localpart longer than 1023 bytes (RFC 7622 §3.3)";
    case JidError::localpart_invalid_utf8:
      return "localpart is not well-formed UTF-8 (RFC 7622 §3.1)";
    case JidError::localpart_forbidden_character:
      return "localpart contains a character RFC 7622 §3.3.1 forbids (\" & ' / : < > @, space or "
             "control)";
    case JidError::domainpart_empty:
      return "empty domainpart (RFC 7622 §3.2)";
    case JidError::domainpart_too_long:
      return "domainpart longer than 1023 bytes (RFC 7622 §3.2)";
    case JidError::domainpart_invalid_utf8:
      return "domainpart is not well-formed UTF-8 (RFC 7622 §3.1)";
    case JidError::domainpart_forbidden_character:
      return "domainpart contains a character not allowed in a domain name (ASCII: letters, "
             "digits, '-', '_', '.')";
    case JidError::domainpart_empty_label:
      return "domainpart has an empty label (leading '.' or \"..\", RFC 1034 §3.1)";
    case JidError::domainpart_invalid_ipv4:
      return "domainpart of digits and dots is not a dotted-quad IPv4 address (RFC 3986 §3.2.2)";
    case JidError::domainpart_invalid_ipv6:
      return "domainpart in brackets is not an IPv6 address (RFC 3986 §3.2.2)";
    case JidError::resourcepart_empty:
      return "empty resourcepart after '/' (RFC 7622 §3.4)";
    case JidError::resourcepart_too_long:
      return "resourcepart longer than 1023 bytes (RFC 7622 §3.4)";
    case JidError::resourcepart_invalid_utf8:
      return "resourcepart is not well-formed UTF-8 (RFC 7622 §3.1)";
    case JidError::resourcepart_forbidden_character:
      return "resourcepart contains a control character (RFC 7622 §3.4.1)";
  }
  return "unknown JID error";
}

JidError Jid::check(std::string_view text) noexcept {
  Parts parts;
  return split_and_check(text, parts);
}

std::optional<Jid> Jid::parse(std::string_view text, JidError* error) {
  Parts parts;
  const JidError e = split_and_check(text, parts);
  if (error) *error = e;
  if (e != JidError::ok) return std::nullopt;
  std::string s;
  if (parts.stripped_dot) {
    s.reserve(text.size() - 1);
    if (parts.has_local) s.append(parts.local).push_back('@');
    s.append(parts.domain);
    if (parts.has_resource) s.append(1, '/').append(parts.resource);
  } else {
    s.assign(text);
  }
  // Each part is at most kMaxPartBytes, so the sizes fit.
  return Jid(std::move(s), static_cast<std::uint16_t>(parts.local.size()),
             static_cast<std::uint16_t>(parts.domain.size()));
}

Jid Jid::bare() const {
  return Jid(std::string(bare_str()), local_size_, domain_size_);
}

bool operator==(const Jid& a, const Jid& b) noexcept {
  return a.resource() == b.resource() && equal_folded(a.domain(), b.domain()) &&
         equal_folded(a.local(), b.local());
}

std::weak_ordering operator<=>(const Jid& a, const Jid& b) noexcept {
  if (auto c = compare_folded(a.local(), b.local()); c != 0) return c;
  if (auto c = compare_folded(a.domain(), b.domain()); c != 0) return c;
  return a.resource().compare(b.resource()) <=> 0;
}

std::size_t Jid::hash() const noexcept {
  // The '@' and '/' keep "ab" + "c" apart from "a" + "bc"; presence is implied by non-emptiness.
  std::uint64_t h = fnv(kFnvOffset, local(), true);
  h = fnv(h, "@", false);
  h = fnv(h, domain(), true);
  h = fnv(h, "/", false);
  h = fnv(h, resource(), false);
  return static_cast<std::size_t>(h);
}

}  // namespace xmpp
