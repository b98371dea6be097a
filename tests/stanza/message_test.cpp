// The message view on RFC 6121 §5 and XEP-0203/0184/0085 examples, and MessageBuilder.
#include <doctest/doctest.h>

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "stanza_test_util.hpp"
#include "xmpp/stanza/message.hpp"
#include "xmpp/stanza/namespaces.hpp"
#include "xmpp/xml/arena.hpp"

using namespace xmpp;
using namespace xmpp::test;
using namespace xmpp::stanza;

namespace {

Message view(const Parsed& p) {
  const auto m = Message::view(p.element);
  REQUIRE(m);
  return *m;
}

constexpr std::array<std::pair<MessageType, std::string_view>, 5> kTypes{{
    {MessageType::normal, "normal"},
    {MessageType::chat, "chat"},
    {MessageType::groupchat, "groupchat"},
    {MessageType::headline, "headline"},
    {MessageType::error, "error"},
}};

constexpr std::array<std::pair<ChatState, std::string_view>, 5> kStates{{
    {ChatState::active, "active"},
    {ChatState::composing, "composing"},
    {ChatState::paused, "paused"},
    {ChatState::inactive, "inactive"},
    {ChatState::gone, "gone"},
}};

}  // namespace

TEST_CASE("MessageType and ChatState: names both ways") {
  for (const auto& [type, name] : kTypes) {
    CHECK(to_string(type) == name);
    CHECK(message_type_from_string(name) == type);
  }
  for (const auto& [state, name] : kStates) {
    CHECK(to_string(state) == name);
    CHECK(chat_state_from_string(name) == state);
  }
  CHECK(message_type_from_string("Chat") == std::nullopt);
  CHECK(chat_state_from_string("typing") == std::nullopt);
  CHECK(to_string(static_cast<MessageType>(5)) == "unknown");
  CHECK(to_string(static_cast<ChatState>(5)) == "unknown");
}

TEST_CASE("Message::view: only <message/> in a stanza namespace") {
  CHECK(Message::view(Parsed("<message/>").element));
  CHECK(Message::view(Parsed("<message/>", kComponentHeader).element));
  CHECK_FALSE(Message::view(Parsed("<presence/>").element));
  CHECK_FALSE(Message::view(Parsed("<message xmlns='urn:example'/>").element));
  CHECK_FALSE(Message::view(xml::Element()));
}

TEST_CASE("Message: RFC 6121 §5.2.3 bodies in two languages") {
  Parsed p(
      "<message from='juliet@example.com/balcony' id='b4vs9km4' to='romeo@example.net' "
      "type='chat' xml:lang='en'><body>Wherefore art thou, Romeo?</body>"
      "<body xml:lang='de'>Wo bist du, Romeo?</body></message>");
  const Message m = view(p);
  CHECK(m.type() == MessageType::chat);
  CHECK(m.type_attribute() == "chat");
  CHECK(m.id() == "b4vs9km4");
  CHECK(m.from() == "juliet@example.com/balcony");
  CHECK(m.to() == "romeo@example.net");
  CHECK(m.has_to());
  CHECK(m.has_from());
  CHECK(m.has_id());
  CHECK(m.lang() == "en");
  CHECK(m.body() == "Wherefore art thou, Romeo?");
  CHECK(m.body("de") == "Wo bist du, Romeo?");
  CHECK(m.body("DE") == "Wo bist du, Romeo?");          // language tags ignore case
  CHECK(m.body("en") == "Wherefore art thou, Romeo?");  // inherited from the message
  CHECK(m.body("cs") == std::nullopt);
  CHECK(m.subject() == std::nullopt);
  CHECK(m.thread() == std::nullopt);
  CHECK(m.thread_parent() == std::nullopt);
  CHECK(m.delay() == std::nullopt);
  CHECK_FALSE(m.receipt_requested());
  CHECK(m.receipt_received() == std::nullopt);
  CHECK(m.chat_state() == std::nullopt);
  CHECK(m.error().problem == ErrorParseProblem::not_an_error);
}

