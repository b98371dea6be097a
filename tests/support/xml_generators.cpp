#include "xml_generators.hpp"

#include <rapidcheck.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <set>

#include "xmpp/xml/builder.hpp"

namespace xmpp::test::gen {
namespace {

constexpr std::string_view kXmlNs = "http://www.w3.org/XML/1998/namespace";

// Uniform choices whatever rapidcheck's current size (gen::inRange scales with it), still
// shrinking towards 0.
int pick(int n) {
  return *rc::gen::resize(100, rc::gen::inRange(0, n));
}
bool chance(int percent) {
  return pick(100) < percent;
}

template <class T, std::size_t N>
const T& one_of(const T (&items)[N]) {
  return items[static_cast<std::size_t>(pick(static_cast<int>(N)))];
}

// Name characters: start characters and the others (Namespaces in XML: no ':').
const char* const kNameStart[] = {
    "a",
    "b",
    "c",
    "m",
    "x",
    "Z",
    "_",
    "\xC3\xA9" /* é */,
    "\xE6\x97\xA5" /* 日 */,
    "\xCE\xA9" /* Ω */,
    "\xF0\x90\x80\x80" /* U+10000 */,
};
const char* const kNameRest[] = {
    "a",
    "b",
    "c",
    "m",
    "x",
    "Z",
    "_",
    "-",
    ".",
    "0",
    "9",
    "\xC3\xA9",
    "\xC2\xB7" /* · */,
    "\xCC\x80" /* U+0300 */,
    "\xE6\x97\xA5",
};

const char* const kUris[] = {
    "urn:a", "urn:b", "jabber:client", "urn:x:y", "http://example.com/ns?a=1&b=2", "urn:\xC3\xA9",
};
const char* const kPrefixes[] = {"p", "q", "r", "ns0"};

// A character reference to a random Char.
std::string char_ref(const Options& o) {
  char32_t cp = 0;
  switch (pick(6)) {
    case 0:
      cp = static_cast<char32_t>(*rc::gen::inRange(0x20, 0x7F));
      break;
    case 1:
      cp = static_cast<char32_t>(*rc::gen::inRange(0xA0, 0xD800));
      break;
    case 2:
      cp = static_cast<char32_t>(*rc::gen::inRange(0xE000, 0xFFFE));
      break;
    case 3:
      cp = static_cast<char32_t>(*rc::gen::inRange(0x10000, 0x110000));
      break;
    case 4:
      cp = one_of({U'\t', U'\n', U'\r', U'<', U'&', U'>', U']'});
      break;
    default:
      cp = one_of({U'\x10FFFF', U'\xFFFD', U'\xFEFF', U'\x85', U'\x2028'});
      break;
  }
  const auto v = static_cast<std::uint32_t>(cp);
  std::string zeros =
      (!o.oracle_safe && chance(10)) ? std::string(static_cast<std::size_t>(pick(8)), '0') : "";
  char buf[32];
  if (chance(50)) {
    std::snprintf(buf, sizeof buf, chance(50) ? "%X" : "%x", static_cast<unsigned>(v));
    return "&#x" + zeros + buf + ";";
  }
  std::snprintf(buf, sizeof buf, "%u", static_cast<unsigned>(v));
  return "&#" + zeros + buf + ";";
}

const char* const kEntities[] = {"&lt;", "&gt;", "&amp;", "&quot;", "&apos;"};
const char* const kNonAscii[] = {
    "\xC3\xA9",          "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xEF\xBB\xBF" /* U+FEFF */,
    "\xC2\x80",          "\xEF\xBF\xBD", "\xF4\x8F\xBF\xBF", "\xE6\x97\xA5\xE6\x9C\xAC",
    "\xC2\xA0" /*NBSP*/,
};

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) {
    s.replace(p, from.size(), to);
  }
}

std::string words() {
  static const char kChars[] = "abcXYZ019 .,;:!?=/'\"()-_]>{}#%";
  std::string s(1, "abcxyz"[pick(6)]);
  const int n = pick(8);
  for (int i = 0; i < n; ++i)
    s += kChars[pick(static_cast<int>(sizeof kChars) - 1)];
  return s;
}

