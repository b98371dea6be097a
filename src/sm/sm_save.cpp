// save() and restore() of StreamManagementState: the versioned binary format documented in
// sm_state.hpp. restore() treats its input as hostile: every length is checked against what is
// left before anything is allocated, and time arithmetic is checked for overflow.
#include <algorithm>
#include <chrono>
#include <ratio>

#include "sm/crc32.hpp"
#include "sm/sequence.hpp"
#include "sm/sm_elements.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/stream_management_state.hpp"

namespace xmpp::sm {
namespace {

constexpr std::string_view kMagic = "XSM";
constexpr std::uint8_t kVersion = 1;
constexpr std::size_t kChecksumBytes = 4;

enum Flag : std::uint8_t {
  kEnabled = 1,
  kResumable = 2,
  kServerMax = 4,
  kDetached = 8,
  kAllFlags = kEnabled | kResumable | kServerMax | kDetached,
};

using Ticks = TimePoint::duration;
// steady_clock ticks per millisecond (1,000,000 with nanosecond ticks).
using TicksPerMs = std::ratio_divide<Duration::period, Ticks::period>;
static_assert(TicksPerMs::den == 1, "steady_clock ticks must divide a millisecond");

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u16(std::uint16_t v) { little_endian(v, 2); }
  void u32(std::uint32_t v) { little_endian(v, 4); }
  void u64(std::uint64_t v) { little_endian(v, 8); }
  void i64(std::int64_t v) { u64(static_cast<std::uint64_t>(v)); }
  // A length-prefixed string; the prefix is `width` bytes and longer strings are cut to fit it
  // (only a misused state holds such strings, and restore() refuses them by their bounds anyway).
  void string(std::string_view s, int width) {
    const std::uint64_t max = width == 2 ? UINT16_MAX : UINT32_MAX;
    const std::string_view kept =
        s.substr(0, static_cast<std::size_t>(std::min<std::uint64_t>(s.size(), max)));
    if (width == 2) {
      u16(static_cast<std::uint16_t>(kept.size()));
    } else {
      u32(static_cast<std::uint32_t>(kept.size()));
    }
    out_.append(kept);
  }

 private:
  void little_endian(std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) {
      out_.push_back(static_cast<char>((v >> (8 * i)) & 0xFFu));
    }
  }
  std::string& out_;
};

// Reads fields from the front of `in`; each read fails (false) when the input ends first.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  std::size_t remaining() const noexcept { return in_.size(); }
  bool u8(std::uint8_t& v) noexcept {
    std::uint64_t x = 0;
    if (!little_endian(x, 1)) return false;
    v = static_cast<std::uint8_t>(x);
    return true;
  }
  bool u16(std::uint16_t& v) noexcept {
    std::uint64_t x = 0;
    if (!little_endian(x, 2)) return false;
    v = static_cast<std::uint16_t>(x);
    return true;
  }
  bool u32(std::uint32_t& v) noexcept {
    std::uint64_t x = 0;
    if (!little_endian(x, 4)) return false;
    v = static_cast<std::uint32_t>(x);
    return true;
  }
  bool u64(std::uint64_t& v) noexcept { return little_endian(v, 8); }
  bool i64(std::int64_t& v) noexcept {
    std::uint64_t x = 0;
    if (!u64(x)) return false;
    v = static_cast<std::int64_t>(x);
    return true;
  }
  bool take(std::size_t n, std::string_view& out) noexcept {
    if (n > in_.size()) return false;
    out = in_.substr(0, n);
    in_.remove_prefix(n);
    return true;
  }

 private:
  bool little_endian(std::uint64_t& v, std::size_t bytes) noexcept {
    if (bytes > in_.size()) return false;
    v = 0;
    for (std::size_t i = 0; i < bytes; ++i) {
      v |= std::uint64_t{static_cast<std::uint8_t>(in_[i])} << (8 * i);
    }
    in_.remove_prefix(bytes);
    return true;
  }
  std::string_view in_;
};

// now - t in whole milliseconds (truncated toward zero, as duration_cast does), within
// ±kMaxSavedAge.
std::int64_t age_ms(TimePoint now, TimePoint t) noexcept {
  const std::int64_t max = kMaxSavedAge.count();
  Ticks::rep diff = 0;
  if (__builtin_sub_overflow(now.time_since_epoch().count(), t.time_since_epoch().count(), &diff)) {
    return now > t ? max : -max;
  }
  const std::int64_t ms = std::chrono::duration_cast<Duration>(Ticks(diff)).count();
  return std::clamp(ms, -max, max);
}

