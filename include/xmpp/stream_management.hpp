// Stream Management (XEP-0198 v1.6): what an application configures, the handle it gets back for
// every stanza it sent, and the events that report what became of those stanzas.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xmpp {

// The same aliases as in xmpp/engine.hpp (redeclaring an alias to the same type is allowed). They
// are repeated rather than included so that engine.hpp can include this header to add the events
// below to its Event variant without an include cycle.
using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = std::chrono::milliseconds;

/// The namespace of every stream management element (XEP-0198 §11.1).
inline constexpr std::string_view kStreamManagementNamespace = "urn:xmpp:sm:3";

/// How a client uses stream management. The defaults suit a mobile client.
struct StreamManagementConfig {
  /// Send `<enable/>` after resource binding when the server offers `<sm/>` (XEP-0198 §3).
  bool enable = true;
  /// Ask for a resumable session (`resume='true'`, XEP-0198 §5).
  bool resume = true;
  /// The preferred maximum resumption time sent as `max` (XEP-0198 §3); the server decides. When
  /// set it must be positive (the schema's xs:positiveInteger, XEP-0198 §12).
  std::optional<std::uint32_t> max_resume_seconds;

  // -- The unacknowledged queue (backpressure: when it is full, send() returns would_block) ----

  /// Stanzas sent and not yet acknowledged. At least 1 and below 2^31, so that an `h` can always
  /// be told apart from a stale one with serial-number arithmetic (RFC 1982).
  std::size_t max_unacked_stanzas = 1000;
  /// Serialised bytes of those stanzas. At least EngineLimits::max_send_bytes (or a stanza of
  /// the largest allowed size could never be sent), and at most half of
  /// EngineLimits::max_output_bytes minus kEngineOutputReserve: after `<resumed/>` the whole
  /// queue is written again at once (checked by validate(const ClientConfig&)).
  std::size_t max_unacked_bytes = 256 * 1024;

  // -- When to ask for an acknowledgement (`<r/>`, XEP-0198 §4) ---------------------------------

  /// Request once this many stanzas are unacknowledged (XEP-0198 §8.2 suggests every 5); 0: never
  /// by count.
  std::size_t request_every_stanzas = 5;
  /// Request once the oldest unacknowledged stanza is this old; zero: never by age.
  Duration request_after = std::chrono::seconds(5);
  /// On an idle stream (nothing unacknowledged), request this often to find out whether the link
  /// still works; zero: never.
  Duration idle_request_interval = std::chrono::seconds(60);
  /// A request not answered within this time means the link is dead (event::LinkDead). Positive.
  Duration ack_timeout = std::chrono::seconds(30);

  /// After a failed resumption, re-send the stanzas the server never acknowledged with a XEP-0203
  /// `<delay/>` stamp of their original send time (XEP-0198 §4 recommends the stamp) instead of
  /// handing them back to the application in event::Unconfirmed.
  bool resend_unconfirmed_with_delay = false;
  /// The application's UTC clock, read only to stamp those re-sent stanzas (XEP-0203 needs UTC;
  /// the engine's own time is steady_clock, which has no calendar). Required with
  /// resend_unconfirmed_with_delay, unused otherwise. Tests pass a fixed one.
  std::function<std::chrono::system_clock::time_point()> wall_clock;
};

/// Why a StreamManagementConfig is unusable.
enum class StreamManagementConfigError : std::uint8_t {
  ok,
  invalid_max_resume,      ///< max_resume_seconds is 0
  invalid_queue_limits,    ///< max_unacked_stanzas is 0 or at least 2^31, or max_unacked_bytes is 0
  invalid_request_policy,  ///< a negative duration, or ack_timeout not positive
  missing_wall_clock,      ///< resend_unconfirmed_with_delay without a wall_clock
};

std::string_view to_string(StreamManagementConfigError error) noexcept;

/// Checks the rules stated on each field of `config`.
StreamManagementConfigError validate(const StreamManagementConfig& config) noexcept;

/// A stanza the engine sent and the server has not acknowledged yet: it is the sender's
/// responsibility until then (XEP-0198 §4, definition of "handled").
struct UnackedStanza {
  /// The value of the server's `h` that acknowledges this stanza: the outbound count right after
  /// it was sent (1 for the first stanza after `<enable/>`), modulo 2^32.
  std::uint32_t sequence = 0;
  /// The application's correlation value given to send().
  std::uint64_t tag = 0;
  /// The stanza's `id` attribute; empty when it has none.
  std::string id;
  /// The stanza exactly as it was written to the stream.
  std::string bytes;
  /// When it was sent.
  TimePoint queued_at{};

  bool operator==(const UnackedStanza&) const = default;
};

/// What found a link dead (event::LinkDead).
enum class LinkDeadCause : std::uint8_t {
  /// The engine's `<r/>` went unanswered for StreamManagementConfig::ack_timeout (XEP-0198 §4).
  ack_timeout,
  /// The application's keepalive went unanswered (Client::declare_link_dead(); the Session's
  /// XEP-0199 keepalive ping, ApplicationConfig::keepalive).
  ping_timeout,
};

std::string_view to_string(LinkDeadCause cause) noexcept;

namespace event {

/// The server acknowledged these stanzas (XEP-0198 §4: it took responsibility for them), oldest
/// first. Each stanza the application sent is reported exactly once, either here or in
/// Unconfirmed.
struct Acked {
  std::vector<UnackedStanza> stanzas;
};

/// Resumption failed (or was impossible) while these stanzas were still unacknowledged: each may or
/// may not have reached the server. They are handed back to the application exactly once, oldest
/// first, to re-send or report (XEP-0198 §4).
struct Unconfirmed {
  std::vector<UnackedStanza> stanzas;
  /// Why they could not be confirmed (e.g. "resumption failed: item-not-found").
  std::string reason;
};

/// The link is dead even though the transport has not noticed: an acknowledgement request or a
/// keepalive ping went unanswered (`cause`). A Closed{connection_lost} follows at once (after an
/// Unconfirmed when the session cannot be resumed). No closing tag is sent, so that the session
/// stays resumable: close the transport and connect again to resume.
struct LinkDead {
  /// How long the server has been silent.
  Duration silent_for{};
  LinkDeadCause cause = LinkDeadCause::ack_timeout;
};

}  // namespace event

}  // namespace xmpp