// Character data as written between markup: never contains ']]>' or a bare '&' or '<'.
std::string text_run(const Options& o) {
  std::string s;
  const int n = 1 + pick(4);
  for (int i = 0; i < n; ++i) {
    switch (pick(7)) {
      case 0:
      case 1:
        s += words();
        break;
      case 2:
        s += one_of(kEntities);
        break;
      case 3:
        s += char_ref(o);
        break;
      case 4:
        s += one_of(kNonAscii);
        break;
      case 5:
        s += one_of({"\r\n", "\r", "\n", "\t", " ", "\r\r\n"});
        break;
      default:
        s += one_of({"]", "]]", "] ]"});
        break;
    }
  }
  if (o.oracle_safe && (s[0] == ' ' || s[0] == '\t' || s[0] == '\r' || s[0] == '\n')) {
    s.insert(0, "t");
  }
  // tinyxml2 reads LF CR as one line end.
  if (o.oracle_safe) replace_all(s, "\n\r", "\n.\r");
  replace_all(s, "]]>", "]]&gt;");
  return s;
}

std::string cdata(const Options& o) {
  static const char* const kPieces[] = {"<",
                                        "&",
                                        ">",
                                        "]",
                                        "]]",
                                        "x",
                                        "abc",
                                        " ",
                                        "\r\n",
                                        "\r",
                                        "\n",
                                        "\xC3\xA9",
                                        "\xF0\x9F\x98\x80",
                                        "<!--",
                                        "<?pi?>",
                                        "&amp;",
                                        "<![CDATA["};
  std::string s;
  const int n = pick(5);
  for (int i = 0; i < n; ++i)
    s += one_of(kPieces);
  replace_all(s, "]]>", "]] >");
  if (o.oracle_safe) replace_all(s, "\n\r", "\n.\r");
  return "<![CDATA[" + s + "]]>";
}

std::string attribute_value(char quote, const Options& o) {
  std::string s;
  const int n = pick(5);
  for (int i = 0; i < n; ++i) {
    switch (pick(7)) {
      case 0:
        s += words();
        break;
      case 1:
        s += one_of(kEntities);
        break;
      case 2:
        s += char_ref(o);
        break;
      case 3:
        s += one_of(kNonAscii);
        break;
      case 4:
        if (!o.oracle_safe) s += one_of({"\t", "\n", "\r", "\r\n", "\r\r\n"});
        break;
      case 5:
        s += quote == '\'' ? "\"" : "'";
        break;
      default:
        s += one_of({">", "]]>", " ", "&#9;&#10;&#13;", "=", "/"});
        break;
    }
  }
  // words() may contain either quote: escape the delimiter.
  replace_all(s, std::string(1, quote), quote == '\'' ? "&apos;" : "&quot;");
  return s;
}

std::string space(const Options& o) {
  if (o.oracle_safe || chance(70)) return " ";
  return one_of({"\n", "\t", "\r\n ", "  ", "\r"});
}

std::string lookup(const Bindings& b, const std::string& prefix) {
  for (auto it = b.rbegin(); it != b.rend(); ++it) {
    if (it->first == prefix) return it->second;
  }
  return {};
}

std::string element(Bindings scope, int depth, const Options& o) {
  std::vector<std::string> pieces;  // declarations and attributes, in random order later
  // Namespace declarations.
  std::set<std::string> declared;
  const int ndecl = chance(60) ? 0 : 1 + pick(3);
  for (int i = 0; i < ndecl; ++i) {
    const char quote = chance(50) ? '\'' : '"';
    if (chance(35)) {
      if (declared.insert("").second) {
        const std::string uri = chance(20) ? "" : one_of(kUris);
        std::string value = uri;
        replace_all(value, "&", "&amp;");
        pieces.push_back("xmlns=" + std::string(1, quote) + value + std::string(1, quote));
      }
    } else {
      const std::string prefix = one_of(kPrefixes);
      if (declared.insert(prefix).second) {
        const std::string uri = one_of(kUris);
        std::string value = uri;
        replace_all(value, "&", "&amp;");
        pieces.push_back("xmlns:" + prefix + "=" + std::string(1, quote) + value +
                         std::string(1, quote));
        scope.emplace_back(prefix, uri);
      }
    }
  }
  // In-scope prefixes (the latest binding of each).
  std::vector<std::string> prefixes;
  for (const auto& [p, uri] : scope) {
    if (std::find(prefixes.begin(), prefixes.end(), p) == prefixes.end()) prefixes.push_back(p);
  }
  // The element's name.
  std::string qname = ncname();
  if (!prefixes.empty() && chance(30))
    qname =
        prefixes[static_cast<std::size_t>(pick(static_cast<int>(prefixes.size())))] + ":" + qname;
  // Attributes, unique after namespace expansion.
  std::set<std::pair<std::string, std::string>> expanded;
  const int nattr = pick(4);
  for (int i = 0; i < nattr; ++i) {
    std::string prefix;
    std::string local = ncname();
    if (chance(15)) {
      prefix = "xml";
      local = chance(50) ? "lang" : local;
    } else if (!prefixes.empty() && chance(30)) {
      prefix = prefixes[static_cast<std::size_t>(pick(static_cast<int>(prefixes.size())))];
    }
    const std::string uri = prefix.empty()    ? ""
                            : prefix == "xml" ? std::string(kXmlNs)
                                              : lookup(scope, prefix);
    if (!expanded.emplace(uri, local).second) continue;
    const char quote = chance(50) ? '\'' : '"';
    const std::string eq = (!o.oracle_safe && chance(10)) ? " = " : "=";
    const std::string q(1, quote);
    pieces.push_back((prefix.empty() ? "" : prefix + ":") + local + eq + q +
                     attribute_value(quote, o) + q);
  }
  // Shuffle declarations and attributes: declarations may follow their use.
  for (std::size_t i = pieces.size(); i > 1; --i) {
    std::swap(pieces[i - 1], pieces[static_cast<std::size_t>(pick(static_cast<int>(i)))]);
  }
  std::string out = "<" + qname;
  for (const std::string& p : pieces)
    out += space(o) + p;
  if (chance(10)) out += space(o);
  if (chance(20)) return out + "/>";
  out += ">";
  const int nchildren = pick(6);
  bool last_was_text = false;
  for (int i = 0; i < nchildren; ++i) {
    const int kind = pick(20);
    if (kind < 9 && depth < 4) {
      out += element(scope, depth + 1, o);
      last_was_text = false;
    } else if (kind < 12) {
      out += cdata(o);
      last_was_text = false;
    } else if (!last_was_text) {
      out += text_run(o);
      last_was_text = true;
    }
  }
  out += "</" + qname;
  if (!o.oracle_safe && chance(10)) out += space(o);
  return out + ">";
}

}  // namespace