// now - (age + downtime), or nothing when the age is out of bounds or the result does not fit.
std::optional<TimePoint> before(TimePoint now, std::int64_t age, Duration downtime) noexcept {
  const std::int64_t max = kMaxSavedAge.count();
  if (age < -max || age > max) return std::nullopt;
  std::int64_t total_ms = 0;
  Ticks::rep ticks = 0, result = 0;
  if (__builtin_add_overflow(age, downtime.count(), &total_ms) ||
      __builtin_mul_overflow(total_ms, static_cast<Ticks::rep>(TicksPerMs::num), &ticks) ||
      __builtin_sub_overflow(now.time_since_epoch().count(), ticks, &result)) {
    return std::nullopt;
  }
  return TimePoint(Ticks(result));
}

}  // namespace

std::string_view to_string(RestoreError error) noexcept {
  switch (error) {
    case RestoreError::ok:
      return "ok";
    case RestoreError::truncated:
      return "truncated";
    case RestoreError::bad_magic:
      return "bad_magic";
    case RestoreError::unsupported_version:
      return "unsupported_version";
    case RestoreError::reserved_flags:
      return "reserved_flags";
    case RestoreError::non_canonical:
      return "non_canonical";
    case RestoreError::id_too_long:
      return "id_too_long";
    case RestoreError::location_too_long:
      return "location_too_long";
    case RestoreError::bad_location:
      return "bad_location";
    case RestoreError::bad_jid:
      return "bad_jid";
    case RestoreError::inconsistent_session:
      return "inconsistent_session";
    case RestoreError::too_many_stanzas:
      return "too_many_stanzas";
    case RestoreError::too_many_bytes:
      return "too_many_bytes";
    case RestoreError::bad_stanza:
      return "bad_stanza";
    case RestoreError::bad_timestamp:
      return "bad_timestamp";
    case RestoreError::trailing_bytes:
      return "trailing_bytes";
    case RestoreError::checksum_mismatch:
      return "checksum_mismatch";
  }
  return "unknown";
}

std::string StreamManagementState::save(TimePoint now) const {
  std::string out;
  out.reserve(64 + id_.size() + location_.size() + bound_jid_.size() + unacked_bytes_ +
              24 * unacked_.size());
  Writer w(out);
  out.append(kMagic);
  w.u8(kVersion);
  std::uint8_t flags = 0;
  if (enabled_) flags |= kEnabled;
  if (resumable_) flags |= kResumable;
  if (server_max_) flags |= kServerMax;
  if (detached_at_) flags |= kDetached;
  w.u8(flags);
  w.u32(outbound_count_);
  w.u32(last_acked_);
  w.u32(inbound_handled_);
  w.u32(server_max_.value_or(0));
  w.i64(detached_at_ ? age_ms(now, *detached_at_) : 0);
  w.string(id_, 2);
  w.string(location_, 2);
  w.string(bound_jid_, 2);
  w.u32(static_cast<std::uint32_t>(std::min<std::size_t>(unacked_.size(), UINT32_MAX)));
  for (const UnackedStanza& s : unacked_) {
    w.u64(s.tag);
    w.i64(age_ms(now, s.queued_at));
    w.string(s.id, 4);
    w.string(s.bytes, 4);
  }
  w.u32(crc32(out));
  return out;
}

