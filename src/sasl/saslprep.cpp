// SASLprep (RFC 4013) through libidn's stringprep: no hand-written Unicode tables here.
#include <idn-free.h>
#include <stringprep.h>

#include <algorithm>
#include <cstring>

#include "crypto/crypto.hpp"
#include "sasl/utf8.hpp"
#include "xmpp/sasl.hpp"

namespace xmpp::sasl {
namespace {

// Printable ASCII (U+0020–U+007E) is left unchanged by SASLprep: no mapping (RFC 4013 §2.1),
// NFKC is the identity, nothing prohibited (§2.3) and no RandALCat character (§2.4).
bool is_printable_ascii(std::string_view s) noexcept {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7F; });
}

PrepError from_libidn(int rc) noexcept {
  switch (rc) {
    case STRINGPREP_OK:
      return PrepError::ok;
    case STRINGPREP_CONTAINS_UNASSIGNED:
      return PrepError::unassigned;
    case STRINGPREP_CONTAINS_PROHIBITED:
      return PrepError::prohibited;
    case STRINGPREP_BIDI_BOTH_L_AND_RAL:
    case STRINGPREP_BIDI_LEADTRAIL_NOT_RAL:
    case STRINGPREP_BIDI_CONTAINS_PROHIBITED:
      return PrepError::bidi;
    case STRINGPREP_ICONV_ERROR:
      return PrepError::invalid_utf8;
    default:
      return PrepError::failed;
  }
}

}  // namespace

PrepError saslprep(std::string_view in, PrepKind kind, std::string& out) {
  // U+0000 is prohibited (RFC 4013 §2.3, RFC 3454 C.2.1), and libidn takes a C string.
  if (in.find('\0') != std::string_view::npos) return PrepError::prohibited;
  if (!detail::is_utf8_without_nul(in)) return PrepError::invalid_utf8;
  if (is_printable_ascii(in)) {
    out.assign(in);
    return PrepError::ok;
  }
  std::string input(in);
  char* prepared = nullptr;
  // RFC 3454 §7: unassigned code points are allowed in query strings only.
  const auto flags = kind == PrepKind::stored ? STRINGPREP_NO_UNASSIGNED
                                              : static_cast<Stringprep_profile_flags>(0);
  const int rc = stringprep_profile(input.c_str(), &prepared, "SASLprep", flags);
  crypto::cleanse(input);
  if (rc != STRINGPREP_OK) {
    if (prepared != nullptr) idn_free(prepared);
    return from_libidn(rc);
  }
  const std::size_t size = std::strlen(prepared);
  out.assign(prepared, size);
  crypto::cleanse({reinterpret_cast<std::uint8_t*>(prepared), size});
  idn_free(prepared);
  return PrepError::ok;
}

}  // namespace xmpp::sasl