std::string ncname() {
  std::string n = one_of(kNameStart);
  const int len = pick(5);
  for (int i = 0; i < len; ++i)
    n += one_of(kNameRest);
  return n;
}

std::string stanza(const Bindings& header_bindings, const Options& options) {
  Bindings scope = header_bindings;
  return element(std::move(scope), 1, options);
}

Header header() {
  switch (pick(4)) {
    case 0:
      return {std::string(kComponentHeader), {{"stream", std::string(kStreamNs)}}};
    case 1:
      return {
          "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'"
          " xmlns:db='jabber:server:dialback' version='1.0'>",
          {{"stream", std::string(kStreamNs)}, {"db", "jabber:server:dialback"}}};
    case 2:
      return {"<s:stream xmlns:s='http://etherx.jabber.org/streams' xml:lang='en'>",
              {{"s", std::string(kStreamNs)}}};
    default:
      return {std::string(kClientHeader), {{"stream", std::string(kStreamNs)}}};
  }
}

Stream stream(const Options& options) {
  Stream s;
  if (chance(30)) {
    s.bytes += one_of({"<?xml version='1.0'?>", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
                       "<?xml version='1.0' encoding='utf-8' ?>"});
  }
  if (chance(30)) s.bytes += one_of({"\n", " ", "\r\n", "\t \n"});
  Header h = header();
  if (chance(5)) {
    // Self-closing header: opened and closed at once.
    h.bytes.back() = '/';
    h.bytes += '>';
    s.bytes += h.bytes;
    s.header = h.bytes;
    s.closed = true;
    if (chance(50)) s.bytes += " \n";
    return s;
  }
  s.bytes += h.bytes;
  s.header = h.bytes;
  s.stanzas = static_cast<std::size_t>(pick(6));
  for (std::size_t i = 0; i < s.stanzas; ++i) {
    if (chance(40)) s.bytes += one_of({" ", "\n", "\r\n", "\t", "  \n  "});
    s.bytes += stanza(h.bindings, options);
  }
  if (chance(60)) {
    const std::string prefix = h.bytes.substr(1, h.bytes.find(':') - 1);
    s.bytes += "</" + prefix + ":stream>";
    s.closed = true;
    if (chance(30)) s.bytes += "\n";
  }
  return s;
}

