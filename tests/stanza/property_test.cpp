// Properties of the typed stanzas: whatever a builder writes (random Unicode text, languages,
// types, states, priorities), serialised in a stream and parsed back, reads back the same
// through the view; and every error reply reads back as built, for every condition and type.
#include <doctest/doctest.h>
#include <rapidcheck.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rc_doctest.hpp"
#include "stanza_test_util.hpp"
#include "xmpp/stanza/iq.hpp"
#include "xmpp/stanza/message.hpp"
#include "xmpp/stanza/presence.hpp"
#include "xmpp/stanza/stanza_error.hpp"
#include "xmpp/xml/arena.hpp"

using namespace xmpp;
using namespace xmpp::test;
using namespace xmpp::stanza;

namespace {

// Text XML can carry: ASCII (markup characters, TAB, LF and CR included), and non-ASCII from
// every UTF-8 length.
std::string text() {
  const auto length = *rc::gen::inRange<std::size_t>(0, 24);
  std::string s;
  for (std::size_t i = 0; i < length; ++i) {
    switch (*rc::gen::inRange(0, 6)) {
      case 0:
        s += *rc::gen::element('<', '>', '&', '\'', '"', '\t', '\n', '\r', ']');
        break;
      case 1:
        s += utf8(static_cast<char32_t>(*rc::gen::inRange(0x80, 0xD800)));
        break;
      case 2:
        s += utf8(static_cast<char32_t>(*rc::gen::inRange(0xE000, 0xFFFE)));
        break;
      case 3:
        s += utf8(static_cast<char32_t>(*rc::gen::inRange(0x10000, 0x110000)));
        break;
      default:
        s += static_cast<char>(*rc::gen::inRange(0x20, 0x7F));
    }
  }
  return s;
}

// Nothing, or a value of `gen`.
template <class T>
std::optional<T> maybe(const rc::Gen<T>& gen) {
  if (!*rc::gen::arbitrary<bool>()) return std::nullopt;
  return *gen;
}

template <class Enum>
Enum any_of(int count) {
  return static_cast<Enum>(*rc::gen::inRange(0, count));
}

// Texts by language: "" (no xml:lang) at most once, languages distinct.
struct Localized {
  std::string lang, text;
};
std::vector<Localized> localized() {
  static const std::vector<std::string> kLangs{"", "en", "cs", "de-ch", "ja", "x-klingon"};
  std::vector<Localized> out;
  for (const auto& lang : kLangs) {
    if (*rc::gen::inRange(0, 3) == 0) out.push_back({lang, text()});
  }
  for (std::size_t i = out.size(); i > 1; --i) {  // any order
    std::swap(out[i - 1], out[*rc::gen::inRange<std::size_t>(0, i)]);
  }
  return out;
}

// What body()/subject()/status() must give for `lang` when the stanza has no xml:lang.
std::optional<std::string> expected(const std::vector<Localized>& texts, std::string_view lang) {
  for (const auto& t : texts) {
    if (t.lang == lang) return t.text;
  }
  if (lang.empty() && !texts.empty()) return texts.front().text;
  return std::nullopt;
}

template <class View>
void check_localized(const std::vector<Localized>& texts,
                     std::optional<std::string_view> (View::*get)(std::string_view) const,
                     const View& view) {
  for (const std::string_view lang : {"", "en", "cs", "de-ch", "DE-CH", "ja", "x-klingon", "fr"}) {
    std::string lower(lang);
    for (char& c : lower)
      c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    const auto got = (view.*get)(lang);
    const auto want = expected(texts, lower);
    RC_LOG() << "lang '" << lang << "'\n";
    RC_ASSERT(got.has_value() == want.has_value());
    if (want) RC_ASSERT(std::string(*got) == *want);
  }
}

}  // namespace

