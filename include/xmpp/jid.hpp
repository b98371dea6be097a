// XMPP addresses (JIDs), RFC 7622: parsing, validation, comparison and hashing.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace xmpp {

/// Why a string is not a JID. Each value names the part at fault and the rule it breaks.
enum class JidError : std::uint8_t {
  ok,
  localpart_empty,                   ///< '@' with nothing before it (RFC 7622 §3.3)
  localpart_too_long,                ///< more than 1023 bytes (RFC 7622 §3.3)
  localpart_invalid_utf8,            ///< not well-formed UTF-8 (RFC 7622 §3.1)
  localpart_forbidden_character,     ///< " & ' / : < > @, space, control (RFC 7622 §3.3.1)
  domainpart_empty,                  ///< nothing where the domain belongs (RFC 7622 §3.2)
  domainpart_too_long,               ///< more than 1023 bytes (RFC 7622 §3.2)
  domainpart_invalid_utf8,           ///< not well-formed UTF-8 (RFC 7622 §3.1)
  domainpart_forbidden_character,    ///< outside letters, digits, '-', '_' and '.' (ASCII)
  domainpart_empty_label,            ///< a leading '.' or ".." (RFC 1034 §3.1)
  domainpart_invalid_ipv4,           ///< digits and dots only, but no dotted-quad IPv4 address
  domainpart_invalid_ipv6,           ///< "[...]" that is not an IPv6 address (RFC 3986 §3.2.2)
  resourcepart_empty,                ///< '/' with nothing after it (RFC 7622 §3.4)
  resourcepart_too_long,             ///< more than 1023 bytes (RFC 7622 §3.4)
  resourcepart_invalid_utf8,         ///< not well-formed UTF-8 (RFC 7622 §3.1)
  resourcepart_forbidden_character,  ///< a control character (RFC 7622 §3.4.1)
};

/// A specific human-readable reason, e.g. "localpart contains a character RFC 7622 §3.3.1
/// forbids". The returned view points to static storage.
std::string_view to_string(JidError error) noexcept;

/// A valid XMPP address: `[localpart@]domainpart[/resourcepart]` (RFC 7622 §3.1).
///
/// A Jid is always valid: the only way to make one is parse(), which checks every rule below.
/// It holds one std::string (the address with the domain's trailing dot removed) and two offsets.
///
/// Structure (RFC 7622 §3.1, §3.2): the resourcepart is everything after the *first* '/' (so it
/// may contain '@' and '/'); what precedes it is split at its first '@' into localpart and
/// domainpart. Each part present is 1 to 1023 bytes; a separator with nothing on its side is an
/// error ("@example.com", "example.com/"). One trailing '.' of the domainpart is stripped
/// (RFC 7622 §3.2) before its length is checked; "example.com." and "example.com" are the same
/// address and both print as "example.com".
///
/// What is checked in each part:
/// - localpart: no `" & ' / : < > @` (RFC 7622 §3.3.1), no space, no control character.
/// - domainpart: either an IP literal, `[IPv6]` (RFC 3986 §3.2.2 IPv6address, no zone) or a
///   dotted-quad IPv4 address (any domain of only digits and dots must be one: a top-level
///   domain is never all-numeric, RFC 3696 §2); or a DNS name: non-empty labels separated by
///   '.', ASCII characters limited to letters, digits, '-' and '_'. The DNS limits of 63 bytes
///   per label and 253 in all are not enforced (RFC 7622 allows 1023 bytes, and the size of
///   an internationalised label on the wire is only known after IDNA conversion).
/// - resourcepart: no control character; spaces, '@' and '/' are allowed.
/// - every part: well-formed UTF-8 (Unicode Table 3-7: no overlongs, no surrogates, nothing above
///   U+10FFFF), and every character one that XML 1.0 can carry (no U+FFFE, U+FFFF) that is not
///   a C0 or C1 control or DEL.
///
/// What is NOT done for non-ASCII: no PRECIS (RFC 8264/8265: UsernameCaseMapped for the
/// localpart, OpaqueString for the resourcepart) and no IDNA2008 (RFC 5891) for the domainpart.
/// Non-ASCII characters are validated as above and otherwise kept byte for byte: no case mapping,
/// no Unicode normalisation, no width mapping, no mapping of U+3002 and similar to '.', no check
/// against non-ASCII spaces, unassigned, symbol or compatibility characters (so
/// "henryⅣ@example.com" and "♚@example.com", which RFC 7622 §3.5 lists as invalid, are accepted),
/// and no conversion between U-labels and A-labels ("bücher.example" and "xn--bcher-kva.example"
/// are different JIDs). Callers that need PRECIS or IDNA semantics must prepare the string before
/// parse().
///
/// Comparison (operator==, operator<=>, hash()) folds ASCII case in the localpart and the
/// domainpart (A-Z = a-z) and compares the resourcepart exactly (RFC 7622 §3.4: case-sensitive).
/// Non-ASCII bytes are compared as they are. IP literals are compared as text ("[::1]" and
/// "[0::1]" differ).
///
/// Deliberate deviation: "juliet@example.com/ foo" (RFC 7622 §3.5, example 18) is accepted, since
/// no rule of RFC 7622 forbids a leading space in a resourcepart and OpaqueString allows spaces.
class Jid {
 public:
  /// Longest part in bytes (RFC 7622 §3.2, §3.3, §3.4).
  static constexpr std::size_t kMaxPartBytes = 1023;

