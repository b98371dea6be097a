// xmpp-chat's command line:
//
//   xmpp-chat --jid JID [--password-env VAR | --password-file FILE] [--server HOST:PORT]
//             [--tls starttls|direct|none] [--ca-file FILE | --insecure] [--resource R]
//             [--adapter posix|epoll|asio] [--no-sm] [--sm-state FILE] [--traffic-log FILE]
//   xmpp-chat --component DOMAIN --secret-env VAR --server HOST:PORT [--traffic-log FILE]
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "mode.hpp"
#include "xmpp/jid.hpp"

namespace xmpp::chat {

/// --tls: how the client stream is protected.
enum class TlsMode : std::uint8_t {
  starttls,  ///< STARTTLS, required (RFC 6120 §5); the default
  direct,    ///< TLS from the first byte (XEP-0368)
  none,      ///< no TLS at all (tests against a local server)
};

/// --adapter: the I/O driver. All three are recognised; adapter_available() says which this
/// build has. Every one gives the same contract (output lines, exit statuses, options).
enum class AdapterKind : std::uint8_t { posix, epoll, asio };

/// Whether this build of xmpp-chat has the driver: posix always, epoll on Linux, asio when the
/// Asio adapter was built (standalone Asio found).
bool adapter_available(AdapterKind kind) noexcept;

/// Where the password (client) or shared secret (component) is read from. Never on the command
/// line itself, where other users could read it (ps, /proc/PID/cmdline).
struct SecretSource {
  enum class Kind : std::uint8_t { env, file };
  Kind kind = Kind::env;
  /// The environment variable's name, or the file's path.
  std::string name;
};

/// --server HOST:PORT.
struct ServerAddress {
  /// A DNS name or an IP address, IPv6 without its brackets ("::1" for "[::1]:5222").
  std::string host;
  std::uint16_t port = 0;
};

/// A valid command line.
struct ChatOptions {
  explicit ChatOptions(Jid address) : jid(std::move(address)) {}

  Mode mode = Mode::client;
  /// Client: --jid as given (a resourcepart, if any, is also in `resource`). Component:
  /// --component, a bare domain (no localpart, no resourcepart).
  Jid jid;
  /// Client: the resource to request, from --resource or from --jid's resourcepart; empty lets
  /// the server choose (RFC 6120 §7.6). Component: empty.
  std::string resource;
  /// Client: --password-env or --password-file; nullopt when neither was given (main decides
  /// whether a mechanism without password fits). Component: --secret-env, always set.
  std::optional<SecretSource> secret;
  /// --server; nullopt (client only) means: find the server from the JID's domain.
  std::optional<ServerAddress> server;
  /// Client: --tls (default starttls). Component: none (XEP-0114 defines no TLS).
  TlsMode tls = TlsMode::starttls;
  /// --ca-file: trust anchors instead of the system's; empty when not given.
  std::string ca_file;
  /// --insecure: do not verify the server's certificate.
  bool insecure = false;
  AdapterKind adapter = AdapterKind::posix;
  /// False with --no-sm: no stream management (XEP-0198), hence no acked/unconfirmed events.
  bool stream_management = true;
  /// --sm-state: where stream management state is saved and restored; empty when not given.
  std::string sm_state_file;
  /// --traffic-log: where the raw traffic is logged; empty when not given.
  std::string traffic_log;
};

/// The command line is wrong: print `text` and the usage to standard error, exit status 2.
struct UsageError {
  std::string text;
};

/// --help (or -h): print `text` to standard output, exit status 0.
struct Help {
  std::string text;
};

using ParsedOptions = std::variant<ChatOptions, UsageError, Help>;

/// The usage text: synopsis and one line per option.
std::string_view usage_text() noexcept;

/// Parses the arguments after the program name (argv[1..argc-1]).
///
/// Syntax: `--name value` or `--name=value`; a value may not be empty or start with "--" (so
/// "--jid --no-sm" reports the missing JID instead of taking "--no-sm" as one). Every option at
/// most once. Any argument that is not an option is an error. --help or -h anywhere wins over
/// everything else.
///
/// Rules (each broken one is a UsageError naming the options involved):
/// - exactly one of --jid (client mode) and --component (component mode);
/// - client mode: --password-env excludes --password-file, --ca-file excludes --insecure, and
///   neither goes with --tls none (there is no certificate to check); --sm-state does not go
///   with --no-sm; --secret-env is for component mode; --resource must be a valid resourcepart
///   (RFC 7622 §3.4) and may not be given when --jid already has one; an --adapter that
///   adapter_available() denies is "not available in this build";
/// - component mode: --secret-env and --server required; only --traffic-log besides; the domain
///   a JID with neither localpart nor resourcepart (XEP-0114: a component is a domain);
/// - --server HOST:PORT: PORT decimal 1..65535; HOST an ASCII DNS name or IPv4 address, or an
///   IPv6 address in brackets ("[::1]:5222"); checked with the JID domainpart rules (RFC 7622
///   §3.2), non-ASCII refused (the resolver needs the A-label form, "xn--...");
/// - VAR of --password-env/--secret-env: a POSIX name, [A-Za-z_][A-Za-z0-9_]*.
ParsedOptions parse_options(std::span<const std::string_view> args);

}  // namespace xmpp::chat
