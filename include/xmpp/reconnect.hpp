// xmpp::ReconnectPolicy: when (and whether, and where) an adapter connects again after a session
// ended. Sans-IO like the engines: time and entropy come from the caller; it never sleeps, reads a
// clock or draws randomness of its own.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "xmpp/engine.hpp"
#include "xmpp/sasl.hpp"
#include "xmpp/stream_error.hpp"

namespace xmpp {

// ---------------------------------------------------------------------------------------------
// Configuration

/// How the backoff delay is randomised below its ceiling (the exponential value, capped).
///
/// The default is `equal`. A server restart drops every client at the same instant; without
/// jitter they would all come back at the same instants too (1 s, 2 s, 4 s, ...). `full` jitter
/// (a delay drawn from [0, ceiling]) spreads them the most, but any single draw may be close to
/// zero, so a client facing a server that is down gets no real backoff from it: its expected
/// delay is half the ceiling and its minimum is nothing. `equal` jitter (ceiling/2 plus a draw
/// from [0, ceiling/2]) keeps half of the ceiling as a floor, so the floor grows by `factor` at
/// each step just as the ceiling does and the server is protected, while the upper half still
/// spreads a herd of clients over a window ceiling/2 wide.
enum class Jitter : std::uint8_t {
  none,   ///< the delay is the ceiling (deterministic; for tests and single-client tools)
  full,   ///< uniform in [0, ceiling]
  equal,  ///< uniform in [ceiling - ceiling/2, ceiling] (the default)
};

std::string_view to_string(Jitter jitter) noexcept;

/// Everything an application decides about reconnecting. ReconnectPolicy copies it.
struct ReconnectConfig {
  /// The first retry after a session ended (or after an attempt failed, when none succeeded
  /// yet) happens at once, without delay: most drops are a lost link, and a quick reconnect
  /// lets XEP-0198 resume the session before the server's resumption timeout. Every further
  /// retry in a row backs off.
  bool immediate_first_retry = true;
  /// The ceiling of the first delayed retry. Positive.
  Duration base = std::chrono::seconds(1);
  /// Each further retry in a row multiplies the ceiling by this. At least 1, finite.
  double factor = 2.0;
  /// No delay is ever longer than this. At least `base`.
  Duration cap = std::chrono::minutes(5);
  Jitter jitter = Jitter::equal;
  /// Stop (StopReason::max_attempts) once this many attempts in a row ended without reaching
  /// online (a followed redirect counts as an attempt). Nothing: retry forever. At least 1.
  std::optional<std::uint32_t> max_attempts;
  /// Follow a server's `<see-other-host/>` (RFC 6120 §4.9.3.19) once; when false the redirect
  /// is a failure like any other (retried with backoff at the configured server).
  bool follow_see_other_host = true;
  /// A session that went online but ended sooner than this after its attempt started does not
  /// reset the backoff: a server that accepts and then drops each session at once (overload,
  /// a kick on login) would otherwise be hammered with immediate retries forever. Zero: every
  /// online session resets it. Not negative.
  Duration stable_session = std::chrono::seconds(10);
  /// The application's CSPRNG (the jitter draws; not needed with Jitter::none). Tests pass a
  /// seeded one. Each delayed retry draws 8 bytes; immediate retries draw nothing.
  sasl::Entropy entropy;
};

/// Why a ReconnectConfig is unusable (ReconnectPolicy::start_now() returns invalid_config).
enum class ReconnectConfigError : std::uint8_t {
  ok,
  invalid_base,            ///< base is zero or negative
  invalid_factor,          ///< factor is below 1 or not finite
  invalid_cap,             ///< cap is below base
  invalid_jitter,          ///< not one of the Jitter values
  invalid_max_attempts,    ///< max_attempts is 0
  invalid_stable_session,  ///< stable_session is negative
  missing_entropy,         ///< jitter other than none, and no entropy function
};

std::string_view to_string(ReconnectConfigError error) noexcept;

/// Checks everything start_now() checks about `config`.
ReconnectConfigError validate(const ReconnectConfig& config) noexcept;

// ---------------------------------------------------------------------------------------------
// Classifying how a session ended (a pure function; ReconnectPolicy uses it)

/// Whether a stream error received from the server means that connecting again cannot help
/// (RFC 6120 §4.9.3). True for:
/// - conflict (§4.9.3.3): another session took over this one, or the server refuses a parallel
///   one. §4.9.3.3 forbids blindly binding the same resource again, and the policy cannot pick
///   another: reconnecting would only kick the other session off in turn.
/// - host-gone, host-unknown (§4.9.3.5, §4.9.3.6): the server does not (or no longer) serve the
///   domain in our 'to', which stays the same on every attempt (also after a redirect,
///   §4.9.3.19).
/// - invalid-namespace, unsupported-version, unsupported-encoding (§4.9.3.10, .25, .22): the
///   server refuses our stream header or its encoding, which the engine writes identically (and
///   always in UTF-8) every time; typically a client talking to a component or s2s port.
/// - not-authorized (§4.9.3.12): the server refuses this entity's negotiation; a new attempt
///   would send the same.
/// - policy-violation (§4.9.3.14): the operator's policy refuses what this client does (a size
///   or rate limit, a ban); repeating it blindly makes it worse, the application must change
///   something.
/// - unsupported-feature (§4.9.3.23): the server insists on a feature the engine lacks.
/// Every other condition is transient or tied to particular data the next session may not send
/// (bad-format, invalid-xml, internal-server-error, system-shutdown, reset, ...). That includes
/// improper-addressing (§4.9.3.7), which only has a meaning between servers: a client receiving
/// it is treated as for undefined-condition. see-other-host is not permanent either (it is a
/// redirect).
bool is_permanent(StreamErrorCondition condition) noexcept;

/// Why a ReconnectPolicy stopped.
enum class StopReason : std::uint8_t {
  none,                     ///< not stopped
  application,              ///< ReconnectPolicy::stop()
  local_close,              ///< the session ended by the application's close()
  authentication_failed,    ///< SASL refused for a reason other than temporary-auth-failure
  stream_error,             ///< a permanent stream error (see stop_condition(), is_permanent())
  tls_unavailable,          ///< TLS required and not offered (CloseReason::tls_unavailable)
  tls_required_by_server,   ///< TLS disabled locally and required by the server
  tls_unverified,           ///< the certificate did not verify
  no_acceptable_mechanism,  ///< no SASL mechanism the configuration allows
  bind_refused,             ///< binding refused with bad-request or not-allowed (RFC 6120 §7.6.2)
  session_refused,          ///< legacy session refused with forbidden (RFC 3921 §3)
  handshake_refused,        ///< the component handshake (XEP-0114) failed
  output_overflow,          ///< EngineLimits too small for the negotiation
  max_attempts,             ///< ReconnectConfig::max_attempts attempts in a row failed
};

std::string_view to_string(StopReason reason) noexcept;

/// How a session ended, as the adapter learned it from the engine's events. The pointers are
/// only read during the call.
struct SessionEnd {
  /// Closed::reason.
  CloseReason reason = CloseReason::connection_lost;
  /// Closed::detail. For bind_failed and session_failed it is the stanza error condition.
  std::string_view detail;
  /// The StreamErrorReceived event's error; only looked at when reason is
  /// stream_error_received (missing: treated as undefined-condition).
  const StreamError* received_error = nullptr;
  /// The AuthenticationFailed event; only looked at when reason is authentication_failed
  /// (missing: treated as permanent, so that wrong credentials are never retried blindly).
  const event::AuthenticationFailed* authentication = nullptr;
};

/// What to do after a session ended.
enum class EndAction : std::uint8_t {
  retry,     ///< transient: connect again after a backoff delay
  redirect,  ///< see-other-host: connect to StreamError::see_other_host (policy permitting)
  stop,      ///< retrying cannot help (see the StopReason)
};

struct EndVerdict {
  EndAction action = EndAction::retry;
  StopReason stop = StopReason::none;  ///< set exactly when action is stop
};

/// The decision table, by CloseReason:
/// - local_close → stop (the application closed; nothing to repair).
/// - peer_closed, connection_lost, timeout, stream_error_sent (the server broke the protocol
///   once), tls_failed (the server's TLS layer failed, RFC 6120 §5.4.2.2: an operator can fix
///   it) → retry.
/// - stream_error_received → is_permanent(condition) ? stop : see-other-host ? redirect : retry.
/// - authentication_failed → stop when permanent (sasl::is_permanent of the server's condition;
///   a failure the engine found itself, such as a forged SCRAM signature, by the event's
///   `permanent`), retry on temporary-auth-failure (RFC 6120 §6.5.11).
/// - tls_unavailable, tls_required_by_server, tls_unverified, no_acceptable_mechanism,
///   output_overflow → stop: local policy or configuration, the same on every attempt.
/// - bind_failed → stop on bad-request and not-allowed (RFC 6120 §7.6.2: the resource or the
///   account is refused); retry on conflict (a stale session of ours may still hold the
///   resource until the server notices it is gone), resource-constraint (another resource may
///   log out) and anything else.
/// - session_failed → stop on forbidden (RFC 3921 §3), retry otherwise.
/// - handshake_failed → stop (the component's secret is refused, XEP-0114).
EndVerdict classify_session_end(const SessionEnd& end) noexcept;

// ---------------------------------------------------------------------------------------------
// The policy

/// Where a ReconnectPolicy stands.
enum class ReconnectState : std::uint8_t {
  idle,        ///< constructed: nothing scheduled; start_now() schedules the first attempt
  waiting,     ///< an attempt is scheduled at next_deadline()
  connecting,  ///< on_connect_started() was called; the attempt is not online yet
  online,      ///< the attempt reached online (on_online()); waiting for it to end
  stopped,     ///< no more attempts: stop_reason() says why; only start_now() leaves it
};

std::string_view to_string(ReconnectState state) noexcept;

/// Decides when to connect again after a session ended, and whether to at all: immediate first
/// retry, then exponential backoff with jitter up to a cap; a stop on failures that retrying
/// cannot fix; one followed `<see-other-host/>` redirect. It tells the adapter when to connect
/// through next_deadline(), like the engines, and it never lets two attempts run at once: from
/// on_connect_started() until on_session_ended() no other attempt can be started or scheduled.
///
/// ## The adapter's loop (next to the engine's, see Client)
///
///     policy.start_now(now);                          // the first attempt is due at once
///     loop:
///       arm the timer at min(engine.next_deadline(), policy.next_deadline())
///       timer:  engine.handle_timeout(now)
///               if policy.handle_timeout(now):        // an attempt is due
///                 connect the transport to policy.target() or the configured server;
///                 policy.on_connect_started(now); engine.connect(now) ...
///       engine events: Online{resumed}          → policy.on_online(resumed)
///                      StreamErrorReceived{e}   → keep e
///                      AuthenticationFailed{a}  → keep a
///                      Closed{c}                → policy.on_session_ended(c, &e, a, now)
///       policy.state() == stopped               → tell the user stop_reason()
///
/// ## Redirects (RFC 6120 §4.9.3.19)
/// target() is only where the transport connects (host, or host:port, or [IPv6]:port as sent).
/// The adapter keeps everything else of the original attempt: the same 'to' in the stream
/// header (the configured domain), the same TLS policy, and certificate verification against
/// the configured domain, never against the redirect target. That is what makes following an
/// unauthenticated redirect safe. A redirect is followed once: a second one in a row (the
/// redirected attempt itself redirected before reaching online) is treated as a failure, with
/// backoff, at the configured server again (§4.9.3.19 asks to give up after a few successive
/// redirects). The redirected attempt starts at once and resets nothing else: its attempt
/// counts towards max_attempts, the backoff step is unchanged. Picking the XEP-0198
/// `location` for a resumption is the adapter's business too.
///
/// ## Errors
/// Calls that the current state does not allow return CommandStatus::invalid_state and change
/// nothing; handle_timeout() and the getters change nothing ever.
///
/// Not thread-safe; copyable and movable (plain value).
class ReconnectPolicy {
 public:
  /// Copies `config`; validate() is checked by start_now().
  explicit ReconnectPolicy(ReconnectConfig config);

