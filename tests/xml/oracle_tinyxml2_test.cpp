// tinyxml2 as an independent oracle: for well-formed stanzas, our tree has the same qualified
// names, attributes (namespace declarations included, as tinyxml2 sees them) and text.
//
// tinyxml2 is not namespace-aware and handles some constructs differently from XML 1.0; the
// generator avoids those (see gen::Options::oracle_safe), and both sides are compared in a
// canonical form: attributes sorted, adjacent text (tinyxml2 keeps CDATA separate) merged.
#include <doctest/doctest.h>
#include <rapidcheck.h>
#include <tinyxml2.h>

#include <algorithm>
#include <string>
#include <vector>

#include "rc_doctest.hpp"
#include "stream_test_util.hpp"
#include "xml_generators.hpp"

using namespace xmpp::test;
namespace xml = xmpp::xml;

namespace {

std::string attributes_canonical(std::vector<std::string> attrs) {
  std::sort(attrs.begin(), attrs.end());
  std::string s;
  for (const std::string& a : attrs)
    s += " " + a;
  return s;
}

void flush_text(std::string& text, std::string& out) {
  if (!text.empty()) out += "\"" + printable(text) + "\"";
  text.clear();
}

std::string canonical(xml::Element e) {
  std::vector<std::string> attrs;
  for (const xml::NamespaceDeclaration& d : e.namespace_declarations()) {
    attrs.push_back((d.prefix.empty() ? std::string("xmlns") : "xmlns:" + std::string(d.prefix)) +
                    "=" + printable(d.uri));
  }
  for (const xml::Attribute& a : e.attributes()) {
    attrs.push_back(printable(a.qualified_name()) + "=" + printable(a.value()));
  }
  std::string out = "<" + printable(e.qualified_name()) + attributes_canonical(attrs) + ">";
  std::string text;
  for (const xml::Child& c : e.children()) {
    if (c.is_text()) {
      text += c.text();
    } else {
      flush_text(text, out);
      out += canonical(c.element());
    }
  }
  flush_text(text, out);
  return out + "</>";
}

std::string canonical(const tinyxml2::XMLElement* e) {
  std::vector<std::string> attrs;
  for (const tinyxml2::XMLAttribute* a = e->FirstAttribute(); a; a = a->Next()) {
    attrs.push_back(printable(a->Name()) + "=" + printable(a->Value()));
  }
  std::string out = "<" + printable(e->Name()) + attributes_canonical(attrs) + ">";
  std::string text;
  for (const tinyxml2::XMLNode* n = e->FirstChild(); n; n = n->NextSibling()) {
    if (const tinyxml2::XMLText* t = n->ToText()) {
      text += t->Value();
    } else if (const tinyxml2::XMLElement* c = n->ToElement()) {
      flush_text(text, out);
      out += canonical(c);
    } else {
      flush_text(text, out);
      out += "(unexpected node)";
    }
  }
  flush_text(text, out);
  return out + "</>";
}

// Both canonical forms of `stanza`; `ours` is empty if our parser rejects it, `theirs` if
// tinyxml2 does.
struct Both {
  std::string ours, theirs, error;
};
Both parse_both(const std::string& header, const std::string& stanza) {
  Both b;
  xml::StreamParser p;
  xml::ParseResult r = p.parse(header);
  if (r.event == xml::ParseEvent::stream_open) {
    r = p.parse(stanza);
    if (r.event == xml::ParseEvent::element && r.consumed == stanza.size()) {
      b.ours = canonical(p.element());
    } else if (r.event == xml::ParseEvent::error) {
      b.error = std::string(to_string(p.error().condition)) + " at " +
                std::to_string(p.error().offset - header.size()) +
                " in the stanza: " + std::string(p.error().message);
    } else {
      b.error = "no single element";
    }
  }
  tinyxml2::XMLDocument doc(true, tinyxml2::PRESERVE_WHITESPACE);
  if (doc.Parse(stanza.data(), stanza.size()) == tinyxml2::XML_SUCCESS && doc.RootElement()) {
    b.theirs = canonical(doc.RootElement());
  }
  return b;
}

}  // namespace

TEST_CASE("tinyxml2 oracle: fixed stanzas") {
  const std::string stanzas[] = {
      "<message to='a@b' type=\"chat\"><body>Hello &amp; &lt;bye&gt; "
      "&#x1F600;&#233;</body></message>",
      "<a x='&quot;&apos;&lt;&gt;&amp;' y=\"'\" z='\"'>t<![CDATA[<&>]]>u<b/>v</a>",
      "<p:a xmlns:p='urn:p' p:b='1' xml:lang='en'><p:c>x\r\ny\rz</p:c></p:a>",
      "<caf\xC3\xA9 \xC3\xA9t\xC3\xA9='\xE2\x82\xAC'>\xF0\x9F\x98\x80 \xEF\xBB\xBF</caf\xC3\xA9>",
      "<a>x&#13;&#10;y&#9;z]]&gt;]</a>",
      "<a><![CDATA[one]]><![CDATA[two]]>three</a>",
      "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"
      "</stream:features>",
  };
  for (const std::string& s : stanzas) {
    INFO("stanza " << printable(s));
    const Both b = parse_both(std::string(kClientHeader), s);
    INFO("our error: " << b.error);
    REQUIRE_FALSE(b.ours.empty());
    REQUIRE_FALSE(b.theirs.empty());
    CHECK(b.ours == b.theirs);
  }
}

TEST_CASE("property: tinyxml2 sees the same names, attributes and text") {
  check_property("tinyxml2 oracle", [] {
    const gen::Header h = gen::header();
    gen::Options o;
    o.oracle_safe = true;
    const std::string stanza = gen::stanza(h.bindings, o);
    RC_LOG() << "stanza: " << printable(stanza) << "\n";
    const Both b = parse_both(h.bytes, stanza);
    RC_LOG() << "our error: " << b.error << "\nours:   " << b.ours << "\ntheirs: " << b.theirs
             << "\n";
    RC_ASSERT(!b.theirs.empty());
    RC_ASSERT(!b.ours.empty());
    RC_ASSERT(b.ours == b.theirs);
  });
}
