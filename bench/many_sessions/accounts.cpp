#include "accounts.hpp"

#include <algorithm>
#include <cctype>

#include "sasl/base64.hpp"

namespace xmpp::bench {

std::optional<std::string> sasl_username(std::string_view bytes, bool* incomplete) {
  *incomplete = false;
  const std::size_t start = bytes.find("<auth");
  if (start == std::string_view::npos) return std::nullopt;
  const std::size_t open_end = bytes.find('>', start);
  const std::size_t close = bytes.find("</auth>", start);
  if (open_end == std::string_view::npos) {
    *incomplete = true;
    return std::nullopt;
  }
  // <auth .../> (no initial response): the username comes in a later <response/>, which the
  // benchmark's clients never do (PLAIN and SCRAM both send an initial response).
  if (bytes[open_end - 1] == '/') return std::nullopt;
  if (close == std::string_view::npos) {
    *incomplete = true;
    return std::nullopt;
  }
  std::string decoded;
  if (sasl::base64_decode(bytes.substr(open_end + 1, close - open_end - 1), decoded) !=
      sasl::Base64Error::ok) {
    return std::nullopt;
  }
  // SCRAM (RFC 5802 §7): gs2-header "n,," or "y,," or "p=...,," then "n=user,r=nonce".
  if (const std::size_t n = decoded.find(",n="); n != std::string::npos) {
    const std::size_t begin = n + 3;
    return decoded.substr(begin, decoded.find(',', begin) - begin);
  }
  // PLAIN (RFC 4616 §2): authzid NUL authcid NUL passwd.
  const std::size_t first = decoded.find('\0');
  if (first == std::string::npos) return std::nullopt;
  const std::size_t second = decoded.find('\0', first + 1);
  if (second == std::string::npos) return std::nullopt;
  return decoded.substr(first + 1, second - first - 1);
}

bool is_bench_account(std::string_view user, std::string_view prefix) {
  if (user.size() <= prefix.size() || user.substr(0, prefix.size()) != prefix) return false;
  const std::string_view digits = user.substr(prefix.size());
  return std::all_of(digits.begin(), digits.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
}

}  // namespace xmpp::bench
