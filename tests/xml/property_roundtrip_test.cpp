// Property (b): trees built with Builder, written with write() inside a stream, parse back to an
// equivalent() tree; and parsed stanzas written back parse to equivalent trees.
#include <doctest/doctest.h>
#include <rapidcheck.h>

#include <string>

#include "rc_doctest.hpp"
#include "stream_test_util.hpp"
#include "xml_generators.hpp"
#include "xmpp/xml/arena.hpp"
#include "xmpp/xml/writer.hpp"

using namespace xmpp::test;
namespace xml = xmpp::xml;

namespace {

// Opens a stream with `header` and parses `stanza`; returns the element or an empty one.
struct Reparse {
  xml::StreamParser parser;
  xml::Element element;
  std::string error;
  Reparse(std::string_view header, std::string_view stanza) {
    xml::ParseResult r = parser.parse(header);
    if (r.event != xml::ParseEvent::stream_open || r.consumed != header.size()) {
      error = "header did not open the stream";
      return;
    }
    r = parser.parse(stanza);
    if (r.event == xml::ParseEvent::error) {
      error = std::string(to_string(parser.error().condition)) + " at " +
              std::to_string(parser.error().offset) + ": " + std::string(parser.error().message);
    } else if (r.event != xml::ParseEvent::element || r.consumed != stanza.size()) {
      error = "not exactly one element: " + std::string(event_name(r.event)) + " consuming " +
              std::to_string(r.consumed) + " of " + std::to_string(stanza.size());
    } else {
      element = parser.element();
    }
  }
};

}  // namespace

TEST_CASE("property: Builder trees written in a stream parse back to equivalent trees") {
  check_property("write/parse round trip", [] {
    xml::Arena arena;
    const xml::Element tree = gen::tree(arena);
    const gen::Header h = gen::header();
    Reparse header_only(h.bytes, "");
    const xml::WriteScope scope = xml::WriteScope::of_stream_header(header_only.parser.header());
    std::string out;
    const xml::WriteStatus status = xml::write(tree, out, scope);
    RC_LOG() << "tree: " << dump(tree) << "\nheader: " << h.bytes << "\nwritten: " << printable(out)
             << "\n";
    RC_ASSERT(xml::to_string(status) == xml::to_string(xml::WriteStatus::ok));
    const Reparse back(h.bytes, out);
    RC_LOG() << "parse error: " << back.error << "\n";
    RC_ASSERT(back.error.empty());
    RC_LOG() << "parsed: " << dump(back.element) << "\n";
    RC_ASSERT(xml::equivalent(back.element, tree));
    RC_ASSERT(xml::equivalent(tree, back.element));
    // The same with an empty scope, inside a header that declares no default namespace.
    std::string plain;
    RC_ASSERT(xml::to_string(xml::write(tree, plain)) == xml::to_string(xml::WriteStatus::ok));
    const Reparse back2("<stream:stream xmlns:stream='http://etherx.jabber.org/streams'>", plain);
    RC_LOG() << "written without scope: " << printable(plain) << "\n" << back2.error << "\n";
    RC_ASSERT(back2.error.empty());
    RC_ASSERT(xml::equivalent(back2.element, tree));
  });
}

TEST_CASE("property: parsed stanzas written back parse to equivalent trees") {
  check_property("parse/write/parse", [] {
    const gen::Header h = gen::header();
    const std::string stanza = gen::stanza(h.bindings);
    const Reparse first(h.bytes, stanza);
    RC_LOG() << "stanza: " << printable(stanza) << "\n" << first.error << "\n";
    RC_ASSERT(first.error.empty());
    const xml::WriteScope scope = xml::WriteScope::of_stream_header(first.parser.header());
    std::string out;
    RC_ASSERT(xml::to_string(xml::write(first.element, out, scope)) ==
              xml::to_string(xml::WriteStatus::ok));
    RC_LOG() << "written: " << printable(out) << "\n";
    const Reparse second(h.bytes, out);
    RC_LOG() << second.error << "\n";
    RC_ASSERT(second.error.empty());
    RC_ASSERT(xml::equivalent(first.element, second.element));
    RC_ASSERT(xml::equivalent(second.element, first.element));
  });
}