  // -- Inputs -----------------------------------------------------------------------------------

  /// The adapter starts the attempt that is due. invalid_state unless waiting and `now` has
  /// reached next_deadline(): never two attempts at once, never one before its time.
  CommandStatus on_connect_started(TimePoint now);
  /// The attempt reached online (the engine's Online event). Resets the backoff and the attempt
  /// count (see ReconnectConfig::stable_session) and ends a redirect streak. A resumed session
  /// (XEP-0198) counts exactly like a fresh one; `resumed` is taken to mirror event::Online.
  /// invalid_state unless connecting. After stop() during the attempt, its first on_online() is
  /// accepted and has no effect on the (stopped) policy.
  CommandStatus on_online(bool resumed);
  /// The attempt (or the session it became) ended. Decides, with classify_session_end(): stop,
  /// follow a redirect at once, or schedule a retry at `now` plus the backoff delay (never
  /// earlier than `now`, never later than `now + cap`). invalid_state unless an attempt is in
  /// flight (after stop(), the in-flight attempt still ends here: ok, stays stopped).
  CommandStatus on_session_ended(const SessionEnd& end, TimePoint now);
  /// The same, from the engine's events: `received_error` from StreamErrorReceived (null when
  /// there was none), `authentication` from AuthenticationFailed.
  CommandStatus on_session_ended(const event::Closed& closed, const StreamError* received_error,
                                 const std::optional<event::AuthenticationFailed>& authentication,
                                 TimePoint now);
  /// True when an attempt is due at `now` (the adapter should connect and call
  /// on_connect_started()). Changes nothing: a spurious or repeated call is harmless.
  bool handle_timeout(TimePoint now) const noexcept;

