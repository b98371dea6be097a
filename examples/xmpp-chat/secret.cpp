#include "secret.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace xmpp::chat {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};

std::variant<std::string, SecretError> read_file(const std::string& path) {
  const std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) return SecretError{"cannot open " + path + ": " + std::strerror(errno)};
  std::string content;
  char buffer[4096];
  for (;;) {
    const std::size_t n = std::fread(buffer, 1, sizeof buffer, file.get());
    content.append(buffer, n);
    if (content.size() > kMaxSecretFileBytes) {
      return SecretError{path + " is larger than " + std::to_string(kMaxSecretFileBytes) +
                         " bytes; is it the password file?"};
    }
    if (n < sizeof buffer) break;
  }
  if (std::ferror(file.get())) return SecretError{"cannot read " + path};
  return std::string(first_line(content));
}

}  // namespace

std::string_view first_line(std::string_view content) noexcept {
  const std::size_t newline = content.find('\n');
  if (newline == std::string_view::npos) return content;
  std::string_view line = content.substr(0, newline);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

std::variant<std::string, SecretError> read_secret(const SecretSource& source) {
  if (source.kind == SecretSource::Kind::env) {
    const char* value = std::getenv(source.name.c_str());
    if (!value) return SecretError{"environment variable " + source.name + " is not set"};
    if (*value == '\0') return SecretError{"environment variable " + source.name + " is empty"};
    return std::string(value);
  }
  auto secret = read_file(source.name);
  if (const auto* s = std::get_if<std::string>(&secret); s && s->empty()) {
    return SecretError{"the first line of " + source.name + " is empty"};
  }
  return secret;
}

}  // namespace xmpp::chat
