// The client's side of a XEP-0198 session as a plain value: counters, the unacknowledged queue,
// what <enabled/> said, and when the link was lost. No I/O, no clock, no engine: the client engine
// drives it (Client::stream_management() shows it), tests inspect it, and save()/restore() carry
// it across a restart of the application.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xmpp/stream_management.hpp"

namespace xmpp::sm {

/// Longest SM-ID accepted. XEP-0198 §5 says an SM-ID SHOULD NOT be longer than 4000 bytes;
/// servers use a few dozen, and the id is kept, saved and echoed in `<resume previd/>`, so a much
/// smaller bound is enforced.
inline constexpr std::size_t kMaxIdBytes = 1024;
/// Longest `location` accepted (a host and a port, XEP-0198 §3).
inline constexpr std::size_t kMaxLocationBytes = 1024;

/// `<enabled/>` (XEP-0198 §3, §5).
struct Enabled {
  /// The SM-ID; empty when the server sent none (then resumption is impossible).
  std::string id;
  /// Whether the server allows resumption.
  bool resume = false;
  /// The server's maximum resumption time in seconds, when it said.
  std::optional<std::uint32_t> max;
  /// The preferred reconnection address ("host", "host:port", "[v6]:port"); empty when none.
  std::string location;
};

/// The bounds of the unacknowledged queue (StreamManagementConfig::max_unacked_*).
struct QueueLimits {
  std::size_t max_stanzas = 1000;
  std::size_t max_bytes = 1024 * 1024;

  static QueueLimits of(const StreamManagementConfig& config) noexcept {
    return {config.max_unacked_stanzas, config.max_unacked_bytes};
  }
  bool operator==(const QueueLimits&) const = default;
};

/// What an `h` from the server (in `<a/>`, `<resumed/>` or `<failed/>`) turned out to be.
enum class AckStatus : std::uint8_t {
  /// Within what was sent: the stanzas it covers are acknowledged.
  ok,
  /// It acknowledges more stanzas than were sent: XEP-0198 §6 says to end the stream with
  /// undefined-condition and `<handled-count-too-high/>` (AckResult::send_count has the count).
  too_high,
  /// It lies before the last `h` received: the server would take back responsibility for stanzas
  /// it already accepted (XEP-0198 §4 makes 'h' the count of stanzas handled, which never
  /// shrinks). A protocol error as well; nothing changed.
  backwards,
};

std::string_view to_string(AckStatus status) noexcept;

struct AckResult {
  AckStatus status = AckStatus::ok;
  /// The outbound count when `h` was checked: the `send-count` of `<handled-count-too-high/>`.
  std::uint32_t send_count = 0;
  /// How many queued stanzas `h` acknowledged (appended to the caller's vector).
  std::size_t newly_acked = 0;
};

/// Why restore() refused its input. Each value names the first rule the bytes break.
enum class RestoreError : std::uint8_t {
  ok,
  truncated,             ///< the input ends inside a field
  bad_magic,             ///< not a saved stream management state
  unsupported_version,   ///< saved by a newer format version
  reserved_flags,        ///< a flag bit this version does not define is set
  non_canonical,         ///< a field that must be zero is not (absent max or timestamp)
  id_too_long,           ///< the SM-ID is longer than kMaxIdBytes
  location_too_long,     ///< the location is longer than kMaxLocationBytes
  bad_location,          ///< the location is not a host with an optional port
  bad_jid,               ///< the bound JID is too long, not a full JID, or not canonical
  inconsistent_session,  ///< resumable but not enabled or without an SM-ID
  too_many_stanzas,   ///< more stanzas than QueueLimits::max_stanzas, or than were unacknowledged
  too_many_bytes,     ///< more stanza bytes than QueueLimits::max_bytes
  bad_stanza,         ///< a stanza's id is longer than the stanza itself
  bad_timestamp,      ///< an age beyond kMaxSavedAge, or one `now` cannot be moved by
  trailing_bytes,     ///< bytes after the last stanza and before the checksum
  checksum_mismatch,  ///< the CRC-32 does not match: the bytes were damaged
};

std::string_view to_string(RestoreError error) noexcept;

/// What restore() needs besides the bytes.
struct RestoreContext {
  /// The caller's current time (the same clock as every other `now`).
  TimePoint now{};
  /// How long passed between save() and now: a restarted process cannot learn it from
  /// steady_clock, so the application measures it on the wall clock (zero when unknown). It ages
  /// every saved timestamp, so that resume_deadline() stays right across the restart.
  Duration downtime{};
  /// The queue bounds of the restored state; a saved queue beyond them is refused.
  QueueLimits limits;
};

/// The largest age a saved timestamp may have (about 69 years), so that moving a time_point by it
/// cannot overflow steady_clock's nanoseconds. save() clamps older ones.
/// Longest bound JID restore() accepts: a full JID of maximal parts (RFC 7622 §3: 1023 bytes each
/// for local, domain and resource, plus the two separators).
inline constexpr std::size_t kMaxJidBytes = 3071;

inline constexpr Duration kMaxSavedAge = Duration(std::int64_t{1} << 41);

/// A XEP-0198 session seen from the client.
///
/// Counters (all modulo 2^32, compared with sm/sequence.hpp):
/// - outbound_count: stanzas sent since `<enable/>` (XEP-0198 §4: both sides start at zero when
///   the client sends `<enable/>`); a stanza's UnackedStanza::sequence is the count right after it.
/// - last_acked: the last `h` the server sent, i.e. how many of our stanzas it handled.
/// - inbound_handled: our own `h`, the server's stanzas we handled.
///
/// Invariants (checked by the tests and by restore()):
/// - the queue holds the last unacked().size() stanzas sent, with consecutive sequences ending at
///   outbound_count, and unacked().size() <= distance(last_acked, outbound_count);
///   fewer only after take_unacked() handed stanzas back;
/// - unacked_bytes() is the sum of their bytes' sizes;
/// - resumable() implies enabled() and a non-empty id().
/// Every stanza given to record_sent() leaves the queue exactly once: acknowledged (on_ack(),
/// trim_to()) or handed back (take_unacked(), reset_for_new_session()).
class StreamManagementState {
 public:
  explicit StreamManagementState(QueueLimits limits = {}) noexcept : limits_(limits) {}

