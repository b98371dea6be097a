// The XML declaration (XML 1.0 §2.8 [23]–[26], §4.3.3 [80]–[81], §2.9 [32]), the one processing
// instruction-like construct RFC 6120 §11.4 allows, at the very start of a stream.
#include <cctype>

#include "xml/char_class.hpp"
#include "xml/parser_impl.hpp"

namespace xmpp::xml {
namespace {

class DeclarationReader {
 public:
  explicit DeclarationReader(std::string_view s) : s_(s) {}

  bool space() {
    std::size_t start = i_;
    while (i_ < s_.size() && detail::is_space(static_cast<unsigned char>(s_[i_])))
      ++i_;
    return i_ > start;
  }
  bool at_end() const { return i_ == s_.size(); }
  bool peek_word(std::string_view w) const { return s_.substr(i_, w.size()) == w; }

  // name Eq quoted-value; returns the value, or nullopt when malformed.
  std::optional<std::string_view> pseudo_attribute(std::string_view name) {
    if (!peek_word(name)) return std::nullopt;
    i_ += name.size();
    space();
    if (i_ >= s_.size() || s_[i_] != '=') return std::nullopt;
    ++i_;
    space();
    if (i_ >= s_.size() || (s_[i_] != '\'' && s_[i_] != '"')) return std::nullopt;
    char q = s_[i_++];
    std::size_t start = i_;
    while (i_ < s_.size() && s_[i_] != q)
      ++i_;
    if (i_ >= s_.size()) return std::nullopt;
    return s_.substr(start, i_++ - start);
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

bool is_version_number(std::string_view v) {  // '1.' [0-9]+
  if (v.size() < 3 || v.substr(0, 2) != "1.") return false;
  for (char c : v.substr(2)) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool is_encoding_name(std::string_view v) {  // [A-Za-z] ([A-Za-z0-9._] | '-')*
  if (v.empty() || !std::isalpha(static_cast<unsigned char>(v[0]))) return false;
  for (char c : v) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool StreamParser::Impl::check_xml_declaration(std::string_view body, const unsigned char* at) {
  // `body` follows "<?xml" and one white space character, and precedes "?>".
  using C = StreamErrorCondition;
  auto malformed = [&] {
    fail(C::not_well_formed, at, "malformed XML declaration (XML 1.0 §2.8)");
    return false;
  };
  DeclarationReader r(body);
  r.space();
  auto version = r.pseudo_attribute("version");
  if (!version || !is_version_number(*version)) return malformed();
  bool spaced = r.space();
  std::optional<std::string_view> encoding;
  if (spaced && r.peek_word("encoding")) {
    encoding = r.pseudo_attribute("encoding");
    if (!encoding || !is_encoding_name(*encoding)) return malformed();
    spaced = r.space();
  }
  if (spaced && r.peek_word("standalone")) {
    auto standalone = r.pseudo_attribute("standalone");
    if (!standalone || (*standalone != "yes" && *standalone != "no")) return malformed();
    r.space();
  }
  if (!r.at_end()) return malformed();
  // RFC 6120 §11.6: UTF-8 only.
  if (encoding && !iequals(*encoding, "UTF-8")) {
    fail(C::unsupported_encoding, at, "encoding other than UTF-8 (RFC 6120 §11.6)");
    return false;
  }
  return true;
}

}  // namespace xmpp::xml