Mutated mutate(const std::string& original) {
  static const char* const kSnippets[] = {
      "<",
      ">",
      "&",
      ";",
      "'",
      "\"",
      "=",
      " ",
      "/",
      ":",
      "]]>",
      "<!--",
      "<?",
      "<!",
      "<![CDATA[",
      "</a>",
      "<a>",
      "<p:a>",
      "xmlns:p=''",
      " xmlns='' ",
      " a='1'",
      "\xC0\x80",
      "\xED\xA0\x80",
      "\xF4\x90\x80\x80",
      "\xEF\xBB\xBF",
      "\xEF\xBF\xBE",
      "\xE2\x82",
      "&#0;",
      "&#x110000;",
      "&nbsp;",
      "&#xD800;",
      "\r\n",
      "\x01",
      "p:",
      "</stream:stream>",
  };
  static const unsigned char kBytes[] = {'<',  '>',  '&',  ';',  '/',  '=',  '\'', '"',  ':',
                                         ']',  '!',  '?',  '-',  'x',  ' ',  '\r', 0x00, 0x80,
                                         0xBF, 0xC0, 0xC3, 0xE0, 0xED, 0xF4, 0xFE, 0xFF};
  Mutated m{original, original.size()};
  const int n = 1 + pick(4);
  for (int i = 0; i < n; ++i) {
    const std::size_t pos = *rc::gen::inRange<std::size_t>(0, m.bytes.size() + 1);
    switch (pick(3)) {
      case 0:  // replace one byte
        if (pos < m.bytes.size()) {
          m.bytes[pos] = chance(50) ? static_cast<char>(one_of(kBytes))
                                    : static_cast<char>(*rc::gen::inRange(0, 256));
          m.first_change = std::min(m.first_change, pos);
        }
        break;
      case 1: {  // insert
        const std::string what = chance(60) ? std::string(one_of(kSnippets))
                                            : std::string(1, static_cast<char>(one_of(kBytes)));
        m.bytes.insert(pos, what);
        m.first_change = std::min(m.first_change, pos);
        break;
      }
      default:  // delete
        if (pos < m.bytes.size()) {
          m.bytes.erase(pos, static_cast<std::size_t>(1 + pick(4)));
          m.first_change = std::min(m.first_change, pos);
        }
        break;
    }
  }
  return m;
}

Chunking chunking() {
  Chunking c;
  const int n = 1 + pick(20);
  for (int i = 0; i < n; ++i) {
    c.push_back(chance(30) ? 1 : static_cast<std::size_t>(*rc::gen::inRange(1, 65)));
  }
  return c;
}

namespace {

const char* const kTreeNs[] = {
    "jabber:client", "urn:a", "urn:b", "", "http://etherx.jabber.org/streams", "urn:\xC3\xA9"};
const char* const kHints[] = {"", "p", "q", "stream", "xml", "xmlns", "a"};
const char* const kAttrNs[] = {"",
                               "",
                               "",
                               "http://www.w3.org/XML/1998/namespace",
                               "urn:a",
                               "urn:b",
                               "jabber:client",
                               "http://etherx.jabber.org/streams"};

std::string unicode_text(bool non_empty) {
  std::string s;
  const int n = (non_empty ? 1 : 0) + pick(8);
  for (int i = 0; i < n; ++i) {
    switch (pick(6)) {
      case 0:
        s += words();
        break;
      case 1:
        s += one_of({"<", "&", ">", "'", "\"", "]]>", "&amp;", "&#13;"});
        break;
      case 2:
        s += one_of({"\r", "\n", "\t", "\r\n", " ", "\r\r\n"});
        break;
      case 3:
        s += one_of(kNonAscii);
        break;
      case 4:
        s += utf8(static_cast<char32_t>(*rc::gen::inRange(0x10000, 0x110000)));
        break;
      default:
        s += utf8(static_cast<char32_t>(*rc::gen::inRange(0x80, 0xD800)));
        break;
    }
  }
  return s;
}

void fill(xml::Builder& b, int depth) {
  std::set<std::pair<std::string, std::string>> used;
  const int nattr = pick(5);
  for (int i = 0; i < nattr; ++i) {
    const std::string ns = one_of(kAttrNs);
    std::string name = ncname();
    if (ns == kXmlNs && chance(60)) name = chance(50) ? "lang" : "space";
    if (!used.emplace(ns, name).second) continue;
    const std::string value = unicode_text(false);
    if (ns.empty()) {
      b.attribute(name, value);
    } else {
      b.attribute(name, ns, value, one_of(kHints));
    }
  }
  const int nchildren = pick(5);
  for (int i = 0; i < nchildren; ++i) {
    if (depth < 5 && chance(50)) {
      const std::string name = ncname();
      if (chance(50)) {
        b.start(name);
      } else {
        b.start(name, one_of(kTreeNs));
      }
      if (chance(40)) b.prefix(one_of(kHints));
      fill(b, depth + 1);
      b.end();
    } else {
      b.text(unicode_text(true));
    }
  }
}

}  // namespace

xml::Element tree(xml::Arena& arena) {
  xml::Builder b(arena, ncname(), one_of(kTreeNs));
  if (chance(40)) b.prefix(one_of(kHints));
  fill(b, 1);
  return b.root();
}

}  // namespace xmpp::test::gen
