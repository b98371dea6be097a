// Fuzzes xmpp::xml::write with trees built by xmpp::xml::Builder from arbitrary names,
// namespaces, prefixes, text and attribute values (valid or not).
//
// Input: byte 0 chooses the stream context (kContexts) the tree is written into; the rest is a
// program of builder operations (see Program::run). Strings come either from a small table of
// interesting values or straight from the input.
//
// Invariants checked (a broken one traps, so libFuzzer keeps the input):
// - write() only appends: the output's previous contents stay;
// - if write() returns ok, the output parses (after a stream header that establishes the same
//   namespace context) to exactly one element, equivalent() to the tree;
// - if it does not, the output is unchanged;
// - the same for write_escaped_text() and write_escaped_attribute(): the escaped string parses
//   back to the original text or attribute value.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "xmpp/xml.hpp"

namespace {

using xmpp::xml::Element;
using xmpp::xml::StreamParser;
using xmpp::xml::WriteScope;
using xmpp::xml::WriteStatus;
using namespace std::string_view_literals;

struct Context {
  std::string_view header;  // a stream header start tag
  bool empty_scope;         // write with WriteScope{} instead of the header's scope
};

constexpr std::array<Context, 6> kContexts = {{
    {"<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>",
     false},
    {"<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' "
     "xmlns:db='jabber:server:dialback'>",
     false},
    {"<stream:stream xmlns:stream='http://etherx.jabber.org/streams'>", false},
    {"<stream xmlns='http://etherx.jabber.org/streams'>", false},
    {"<s:stream xmlns='jabber:component:accept' xmlns:s='http://etherx.jabber.org/streams' "
     "xmlns:p='urn:p' xmlns:q='urn:p' xmlns:ns0='urn:q'>",
     false},
    // WriteScope{} promises no default namespace and no prefixes; the `stream` prefix bound here
    // is unknown to the writer, which must declare whatever it uses.
    {"<stream:stream xmlns:stream='http://etherx.jabber.org/streams'>", true},
}};

// clang-format off
constexpr std::string_view kNames[] = {
    "message"sv, "body"sv, "iq"sv, "presence"sv, "query"sv, "x"sv, "a"sv, "b"sv, "id"sv, "type"sv,
    "to"sv, "from"sv, "lang"sv, "stream"sv, "features"sv, "xml"sv, "xmlns"sv, "XMLNS"sv,
    "xmlfoo"sv, "p:q"sv, "xml:lang"sv, "xmlns:p"sv, "1a"sv, "-a"sv, ".a"sv, "a-b.c_d"sv, "_"sv,
    ""sv, " "sv, "a b"sv, "é"sv, "日本"sv, "a\xcc\x81"sv, "\xc3"sv, "a\x00"sv, "\xef\xbf\xbe"sv,
    "\xf0\x90\x80\x80"sv, "ns0"sv, "ns-exhausted"sv};
constexpr std::string_view kNamespaces[] = {
    ""sv, "jabber:client"sv, "jabber:server"sv, "jabber:component:accept"sv,
    "http://etherx.jabber.org/streams"sv, "http://www.w3.org/XML/1998/namespace"sv,
    "http://www.w3.org/2000/xmlns/"sv, "urn:ietf:params:xml:ns:xmpp-sasl"sv, "urn:xmpp:sm:3"sv,
    "urn:p"sv, "urn:q"sv, "jabber:server:dialback"sv, "a'b\"c<d>e&f"sv, "\t\n\r"sv,
    "urn:\x01"sv, "\xff"sv, "é"sv, " "sv};
constexpr std::string_view kPrefixes[] = {
    ""sv, "p"sv, "q"sv, "stream"sv, "s"sv, "db"sv, "xml"sv, "xmlns"sv, "XML"sv, "xmlp"sv, "ns0"sv,
    "ns1"sv, "ns15"sv, "ns-exhausted"sv, "1"sv, "a:b"sv, "é"sv, "\xc3"sv, "\x00"sv};
constexpr std::string_view kTexts[] = {
    "hello"sv, ""sv, " "sv, "a&b<c>d"sv, "]]>"sv, "]]"sv, "\r\n"sv, "\r"sv, "\n"sv, "\t"sv,
    "x\r\ny"sv, "\x00"sv, "\x01"sv, "\x1f"sv, "\x7f"sv, "\xc2\x85"sv, "\xe2\x80\xa8"sv,
    "\xef\xbf\xbe"sv, "\xef\xbf\xbf"sv, "\xed\xa0\x80"sv, "\xc3"sv, "\xc0\x80"sv,
    "\xf4\x90\x80\x80"sv, "\xf0\x9f\x98\x80"sv, "caf\xc3\xa9"sv, "&amp;"sv, "'\""sv,
    "&#13;"sv, "<![CDATA[x]]>"sv, "\xef\xbb\xbf"sv};
// clang-format on

// Reads the input front to back; past its end every read gives zeros.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool done() const { return data_.empty(); }
  std::uint8_t byte() {
    if (data_.empty()) return 0;
    const auto b = static_cast<std::uint8_t>(data_[0]);
    data_.remove_prefix(1);
    return b;
  }
  // Half the time a value of `table`, else up to 127 bytes of the input.
  template <std::size_t N>
  std::string_view string(const std::string_view (&table)[N]) {
    const std::uint8_t b = byte();
    if ((b & 1) == 0) return table[(b >> 1) % N];
    std::size_t n = std::min<std::size_t>(b >> 1, data_.size());
    std::string_view s = data_.substr(0, n);
    data_.remove_prefix(n);
    return s;
  }

