// Reading the password or component secret named by --password-env, --password-file or
// --secret-env. Not pure (environment, file system); first_line() is the pure part.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

#include "options.hpp"

namespace xmpp::chat {

/// Why no secret could be read; `text` names the variable or file.
struct SecretError {
  std::string text;
};

/// A password file larger than this is refused (it is surely the wrong file).
inline constexpr std::size_t kMaxSecretFileBytes = 64 * 1024;

/// The first line of `content` without its line end: up to the first '\n', and a '\r' just
/// before it is dropped too (a file written on Windows). The whole content when there is no
/// '\n'.
std::string_view first_line(std::string_view content) noexcept;

/// The secret: the environment variable's value as it is, or the first line of the file.
/// Errors: the variable is unset; the file cannot be read or exceeds kMaxSecretFileBytes; the
/// secret is empty (no SASL mechanism or XEP-0114 handshake works with an empty one).
std::variant<std::string, SecretError> read_secret(const SecretSource& source);

}  // namespace xmpp::chat
