// xmpp::Router: inbound stanzas to the application's handlers, by routes tried in order (first
// match wins), as go-xmpp's Router does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xmpp/jid.hpp"
#include "xmpp/stanza/kind.hpp"
#include "xmpp/xml/element.hpp"

namespace xmpp {

class Session;

/// What a route matches: every condition set must hold (an empty Route matches every stanza: a
/// catch-all). Built fluently:
///
///     Route().kind(stanza::Kind::iq).type("get").payload("query", "jabber:iq:version")
///     Route().kind(stanza::Kind::message).type("chat").from(Jid::parse("bob@example.com"))
class Route {
 public:
  /// The stanza kind (message, presence, iq).
  Route& kind(stanza::Kind kind);
  /// The `type` attribute, exactly. "" matches a stanza without `type` (a normal message, an
  /// available presence).
  Route& type(std::string_view type);
  /// The first child element's local name and namespace (the IQ payload, or e.g. a message's
  /// first extension). An empty `name` matches any name in `ns`.
  Route& payload(std::string_view name, std::string_view ns);
  /// The sender: a bare JID matches it and all of its resources, a full JID only itself. A
  /// stanza without `from` comes from the account (RFC 6120 §8.1.2.1) and is matched as the
  /// account's bare JID. A `from` that is not a JID matches no sender condition.
  Route& from(Jid sender);
  /// Any other test; several may be given (all must hold). Called with the stanza only, during
  /// routing; it must not call the Session.
  Route& when(std::function<bool(xml::Element)> predicate);

  /// Whether `stanza` satisfies every condition; `account` is the account's bare JID (the sender
  /// of a stanza without `from`).
  bool matches(xml::Element stanza, const Jid& account) const;

 private:
  std::optional<stanza::Kind> kind_;
  std::optional<std::string> type_;
  std::optional<std::string> payload_name_;
  std::optional<std::string> payload_ns_;
  std::optional<Jid> from_;
  std::vector<std::function<bool(xml::Element)>> predicates_;
};

/// Called with the Session and the stanza (valid during the call; xml::clone to keep it). It may
/// call send(), send_iq() (and await the result), close() and the Router itself. A handler that
/// takes an IQ get/set owns its answer: the Session does not answer it.
using RouteHandler = std::function<void(Session&, xml::Element)>;

/// Identifies a route for Router::remove().
using RouteId = std::uint64_t;

/// The routes, in the order they were added. Adding or removing routes from a handler is
/// allowed and takes effect for the next stanza.
class Router {
 public:
  /// Appends a route; returns its id (never 0).
  RouteId add(Route route, RouteHandler handler);
  /// Appends a route that matches every stanza (a catch-all: put it last).
  RouteId add_catch_all(RouteHandler handler);
  /// Removes the route; false when no route has this id.
  bool remove(RouteId id);
  void clear() noexcept;
  std::size_t size() const noexcept;

  /// The handler of the first route `stanza` matches, kept alive for the call even if the route
  /// is removed meanwhile; null when none matches.
  std::shared_ptr<const RouteHandler> match(xml::Element stanza, const Jid& account) const;

 private:
  struct Entry {
    RouteId id = 0;
    Route route;
    std::shared_ptr<const RouteHandler> handler;
  };
  std::vector<Entry> routes_;
  RouteId next_id_ = 1;
};

}  // namespace xmpp