 private:
  std::string_view data_;
};

// Parses `escaped` inside `<a>…</a>` or `<a v='…'/>` and checks it decodes to `original`.
void check_escaped(std::string_view original, bool attribute) {
  std::string out = "x";
  const WriteStatus status = attribute ? xmpp::xml::write_escaped_attribute(original, out)
                                       : xmpp::xml::write_escaped_text(original, out);
  if (status != WriteStatus::ok) {
    fuzz::check(out == "x", "a refused escape changed the output");
    return;
  }
  const std::string_view escaped = std::string_view(out).substr(1);
  std::string xml = attribute ? "<a v='" : "<a>";
  xml += escaped;
  xml += attribute ? "'/>" : "</a>";
  StreamParser parser(fuzz::generous_limits());
  const Element e = fuzz::parse_one(parser, kContexts[0].header, xml);
  if (attribute) {
    fuzz::check(e.attribute("v") == original, "an escaped attribute value changed", xml);
  } else {
    std::string text;
    e.append_text(text);
    fuzz::check(text == original, "escaped text changed", xml);
  }
}

// Builds a tree from builder operations read from the input.
class Program {
 public:
  explicit Program(Reader& in) : in_(in) {}

  Element run(xmpp::xml::Arena& arena) {
    const std::string_view name = in_.string(kNames);
    const std::string_view ns = in_.string(kNamespaces);
    xmpp::xml::Builder b(arena, name, ns);
    for (int steps = 0; steps < 4000 && !in_.done(); ++steps) {
      switch (in_.byte() % 12) {
        case 0:
        case 1:
          b.start(in_.string(kNames));
          break;
        case 2: {
          const std::string_view child = in_.string(kNames);
          b.start(child, in_.string(kNamespaces));
          break;
        }
        case 3:
        case 4:
          b.end();
          break;
        case 5: {
          const std::string_view attr = in_.string(kNames);
          b.attribute(attr, in_.string(kTexts));
          break;
        }
        case 6: {
          const std::string_view attr = in_.string(kNames);
          const std::string_view attr_ns = in_.string(kNamespaces);
          const std::string_view value = in_.string(kTexts);
          b.attribute(attr, attr_ns, value, in_.string(kPrefixes));
          break;
        }
        case 7:
        case 8:
          b.text(in_.string(kTexts));
          break;
        case 9:
          b.prefix(in_.string(kPrefixes));
          break;
        case 10:
          // A deep copy of the tree so far, made in another arena first (copying an ancestor
          // into itself directly would be asking Builder to copy a tree that grows). Bounded,
          // since each copy doubles the tree.
          if (copies_ < 3) {
            ++copies_;
            xmpp::xml::Arena other;
            b.copy(xmpp::xml::clone(b.root(), other));
          }
          break;
        case 11:
          if (escapes_ < 4) {
            ++escapes_;
            const std::string_view s = in_.string(kTexts);
            check_escaped(s, (in_.byte() & 1) != 0);
          }
          break;
      }
    }
    return b.root();
  }

 private:
  Reader& in_;
  int copies_ = 0;
  int escapes_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Reader in(std::string_view(reinterpret_cast<const char*>(data), size));
  const Context& context = kContexts[in.byte() % kContexts.size()];

  xmpp::xml::Arena arena;
  const Element tree = Program(in).run(arena);

  // The scope comes from the parsed header, as a client gets it.
  StreamParser parser(fuzz::generous_limits());
  const auto r = parser.parse(context.header);
  fuzz::check(r.event == xmpp::xml::ParseEvent::stream_open, "a context header does not parse");
  const WriteScope scope =
      context.empty_scope ? WriteScope{} : WriteScope::of_stream_header(parser.header());

  const std::string before = "<previous output/>";
  std::string out = before;
  const WriteStatus status = xmpp::xml::write(tree, out, scope);
  if (status != WriteStatus::ok) {
    fuzz::check(out == before, "write() refused a tree but changed the output");
    return 0;
  }
  fuzz::check(out.starts_with(before), "write() changed what the output held before");
  const std::string_view xml = std::string_view(out).substr(before.size());
  parser.reset();
  const Element copy = fuzz::parse_one(parser, context.header, xml);
  if (!xmpp::xml::equivalent(copy, tree)) {
    fuzz::fail("written XML parses to a different tree", fuzz::describe(context.header, xml) +
                                                             "\nbuilt:  " + fuzz::dump(tree) +
                                                             "\nparsed: " + fuzz::dump(copy));
  }
  return 0;
}
