// xmpp-chat: a scriptable XMPP client (or XEP-0114 component) speaking JSON lines. The
// command-line contract (options, input and output lines, exit statuses) is public: extend it,
// never break it. See usage_text() and README.md.
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "chat_modes.hpp"
#include "options.hpp"
#include "secret.hpp"

int main(int argc, char** argv) {
  using namespace xmpp::chat;
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  ParsedOptions parsed = parse_options(args);
  if (const auto* help = std::get_if<Help>(&parsed)) {
    std::fputs(help->text.c_str(), stdout);
    return 0;
  }
  if (const auto* usage = std::get_if<UsageError>(&parsed)) {
    std::fprintf(stderr, "xmpp-chat: %s\n%s", usage->text.c_str(),
                 std::string(usage_text()).c_str());
    return 2;
  }
  const ChatOptions& options = std::get<ChatOptions>(parsed);

  std::optional<std::string> secret;
  if (options.secret) {
    auto read = read_secret(*options.secret);
    if (const auto* error = std::get_if<SecretError>(&read)) {
      std::fprintf(stderr, "xmpp-chat: %s\n", error->text.c_str());
      return 2;
    }
    secret = std::move(std::get<std::string>(read));
  }
  if (options.mode == Mode::component) return run_component(options, *secret);
  if (!secret && !options.jid.local().empty()) {
    std::fprintf(stderr,
                 "xmpp-chat: --jid %s needs a password (--password-env or --password-file); a "
                 "domain JID logs in anonymously\n",
                 std::string(options.jid.str()).c_str());
    return 2;
  }
  return run_client(options, std::move(secret));
}