TEST_CASE("property: MessageBuilder -> write -> parse -> Message gives back what was built") {
  check_property("message round trip", [] {
    const auto to = text(), from = text(), id = text();
    const auto type = maybe(rc::gen::just(any_of<MessageType>(5)));
    const auto bodies = localized();
    const auto subjects = localized();
    const auto thread = maybe(rc::gen::pair(rc::gen::exec(text), rc::gen::exec(text)));
    const bool request = *rc::gen::arbitrary<bool>();
    const auto received = maybe(rc::gen::exec(text));
    const auto state = maybe(rc::gen::just(any_of<ChatState>(5)));
    const auto delay =
        maybe(rc::gen::tuple(rc::gen::exec(text), rc::gen::exec(text), rc::gen::exec(text)));

    xml::Arena arena;
    MessageBuilder b(arena);
    b.to(to).from(from).id(id);
    if (type) b.type(*type);
    for (const auto& s : subjects)
      b.subject(s.text, s.lang);
    for (const auto& body : bodies)
      b.body(body.text, body.lang);
    if (thread) b.thread(thread->first, thread->second);
    if (request) b.request_receipt();
    if (received) b.receipt_received(*received);
    if (state) b.chat_state(*state);
    if (delay) b.delay(std::get<0>(*delay), std::get<1>(*delay), std::get<2>(*delay));

    const std::string wire = serialised(b.element());
    RC_LOG() << "written: " << printable(wire) << "\n";
    const Parsed parsed(wire);
    const auto m = Message::view(parsed.element);
    RC_ASSERT(m.has_value());
    RC_ASSERT(std::string(m->to()) == to);
    RC_ASSERT(std::string(m->from()) == from);
    RC_ASSERT(std::string(m->id()) == id);
    RC_ASSERT(m->type() == type.value_or(MessageType::normal));
    RC_ASSERT(m->type_attribute().has_value() == type.has_value());
    check_localized(bodies, &Message::body, *m);
    check_localized(subjects, &Message::subject, *m);
    RC_ASSERT(m->thread().has_value() == thread.has_value());
    if (thread) {
      RC_ASSERT(std::string(*m->thread()) == thread->first);
      RC_ASSERT(m->thread_parent().has_value() == !thread->second.empty());
      if (!thread->second.empty()) RC_ASSERT(std::string(*m->thread_parent()) == thread->second);
    }
    RC_ASSERT(m->receipt_requested() == request);
    RC_ASSERT(m->receipt_received().has_value() == received.has_value());
    if (received) RC_ASSERT(std::string(*m->receipt_received()) == *received);
    RC_ASSERT(m->chat_state() == state);
    RC_ASSERT(m->delay().has_value() == delay.has_value());
    if (delay) {
      RC_ASSERT(std::string(m->delay()->stamp) == std::get<0>(*delay));
      RC_ASSERT(std::string(m->delay()->from) == std::get<1>(*delay));
      RC_ASSERT(std::string(m->delay()->reason) == std::get<2>(*delay));
    }
  });
}

TEST_CASE("property: PresenceBuilder -> write -> parse -> Presence gives back what was built") {
  check_property("presence round trip", [] {
    const auto to = text(), id = text();
    const auto type = any_of<PresenceType>(8);
    const auto show = maybe(rc::gen::just(any_of<Show>(4)));
    const auto statuses = localized();
    const auto priority = maybe(rc::gen::arbitrary<std::int8_t>());

    xml::Arena arena;
    PresenceBuilder b(arena, *rc::gen::element(ns::kClient, ns::kComponent));
    b.type(type).to(to).id(id);
    if (show) b.show(*show);
    for (const auto& s : statuses)
      b.status(s.text, s.lang);
    if (priority) b.priority(*priority);

    const bool component = b.element().ns() == ns::kComponent;
    const std::string_view header = component ? kComponentHeader : kClientHeader;
    const std::string wire = serialised(b.element(), header);
    RC_LOG() << "written: " << printable(wire) << "\n";
    const Parsed parsed(wire, header);
    const auto p = Presence::view(parsed.element);
    RC_ASSERT(p.has_value());
    RC_ASSERT(p->element().ns() == (component ? ns::kComponent : ns::kClient));
    RC_ASSERT(p->type() == type);
    RC_ASSERT(p->type_attribute().has_value() == (type != PresenceType::available));
    RC_ASSERT(std::string(p->to()) == to);
    RC_ASSERT(std::string(p->id()) == id);
    RC_ASSERT(!p->has_from());
    RC_ASSERT(p->show() == show);
    check_localized(statuses, &Presence::status, *p);
    RC_ASSERT(int{p->priority()} == int{priority.value_or(0)});
    RC_ASSERT(p->priority_valid());
  });
}

