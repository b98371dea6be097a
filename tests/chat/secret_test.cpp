// examples/xmpp-chat/secret.hpp: the password or secret from the environment or a file.
#include <doctest/doctest.h>

#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "secret.hpp"

namespace xmpp::chat {
namespace {

// A temporary file holding `content`, removed at the end of the scope.
class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    char name[] = "/tmp/xmpp-chat-secret-XXXXXX";
    const int fd = ::mkstemp(name);
    REQUIRE(fd >= 0);
    path_ = name;
    REQUIRE(::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
    ::close(fd);
  }
  ~TempFile() { std::remove(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string secret_ok(const SecretSource& source) {
  auto r = read_secret(source);
  if (const auto* e = std::get_if<SecretError>(&r)) FAIL("error: " << e->text);
  return std::get<std::string>(r);
}

std::string secret_error(const SecretSource& source) {
  auto r = read_secret(source);
  REQUIRE(std::holds_alternative<SecretError>(r));
  return std::get<SecretError>(r).text;
}

}  // namespace

TEST_CASE("secret: first_line strips the line end, LF or CRLF") {
  CHECK(first_line("pw") == "pw");
  CHECK(first_line("pw\n") == "pw");
  CHECK(first_line("pw\r\n") == "pw");
  CHECK(first_line("pw\nsecond\n") == "pw");
  CHECK(first_line(" pw \n") == " pw ");  // spaces are part of a password
  CHECK(first_line("pw\r") == "pw\r");    // a lone CR is not a line end
  CHECK(first_line("\npw") == "");
  CHECK(first_line("") == "");
}

TEST_CASE("secret: from the environment") {
  ::setenv("XMPP_CHAT_TEST_SECRET", "s3cret\n", 1);
  CHECK(secret_ok({SecretSource::Kind::env, "XMPP_CHAT_TEST_SECRET"}) == "s3cret\n");  // as is
  ::setenv("XMPP_CHAT_TEST_SECRET", "", 1);
  CHECK(secret_error({SecretSource::Kind::env, "XMPP_CHAT_TEST_SECRET"}) ==
        "environment variable XMPP_CHAT_TEST_SECRET is empty");
  ::unsetenv("XMPP_CHAT_TEST_SECRET");
  CHECK(secret_error({SecretSource::Kind::env, "XMPP_CHAT_TEST_SECRET"}) ==
        "environment variable XMPP_CHAT_TEST_SECRET is not set");
}

TEST_CASE("secret: from the first line of a file") {
  {
    TempFile f("hunter2\r\nignored\n");
    CHECK(secret_ok({SecretSource::Kind::file, f.path()}) == "hunter2");
  }
  {
    TempFile f("no newline");
    CHECK(secret_ok({SecretSource::Kind::file, f.path()}) == "no newline");
  }
  {
    TempFile f("\nsecond line");
    CHECK(secret_error({SecretSource::Kind::file, f.path()}).find("is empty") != std::string::npos);
  }
  {
    TempFile f(std::string(kMaxSecretFileBytes + 1, 'x'));
    CHECK(secret_error({SecretSource::Kind::file, f.path()}).find("is larger than") !=
          std::string::npos);
  }
  {
    TempFile f(std::string(kMaxSecretFileBytes - 1, 'x') + "\n");
    CHECK(secret_ok({SecretSource::Kind::file, f.path()}).size() == kMaxSecretFileBytes - 1);
  }
  CHECK(secret_error({SecretSource::Kind::file, "/nonexistent/xmpp-chat/pw"})
            .find("cannot open /nonexistent/xmpp-chat/pw") != std::string::npos);
}

}  // namespace xmpp::chat
