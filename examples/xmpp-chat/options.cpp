#include "options.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <utility>

namespace xmpp::chat {
namespace {

constexpr std::string_view kUsage =
    "usage: xmpp-chat --jid JID [--password-env VAR | --password-file FILE]\n"
    "                 [--server HOST:PORT] [--tls starttls|direct|none]\n"
    "                 [--ca-file FILE | --insecure] [--resource R]\n"
    "                 [--adapter posix|epoll|asio] [--no-sm] [--sm-state FILE]\n"
    "                 [--traffic-log FILE]\n"
    "       xmpp-chat --component DOMAIN --secret-env VAR --server HOST:PORT\n"
    "                 [--traffic-log FILE]\n"
    "\n"
    "Reads commands from standard input and prints events on standard output, one JSON\n"
    "object per line.\n"
    "\n"
    "  --jid JID             the account (client mode); a /resource may be included\n"
    "  --password-env VAR    read the password from environment variable VAR\n"
    "  --password-file FILE  read the password from the first line of FILE\n"
    "  --server HOST:PORT    connect there instead of looking up the JID's domain;\n"
    "                        IPv6 in brackets: [::1]:5222\n"
    "  --tls MODE            starttls (default), direct or none\n"
    "  --ca-file FILE        trust the CA certificates in FILE (PEM)\n"
    "  --insecure            do not verify the server's certificate\n"
    "  --resource R          the resource to request (default: the server chooses)\n"
    "  --adapter NAME        I/O driver: posix (default); epoll, asio if built\n"
    "  --no-sm               no stream management (XEP-0198)\n"
    "  --sm-state FILE       save and restore stream management state in FILE\n"
    "  --traffic-log FILE    log the raw XML traffic to FILE\n"
    "  --component DOMAIN    run as the external component DOMAIN (XEP-0114)\n"
    "  --secret-env VAR      read the component's shared secret from VAR\n"
    "  --help                print this help\n"
    "\n"
    "Input lines:  {\"to\":JID,\"body\":TEXT[,\"id\":ID][,\"type\":TYPE]}, {\"raw\":XML},\n"
    "              {\"cmd\":\"drop\"}, {\"cmd\":\"quit\"}\n"
    "Output lines: {\"event\":\"online\"|\"message\"|\"stanza\"|\"acked\"|\"unconfirmed\"|\n"
    "              \"disconnected\"|\"reconnecting\"|\"error\",...}\n"
    "\n"
    "Exit status: 0 normal end, 1 permanent failure, 2 usage error.\n";

enum class Scope : std::uint8_t { client, component, both };

struct Flag {
  std::string_view name;
  bool takes_value;
  Scope scope;
};

constexpr std::array<Flag, 14> kFlags = {{
    {"--jid", true, Scope::client},
    {"--password-env", true, Scope::client},
    {"--password-file", true, Scope::client},
    {"--server", true, Scope::both},
    {"--tls", true, Scope::client},
    {"--ca-file", true, Scope::client},
    {"--insecure", false, Scope::client},
    {"--resource", true, Scope::client},
    {"--adapter", true, Scope::client},
    {"--no-sm", false, Scope::client},
    {"--sm-state", true, Scope::client},
    {"--traffic-log", true, Scope::both},
    {"--component", true, Scope::component},
    {"--secret-env", true, Scope::component},
}};

/// --adapter's names, all recognised whether built or not (adapter_available()).
constexpr std::array<std::pair<std::string_view, AdapterKind>, 3> kAdapters = {{
    {"posix", AdapterKind::posix},
    {"epoll", AdapterKind::epoll},
    {"asio", AdapterKind::asio},
}};

UsageError usage(std::string text) {
  return {std::move(text)};
}

std::string quoted(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

// A POSIX environment variable name as the shell accepts it (POSIX.1-2017 XBD §8.1).
bool is_env_name(std::string_view s) noexcept {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::variant<ServerAddress, UsageError> parse_server(std::string_view text) {
  const auto bad = [&](std::string_view why) {
    return usage("--server " + quoted(text) + ": " + std::string(why));
  };
  std::string_view host, port;
  if (!text.empty() && text[0] == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return bad("'[' without ']'");
    if (close + 1 >= text.size() || text[close + 1] != ':') return bad("expected HOST:PORT");
    host = text.substr(0, close + 1);
    port = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad("expected HOST:PORT");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return bad("an IPv6 address must be in brackets, e.g. [::1]:5222");
    }
  }
  if (host.empty()) return bad("empty host");
  if (std::any_of(host.begin(), host.end(),
                  [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
    return bad("the host must be ASCII (write an internationalised name as A-labels, xn--...)");
  }
  // A bare domain JID is exactly a DNS name, a dotted-quad IPv4 address or a bracketed IPv6
  // address (RFC 7622 §3.2, RFC 3986 §3.2.2); '@' and '/' would make it something else.
  JidError error = JidError::ok;
  const std::optional<Jid> jid = Jid::parse(host, &error);
  if (!jid) return bad(to_string(error));
  if (jid->has_local() || !jid->is_bare()) return bad("the host is not a domain name or address");
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || port.size() > 5 || ec != std::errc() || end != port.data() + port.size() ||
      value == 0 || value > 65535) {
    return bad("the port must be a number from 1 to 65535");
  }
  std::string_view bare = host;
  if (bare.front() == '[') bare = bare.substr(1, bare.size() - 2);
  return ServerAddress{std::string(bare), static_cast<std::uint16_t>(value)};
}

using Given = std::map<std::string_view, std::string_view>;  // option name → value ("" if none)

std::optional<UsageError> check_env_name(const Given& given, std::string_view flag) {
  const auto it = given.find(flag);
  if (it == given.end() || is_env_name(it->second)) return std::nullopt;
  return usage(std::string(flag) + " " + quoted(it->second) +
               ": not an environment variable name ([A-Za-z_][A-Za-z0-9_]*)");
}

// Sets the options both modes share: --server and --traffic-log.
std::optional<UsageError> common_options(const Given& given, ChatOptions& options) {
  if (const auto it = given.find("--server"); it != given.end()) {
    auto server = parse_server(it->second);
    if (auto* e = std::get_if<UsageError>(&server)) return std::move(*e);
    options.server = std::move(std::get<ServerAddress>(server));
  }
  if (const auto it = given.find("--traffic-log"); it != given.end()) {
    options.traffic_log = std::string(it->second);
  }
  return std::nullopt;
}

ParsedOptions client_options(const Given& given) {
  const auto has = [&](std::string_view flag) { return given.count(flag) != 0; };
  const auto value = [&](std::string_view flag) { return given.at(flag); };
  if (has("--password-env") && has("--password-file")) {
    return usage("--password-env and --password-file exclude each other");
  }
  if (has("--ca-file") && has("--insecure")) {
    return usage("--ca-file and --insecure exclude each other");
  }
  if (has("--sm-state") && has("--no-sm")) {
    return usage("--sm-state needs stream management, which --no-sm turns off");
  }
  if (auto e = check_env_name(given, "--password-env")) return *e;

  JidError error = JidError::ok;
  std::optional<Jid> jid = Jid::parse(value("--jid"), &error);
  if (!jid) return usage("--jid " + quoted(value("--jid")) + ": " + std::string(to_string(error)));
  ChatOptions options(std::move(*jid));
  options.mode = Mode::client;
  if (auto e = common_options(given, options)) return std::move(*e);

  options.resource = std::string(options.jid.resource());
  if (has("--resource")) {
    if (!options.resource.empty()) {
      return usage("--resource given, but --jid already has a resource");
    }
    const std::string probe =
        std::string(options.jid.domain()) + "/" + std::string(value("--resource"));
    if (Jid::check(probe) != JidError::ok) {
      return usage("--resource " + quoted(value("--resource")) + ": " +
                   std::string(to_string(Jid::check(probe))));
    }
    options.resource = std::string(value("--resource"));
  }

  if (has("--password-env")) {
    options.secret = SecretSource{SecretSource::Kind::env, std::string(value("--password-env"))};
  } else if (has("--password-file")) {
    options.secret = SecretSource{SecretSource::Kind::file, std::string(value("--password-file"))};
  }

  if (has("--tls")) {
    const std::string_view tls = value("--tls");
    if (tls == "starttls") {
      options.tls = TlsMode::starttls;
    } else if (tls == "direct") {
      options.tls = TlsMode::direct;
    } else if (tls == "none") {
      options.tls = TlsMode::none;
    } else {
      return usage("--tls " + quoted(tls) + ": expected starttls, direct or none");
    }
  }
  if (options.tls == TlsMode::none && (has("--ca-file") || has("--insecure"))) {
    return usage(std::string(has("--ca-file") ? "--ca-file" : "--insecure") +
                 " has no effect with --tls none");
  }
  if (has("--ca-file")) options.ca_file = std::string(value("--ca-file"));
  options.insecure = has("--insecure");

  if (has("--adapter")) {
    const std::string_view adapter = value("--adapter");
    const auto named = std::find_if(kAdapters.begin(), kAdapters.end(),
                                    [&](const auto& known) { return known.first == adapter; });
    if (named == kAdapters.end()) {
      return usage("--adapter " + quoted(adapter) + ": expected posix, epoll or asio");
    }
    options.adapter = named->second;
    if (!adapter_available(options.adapter)) {
      return usage("adapter " + std::string(adapter) + " is not available in this build");
    }
  }
  options.stream_management = !has("--no-sm");
  if (has("--sm-state")) options.sm_state_file = std::string(value("--sm-state"));
  return options;
}

ParsedOptions component_options(const Given& given) {
  for (const Flag& flag : kFlags) {
    if (flag.scope == Scope::client && given.count(flag.name)) {
      return usage(std::string(flag.name) + " is not an option of component mode");
    }
  }
  if (!given.count("--secret-env")) return usage("component mode needs --secret-env");
  if (!given.count("--server")) return usage("component mode needs --server");
  if (auto e = check_env_name(given, "--secret-env")) return *e;

  const std::string_view domain = given.at("--component");
  JidError error = JidError::ok;
  std::optional<Jid> jid = Jid::parse(domain, &error);
  if (!jid) return usage("--component " + quoted(domain) + ": " + std::string(to_string(error)));
  if (jid->has_local() || !jid->is_bare()) {
    return usage("--component " + quoted(domain) +
                 ": a component is a domain, without localpart or resource (XEP-0114)");
  }
  ChatOptions options(std::move(*jid));
  options.mode = Mode::component;
  if (auto e = common_options(given, options)) return std::move(*e);
  options.tls = TlsMode::none;
  options.secret = SecretSource{SecretSource::Kind::env, std::string(given.at("--secret-env"))};
  return options;
}

}  // namespace

bool adapter_available(AdapterKind kind) noexcept {
  switch (kind) {
    case AdapterKind::posix:
      return true;
    case AdapterKind::epoll:
      // The epoll adapter is built on Linux only (adapters/meson.build).
#if defined(__linux__)
      return true;
#else
      return false;
#endif
    case AdapterKind::asio:
      // Built only when Asio is installed (examples/meson.build defines this then).
#if defined(XMPP_CHAT_HAVE_ASIO)
      return true;
#else
      return false;
#endif
  }
  return false;
}

std::string_view usage_text() noexcept {
  return kUsage;
}

ParsedOptions parse_options(std::span<const std::string_view> args) {
  for (std::string_view arg : args) {
    if (arg == "--help" || arg == "-h") return Help{std::string(kUsage)};
  }
  Given given;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (arg.size() < 3 || arg.substr(0, 2) != "--") {
      if (!arg.empty() && arg[0] == '-') return usage("unknown option " + quoted(arg));
      return usage("unexpected argument " + quoted(arg));
    }
    const std::size_t equals = arg.find('=');
    const std::string_view name = arg.substr(0, equals);
    const auto flag =
        std::find_if(kFlags.begin(), kFlags.end(), [&](const Flag& f) { return f.name == name; });
    if (flag == kFlags.end()) return usage("unknown option " + quoted(name));
    if (given.count(flag->name)) return usage(std::string(name) + " given more than once");
    std::string_view value;
    if (!flag->takes_value) {
      if (equals != std::string_view::npos) return usage(std::string(name) + " takes no value");
    } else {
      if (equals != std::string_view::npos) {
        value = arg.substr(equals + 1);
      } else if (i + 1 < args.size()) {
        value = args[++i];
      }
      if (value.empty() || value.substr(0, 2) == "--") {
        return usage(std::string(name) + " needs a value");
      }
    }
    given.emplace(flag->name, value);
  }

  const bool client = given.count("--jid") != 0;
  const bool component = given.count("--component") != 0;
  if (client && component) return usage("--jid and --component exclude each other");
  if (component) return component_options(given);
  if (!client) return usage("--jid (client mode) or --component (component mode) is required");
  if (given.count("--secret-env")) return usage("--secret-env is an option of component mode");
  return client_options(given);
}

}  // namespace xmpp::chat