TEST_CASE("property: build_error_reply -> write -> parse -> parse_error, every condition, type") {
  check_property("error reply round trip", [] {
    const auto kind = *rc::gen::element<std::string>("iq", "message", "presence");
    const auto id = maybe(rc::gen::exec(text));
    const auto from = maybe(rc::gen::exec(text));
    const auto to = maybe(rc::gen::exec(text));
    const auto component = *rc::gen::arbitrary<bool>();
    xml::Arena arena;
    xml::Builder request(arena, kind, component ? ns::kComponent : ns::kClient);
    if (kind == "iq") request.attribute("type", "get");
    if (id) request.attribute("id", *id);
    if (from) request.attribute("from", *from);
    if (to) request.attribute("to", *to);
    request.start("query", "urn:example:q").attribute("n", text()).end();

    ErrorReply spec;
    spec.condition = any_of<ErrorCondition>(22);
    spec.type = maybe(rc::gen::just(any_of<ErrorType>(5)));
    const std::string reason = text();
    const std::string uri = text();
    spec.text = reason;
    spec.uri = uri;
    spec.include_request = *rc::gen::arbitrary<bool>();
    spec.from = component ? ReplyFrom::request_to : ReplyFrom::omit;
    RC_ASSERT(may_reply_with_error(request.root()));
    const xml::Element reply = build_error_reply(arena, request.root(), spec);

    const std::string_view header = component ? kComponentHeader : kClientHeader;
    const std::string wire = serialised(reply, header);
    RC_LOG() << "written: " << printable(wire) << "\n";
    const Parsed parsed(wire, header);
    const xml::Element back = parsed.element;
    RC_ASSERT(std::string(back.name()) == kind);
    RC_ASSERT(back.attribute("type") == std::optional<std::string_view>("error"));
    RC_ASSERT(back.attribute("id").has_value() == id.has_value());
    if (id) RC_ASSERT(std::string(*back.attribute("id")) == *id);
    RC_ASSERT(back.attribute("to").has_value() == from.has_value());
    if (from) RC_ASSERT(std::string(*back.attribute("to")) == *from);
    RC_ASSERT(back.attribute("from").has_value() == (component && to.has_value()));
    if (component && to) RC_ASSERT(std::string(*back.attribute("from")) == *to);
    RC_ASSERT(static_cast<bool>(back.child("query", "urn:example:q")) == spec.include_request);
    RC_ASSERT(!may_reply_with_error(back));

    const ErrorParseResult r = parse_error(back);
    RC_ASSERT(r.problem == ErrorParseProblem::ok);
    RC_ASSERT(r.error.condition == spec.condition);
    RC_ASSERT(r.error.type == spec.type.value_or(default_type(spec.condition)));
    RC_ASSERT(std::string(r.error.text) == reason);
    RC_ASSERT(std::string(r.error.text_lang) == (reason.empty() ? "" : "en"));
    const bool carries_uri =
        spec.condition == ErrorCondition::gone || spec.condition == ErrorCondition::redirect;
    RC_ASSERT(std::string(r.error.uri) == (carries_uri ? uri : ""));
    if (kind == "iq") {
      const auto iq = Iq::view(back);
      RC_ASSERT(iq.has_value());
      RC_ASSERT(iq->check() == (id ? IqProblem::ok : IqProblem::missing_id));
    }
  });
}