  // -- Getters ----------------------------------------------------------------------------------

  /// True once `<enabled/>` arrived for the current session.
  bool enabled() const noexcept { return enabled_; }
  /// The SM-ID from `<enabled/>`; empty when none.
  const std::string& id() const noexcept { return id_; }
  /// Whether the server allows resuming this session (`<enabled resume='true'/>`).
  bool resumable() const noexcept { return resumable_; }
  /// The server's maximum resumption time in seconds (`<enabled max/>`), when it said.
  std::optional<std::uint32_t> server_max() const noexcept { return server_max_; }
  /// The server's preferred reconnection address (`<enabled location/>`); empty when none.
  const std::string& location() const noexcept { return location_; }
  /// The full JID bound in this session (RFC 6120 §7.6.1): after `<resumed/>` the client has it
  /// again without binding (XEP-0198 §5), also in a process restored from save(). Empty when the
  /// engine never bound one.
  const std::string& bound_jid() const noexcept { return bound_jid_; }
  void set_bound_jid(std::string jid) { bound_jid_ = std::move(jid); }
  std::uint32_t outbound_count() const noexcept { return outbound_count_; }
  std::uint32_t last_acked() const noexcept { return last_acked_; }
  std::uint32_t inbound_handled() const noexcept { return inbound_handled_; }
  /// Unacknowledged stanzas, oldest first. After `<resumed/>` and trim_to(), these are re-sent in
  /// this order, without counting them again (XEP-0198 §5).
  const std::deque<UnackedStanza>& unacked() const noexcept { return unacked_; }
  std::size_t unacked_bytes() const noexcept { return unacked_bytes_; }
  const QueueLimits& limits() const noexcept { return limits_; }
  /// When the link was lost (on_link_lost()); nothing while connected.
  std::optional<TimePoint> detached_at() const noexcept { return detached_at_; }
  /// When the server will have forgotten the session: detached_at() plus server_max(); nothing
  /// while connected or when the server gave no max (then only trying tells).
  std::optional<TimePoint> resume_deadline() const noexcept;
  /// Whether `<resume/>` is worth sending at `now`: resumable, and the deadline (if known) not
  /// reached.
  bool can_resume(TimePoint now) const noexcept;

  // -- Session ----------------------------------------------------------------------------------

  /// Starts afresh, as when `<enable/>` is sent: every counter zero, nothing enabled, no SM-ID,
  /// location or detachment. Returns the stanzas still queued (handed back; usually none, since
  /// take_unacked() comes first), so that none is dropped silently. The limits stay.
  [[nodiscard]] std::vector<UnackedStanza> reset_for_new_session();
  /// Sets the start values of the counters (last_acked = outbound). Only with an empty queue
  /// (false otherwise, and nothing changes). For tests and tools that exercise the wrap at 2^32.
  bool start_counters_at(std::uint32_t outbound, std::uint32_t inbound) noexcept;
  /// Records `<enabled/>` (XEP-0198 §3, §5). An SM-ID without resume='true' is kept but gives no
  /// resumability.
  void on_enabled(const Enabled& enabled);
  /// The transport was lost at `now` (the first call counts; later ones change nothing until the
  /// link is back).
  void on_link_lost(TimePoint now) noexcept;

