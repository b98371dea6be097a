// What the application layer of an xmpp::Session does on its own: the protocol duties (answering
// IQs nobody handles, pings, disco#info, software version), the keepalive ping, initial presence
// and the roster. Each can be switched off.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xmpp/engine.hpp"

namespace xmpp {

/// An identity answered in disco#info (XEP-0030 §3.1; categories and types from the XMPP
/// Registrar's disco-categories list).
struct DiscoIdentity {
  std::string category = "client";
  std::string type = "bot";
  std::string name;  ///< none when empty
  std::string lang;  ///< xml:lang, none when empty

  bool operator==(const DiscoIdentity&) const = default;
};

/// The software version responder's answer (XEP-0092 §2).
struct SoftwareVersion {
  std::string name;     ///< required, non-empty
  std::string version;  ///< required, non-empty
  std::string os;       ///< none when empty (XEP-0092 §5: privacy)
};

/// XEP-0199 §4.1 client-to-server pings as the keepalive, instead of RFC 6120 §4.6.1 whitespace:
/// unlike a space, a ping proves the server still answers.
struct KeepalivePing {
  /// A ping goes to the server when nothing was received for this long while online. Zero: off
  /// (the engine's whitespace keepalive, ClientConfig::keepalive_interval, stays as configured).
  /// When on, the whitespace keepalive is switched off.
  Duration interval = Duration::zero();
  /// No answer (result or error) within this long: the link is dead. The connection ends at once
  /// as lost (event::LinkDead with cause ping_timeout, then Closed{connection_lost}) and the
  /// reconnect policy resumes the session. Positive.
  Duration timeout = std::chrono::seconds(30);
};

/// The application layer's duties. The defaults are what RFC 6120 and the XEPs ask of a client.
struct ApplicationConfig {
  /// RFC 6120 §8.4: an IQ get or set that no route handled is answered with service-unavailable
  /// (an IQ request must always be answered). Results and errors are never answered; messages and
  /// presence never get an automatic answer.
  bool answer_unhandled_iqs = true;
  /// XEP-0199 §4.2: answer pings with an empty result.
  bool answer_pings = true;
  /// XEP-0030 §3.1: answer disco#info requests (without a node) with `identities` and the
  /// features: disco#info itself, ping when answered, jabber:iq:version when on, and `features`.
  bool answer_disco_info = true;
  std::vector<DiscoIdentity> identities{DiscoIdentity{}};
  /// The application's own features (namespaces it implements), added to the library's.
  std::vector<std::string> features;
  /// XEP-0092: answer jabber:iq:version requests. Off by default (it tells anyone who asks what
  /// software runs here).
  std::optional<SoftwareVersion> software_version;
  KeepalivePing keepalive;
  /// RFC 6121 §4.2: send `<presence/>` when a fresh session comes online (not after a
  /// resumption, which keeps the session's presence). Off for a client that must stay invisible
  /// or sends its own (SessionHooks::on_connect runs after it).
  bool send_initial_presence = true;
  /// RFC 6121 §2.2: ask for the roster when a fresh session comes online, before the initial
  /// presence. Off by default: bots seldom need it (Session::request_roster() asks at any time).
  bool fetch_roster = false;
  /// RFC 6121 §2.1.6: keep Session::roster() up to date from roster pushes and answer them, only
  /// when they come from the account itself (no `from`, or the account's bare JID); pushes from
  /// anyone else are refused (service-unavailable): CVE-2014-0364. Off: pushes are routed like
  /// any IQ set.
  bool handle_roster_pushes = true;
};

/// Why an ApplicationConfig is unusable.
enum class ApplicationConfigError : std::uint8_t {
  ok,
  invalid_keepalive,         ///< keepalive interval negative, or timeout not positive
  invalid_identity,          ///< an identity with an empty category or type
  invalid_feature,           ///< an empty feature
  invalid_software_version,  ///< software_version with an empty name or version
};

std::string_view to_string(ApplicationConfigError error) noexcept;

ApplicationConfigError validate(const ApplicationConfig& config);

/// The state indicated with Session::set_active() / set_inactive() (XEP-0352).
enum class ClientState : std::uint8_t { active, inactive };

std::string_view to_string(ClientState state) noexcept;

/// What set_active() / set_inactive() did.
enum class CsiStatus : std::uint8_t {
  /// `<active/>` or `<inactive/>` went out.
  sent,
  /// Remembered; nothing needed sending (the server already has this state).
  unchanged,
  /// Remembered; the session is not online (or is waiting to be resumed): it goes out when the
  /// session comes online, if the server advertises urn:xmpp:csi:0.
  deferred,
  /// Remembered; the server does not advertise urn:xmpp:csi:0 (XEP-0352 §4.1), so nothing can be
  /// sent on this stream.
  unsupported,
  /// Called from SessionHooks::on_traffic; nothing changed.
  invalid_state,
  /// The output buffer is full: write out output() and retry; nothing changed.
  would_block,
};

std::string_view to_string(CsiStatus status) noexcept;

}  // namespace xmpp