  /// Parses and validates `text`. On failure returns nullopt and, when given, sets `error`
  /// (set to JidError::ok on success).
  static std::optional<Jid> parse(std::string_view text, JidError* error = nullptr);
  /// Only validates: JidError::ok when parse(text) would succeed. Allocates nothing.
  static JidError check(std::string_view text) noexcept;

  // Views returned below point into this Jid: they stay valid until it is destroyed, assigned to
  // or moved from (a move may relocate short strings).

  /// The localpart; empty when there is none (a present localpart is never empty).
  std::string_view local() const noexcept { return std::string_view(s_).substr(0, local_size_); }
  /// The domainpart, without a trailing dot.
  std::string_view domain() const noexcept {
    return std::string_view(s_).substr(domain_start(), domain_size_);
  }
  /// The resourcepart; empty when there is none (a present resourcepart is never empty).
  std::string_view resource() const noexcept {
    const std::size_t end = domain_start() + domain_size_;
    return end < s_.size() ? std::string_view(s_).substr(end + 1) : std::string_view{};
  }
  bool has_local() const noexcept { return local_size_ != 0; }
  /// True when there is no resourcepart.
  bool is_bare() const noexcept { return domain_start() + domain_size_ == s_.size(); }

  /// The whole address, `local@domain/resource`, as parsed (trailing domain dot removed).
  std::string_view str() const noexcept { return s_; }
  /// The address without its resourcepart, `local@domain` (a prefix of str()).
  std::string_view bare_str() const noexcept {
    return std::string_view(s_).substr(0, domain_start() + domain_size_);
  }
  /// A copy without the resourcepart.
  Jid bare() const;

  /// Equal when localparts and domainparts are equal ignoring ASCII case and resourceparts are
  /// byte for byte equal.
  friend bool operator==(const Jid& a, const Jid& b) noexcept;
  /// Orders by localpart, then domainpart (both ASCII case folded, bytes unsigned), then
  /// resourcepart; JIDs without a localpart or resourcepart come first. Consistent with ==.
  friend std::weak_ordering operator<=>(const Jid& a, const Jid& b) noexcept;
  /// A hash consistent with operator== (ASCII case folded in localpart and domainpart).
  std::size_t hash() const noexcept;

 private:
  Jid(std::string s, std::uint16_t local_size, std::uint16_t domain_size) noexcept
      : s_(std::move(s)), local_size_(local_size), domain_size_(domain_size) {}
  std::size_t domain_start() const noexcept { return local_size_ ? local_size_ + 1u : 0u; }

  std::string s_;
  std::uint16_t local_size_ = 0;  // 0: no localpart
  std::uint16_t domain_size_ = 0;
};

}  // namespace xmpp

/// Lets Jid be a key of unordered containers; consistent with operator==.
template <>
struct std::hash<xmpp::Jid> {
  std::size_t operator()(const xmpp::Jid& jid) const noexcept { return jid.hash(); }
};