  // -- Commands ---------------------------------------------------------------------------------

  /// The application asks for an attempt now (first connect, network back, user's "retry"):
  /// - idle or stopped: starts afresh (backoff, attempt count, redirect and stop reason
  ///   cleared) with an attempt due at `now`;
  /// - waiting: moves the deadline to `now`, keeping the backoff state;
  /// - invalid_state while an attempt is in flight (also after stop(), until it ended);
  /// - invalid_config when validate() fails (nothing changes).
  CommandStatus start_now(TimePoint now);
  /// The application gives up: stopped with StopReason::application, nothing scheduled. An
  /// attempt in flight is the adapter's to close; its end is still reported to
  /// on_session_ended(). On an already stopped policy, nothing changes (the first reason is
  /// kept).
  void stop() noexcept;

  // -- Getters ----------------------------------------------------------------------------------

  /// When the next attempt is due; nothing unless waiting. Never earlier than the `now` of the
  /// call that scheduled it, never later than that `now` plus ReconnectConfig::cap.
  std::optional<TimePoint> next_deadline() const noexcept;
  ReconnectState state() const noexcept;
  /// True from on_connect_started() until on_session_ended() (also when stopped meanwhile).
  bool in_flight() const noexcept;
  /// Attempts started since the last on_online() (or the last fresh start), including the one in
  /// flight.
  std::uint32_t attempts() const noexcept;
  /// Consecutive failures behind the current backoff step (0 after a stable success).
  std::uint32_t failures() const noexcept;
  /// Where the next (or current) attempt connects instead of the configured server, after a
  /// followed `<see-other-host/>`; nothing otherwise. The view is valid until the next
  /// non-const call.
  std::optional<std::string_view> target() const noexcept;
  StopReason stop_reason() const noexcept;
  /// The stream error condition behind StopReason::stream_error; nothing otherwise.
  std::optional<StreamErrorCondition> stop_condition() const noexcept;
  const ReconnectConfig& config() const noexcept { return config_; }

 private:
  void schedule(TimePoint deadline) noexcept;
  void enter_stopped(StopReason reason) noexcept;
  void fail(TimePoint now);

  ReconnectConfig config_;
  ReconnectState state_ = ReconnectState::idle;
  std::optional<TimePoint> deadline_;
  bool in_flight_ = false;
  /// The attempt in flight reached online (also tracked after stop(), to refuse a second call).
  bool attempt_online_ = false;
  TimePoint attempt_started_{};
  std::uint32_t attempts_ = 0;
  std::uint32_t failures_ = 0;
  std::uint32_t failures_before_online_ = 0;
  /// The attempt in flight was started because of a redirect (and has not reached online).
  bool redirected_attempt_ = false;
  std::optional<std::string> target_;
  StopReason stop_reason_ = StopReason::none;
  std::optional<StreamErrorCondition> stop_condition_;
};

}  // namespace xmpp
