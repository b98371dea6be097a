// The test server's stream-management sessions: creation, hibernation and expiry (XEP-0198
// §5), and the acknowledgement arithmetic modulo 2^32 (XEP-0198 §4).
#include "server/session_store.hpp"

#include <array>
#include <chrono>
#include <utility>

#include "server/server.hpp"

namespace xmpp::testing {

std::string_view to_string(SmState state) noexcept {
  constexpr std::array<std::string_view, 4> kNames = {"active", "hibernating", "ended", "expired"};
  const auto i = static_cast<std::size_t>(state);
  return i < kNames.size() ? kNames[i] : "unknown";
}

std::uint32_t newly_acked(const SmSession& session, std::uint32_t h) noexcept {
  // XEP-0198 §4: counts wrap to zero after 2^32 - 1, so the difference is taken modulo 2^32.
  return static_cast<std::uint32_t>(h - session.acked);
}

void acknowledge(SmSession& session, std::uint32_t h) {
  const std::uint32_t count = newly_acked(session, h);
  for (std::uint32_t i = 0; i < count && !session.unacked.empty(); ++i) {
    session.acked_log.push_back(
        {static_cast<std::uint32_t>(session.acked + 1), std::move(session.unacked.front())});
    session.unacked.pop_front();
    ++session.acked;
  }
  session.acked = h;
}

void SessionStore::handle_timeout(TimePoint now) {
  if (now > now_) now_ = now;
  for (auto& [id, session] : sessions_)
    expire_if_due(session);
}

std::optional<TimePoint> SessionStore::next_deadline() const {
  std::optional<TimePoint> earliest;
  for (const auto& [id, session] : sessions_) {
    if (session.state != SmState::hibernating) continue;
    if (!earliest || session.expires < *earliest) earliest = session.expires;
  }
  return earliest;
}

const SmSession* SessionStore::find(std::string_view id) const {
  const auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : &it->second;
}

SmSession* SessionStore::find_mutable(std::string_view id) {
  const auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : &it->second;
}

std::vector<const SmSession*> SessionStore::sessions() const {
  std::vector<const SmSession*> out;
  out.reserve(order_.size());
  for (const auto& id : order_)
    out.push_back(find(id));
  return out;
}

bool SessionStore::send_stanza(std::string_view id, std::string xml) {
  SmSession* session = find_mutable(id);
  if (!session) return false;
  expire_if_due(*session);
  switch (session->state) {
    case SmState::active:
      return session->attached != nullptr && session->attached->send_stanza(std::move(xml));
    case SmState::hibernating:
      // XEP-0198 §5: what arrives for a hibernating session waits for the resumed stream.
      session->pending.push_back(std::move(xml));
      return true;
    case SmState::ended:
    case SmState::expired:
      return false;
  }
  return false;
}

bool SessionStore::insert(SmSession session) {
  if (session.id.empty() || !session.jid || sessions_.contains(session.id)) return false;
  session.state = SmState::hibernating;
  session.attached = nullptr;
  session.expires = now_ + std::chrono::seconds(session.max_seconds);
  order_.push_back(session.id);
  std::string id = session.id;
  sessions_.emplace(std::move(id), std::move(session));
  return true;
}

SmSession& SessionStore::create(std::string user, Jid jid, bool resumable,
                                std::uint32_t max_seconds, Server* server) {
  // Ids a test inserted may look like ours: skip any taken.
  std::string id;
  do {
    id = prefix_ + std::to_string(++created_);
  } while (sessions_.contains(id));
  SmSession session;
  session.id = id;
  session.user = std::move(user);
  session.jid = std::move(jid);
  session.resumable = resumable;
  session.max_seconds = max_seconds;
  session.attached = server;
  order_.push_back(id);
  return sessions_.emplace(std::move(id), std::move(session)).first->second;
}

void SessionStore::expire_if_due(SmSession& session) const {
  if (session.state == SmState::hibernating && session.expires <= now_) {
    session.state = SmState::expired;
  }
}

void SessionStore::detach(SmSession& session, bool hibernate) const {
  session.attached = nullptr;
  if (hibernate && session.resumable) {
    // XEP-0198 §5: the session stays resumable for its `max` seconds.
    session.state = SmState::hibernating;
    session.expires = now_ + std::chrono::seconds(session.max_seconds);
    expire_if_due(session);
    return;
  }
  session.state = SmState::ended;
}

}  // namespace xmpp::testing
