// Properties of the application layer: a roster query written from random items reads back as
// those items (RFC 6121 §2.1), and Router::match() picks what a straightforward reference picks
// (the first route whose conditions all hold) over random routes and stanzas.
#include <doctest/doctest.h>
#include <rapidcheck.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app_test_util.hpp"
#include "rc_doctest.hpp"
#include "xmpp/roster.hpp"
#include "xmpp/router.hpp"
#include "xmpp/stanza/namespaces.hpp"

using namespace xmpp;
using namespace xmpp::test;

namespace {

// ---- roster queries ----

// Text with the characters escaping and attribute normalisation must carry through.
std::string gen_text(std::size_t max_tokens) {
  const auto tokens = *rc::gen::container<std::vector<std::string>>(
      *rc::gen::inRange<std::size_t>(0, max_tokens + 1),
      rc::gen::element<std::string>("a", "Romeo", " ", "&", "<", ">", "'", "\"", "\t", "\n", "\r",
                                    "]]>", "\xC3\xA9", "\xE2\x99\xA5"));
  std::string text;
  for (const std::string& token : tokens)
    text += token;
  return text;
}

RosterItem gen_item(std::size_t index, bool push) {
  const std::string local = *rc::gen::element<std::string>("romeo", "Nurse", "x", "b.c-d_e");
  const std::string domain =
      *rc::gen::element<std::string>("example.com", "EXAMPLE.net", "im.example.org");
  // A domain JID now and then; the index keeps every JID distinct.
  const std::string text = *rc::gen::inRange(0, 5) == 0
                               ? "d" + std::to_string(index) + "." + domain
                               : local + std::to_string(index) + "@" + domain;
  std::optional<Jid> jid = Jid::parse(text);
  RC_ASSERT(jid.has_value());
  std::vector<std::string> groups;
  const auto raw_groups = *rc::gen::inRange<std::size_t>(0, 5);
  for (std::size_t i = 0; i < raw_groups; ++i)
    groups.push_back(gen_text(3));
  const Subscription subscription =
      push ? *rc::gen::element(Subscription::none, Subscription::to, Subscription::from,
                               Subscription::both, Subscription::remove)
           : *rc::gen::element(Subscription::none, Subscription::to, Subscription::from,
                               Subscription::both);
  return RosterItem{.jid = std::move(*jid),
                    .name = gen_text(6),
                    .subscription = subscription,
                    .ask_subscribe = *rc::gen::arbitrary<bool>(),
                    .approved = *rc::gen::arbitrary<bool>(),
                    .groups = std::move(groups)};
}

// What parse_roster_query() makes of `item`'s groups: empty ones dropped, repeats collapsed.
RosterItem normalised(RosterItem item) {
  std::vector<std::string> groups;
  for (std::string& group : item.groups) {
    if (group.empty() || std::find(groups.begin(), groups.end(), group) != groups.end()) continue;
    groups.push_back(std::move(group));
  }
  item.groups = std::move(groups);
  return item;
}

void check_round_trip(bool push) {
  const std::size_t count = push ? 1 : *rc::gen::inRange<std::size_t>(0, 9);
  std::vector<RosterItem> items;
  for (std::size_t i = 0; i < count; ++i)
    items.push_back(gen_item(i, push));
  std::optional<std::string> ver;
  if (*rc::gen::arbitrary<bool>()) ver = gen_text(3);
  const bool explicit_none = *rc::gen::arbitrary<bool>();
  const std::string approved = *rc::gen::element<std::string>("true", "1");

  const std::string text = roster_iq(items, ver, push ? "set" : "result", explicit_none, approved);
  RC_LOG() << text << "\n";
  const Parsed s(text);
  const RosterQuery q = parse_roster_query(s.element.child("query", stanza::ns::kRoster), push);
  RC_ASSERT(q.problem == RosterProblem::ok);
  RC_ASSERT(q.version == ver);
  RC_ASSERT(q.items.size() == items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    RC_ASSERT(q.items[i] == normalised(items[i]));
  }
}

// ---- routing ----

constexpr std::string_view kAccountJid = "juliet@example.com";

enum class Predicate { has_id, never, always };

struct RouteSpec {
  std::optional<stanza::Kind> kind;
  std::optional<std::string> type;
  std::optional<std::pair<std::string, std::string>> payload;
  std::optional<std::string> from;
  std::vector<Predicate> predicates;
};

struct StanzaSpec {
  std::string name;
  bool client_ns = true;
  std::optional<std::string> type;
  bool id = false;
  std::optional<std::pair<std::string, std::string>> payload;
  std::optional<std::string> from;
};

template <class T>
std::optional<T> maybe(const rc::Gen<T>& gen) {
  if (*rc::gen::arbitrary<bool>()) return std::nullopt;
  return *gen;
}

RouteSpec gen_route() {
  RouteSpec r;
  r.kind = maybe(rc::gen::element(stanza::Kind::message, stanza::Kind::presence, stanza::Kind::iq));
  r.type = maybe(rc::gen::element<std::string>("", "chat", "get", "result", "error"));
  r.payload = maybe(rc::gen::elementOf(
      std::vector<std::pair<std::string, std::string>>{{"query", "jabber:iq:version"},
                                                       {"", "jabber:iq:version"},
                                                       {"query", "jabber:iq:roster"},
                                                       {"ping", "urn:xmpp:ping"},
                                                       {"body", "jabber:client"},
                                                       {"", "urn:xmpp:ping"}}));
  r.from = maybe(rc::gen::element<std::string>(
      "romeo@example.net", "romeo@example.net/orchard", "ROMEO@Example.net/orchard",
      "romeo@example.net/Orchard", "juliet@example.com", "JULIET@EXAMPLE.COM",
      "juliet@example.com/balcony", "example.net"));
  r.predicates = *rc::gen::container<std::vector<Predicate>>(
      *rc::gen::inRange<std::size_t>(0, 3),
      rc::gen::element(Predicate::has_id, Predicate::never, Predicate::always, Predicate::always));
  return r;
}

StanzaSpec gen_stanza() {
  StanzaSpec s;
  s.name = *rc::gen::element<std::string>("message", "presence", "iq", "iq", "other");
  s.client_ns = *rc::gen::inRange(0, 8) != 0;
  s.type = maybe(rc::gen::element<std::string>("", "chat", "get", "result", "error", "Chat"));
  s.id = *rc::gen::arbitrary<bool>();
  s.payload = maybe(rc::gen::elementOf(
      std::vector<std::pair<std::string, std::string>>{{"query", "jabber:iq:version"},
                                                       {"other", "jabber:iq:version"},
                                                       {"query", "jabber:iq:roster"},
                                                       {"ping", "urn:xmpp:ping"},
                                                       {"body", "jabber:client"}}));
  s.from = maybe(rc::gen::element<std::string>(
      "romeo@example.net", "romeo@example.net/orchard", "Romeo@EXAMPLE.NET/orchard",
      "romeo@example.net/Orchard", "juliet@example.com", "juliet@example.com/balcony",
      "JULIET@example.com/x", "example.net", "example.net/orchard", "@bad", "romeo@example.net/",
      ""));
  return s;
}

std::string to_xml(const StanzaSpec& s) {
  std::string out = "<" + s.name;
  if (!s.client_ns) out += " xmlns='urn:example'";
  if (s.type) out += " type='" + *s.type + "'";
  if (s.id) out += " id='i1'";
  if (s.from) out += " from='" + *s.from + "'";
  out += '>';
  if (s.payload) {
    const auto& [name, ns] = *s.payload;
    out += "<" + name + " xmlns='" + ns + "'/>";
  }
  out += "<body>after</body></" + s.name + ">";
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The reference: each condition read off the specs, senders compared as lower-cased bare text
// plus the exact resource (the pools are ASCII, with no trailing dots).
bool reference_holds(const RouteSpec& r, const StanzaSpec& s) {
  const bool is_stanza =
      s.client_ns && (s.name == "message" || s.name == "presence" || s.name == "iq");
  if (r.kind && (!is_stanza || s.name != stanza::to_string(*r.kind))) return false;
  if (r.type && (r.type->empty() ? s.type.has_value() : s.type != *r.type)) return false;
  if (r.payload) {
    // In a foreign-namespace stanza the <body/> is still the second child, never the first.
    if (!s.payload) {
      if (r.payload->second != (s.client_ns ? "jabber:client" : "urn:example")) return false;
      if (!r.payload->first.empty() && r.payload->first != "body") return false;
    } else {
      if (r.payload->second != s.payload->second) return false;
      if (!r.payload->first.empty() && r.payload->first != s.payload->first) return false;
    }
  }
  if (r.from) {
    const std::string sender = s.from ? *s.from : std::string(kAccountJid);
    if (Jid::check(sender) != JidError::ok) return false;
    const auto split = [](std::string_view j) {
      const std::size_t slash = j.find('/');
      return std::pair{lower(j.substr(0, slash)), slash == std::string_view::npos
                                                      ? std::optional<std::string>()
                                                      : std::string(j.substr(slash + 1))};
    };
    const auto [sender_bare, sender_resource] = split(sender);
    const auto [wanted_bare, wanted_resource] = split(*r.from);
    if (sender_bare != wanted_bare) return false;
    if (wanted_resource && sender_resource != wanted_resource) return false;
  }
  for (const Predicate p : r.predicates) {
    if (p == Predicate::never || (p == Predicate::has_id && !s.id)) return false;
  }
  return true;
}

// For the log of a failing case.
std::string describe(const RouteSpec& r) {
  std::string out = "Route()";
  if (r.kind) out += ".kind(" + std::string(stanza::to_string(*r.kind)) + ")";
  if (r.type) out += ".type('" + *r.type + "')";
  if (r.payload) out += ".payload('" + r.payload->first + "', '" + r.payload->second + "')";
  if (r.from) out += ".from(" + *r.from + ")";
  for (const Predicate p : r.predicates) {
    out += p == Predicate::has_id  ? ".when(has id)"
           : p == Predicate::never ? ".when(false)"
                                   : ".when(true)";
  }
  return out;
}

struct Tag {
  std::size_t n = 0;
  void operator()(Session&, xml::Element) const {}
};

Route to_route(const RouteSpec& spec) {
  Route route;
  if (spec.kind) route.kind(*spec.kind);
  if (spec.type) route.type(*spec.type);
  if (spec.payload) route.payload(spec.payload->first, spec.payload->second);
  if (spec.from) route.from(*Jid::parse(*spec.from));
  for (const Predicate p : spec.predicates) {
    route.when([p](xml::Element e) {
      switch (p) {
        case Predicate::has_id:
          return e.attribute("id").has_value();
        case Predicate::never:
          return false;
        case Predicate::always:
          return true;
      }
      return false;
    });
  }
  return route;
}

}  // namespace

TEST_CASE("a roster result written from random items reads back as those items") {
  check_property("roster result round trip", [] { check_round_trip(false); });
}

TEST_CASE("a roster push written from a random item reads back as that item") {
  check_property("roster push round trip", [] { check_round_trip(true); });
}

TEST_CASE("Router::match() is the first route whose conditions all hold") {
  check_property("router against the reference", [] {
    const auto specs = *rc::gen::container<std::vector<RouteSpec>>(
        *rc::gen::inRange<std::size_t>(0, 7), rc::gen::exec(gen_route));
    Router router;
    std::vector<RouteId> ids;
    for (std::size_t i = 0; i < specs.size(); ++i) {
      ids.push_back(router.add(to_route(specs[i]), Tag{i + 1}));
      RC_LOG() << i + 1 << ": " << describe(specs[i]) << "\n";
    }
    // Remove some routes; the reference forgets them too.
    std::vector<bool> removed(specs.size(), false);
    for (std::size_t i = 0; i < specs.size(); ++i) {
      if (*rc::gen::inRange(0, 4) == 0) {
        RC_ASSERT(router.remove(ids[i]));
        removed[i] = true;
        RC_LOG() << "removed " << i + 1 << "\n";
      }
    }
    const Jid account = *Jid::parse(kAccountJid);
    const auto stanzas = *rc::gen::container<std::vector<StanzaSpec>>(
        *rc::gen::inRange<std::size_t>(1, 6), rc::gen::exec(gen_stanza));
    for (const StanzaSpec& s : stanzas) {
      const std::string text = to_xml(s);
      RC_LOG() << text << "\n";
      std::size_t expected = 0;
      for (std::size_t i = 0; i < specs.size() && expected == 0; ++i) {
        if (!removed[i] && reference_holds(specs[i], s)) expected = i + 1;
      }
      const Parsed parsed(text);
      const auto handler = router.match(parsed.element, account);
      const std::size_t got = handler ? handler->target<Tag>()->n : 0;
      RC_ASSERT(got == expected);
    }
  });
}
