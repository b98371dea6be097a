// xmpp::Route and xmpp::Router (include/xmpp/router.hpp): the conditions of a route and the
// first-match-wins lookup.
#include "xmpp/router.hpp"

#include <algorithm>
#include <utility>

namespace xmpp {
namespace {

// Whether the stanza's sender satisfies a Route::from condition: a bare `wanted` matches every
// resource of that bare JID, a full one only itself. No `from` is the account (RFC 6120
// §8.1.2.1); a `from` that is not a JID matches nothing.
bool sender_matches(xml::Element stanza, const Jid& account, const Jid& wanted) {
  const std::optional<std::string_view> from = stanza.attribute("from");
  std::optional<Jid> sender;
  if (from) {
    sender = Jid::parse(*from);
    if (!sender) return false;
  } else {
    sender = account.bare();
  }
  return wanted.is_bare() ? sender->bare() == wanted : *sender == wanted;
}

}  // namespace

Route& Route::kind(stanza::Kind kind) {
  kind_ = kind;
  return *this;
}

Route& Route::type(std::string_view type) {
  type_ = std::string(type);
  return *this;
}

Route& Route::payload(std::string_view name, std::string_view ns) {
  payload_name_ = std::string(name);
  payload_ns_ = std::string(ns);
  return *this;
}

Route& Route::from(Jid sender) {
  from_ = std::move(sender);
  return *this;
}

Route& Route::when(std::function<bool(xml::Element)> predicate) {
  predicates_.push_back(std::move(predicate));
  return *this;
}

bool Route::matches(xml::Element stanza, const Jid& account) const {
  if (!stanza) return false;
  if (kind_ && stanza::kind_of(stanza) != kind_) return false;
  if (type_) {
    // "" stands for an absent attribute; a present but empty type matches no type condition.
    const std::optional<std::string_view> type = stanza.attribute("type");
    if (type_->empty() ? type.has_value() : type != *type_) return false;
  }
  if (payload_ns_) {
    const xml::Element first = stanza.first_child_element();
    if (!first || first.ns() != *payload_ns_) return false;
    if (!payload_name_->empty() && first.name() != *payload_name_) return false;
  }
  if (from_ && !sender_matches(stanza, account, *from_)) return false;
  return std::all_of(predicates_.begin(), predicates_.end(),
                     [&](const auto& predicate) { return !predicate || predicate(stanza); });
}

RouteId Router::add(Route route, RouteHandler handler) {
  const RouteId id = next_id_++;
  routes_.push_back(
      Entry{id, std::move(route), std::make_shared<const RouteHandler>(std::move(handler))});
  return id;
}

RouteId Router::add_catch_all(RouteHandler handler) {
  return add(Route(), std::move(handler));
}

bool Router::remove(RouteId id) {
  const auto it =
      std::find_if(routes_.begin(), routes_.end(), [id](const Entry& e) { return e.id == id; });
  if (it == routes_.end()) return false;
  routes_.erase(it);
  return true;
}

void Router::clear() noexcept {
  routes_.clear();
}

std::size_t Router::size() const noexcept {
  return routes_.size();
}

std::shared_ptr<const RouteHandler> Router::match(xml::Element stanza, const Jid& account) const {
  for (const Entry& entry : routes_) {
    if (entry.route.matches(stanza, account)) return entry.handler;
  }
  return nullptr;
}

}  // namespace xmpp