TEST_CASE("Message: RFC 6121 §5.2.4 subjects and bodies in Czech (character references)") {
  Parsed p(
      "<message from='juliet@example.com/balcony' id='z94nb37h' to='romeo@example.net' "
      "type='chat' xml:lang='en'><subject>I implore you!</subject>"
      "<subject xml:lang='cs'>&#x00DA;p&#x011B;nliv&#x011B; pros&#x00ED;m!</subject>"
      "<body>Wherefore art thou, Romeo?</body>"
      "<body xml:lang='cs'>Pro&#x010D;e&#x017D; jsi ty, Romeo?</body></message>");
  const Message m = view(p);
  CHECK(m.subject() == "I implore you!");
  CHECK(m.subject("cs") == "\xC3\x9Ap\xC4\x9Bnliv\xC4\x9B pros\xC3\xADm!");
  CHECK(m.body("cs") ==
        "Pro\xC4\x8D"
        "e\xC5\xBD jsi ty, Romeo?");
  CHECK(m.body() == "Wherefore art thou, Romeo?");
}

TEST_CASE("Message: body() without a language takes the body without xml:lang, else the first") {
  Parsed only_tagged(
      "<message><body xml:lang='fr'>Bonjour</body><body xml:lang='it'>Ciao</body></message>");
  CHECK(view(only_tagged).body() == "Bonjour");
  CHECK(view(only_tagged).body("it") == "Ciao");
  CHECK(view(only_tagged).body("en") == std::nullopt);
  Parsed untagged_last("<message><body xml:lang='fr'>Bonjour</body><body>Hello</body></message>");
  CHECK(view(untagged_last).body() == "Hello");
  CHECK(view(untagged_last).body("fr") == "Bonjour");
  // Without a stanza xml:lang, an untagged body has no language to match.
  CHECK(view(untagged_last).body("en") == std::nullopt);
}

TEST_CASE("Message: an empty body is not an absent one") {
  Parsed empty("<message><body/></message>");
  CHECK(view(empty).body() == std::string_view());
  CHECK(view(empty).body().has_value());
  Parsed none("<message><subject>s</subject></message>");
  CHECK_FALSE(view(none).body().has_value());
  Parsed other_ns("<message><body xmlns='urn:example'>x</body></message>");
  CHECK_FALSE(view(other_ns).body().has_value());
  CHECK(view(other_ns).payload("body", "urn:example").text() == "x");
}

TEST_CASE("Message: RFC 6121 §5.2.5 thread with its parent") {
  Parsed p(
      "<message from='juliet@example.com/balcony' to='romeo@example.net/orchard' id='ktx72v49' "
      "type='chat' xml:lang='en'><body>Art thou not Romeo, and a Montague?</body>"
      "<thread parent='e0ffe42b28561960c6b12b944a092794b9683a38'>"
      "0e3141cd80894871a68e6fe6b1ec56fa</thread></message>");
  const Message m = view(p);
  CHECK(m.thread() == "0e3141cd80894871a68e6fe6b1ec56fa");
  CHECK(m.thread_parent() == "e0ffe42b28561960c6b12b944a092794b9683a38");
  Parsed no_parent("<message><thread>t1</thread></message>");
  CHECK(view(no_parent).thread() == "t1");
  CHECK(view(no_parent).thread_parent() == std::nullopt);
}

TEST_CASE("Message: type absent, normal, unknown") {
  Parsed absent("<message/>");
  CHECK(view(absent).type() == MessageType::normal);
  CHECK(view(absent).type_attribute() == std::nullopt);
  CHECK_FALSE(view(absent).has_id());
  CHECK(view(absent).lang().empty());
  Parsed unknown("<message type='urgent'/>");
  CHECK(view(unknown).type() == MessageType::normal);
  CHECK(view(unknown).type_attribute() == "urgent");
  for (const auto& [type, name] : kTypes) {
    Parsed p("<message type='" + std::string(name) + "'/>");
    CHECK(view(p).type() == type);
  }
}

