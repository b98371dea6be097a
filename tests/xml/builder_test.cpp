// Builder, clone() and Arena.
#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "stream_test_util.hpp"
#include "xmpp/xml/arena.hpp"
#include "xmpp/xml/builder.hpp"
#include "xmpp/xml/element.hpp"

using namespace xmpp::test;
namespace xml = xmpp::xml;

namespace {

int count_attributes(xml::Element e) {
  int n = 0;
  for (const xml::Attribute& a : e.attributes()) {
    (void)a;
    ++n;
  }
  return n;
}

int count_children(xml::Element e) {
  int n = 0;
  for (const xml::Child& c : e.children()) {
    (void)c;
    ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("Builder: the documented example") {
  xml::Arena arena;
  xml::Builder b(arena, "message", "jabber:client");
  b.attribute("to", "juliet@example.com").attribute("type", "chat");
  b.start("body").text("Wherefore art thou?").end();
  const xml::Element msg = b.root();
  CHECK(msg.is("message", "jabber:client"));
  CHECK(msg.prefix().empty());
  CHECK(msg.attribute("to") == "juliet@example.com");
  CHECK(msg.attribute("type") == "chat");
  CHECK(count_attributes(msg) == 2);
  const xml::Element body = msg.child("body");
  REQUIRE(body);
  CHECK(body.ns() == "jabber:client");
  CHECK(body.text() == "Wherefore art thou?");
  CHECK(dump(msg) == parse_stanza_dump("<message to='juliet@example.com' type='chat'><body>"
                                       "Wherefore art thou?</body></message>"));
}

TEST_CASE("Builder: start/end move the cursor; end() at the root is a no-op") {
  xml::Arena arena;
  xml::Builder b(arena, "iq", "jabber:client");
  CHECK(b.current().node() == b.root().node());
  b.start("query", "jabber:iq:roster");
  CHECK(b.current().is("query", "jabber:iq:roster"));
  b.start("item").attribute("jid", "a@b");
  CHECK(b.current().is("item", "jabber:iq:roster"));
  b.start("group").text("Friends").end();
  b.end();
  CHECK(b.current().is("query", "jabber:iq:roster"));
  b.start("item").attribute("jid", "c@d").end();
  b.end();
  CHECK(b.current().node() == b.root().node());
  b.end().end();
  CHECK(b.current().node() == b.root().node());
  b.start("x", "").end();
  const xml::Element iq = b.root();
  CHECK(iq.child_element_count() == 2);
  const xml::Element q = iq.child("query", "jabber:iq:roster");
  REQUIRE(q);
  CHECK(q.child_element_count() == 2);
  CHECK(q.child("item").attribute("jid") == "a@b");
  CHECK(q.child("item").child("group").text() == "Friends");
  CHECK(q.child("item").next_sibling_element().attribute("jid") == "c@d");
  CHECK(iq.child("x", ""));
  CHECK(iq.child("x", "").ns().empty());
}

TEST_CASE("Builder: attributes replace one of the same name; namespaced attributes") {
  xml::Arena arena;
  xml::Builder b(arena, "a", "urn:a");
  b.attribute("x", "1").attribute("y", "2").attribute("x", "3");
  CHECK(b.root().attribute("x") == "3");
  CHECK(b.root().attribute("y") == "2");
  CHECK(count_attributes(b.root()) == 2);
  b.attribute("lang", xml::kXmlNamespace, "en", "xml");
  b.attribute("x", "urn:p", "4", "p");
  CHECK(b.root().attribute("lang", xml::kXmlNamespace) == "en");
  CHECK(b.root().attribute("x", "urn:p") == "4");
  CHECK(b.root().attribute("x") == "3");
  CHECK_FALSE(b.root().attribute("lang").has_value());
  for (const xml::Attribute& a : b.root().attributes()) {
    if (a.ns().empty()) CHECK(a.prefix().empty());
  }
  b.attribute("empty", "");
  REQUIRE(b.root().attribute("empty").has_value());
  CHECK(b.root().attribute("empty")->empty());
}

TEST_CASE("Builder: text merges with a directly preceding run only") {
  xml::Arena arena;
  xml::Builder b(arena, "a", "urn:a");
  b.text("one").text("two");
  b.start("b").end();
  b.text("three");
  const xml::Element a = b.root();
  CHECK(count_children(a) == 3);
  CHECK(a.text() == "onetwo");
  std::string all;
  a.append_text(all);
  CHECK(all == "onetwothree");
}

TEST_CASE("Builder: every string is copied into the arena") {
  xml::Arena arena;
  auto name = std::make_unique<std::string>("message");
  auto ns = std::make_unique<std::string>("jabber:client");
  auto value = std::make_unique<std::string>("value");
  auto text = std::make_unique<std::string>("some text");
  xml::Builder b(arena, *name, *ns);
  b.attribute(*name, *value).attribute("n", *ns, *value, *name).start(*name).text(*text).end();
  name->assign(name->size(), '#');
  ns->assign(ns->size(), '#');
  value->assign(value->size(), '#');
  text->assign(text->size(), '#');
  name.reset();
  ns.reset();
  value.reset();
  text.reset();
  const xml::Element e = b.root();
  CHECK(e.is("message", "jabber:client"));
  CHECK(e.attribute("message") == "value");
  CHECK(e.attribute("n", "jabber:client") == "value");
  CHECK(e.child("message").text() == "some text");
}

TEST_CASE("Builder::copy deep-copies a parsed element that later goes away") {
  OpenStream s;
  const std::string stanza =
      "<x xmlns='urn:x' xmlns:p='urn:p' a='1' p:b='2' xml:lang='en'>t<y><z>deep</z></y>u</x>";
  xml::Arena arena;
  xml::Builder b(arena, "message", "jabber:client");
  b.start("body").text("hi").end();
  b.copy(s.element(stanza));
  CHECK(b.current().node() == b.root().node());
  b.start("after").end();
  // Parsing more reuses the parser's memory: the copy must not depend on it.
  s.element("<message><body>" + std::string(5000, 'q') + "</body></message>");
  s.parser.release_memory();
  const xml::Element msg = b.root();
  CHECK(msg.child_element_count() == 3);
  const xml::Element x = msg.child("x", "urn:x");
  REQUIRE(x);
  CHECK(x.attribute("a") == "1");
  CHECK(x.attribute("b", "urn:p") == "2");
  CHECK(x.attribute("lang", xml::kXmlNamespace) == "en");
  CHECK(x.child("y").child("z").text() == "deep");
  std::string text;
  x.append_text(text);
  CHECK(text == "tu");
  OpenStream again;
  CHECK(xml::equivalent(x, again.element(stanza)));
  CHECK(x.next_sibling_element().name() == "after");
}

TEST_CASE("clone() survives the source arena") {
  xml::Arena target;
  xml::Element copy;
  std::string expected;
  {
    xml::Arena source;
    xml::Builder b(source, "a", "urn:a");
    b.attribute("k", "v").attribute("lang", xml::kXmlNamespace, "de", "xml");
    b.start("b", "urn:b").text("x").start("c").end().text("y").end();
    b.text("tail");
    expected = dump(b.root());
    copy = xml::clone(b.root(), target);
    CHECK(xml::equivalent(copy, b.root()));
    source.release();
  }
  CHECK(dump(copy) == expected);
  CHECK(copy.child("b", "urn:b").child("c", "urn:b"));

  OpenStream s;
  const xml::Element parsed = xml::clone(s.element("<q:a xmlns:q='urn:q'><q:b/></q:a>"), target);
  s.element("<other/>");
  CHECK(parsed.is("a", "urn:q"));
  CHECK(parsed.child("b", "urn:q"));
}

TEST_CASE("Arena: copies, open strings, reset and release") {
  xml::Arena arena(64);
  CHECK(arena.bytes_used() == 0);
  CHECK(arena.bytes_reserved() == 0);
  const std::string_view a = arena.copy("hello");
  CHECK(a == "hello");
  CHECK(arena.bytes_used() >= 5);
  CHECK(arena.bytes_reserved() > 0);

  for (int i = 0; i < 1000; ++i)
    arena.append(static_cast<char>('a' + i % 26));
  CHECK(arena.open_size() == 1000);
  CHECK(arena.open_view().substr(0, 3) == "abc");
  const std::string_view s = arena.close_string();
  CHECK(s.size() == 1000);
  CHECK(s[999] == static_cast<char>('a' + 999 % 26));
  CHECK(arena.open_size() == 0);
  CHECK(a == "hello");

  arena.append("discard me", 10);
  arena.discard_string();
  CHECK(arena.open_size() == 0);

  for (std::size_t align : {1u, 2u, 4u, 8u, 16u}) {
    void* p = arena.allocate(3, align);
    CHECK(reinterpret_cast<std::uintptr_t>(p) % align == 0);
  }
  struct Pod {
    int x;
    double y;
  };
  Pod* pod = arena.make<Pod>();
  CHECK(pod->x == 0);
  CHECK(pod->y == 0.0);

  const std::size_t reserved = arena.bytes_reserved();
  arena.reset();
  CHECK(arena.bytes_used() == 0);
  CHECK(arena.bytes_reserved() > 0);
  CHECK(arena.bytes_reserved() <= reserved);
  arena.release();
  CHECK(arena.bytes_reserved() == 0);
  CHECK(arena.copy("again") == "again");

  xml::Arena moved(std::move(arena));
  CHECK(moved.copy("x") == "x");
}
