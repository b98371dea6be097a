// examples/xmpp-chat/options.hpp: the command line contract.
#include <doctest/doctest.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "options.hpp"

namespace xmpp::chat {
namespace {

ParsedOptions parse(std::initializer_list<std::string_view> args) {
  const std::vector<std::string_view> v(args);
  return parse_options(v);
}

ChatOptions ok(std::initializer_list<std::string_view> args) {
  ParsedOptions r = parse(args);
  if (const auto* e = std::get_if<UsageError>(&r)) FAIL("usage error: " << e->text);
  REQUIRE(std::holds_alternative<ChatOptions>(r));
  return std::get<ChatOptions>(std::move(r));
}

void usage_error(std::initializer_list<std::string_view> args, std::string_view text_part) {
  ParsedOptions r = parse(args);
  std::string all;
  for (std::string_view a : args)
    all += std::string(a) + " ";
  CAPTURE(all);
  const auto* e = std::get_if<UsageError>(&r);
  REQUIRE(e != nullptr);
  CHECK_MESSAGE(e->text.find(text_part) != std::string::npos, e->text);
}

}  // namespace

TEST_CASE("options: client mode defaults") {
  const ChatOptions o = ok({"--jid", "alice@localhost"});
  CHECK(o.mode == Mode::client);
  CHECK(o.jid.str() == "alice@localhost");
  CHECK(o.resource.empty());
  CHECK_FALSE(o.secret);
  CHECK_FALSE(o.server);
  CHECK(o.tls == TlsMode::starttls);
  CHECK(o.ca_file.empty());
  CHECK_FALSE(o.insecure);
  CHECK(o.adapter == AdapterKind::posix);
  CHECK(o.stream_management);
  CHECK(o.sm_state_file.empty());
  CHECK(o.traffic_log.empty());
}

TEST_CASE("options: every client flag") {
  const ChatOptions o =
      ok({"--jid", "alice@localhost", "--password-env", "XMPP_PASSWORD", "--server",
          "127.0.0.1:5222", "--tls", "direct", "--ca-file", "/etc/ca.pem", "--resource", "bot 1",
          "--adapter", "posix", "--sm-state", "/tmp/sm", "--traffic-log", "/tmp/log"});
  REQUIRE(o.secret);
  CHECK(o.secret->kind == SecretSource::Kind::env);
  CHECK(o.secret->name == "XMPP_PASSWORD");
  REQUIRE(o.server);
  CHECK(o.server->host == "127.0.0.1");
  CHECK(o.server->port == 5222);
  CHECK(o.tls == TlsMode::direct);
  CHECK(o.ca_file == "/etc/ca.pem");
  CHECK(o.resource == "bot 1");
  CHECK(o.adapter == AdapterKind::posix);
  CHECK(o.sm_state_file == "/tmp/sm");
  CHECK(o.traffic_log == "/tmp/log");

  const ChatOptions f =
      ok({"--password-file=/run/pw", "--insecure", "--no-sm", "--jid=a@b", "--tls=starttls"});
  REQUIRE(f.secret);
  CHECK(f.secret->kind == SecretSource::Kind::file);
  CHECK(f.secret->name == "/run/pw");
  CHECK(f.insecure);
  CHECK_FALSE(f.stream_management);
  CHECK(f.tls == TlsMode::starttls);

  CHECK(ok({"--jid", "a@b", "--tls", "none"}).tls == TlsMode::none);
  // A value may contain '=' and start with a single '-'.
  CHECK(ok({"--jid", "a@b", "--traffic-log", "-"}).traffic_log == "-");
  CHECK(ok({"--jid", "a@b", "--traffic-log=x=y"}).traffic_log == "x=y");
}

TEST_CASE("options: the resource comes from --jid or --resource, not both") {
  CHECK(ok({"--jid", "a@b/phone"}).resource == "phone");
  CHECK(ok({"--jid", "a@b/phone"}).jid.str() == "a@b/phone");
  CHECK(ok({"--jid", "a@b", "--resource", "x/y@z"}).resource == "x/y@z");
  usage_error({"--jid", "a@b/phone", "--resource", "pc"}, "already has a resource");
  usage_error({"--jid", "a@b", "--resource", "a\tb"}, "resourcepart");
}

TEST_CASE("options: --server HOST:PORT") {
  const auto server = [](std::string_view arg) {
    ChatOptions o = ok({"--jid", "a@b", "--server", arg});
    REQUIRE(o.server);
    return *o.server;
  };
  CHECK(server("localhost:5222").host == "localhost");
  CHECK(server("localhost:5222").port == 5222);
  CHECK(server("xmpp.example.com:1").port == 1);
  CHECK(server("xmpp.example.com:65535").port == 65535);
  CHECK(server("10.0.0.1:05222").port == 5222);
  CHECK(server("[::1]:5223").host == "::1");
  CHECK(server("[2001:db8::1]:5222").host == "2001:db8::1");
  CHECK(server("xn--bcher-kva.example:5222").host == "xn--bcher-kva.example");

  usage_error({"--jid", "a@b", "--server", "localhost"}, "expected HOST:PORT");
  usage_error({"--jid", "a@b", "--server", ":5222"}, "empty host");
  usage_error({"--jid", "a@b", "--server", "localhost:"}, "port");
  usage_error({"--jid", "a@b", "--server", "localhost:0"}, "port");
  usage_error({"--jid", "a@b", "--server", "localhost:65536"}, "port");
  usage_error({"--jid", "a@b", "--server", "localhost:100000"}, "port");
  usage_error({"--jid", "a@b", "--server", "localhost:+5"}, "port");
  usage_error({"--jid", "a@b", "--server", "localhost:-5"}, "port");
  usage_error({"--jid", "a@b", "--server", "localhost:52x"}, "port");
  usage_error({"--jid", "a@b", "--server", "localhost: 5222"}, "port");
  usage_error({"--jid", "a@b", "--server", "::1:5222"}, "IPv6 address must be in brackets");
  usage_error({"--jid", "a@b", "--server", "[::1]5222"}, "expected HOST:PORT");
  usage_error({"--jid", "a@b", "--server", "[::1:5222"}, "'[' without ']'");
  usage_error({"--jid", "a@b", "--server", "[zz]:5222"}, "IPv6");
  usage_error({"--jid", "a@b", "--server", "1.2.3:5222"}, "IPv4");
  usage_error({"--jid", "a@b", "--server", "a@b:5222"}, "not a domain name or address");
  usage_error({"--jid", "a@b", "--server", "a/b:5222"}, "not a domain name or address");
  usage_error({"--jid", "a@b", "--server", "bad host:5222"}, "--server \"bad host:5222\"");
  usage_error({"--jid", "a@b", "--server", "b\xC3\xBC\x63her.example:5222"}, "ASCII");
}

TEST_CASE("options: client mode exclusions and values") {
  usage_error({}, "--jid (client mode) or --component (component mode) is required");
  usage_error({"--server", "localhost:5222"}, "is required");
  usage_error({"--jid", "a@b", "--password-env", "P", "--password-file", "f"},
              "--password-env and --password-file exclude each other");
  usage_error({"--jid", "a@b", "--ca-file", "c", "--insecure"},
              "--ca-file and --insecure exclude each other");
  usage_error({"--jid", "a@b", "--tls", "none", "--insecure"}, "--insecure has no effect");
  usage_error({"--jid", "a@b", "--tls", "none", "--ca-file", "c"}, "--ca-file has no effect");
  usage_error({"--jid", "a@b", "--no-sm", "--sm-state", "f"}, "--sm-state");
  usage_error({"--jid", "a@b", "--tls", "tls"}, "expected starttls, direct or none");
  usage_error({"--jid", "a@b", "--tls", "STARTTLS"}, "expected starttls");
  usage_error({"--jid", "a@b", "--adapter", "kqueue"}, "expected posix, epoll or asio");
  usage_error({"--jid", "a@b", "--secret-env", "S"}, "--secret-env is an option of component mode");
  usage_error({"--jid", "a@b", "--password-env", "1PW"}, "not an environment variable name");
  usage_error({"--jid", "a@b", "--password-env", "P-W"}, "not an environment variable name");
  usage_error({"--jid", "@b"}, "--jid \"@b\": empty localpart");
  usage_error({"--jid", "a@b/"}, "resourcepart");
  CHECK(ok({"--jid", "a@b", "--password-env", "_P9"}).secret->name == "_P9");
  CHECK(ok({"--jid", "localhost"}).jid.str() == "localhost");  // no localpart: main decides
}

TEST_CASE("options: --adapter epoll where the epoll adapter is built (Linux only)") {
  CHECK(adapter_available(AdapterKind::posix));
  CHECK(ok({"--jid", "a@b", "--adapter", "posix"}).adapter == AdapterKind::posix);
#if defined(__linux__)
  CHECK(adapter_available(AdapterKind::epoll));
  CHECK(ok({"--jid", "a@b", "--adapter", "epoll"}).adapter == AdapterKind::epoll);
  // The adapter changes nothing else: every other option reads the same.
  const ChatOptions o = ok({"--jid=a@b/r", "--adapter=epoll", "--tls", "direct", "--no-sm",
                            "--server", "[::1]:5223", "--insecure"});
  CHECK(o.adapter == AdapterKind::epoll);
  CHECK(o.resource == "r");
  CHECK(o.tls == TlsMode::direct);
  CHECK_FALSE(o.stream_management);
  CHECK(o.server->host == "::1");
  CHECK(o.insecure);
  usage_error({"--jid", "a@b", "--adapter", "epoll", "--sm-state", "f", "--no-sm"}, "--sm-state");
  usage_error({"--jid", "a@b", "--adapter", "EPOLL"}, "expected posix, epoll or asio");
#else
  CHECK_FALSE(adapter_available(AdapterKind::epoll));
  usage_error({"--jid", "a@b", "--adapter", "epoll"},
              "adapter epoll is not available in this build");
#endif
}

TEST_CASE("options: --adapter asio where Asio is installed") {
#if defined(XMPP_CHAT_HAVE_ASIO)
  CHECK(adapter_available(AdapterKind::asio));
  CHECK(ok({"--jid", "a@b", "--adapter", "asio"}).adapter == AdapterKind::asio);
  // The adapter changes nothing else: every other option reads the same.
  const ChatOptions o = ok({"--jid=a@b/r", "--adapter=asio", "--tls", "none", "--no-sm"});
  CHECK(o.adapter == AdapterKind::asio);
  CHECK(o.resource == "r");
  CHECK(o.tls == TlsMode::none);
  CHECK_FALSE(o.stream_management);
  usage_error({"--jid", "a@b", "--adapter", "asio", "--tls", "bogus"}, "expected starttls");
  usage_error({"--jid", "a@b", "--adapter", "ASIO"}, "expected posix, epoll or asio");
#else
  CHECK_FALSE(adapter_available(AdapterKind::asio));
  usage_error({"--jid", "a@b", "--adapter", "asio"}, "adapter asio is not available in this build");
#endif
}

TEST_CASE("options: syntax errors") {
  usage_error({"--jid"}, "--jid needs a value");
  usage_error({"--jid="}, "--jid needs a value");
  usage_error({"--jid", "--no-sm"}, "--jid needs a value");
  usage_error({"--jid", "a@b", "--server"}, "--server needs a value");
  usage_error({"--jid", "a@b", "--jid", "c@d"}, "--jid given more than once");
  usage_error({"--jid", "a@b", "--no-sm", "--no-sm"}, "--no-sm given more than once");
  usage_error({"--jid", "a@b", "--no-sm=yes"}, "--no-sm takes no value");
  usage_error({"--jid", "a@b", "--insecure=1"}, "--insecure takes no value");
  usage_error({"--jid", "a@b", "--password"}, "unknown option \"--password\"");
  usage_error({"--jid", "a@b", "--jids=x"}, "unknown option \"--jids\"");
  usage_error({"--jid", "a@b", "-j"}, "unknown option \"-j\"");
  usage_error({"--jid", "a@b", "-"}, "unknown option \"-\"");
  usage_error({"--jid", "a@b", "--"}, "unknown option \"--\"");
  usage_error({"--jid", "a@b", "extra"}, "unexpected argument \"extra\"");
  usage_error({"alice@localhost"}, "unexpected argument");
}

TEST_CASE("options: component mode") {
  const ChatOptions o = ok({"--component", "bot.localhost", "--secret-env", "SECRET", "--server",
                            "localhost:5347", "--traffic-log", "t"});
  CHECK(o.mode == Mode::component);
  CHECK(o.jid.str() == "bot.localhost");
  REQUIRE(o.secret);
  CHECK(o.secret->kind == SecretSource::Kind::env);
  CHECK(o.secret->name == "SECRET");
  REQUIRE(o.server);
  CHECK(o.server->port == 5347);
  CHECK(o.tls == TlsMode::none);
  CHECK(o.traffic_log == "t");
  CHECK(o.resource.empty());

  usage_error({"--component", "c.l", "--server", "l:1"}, "component mode needs --secret-env");
  usage_error({"--component", "c.l", "--secret-env", "S"}, "component mode needs --server");
  usage_error({"--component", "c.l", "--secret-env", "S", "--server", "l"}, "HOST:PORT");
  usage_error({"--component", "c.l", "--secret-env", "S=", "--server", "l:1"},
              "not an environment variable name");
  usage_error({"--component", "bot@c.l", "--secret-env", "S", "--server", "l:1"},
              "a component is a domain");
  usage_error({"--component", "c.l/r", "--secret-env", "S", "--server", "l:1"},
              "a component is a domain");
  usage_error({"--component", "c..l", "--secret-env", "S", "--server", "l:1"}, "empty label");
  usage_error({"--component", "c.l", "--jid", "a@b", "--secret-env", "S", "--server", "l:1"},
              "--jid and --component exclude each other");
  for (std::string_view flag : {"--password-env", "--password-file", "--tls", "--ca-file",
                                "--resource", "--adapter", "--sm-state"}) {
    usage_error({"--component", "c.l", "--secret-env", "S", "--server", "l:1", flag, "v"},
                std::string(flag) + " is not an option of component mode");
  }
  for (std::string_view flag : {"--insecure", "--no-sm"}) {
    usage_error({"--component", "c.l", "--secret-env", "S", "--server", "l:1", flag},
                std::string(flag) + " is not an option of component mode");
  }
}

TEST_CASE("options: --help and -h win over everything, with the usage text") {
  for (auto args : {std::initializer_list<std::string_view>{"--help"},
                    std::initializer_list<std::string_view>{"-h"},
                    std::initializer_list<std::string_view>{"--jid", "a@b", "--help"},
                    std::initializer_list<std::string_view>{"--bogus", "--help"}}) {
    ParsedOptions r = parse(args);
    REQUIRE(std::holds_alternative<Help>(r));
    CHECK(std::get<Help>(r).text == usage_text());
  }
  const std::string_view usage = usage_text();
  CHECK(usage.substr(0, 21) == "usage: xmpp-chat --ji");
  for (std::string_view flag :
       {"--jid", "--password-env", "--password-file", "--server", "--tls", "--ca-file",
        "--insecure", "--resource", "--adapter", "--no-sm", "--sm-state", "--traffic-log",
        "--component", "--secret-env", "--help"}) {
    CAPTURE(flag);
    CHECK(usage.find(std::string("\n  ") + std::string(flag) + " ") != std::string_view::npos);
  }
}

}  // namespace xmpp::chat