TEST_CASE("Message: XEP-0203 delay (offline storage example)") {
  Parsed p(
      "<message from='romeo@montague.net/orchard' to='juliet@capulet.com' type='chat'>"
      "<body>O blessed, blessed night!</body>"
      "<delay xmlns='urn:xmpp:delay' from='capulet.com' stamp='2002-09-10T23:08:25Z'>"
      "Offline Storage</delay></message>");
  const auto delay = view(p).delay();
  REQUIRE(delay);
  CHECK(delay->stamp == "2002-09-10T23:08:25Z");
  CHECK(delay->from == "capulet.com");
  CHECK(delay->reason == "Offline Storage");
  Parsed bare("<message><delay xmlns='urn:xmpp:delay' stamp='2024-01-01T00:00:00Z'/></message>");
  REQUIRE(view(bare).delay());
  CHECK(view(bare).delay()->from.empty());
  CHECK(view(bare).delay()->reason.empty());
  Parsed no_stamp(
      "<message><delay xmlns='urn:xmpp:delay'/>"
      "<delay xmlns='urn:xmpp:delay' stamp='2024-02-02T00:00:00Z'/></message>");
  REQUIRE(view(no_stamp).delay());
  CHECK(view(no_stamp).delay()->stamp == "2024-02-02T00:00:00Z");
  Parsed legacy("<message><x xmlns='jabber:x:delay' stamp='20020910T23:08:25'/></message>");
  CHECK(view(legacy).delay() == std::nullopt);
}

TEST_CASE("Message: XEP-0184 receipts both ways") {
  Parsed request(
      "<message from='northumberland@shakespeare.lit/westminster' id='richard2-4.1.247' "
      "to='kingrichard@royalty.england.lit/throne'><body>My lord, dispatch; read o'er these "
      "articles.</body><request xmlns='urn:xmpp:receipts'/></message>");
  CHECK(view(request).receipt_requested());
  CHECK(view(request).receipt_received() == std::nullopt);
  Parsed received(
      "<message from='kingrichard@royalty.england.lit/throne' id='bi29sg183b4v' "
      "to='northumberland@shakespeare.lit/westminster'>"
      "<received xmlns='urn:xmpp:receipts' id='richard2-4.1.247'/></message>");
  CHECK_FALSE(view(received).receipt_requested());
  CHECK(view(received).receipt_received() == "richard2-4.1.247");
  Parsed no_id("<message><received xmlns='urn:xmpp:receipts'/></message>");
  CHECK(view(no_id).receipt_received() == std::string_view());
  Parsed wrong_ns("<message><request xmlns='urn:xmpp:receipts:1'/></message>");
  CHECK_FALSE(view(wrong_ns).receipt_requested());
}

TEST_CASE("Message: XEP-0085 chat states") {
  for (const auto& [state, name] : kStates) {
    CAPTURE(name);
    Parsed p("<message type='chat'><" + std::string(name) +
             " xmlns='http://jabber.org/protocol/chatstates'/></message>");
    CHECK(view(p).chat_state() == state);
  }
  Parsed with_body(
      "<message type='chat'><body>Hi</body>"
      "<active xmlns='http://jabber.org/protocol/chatstates'/></message>");
  CHECK(view(with_body).chat_state() == ChatState::active);
  Parsed unknown("<message><typing xmlns='http://jabber.org/protocol/chatstates'/></message>");
  CHECK(view(unknown).chat_state() == std::nullopt);
  Parsed wrong_ns("<message><composing xmlns='jabber:x:event'/></message>");
  CHECK(view(wrong_ns).chat_state() == std::nullopt);
}

TEST_CASE("Message: an error message (RFC 6120 §8.3.3.5 gone)") {
  Parsed p(
      "<message from='romeo@example.net' id='sj2b371v' to='juliet@im.example.com/churchyard' "
      "type='error'><error by='example.net' type='cancel'>"
      "<gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>xmpp:romeo@afterlife.example.net</gone>"
      "</error></message>");
  const Message m = view(p);
  CHECK(m.type() == MessageType::error);
  const ErrorParseResult r = m.error();
  REQUIRE(r.problem == ErrorParseProblem::ok);
  CHECK(r.error.condition == ErrorCondition::gone);
  CHECK(r.error.uri == "xmpp:romeo@afterlife.example.net");
}

TEST_CASE("Message: payload() is the escape hatch for any extension") {
  Parsed p(
      "<message><body>b</body><x xmlns='jabber:x:oob'><url>https://example.com/a</url></x>"
      "<store xmlns='urn:xmpp:hints'/></message>");
  const Message m = view(p);
  const xml::Element oob = m.payload("x", "jabber:x:oob");
  REQUIRE(oob);
  CHECK(oob.child("url").text() == "https://example.com/a");
  CHECK(m.payload("store", "urn:xmpp:hints"));
  CHECK_FALSE(m.payload("x", "jabber:x:data"));
  CHECK(m.element().node() == p.element.node());
}