  // -- Outbound stanzas -------------------------------------------------------------------------

  /// Whether a stanza of `bytes` serialised bytes fits the queue bounds. When it does not, the
  /// engine refuses the send with would_block: the queue never drops and never grows past them.
  bool has_room(std::size_t bytes) const noexcept;
  /// A stanza was written to the stream: counts it and queues it. Returns its sequence. `id` is
  /// the stanza's own id attribute, so it is never longer than `bytes`. The stanza is queued even
  /// without room (it is already on its way); callers check has_room() before writing.
  std::uint32_t record_sent(std::string bytes, std::uint64_t tag, std::string id, TimePoint now);
  /// `<a h/>` (XEP-0198 §4): moves the stanzas `h` acknowledges from the queue to the end of
  /// `acked`, oldest first, and remembers `h`. On too_high or backwards nothing changes.
  AckResult on_ack(std::uint32_t h, std::vector<UnackedStanza>& acked);
  /// The `h` of `<resumed/>` or `<failed/>`: XEP-0198 §5 says to handle it as on `<a/>`, with the
  /// same checks; the link is back, so detached_at() is cleared when it is accepted.
  AckResult trim_to(std::uint32_t h, std::vector<UnackedStanza>& acked);
  /// Hands back every queued stanza, oldest first, emptying the queue: each is then the
  /// application's (event::Unconfirmed). A later `h` covering them acknowledges nothing more, so
  /// no stanza is ever reported twice.
  std::vector<UnackedStanza> take_unacked();

  // -- Inbound stanzas --------------------------------------------------------------------------

  /// A stanza from the server was handled: our `h` plus one, modulo 2^32 (XEP-0198 §4).
  void on_inbound_stanza() noexcept;

  // -- Save and restore -------------------------------------------------------------------------

  /// Serialises everything but the limits (format below), so that a restarted application can
  /// still resume. Timestamps are saved as ages relative to `now`.
  std::string save(TimePoint now) const;
  /// Reads what save() wrote. Refuses (nothing, and `error` says why) anything save() could not
  /// have written, any damage the checksum catches, and anything beyond `context.limits` or the
  /// bounds above; never reads past the input. A state restored and saved again at the same `now`
  /// with zero downtime gives the same bytes.
  static std::optional<StreamManagementState> restore(std::string_view bytes,
                                                      const RestoreContext& context,
                                                      RestoreError* error = nullptr);

  bool operator==(const StreamManagementState&) const = default;

 private:
  QueueLimits limits_;
  bool enabled_ = false;
  bool resumable_ = false;
  std::string id_;
  std::optional<std::uint32_t> server_max_;
  std::string location_;
  std::string bound_jid_;
  std::uint32_t outbound_count_ = 0;
  std::uint32_t last_acked_ = 0;
  std::uint32_t inbound_handled_ = 0;
  std::deque<UnackedStanza> unacked_;
  std::size_t unacked_bytes_ = 0;
  std::optional<TimePoint> detached_at_;
};

// Save format, version 1. Integers are little-endian and unsigned unless marked; every field is
// always present (absent optionals are zero), so each state has exactly one encoding.
//
//   offset  size  field
//   0       3     magic "XSM"
//   3       1     version = 1
//   4       1     flags: 1 enabled, 2 resumable, 4 server max present, 8 detached; others zero
//   5       4     outbound_count
//   9       4     last_acked
//   13      4     inbound_handled
//   17      4     server max in seconds (1 or more when present, 0 when absent)
//   21      8     age of detached_at in ms, signed (now - detached_at; 0 when absent)
//   29      2     id length (at most kMaxIdBytes), then the id
//           2     location length (at most kMaxLocationBytes), then the location
//           2     bound JID length (at most kMaxJidBytes), then the full JID (or nothing)
//           4     number of queued stanzas N (at most the limit and the unacknowledged count)
//   N times:
//           8     tag
//           8     age of queued_at in ms, signed
//           4     id length (at most the stanza's length), then the id
//           4     stanza length, then its bytes
//   end     4     CRC-32 (IEEE 802.3, as zlib) of every byte before it
//
// Sequences are not stored: the queue ends at outbound_count. Ages rather than raw steady_clock
// ticks, because steady_clock's epoch is unspecified (boot time on Linux) and means nothing to a
// process started after a reboot; RestoreContext::downtime adds the time the application was
// down.

}  // namespace xmpp::sm
