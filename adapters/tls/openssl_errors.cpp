#include "openssl_errors.hpp"

#include <openssl/err.h>
#include <openssl/opensslv.h>

#include <array>

namespace xmpp::tls::detail {

std::string take_openssl_errors() {
  std::string out;
  for (;;) {
    const char* data = nullptr;
    int flags = 0;
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    const unsigned long code = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags);
#else
    const unsigned long code = ERR_get_error_line_data(nullptr, nullptr, &data, &flags);
#endif
    if (code == 0) break;
    std::array<char, 256> text{};
    ERR_error_string_n(code, text.data(), text.size());
    if (!out.empty()) out += "; ";
    out += text.data();
    if ((flags & ERR_TXT_STRING) != 0 && data != nullptr && *data != '\0') {
      out += " (";
      out += data;
      out += ')';
    }
  }
  return out;
}

ErrorQueueScope::ErrorQueueScope() noexcept {
  ERR_clear_error();
}

ErrorQueueScope::~ErrorQueueScope() {
  ERR_clear_error();
}

}  // namespace xmpp::tls::detail