TEST_CASE("MessageBuilder: everything, in the order of the calls") {
  xml::Arena arena;
  Parsed oob("<x xmlns='jabber:x:oob'><url>https://example.com/a</url></x>");
  const xml::Element built = MessageBuilder(arena)
                                 .to("romeo@example.net")
                                 .from("juliet@example.com/balcony")
                                 .id("m1")
                                 .type(MessageType::chat)
                                 .lang("en")
                                 .subject("I implore you!")
                                 .body("Wherefore art thou, Romeo?")
                                 .body("Wo bist du, Romeo?", "de")
                                 .thread("t1", "p0")
                                 .request_receipt()
                                 .chat_state(ChatState::active)
                                 .delay("2002-09-10T23:08:25Z", "capulet.com", "Offline Storage")
                                 .payload(oob.element)
                                 .element();
  CHECK(serialised(built) ==
        "<message to='romeo@example.net' from='juliet@example.com/balcony' id='m1' type='chat' "
        "xml:lang='en'><subject>I implore you!</subject>"
        "<body>Wherefore art thou, Romeo?</body><body xml:lang='de'>Wo bist du, Romeo?</body>"
        "<thread parent='p0'>t1</thread><request xmlns='urn:xmpp:receipts'/>"
        "<active xmlns='http://jabber.org/protocol/chatstates'/>"
        "<delay xmlns='urn:xmpp:delay' stamp='2002-09-10T23:08:25Z' from='capulet.com'>"
        "Offline Storage</delay><x xmlns='jabber:x:oob'><url>https://example.com/a</url></x>"
        "</message>");
  const auto m = Message::view(built);
  REQUIRE(m);
  CHECK(m->body("de") == "Wo bist du, Romeo?");
  CHECK(m->body("en") == "Wherefore art thou, Romeo?");
  CHECK(m->receipt_requested());
  CHECK(m->chat_state() == ChatState::active);
}

TEST_CASE("MessageBuilder: nothing but a message; type normal only when asked") {
  xml::Arena arena;
  CHECK(serialised(MessageBuilder(arena).element()) == "<message/>");
  CHECK(serialised(MessageBuilder(arena).type(MessageType::normal).element()) ==
        "<message type='normal'/>");
  CHECK(serialised(MessageBuilder(arena).body("").element()) == "<message><body/></message>");
  CHECK(serialised(MessageBuilder(arena).receipt_received("r1").thread("t").element()) ==
        "<message><received xmlns='urn:xmpp:receipts' id='r1'/><thread>t</thread></message>");
  CHECK(serialised(MessageBuilder(arena).delay("2024-01-01T00:00:00Z").element()) ==
        "<message><delay xmlns='urn:xmpp:delay' stamp='2024-01-01T00:00:00Z'/></message>");
}

TEST_CASE("MessageBuilder: attributes set twice keep the last; component namespace") {
  xml::Arena arena;
  const xml::Element built = MessageBuilder(arena, ns::kComponent)
                                 .to("a@example.com")
                                 .to("b@example.com")
                                 .from("comp.example.com")
                                 .type(MessageType::chat)
                                 .type(MessageType::headline)
                                 .element();
  CHECK(built.ns() == ns::kComponent);
  const auto m = Message::view(built);
  REQUIRE(m);
  CHECK(m->to() == "b@example.com");
  CHECK(m->type() == MessageType::headline);
  CHECK(serialised(built, kComponentHeader) ==
        "<message to='b@example.com' from='comp.example.com' type='headline'/>");
}

TEST_CASE("MessageBuilder: raw() for anything else; later calls still write on the message") {
  xml::Arena arena;
  MessageBuilder b(arena);
  b.raw().start("x", "jabber:x:data").attribute("type", "form").start("title").text("T");
  b.body("after raw").id("m2");
  CHECK(serialised(b.element()) ==
        "<message id='m2'><x xmlns='jabber:x:data' type='form'><title>T</title></x>"
        "<body>after raw</body></message>");
  CHECK(b.raw().current().node() == b.element().node());
}
