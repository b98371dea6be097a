// StreamManagementState: counting, acknowledging and handing back stanzas (XEP-0198 §4, §5).
#include "xmpp/stream_management_state.hpp"

#include <chrono>
#include <utility>

#include "sm/sequence.hpp"

namespace xmpp::sm {

std::string_view to_string(AckStatus status) noexcept {
  switch (status) {
    case AckStatus::ok:
      return "ok";
    case AckStatus::too_high:
      return "too_high";
    case AckStatus::backwards:
      return "backwards";
  }
  return "unknown";
}

std::optional<TimePoint> StreamManagementState::resume_deadline() const noexcept {
  if (!detached_at_ || !server_max_) return std::nullopt;
  return *detached_at_ + std::chrono::seconds(*server_max_);
}

bool StreamManagementState::can_resume(TimePoint now) const noexcept {
  if (!enabled_ || !resumable_ || id_.empty()) return false;
  const auto deadline = resume_deadline();
  return !deadline || now < *deadline;
}

std::vector<UnackedStanza> StreamManagementState::reset_for_new_session() {
  std::vector<UnackedStanza> left = take_unacked();
  *this = StreamManagementState(limits_);
  return left;
}

bool StreamManagementState::start_counters_at(std::uint32_t outbound,
                                              std::uint32_t inbound) noexcept {
  if (!unacked_.empty()) return false;
  outbound_count_ = outbound;
  last_acked_ = outbound;
  inbound_handled_ = inbound;
  return true;
}

void StreamManagementState::on_enabled(const Enabled& enabled) {
  enabled_ = true;
  id_ = enabled.id;
  // XEP-0198 §5: resumption needs both resume='true' and an SM-ID to name the session by.
  resumable_ = enabled.resume && !enabled.id.empty();
  server_max_ = enabled.max;
  location_ = enabled.location;
}

void StreamManagementState::on_link_lost(TimePoint now) noexcept {
  if (!detached_at_) detached_at_ = now;
}

bool StreamManagementState::has_room(std::size_t bytes) const noexcept {
  if (unacked_.size() >= limits_.max_stanzas || unacked_bytes_ > limits_.max_bytes) return false;
  return bytes <= limits_.max_bytes - unacked_bytes_;
}

std::uint32_t StreamManagementState::record_sent(std::string bytes, std::uint64_t tag,
                                                 std::string id, TimePoint now) {
  outbound_count_ = next(outbound_count_);
  unacked_bytes_ += bytes.size();
  unacked_.push_back(UnackedStanza{outbound_count_, tag, std::move(id), std::move(bytes), now});
  return outbound_count_;
}

AckResult StreamManagementState::on_ack(std::uint32_t h, std::vector<UnackedStanza>& acked) {
  AckResult result{AckStatus::ok, outbound_count_, 0};
  // Everything is measured from the last h: a valid h lies between it and the outbound count.
  const std::uint32_t advance_by = distance(last_acked_, h);
  if (advance_by > distance(last_acked_, outbound_count_)) {
    result.status = is_before(h, last_acked_) ? AckStatus::backwards : AckStatus::too_high;
    return result;
  }
  // Queued stanzas have consecutive sequences ending at the outbound count; those handed back by
  // take_unacked() are gone from the queue and are not acknowledged again.
  while (!unacked_.empty() && distance(last_acked_, unacked_.front().sequence) <= advance_by) {
    unacked_bytes_ -= unacked_.front().bytes.size();
    acked.push_back(std::move(unacked_.front()));
    unacked_.pop_front();
    ++result.newly_acked;
  }
  last_acked_ = h;
  return result;
}

AckResult StreamManagementState::trim_to(std::uint32_t h, std::vector<UnackedStanza>& acked) {
  const AckResult result = on_ack(h, acked);
  if (result.status == AckStatus::ok) detached_at_.reset();
  return result;
}

std::vector<UnackedStanza> StreamManagementState::take_unacked() {
  std::vector<UnackedStanza> taken(std::make_move_iterator(unacked_.begin()),
                                   std::make_move_iterator(unacked_.end()));
  unacked_.clear();
  unacked_bytes_ = 0;
  return taken;
}

void StreamManagementState::on_inbound_stanza() noexcept {
  inbound_handled_ = next(inbound_handled_);
}

}  // namespace xmpp::sm