std::optional<StreamManagementState> StreamManagementState::restore(std::string_view bytes,
                                                                    const RestoreContext& context,
                                                                    RestoreError* error) {
  const auto fail = [error](RestoreError why) -> std::optional<StreamManagementState> {
    if (error) *error = why;
    return std::nullopt;
  };
  if (error) *error = RestoreError::ok;

  // Magic and version first, so that foreign or newer data is named as such.
  if (bytes.substr(0, kMagic.size()) != kMagic.substr(0, std::min(bytes.size(), kMagic.size()))) {
    return fail(RestoreError::bad_magic);
  }
  if (bytes.size() <= kMagic.size()) return fail(RestoreError::truncated);
  if (static_cast<std::uint8_t>(bytes[kMagic.size()]) != kVersion) {
    return fail(RestoreError::unsupported_version);
  }
  if (bytes.size() < kMagic.size() + 1 + kChecksumBytes) return fail(RestoreError::truncated);
  const std::string_view body = bytes.substr(0, bytes.size() - kChecksumBytes);
  Reader r(body.substr(kMagic.size() + 1));

  StreamManagementState s(context.limits);
  std::uint8_t flags = 0;
  std::uint32_t server_max = 0;
  std::int64_t detached_age = 0;
  if (!r.u8(flags) || !r.u32(s.outbound_count_) || !r.u32(s.last_acked_) ||
      !r.u32(s.inbound_handled_) || !r.u32(server_max) || !r.i64(detached_age)) {
    return fail(RestoreError::truncated);
  }
  if ((flags & ~kAllFlags) != 0) return fail(RestoreError::reserved_flags);
  s.enabled_ = (flags & kEnabled) != 0;
  s.resumable_ = (flags & kResumable) != 0;
  // Absent optionals are zero and a present max is positive: one encoding per state.
  if ((flags & kServerMax) ? server_max == 0 : server_max != 0) {
    return fail(RestoreError::non_canonical);
  }
  if (flags & kServerMax) s.server_max_ = server_max;
  if (flags & kDetached) {
    s.detached_at_ = before(context.now, detached_age, context.downtime);
    if (!s.detached_at_) return fail(RestoreError::bad_timestamp);
  } else if (detached_age != 0) {
    return fail(RestoreError::non_canonical);
  }

  std::uint16_t id_size = 0, location_size = 0;
  std::string_view id, location;
  if (!r.u16(id_size)) return fail(RestoreError::truncated);
  if (id_size > kMaxIdBytes) return fail(RestoreError::id_too_long);
  if (!r.take(id_size, id) || !r.u16(location_size)) return fail(RestoreError::truncated);
  if (location_size > kMaxLocationBytes) return fail(RestoreError::location_too_long);
  if (!r.take(location_size, location)) return fail(RestoreError::truncated);
  if (!location.empty() && !is_valid_location(location)) return fail(RestoreError::bad_location);
  std::uint16_t jid_size = 0;
  std::string_view jid;
  if (!r.u16(jid_size)) return fail(RestoreError::truncated);
  if (jid_size > kMaxJidBytes) return fail(RestoreError::bad_jid);
  if (!r.take(jid_size, jid)) return fail(RestoreError::truncated);
  // Only a full JID was ever bound (RFC 6120 §7.6.1).
  if (!jid.empty()) {
    const auto parsed = Jid::parse(jid);
    if (!parsed || parsed->is_bare() || parsed->str() != jid) return fail(RestoreError::bad_jid);
  }
  if (s.resumable_ && (!s.enabled_ || id.empty())) {
    return fail(RestoreError::inconsistent_session);
  }
  s.id_.assign(id);
  s.location_.assign(location);
  s.bound_jid_.assign(jid);

  std::uint32_t count = 0;
  if (!r.u32(count)) return fail(RestoreError::truncated);
  // The queue holds the last `count` stanzas sent, none of them acknowledged.
  // The counters stay within half the serial-number space of each other (RFC 1982), or no h
  // could be told from a stale one: an h going backwards would pass for a valid one.
  const std::uint32_t unacknowledged = distance(s.last_acked_, s.outbound_count_);
  if (count > context.limits.max_stanzas || count > unacknowledged ||
      unacknowledged >= kHalfRange) {
    return fail(RestoreError::too_many_stanzas);
  }
  std::uint32_t sequence = static_cast<std::uint32_t>(s.outbound_count_ - count);
  for (std::uint32_t i = 0; i < count; ++i) {
    UnackedStanza stanza;
    std::int64_t age = 0;
    std::uint32_t stanza_id_size = 0, stanza_size = 0;
    std::string_view stanza_id, stanza_bytes;
    if (!r.u64(stanza.tag) || !r.i64(age) || !r.u32(stanza_id_size) ||
        !r.take(stanza_id_size, stanza_id) || !r.u32(stanza_size)) {
      return fail(RestoreError::truncated);
    }
    // The id is an attribute inside the serialised stanza, so never longer than it.
    if (stanza_id_size > stanza_size) return fail(RestoreError::bad_stanza);
    if (stanza_size > context.limits.max_bytes - s.unacked_bytes_) {
      return fail(RestoreError::too_many_bytes);
    }
    if (!r.take(stanza_size, stanza_bytes)) return fail(RestoreError::truncated);
    const auto queued_at = before(context.now, age, context.downtime);
    if (!queued_at) return fail(RestoreError::bad_timestamp);
    sequence = next(sequence);
    stanza.sequence = sequence;
    stanza.id.assign(stanza_id);
    stanza.bytes.assign(stanza_bytes);
    stanza.queued_at = *queued_at;
    s.unacked_bytes_ += stanza.bytes.size();
    s.unacked_.push_back(std::move(stanza));
  }
  if (r.remaining() != 0) return fail(RestoreError::trailing_bytes);

  Reader checksum(bytes.substr(body.size()));
  std::uint32_t expected = 0;
  if (!checksum.u32(expected) || expected != crc32(body)) {
    return fail(RestoreError::checksum_mismatch);
  }
  return s;
}

}  // namespace xmpp::sm
