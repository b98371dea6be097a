// Stream-management sessions that outlive a connection (XEP-0198 §5): the server side's record
// of each session (its counts, its unacknowledged stanzas, the bound JID), shared by the Server
// instances of several connections, with hibernation under a virtual clock.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xmpp/engine.hpp"
#include "xmpp/jid.hpp"

namespace xmpp::testing {

class Server;

/// Where a stream-management session stands.
enum class SmState : std::uint8_t {
  active,       ///< a connection serves it (Server::sm_session() of that connection)
  hibernating,  ///< its connection was lost; it may be resumed until `expires`
  ended,        ///< closed cleanly, ended by a stream error, or lost while not resumable
  expired,      ///< it hibernated longer than its resumption time (XEP-0198 §5)
};

std::string_view to_string(SmState state) noexcept;

/// A stanza the server sent that the client acknowledged.
struct AckedStanza {
  std::uint32_t seq = 0;  ///< its number in the server's outbound count (1 is the first, mod 2^32)
  std::string xml;
  bool operator==(const AckedStanza&) const = default;
};

/// One stream-management session as the server sees it. The server engine keeps it up to date;
/// a test reads it (and may build one for SessionStore::insert()).
struct SmSession {
  std::string id;                 ///< the SM-ID (sent in <enabled/> only when resumable)
  std::string user;               ///< the authenticated localpart that enabled it
  std::optional<Jid> jid;         ///< the full JID bound on the connection that enabled it
  bool resumable = false;         ///< resumption was both asked for and allowed (XEP-0198 §3)
  std::uint32_t max_seconds = 0;  ///< how long it hibernates
  SmState state = SmState::active;
  TimePoint expires{};  ///< when hibernating (or expired): the end of the resumption window

  /// h: client stanzas the server handled since <enable/> (XEP-0198 §4), modulo 2^32.
  std::uint32_t handled = 0;
  /// The client's last h: server stanzas it acknowledged, modulo 2^32.
  std::uint32_t acked = 0;
  /// Server stanzas sent and not acknowledged, oldest first: the first is number acked + 1.
  std::deque<std::string> unacked;
  /// Server stanzas given to the session while it hibernated, sent (and counted) on resumption.
  std::vector<std::string> pending;

  /// The server application's view: each counted client stanza other than a legacy session
  /// request, once, in order, across every connection of the session.
  std::vector<std::string> delivered;
  /// Each server stanza the client acknowledged, in order.
  std::vector<AckedStanza> acked_log;

  /// The server's outbound count: stanzas sent so far, modulo 2^32.
  std::uint32_t sent() const noexcept {
    return static_cast<std::uint32_t>(acked + static_cast<std::uint32_t>(unacked.size()));
  }

  /// The connection serving it; managed by the server engine (null unless active).
  Server* attached = nullptr;
};

/// The stream-management sessions of one test server "world", shared by the Server of every
/// connection (each Server is given a pointer; the store outlives them). Pure data: it never
/// reads a clock; handle_timeout() moves its virtual clock, and a lost connection hibernates
/// its session from the store's now().
///
/// Sessions are kept after they end or expire, so a test can still read them (and a resumption
/// attempt can still be answered with the h the server knew, XEP-0198 §5).
class SessionStore {
 public:
  /// Session ids are `id_prefix` and a counter from 1 ("sm-1", "sm-2", ...).
  explicit SessionStore(std::string id_prefix = "sm-") : prefix_(std::move(id_prefix)) {}
  SessionStore(const SessionStore&) = delete;
  SessionStore& operator=(const SessionStore&) = delete;

  // --- the clock ---

  /// Moves the clock to `now` (never backwards) and expires every hibernating session whose
  /// window closed (expires <= now). A call with nothing due only moves the clock.
  void handle_timeout(TimePoint now);
  TimePoint now() const noexcept { return now_; }
  /// The earliest end of a hibernation window; nullopt when nothing hibernates.
  std::optional<TimePoint> next_deadline() const;

  // --- the server application ---

  /// The session with this id, or null. Valid as long as the store.
  const SmSession* find(std::string_view id) const;
  /// Every session, in the order they were created or inserted.
  std::vector<const SmSession*> sessions() const;
  /// Sends a stanza to the session wherever it is: written (and counted) at once when a
  /// connection serves it, kept in `pending` while it hibernates (sent on resumption). False
  /// (nothing kept) for an unknown, ended or expired session, or when its connection refused.
  bool send_stanza(std::string_view id, std::string xml);

  // --- scripting ---

  /// Adds `session` as hibernating (whatever its `state`), with its window closing
  /// max_seconds from now(): e.g. counters near 2^32 matching a client restored from saved
  /// state. Returns false (nothing added) when its id is empty or taken, or it has no jid.
  bool insert(SmSession session);

 private:
  friend class Server;

  SmSession& create(std::string user, Jid jid, bool resumable, std::uint32_t max_seconds,
                    Server* server);
  SmSession* find_mutable(std::string_view id);
  /// Expires `session` when it hibernates and its window closed at now().
  void expire_if_due(SmSession& session) const;
  /// The connection serving `session` is gone: it hibernates when `resumable` (and the loss
  /// was not a clean end), else it ends.
  void detach(SmSession& session, bool hibernate) const;

  std::string prefix_;
  std::uint64_t created_ = 0;
  TimePoint now_{};
  std::map<std::string, SmSession, std::less<>> sessions_;
  std::vector<std::string> order_;
};

/// The client acknowledged up to `h` (XEP-0198 §4): the newly acknowledged stanzas move from
/// `unacked` to `acked_log` and `acked` becomes `h`. Requires newly_acked(session, h) <=
/// session.unacked.size().
void acknowledge(SmSession& session, std::uint32_t h);

/// How many stanzas an h of the client acknowledges beyond `session.acked`, modulo 2^32; more
/// than session.unacked.size() means the client claims more than was sent (XEP-0198 §4).
std::uint32_t newly_acked(const SmSession& session, std::uint32_t h) noexcept;

}  // namespace xmpp::testing
