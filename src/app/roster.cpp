// The roster (include/xmpp/roster.hpp): names, reading a roster query (RFC 6121 §2.1) and the
// Roster's state.
#include "xmpp/roster.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "core/name_table.hpp"
#include "xmpp/stanza/namespaces.hpp"

namespace xmpp {
namespace {

// Indexed by Subscription (RFC 6121 §2.1.2.5).
constexpr std::array<std::string_view, 5> kSubscriptionNames = {
    "none", "to", "from", "both", "remove",
};
static_assert(kSubscriptionNames.size() == static_cast<std::size_t>(Subscription::remove) + 1);

// Indexed by RosterProblem.
constexpr std::array<std::string_view, 8> kProblemMessages = {
    "ok",
    "not a roster query: expected <query xmlns='jabber:iq:roster'/> (RFC 6121 §2.1.1)",
    "a roster item without the REQUIRED 'jid' attribute (RFC 6121 §2.1.2.3)",
    "a roster item whose 'jid' is not a bare JID (RFC 6121 §2.1.2.3)",
    "a roster item with a 'subscription' value RFC 6121 §2.1.2.5 does not define",
    "subscription='remove' in a roster result; it is allowed only in a push (RFC 6121 §2.1.2.5)",
    "the same JID in two roster items (RFC 6121 §2.1.2)",
    "a roster push that does not carry exactly one item (RFC 6121 §2.1.6)",
};
static_assert(kProblemMessages.size() ==
              static_cast<std::size_t>(RosterProblem::push_item_count) + 1);

// Indexed by SubscriptionAction.
constexpr std::array<std::string_view, 4> kActionNames = {
    "request",
    "approved",
    "cancelled",
    "revoked",
};
static_assert(kActionNames.size() == static_cast<std::size_t>(SubscriptionAction::revoked) + 1);

char fold(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// Jid equality of the bare parts (ASCII case folded in localpart and domainpart), without
// building the bare JIDs.
bool same_bare(const Jid& a, const Jid& b) noexcept {
  const auto equal = [](std::string_view x, std::string_view y) {
    return std::equal(x.begin(), x.end(), y.begin(), y.end(),
                      [](char p, char q) { return fold(p) == fold(q); });
  };
  return equal(a.domain(), b.domain()) && equal(a.local(), b.local());
}

// The <group/> children's text in document order, empty names dropped, repeats collapsed.
std::vector<std::string> read_groups(xml::Element item) {
  std::vector<std::string> groups;
  for (xml::Element e = item.first_child_element(); e; e = e.next_sibling_element()) {
    if (!e.is("group", stanza::ns::kRoster)) continue;
    std::string name;
    e.append_text(name);
    if (name.empty() || std::find(groups.begin(), groups.end(), name) != groups.end()) continue;
    groups.push_back(std::move(name));
  }
  return groups;
}

// Reads one <item/>; on success `problem` stays ok.
std::optional<RosterItem> read_item(xml::Element item, bool push, RosterProblem& problem) {
  const std::optional<std::string_view> jid_text = item.attribute("jid");
  if (!jid_text) {
    problem = RosterProblem::item_without_jid;
    return std::nullopt;
  }
  std::optional<Jid> jid = Jid::parse(*jid_text);
  if (!jid || !jid->is_bare()) {
    problem = RosterProblem::item_jid_invalid;
    return std::nullopt;
  }
  Subscription subscription = Subscription::none;
  if (const auto value = item.attribute("subscription")) {
    const std::optional<Subscription> known = subscription_from_string(*value);
    if (!known) {
      problem = RosterProblem::unknown_subscription;
      return std::nullopt;
    }
    subscription = *known;
  }
  if (subscription == Subscription::remove && !push) {
    problem = RosterProblem::remove_in_result;
    return std::nullopt;
  }
  const std::string_view approved = item.attribute_or_empty("approved");
  return RosterItem{
      .jid = std::move(*jid),
      .name = std::string(item.attribute_or_empty("name")),
      .subscription = subscription,
      .ask_subscribe = item.attribute_or_empty("ask") == "subscribe",
      .approved = approved == "true" || approved == "1",
      .groups = read_groups(item),
  };
}

RosterQuery refused(RosterProblem problem) {
  RosterQuery query;
  query.problem = problem;
  return query;
}

}  // namespace

std::string_view to_string(Subscription subscription) noexcept {
  return core::name_of(kSubscriptionNames, subscription, "unknown");
}

std::optional<Subscription> subscription_from_string(std::string_view name) noexcept {
  return core::value_of<Subscription>(kSubscriptionNames, name);
}

std::string_view to_string(RosterProblem problem) noexcept {
  return core::name_of(kProblemMessages, problem, "unknown roster problem");
}

std::string_view to_string(SubscriptionAction action) noexcept {
  return core::name_of(kActionNames, action, "unknown");
}

RosterQuery parse_roster_query(xml::Element query, bool push) {
  if (!query || !query.is("query", stanza::ns::kRoster)) {
    return refused(RosterProblem::not_a_roster_query);
  }
  RosterQuery result;
  for (xml::Element e = query.first_child_element(); e; e = e.next_sibling_element()) {
    if (!e.is("item", stanza::ns::kRoster)) continue;  // an extension: not ours to judge
    std::optional<RosterItem> item = read_item(e, push, result.problem);
    if (!item) return refused(result.problem);
    const bool seen = std::any_of(result.items.begin(), result.items.end(),
                                  [&](const RosterItem& other) { return other.jid == item->jid; });
    if (seen) return refused(RosterProblem::duplicate_item);
    result.items.push_back(std::move(*item));
  }
  if (push && result.items.size() != 1) return refused(RosterProblem::push_item_count);
  if (const auto ver = query.attribute("ver")) result.version = std::string(*ver);
  return result;
}

const RosterItem* Roster::find(const Jid& jid) const noexcept {
  const auto it = std::find_if(items_.begin(), items_.end(),
                               [&](const RosterItem& item) { return same_bare(item.jid, jid); });
  return it == items_.end() ? nullptr : &*it;
}

void Roster::replace(std::vector<RosterItem> items, std::optional<std::string> version) {
  items_ = std::move(items);
  version_ = std::move(version).value_or(std::string());
  received_ = true;
}

void Roster::apply_push(const RosterItem& item, std::optional<std::string> version) {
  const auto it = std::find_if(items_.begin(), items_.end(), [&](const RosterItem& other) {
    return same_bare(other.jid, item.jid);
  });
  if (item.subscription == Subscription::remove) {
    if (it != items_.end()) items_.erase(it);
  } else if (it != items_.end()) {
    *it = item;
  } else {
    items_.push_back(item);
  }
  if (version) version_ = std::move(*version);
}

void Roster::clear() noexcept {
  items_.clear();
  version_.clear();
  received_ = false;
}

}  // namespace xmpp
