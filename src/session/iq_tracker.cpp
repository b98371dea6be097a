// IqTracker: correlation by id and by sender, deadlines.
#include "session/iq_tracker.hpp"

#include <algorithm>
#include <iterator>
#include <utility>

#include "stream/stream_header.hpp"

namespace xmpp::session {

bool answers_request(const std::optional<Jid>& to, std::optional<std::string_view> from,
                     const Jid& account) {
  std::optional<Jid> sender = account;
  if (from) {
    sender = Jid::parse(*from);
    if (!sender) return false;
  }
  if (to) return *sender == *to;
  if (*sender == account) return true;
  const std::optional<Jid> server = Jid::parse(account.domain());
  return server && *sender == *server;
}

bool IqTracker::contains(std::string_view id) const noexcept {
  return std::any_of(pending_.begin(), pending_.end(),
                     [&](const PendingIq& p) { return p.id == id; });
}

void IqTracker::add(PendingIq request) {
  pending_.push_back(std::move(request));
}

std::optional<Answered> IqTracker::take_response(xml::Element stanza, const Jid& account) {
  if (!stanza || !stanza.is("iq", stream::kClientNamespace)) return std::nullopt;
  const std::string_view type = stanza.attribute_or_empty("type");
  if (type != "result" && type != "error") return std::nullopt;
  const std::optional<std::string_view> id = stanza.attribute("id");
  if (!id) return std::nullopt;
  const auto it = std::find_if(pending_.begin(), pending_.end(),
                               [&](const PendingIq& p) { return p.id == *id; });
  if (it == pending_.end() || !answers_request(it->to, stanza.attribute("from"), account)) {
    return std::nullopt;
  }
  Answered answered{std::move(*it), type == "result" ? IqOutcome::result : IqOutcome::error};
  pending_.erase(it);
  return answered;
}

std::vector<PendingIq> IqTracker::take_expired(TimePoint now) {
  const auto expired = std::stable_partition(pending_.begin(), pending_.end(),
                                             [&](const PendingIq& p) { return p.deadline > now; });
  std::vector<PendingIq> out(std::make_move_iterator(expired),
                             std::make_move_iterator(pending_.end()));
  pending_.erase(expired, pending_.end());
  return out;
}

std::vector<PendingIq> IqTracker::take_all() {
  return std::exchange(pending_, {});
}

std::optional<TimePoint> IqTracker::next_deadline() const noexcept {
  const auto it = std::min_element(
      pending_.begin(), pending_.end(),
      [](const PendingIq& a, const PendingIq& b) { return a.deadline < b.deadline; });
  if (it == pending_.end()) return std::nullopt;
  return it->deadline;
}

}  // namespace xmpp::session
