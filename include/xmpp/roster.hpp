// The roster and presence subscriptions (RFC 6121 §2, §3) as the application layer keeps and
// reports them: the items, what a roster result or push changed, subscription requests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xmpp/jid.hpp"
#include "xmpp/xml/element.hpp"

namespace xmpp {

/// The `subscription` attribute of a roster item (RFC 6121 §2.1.2.5).
enum class Subscription : std::uint8_t {
  none,
  to,    ///< the user receives the contact's presence
  from,  ///< the contact receives the user's presence
  both,
  remove,  ///< only in a push: the item was deleted
};

std::string_view to_string(Subscription subscription) noexcept;
std::optional<Subscription> subscription_from_string(std::string_view name) noexcept;

/// One contact (RFC 6121 §2.1.2).
struct RosterItem {
  Jid jid;  ///< bare
  std::string name;
  Subscription subscription = Subscription::none;
  /// ask='subscribe': the user's subscription request is pending (§2.1.2.2).
  bool ask_subscribe = false;
  /// approved='true': a pre-approval (§2.1.2.1).
  bool approved = false;
  std::vector<std::string> groups;

  bool operator==(const RosterItem&) const = default;
};

/// Why a roster payload was refused (parse_roster_query()).
enum class RosterProblem : std::uint8_t {
  ok,
  not_a_roster_query,    ///< not `<query xmlns='jabber:iq:roster'/>`
  item_without_jid,      ///< §2.1.2.3: jid is REQUIRED
  item_jid_invalid,      ///< not a JID, or not a bare one
  unknown_subscription,  ///< a value §2.1.2.5 does not define
  remove_in_result,      ///< subscription='remove' outside a push
  duplicate_item,        ///< the same JID twice (§2.1.2: items are unique by JID)
  push_item_count,       ///< a push must carry exactly one item (§2.1.6)
};

std::string_view to_string(RosterProblem problem) noexcept;

/// A roster query read into owned items.
struct RosterQuery {
  RosterProblem problem = RosterProblem::ok;
  std::vector<RosterItem> items;
  /// The `ver` attribute (RFC 6121 §2.6); nothing when absent.
  std::optional<std::string> version;
};

/// Reads `query` (the payload of a roster result, or of a push when `push` is true: exactly one
/// item, subscription='remove' allowed).
RosterQuery parse_roster_query(xml::Element query, bool push);

/// What changed in the roster: a whole roster (a roster result) or one item (a push).
struct RosterUpdate {
  /// True for a roster result (the items replaced the roster), false for a push.
  bool full = false;
  /// The result's items, or the pushed item (subscription remove: it was deleted).
  std::vector<RosterItem> items;
};

/// The roster as the application layer last heard it. Plain data: the Session applies results
/// and pushes; tests and applications read it.
class Roster {
 public:
  /// Whether a roster result has been received on this (or a resumed) session.
  bool received() const noexcept { return received_; }
  const std::vector<RosterItem>& items() const noexcept { return items_; }
  /// The item for `jid`'s bare JID; null when absent. Valid until the roster next changes.
  const RosterItem* find(const Jid& jid) const noexcept;
  /// The version of the last result or push (RFC 6121 §2.6); empty when none.
  std::string_view version() const noexcept { return version_; }

  /// Replaces every item (a roster result).
  void replace(std::vector<RosterItem> items, std::optional<std::string> version);
  /// Adds, replaces or (subscription remove) deletes one item (a push).
  void apply_push(const RosterItem& item, std::optional<std::string> version);
  /// Forgets everything (a fresh session that has not fetched the roster yet).
  void clear() noexcept;

 private:
  std::vector<RosterItem> items_;
  std::string version_;
  bool received_ = false;
};

/// A presence stanza about the subscription between the user and `from` (RFC 6121 §3).
enum class SubscriptionAction : std::uint8_t {
  request,    ///< type='subscribe': `from` asks to see the user's presence (§3.1)
  approved,   ///< type='subscribed': `from` approved the user's request (§3.1.5)
  cancelled,  ///< type='unsubscribe': `from` no longer wants the user's presence (§3.3)
  revoked,    ///< type='unsubscribed': `from` denied or revoked the user's subscription (§3.2)
};

std::string_view to_string(SubscriptionAction action) noexcept;

/// What SessionHooks::on_subscription is told. Views valid during the call.
struct SubscriptionEvent {
  SubscriptionAction action = SubscriptionAction::request;
  /// The contact, bare (§3.1.3: the server stamps the bare JID).
  Jid from;
  /// The `<status/>` the contact sent with a request; empty when none.
  std::string_view status;
  /// The presence stanza itself.
  xml::Element stanza;
};

}  // namespace xmpp
